"""Scoped reads of placements: what each signed-in person may reach."""

from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, PLANNED, Placement
from ap_forms.providers.services import ensure_provider_cleared
from ap_forms.students.models import ParentLink
from ap_forms.web import audit
from ap_forms.web.roles import KEY_WORKER, PARENT, SCHOOL_STAFF


def scope_placements(query: Select, user) -> Select:
    """Limit a query over Placement to the rows this user may see."""
    if user.role in SCHOOL_STAFF:
        return query
    if user.role == KEY_WORKER and user.provider_id:
        return query.where(Placement.provider_id == user.provider_id)
    if user.role == PARENT:
        children = select(ParentLink.student_id).where(ParentLink.parent_id == user.id)
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


# --- Creating and starting placements: both go through the commissioning gate ---------------

class PlacementError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def get_placement_or_404(user, placement_id: int) -> Placement:
    placement = db.session.scalar(_with_details(scope_placements(select(Placement), user))
                                  .where(Placement.id == placement_id))
    if placement is None:
        abort(404)
    return placement


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
