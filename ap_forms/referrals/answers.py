"""The Referral Form's answers as plain rows, for check-your-answers, the summary page and the PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ap_forms.referrals.models import (
    COST_BASES,
    GENDERS,
    REVIEW_KINDS,
    SECTIONS,
    SOCIAL_CARE,
    Referral,
)
from ap_forms.web.templating import long_date, weekday_name


@dataclass(frozen=True)
class AnswerSection:
    key: str
    title: str
    group: str
    rows: list[tuple[str, str]]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


# One function a section: the rows of (question, answer) it shows.


def _pupil(r: Referral) -> list[tuple[str, str]]:
    student = r.student
    return [
        ("Name", student.full_name),
        ("Date of birth", long_date(student.date_of_birth)),
        ("Year group", f"Year {student.year_group}"),
        ("UPN", student.upn),
        ("ULN", r.uln or "None"),
        ("Gender", dict(GENDERS).get(r.gender, "")),
        ("Home language", r.home_language),
    ]


def _family(r: Referral) -> list[tuple[str, str]]:
    return [
        ("Parents and carers", r.parents_carers),
        (
            "Contact or legal restrictions",
            _yes_no(r.has_restrictions) + (f": {r.restrictions}" if r.has_restrictions else ""),
        ),
    ]


def _health(r: Referral) -> list[tuple[str, str]]:
    return [("Medical needs", r.medical_needs), ("Medication", r.medication)]


def _send(r: Referral) -> list[tuple[str, str]]:
    return [
        ("EHCP", "Yes" if r.student.ehcp else "No"),
        ("SEND needs", r.send_needs),
        ("Diagnoses", r.diagnoses),
        ("EHCP outcomes this placement supports", r.ehcp_outcomes),
    ]


def _history(r: Referral) -> list[tuple[str, str]]:
    return [
        ("Attendance before the placement", "" if r.attendance_percent is None else f"{r.attendance_percent}%"),
        ("Suspensions in the last 12 months", "" if r.suspensions_last_year is None else str(r.suspensions_last_year)),
        ("Details of suspensions or exclusions", r.exclusions_detail or "None given"),
        ("Social care involvement", dict(SOCIAL_CARE).get(r.social_care_status, "")),
        ("Looked after", _yes_no(r.looked_after)),
        ("Social worker and plan", r.social_care_details or "Not applicable"),
    ]


def _profile(r: Referral) -> list[tuple[str, str]]:
    return [
        ("Strengths and interests", r.strengths),
        ("Barriers to learning", r.barriers),
        ("Effective past interventions", r.past_interventions),
    ]


def _reasons(r: Referral) -> list[tuple[str, str]]:
    reasons = "\n".join(r.reason_labels)
    if "other" in (r.reasons or []) and r.reason_other:
        reasons += f": {r.reason_other}"
    return [("Reasons", reasons)]


def _objectives(r: Referral) -> list[tuple[str, str]]:
    rows = [(f"Objective {n}", f"{o.objective}\nMeasured by: {o.measure}") for n, o in enumerate(r.objectives, start=1)]
    return [*rows, ("Expected academic outcomes", r.expected_outcomes)]


def _risks(r: Referral) -> list[tuple[str, str]]:
    return [
        (
            f"Risk {n}: {risk.hazard}",
            (f"Triggers: {risk.triggers}\n" if risk.triggers else "")
            + f"Controls: {risk.controls}\n"
            + f"Likelihood {risk.likelihood} × severity {risk.severity} = {risk.score} ({risk.band})",
        )
        for n, risk in enumerate(r.risks, start=1)
    ]


def _provider(r: Referral) -> list[tuple[str, str]]:
    return [
        ("Proposed provider", r.provider.name if r.provider else ""),
        ("Proposed start date", long_date(r.proposed_start)),
        ("Planned end date", long_date(r.proposed_end)),
        ("First review date", long_date(r.first_review_on)),
    ]


def _timetable(r: Referral) -> list[tuple[str, str]]:
    address = r.provider.address if r.provider else ""
    return [
        (
            weekday_name(s.weekday),
            f"{s.start_time:%H:%M} to {s.end_time:%H:%M}: {s.activity}\n{s.site_address or address}",
        )
        for s in r.sessions
    ]


def _agreement(r: Referral) -> list[tuple[str, str]]:
    return [
        ("Parents' or carers' views", r.parent_views),
        ("The pupil's views", r.pupil_views),
        ("Agreed with parents at", dict(REVIEW_KINDS).get(r.agreed_at_review, "")),
        ("Date agreed", long_date(r.agreed_on)),
    ]


ROWS: dict[str, Callable[[Referral], list[tuple[str, str]]]] = {
    "pupil": _pupil,
    "family": _family,
    "health": _health,
    "send": _send,
    "history": _history,
    "profile": _profile,
    "reasons": _reasons,
    "objectives": _objectives,
    "risks": _risks,
    "provider": _provider,
    "timetable": _timetable,
    "agreement": _agreement,
}


def answers(referral: Referral) -> list[AnswerSection]:
    return [AnswerSection(key, title, group, ROWS[key](referral)) for key, title, group in SECTIONS]


def cost_text(referral: Referral) -> str:
    if referral.agreed_cost is None:
        return ""
    return f"£{referral.agreed_cost:,.2f} {dict(COST_BASES).get(referral.cost_basis, '')}".strip()
