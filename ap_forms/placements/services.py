"""Scoped reads of placements: what each signed-in person may reach."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import abort
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import (
    ACTIVE,
    END_REASONS,
    ENDED,
    IMMEDIATE,
    PLANNED,
    PLANNED_END,
    CalendarFeed,
    Placement,
    PlacementEnding,
    PlacementReview,
    ReviewProgress,
)
from ap_forms.providers.services import ensure_provider_cleared
from ap_forms.students.models import ParentLink
from ap_forms.web import audit
from ap_forms.web.audit import utcnow
from ap_forms.web.roles import KEY_WORKER, PARENT, SCHOOL_STAFF


def scope_placements(query: Select, user) -> Select:
    """Limit a query over Placement to the rows this user may see."""
    if user.role in SCHOOL_STAFF:
        return query
    if user.role == KEY_WORKER and user.provider_id:
        return query.where(Placement.provider_id == user.provider_id)
    if user.role == PARENT:
        # Not once the pupil has left the school (students.roll.leave_school)
        children = select(ParentLink.student_id).where(ParentLink.parent_id == user.id,
                                                       ParentLink.student.has(left_on=None))
        return query.where(Placement.student_id.in_(children))
    return query.where(false())


def _with_details(query: Select) -> Select:
    return query.options(
        selectinload(Placement.student), selectinload(Placement.provider),
        selectinload(Placement.key_worker), selectinload(Placement.sessions),
    )


def active_placements(user, *, statuses=(ACTIVE,)) -> list[Placement]:
    query = _with_details(scope_placements(select(Placement), user))
    query = query.where(Placement.status.in_(statuses))
    placements = db.session.scalars(query).all()
    return sorted(placements, key=lambda p: (p.student.last_name, p.student.first_name, p.start_date))


def placements_for_student(user, student_id: int) -> list[Placement]:
    query = _with_details(scope_placements(select(Placement), user))
    query = query.where(Placement.student_id == student_id).order_by(Placement.start_date.desc())
    return db.session.scalars(query).all()


REVIEW_INTERVAL = timedelta(weeks=8)  # at least every half term (DfE's 2025 guidance)
RECENTLY_ENDED = timedelta(days=28)  # families and key workers still see an ended placement this long


class PlacementError(ValueError):
    """A request that cannot be carried out; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def get_placement_or_404(user, placement_id: int) -> Placement:
    query = _with_details(scope_placements(select(Placement), user)).where(Placement.id == placement_id)
    placement = db.session.scalar(query)
    if placement is None:
        abort(404)
    return placement


# --- Creating and starting placements: both go through the commissioning gate ---------------

def create_placement(student, provider, *, key_worker_id: int | None, start_date: date,
                     planned_end_date: date | None, objectives: str, share_send_needs: bool = False,
                     share_diagnoses: bool = False, share_medical_needs: bool = False, actor,
                     today: date | None = None) -> Placement:
    """Plan a placement. Raises ProviderNotCleared when the provider is not cleared."""
    ensure_provider_cleared(provider, today)
    if planned_end_date and planned_end_date < start_date:
        raise PlacementError("The planned end date must be after the start date", field="planned_end_date")
    if key_worker_id is not None:
        key_worker = db.session.get(User, key_worker_id)
        if key_worker is None or key_worker.role != KEY_WORKER or key_worker.provider_id != provider.id:
            raise PlacementError(f"Choose a key worker who works at {provider.name}", field="key_worker_id")
    placement = Placement(student_id=student.id, provider_id=provider.id, key_worker_id=key_worker_id,
                          start_date=start_date, planned_end_date=planned_end_date, status=PLANNED,
                          objectives=objectives.strip(), share_send_needs=share_send_needs,
                          share_diagnoses=share_diagnoses, share_medical_needs=share_medical_needs)
    db.session.add(placement)
    db.session.flush()
    audit.record("placement_created", "placement", placement.id, detail=f"student {student.id} at {provider.name}",
                 user=actor)
    db.session.commit()
    return placement


def start_placement(placement: Placement, *, actor, today: date | None = None) -> Placement:
    """Make a planned placement active. Raises ProviderNotCleared when the provider is not cleared."""
    if placement.status != PLANNED:
        raise PlacementError("Only a planned placement can be started")
    ensure_provider_cleared(placement.provider, today)
    placement.status = ACTIVE
    audit.record("placement_started", "placement", placement.id, fields=["status"], user=actor)
    db.session.commit()
    return placement
# --- One placement's page, reviews, ending and the family's calendar (issue 4) -------------------

def reviews_of(placement: Placement) -> list[PlacementReview]:
    query = (select(PlacementReview).where(PlacementReview.placement_id == placement.id)
             .options(selectinload(PlacementReview.progress), selectinload(PlacementReview.recorded_by))
             .order_by(PlacementReview.due_on))
    return list(db.session.scalars(query))


def ending_of(placement: Placement) -> PlacementEnding | None:
    return db.session.scalar(select(PlacementEnding).where(PlacementEnding.placement_id == placement.id))


def next_reviews_due(placements: list[Placement]) -> dict[int, date]:
    """When each placement's next review is due: the booked one, else 8 weeks after the last (or the start).

    Two queries whatever the number of placements.
    """
    ids = [p.id for p in placements]
    if not ids:
        return {}
    booked = dict(db.session.execute(
        select(PlacementReview.placement_id, func.min(PlacementReview.due_on))
        .where(PlacementReview.placement_id.in_(ids), PlacementReview.held_on.is_(None))
        .group_by(PlacementReview.placement_id)).all())
    last_held = dict(db.session.execute(
        select(PlacementReview.placement_id, func.max(PlacementReview.held_on))
        .where(PlacementReview.placement_id.in_(ids), PlacementReview.held_on.is_not(None))
        .group_by(PlacementReview.placement_id)).all())
    return {p.id: booked.get(p.id) or (last_held.get(p.id) or p.start_date) + REVIEW_INTERVAL
            for p in placements}


def overdue_reviews(user, today: date | None = None, placements: list[Placement] | None = None
                    ) -> list[tuple[Placement, date]]:
    """Active placements whose review date has passed, most overdue first."""
    today = today or date.today()
    placements = active_placements(user) if placements is None else placements
    due = next_reviews_due(placements)
    late = [(p, due[p.id]) for p in placements if due[p.id] < today]
    return sorted(late, key=lambda item: item[1])


def record_review(placement: Placement, *, held_on: date, progress: list[dict], suitability: str,
                  suitability_notes: str, readiness: str, reintegration_timeframe: str, decisions: str,
                  next_review_on: date, actor, today: date | None = None) -> PlacementReview:
    """Record the review held (filling the booked one, if any) and book the next."""
    today = today or date.today()
    if placement.status == ENDED:
        raise PlacementError("This placement has ended, so it cannot be reviewed")
    if held_on > today:
        raise PlacementError("The review date must be today or in the past", "held_on")
    if not held_on < next_review_on <= held_on + REVIEW_INTERVAL:
        raise PlacementError("The next review must be within 8 weeks of this one", "next_review_on")
    booked = db.session.scalar(
        select(PlacementReview).where(PlacementReview.placement_id == placement.id,
                                      PlacementReview.held_on.is_(None))
        .order_by(PlacementReview.due_on).limit(1))
    review = booked or PlacementReview(placement_id=placement.id, due_on=held_on)
    review.held_on = held_on
    review.suitability, review.suitability_notes = suitability, suitability_notes
    review.readiness, review.reintegration_timeframe = readiness, reintegration_timeframe
    review.decisions = decisions
    review.recorded_by_id, review.recorded_at = actor.id, utcnow()
    review.progress = [ReviewProgress(position=n, objective=row["objective"], rating=row["rating"],
                                      comment=row.get("comment", "")) for n, row in enumerate(progress)]
    db.session.add(review)
    db.session.add(PlacementReview(placement_id=placement.id, due_on=next_review_on))
    db.session.flush()
    audit.record("placement_reviewed", "placement", placement.id, detail=f"review {review.id}", user=actor)
    db.session.commit()
    return review


def end_placement(placement: Placement, *, kind: str, ended_on: date, reason: str = "", details: str = "",
                  actor, today: date | None = None) -> PlacementEnding:
    """End a placement now: the timetable stops at once, and the family and key worker see it ended."""
    today = today or date.today()
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
    ending = PlacementEnding(placement_id=placement.id, ended_on=ended_on, kind=kind,
                             reason=reason if kind == IMMEDIATE else "", details=details.strip(),
                             recorded_by_id=actor.id, recorded_at=utcnow())
    placement.status = ENDED
    placement.ended_on = ended_on  # expected attendance stops after this day
    db.session.add(ending)
    db.session.flush()
    audit.record("placement_ended", "placement", placement.id, fields=["status", "ended_on"],
                 detail=f"{kind} {reason}".strip(), user=actor)
    db.session.commit()
    return ending


def recently_ended(user, today: date | None = None) -> list[tuple[Placement, PlacementEnding]]:
    """Placements this user may see that ended in the last four weeks, to tell them it ended."""
    today = today or date.today()
    query = (_with_details(scope_placements(select(Placement), user))
             .join(PlacementEnding, PlacementEnding.placement_id == Placement.id)
             .where(Placement.status == ENDED, PlacementEnding.ended_on >= today - RECENTLY_ENDED)
             .add_columns(PlacementEnding).order_by(PlacementEnding.ended_on.desc()))
    return [(placement, ending) for placement, ending in db.session.execute(query).all()]


# The family's calendar: a secret address per parent and child, which the parent can replace or stop.

def _parent_of(parent, student_id: int) -> bool:
    return db.session.scalar(select(ParentLink.id).where(ParentLink.parent_id == parent.id,
                                                         ParentLink.student_id == student_id)) is not None


def active_feed(parent, student_id: int) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(
        CalendarFeed.parent_id == parent.id, CalendarFeed.student_id == student_id,
        CalendarFeed.revoked_at.is_(None)))


def active_feeds(parent) -> dict[int, CalendarFeed]:
    feeds = db.session.scalars(select(CalendarFeed).where(CalendarFeed.parent_id == parent.id,
                                                          CalendarFeed.revoked_at.is_(None)))
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
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token,
                                                        CalendarFeed.revoked_at.is_(None)))
    if feed is None or not feed.parent.active or not _parent_of(feed.parent, feed.student_id):
        return None
    return feed


def calendar_placements(feed: CalendarFeed) -> list[tuple[Placement, PlacementEnding | None]]:
    query = (_with_details(select(Placement)).where(Placement.student_id == feed.student_id)
             .outerjoin(PlacementEnding, PlacementEnding.placement_id == Placement.id)
             .add_columns(PlacementEnding).order_by(Placement.start_date))
    return [(placement, ending) for placement, ending in db.session.execute(query).all()]


def mark_fetched(feed: CalendarFeed) -> None:
    feed.last_fetched_at = utcnow()
    db.session.commit()


def start_due_placements(today: date | None = None) -> list[Placement]:
    """Planned placements whose start date has come become active (run daily; running twice changes nothing)."""
    today = today or date.today()
    due = list(db.session.scalars(select(Placement).where(Placement.status == PLANNED,
                                                          Placement.start_date <= today)))
    for placement in due:
        placement.status = ACTIVE
        audit.record("placement_started", "placement", placement.id, fields=["status"])
    db.session.commit()
    return due
