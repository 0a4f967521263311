"""Referral writes and the workflow: draft -> submitted -> approved (placement created) or returned.

Every write names the version of the referral it started from, so two people editing at once
never overwrite each other silently: the second save gets an EditConflict.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, and_, false, not_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements import services as placement_services
from ap_forms.placements.models import Placement
from ap_forms.placements.pupils import placed_or_planned
from ap_forms.providers import services as provider_services
from ap_forms.referrals.models import (
    APPROVED,
    COMPLETED,
    DRAFT,
    EDITABLE,
    IN_PROGRESS,
    NOT_STARTED,
    RETURNED,
    SECTIONS,
    SUBMITTED,
    Referral,
    ReferralEvent,
    ReferralObjective,
    ReferralRisk,
    ReferralSection,
    ReferralSession,
)
from ap_forms.students.models import Student
from ap_forms.web import audit, clock
from ap_forms.web.clock import utcnow
from ap_forms.web.database import delete_rows, update_rows
from ap_forms.web.roles import DSL, HEADTEACHER, KEY_WORKER, LEADERS
from ap_forms.web.templating import long_date

MAX_DRAFT_FIELDS, MAX_DRAFT_VALUE = 200, 10_000


class ReferralError(ValueError):
    """A request that cannot be carried out; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class EditConflict(ReferralError):
    """Someone else saved the referral after this person opened it."""

    def __init__(self, referral: Referral):
        who = referral.updated_by.name if referral.updated_by else "Someone"
        at = clock.to_local(referral.updated_at)
        super().__init__(
            f"{who} changed this referral at {at:%H:%M} on "
            f"{at.day} {at:%B}, after you opened it. "
            "Your answers below have not been saved yet."
        )
        self.who = who


class IncompleteReferral(ReferralError):
    def __init__(self, titles: list[str]):
        super().__init__("Complete every section before you submit: " + ", ".join(titles))
        self.titles = titles


# --- Reading ---------------------------------------------------------------------------------------


def scope_referrals(query: Select, user) -> Select:
    """Referrals hold the most sensitive record of a pupil (SEND, health, child-protection status):
    the headteacher and SEND lead, who write and approve them, and the DSL, who reads them."""
    return query if user.role in LEADERS | {DSL} else query.where(false())


def _with_details(query: Select) -> Select:
    return query.options(
        selectinload(Referral.student).selectinload(Student.parent_links),
        selectinload(Referral.provider),
        selectinload(Referral.objectives),
        selectinload(Referral.risks),
        selectinload(Referral.sessions),
        selectinload(Referral.sections),
        selectinload(Referral.events).selectinload(ReferralEvent.by),
        selectinload(Referral.updated_by),
        selectinload(Referral.placement),
    )


def get_referral_or_404(user, referral_id: int) -> Referral:
    query = _with_details(scope_referrals(select(Referral), user)).where(Referral.id == referral_id)
    return db.first_or_404(query)


def list_referrals(user, status: str | None = None) -> list[Referral]:
    query = scope_referrals(select(Referral), user).options(
        selectinload(Referral.student),
        selectinload(Referral.provider),
        selectinload(Referral.sections),
        selectinload(Referral.updated_by),
    )
    if status:
        query = query.where(Referral.status == status)
    return list(db.session.scalars(query.order_by(Referral.updated_at.desc(), Referral.id.desc())))


def referrals_for_student(user, student_id: int) -> list[Referral]:
    query = scope_referrals(select(Referral), user).where(Referral.student_id == student_id)
    return list(db.session.scalars(query.order_by(Referral.created_at.desc())))


def referred_not_placed():
    """SQL condition on Student: a referral not yet approved, and no planned or active placement."""
    return and_(
        Student.id.in_(select(Referral.student_id).where(Referral.status != APPROVED)), not_(placed_or_planned())
    )


def referrals_by_placement(placement_ids: list[int], *, options: tuple = ()) -> dict[int, Referral]:
    """The referral behind each placement, by placement id, unscoped: for whole-school reports and for
    callers that decide themselves which fields to show."""
    if not placement_ids:
        return {}
    query = select(Referral).where(Referral.placement_id.in_(placement_ids)).options(*options)
    return {r.placement_id: r for r in db.session.scalars(query)}


def referrals_of_placements(placement_ids: list[int]) -> dict[int, Referral]:
    """The approved referral behind each placement, unscoped: only for showing what the school chose to
    share (contact restrictions, expected outcomes, the risk assessment) or medication to those who may
    see it; the caller decides which fields to show."""
    return referrals_by_placement(placement_ids, options=(selectinload(Referral.risks),))


def section_statuses(referral: Referral) -> dict[str, str]:
    rows = {row.key: row for row in referral.sections}
    statuses = {}
    for key, _title, _group in SECTIONS:
        row = rows.get(key)
        if row is None:
            statuses[key] = NOT_STARTED
        elif row.completed and row.draft is None:
            statuses[key] = COMPLETED
        else:
            statuses[key] = IN_PROGRESS
    return statuses


def incomplete_sections(referral: Referral) -> list[str]:
    statuses = section_statuses(referral)
    return [title for key, title, _ in SECTIONS if statuses[key] != COMPLETED]


def draft_of(referral: Referral, key: str) -> dict | None:
    row = next((r for r in referral.sections if r.key == key), None)
    return row.draft if row else None


# --- Writing ---------------------------------------------------------------------------------------


def add_event(
    referral: Referral,
    action: str,
    to_status: str,
    actor,
    comment: str = "",
    from_status: str | None = None,
    at: datetime | None = None,
) -> None:
    """One step of the workflow in the referral's history; `at` is now unless given (the demo's past steps)."""
    referral.events.append(
        ReferralEvent(
            action=action,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            by_id=getattr(actor, "id", None),
            at=at or utcnow(),
        )
    )


def _touch(
    referral: Referral, expected_version: int, actor, *, edit_token: str = "", own_page_ok: bool = False
) -> None:
    """Claim the next version; refuse when someone saved since this person's page was loaded.

    With `own_page_ok`, a newer version written by this same page (its autosave) is no conflict.
    """
    own_page = own_page_ok and bool(edit_token) and referral.edit_token == edit_token
    if expected_version != referral.version and not own_page:
        raise EditConflict(referral)
    referral.version = referral.version + 1
    referral.edit_token = edit_token
    referral.updated_at = utcnow()
    referral.updated_by_id = getattr(actor, "id", None)


def _commit(referral: Referral) -> None:
    """Commit; a concurrent save that got in first (same version) surfaces as an EditConflict."""
    referral_id = referral.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(db.session.get(Referral, referral_id)) from None


def new_referral(student: Student, actor, *, at: datetime | None = None, **answers) -> Referral:
    """A draft referral for the pupil started by `actor` (at `at`, else now), with its first answers; not
    yet added to the session."""
    referral = Referral(
        student_id=student.id, status=DRAFT, version=1, created_by_id=actor.id, updated_by_id=actor.id, **answers
    )
    add_event(referral, "created", DRAFT, actor, at=at)
    return referral


def start_referral(student: Student, *, actor) -> Referral:
    """A new draft, prefilled from the pupil record and the parents linked to the pupil."""
    contacts = []
    for carer in student.carers:  # the parents and carers the school holds (issue 18)
        details = ", ".join([number for _, number in carer.phones] + ([carer.email] if carer.email else []))
        flag = f" DO NOT CONTACT: {carer.do_not_contact_reason}" if carer.do_not_contact else ""
        contacts.append(f"{carer.name} ({carer.relationship_to_pupil}): {details}{flag}")
    for link in student.parent_links if not student.carers else []:
        parent = link.parent
        details = ", ".join(x for x in (parent.phone, parent.email) if x)
        contacts.append(f"{parent.name} ({link.relationship_to_pupil}): {details}")
    referral = new_referral(
        student,
        actor,
        medical_needs=student.medical_needs or "",
        send_needs=student.send_needs or "",
        diagnoses=student.diagnoses or "",
        parents_carers="\n".join(contacts),
        medication=student.medication or "",
        has_restrictions=True if student.contact_restrictions else None,
        restrictions=student.contact_restrictions or "",
        ehcp_outcomes="" if student.ehcp else "No EHCP",
        home_language="English",
    )
    db.session.add(referral)
    db.session.flush()
    audit.record("referral_created", "referral", referral.id, detail=f"student {student.id}", user=actor)
    db.session.commit()
    return referral


def _check_editable(referral: Referral) -> None:
    if referral.status not in EDITABLE:
        raise ReferralError("This referral has been submitted, so it can no longer be changed")


def _section_row(referral: Referral, key: str) -> ReferralSection:
    row = next((r for r in referral.sections if r.key == key), None)
    if row is None:
        row = ReferralSection(key=key, completed=False)
        referral.sections.append(row)
    return row


def _edit(referral: Referral, change, *, expected_version: int, actor, edit_token: str, own_page_ok: bool) -> Referral:
    """Check the version, make the change, commit.

    When a concurrent save wins the race to commit, check again against what it wrote: if it was this
    same page (its autosave, with own_page_ok), make the change again on top; otherwise a conflict.
    """
    for attempt in (1, 2):
        try:  # any flush may be where a lost race first shows
            _check_editable(referral)
            _touch(referral, expected_version, actor, edit_token=edit_token, own_page_ok=own_page_ok)
            change()
            db.session.commit()
            return referral
        except StaleDataError:
            db.session.rollback()
            if attempt == 2:
                raise EditConflict(referral) from None
    return referral


def save_draft(
    referral: Referral,
    key: str,
    raw: dict[str, list[str]],
    *,
    expected_version: int,
    actor,
    edit_token: str = "",
    own_page_ok: bool = False,
) -> Referral:
    """Keep exactly what was typed in a section, valid or not, until it is saved in full.

    Autosave is strictly version-checked, so a late autosave never turns a section just saved back
    into a draft; a Save that fails validation (`own_page_ok`) may follow its own page's autosave.
    """
    # Bounded, so a hostile post cannot fill the database; far beyond what any answer may hold.
    draft = {
        name[:100]: [str(v)[:MAX_DRAFT_VALUE] for v in values[:10]]
        for name, values in list(raw.items())[:MAX_DRAFT_FIELDS]
    }

    def change():
        row = _section_row(referral, key)
        row.draft = draft
        row.updated_by_id, row.updated_at = referral.updated_by_id, referral.updated_at
        audit.record("referral_draft_saved", "referral", referral.id, detail=f"section {key}", user=actor)

    return _edit(
        referral, change, expected_version=expected_version, actor=actor, edit_token=edit_token, own_page_ok=own_page_ok
    )


def replace_rows(referral: Referral, name: str, rows: list[dict]) -> None:
    """The referral's objectives, risks or sessions (`name`) replaced by these rows (objectives and risks numbered)."""
    if name == "objectives":
        referral.objectives = [ReferralObjective(position=n, **row) for n, row in enumerate(rows)]
    elif name == "risks":
        referral.risks = [ReferralRisk(position=n, **row) for n, row in enumerate(rows)]
    elif name == "sessions":
        referral.sessions = [ReferralSession(**row) for row in rows]


def save_section(
    referral: Referral, key: str, values: dict, *, expected_version: int, actor, edit_token: str = ""
) -> Referral:
    """Save a validated section: its answers, and mark it completed."""

    def change():
        changed = []
        for name, value in values.items():
            if name in ("objectives", "risks", "sessions"):
                replace_rows(referral, name, value)
                changed.append(name)
            elif getattr(referral, name) != value:
                setattr(referral, name, value)
                changed.append(name)
        row = _section_row(referral, key)
        row.completed, row.draft = True, None
        row.updated_by_id, row.updated_at = referral.updated_by_id, referral.updated_at
        audit.record(
            "referral_section_saved",
            "referral",
            referral.id,
            fields=changed or None,
            detail=f"section {key}",
            user=actor,
        )

    return _edit(
        referral, change, expected_version=expected_version, actor=actor, edit_token=edit_token, own_page_ok=True
    )


def submit(referral: Referral, *, actor) -> Referral:
    if referral.status not in EDITABLE:
        raise ReferralError("This referral has already been submitted")
    missing = incomplete_sections(referral)
    if missing:
        raise IncompleteReferral(missing)
    previous = referral.status
    _touch(referral, referral.version, actor)
    referral.status = SUBMITTED
    add_event(referral, "submitted", SUBMITTED, actor, from_status=previous)
    audit.record("referral_submitted", "referral", referral.id, user=actor)
    _commit(referral)
    return referral


def return_referral(referral: Referral, comments: str, *, actor) -> Referral:
    if referral.status != SUBMITTED:
        raise ReferralError("Only a referral waiting for approval can be returned")
    if not comments.strip():
        raise ReferralError("Enter what needs to change before the referral can be approved", "comments")
    _touch(referral, referral.version, actor)
    referral.status = RETURNED
    add_event(referral, "returned", RETURNED, actor, comment=comments.strip(), from_status=SUBMITTED)
    audit.record("referral_returned", "referral", referral.id, user=actor)
    _commit(referral)
    return referral


def key_workers_at(provider_id: int | None) -> list[User]:
    if not provider_id:
        return []
    query = (
        select(User)
        .where(User.provider_id == provider_id, User.role == KEY_WORKER, User.active.is_(True))
        .order_by(User.name)
    )
    return list(db.session.scalars(query))


def submitted_by_id(referral: Referral) -> int | None:
    """Who last submitted the referral for approval."""
    submitted = [e for e in referral.events if e.action == "submitted"]
    return submitted[-1].by_id if submitted else None


def approval_refused(referral: Referral, user) -> str | None:
    """Separation of duties: the headteacher approves any referral; another leader only one they did not
    submit themselves. Answers why this person may not approve, or None."""
    if user.role == HEADTEACHER:
        return None
    if user.role not in LEADERS:
        return "Only the headteacher or the SEND lead can approve a referral"
    if submitted_by_id(referral) == user.id:
        return (
            "You submitted this referral, so someone else must approve it: the headteacher, or another "
            "leader who did not submit it"
        )
    return None


def approve(
    referral: Referral,
    *,
    key_worker_id: int | None,
    start_date: date,
    planned_end_date: date,
    first_review_on: date,
    agreed_cost: Decimal,
    cost_basis: str,
    share: set[str] | list[str],
    actor,
    today: date | None = None,
) -> Placement:
    """Approve the referral and create its placement (placements.services.create_placement: the one path,
    through the commissioning gate, with its rules for dates, key worker, objectives and timetable).

    Raises provider_services.ProviderNotCleared (with the list of what is missing) through the gate.
    """
    today = today or clock.today()
    if referral.status != SUBMITTED:
        raise ReferralError("Only a referral waiting for approval can be approved")
    refused = approval_refused(referral, actor)
    if refused:
        audit.record(
            "referral_approval_refused",
            "referral",
            referral.id,
            detail="submitted by the same person",
            user=actor,
            commit=True,
        )
        raise ReferralError(refused)
    provider = referral.provider
    if provider is None:
        raise ReferralError("The referral does not name a provider")
    try:
        placement = placement_services.create_placement(
            referral.student,
            provider,
            key_worker_id=key_worker_id,
            start_date=start_date,
            planned_end_date=planned_end_date,
            first_review_on=first_review_on,
            objectives="\n".join(o.as_line for o in referral.objectives),
            sessions=[
                {
                    "weekday": s.weekday,
                    "start_time": s.start_time,
                    "end_time": s.end_time,
                    "activity": s.activity,
                    "site_address": s.site_address,
                }
                for s in referral.sessions
            ],
            share=set(share),
            # Attendance before the placement: the baseline its attendance is compared with.
            baseline_attendance_percent=referral.attendance_percent,
            actor=actor,
            today=today,
            commit=False,
        )
    except provider_services.ProviderNotCleared as refused_gate:
        audit.record(
            "referral_approval_blocked",
            "referral",
            referral.id,
            detail="; ".join(refused_gate.problems),
            user=actor,
            commit=True,
        )
        raise
    except placement_services.PlacementError as error:
        raise ReferralError(str(error), error.field) from None

    _touch(referral, referral.version, actor)
    referral.status = APPROVED
    referral.placement_id = placement.id
    referral.agreed_cost, referral.cost_basis = agreed_cost, cost_basis
    add_event(referral, "approved", APPROVED, actor, from_status=SUBMITTED)
    add_event(
        referral,
        "placement_created",
        APPROVED,
        actor,
        comment=f"{provider.name} from {long_date(start_date)}",
        from_status=APPROVED,
    )
    audit.record("referral_approved", "referral", referral.id, user=actor)
    _commit(referral)
    return placement


def awaiting_decision(user) -> list[Referral]:
    return list_referrals(user, status=SUBMITTED)


def erase_referrals(student_id: int) -> int:
    """Delete the pupil's Referral Forms with every row of them, children first (the retention review's
    erasure of SEN records, confirmed by a second person); the number of forms deleted."""
    referrals = select(Referral.id).where(Referral.student_id == student_id)
    for model in (ReferralObjective, ReferralRisk, ReferralSession, ReferralSection, ReferralEvent):
        delete_rows(model, model.referral_id.in_(referrals))
    return delete_rows(Referral, Referral.student_id == student_id)


def unlink_referrals(placement_ids) -> None:
    """The Referral Forms that made these placements, which are being erased, lose the link (the forms are SEN
    records, kept for their own period)."""
    update_rows(Referral, Referral.placement_id.in_(placement_ids), placement_id=None)
