"""The demo school's calendar and a realistic attendance history up to yesterday.

Most sessions are marked by the key worker soon after they start and coded by the office; some
pupils are late or absent; absences have parent calls; one code is amended; the last school day
still has a few gaps (a missing mark, codes not yet recorded, an absence with no parent reached),
so the board and the key worker's "marks missing" banner have something to show.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.attendance.codes import suggested_code
from ap_forms.attendance.models import (
    ABSENT,
    LATE,
    PRESENT,
    REACHED,
    AttendanceMark,
    ParentContact,
    RegisterAmendment,
    RegisterEntry,
)
from ap_forms.attendance.services import expected_sessions
from ap_forms.demo import data
from ap_forms.extensions import db
from ap_forms.placements.models import ENDED, Placement, TimetableSession
from ap_forms.school_calendar.models import Closure, SchoolYear, Term
from ap_forms.school_calendar.services import load_span
from ap_forms.students.models import Student
from ap_forms.web import clock


def load_calendar() -> None:
    for start_year, terms, closures in data.SCHOOL_YEARS:
        year = SchoolYear(start_year=start_year)
        for name, (first, last) in terms.items():
            year.terms.append(Term(name=name, start_date=date.fromisoformat(first), end_date=date.fromisoformat(last)))
        for kind, name, first, last in closures:
            year.closures.append(
                Closure(kind=kind, name=name, start_date=date.fromisoformat(first), end_date=date.fromisoformat(last))
            )
        db.session.add(year)
    db.session.flush()


def _withdrawn_placement(students: list[Student]) -> None:
    """George was withdrawn from forest school in October after a serious incident."""
    provider_name = "Oak and Ember Forest School"
    key_worker = db.session.scalar(select(User).where(User.email == "owen.price@oakandember.example"))
    placement = Placement(
        student=students[12],
        provider_id=key_worker.provider_id,
        key_worker=key_worker,
        start_date=date(2026, 9, 7),
        planned_end_date=date(2027, 7, 16),
        ended_on=date(2026, 10, 9),
        status=ENDED,
        objectives="\n".join(data.OBJECTIVES[provider_name]),
        share_send_needs=True,
    )
    placement.sessions.append(
        TimetableSession(
            weekday=2,
            start_time=time(9, 30),
            end_time=time(12, 0),
            activity="Forest school",
            site_address="Fermyn Woods Clearing",
        )
    )
    db.session.add(placement)
    db.session.flush()


def _stamp(day: date, at: time, minutes: int) -> datetime:
    return clock.to_utc(datetime.combine(day, at) + timedelta(minutes=minutes))


def load_attendance_history(today: date | None = None) -> None:
    today = today or clock.today()
    rng = random.Random(2026)
    students = list(db.session.scalars(select(Student).order_by(Student.id)))
    _withdrawn_placement(students)
    index_of = {s.id: i for i, s in enumerate(students)}
    office = db.session.scalar(select(User).where(User.role == "office").order_by(User.id))
    placements = list(db.session.scalars(select(Placement)))
    for placement in placements:
        placement.baseline_attendance_percent = data.BASELINE_ATTENDANCE.get(index_of[placement.student_id])

    start = min(p.start_date for p in placements)
    end = today - timedelta(days=1)
    span = load_span(start, end)
    last_day = max(span.school_days(start, end), default=None)
    rows = expected_sessions(placements, start, end, span)
    mark_gap_left = False
    for row in rows:
        pupil = index_of[row.placement.student_id]
        key_worker_id = row.placement.key_worker_id
        on_last_day = row.day == last_day
        if on_last_day and not mark_gap_left and row.placement.provider.name == "Meadow Lane Care Farm":
            mark_gap_left = True  # the key worker forgot one: shown as "marks missing"
            continue
        roll = rng.random()
        likelihood = data.ATTENDANCE_LIKELIHOOD.get(pupil, 0.9)
        start_time = row.start_time
        mark = AttendanceMark(
            placement_id=row.placement.id,
            day=row.day,
            session=row.session,
            marked_by_id=key_worker_id,
            marked_at=_stamp(row.day, start_time, rng.randint(5, 40)),
            version=1,
            note="",
        )
        if roll < likelihood - 0.08:
            mark.status = PRESENT
        elif roll < likelihood:
            mark.status = LATE
            mark.minutes_late = rng.choice([5, 10, 15, 20, 35])
            mark.arrived_at = (datetime.combine(row.day, start_time) + timedelta(minutes=mark.minutes_late)).time()
            mark.marked_at = _stamp(row.day, start_time, mark.minutes_late + 2)
        else:
            mark.status = ABSENT
            reason = rng.choice(["ill", "ill", "medical", "refused", "transport", "family", "unknown"])
            mark.absence_reason, mark.note = reason, rng.choice(data.ABSENCE_NOTES[reason])
        db.session.add(mark)
        db.session.flush()

        if on_last_day and row.session == "PM":
            continue  # the office has not coded yesterday afternoon yet
        code = suggested_code(mark) or "O"
        entry = RegisterEntry(
            placement_id=row.placement.id,
            day=row.day,
            session=row.session,
            code=code,
            recorded_by_id=office.id,
            mark_version=1,
            recorded_at=_stamp(row.day, start_time, rng.randint(50, 120)),
        )
        db.session.add(entry)
        if mark.status == ABSENT:
            if on_last_day and mark.absence_reason == "unknown":
                continue  # nobody reached at home yet: a safeguarding follow-up on the board
            parent = next(iter(students[pupil].parent_links), None)
            who = f"{parent.parent.name} ({parent.relationship_to_pupil.lower()})" if parent else "Parent (home phone)"
            db.session.add(
                ParentContact(
                    student_id=row.placement.student_id,
                    day=row.day,
                    contacted_by_id=office.id,
                    contact_with=who,
                    method="phone",
                    outcome=REACHED,
                    notes=mark.note or "Confirmed the absence",
                    follow_up="" if mark.absence_reason != "refused" else "SEND lead to talk to the family",
                    contacted_at=_stamp(row.day, start_time, 70),
                    recorded_at=_stamp(row.day, start_time, 75),
                )
            )
            if mark.absence_reason == "unknown":
                # The call explained it: the office amends N to I, keeping the original entry.
                db.session.flush()
                db.session.add(
                    RegisterAmendment(
                        entry_id=entry.id,
                        old_code=code,
                        new_code="I",
                        reason="Parent confirmed illness by phone",
                        amended_by_id=office.id,
                        amended_at=_stamp(row.day, start_time, 80),
                    )
                )
                entry.code = "I"
    db.session.commit()
