"""Unique Pupil Numbers: 13 characters, a check letter then 12 digits (DfE specification)."""

from __future__ import annotations

import re

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def check_letter(digits: str) -> str:
    total = sum(int(d) * weight for d, weight in zip(digits, range(2, 14), strict=True))
    return CHECK_LETTERS[total % 23]


def make_upn(la_code: int, dfe_establishment: int, year_allocated: int, serial: int) -> str:
    digits = f"{la_code:03d}{dfe_establishment:04d}{year_allocated % 100:02d}{serial:03d}"
    return check_letter(digits) + digits


def upn_problem(upn: str) -> str | None:
    if not re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upn or ""):
        return "Enter a UPN of 13 characters: a letter then 12 digits, like A940701219001"
    if upn[-1].isdigit() and check_letter(upn[1:]) != upn[0]:
        return "This UPN's check letter does not match its digits. Check it against the school's records"
    return None
