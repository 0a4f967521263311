"""The school census's "AP placements arranged by schools" items, for a census day (issue 12).

Census days: the first Thursday of October (autumn), the third Thursday of January (spring) and the
third Thursday of May (summer). A placement is returned when it ran at any time in the census period:
from the day after the previous census day to this census day. Each placement is one row (a pupil with
two placements has two). The provider is identified by exactly one of its URN (for a registered school or
college, as on Get Information about Schools), its UKPRN, or, with neither, its type of setting (NFE, OOT,
OTH, WBP).

Before export, `problems` lists what the census's own validation would reject (no URN, UKPRN or type of
setting; a leaving date before the start; no primary reason; no timetable; a bad UPN), each with a link
to the record to fix, like the census's error report. The primary reason is the school's own wording
from the Referral Form: the information system maps it to the census code when the return is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import or_, select

from ap_forms.attendance.services import safe_cell, slots_of
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, ENDED, Placement
from ap_forms.placements.registration import REGISTERED_SCHOOL_TYPES, is_full_time
from ap_forms.placements.services import with_timetable_history
from ap_forms.referrals.models import REASON_LABELS, Referral
from ap_forms.referrals.services import referrals_by_placement
from ap_forms.students.upn import upn_problem
from ap_forms.web.templating import short_date

HEADER = [
    "UPN",
    "Surname",
    "Forename",
    "Date of birth",
    "URN",
    "UKPRN",
    "AP setting type",
    "Start date",
    "Leaving date",
    "Primary reason for placement",
    "Full or part time",
    "Sessions per week",
]
SCHOOL_URN = re.compile(r"^\d{6,7}$")
TERMS = (("Autumn", 10, 1), ("Spring", 1, 3), ("Summer", 5, 3))  # (census, month, which Thursday)


def nth_thursday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 7 * (n - 1))


def census_days(start_year: int) -> list[tuple[str, date]]:
    """The three census days of the school year starting in September `start_year`."""
    return [(name, nth_thursday(start_year if month >= 9 else start_year + 1, month, n)) for name, month, n in TERMS]


def previous_census_day(day: date) -> date:
    """The census day before `day` (the census period starts the day after it)."""
    candidates = [d for year in (day.year - 2, day.year - 1, day.year) for _, d in census_days(year) if d < day]
    return max(candidates)


@dataclass
class Problem:
    placement: Placement
    message: str
    url: str
    field: str


@dataclass
class CensusRow:
    placement: Placement
    referral: Referral | None
    census_day: date

    @property
    def urn(self) -> str:
        """The URN on Get Information about Schools: only a registered school or college has one."""
        provider = self.placement.provider
        urn = provider.ofsted_urn or ""
        return urn if provider.registration_type in REGISTERED_SCHOOL_TYPES and SCHOOL_URN.match(urn) else ""

    @property
    def ukprn(self) -> str:
        return "" if self.urn else (self.placement.provider.ukprn or "")

    @property
    def setting_type(self) -> str:
        return "" if self.urn or self.ukprn else self.placement.provider.setting_type

    @property
    def leaving_date(self) -> date | None:
        ended = self.placement.ended_on
        return ended if ended is not None and ended <= self.census_day else None

    @property
    def primary_reason(self) -> str:
        reasons = (self.referral.reasons or []) if self.referral else []
        return REASON_LABELS.get(reasons[0], "") if reasons else ""

    @property
    def full_or_part(self) -> str:
        sessions = self.placement.timetable_on(self.leaving_date or self.census_day)
        return "F" if is_full_time(sessions) else "P"

    @property
    def sessions_per_week(self) -> int:
        """AM and PM sessions a week on the agreed timetable, as the register counts them."""
        sessions = self.placement.timetable_on(self.leaving_date or self.census_day)
        return len({(s.weekday, slot) for s in sessions for slot in slots_of(s)})

    def cells(self) -> list[str]:
        student = self.placement.student
        values = [
            student.upn,
            student.last_name,
            student.first_name,
            student.date_of_birth.isoformat(),
            self.urn,
            self.ukprn,
            self.setting_type,
            self.placement.start_date.isoformat(),
            self.leaving_date.isoformat() if self.leaving_date else "",
            self.primary_reason,
            self.full_or_part,
            str(self.sessions_per_week),
        ]
        return [safe_cell(v) for v in values]

    def problems(self) -> list[Problem]:
        p, student = self.placement, self.placement.student
        found = []
        provider_url = url_for("providers.provider_edit", provider_id=p.provider_id)
        placement_url = url_for("placements.placement", placement_id=p.id)
        if not (self.urn or self.ukprn or self.setting_type):
            urn = p.provider.ofsted_urn
            found.append(
                Problem(
                    p,
                    f"{p.provider.name}: no URN, UKPRN or type of setting"
                    + (f" (its Ofsted URN {urn} is not a school's URN)" if urn else ""),
                    provider_url,
                    "URN",
                )
            )
        if p.ended_on is not None and p.ended_on < p.start_date:
            found.append(
                Problem(
                    p,
                    f"Leaving date {short_date(p.ended_on)} is before the start date {short_date(p.start_date)}",
                    placement_url,
                    "Leaving date",
                )
            )
        if not self.primary_reason:
            found.append(
                Problem(
                    p,
                    "No primary reason for the placement on its Referral Form",
                    placement_url,
                    "Primary reason for placement",
                )
            )
        if not self.sessions_per_week:
            found.append(Problem(p, "No sessions on the agreed timetable", placement_url, "Sessions per week"))
        problem = upn_problem(student.upn or "")
        if problem:
            found.append(Problem(p, f"UPN: {problem}", url_for("students.pupil", student_id=student.id), "UPN"))
        return found


def census_rows(census_day: date) -> list[CensusRow]:
    start = previous_census_day(census_day) + timedelta(days=1)
    placements = list(
        db.session.scalars(
            with_timetable_history(select(Placement)).where(
                Placement.status.in_((ACTIVE, ENDED)),
                Placement.start_date <= census_day,
                or_(Placement.ended_on.is_(None), Placement.ended_on >= start),
            )
        )
    )
    referrals = referrals_by_placement([p.id for p in placements])
    rows = [CensusRow(p, referrals.get(p.id), census_day) for p in placements]
    return sorted(
        rows, key=lambda r: (r.placement.student.last_name, r.placement.student.first_name, r.placement.start_date)
    )


def export_rows(rows: list[CensusRow]) -> list[list[str]]:
    return [HEADER, *[row.cells() for row in rows]]
