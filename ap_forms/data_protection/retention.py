"""The retention review: which records are past their retention period, and keeping or erasing them.

Nothing is ever erased automatically. A record past its period is listed for a leader to review: keep it
(a reason, and the day it comes back for review) or ask for it to be erased, which happens only when a
second person confirms. Erasing removes the data; the decision row and an audit row say what kind of record
was erased, when, by whom and who asked (never whose it was).

A review *item* is one kind of record for one pupil (attendance, SEN, child protection) or one placement
(other AP records). Periods are counted in whole years from their start; 29 February counts to 1 March.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import func, select

from ap_forms.attendance.models import AttendanceMark, ParentContact, RegisterEntry
from ap_forms.attendance.services import erase_attendance, erase_contacts_with_home
from ap_forms.data_protection.models import ERASE, KEEP, RetentionDecision
from ap_forms.extensions import db
from ap_forms.feedback.services import erase_feedback
from ap_forms.incidents.models import CONCERN, Report, SafeguardingFlag
from ap_forms.incidents.services import erase_concerns, erase_incidents_during
from ap_forms.placements.models import ENDED, Placement
from ap_forms.placements.services import erase_placement_records, erase_placements
from ap_forms.quality.models import ProgressEntry
from ap_forms.quality.services import erase_progress_entries
from ap_forms.referrals.services import erase_referrals, unlink_referrals
from ap_forms.students.models import Student
from ap_forms.students.services import clear_pupil_fields, erase_pupil, erase_pupil_changes
from ap_forms.web import audit
from ap_forms.web.clock import utcnow
from ap_forms.web.database import update_rows
from ap_forms.web.roles import DSL, HEADTEACHER, SEND_LEAD
from ap_forms.web.templating import date_words

ATTENDANCE, SEN, CHILD_PROTECTION, AP_RECORDS = "attendance", "sen", "child_protection", "ap_records"


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    years: int
    starts: str  # from when the years count
    covers: str
    source: str
    reviewers: frozenset[str]  # who reviews (and so who may keep, ask or confirm): two of them are needed


# The retention periods, in one table with their source (shown on the review page).
PERIODS = {
    p.kind: p
    for p in [
        Period(
            ATTENDANCE,
            "Attendance register",
            6,
            "the date of each entry",
            "Providers' attendance marks and their earlier versions, register codes and their amendments, alerts, "
            "and contact with home about absences",
            "The School Attendance (Pupil Registration) (England) Regulations 2024, regulation 7: every entry is "
            "kept for six years from the date it was made; IRMS Information Management Toolkit for Schools",
            frozenset({HEADTEACHER, SEND_LEAD}),
        ),
        Period(
            SEN,
            "SEN records",
            31,
            "the pupil's date of birth",
            "Referral Forms (SEND needs, EHCP outcomes, risk assessments) with their history, SEND needs and "
            "diagnoses on the pupil record and its change history; the pupil record itself when nothing else is "
            "held about the pupil",
            "IRMS Information Management Toolkit for Schools (SEN files, EHCPs, advice and information: date of "
            "birth of the pupil + 31 years); Limitation Act 1980",
            frozenset({HEADTEACHER, SEND_LEAD}),
        ),
        Period(
            CHILD_PROTECTION,
            "Child protection records",
            25,
            "the pupil's date of birth",
            "Safeguarding concerns about the pupil with what the school did, the staff flag, and the child "
            "protection status on the pupil record (allegations about adults follow the adult's own retention "
            "and are not in this review)",
            "IRMS Information Management Toolkit for Schools (child protection files: date of birth of the child "
            "+ 25 years, then review); Keeping children safe in education",
            frozenset({HEADTEACHER, DSL}),
        ),
        Period(
            AP_RECORDS,
            "Other alternative provision records",
            6,
            "the day the placement ended",
            "The placement, its timetables, reviews and ending, weekly feedback, termly reports, Annual Review "
            "contributions, progress seen on visits, its attendance, and serious incident and health and safety "
            "reports about the pupil at that provider during it",
            "IRMS Information Management Toolkit for Schools (pupil records: 6 years after the last action); "
            "Limitation Act 1980 (6 years for a claim in contract or negligence)",
            frozenset({HEADTEACHER, SEND_LEAD}),
        ),
    ]
}


def add_years(day: date, years: int) -> date:
    """The anniversary; 29 February's is 1 March in a year without one (the later day: kept long enough)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def years_before(today: date, years: int) -> date:
    """The last day whose anniversary `years` on (by add_years) is on or before today."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February: 28 February's anniversary is today, 29 February's tomorrow
        return date(today.year - years, 2, 28)


@dataclass
class Item:
    kind: str
    subject_id: int
    student: Student
    due_on: date  # the day it passed its retention period
    what: str  # what it covers, for the reviewer (names the pupil: shown only to reviewers)
    summary: str  # the same without naming the pupil, kept after erasure
    placement: Placement | None = None
    up_to: date | None = None  # attendance: entries on or before this day
    pending: RetentionDecision | None = None  # an erasure asked for, waiting for a second person

    @property
    def period(self) -> Period:
        return PERIODS[self.kind]


def kinds_for(user) -> list[str]:
    return [kind for kind, period in PERIODS.items() if user.role in period.reviewers]


# --- what is due -----------------------------------------------------------------------------------


def _attendance_items(today: date, only: int | None) -> list[Item]:
    up_to = years_before(today, PERIODS[ATTENDANCE].years)
    found: dict[int, list] = {}
    marks = (
        select(Placement.student_id, func.count(), func.min(AttendanceMark.day))
        .join(Placement, Placement.id == AttendanceMark.placement_id)
        .where(AttendanceMark.day <= up_to)
        .group_by(Placement.student_id)
    )
    codes = (
        select(Placement.student_id, func.count(), func.min(RegisterEntry.day))
        .join(Placement, Placement.id == RegisterEntry.placement_id)
        .where(RegisterEntry.day <= up_to)
        .group_by(Placement.student_id)
    )
    contacts = (
        select(ParentContact.student_id, func.count(), func.min(ParentContact.day))
        .where(ParentContact.day <= up_to)
        .group_by(ParentContact.student_id)
    )
    for position, query in enumerate((marks, codes, contacts)):
        if only is not None:
            query = query.having(query.selected_columns[0] == only)
        for student_id, count, first in db.session.execute(query):
            counts = found.setdefault(student_id, [0, 0, 0, first])
            counts[position] = count
            counts[3] = min(counts[3], first)
    items = []
    for student_id, (marks_n, codes_n, contacts_n, first) in found.items():
        student = db.session.get(Student, student_id)
        summary = (
            f"{marks_n} attendance marks, {codes_n} register codes and {contacts_n} contacts with home "
            f"dated up to {date_words(up_to)}"
        )
        items.append(
            Item(
                ATTENDANCE,
                student_id,
                student,
                add_years(first, PERIODS[ATTENDANCE].years),
                f"{student.full_name}: {summary}, the earliest {date_words(first)}",
                summary,
                up_to=up_to,
            )
        )
    return items


def _ap_items(today: date, only: int | None) -> list[Item]:
    cutoff = years_before(today, PERIODS[AP_RECORDS].years)
    end = func.coalesce(Placement.ended_on, Placement.planned_end_date)
    query = select(Placement).where(Placement.status == ENDED, end <= cutoff)
    if only is not None:
        query = query.where(Placement.id == only)
    items = []
    for placement in db.session.scalars(query.order_by(Placement.id)):
        ended = placement.ended_on or placement.planned_end_date
        summary = f"a placement at {placement.provider.name} that ended on {date_words(ended)}"
        items.append(
            Item(
                AP_RECORDS,
                placement.id,
                placement.student,
                add_years(ended, PERIODS[AP_RECORDS].years),
                f"{placement.student.full_name}: {summary}",
                summary,
                placement=placement,
            )
        )
    return items


def _by_birth_items(kind: str, today: date, only: int | None) -> list[Item]:
    born_by = years_before(today, PERIODS[kind].years)
    query = select(Student).where(Student.date_of_birth <= born_by)
    if kind == CHILD_PROTECTION:
        query = query.where(
            Student.id.in_(select(Report.student_id).where(Report.kind == CONCERN))
            | Student.id.in_(select(SafeguardingFlag.student_id))
            | (Student.child_protection != "none")
        )
    if only is not None:
        query = query.where(Student.id == only)
    items = []
    for student in db.session.scalars(query.order_by(Student.id)):
        summary = "the SEN records of one pupil" if kind == SEN else "the child protection records of one pupil"
        items.append(
            Item(
                kind,
                student.id,
                student,
                add_years(student.date_of_birth, PERIODS[kind].years),
                f"{student.full_name}: {summary}",
                summary,
            )
        )
    return items


def _items(kind: str, today: date, only: int | None = None) -> list[Item]:
    if kind == ATTENDANCE:
        return _attendance_items(today, only)
    if kind == AP_RECORDS:
        return _ap_items(today, only)
    return _by_birth_items(kind, today, only)


def _latest(kind: str, subject_id: int) -> RetentionDecision | None:
    return db.session.scalar(
        select(RetentionDecision)
        .where(
            RetentionDecision.kind == kind,
            RetentionDecision.subject_id == subject_id,
            RetentionDecision.cancelled_at.is_(None),
        )
        .order_by(RetentionDecision.id.desc())
        .limit(1)
    )


def _still_due(item: Item, today: date) -> bool:
    """Not kept until a later review date; an erasure asked for stays listed (as waiting)."""
    latest = _latest(item.kind, item.subject_id)
    if latest is None:
        return True
    if latest.is_pending:
        item.pending = latest
        return True
    if latest.decision == KEEP:
        return latest.review_on is None or latest.review_on <= today
    # Erased: only attendance comes back, with entries that have passed their date since (the earlier
    # ones are gone). The rest were erased whole (what is left of a pupil record held for a placement
    # stays with that placement's own review).
    return item.kind == ATTENDANCE


def due_items(user, today: date) -> list[Item]:
    """Everything past its retention period that this person reviews, oldest first. Never changes anything."""
    items = [item for kind in kinds_for(user) for item in _items(kind, today) if _still_due(item, today)]
    return sorted(items, key=lambda i: (i.due_on, i.kind, i.subject_id))


def get_item_or_404(user, kind: str, subject_id: int, today: date) -> Item:
    if kind not in kinds_for(user):
        abort(404)
    item = next((i for i in _items(kind, today, subject_id) if _still_due(i, today)), None)
    if item is None:
        abort(404)
    return item


def recent_decisions(user, limit: int = 30) -> list[RetentionDecision]:
    return list(
        db.session.scalars(
            select(RetentionDecision)
            .where(RetentionDecision.kind.in_(kinds_for(user)))
            .order_by(RetentionDecision.id.desc())
            .limit(limit)
        )
    )


# --- deciding --------------------------------------------------------------------------------------


class RetentionRefused(ValueError):
    pass


def _decide(item: Item, by, action: str, detail: str, **values) -> RetentionDecision:
    """A decision on the item by `by` (keep, or ask to erase), with its audit row."""
    decision = RetentionDecision(
        kind=item.kind,
        subject_id=item.subject_id,
        summary=item.summary[:255],
        requested_by_id=by.id,
        requested_at=utcnow(),
        **values,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(action, "retention_decision", decision.id, user=by, detail=detail)
    db.session.commit()
    return decision


def keep(item: Item, *, reason: str, review_on: date, by) -> RetentionDecision:
    if item.pending is not None:
        raise RetentionRefused("Someone has asked for this to be erased: cancel that request first to keep it")
    return _decide(
        item,
        by,
        "retention_kept",
        f"{item.period.label}: {item.summary}; review on {review_on.isoformat()}",
        decision=KEEP,
        reason=reason,
        review_on=review_on,
    )


def ask_to_erase(item: Item, *, reason: str, by) -> RetentionDecision:
    if item.pending is not None:
        raise RetentionRefused("Erasing this is already waiting for a second person to confirm it")
    return _decide(
        item,
        by,
        "retention_erase_requested",
        f"{item.period.label}: {item.summary}",
        decision=ERASE,
        reason=reason,
        up_to=item.up_to,
    )


def cancel(item: Item, *, by) -> None:
    if item.pending is None or not _close(item.pending, cancelled_by_id=by.id, cancelled_at=utcnow()):
        raise RetentionRefused("Nobody has asked for this to be erased")
    audit.record("retention_erase_cancelled", "retention_decision", item.pending.id, user=by, detail=item.period.label)
    db.session.commit()


def confirm_erasure(item: Item, *, by) -> RetentionDecision:
    """The second person confirms: the data goes, in one transaction, and the audit row says what kind."""
    decision = item.pending
    if decision is None:
        raise RetentionRefused("Nobody has asked for this to be erased")
    if decision.requested_by_id == by.id:
        raise RetentionRefused("A second person must confirm: you asked for this to be erased")
    # One conditional UPDATE: two people confirming (or one confirming as another cancels) at the same
    # moment cannot both go ahead.
    if not _close(decision, confirmed_by_id=by.id, confirmed_at=utcnow()):
        raise RetentionRefused("This request has just been confirmed or cancelled by someone else")
    counts = ERASERS[item.kind](item, decision)
    db.session.refresh(decision)
    erased = ", ".join(f"{n} {name}" for name, n in counts.items() if n) or "nothing left to erase"
    decision.summary = f"{decision.summary}: erased {erased}"[:255]
    audit.record(
        "retention_erased",
        "retention_decision",
        decision.id,
        user=by,
        detail=f"{item.period.label} erased ({erased}); asked by user {decision.requested_by_id}",
    )
    db.session.commit()
    return decision


def _close(decision: RetentionDecision, **values) -> bool:
    """Confirm or cancel a pending request, only if it is still pending."""
    closed = update_rows(
        RetentionDecision,
        RetentionDecision.id == decision.id,
        RetentionDecision.confirmed_at.is_(None),
        RetentionDecision.cancelled_at.is_(None),
        **values,
    )
    return closed == 1


# --- erasing: each domain erases its own rows, children before parents (foreign keys are enforced) ---


def _erase_for_attendance(item: Item, decision: RetentionDecision) -> dict[str, int]:
    placements = select(Placement.id).where(Placement.student_id == item.subject_id)
    counts = erase_attendance(placements, decision.up_to)
    counts["contacts with home"] = erase_contacts_with_home(item.subject_id, decision.up_to)
    return counts


def _erase_placement(item: Item, decision: RetentionDecision) -> dict[str, int]:  # noqa: ARG001
    placement = item.placement
    ids = [placement.id]
    counts = erase_attendance(ids)
    counts.update(erase_feedback(ids))
    counts.update(erase_placement_records(ids))
    counts["progress entries from visits"] = erase_progress_entries(ids)
    # The Referral Form that made it is an SEN record, kept for its own period: it only loses the link.
    unlink_referrals(ids)
    counts["incident reports"] = erase_incidents_during(placement)
    counts["placements"] = erase_placements(ids)
    return counts


def _erase_sen(item: Item, decision: RetentionDecision) -> dict[str, int]:  # noqa: ARG001
    student_id = item.subject_id
    counts = {
        "referrals": erase_referrals(student_id),
        "changes to the pupil record": erase_pupil_changes(student_id),
    }
    clear_pupil_fields(student_id, send_needs="", diagnoses="", ehcp=False)
    left = any(
        db.session.scalar(select(func.count()).select_from(model).where(column == student_id))
        for model, column in (
            (Placement, Placement.student_id),
            (Report, Report.student_id),
            (ProgressEntry, ProgressEntry.student_id),
            (SafeguardingFlag, SafeguardingFlag.student_id),
        )
    )
    if not left:  # nothing else held about the pupil: the pupil record itself goes too
        erase_contacts_with_home(student_id)
        counts["pupil records"] = erase_pupil(student_id)
    return counts


def _erase_child_protection(item: Item, decision: RetentionDecision) -> dict[str, int]:  # noqa: ARG001
    student_id = item.subject_id
    counts = erase_concerns(student_id)
    clear_pupil_fields(student_id, child_protection="none")
    return counts


ERASERS = {
    ATTENDANCE: _erase_for_attendance,
    AP_RECORDS: _erase_placement,
    SEN: _erase_sen,
    CHILD_PROTECTION: _erase_child_protection,
}

__all__ = [
    "PERIODS",
    "due_items",
    "get_item_or_404",
    "keep",
    "ask_to_erase",
    "confirm_erasure",
    "cancel",
    "add_years",
    "years_before",
]
