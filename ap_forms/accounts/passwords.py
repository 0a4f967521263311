"""Password hashing (Argon2id) and the rules a new password must meet (NIST 800-63B style)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Argon2id with at least 19 MiB of memory and 2 passes (OWASP's minimum).
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
MAX_LENGTH = 128

# A real hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = hasher.hash("not-a-real-password-for-timing")


@cache
def _common_passwords() -> frozenset[str]:
    text = files("ap_forms.accounts").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why this password cannot be used, in plain words; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in _common_passwords() or (email and lowered == email.lower()):
        return "This password is too common. Choose something harder to guess, like three random words"
    return None


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
