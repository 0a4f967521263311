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
from datetime import date, datetime, time, timedelta

from flask import abort
from sqlalchemy import delete, func, select, true, update

from ap_forms.attendance.models import (
    AttendanceAlert,
    AttendanceMark,
    MarkChange,
    ParentContact,
    RegisterAmendment,
    RegisterEntry,
)
from ap_forms.data_protection.models import ERASE, KEEP, RetentionDecision
from ap_forms.extensions import db
from ap_forms.feedback.models import (
    AnnualReviewContribution,
    FeedbackReminder,
    FeedbackReply,
    TermlyReport,
    WeeklyFeedback,
)
from ap_forms.incidents.models import (
    CONCERN,
    INCIDENT_KINDS,
    Report,
    ReportAction,
    ReportAlert,
    ReportOpening,
    SafeguardingFlag,
)
from ap_forms.placements.models import (
    ENDED,
    Placement,
    PlacementEnding,
    PlacementReview,
    ReviewProgress,
    TimetableSession,
    TimetableVersion,
)
from ap_forms.quality.models import ProgressEntry
from ap_forms.referrals.models import Referral
from ap_forms.referrals.services import erase_referrals
from ap_forms.students.models import CalendarFeed, Carer, CarerInvitation, ParentLink, Student, StudentChange
from ap_forms.web import audit
from ap_forms.web.clock import utcnow
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
    done = db.session.execute(
        update(RetentionDecision)
        .where(
            RetentionDecision.id == decision.id,
            RetentionDecision.confirmed_at.is_(None),
            RetentionDecision.cancelled_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


# --- erasing: children before parents (foreign keys are enforced) ------------------------------------


def _delete(model, *where) -> int:
    return db.session.execute(delete(model).where(*where).execution_options(synchronize_session=False)).rowcount


def _erase_attendance(placement_ids, up_to: date | None, student_id: int | None) -> dict[str, int]:
    mark_day = AttendanceMark.day <= up_to if up_to else true()
    entry_day = RegisterEntry.day <= up_to if up_to else true()
    marks = select(AttendanceMark.id).where(AttendanceMark.placement_id.in_(placement_ids), mark_day)
    entries = select(RegisterEntry.id).where(RegisterEntry.placement_id.in_(placement_ids), entry_day)
    counts = {
        "earlier mark versions": _delete(MarkChange, MarkChange.mark_id.in_(marks)),
        "attendance marks": _delete(AttendanceMark, AttendanceMark.placement_id.in_(placement_ids), mark_day),
        "register amendments": _delete(RegisterAmendment, RegisterAmendment.entry_id.in_(entries)),
        "register codes": _delete(RegisterEntry, RegisterEntry.placement_id.in_(placement_ids), entry_day),
        "attendance alerts": _delete(
            AttendanceAlert,
            AttendanceAlert.placement_id.in_(placement_ids),
            AttendanceAlert.day <= up_to if up_to else true(),
        ),
    }
    if student_id is not None:
        counts["contacts with home"] = _delete(
            ParentContact, ParentContact.student_id == student_id, ParentContact.day <= up_to if up_to else true()
        )
    return counts


def _clear_pupil_fields(student_id: int, **values) -> None:
    """What the pupil record holds of an erased kind of record, cleared (the record itself stays)."""
    db.session.execute(
        update(Student).where(Student.id == student_id).values(**values).execution_options(synchronize_session=False)
    )


def _erase_reports(report_ids) -> int:
    _delete(ReportAction, ReportAction.report_id.in_(report_ids))
    _delete(ReportAlert, ReportAlert.report_id.in_(report_ids))
    _delete(ReportOpening, ReportOpening.report_id.in_(report_ids))
    return _delete(Report, Report.id.in_(report_ids))


def _erase_for_attendance(item: Item, decision: RetentionDecision) -> dict[str, int]:
    placements = select(Placement.id).where(Placement.student_id == item.subject_id)
    return _erase_attendance(placements, decision.up_to, item.subject_id)


def _erase_placement(item: Item, decision: RetentionDecision) -> dict[str, int]:  # noqa: ARG001
    placement = item.placement
    ids = [placement.id]
    counts = _erase_attendance(ids, None, None)
    feedback = select(WeeklyFeedback.id).where(WeeklyFeedback.placement_id.in_(ids))
    reviews = select(PlacementReview.id).where(PlacementReview.placement_id.in_(ids))
    _delete(FeedbackReply, FeedbackReply.feedback_id.in_(feedback))
    counts["weekly feedback versions"] = _delete(WeeklyFeedback, WeeklyFeedback.placement_id.in_(ids))
    _delete(FeedbackReminder, FeedbackReminder.placement_id.in_(ids))
    counts["termly reports"] = _delete(TermlyReport, TermlyReport.placement_id.in_(ids))
    counts["Annual Review contributions"] = _delete(
        AnnualReviewContribution, AnnualReviewContribution.placement_id.in_(ids)
    )
    _delete(ReviewProgress, ReviewProgress.review_id.in_(reviews))
    counts["placement reviews"] = _delete(PlacementReview, PlacementReview.placement_id.in_(ids))
    _delete(PlacementEnding, PlacementEnding.placement_id.in_(ids))
    _delete(TimetableSession, TimetableSession.placement_id.in_(ids))
    _delete(TimetableVersion, TimetableVersion.placement_id.in_(ids))
    counts["progress entries from visits"] = _delete(ProgressEntry, ProgressEntry.placement_id.in_(ids))
    # The Referral Form that made it is an SEN record, kept for its own period: it only loses the link.
    db.session.execute(
        update(Referral)
        .where(Referral.placement_id.in_(ids))
        .values(placement_id=None)
        .execution_options(synchronize_session=False)
    )
    ended = placement.ended_on or placement.planned_end_date
    incidents = select(Report.id).where(
        Report.student_id == placement.student_id,
        Report.provider_id == placement.provider_id,
        Report.kind.in_(sorted(INCIDENT_KINDS)),
        func.coalesce(Report.occurred_at, Report.created_at) >= datetime.combine(placement.start_date, time.min),
        func.coalesce(Report.occurred_at, Report.created_at) < datetime.combine(ended + timedelta(days=1), time.min),
    )
    counts["incident reports"] = _erase_reports(list(db.session.scalars(incidents)))
    counts["placements"] = _delete(Placement, Placement.id.in_(ids))
    return counts


def _erase_sen(item: Item, decision: RetentionDecision) -> dict[str, int]:  # noqa: ARG001
    student_id = item.subject_id
    counts = {
        "referrals": erase_referrals(student_id),
        "changes to the pupil record": _delete(StudentChange, StudentChange.student_id == student_id),
    }
    _clear_pupil_fields(student_id, send_needs="", diagnoses="", ehcp=False)
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
        carers = select(Carer.id).where(Carer.student_id == student_id)
        _delete(CarerInvitation, CarerInvitation.carer_id.in_(carers))
        _delete(Carer, Carer.student_id == student_id)
        _delete(ParentLink, ParentLink.student_id == student_id)
        _delete(CalendarFeed, CalendarFeed.student_id == student_id)
        _delete(ParentContact, ParentContact.student_id == student_id)
        counts["pupil records"] = _delete(Student, Student.id == student_id)
    return counts


def _erase_child_protection(item: Item, decision: RetentionDecision) -> dict[str, int]:  # noqa: ARG001
    student_id = item.subject_id
    concerns = list(
        db.session.scalars(select(Report.id).where(Report.student_id == student_id, Report.kind == CONCERN))
    )
    counts = {
        "safeguarding concerns": _erase_reports(concerns),
        "staff flags": _delete(SafeguardingFlag, SafeguardingFlag.student_id == student_id),
    }
    _clear_pupil_fields(student_id, child_protection="none")
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
