"""Daily attendance: which sessions are expected, marks, register codes, parent contact, records.

A session is expected for a placement on a day when the day is a school day (school calendar),
the placement runs that day (started, not ended or withdrawn, not merely planned), and its agreed
timetable has a session on that weekday in that half of the day (AM/PM).

Every function that depends on the time takes `now` (the school's local time, naive) so tests can
pin it; views pass `clock.now()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context
from sqlalchemy import or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ap_forms.attendance.codes import ABSENCE_CODES, ADMIN_CODES, ATTENDING_CODES, CODES, suggested_code
from ap_forms.attendance.models import (
    ABSENCE_REASONS,
    ABSENT,
    AM,
    LATE,
    LEFT_EARLY,
    MARK_LABELS,
    NOT_EXPECTED,
    PM,
    PRESENT,
    SESSIONS,
    AttendanceAlert,
    AttendanceMark,
    MarkChange,
    ParentContact,
    RegisterAmendment,
    RegisterEntry,
)
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, ENDED, Placement, TimetableSession
from ap_forms.placements.services import scope_placements, with_placement_details
from ap_forms.school.services import get_settings
from ap_forms.school_calendar.services import CalendarSpan, load_span
from ap_forms.web import audit, clock
from ap_forms.web.database import delete_rows
from ap_forms.web.roles import DSL, HEADTEACHER, OFFICE, SEND_LEAD

# Who runs the daily board: records register codes and parent contact.
ATTENDANCE_OFFICE = frozenset({OFFICE, HEADTEACHER, SEND_LEAD, DSL})

NOON = time(12, 0)
AFTERNOON_REGISTER = time(13, 0)
# How far back a key worker may fill in missing marks; older corrections go through the office.
MARK_WINDOW_DAYS = 14
# An absence with no reason yet is "unexplained" once it has stood this long (time to pick a reason).
UNEXPLAINED_GRACE = timedelta(minutes=10)


class AttendanceError(ValueError):
    """A mark, code or contact that cannot be recorded, with a message for the person.

    `field` names the form field the message belongs to, when it is about one value typed in.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- cut-offs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoffs:
    """When each session's report is due, and when the school day ends (for parent contact)."""

    am: time = time(10, 0)
    pm: time = time(14, 0)
    end_of_day: time = time(16, 0)

    def for_session(self, session: str) -> time:
        return self.am if session == AM else self.pm

    @classmethod
    def for_current_school(cls) -> Cutoffs:
        if not has_app_context():
            return cls()
        config = current_app.config
        school = get_settings()  # each school may set its own; else the installation's
        return cls(
            am=school.attendance_cutoff_am or time.fromisoformat(config.get("ATTENDANCE_CUTOFF_AM", "10:00")),
            pm=school.attendance_cutoff_pm or time.fromisoformat(config.get("ATTENDANCE_CUTOFF_PM", "14:00")),
            end_of_day=time.fromisoformat(config.get("ATTENDANCE_END_OF_DAY", "16:00")),
        )


def is_past_cutoff(day: date, session: str, now: datetime, cutoffs: Cutoffs | None = None) -> bool:
    cutoffs = cutoffs or Cutoffs.for_current_school()
    return now >= datetime.combine(day, cutoffs.for_session(session))


def is_past_end_of_day(day: date, now: datetime, cutoffs: Cutoffs | None = None) -> bool:
    cutoffs = cutoffs or Cutoffs.for_current_school()
    return now >= datetime.combine(day, cutoffs.end_of_day)


# --- expected sessions -----------------------------------------------------------------------


def slots_of(session: TimetableSession) -> set[str]:
    """AM when it starts before noon; PM when it starts at noon or later, or runs past 13:00."""
    slots = set()
    if session.start_time < NOON:
        slots.add(AM)
    if session.start_time >= NOON or session.end_time > AFTERNOON_REGISTER:
        slots.add(PM)
    return slots


def placement_runs_on(placement: Placement, day: date) -> bool:
    """Started, not past its planned end, not ended or withdrawn before that day; planned ones never."""
    if placement.status not in (ACTIVE, ENDED) or day < placement.start_date:
        return False
    if placement.planned_end_date and day > placement.planned_end_date:
        return False
    return not (placement.ended_on and day > placement.ended_on)


def timetable_for(placement: Placement, day: date, session: str) -> list[TimetableSession]:
    return [s for s in placement.timetable_on(day) if s.weekday == day.weekday() and session in slots_of(s)]


@dataclass
class ExpectedSession:
    """One session a pupil is expected at provision, with what has been recorded about it."""

    placement: Placement
    day: date
    session: str
    timetable: list[TimetableSession]
    mark: AttendanceMark | None = None
    entry: RegisterEntry | None = None
    contacts: list[ParentContact] = field(default_factory=list)
    alerts: dict[str, AttendanceAlert] = field(default_factory=dict)
    now: datetime | None = None
    cutoffs: Cutoffs = field(default_factory=Cutoffs)

    @property
    def key(self) -> str:
        return f"{self.placement.id}-{self.day.isoformat()}-{self.session}"

    @property
    def student(self):
        return self.placement.student

    @property
    def start_time(self) -> time:
        return min(s.start_time for s in self.timetable)

    @property
    def end_time(self) -> time:
        return max(s.end_time for s in self.timetable)

    @property
    def times(self) -> str:
        return f"{self.start_time:%H:%M} to {self.end_time:%H:%M}"

    @property
    def activity(self) -> str:
        return ", ".join(dict.fromkeys(s.activity for s in self.timetable))

    @property
    def outcome(self) -> str | None:
        """present/late/absent/left_early/not_expected from the provider, else from the register code."""
        if self.mark:
            return self.mark.status
        if self.entry:
            if self.entry.code in ATTENDING_CODES:
                return PRESENT
            if self.entry.code in ABSENCE_CODES:
                return ABSENT
            if self.entry.code in ADMIN_CODES:
                return NOT_EXPECTED
        return None

    @property
    def reported(self) -> bool:
        return self.mark is not None

    @property
    def overdue(self) -> bool:
        """Not reported by the provider and past the cut-off."""
        return (
            self.mark is None
            and self.now is not None
            and is_past_cutoff(self.day, self.session, self.now, self.cutoffs)
        )

    @property
    def suggested_code(self) -> str | None:
        return suggested_code(self.mark)

    @property
    def mark_changed_since_code(self) -> bool:
        return bool(self.entry and self.mark and self.entry.mark_version not in (None, self.mark.version))

    @property
    def needs_code(self) -> bool:
        return self.entry is None or self.mark_changed_since_code

    @property
    def absent(self) -> bool:
        return self.outcome == ABSENT

    @property
    def parent_reached(self) -> bool:
        return any(c.reached for c in self.contacts)

    @property
    def follow_up(self) -> bool:
        """Safeguarding follow-up: absent, and no parent reached by the end of the school day."""
        return (
            self.absent
            and not self.parent_reached
            and self.now is not None
            and is_past_end_of_day(self.day, self.now, self.cutoffs)
        )

    @property
    def state_label(self) -> str:
        if self.mark:
            return self.mark.label
        return "Not reported"


def placements_running(
    start: date, end: date, *, user=None, provider_id: int | None = None, placement_ids: Iterable[int] | None = None
) -> list[Placement]:
    """Placements that may have sessions between start and end (all of them when user is None)."""
    query = select(Placement).where(
        Placement.status.in_((ACTIVE, ENDED)),
        Placement.start_date <= end,
        or_(Placement.planned_end_date.is_(None), Placement.planned_end_date >= start),
        or_(Placement.ended_on.is_(None), Placement.ended_on >= start),
    )
    if user is not None:
        query = scope_placements(query, user)
    if provider_id is not None:
        query = query.where(Placement.provider_id == provider_id)
    if placement_ids is not None:
        query = query.where(Placement.id.in_(list(placement_ids)))
    return list(db.session.scalars(with_placement_details(query)).all())


def expected_sessions(
    placements: Iterable[Placement], start: date, end: date, span: CalendarSpan | None = None
) -> list[ExpectedSession]:
    """Every session expected from these placements between start and end, by day then pupil."""
    placements = sorted(placements, key=lambda p: (p.student.last_name, p.student.first_name, p.id))
    span = span or load_span(start, end)
    rows = []
    for day in span.school_days(start, end):
        for placement in placements:
            if not placement_runs_on(placement, day):
                continue
            for session in SESSIONS:
                timetable = timetable_for(placement, day, session)
                if timetable:
                    rows.append(ExpectedSession(placement, day, session, timetable))
    return rows


def is_expected(placement: Placement, day: date, session: str) -> bool:
    return (
        session in SESSIONS
        and placement_runs_on(placement, day)
        and bool(timetable_for(placement, day, session))
        and load_span(day, day).is_school_day(day)
    )


def _attach_records(
    rows: list[ExpectedSession],
    start: date,
    end: date,
    *,
    with_entries: bool = True,
    with_contacts: bool = False,
    with_alerts: bool = False,
    now: datetime | None = None,
) -> None:
    """Fill in marks, register entries (and parent contacts, alerts) in a fixed number of queries."""
    cutoffs = Cutoffs.for_current_school()
    for row in rows:
        row.now, row.cutoffs = now, cutoffs
    if not rows:
        return
    placement_ids = sorted({r.placement.id for r in rows})
    marks = db.session.scalars(
        select(AttendanceMark)
        .where(AttendanceMark.day >= start, AttendanceMark.day <= end, AttendanceMark.placement_id.in_(placement_ids))
        .options(joinedload(AttendanceMark.marked_by))
    ).all()
    entries = (
        db.session.scalars(
            select(RegisterEntry)
            .where(RegisterEntry.day >= start, RegisterEntry.day <= end, RegisterEntry.placement_id.in_(placement_ids))
            .options(joinedload(RegisterEntry.recorded_by), selectinload(RegisterEntry.amendments))
        ).all()
        if with_entries
        else []
    )
    by_key_mark = {(m.placement_id, m.day, m.session): m for m in marks}
    by_key_entry = {(e.placement_id, e.day, e.session): e for e in entries}
    for row in rows:
        key = (row.placement.id, row.day, row.session)
        row.mark, row.entry = by_key_mark.get(key), by_key_entry.get(key)
    if with_contacts:
        student_ids = sorted({r.placement.student_id for r in rows})
        contacts = db.session.scalars(
            select(ParentContact)
            .where(ParentContact.day >= start, ParentContact.day <= end, ParentContact.student_id.in_(student_ids))
            .options(joinedload(ParentContact.contacted_by))
            .order_by(ParentContact.contacted_at)
        ).all()
        by_student_day = defaultdict(list)
        for contact in contacts:
            by_student_day[(contact.student_id, contact.day)].append(contact)
        for row in rows:
            row.contacts = by_student_day[(row.placement.student_id, row.day)]
    if with_alerts:
        alerts = db.session.scalars(
            select(AttendanceAlert).where(
                AttendanceAlert.day >= start,
                AttendanceAlert.day <= end,
                AttendanceAlert.placement_id.in_(placement_ids),
            )
        ).all()
        by_key_alerts = defaultdict(dict)
        for alert in alerts:
            by_key_alerts[(alert.placement_id, alert.day)][(alert.kind, alert.session)] = alert
        for row in rows:
            found = by_key_alerts[(row.placement.id, row.day)]
            row.alerts = {kind: alert for (kind, session), alert in found.items() if session in (row.session, "day")}


# --- one day's register (the key worker's Today page and the office board) -----------------


@dataclass
class DayRegister:
    day: date
    closed_reason: str | None  # why there is no school this day, or None on a school day
    rows: list[ExpectedSession]
    previous_day: date | None = None  # the school days either side, for moving between days
    next_day: date | None = None

    @property
    def is_school_day(self) -> bool:
        return self.closed_reason is None

    def session_rows(self, session: str) -> list[ExpectedSession]:
        return [r for r in self.rows if r.session == session]

    @property
    def sessions(self) -> list[tuple[str, list[ExpectedSession]]]:
        return [(s, self.session_rows(s)) for s in SESSIONS if self.session_rows(s)]

    def count(self, predicate) -> int:
        return sum(1 for r in self.rows if predicate(r))

    @property
    def totals(self) -> dict[str, int]:
        return {
            "expected": len(self.rows),
            "reported": self.count(lambda r: r.reported),
            "not_reported": self.count(lambda r: not r.reported),
            "overdue": self.count(lambda r: r.overdue),
            "present": self.count(lambda r: r.mark and r.mark.status == PRESENT),
            "late": self.count(lambda r: r.mark and r.mark.status == LATE),
            "absent": self.count(lambda r: r.mark and r.mark.status == ABSENT),
            "left_early": self.count(lambda r: r.mark and r.mark.status == LEFT_EARLY),
            "not_expected": self.count(lambda r: r.mark and r.mark.status == NOT_EXPECTED),
            "needs_code": self.count(lambda r: r.needs_code),
            "suggested_b": self.count(lambda r: r.entry is None and r.suggested_code == "B"),
            "absent_no_contact": self.count(lambda r: r.absent and not r.parent_reached),
            "follow_up": self.count(lambda r: r.follow_up),
        }


def day_register(
    day: date,
    *,
    user=None,
    provider_id: int | None = None,
    now: datetime | None = None,
    office: bool = False,
    placement_ids: Iterable[int] | None = None,
) -> DayRegister:
    """Everything expected on one day, with marks and codes; with parent contacts and alerts for the office.

    `placement_ids` narrows it to those placements (one pupil's card after a tap)."""
    now = now or clock.now()
    span = load_span(day - timedelta(days=28), day + timedelta(days=28))
    around = {"previous_day": span.previous_school_day(day), "next_day": span.next_school_day(day)}
    closed = span.why_not_school_day(day)
    if closed:
        return DayRegister(day, closed, [], **around)
    placements = placements_running(day, day, user=user, provider_id=provider_id, placement_ids=placement_ids)
    rows = expected_sessions(placements, day, day, span)
    _attach_records(rows, day, day, with_contacts=office, with_alerts=office, now=now)
    return DayRegister(day, None, rows, **around)


BOARD_FILTERS = {
    "all": "All expected sessions",
    "not_reported": "Not reported",
    "absent": "Absent",
    "late": "Late",
    "needs_code": "Register code needed",
    "no_contact": "Absent, parent not reached",
}


def filter_rows(rows: list[ExpectedSession], status: str) -> list[ExpectedSession]:
    tests = {
        "not_reported": lambda r: not r.reported,
        "absent": lambda r: r.absent,
        "late": lambda r: r.mark is not None and r.mark.status == LATE,
        "needs_code": lambda r: r.needs_code,
        "no_contact": lambda r: r.absent and not r.parent_reached,
    }
    test = tests.get(status)
    return [r for r in rows if test(r)] if test else rows


def missing_marks(user, today: date, *, days_back: int = MARK_WINDOW_DAYS) -> list[tuple[date, int]]:
    """Earlier days (within the marking window) with sessions the provider has not marked yet."""
    start, end = today - timedelta(days=days_back), today - timedelta(days=1)
    placements = placements_running(start, end, user=user)
    rows = expected_sessions(placements, start, end)
    _attach_records(rows, start, end, with_entries=False)
    counts: dict[date, int] = defaultdict(int)
    for row in rows:
        if row.mark is None:
            counts[row.day] += 1
    return sorted(counts.items(), reverse=True)


# --- provider marks ----------------------------------------------------------------------------

MARK_DETAIL_FIELDS = ("minutes_late", "arrived_at", "left_at", "absence_reason", "note")


def _minutes_between(start: time, later: time) -> int:
    delta = datetime.combine(date.min, later) - datetime.combine(date.min, start)
    return max(0, int(delta.total_seconds() // 60))


def _check_times(values: dict, start: time, end: time) -> None:
    """A late arrival or an early leaving time must fall inside the session (not before it, not after it)."""
    times = f"the session runs {start:%H:%M} to {end:%H:%M}"
    arrived, minutes, left = values["arrived_at"], values["minutes_late"], values["left_at"]
    if arrived is not None and not start < arrived < end:
        when = "is not late" if arrived <= start else "is after the session ended"
        raise AttendanceError(
            f"Arrived at {arrived:%H:%M} {when}: {times}. Enter a time between them, or choose another mark",
            "arrived_at",
        )
    length = _minutes_between(start, end)
    if minutes is not None and not 0 < minutes < length:
        raise AttendanceError(f"Minutes late must be between 1 and {max(length - 1, 1)}: {times}", "minutes_late")
    if left is not None and not start < left < end:
        raise AttendanceError(
            f"Left at {left:%H:%M} is not during the session: {times}. Enter a time between "
            "them, or choose another mark",
            "left_at",
        )


def _mark_values(
    status: str, details: dict | None, existing: AttendanceMark | None, start: time, end: time | None = None
) -> dict:
    """The full set of detail fields for a new version of a mark (times checked against the session)."""
    if details is None:  # a quick tap: keep what was said about this status, drop the rest
        keep = existing is not None and existing.status == status
        values = {name: getattr(existing, name) if keep else None for name in MARK_DETAIL_FIELDS}
        values["note"] = existing.note if existing else ""
    else:
        values = {name: details.get(name) for name in MARK_DETAIL_FIELDS}
        values["note"] = (details.get("note") or "").strip()
    if status != LATE:
        values["minutes_late"] = values["arrived_at"] = None
    if status != LEFT_EARLY:
        values["left_at"] = None
    if details is not None and end is not None:
        _check_times(values, start, end)
    if status == LATE and values["arrived_at"] and values["minutes_late"] is None:
        values["minutes_late"] = _minutes_between(start, values["arrived_at"])
    elif status == LATE and values["minutes_late"] is not None and not values["arrived_at"]:
        values["arrived_at"] = (datetime.combine(date.min, start) + timedelta(minutes=values["minutes_late"])).time()
    if status != ABSENT:
        values["absence_reason"] = None
    elif values["absence_reason"] not in (None, *ABSENCE_REASONS):
        raise AttendanceError("Choose a reason from the list", "absence_reason")
    return values


def _check_can_mark(placement: Placement, day: date, session: str, today: date) -> list[TimetableSession]:
    if day > today:
        raise AttendanceError("You can only mark sessions that have happened: today or earlier")
    if day < today - timedelta(days=MARK_WINDOW_DAYS):
        raise AttendanceError(f"Marks older than {MARK_WINDOW_DAYS} days are corrected by the school office")
    if not is_expected(placement, day, session):
        raise AttendanceError("This pupil is not expected at that session, so it cannot be marked")
    return timetable_for(placement, day, session)


def _session_row(model: type[AttendanceMark] | type[RegisterEntry], placement: Placement, day: date, session: str):
    """The placement's one provider mark or register entry for a session (unique per session), or None."""
    return db.session.scalar(
        select(model).where(model.placement_id == placement.id, model.day == day, model.session == session)
    )


def _insert_session_row(
    model: type[AttendanceMark] | type[RegisterEntry], placement: Placement, day: date, session: str, **values
):
    """Insert the placement's first mark or register entry for a session. If another request has just
    inserted it (the same session saved at the same moment), roll back and raise IntegrityError."""
    row = model(placement_id=placement.id, day=day, session=session, **values)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise
    return row


def record_mark(
    placement: Placement,
    day: date,
    session: str,
    status: str,
    *,
    by,
    now: datetime | None = None,
    details: dict | None = None,
    _retry: bool = True,
) -> AttendanceMark:
    """Save a provider's mark for one session. A change keeps the earlier version; a repeat changes nothing."""
    now = now or clock.now()
    if status not in MARK_LABELS:
        raise AttendanceError("Choose present, late, absent, left early or not expected")
    timetable = _check_can_mark(placement, day, session, now.date())
    start, end = min(s.start_time for s in timetable), max(s.end_time for s in timetable)
    mark = _session_row(AttendanceMark, placement, day, session)
    values = _mark_values(status, details, mark, start, end)
    stamp = clock.to_utc(now)
    late_reporting = day < now.date()
    if mark is None:
        try:
            mark = _insert_session_row(
                AttendanceMark,
                placement,
                day,
                session,
                status=status,
                marked_by_id=by.id,
                marked_at=stamp,
                late_reporting=late_reporting,
                version=1,
                **values,
            )
        except IntegrityError:
            if not _retry:
                raise
            # The same session marked at the same moment (a double tap): change that mark instead.
            return record_mark(placement, day, session, status, by=by, now=now, details=details, _retry=False)
        action = "attendance_marked"
    else:
        if mark.status == status and all(getattr(mark, k) == v for k, v in values.items()):
            return mark  # nothing new: a double tap or a repeated form
        db.session.add(
            MarkChange(
                mark=mark,
                replaced_by_id=by.id,
                replaced_at=stamp,
                marked_by_id=mark.marked_by_id,
                **{
                    name: getattr(mark, name) for name in ("status", "marked_at", "late_reporting", *MARK_DETAIL_FIELDS)
                },
            )
        )
        mark.status = status
        for name, value in values.items():
            setattr(mark, name, value)
        mark.marked_by_id, mark.marked_at, mark.late_reporting = by.id, stamp, late_reporting
        mark.version += 1
        action = "attendance_mark_changed"
    audit.record(action, "placement", placement.id, detail=f"{day.isoformat()} {session} {status}", user=by)
    db.session.commit()
    return mark


@dataclass
class AllPresentResult:
    """What "All present" did: who it marked, and who it left out (and why)."""

    marked: list[ExpectedSession] = field(default_factory=list)
    pending: list[ExpectedSession] = field(default_factory=list)  # a mark still waiting on the page
    not_listed: list[ExpectedSession] = field(default_factory=list)  # not on the key worker's screen

    @property
    def count(self) -> int:
        return len(self.marked)


def mark_all_present(
    user,
    day: date,
    session: str,
    *,
    now: datetime | None = None,
    placement_ids: Iterable[int] | None = None,
    pending_ids: Iterable[int] = (),
) -> AllPresentResult:
    """Mark present the key worker's pupils not yet marked for this session, as the page listed them.

    `placement_ids` is the list the page showed as not marked: a pupil who is not on it (added since
    the page was drawn) is never marked present unseen. `pending_ids` are pupils with a mark the page
    could not send yet (no signal): the key worker chose something for them, so they are left out
    even if listed. None for `placement_ids` means every unmarked pupil (the service's callers
    other than the register page).
    """
    now = now or clock.now()
    listed = None if placement_ids is None else set(placement_ids)
    pending = set(pending_ids)
    register = day_register(day, user=user, now=now)
    result = AllPresentResult()
    for row in register.session_rows(session):
        if row.mark is not None:
            continue
        if row.placement.id in pending:
            result.pending.append(row)
        elif listed is not None and row.placement.id not in listed:
            result.not_listed.append(row)
        else:
            record_mark(row.placement, day, session, PRESENT, by=user, now=now)
            result.marked.append(row)
    return result


def mark_history(mark: AttendanceMark | None) -> list:
    """Every version of a provider's mark, oldest first (earlier versions, then the current one)."""
    if mark is None:
        return []
    return [*mark.changes, mark]


# --- the school register ---------------------------------------------------------------------


def record_code(
    placement: Placement, day: date, session: str, code: str, *, by, reason: str = "", now: datetime | None = None
) -> RegisterEntry:
    """Record the register code for a session; changing a code needs a reason and keeps the original."""
    now = now or clock.now()
    if code not in CODES:
        raise AttendanceError("Choose a register code from the list")
    if day > now.date():
        raise AttendanceError("You cannot record a register code for a day that has not happened")
    if not is_expected(placement, day, session):
        raise AttendanceError("This pupil was not expected at provision in that session")
    mark = _session_row(AttendanceMark, placement, day, session)
    mark_version = mark.version if mark else None
    if code == "B" and suggested_code(mark) != "B":
        # The 2024 regulations: B only when the school knows the pupil attended supervised, approved
        # provision, which is the bulk "record B" rule (the provider reported them present or late).
        raise AttendanceError(
            "Code B can only be recorded when the provider has reported the pupil attended "
            "this session: it is "
            + ("not reported yet" if mark is None else f"reported as {mark.label.lower()}")
            + ". Choose another code, or ask the provider to report it"
        )
    entry = _session_row(RegisterEntry, placement, day, session)
    stamp = clock.to_utc(now)
    if entry is None:
        try:
            entry = _insert_session_row(
                RegisterEntry,
                placement,
                day,
                session,
                code=code,
                recorded_by_id=by.id,
                recorded_at=stamp,
                mark_version=mark_version,
            )
        except IntegrityError:
            raise AttendanceError(
                "Someone else has just recorded a code for this session. Reload the page to see it."
            ) from None
        audit.record(
            "register_code_recorded", "placement", placement.id, detail=f"{day.isoformat()} {session} {code}", user=by
        )
    elif entry.code == code:
        if entry.mark_version == mark_version:
            return entry
        entry.mark_version = mark_version  # the office has checked the code against the changed mark
        audit.record(
            "register_code_confirmed", "placement", placement.id, detail=f"{day.isoformat()} {session} {code}", user=by
        )
    else:
        reason = (reason or "").strip()
        if not reason:
            raise AttendanceError("Enter the reason for changing the register code")
        db.session.add(
            RegisterAmendment(
                entry=entry, old_code=entry.code, new_code=code, reason=reason, amended_by_id=by.id, amended_at=stamp
            )
        )
        audit.record(
            "register_code_amended",
            "placement",
            placement.id,
            detail=f"{day.isoformat()} {session} {entry.code} to {code}",
            user=by,
        )
        entry.code, entry.mark_version = code, mark_version
    db.session.commit()
    return entry


def record_suggested_codes(user, day: date, *, provider_id: int | None = None, now: datetime | None = None) -> int:
    """Record B for every session the provider confirmed attended that has no code yet."""
    now = now or clock.now()
    register = day_register(day, user=user, provider_id=provider_id, now=now)
    count = 0
    for row in register.rows:
        if row.entry is None and row.suggested_code == "B":
            record_code(row.placement, day, row.session, "B", by=user, now=now)
            count += 1
    return count


# --- parent contact ------------------------------------------------------------------------


def record_parent_contact(
    student_id: int,
    day: date,
    *,
    by,
    contact_with: str,
    method: str,
    outcome: str,
    contacted_at: datetime,
    notes: str = "",
    follow_up: str = "",
    now: datetime | None = None,
) -> ParentContact:
    """Log a call (or message) to a parent about an absence. `contacted_at` is local time."""
    from ap_forms.attendance.models import CONTACT_METHODS, CONTACT_OUTCOMES

    now = now or clock.now()
    if method not in CONTACT_METHODS:
        raise AttendanceError("Choose how you contacted them")
    if outcome not in CONTACT_OUTCOMES:
        raise AttendanceError("Choose what happened")
    if contacted_at > now + timedelta(minutes=5):
        raise AttendanceError("The time of the contact cannot be in the future")
    contact = ParentContact(
        student_id=student_id,
        day=day,
        contacted_at=clock.to_utc(contacted_at),
        contacted_by_id=by.id,
        contact_with=contact_with.strip(),
        method=method,
        outcome=outcome,
        notes=notes.strip(),
        follow_up=follow_up.strip(),
        recorded_at=clock.to_utc(now),
    )
    db.session.add(contact)
    db.session.flush()
    audit.record("parent_contact_recorded", "student", student_id, detail=f"{day.isoformat()} {outcome}", user=by)
    db.session.commit()
    return contact


def contacts_for(student_id: int, day: date) -> list[ParentContact]:
    return list(
        db.session.scalars(
            select(ParentContact)
            .where(ParentContact.student_id == student_id, ParentContact.day == day)
            .options(selectinload(ParentContact.contacted_by))
            .order_by(ParentContact.contacted_at)
        ).all()
    )


def session_detail(placement: Placement, day: date, session: str, *, now: datetime | None = None) -> ExpectedSession:
    """One expected session with its mark history, register amendments and the day's parent contacts."""
    if not is_expected(placement, day, session):
        raise AttendanceError("This pupil was not expected at provision in that session")
    row = ExpectedSession(placement, day, session, timetable_for(placement, day, session))
    _attach_records([row], day, day, with_contacts=True, with_alerts=True, now=now or clock.now())
    return row


def _earlier_versions(model, of_row, row, *people) -> list:
    """What a mark or register entry was before (MarkChange, RegisterAmendment), oldest first, with the
    people named on them; none for a row not there."""
    if row is None:
        return []
    query = select(model).where(of_row == row.id).options(*(selectinload(p) for p in people)).order_by(model.id)
    return list(db.session.scalars(query).all())


def get_entry_amendments(entry: RegisterEntry | None) -> list[RegisterAmendment]:
    return _earlier_versions(RegisterAmendment, RegisterAmendment.entry_id, entry, RegisterAmendment.amended_by)


def get_mark_changes(mark: AttendanceMark | None) -> list[MarkChange]:
    return _earlier_versions(MarkChange, MarkChange.mark_id, mark, MarkChange.marked_by, MarkChange.replaced_by)


# --- records: percentages, calendar, trend ---------------------------------------------------


@dataclass
class Summary:
    """Attendance over a range: attended ÷ expected, late counted as attended and shown separately."""

    expected: int = 0
    present: int = 0
    late: int = 0
    left_early: int = 0
    absent: int = 0
    not_expected: int = 0
    not_reported: int = 0

    @property
    def attended(self) -> int:
        return self.present + self.late + self.left_early

    @property
    def counted(self) -> int:
        """Sessions that count: expected, less those the provider said were not expected after all."""
        return self.expected - self.not_expected

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.counted, 1) if self.counted else None

    def add(self, outcome: str | None) -> None:
        self.expected += 1
        if outcome is None:
            self.not_reported += 1
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)


def summarise(rows: Iterable[ExpectedSession]) -> Summary:
    summary = Summary()
    for row in rows:
        summary.add(row.outcome)
    return summary


def counted_rows(rows: Iterable[ExpectedSession], today: date) -> list[ExpectedSession]:
    """Sessions that have happened: before today, or today once something is recorded."""
    return [r for r in rows if r.day < today or (r.day == today and r.outcome is not None)]


@dataclass
class Record:
    """One pupil's (or one placement's) attendance over a date range."""

    placements: list[Placement]
    start: date
    end: date
    rows: list[ExpectedSession]
    span: CalendarSpan
    today: date

    @property
    def range_rows(self) -> list[ExpectedSession]:
        return [r for r in self.rows if self.start <= r.day <= self.end]

    @property
    def summary(self) -> Summary:
        return summarise(counted_rows(self.range_rows, self.today))

    @property
    def baseline(self) -> float | None:
        with_baseline = [p for p in self.placements if p.baseline_attendance_percent is not None]
        if not with_baseline:
            return None
        return max(with_baseline, key=lambda p: p.start_date).baseline_attendance_percent

    def by_month(self) -> list[tuple[date, Summary]]:
        months: dict[date, Summary] = {}
        for row in counted_rows(self.range_rows, self.today):
            month = row.day.replace(day=1)
            months.setdefault(month, Summary()).add(row.outcome)
        return sorted(months.items())

    def trend(self) -> list[dict]:
        """Month by month against the baseline from the referral (points above or below it)."""
        baseline = self.baseline
        return [
            {
                "month": month,
                "summary": s,
                "percent": s.percent,
                "difference": None if baseline is None or s.percent is None else round(s.percent - baseline, 1),
            }
            for month, s in self.by_month()
        ]

    def month_grid(self, month: date) -> list[list[dict | None]]:
        """Weeks of Monday–Friday cells for one month: each day's sessions and why there is no school."""
        first = month.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        by_day = defaultdict(list)
        for row in self.rows:
            by_day[row.day].append(row)
        weeks, week = [], [None] * 5
        day = first
        while day < next_month:
            if day.weekday() < 5:
                week[day.weekday()] = {
                    "day": day,
                    "rows": by_day.get(day, []),
                    "closed": self.span.why_not_school_day(day),
                    "future": day > self.today,
                }
            if day.weekday() == 4 or day == next_month - timedelta(days=1):
                if any(week):
                    weeks.append(week)
                week = [None] * 5
            day += timedelta(days=1)
        return weeks


def build_record(
    placements: list[Placement],
    start: date,
    end: date,
    *,
    today: date | None = None,
    calendar_month: date | None = None,
) -> Record:
    """Attendance of these placements from start to end (the calendar month is loaded too)."""
    today = today or clock.today()
    load_start, load_end = start, end
    if calendar_month:
        month_end = (calendar_month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        load_start, load_end = min(start, calendar_month.replace(day=1)), max(end, month_end)
    span = load_span(load_start, load_end)
    rows = expected_sessions(placements, load_start, load_end, span)
    _attach_records(rows, load_start, load_end)
    return Record(placements, start, end, rows, span, today)


# --- export ------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with an apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def register_export_rows(start: date, end: date) -> list[list[str]]:
    """Header and one row per recorded register code between start and end."""
    entries = db.session.scalars(
        select(RegisterEntry)
        .where(RegisterEntry.day >= start, RegisterEntry.day <= end)
        .options(
            selectinload(RegisterEntry.placement).selectinload(Placement.student),
            selectinload(RegisterEntry.placement).selectinload(Placement.provider),
        )
    ).all()
    entries = sorted(
        entries, key=lambda e: (e.day, e.placement.student.last_name, e.placement.student.first_name, e.session)
    )
    rows = [["Pupil", "UPN", "Date", "Session", "Code", "Provider"]]
    for entry in entries:
        student = entry.placement.student
        rows.append(
            [
                safe_cell(v)
                for v in (
                    student.sort_name,
                    student.upn,
                    entry.day.isoformat(),
                    entry.session,
                    entry.code,
                    entry.placement.provider.name,
                )
            ]
        )
    return rows


def sessions_without_code(start: date, end: date, *, today: date) -> int:
    """Expected sessions that have happened in the range but have no register code yet."""
    end = min(end, today)
    if end < start:
        return 0
    rows = expected_sessions(placements_running(start, end), start, end)
    _attach_records(rows, start, end)
    return sum(1 for r in rows if r.entry is None)


# --- erasing, for the retention review (children before parents: foreign keys are enforced) ----------


def erase_attendance(placement_ids, up_to: date | None = None) -> dict[str, int]:
    """Delete the placements' marks with their earlier versions, register codes with their amendments, and
    alerts (only those dated on or before `up_to` when given); how many of each went."""
    mark_day = AttendanceMark.day <= up_to if up_to else true()
    entry_day = RegisterEntry.day <= up_to if up_to else true()
    marks = select(AttendanceMark.id).where(AttendanceMark.placement_id.in_(placement_ids), mark_day)
    entries = select(RegisterEntry.id).where(RegisterEntry.placement_id.in_(placement_ids), entry_day)
    return {
        "earlier mark versions": delete_rows(MarkChange, MarkChange.mark_id.in_(marks)),
        "attendance marks": delete_rows(AttendanceMark, AttendanceMark.placement_id.in_(placement_ids), mark_day),
        "register amendments": delete_rows(RegisterAmendment, RegisterAmendment.entry_id.in_(entries)),
        "register codes": delete_rows(RegisterEntry, RegisterEntry.placement_id.in_(placement_ids), entry_day),
        "attendance alerts": delete_rows(
            AttendanceAlert,
            AttendanceAlert.placement_id.in_(placement_ids),
            AttendanceAlert.day <= up_to if up_to else true(),
        ),
    }


def erase_contacts_with_home(student_id: int, up_to: date | None = None) -> int:
    """Delete the pupil's contacts with home about absences (those on or before `up_to` when given)."""
    return delete_rows(
        ParentContact, ParentContact.student_id == student_id, ParentContact.day <= up_to if up_to else true()
    )
