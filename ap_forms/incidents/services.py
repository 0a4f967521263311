"""Reports: drafting, submitting, scoped reads, the school's follow-up, flags and the chronology.

Who reads what (the views' access rules let the roles in; these queries decide the records):
- a report's reporter: their own drafts and, as a receipt, what they reported, never the follow-up;
- concerns and allegations: the DSL and the headteacher only;
- serious incidents and health & safety breaches: the SEND lead and the headteacher;
- the trust safeguarding lead reads all of them in every school of the trust, and changes none.
Every opening by the school (or the trust safeguarding lead) is recorded (ReportOpening) and audited; an
opening by the trust does not count as the school's (the "New" tag, the badge, the DSL's escalation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.accounts.services import staff_of_school
from ap_forms.extensions import db
from ap_forms.incidents.models import (
    ALLEGATION,
    BEHAVIOUR,
    CLOSED,
    CLOSED_ACTION,
    CONCERN,
    CONTINUED,
    DRAFT,
    HEALTH_SAFETY,
    INCIDENT_KINDS,
    KINDS,
    OPEN,
    SAFEGUARDING_KINDS,
    WITHDRAWN,
    Report,
    ReportAction,
    ReportAlert,
    ReportOpening,
    SafeguardingFlag,
)
from ap_forms.placements.models import ACTIVE, IMMEDIATE, PLANNED, Placement, PlacementEnding, PlacementReview
from ap_forms.web import audit, clock
from ap_forms.web.database import delete_rows
from ap_forms.web.roles import DSL, HEADTEACHER, KEY_WORKER, SEND_LEAD, TRUST_DSL, TRUST_ROLES


class ReportError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


NEEDS_PUPIL = frozenset({CONCERN, BEHAVIOUR})

TEXT_FIELDS = {
    CONCERN: ("location", "people_present", "description", "pupil_words", "injuries", "action_taken"),
    ALLEGATION: ("location", "people_present", "description", "action_taken"),
    BEHAVIOUR: (
        "location",
        "people_present",
        "description",
        "antecedents",
        "injuries",
        "intervention_by",
        "damage",
        "action_taken",
    ),
    HEALTH_SAFETY: ("location", "description", "who_affected", "injuries", "action_taken"),
}
CHOICE_FIELDS = {
    CONCERN: ("pupil_safe",),
    ALLEGATION: ("subject_role",),
    BEHAVIOUR: ("physical_intervention", "intervention_type", "parents_told"),
    HEALTH_SAFETY: ("riddor",),
}
# What a report needs before it can be sent (the draft keeps anything).
REQUIRED = {
    CONCERN: {
        "description": "Describe what you saw or heard",
        "occurred_on": "Enter the date it happened",
        "pupil_safe": "Say whether the pupil is safe now",
    },
    ALLEGATION: {
        "subject_name": "Enter the name of the adult, or what you know about who they are",
        "subject_role": "Select who the adult is",
        "description": "Describe what happened or what was said",
        "occurred_on": "Enter the date it happened",
    },
    BEHAVIOUR: {
        "description": "Describe what happened",
        "occurred_on": "Enter the date it happened",
        "physical_intervention": "Say whether physical intervention was used",
        "parents_told": "Say whether the parents or carers have been told",
    },
    HEALTH_SAFETY: {
        "description": "Describe what happened",
        "location": "Enter where it happened",
        "occurred_on": "Enter the date it happened",
        "riddor": "Say whether it is RIDDOR-reportable",
    },
}


# --- Reporting ------------------------------------------------------------------------------


def provider_for(student_id: int | None, user) -> int | None:
    """Where the report comes from: a key worker's provider, else the pupil's current placement's."""
    if user.role == KEY_WORKER:
        return user.provider_id
    if student_id is None:
        return None
    return db.session.scalar(
        select(Placement.provider_id)
        .where(Placement.student_id == student_id, Placement.status.in_((ACTIVE, PLANNED)))
        .order_by(Placement.start_date.desc())
        .limit(1)
    )


def start_report(user, kind: str, student=None) -> Report:
    """A draft of this kind for this pupil: the reporter's untouched one if there is one, else a new one."""
    if kind not in KINDS:
        raise ReportError("Select what you are reporting", "kind")
    if kind in NEEDS_PUPIL and student is None:
        raise ReportError("Select the pupil this is about", "pupil")
    student_id = student.id if student is not None else None
    existing = db.session.scalar(
        select(Report)
        .where(
            Report.reporter_id == user.id,
            Report.kind == kind,
            Report.status == DRAFT,
            Report.student_id.is_(None) if student_id is None else Report.student_id == student_id,
            Report.description == "",
        )
        .order_by(Report.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    report = Report(
        kind=kind,
        status=DRAFT,
        reporter_id=user.id,
        student_id=student_id,
        provider_id=provider_for(student_id, user),
        body_marks=[],
    )
    if kind == ALLEGATION and user.role == KEY_WORKER:
        report.subject_provider_id = user.provider_id
    db.session.add(report)
    db.session.flush()
    audit.record("report_started", "incident_report", report.id, detail=kind, user=user)
    db.session.commit()
    return report


def own_reports(user) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.reporter_id == user.id)
            .options(selectinload(Report.student))
            .order_by(Report.created_at.desc(), Report.id.desc())
        ).all()
    )


def get_own_report_or_404(user, report_id: int) -> Report:
    return db.first_or_404(select(Report).where(Report.id == report_id, Report.reporter_id == user.id))


def save_draft(report: Report, values: dict, *, by) -> Report:
    if report.status != DRAFT:
        raise ReportError("This report has already been sent")
    changed = []
    for name, value in values.items():
        if getattr(report, name) != value:
            setattr(report, name, value)
            changed.append(name)
    if report.kind == ALLEGATION and by.role == KEY_WORKER:
        # An adult at the reporter's own provider, or elsewhere: the provider never sees it either way.
        report.subject_provider_id = by.provider_id if report.subject_role in ("provider_staff", "volunteer") else None
    report.updated_at = clock.utcnow()
    if changed:
        audit.record("report_draft_saved", "incident_report", report.id, fields=changed, user=by)
    db.session.commit()
    return report


def missing_for_submit(report: Report) -> dict[str, str]:
    missing = {}
    for name, message in REQUIRED[report.kind].items():
        if name == "occurred_on":
            if report.occurred_at is None:
                missing[name] = message
        elif not getattr(report, name):
            missing[name] = message
    if report.kind == BEHAVIOUR and report.physical_intervention == "yes":
        if not report.intervention_type:
            missing["intervention_type"] = "Select which physical intervention was used"
        if not report.intervention_by:
            missing["intervention_by"] = "Enter who used the physical intervention"
    if report.occurred_at is not None and report.occurred_at > clock.now():
        missing["occurred_on"] = "The date and time it happened must be in the past"
    return missing


def submit(report: Report, *, by) -> Report:
    """Send the report: it reaches the school at once; the alert email follows (alerts.send_new_alert)."""
    if report.status != DRAFT:
        raise ReportError("This report has already been sent")
    missing = missing_for_submit(report)
    if missing:
        raise ReportError(next(iter(missing.values())), next(iter(missing)))
    report.status = OPEN
    report.submitted_at = report.updated_at = clock.utcnow()
    audit.record("report_submitted", "incident_report", report.id, detail=report.kind, user=by)
    db.session.commit()
    return report


# --- The school's side ------------------------------------------------------------------------


def readable_kinds(user) -> frozenset[str]:
    if user.role in (HEADTEACHER, TRUST_DSL):
        return SAFEGUARDING_KINDS | INCIDENT_KINDS
    if user.role == DSL:
        return SAFEGUARDING_KINDS
    if user.role == SEND_LEAD:
        return INCIDENT_KINDS
    return frozenset()


def _submitted(kinds) -> select:
    return (
        select(Report)
        .where(Report.status != DRAFT, Report.kind.in_(kinds))
        .options(selectinload(Report.student), selectinload(Report.provider), selectinload(Report.reporter))
    )


def get_report_or_404(user, report_id: int, kinds) -> Report:
    allowed = readable_kinds(user) & frozenset(kinds)
    report = db.session.scalar(_submitted(allowed).where(Report.id == report_id)) if allowed else None
    if report is None:
        abort(404)
    return report


def reports_for(
    user, kinds, *, status: str | None = None, provider_id: int | None = None, student_id: int | None = None
) -> list[Report]:
    allowed = readable_kinds(user) & frozenset(kinds)
    if not allowed:
        return []
    query = _submitted(allowed)
    if status in (OPEN, CLOSED):
        query = query.where(Report.status == status)
    if provider_id:
        query = query.where(Report.provider_id == provider_id)
    if student_id:
        query = query.where(Report.student_id == student_id)
    return list(db.session.scalars(query.order_by(Report.submitted_at.desc(), Report.id.desc())).all())


def openings_of(report: Report) -> list[ReportOpening]:
    return list(
        db.session.scalars(
            select(ReportOpening)
            .where(ReportOpening.report_id == report.id)
            .options(selectinload(ReportOpening.user))
            .order_by(ReportOpening.opened_at, ReportOpening.id)
        ).all()
    )


def opened_at_school(openings: list[ReportOpening]) -> bool:
    """Whether someone at the school has opened the report (the trust safeguarding lead's reading is not
    the school's: its DSL still sees the report as new)."""
    return any(o.role not in TRUST_ROLES for o in openings)


def record_opening(report: Report, user) -> None:
    """Every read of a report by the school: an opening row (who opened each) and an audit row."""
    db.session.add(ReportOpening(report_id=report.id, user_id=user.id, role=user.role, opened_at=clock.utcnow()))
    action = "concern_viewed" if report.is_safeguarding else "incident_viewed"
    audit.record(action, "incident_report", report.id, user=user)
    db.session.commit()


def unopened_count(user, kinds=SAFEGUARDING_KINDS | INCIDENT_KINDS) -> int:
    """Open reports of these kinds, readable by this person, that nobody at the school has opened yet."""
    kinds = readable_kinds(user) & frozenset(kinds)
    if not kinds:
        return 0
    opened = select(ReportOpening.report_id).where(ReportOpening.role.not_in(TRUST_ROLES))
    return (
        db.session.scalar(
            select(func.count(Report.id)).where(Report.status == OPEN, Report.kind.in_(kinds), Report.id.not_in(opened))
        )
        or 0
    )


def add_action(
    report: Report,
    *,
    kind: str,
    taken_on: date,
    taken_by: str,
    details: str,
    reason: str = "",
    review_on: date | None = None,
    by,
) -> ReportAction:
    if report.status == CLOSED:
        raise ReportError("This report is closed")
    action = ReportAction(
        report_id=report.id,
        kind=kind,
        taken_on=taken_on,
        taken_by=taken_by.strip(),
        details=details.strip(),
        reason=reason.strip(),
        review_on=review_on,
        recorded_by_id=by.id,
        recorded_at=clock.utcnow(),
    )
    db.session.add(action)
    db.session.flush()
    audit.record("report_action_recorded", "incident_report", report.id, detail=kind, user=by)
    db.session.commit()
    return action


def close(report: Report, *, outcome: str, by) -> Report:
    if report.status == CLOSED:
        raise ReportError("This report is already closed")
    if not outcome.strip():
        raise ReportError("Enter the outcome before closing", "outcome")
    report.status = CLOSED
    report.outcome = outcome.strip()
    report.closed_at = clock.utcnow()
    report.closed_by_id = by.id
    db.session.add(
        ReportAction(
            report_id=report.id,
            kind=CLOSED_ACTION,
            taken_on=clock.today(),
            taken_by=by.name,
            details=report.outcome,
            recorded_by_id=by.id,
            recorded_at=clock.utcnow(),
        )
    )
    audit.record("report_closed", "incident_report", report.id, fields=["status", "outcome"], user=by)
    db.session.commit()
    return report


def placement_for(report: Report) -> Placement | None:
    """The pupil's running placement the report is about (at the report's provider if known)."""
    if report.student_id is None:
        return None
    query = select(Placement).where(Placement.student_id == report.student_id, Placement.status.in_((ACTIVE, PLANNED)))
    if report.provider_id:
        query = query.where(Placement.provider_id == report.provider_id)
    return db.session.scalar(query.order_by(Placement.start_date.desc()).limit(1))


def withdraw_placement(report: Report, placement: Placement, *, reason: str, by) -> tuple[ReportAction, list[str]]:
    """Withdraw the placement at once, through the placements' own ending flow (which emails the DSL,
    headteacher, key worker and family), and record it here; answer the addresses not reached."""
    from ap_forms.placements.services import end_and_tell
    from ap_forms.school.services import get_settings

    today = clock.today()
    if placement.start_date > today:
        raise ReportError("This placement has not started: cancel it from the placement's page instead")
    end_reason = (
        "safeguarding" if report.is_safeguarding else ("gross_misconduct" if report.kind == BEHAVIOUR else "other")
    )
    _, failed = end_and_tell(
        placement,
        school_name=get_settings().name,
        kind=IMMEDIATE,
        ended_on=today,
        reason=end_reason,
        details=f"After report {report.reference}. {reason.strip()}".strip(),
        actor=by,
        today=today,
    )
    action = add_action(
        report,
        kind=WITHDRAWN,
        taken_on=today,
        taken_by=by.name,
        details=f"Placement at {placement.provider.name} withdrawn at once",
        reason=reason,
        by=by,
    )
    return action, failed


def continue_placement(report: Report, *, review_on: date, reason: str, by) -> ReportAction:
    if review_on < clock.today():
        raise ReportError("The review date must be today or later", "review_on")
    return add_action(
        report,
        kind=CONTINUED,
        taken_on=clock.today(),
        taken_by=by.name,
        details="The placement continues",
        reason=reason,
        review_on=review_on,
        by=by,
    )


def incident_counts(provider_id: int) -> dict[str, int]:
    """Serious incidents and H&S breaches at a provider (never concerns or allegations), by kind."""
    rows = db.session.execute(
        select(Report.kind, Report.status, func.count(Report.id))
        .where(Report.provider_id == provider_id, Report.kind.in_(INCIDENT_KINDS), Report.status != DRAFT)
        .group_by(Report.kind, Report.status)
    ).all()
    counts = {BEHAVIOUR: 0, HEALTH_SAFETY: 0, "open": 0}
    for kind, status, n in rows:
        counts[kind] += n
        if status == OPEN:
            counts["open"] += n
    return counts


# --- The flag staff see ---------------------------------------------------------------------


def has_flag(student_id: int) -> bool:
    return db.session.scalar(select(SafeguardingFlag.id).where(SafeguardingFlag.student_id == student_id)) is not None


def set_flag(student, *, on: bool, by) -> None:
    flag = db.session.scalar(select(SafeguardingFlag).where(SafeguardingFlag.student_id == student.id))
    if on and flag is None:
        db.session.add(SafeguardingFlag(student_id=student.id, set_by_id=by.id, set_at=clock.utcnow()))
        audit.record("safeguarding_flag_set", "student", student.id, user=by)
    elif not on and flag is not None:
        db.session.delete(flag)
        audit.record("safeguarding_flag_removed", "student", student.id, user=by)
    db.session.commit()


# --- The chronology ---------------------------------------------------------------------------

CHRONOLOGY_KINDS = {
    "concern": "Safeguarding concerns",
    "allegation": "Allegations about adults",
    "behaviour": "Serious incidents",
    "health_safety": "Health and safety",
    "absence": "Absences without parent contact",
    "placement": "Placements",
}


@dataclass
class ChronologyEntry:
    when: datetime
    kind: str
    title: str
    detail: str = ""
    report_id: int | None = None

    @property
    def kind_label(self) -> str:
        return CHRONOLOGY_KINDS.get(self.kind, self.kind)


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def chronology(student_id: int, kind: str | None = None) -> list[ChronologyEntry]:
    """Everything significant about a pupil, oldest first."""
    from ap_forms.attendance.models import NO_PARENT_CONTACT, AttendanceAlert

    entries: list[ChronologyEntry] = []
    reports = db.session.scalars(
        select(Report)
        .where(Report.student_id == student_id, Report.status != DRAFT)
        .options(selectinload(Report.actions), selectinload(Report.provider))
    ).all()
    for r in reports:
        when = r.occurred_at or clock.to_local(r.submitted_at)
        where = f" at {r.provider.name}" if r.provider else ""
        entries.append(
            ChronologyEntry(when, r.kind, f"{r.short_kind} {r.reference}{where}", r.description, report_id=r.id)
        )
        for action in r.actions:
            entries.append(
                ChronologyEntry(
                    _at(action.taken_on),
                    r.kind,
                    f"{r.reference}: {action.label}",
                    " ".join(x for x in (action.details, action.reason) if x),
                    report_id=r.id,
                )
            )
    placements = db.session.scalars(
        select(Placement).where(Placement.student_id == student_id).options(selectinload(Placement.provider))
    ).all()
    by_id = {p.id: p for p in placements}
    for p in placements:
        if p.status != PLANNED:
            entries.append(ChronologyEntry(_at(p.start_date), "placement", f"Placement started at {p.provider.name}"))
    if by_id:
        for review in db.session.scalars(
            select(PlacementReview).where(PlacementReview.placement_id.in_(by_id), PlacementReview.held_on.is_not(None))
        ).all():
            entries.append(
                ChronologyEntry(
                    _at(review.held_on),
                    "placement",
                    f"Placement reviewed at {by_id[review.placement_id].provider.name}",
                    " ".join(x for x in (review.suitability_label, review.decisions) if x),
                )
            )
        for ending in db.session.scalars(select(PlacementEnding).where(PlacementEnding.placement_id.in_(by_id))).all():
            entries.append(
                ChronologyEntry(
                    _at(ending.ended_on),
                    "placement",
                    f"Placement at {by_id[ending.placement_id].provider.name} ended",
                    " ".join(x for x in (ending.description, ending.details) if x),
                )
            )
        for alert in db.session.scalars(
            select(AttendanceAlert).where(
                AttendanceAlert.placement_id.in_(by_id), AttendanceAlert.kind == NO_PARENT_CONTACT
            )
        ).all():
            entries.append(
                ChronologyEntry(
                    _at(alert.day),
                    "absence",
                    f"Absent from {by_id[alert.placement_id].provider.name}, parent not reached by the end of the day",
                )
            )
    if kind in CHRONOLOGY_KINDS:
        entries = [e for e in entries if e.kind == kind]
    return sorted(entries, key=lambda e: (e.when, e.title))


def dsl_users() -> list[User]:
    return list(db.session.scalars(staff_of_school(DSL).order_by(User.name)).all())


# --- erasing, for the retention review (children before parents: foreign keys are enforced) ----------


def _erase_reports(report_ids) -> int:
    delete_rows(ReportAction, ReportAction.report_id.in_(report_ids))
    delete_rows(ReportAlert, ReportAlert.report_id.in_(report_ids))
    delete_rows(ReportOpening, ReportOpening.report_id.in_(report_ids))
    return delete_rows(Report, Report.id.in_(report_ids))


def erase_incidents_during(placement) -> int:
    """Delete the serious incident and health and safety reports about the pupil at the placement's provider
    while it ran (from its first day to the day it ended, inclusive); how many went."""
    ended = placement.ended_on or placement.planned_end_date
    when = func.coalesce(Report.occurred_at, Report.created_at)
    incidents = select(Report.id).where(
        Report.student_id == placement.student_id,
        Report.provider_id == placement.provider_id,
        Report.kind.in_(sorted(INCIDENT_KINDS)),
        when >= datetime.combine(placement.start_date, time.min),
        when < datetime.combine(ended + timedelta(days=1), time.min),
    )
    return _erase_reports(list(db.session.scalars(incidents)))


def erase_concerns(student_id: int) -> dict[str, int]:
    """Delete the safeguarding concerns about the pupil (with what the school did) and the staff flag."""
    concerns = list(
        db.session.scalars(select(Report.id).where(Report.student_id == student_id, Report.kind == CONCERN))
    )
    return {
        "safeguarding concerns": _erase_reports(concerns),
        "staff flags": delete_rows(SafeguardingFlag, SafeguardingFlag.student_id == student_id),
    }
