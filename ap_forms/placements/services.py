"""Scoped reads of placements: what each signed-in person may reach."""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, Placement
from ap_forms.students.models import ParentLink
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
