"""Scoped reads of pupils: staff see the roll; a key worker only pupils placed at their provider.

They live with the placements because a key worker's access comes from (and ends with) a placement.
"""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, PLANNED, Placement
from ap_forms.placements.services import key_worker_placement_open
from ap_forms.students.models import ParentLink, Student
from ap_forms.students.roll import contains_text
from ap_forms.web import clock
from ap_forms.web.roles import KEY_WORKER, PARENT, SCHOOL_STAFF


def scope_students(query: Select, user) -> Select:
    if user.role in SCHOOL_STAFF:
        return query
    if user.role == KEY_WORKER and user.provider_id:
        # Only while a placement at their provider is running: access ends with the placement.
        placed = select(Placement.student_id).where(
            Placement.provider_id == user.provider_id, key_worker_placement_open(clock.today())
        )
        return query.where(Student.id.in_(placed), Student.left_on.is_(None))
    if user.role == PARENT:  # a pupil who has left the school is no longer shown to the family
        children = select(ParentLink.student_id).where(ParentLink.parent_id == user.id)
        return query.where(Student.id.in_(children), Student.left_on.is_(None))
    return query.where(false())


def get_student_or_404(user, student_id: int) -> Student:
    query = scope_students(select(Student), user).where(Student.id == student_id)
    return db.first_or_404(query.options(selectinload(Student.parent_links).selectinload(ParentLink.parent)))


def search_students(user, text: str = "") -> list[Student]:
    query = scope_students(select(Student), user).order_by(Student.last_name, Student.first_name)
    text = text.strip()
    if text:
        query = query.where(contains_text(text, Student.first_name, Student.last_name, Student.upn))
    return db.session.scalars(query).all()


def in_provision_now():
    """SQL condition on Student: in alternative provision now (an active placement)."""
    return Student.id.in_(select(Placement.student_id).where(Placement.status == ACTIVE))


def placed_or_planned():
    """SQL condition on Student: a planned or active placement."""
    return Student.id.in_(select(Placement.student_id).where(Placement.status.in_((ACTIVE, PLANNED))))
