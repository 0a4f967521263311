"""The DfE registration threshold: a provider that is not a registered school must not give full-time
education (from the agreed timetables) to 5 or more pupils, or to one pupil with an EHCP or who is
looked after. Used before a referral is approved and by the compliance board."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, PLANNED, Placement
from ap_forms.providers.models import Provider

# DfE registration guidance treats 18 hours or more of education a week as full-time.
FULL_TIME_HOURS = 18
# A provider registered as a school (or a college) may give full-time education; others may not.
REGISTERED_SCHOOL_TYPES = frozenset({"independent_school", "fe_college"})


def _hours(sessions) -> float:
    return (
        sum(
            (datetime.combine(date.min, s.end_time) - datetime.combine(date.min, s.start_time)).seconds
            for s in sessions
        )
        / 3600
    )


def weekly_hours(placement: Placement) -> float:
    """Hours a week on the agreed timetable."""
    return _hours(placement.sessions)


def is_full_time(sessions) -> bool:
    return _hours(sessions) >= FULL_TIME_HOURS


def crosses_threshold(students) -> bool:
    """Full-time education for 5 or more pupils, or for one with an EHCP or looked after."""
    students = list(students)
    return len(students) >= 5 or any(s.ehcp or s.looked_after for s in students)


def threshold_warning(provider: Provider | None, sessions, student) -> str | None:
    """Before a referral is approved: would its timetable make an unregistered provider give full-time education
    it must be registered as a school for? A plain-words warning, or None."""
    if provider is None or provider.registration_type in REGISTERED_SCHOOL_TYPES or not is_full_time(sessions):
        return None
    placed = db.session.scalars(
        select(Placement)
        .where(Placement.provider_id == provider.id, Placement.status.in_((PLANNED, ACTIVE)))
        .options(selectinload(Placement.sessions), selectinload(Placement.student))
    )
    students = [p.student for p in placed if is_full_time(p.sessions)] + [student]
    if not crosses_threshold(students):
        return None
    return (
        f"{provider.name} is not registered as a school, and this timetable is full time ({FULL_TIME_HOURS} hours "
        "or more a week). With it, the provider would give full-time education to "
        + (f"{len(students)} pupils" if len(students) >= 5 else "a pupil with an EHCP or who is looked after")
        + ", which only a registered school may do. Reduce the hours, or choose a registered provider."
    )
