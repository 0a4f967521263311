"""Scoped reads of placements: what each signed-in person may reach."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import abort
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import (
    ACTIVE,
    END_REASONS,
    ENDED,
    IMMEDIATE,
    PLANNED,
    PLANNED_END,
    Placement,
    PlacementEnding,
    PlacementReview,
    ReviewProgress,
    TimetableSession,
    TimetableVersion,
)
from ap_forms.providers import services as provider_services
from ap_forms.school.services import works_here
from ap_forms.students.models import CalendarFeed, ParentLink
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.clock import utcnow
from ap_forms.web.database import delete_rows
from ap_forms.web.mail import MailError, send_email
from ap_forms.web.roles import DSL, HEADTEACHER, KEY_WORKER, PARENT, SCHOOL_STAFF

# A key worker's access to a pupil ends with the placement. For this long after the end date they
# may still open that placement's final termly report and its Annual Review contribution (nothing
# else: not the pupil page, the records or the weekly feedback), so the school gets them.
KEY_WORKER_FINISHING_PERIOD = timedelta(days=28)


def key_worker_placement_open(today: date):
    """SQL condition: the placement has not ended (its end date, if any, is today or later)."""
    return or_(Placement.ended_on >= today, and_(Placement.status != ENDED, Placement.ended_on.is_(None)))


def key_worker_placement_finishing(today: date):
    """SQL condition: ended within KEY_WORKER_FINISHING_PERIOD, so the final report can be finished."""
    return and_(Placement.ended_on.is_not(None), Placement.ended_on >= today - KEY_WORKER_FINISHING_PERIOD)


def is_finishing_only(user, placement: Placement, today: date | None = None) -> bool:
    """True when a key worker reaches this placement only to finish its final report (it has ended)."""
    if user.role != KEY_WORKER:
        return False
    today = today or clock.today()
    ended = placement.ended_on is not None and placement.ended_on < today
    return ended or (placement.status == ENDED and placement.ended_on is None)


def scope_placements(query: Select, user, *, finishing: bool = False, today: date | None = None) -> Select:
    """Limit a query over Placement to the rows this user may see.

    A key worker sees their provider's placements until each one ends; with `finishing=True`
    (only the final termly report and Annual Review contribution pages) also those that ended
    within KEY_WORKER_FINISHING_PERIOD.
    """
    if user.role in SCHOOL_STAFF:
        return query
    if user.role == KEY_WORKER and user.provider_id:
        today = today or clock.today()
        reachable = key_worker_placement_open(today)
        if finishing:
            reachable = or_(reachable, key_worker_placement_finishing(today))
        return query.where(Placement.provider_id == user.provider_id, reachable)
    if user.role == PARENT:
        # Not once the pupil has left the school (students.roll.leave_school)
        children = select(ParentLink.student_id).where(
            ParentLink.parent_id == user.id, ParentLink.student.has(left_on=None)
        )
        return query.where(Placement.student_id.in_(children))
    return query.where(false())


def with_timetable_history(query: Select) -> Select:
    """Placements with their pupil, provider and every timetable, current and earlier: for whole-school
    reports that ask which sessions a placement had on past days."""
    return query.options(
        selectinload(Placement.student),
        selectinload(Placement.provider),
        selectinload(Placement.sessions),
        selectinload(Placement.earlier_timetables),
    )


def with_placement_details(query: Select) -> Select:
    # The pupil, provider and key worker joined in (one row each: no duplication), the timetable in one more.
    return query.options(
        joinedload(Placement.student),
        joinedload(Placement.provider),
        joinedload(Placement.key_worker),
        selectinload(Placement.sessions),
    )


def active_placements(user, *, statuses=(ACTIVE,)) -> list[Placement]:
    query = with_placement_details(scope_placements(select(Placement), user))
    query = query.where(Placement.status.in_(statuses))
    placements = db.session.scalars(query).all()
    return sorted(placements, key=lambda p: (p.student.last_name, p.student.first_name, p.start_date))


def placements_for_student(user, student_id: int) -> list[Placement]:
    query = with_placement_details(scope_placements(select(Placement), user))
    query = query.where(Placement.student_id == student_id).order_by(Placement.start_date.desc())
    return db.session.scalars(query).all()


def running_placements(student_id: int) -> list[Placement]:
    """Planned and active placements of a pupil (school staff only: no scoping)."""
    return list(
        db.session.scalars(
            select(Placement).where(Placement.student_id == student_id, Placement.status.in_((ACTIVE, PLANNED)))
        ).all()
    )


def current_placements(provider_id: int) -> list[Placement]:
    """Planned and active placements at a provider (school staff only: no scoping needed)."""
    query = (
        select(Placement)
        .where(Placement.provider_id == provider_id, Placement.status.in_((ACTIVE, PLANNED)))
        .options(selectinload(Placement.student))
        .order_by(Placement.start_date)
    )
    return list(db.session.scalars(query))


REVIEW_INTERVAL = timedelta(weeks=8)  # at least every half term (DfE's 2025 guidance)
RECENTLY_ENDED = timedelta(days=28)  # families and key workers still see an ended placement this long


class PlacementError(ValueError):
    """A request that cannot be carried out; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def get_placement_or_404(user, placement_id: int) -> Placement:
    query = with_placement_details(scope_placements(select(Placement), user)).where(Placement.id == placement_id)
    return db.first_or_404(query)


# --- Creating and starting placements: both go through the commissioning gate ---------------
# Every placement comes from an approved referral (referrals.services.approve calls create_placement):
# one set of rules for the provider, the key worker, the dates, the objectives and the timetable.

SHARE_FLAGS = {
    "send_needs": "share_send_needs",
    "diagnoses": "share_diagnoses",
    "medical_needs": "share_medical_needs",
    "restrictions": "share_restrictions",
    "outcomes": "share_outcomes",
    "risks": "share_risks",
}


def _timetable_rows(sessions: list[dict], provider) -> list[TimetableSession]:
    rows = []
    for row in sessions:
        if row["end_time"] <= row["start_time"]:
            raise PlacementError("Each session must end after it starts", field="sessions")
        rows.append(
            TimetableSession(
                weekday=int(row["weekday"]),
                start_time=row["start_time"],
                end_time=row["end_time"],
                activity=row["activity"],
                site_address=row.get("site_address") or provider.address,
            )
        )
    return rows


def create_placement(
    student,
    provider,
    *,
    key_worker_id: int | None,
    start_date: date,
    planned_end_date: date | None,
    objectives: str,
    sessions: list[dict],
    first_review_on: date | None = None,
    share: set[str] | frozenset[str] = frozenset(),
    baseline_attendance_percent: float | None = None,
    actor,
    today: date | None = None,
    commit: bool = True,
) -> Placement:
    """Create a placement with its agreed timetable. Raises ProviderNotCleared when the provider is not
    cleared, PlacementError (with the field) for anything else that is not right.

    It starts at once when its start date has come, else it is planned (and starts on the day).
    """
    today = today or clock.today()
    provider_services.ensure_provider_cleared(provider, today)
    if planned_end_date and planned_end_date <= start_date:
        raise PlacementError("The planned end date must be after the start date", field="planned_end_date")
    if key_worker_id is not None:
        key_worker = db.session.get(User, key_worker_id)
        if (
            key_worker is None
            or key_worker.role != KEY_WORKER
            or key_worker.provider_id != provider.id
            or not key_worker.active
        ):
            raise PlacementError(
                f"Select a key worker who works for the provider ({provider.name})", field="key_worker_id"
            )
    if not objectives.strip():
        raise PlacementError("Enter at least one objective for the placement", field="objectives")
    if not sessions:
        raise PlacementError("Agree a weekly timetable: a placement cannot run without one", field="sessions")
    placement = Placement(
        student_id=student.id,
        provider_id=provider.id,
        key_worker_id=key_worker_id,
        start_date=start_date,
        planned_end_date=planned_end_date,
        status=ACTIVE if start_date <= today else PLANNED,
        objectives=objectives.strip(),
        baseline_attendance_percent=baseline_attendance_percent,
        timetable_version=1,
        **{flag: code in share for code, flag in SHARE_FLAGS.items()},
    )
    placement.sessions = _timetable_rows(sessions, provider)
    db.session.add(placement)
    db.session.flush()
    if first_review_on:
        db.session.add(PlacementReview(placement_id=placement.id, due_on=first_review_on))
    audit.record(
        "placement_created",
        "placement",
        placement.id,
        detail=f"student {student.id} at {provider.name}",
        fields=[
            "key_worker_id",
            "start_date",
            "planned_end_date",
            "objectives",
            "sessions",
            *[flag for flag in SHARE_FLAGS.values()],
        ],
        user=actor,
    )
    if placement.status == ACTIVE:
        audit.record("placement_started", "placement", placement.id, fields=["status"], user=actor)
    if commit:
        db.session.commit()
    return placement


def start_placement(placement: Placement, *, actor, today: date | None = None) -> Placement:
    """Make a planned placement active on (or after) its start date. Raises ProviderNotCleared when the
    provider is not cleared, PlacementError when it has no timetable or has not reached its start date."""
    today = today or clock.today()
    if placement.status != PLANNED:
        raise PlacementError("Only a planned placement can be started")
    if not placement.sessions:
        raise PlacementError("This placement has no agreed timetable, so it cannot start: agree one first")
    if today < placement.start_date:
        raise PlacementError(
            f"This placement starts on {placement.start_date:%-d %B %Y}, so it cannot start "
            "before then. It starts by itself on that day."
        )
    provider_services.ensure_provider_cleared(placement.provider, today)
    placement.status = ACTIVE
    audit.record("placement_started", "placement", placement.id, fields=["status"], user=actor)
    db.session.commit()
    return placement


def _session_dict(session) -> dict:
    return {
        "weekday": session.weekday,
        "start_time": session.start_time.isoformat(timespec="minutes"),
        "end_time": session.end_time.isoformat(timespec="minutes"),
        "activity": session.activity,
        "site_address": session.site_address,
    }


def change_timetable(
    placement: Placement, *, sessions: list[dict], effective_from: date, reason: str, actor, today: date | None = None
) -> TimetableVersion:
    """Agree a new version of the timetable from a date (today or later); the old one is kept whole and
    still decides which sessions were expected before that date. The key worker and parents are told
    (see `timetable_change_emails`)."""
    today = today or clock.today()
    if placement.status == ENDED:
        raise PlacementError("This placement has ended, so its timetable cannot change")
    if not sessions:
        raise PlacementError("Enter at least one session of the new timetable", field="sessions")
    if effective_from < today:
        raise PlacementError(
            "The new timetable must start today or later: past sessions keep the timetable agreed then",
            field="effective_from",
        )
    if placement.planned_end_date and effective_from > placement.planned_end_date:
        raise PlacementError("The new timetable must start before the placement's planned end", field="effective_from")
    if not reason.strip():
        raise PlacementError("Enter why the timetable is changing", field="reason")
    new_rows = _timetable_rows(sessions, placement.provider)
    effective_from = max(effective_from, placement.start_date)
    old = TimetableVersion(
        placement_id=placement.id,
        version=placement.timetable_version,
        valid_from=placement.timetable_from,
        valid_until=effective_from - timedelta(days=1),
        sessions=[_session_dict(s) for s in placement.sessions],
        change_reason=reason.strip(),
        replaced_by_id=actor.id,
        replaced_at=utcnow(),
    )
    placement.earlier_timetables.append(old)
    placement.sessions = new_rows
    placement.timetable_version += 1
    placement.timetable_from = effective_from
    db.session.flush()
    audit.record(
        "placement_timetable_changed",
        "placement",
        placement.id,
        fields=["sessions"],
        detail=f"version {placement.timetable_version} from {effective_from.isoformat()}",
        user=actor,
    )
    db.session.commit()
    return old


# --- One placement's page, reviews, ending and the family's calendar (issue 4) -------------------


def reviews_of(placement: Placement) -> list[PlacementReview]:
    query = (
        select(PlacementReview)
        .where(PlacementReview.placement_id == placement.id)
        .options(selectinload(PlacementReview.progress), selectinload(PlacementReview.recorded_by))
        .order_by(PlacementReview.due_on)
    )
    return list(db.session.scalars(query))


def ending_of(placement: Placement) -> PlacementEnding | None:
    return db.session.scalar(select(PlacementEnding).where(PlacementEnding.placement_id == placement.id))


def _per_placement(ids: list[int], value, *reviews) -> dict[int, date]:
    """{placement id: `value`} over the placements' reviews that `reviews` select (one query)."""
    return dict(
        db.session.execute(
            select(PlacementReview.placement_id, value)
            .where(PlacementReview.placement_id.in_(ids), *reviews)
            .group_by(PlacementReview.placement_id)
        ).all()
    )


def next_reviews_due(placements: list[Placement]) -> dict[int, date]:
    """When each placement's next review is due: the booked one, else 8 weeks after the last (or the start).

    Two queries whatever the number of placements.
    """
    ids = [p.id for p in placements]
    if not ids:
        return {}
    booked = _per_placement(ids, func.min(PlacementReview.due_on), PlacementReview.held_on.is_(None))
    last_held = _per_placement(ids, func.max(PlacementReview.held_on), PlacementReview.held_on.is_not(None))
    return {p.id: booked.get(p.id) or (last_held.get(p.id) or p.start_date) + REVIEW_INTERVAL for p in placements}


def overdue_reviews(
    user, today: date | None = None, placements: list[Placement] | None = None
) -> list[tuple[Placement, date]]:
    """Active placements whose review date has passed, most overdue first."""
    today = today or clock.today()
    placements = active_placements(user) if placements is None else placements
    due = next_reviews_due(placements)
    late = [(p, due[p.id]) for p in placements if due[p.id] < today]
    return sorted(late, key=lambda item: item[1])


def record_review(
    placement: Placement,
    *,
    held_on: date,
    progress: list[dict],
    suitability: str,
    suitability_notes: str,
    readiness: str,
    reintegration_timeframe: str,
    decisions: str,
    next_review_on: date,
    actor,
    today: date | None = None,
) -> PlacementReview:
    """Record the review held (filling the booked one, if any) and book the next."""
    today = today or clock.today()
    if placement.status == ENDED:
        raise PlacementError("This placement has ended, so it cannot be reviewed")
    if held_on > today:
        raise PlacementError("The review date must be today or in the past", "held_on")
    if not held_on < next_review_on <= held_on + REVIEW_INTERVAL:
        raise PlacementError("The next review must be within 8 weeks of this one", "next_review_on")
    booked = db.session.scalar(
        select(PlacementReview)
        .where(PlacementReview.placement_id == placement.id, PlacementReview.held_on.is_(None))
        .order_by(PlacementReview.due_on)
        .limit(1)
    )
    review = booked or PlacementReview(placement_id=placement.id, due_on=held_on)
    review.held_on = held_on
    review.suitability, review.suitability_notes = suitability, suitability_notes
    review.readiness, review.reintegration_timeframe = readiness, reintegration_timeframe
    review.decisions = decisions
    review.recorded_by_id, review.recorded_at = actor.id, utcnow()
    review.progress = [
        ReviewProgress(position=n, objective=row["objective"], rating=row["rating"], comment=row.get("comment", ""))
        for n, row in enumerate(progress)
    ]
    db.session.add(review)
    db.session.add(PlacementReview(placement_id=placement.id, due_on=next_review_on))
    db.session.flush()
    audit.record("placement_reviewed", "placement", placement.id, detail=f"review {review.id}", user=actor)
    db.session.commit()
    return review


def end_placement(
    placement: Placement,
    *,
    kind: str,
    ended_on: date,
    reason: str = "",
    details: str = "",
    actor,
    today: date | None = None,
) -> PlacementEnding:
    """End a placement now: the timetable stops at once, and the family and key worker see it ended."""
    today = today or clock.today()
    if placement.status == ENDED:
        raise PlacementError("This placement has already ended")
    if kind not in (PLANNED_END, IMMEDIATE):
        raise PlacementError("Select how the placement is ending", "kind")
    if kind == IMMEDIATE and reason not in {code for code, _ in END_REASONS}:
        raise PlacementError("Select the reason for the immediate withdrawal", "reason")
    if ended_on > today:
        raise PlacementError("The end date must be today or in the past", "ended_on")
    if ended_on < placement.start_date:
        raise PlacementError("The end date must be on or after the start date", "ended_on")
    ending = PlacementEnding(
        placement_id=placement.id,
        ended_on=ended_on,
        kind=kind,
        reason=reason if kind == IMMEDIATE else "",
        details=details.strip(),
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    placement.status = ENDED
    placement.ended_on = ended_on  # expected attendance stops after this day
    db.session.add(ending)
    db.session.flush()
    audit.record(
        "placement_ended",
        "placement",
        placement.id,
        fields=["status", "ended_on"],
        detail=f"{kind} {reason}".strip(),
        user=actor,
    )
    db.session.commit()
    return ending


# --- Telling people: a withdrawal, a changed timetable ----------------------------------------------


def _parents_of(placement: Placement) -> list[User]:
    return [link.parent for link in placement.student.parent_links if link.parent.active and link.parent.email]


def _staff_with(*roles: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_(roles), User.active.is_(True), works_here(User.id)).order_by(User.id)
        )
    )


def ending_emails(
    placement: Placement, ending: PlacementEnding, *, school_name: str
) -> list[tuple[list[str], str, str]]:
    """Who is told that a placement ended, and what: the DSL and headteacher (with the reason), the key
    worker and parents in plain words (only that it ended, and from when)."""
    student, provider = placement.student, placement.provider
    when = f"{ending.ended_on:%A} {ending.ended_on.day} {ending.ended_on:%B %Y}"
    emails = []
    leaders = [u.email for u in _staff_with(DSL, HEADTEACHER)]
    if leaders:
        body = (
            f"{student.full_name}'s placement at {provider.name} ended on {when}.\n\n"
            f"{ending.description}.\n"
            + (f"\nDetails: {ending.details}\n" if ending.details else "")
            + f"\nRecorded by {ending.recorded_by.name if ending.recorded_by else 'the school'}. "
            "The timetable has stopped: no sessions are expected after that day.\n"
        )
        subject = (
            f"Placement withdrawn: {student.full_name} at {provider.name}"
            if ending.kind == IMMEDIATE
            else f"Placement ended: {student.full_name} at {provider.name}"
        )
        emails.append((leaders, subject, body))
    plain = (
        f"{student.first_name}'s placement at {provider.name} has ended. The last day was {when}.\n\n"
        f"{student.first_name} is no longer expected at {provider.name} after that day. "
        f"If you have any questions, please contact {school_name}.\n"
    )
    key_worker = placement.key_worker
    if key_worker and key_worker.active and key_worker.email:
        emails.append(
            ([key_worker.email], f"{student.first_name}'s placement has ended", f"Dear {key_worker.name},\n\n{plain}")
        )
    for parent in _parents_of(placement):
        emails.append(
            (
                [parent.email],
                f"{student.first_name}'s placement at {provider.name} has ended",
                f"Dear {parent.name},\n\n{plain}",
            )
        )
    return emails


def timetable_change_emails(placement: Placement, *, school_name: str) -> list[tuple[list[str], str, str]]:
    """The key worker and parents are told about a new timetable: the sessions and from when."""
    student, provider = placement.student, placement.provider
    start = placement.timetable_from or placement.start_date
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    lines = "\n".join(
        f"- {days[s.weekday]} {s.start_time:%H:%M} to {s.end_time:%H:%M}: {s.activity}"
        + (f" ({s.site_address})" if s.site_address else "")
        for s in placement.sessions
    )
    body = (
        f"{student.first_name}'s timetable at {provider.name} changes from "
        f"{start:%A} {start.day} {start:%B %Y}. The new timetable is:\n\n{lines}\n\n"
        f"If you have any questions, please contact {school_name}.\n"
    )
    recipients = []
    if placement.key_worker and placement.key_worker.active and placement.key_worker.email:
        recipients.append(placement.key_worker)
    recipients += _parents_of(placement)
    return [
        (
            [person.email],
            f"{student.first_name}'s timetable at {provider.name} is changing",
            f"Dear {person.name},\n\n{body}",
        )
        for person in recipients
    ]


def end_and_tell(placement: Placement, *, school_name: str, **ending) -> tuple[PlacementEnding, list[str]]:
    """End a placement (see end_placement) and email everyone who must know; answer the ending and the
    addresses that could not be reached. Every way of ending a placement goes through here."""
    record = end_placement(placement, **ending)
    return record, send_all(ending_emails(placement, record, school_name=school_name))


def send_all(emails: list[tuple[list[str], str, str]]) -> list[str]:
    """Send each email; answer the addresses that could not be reached (the rest are sent)."""
    failed = []
    for to, subject, body in emails:
        try:
            send_email(to, subject, body)
        except MailError:
            failed += to
    return failed


def recently_ended(user, today: date | None = None) -> list[tuple[Placement, PlacementEnding]]:
    """Placements this user may see that ended in the last four weeks, to tell them it ended."""
    today = today or clock.today()
    query = (
        with_placement_details(scope_placements(select(Placement), user, finishing=True, today=today))
        .join(PlacementEnding, PlacementEnding.placement_id == Placement.id)
        .where(Placement.status == ENDED, PlacementEnding.ended_on >= today - RECENTLY_ENDED)
        .add_columns(PlacementEnding)
        .order_by(PlacementEnding.ended_on.desc())
    )
    return [(placement, ending) for placement, ending in db.session.execute(query).all()]


# The family's calendar: a secret address per parent and child, which the parent can replace or stop.


def _parent_of(parent, student_id: int) -> bool:
    return (
        db.session.scalar(
            select(ParentLink.id).where(ParentLink.parent_id == parent.id, ParentLink.student_id == student_id)
        )
        is not None
    )


def active_feed(parent, student_id: int) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.parent_id == parent.id,
            CalendarFeed.student_id == student_id,
            CalendarFeed.revoked_at.is_(None),
        )
    )


def active_feeds(parent) -> dict[int, CalendarFeed]:
    feeds = db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.parent_id == parent.id, CalendarFeed.revoked_at.is_(None))
    )
    return {feed.student_id: feed for feed in feeds}


def create_feed(parent, student_id: int) -> CalendarFeed:
    """A new secret calendar address; any earlier one for this child stops working."""
    if not _parent_of(parent, student_id):
        abort(404)
    revoke_feed(parent, student_id, commit=False)
    feed = CalendarFeed(token=secrets.token_urlsafe(32), parent_id=parent.id, student_id=student_id)
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar_feed_created", "student", student_id, user=parent)
    db.session.commit()
    return feed


def revoke_feed(parent, student_id: int, *, commit: bool = True) -> bool:
    if not _parent_of(parent, student_id):
        abort(404)
    feed = active_feed(parent, student_id)
    if feed is not None:
        feed.revoked_at = utcnow()
        audit.record("calendar_feed_revoked", "student", student_id, user=parent)
    if commit:
        db.session.commit()
    return feed is not None


def feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed for this token: not revoked, the parent's account active and still linked to the child."""
    if not token or len(token) > 64:
        return None
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token == token, CalendarFeed.revoked_at.is_(None))
        .execution_options(all_schools=True)  # nobody is signed in: the token names its school
    )
    if feed is not None:
        tenancy.set_for_request(feed.school_id)
    if feed is None or not feed.parent.active or not _parent_of(feed.parent, feed.student_id):
        return None
    return feed


def calendar_placements(feed: CalendarFeed) -> list[tuple[Placement, PlacementEnding | None]]:
    query = (
        with_placement_details(select(Placement))
        .where(Placement.student_id == feed.student_id)
        .outerjoin(PlacementEnding, PlacementEnding.placement_id == Placement.id)
        .add_columns(PlacementEnding)
        .order_by(Placement.start_date)
    )
    return [(placement, ending) for placement, ending in db.session.execute(query).all()]


def mark_fetched(feed: CalendarFeed) -> None:
    feed.last_fetched_at = utcnow()
    db.session.commit()


def start_due_placements(today: date | None = None) -> list[Placement]:
    """Planned placements whose start date has come become active (run daily; running twice changes nothing)."""
    today = today or clock.today()
    due = list(db.session.scalars(select(Placement).where(Placement.status == PLANNED, Placement.start_date <= today)))
    # A placement with no agreed timetable never becomes active: nobody would expect the pupil anywhere.
    due = [placement for placement in due if placement.sessions]
    for placement in due:
        placement.status = ACTIVE
        audit.record("placement_started", "placement", placement.id, fields=["status"])
    db.session.commit()
    return due


# --- erasing, for the retention review (children before parents: foreign keys are enforced) ----------


def erase_placement_records(placement_ids) -> dict[str, int]:
    """Delete the placements' reviews (with the progress seen), endings and timetables, but not the placements:
    other domains' rows still point at them (erase_placements, last); how many reviews went."""
    reviews = select(PlacementReview.id).where(PlacementReview.placement_id.in_(placement_ids))
    delete_rows(ReviewProgress, ReviewProgress.review_id.in_(reviews))
    counts = {"placement reviews": delete_rows(PlacementReview, PlacementReview.placement_id.in_(placement_ids))}
    delete_rows(PlacementEnding, PlacementEnding.placement_id.in_(placement_ids))
    delete_rows(TimetableSession, TimetableSession.placement_id.in_(placement_ids))
    delete_rows(TimetableVersion, TimetableVersion.placement_id.in_(placement_ids))
    return counts


def erase_placements(placement_ids) -> int:
    return delete_rows(Placement, Placement.id.in_(placement_ids))
