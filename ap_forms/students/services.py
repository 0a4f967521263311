"""Reads of pupils that need no other domain: a parent's children.

Scoped reads (what each signed-in person may reach) depend on placements: placements/pupils.py.
"""

from __future__ import annotations

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.students.models import ParentLink, Student


def children_of(parent) -> list[Student]:
    query = (
        select(Student)
        .join(ParentLink)
        .where(ParentLink.parent_id == parent.id, Student.left_on.is_(None))
        .order_by(Student.first_name)
    )
    return db.session.scalars(query).all()
