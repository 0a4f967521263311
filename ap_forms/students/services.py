"""Reads of pupils that need no other domain: a parent's children; erasing pupil records (the retention review).

Scoped reads (what each signed-in person may reach) depend on placements: placements/pupils.py.
"""

from __future__ import annotations

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.students.models import CalendarFeed, Carer, CarerInvitation, ParentLink, Student, StudentChange
from ap_forms.web.database import delete_rows, update_rows


def children_of(parent) -> list[Student]:
    query = (
        select(Student)
        .join(ParentLink)
        .where(ParentLink.parent_id == parent.id, Student.left_on.is_(None))
        .order_by(Student.first_name)
    )
    return db.session.scalars(query).all()


# --- erasing, for the retention review (children before parents: foreign keys are enforced) ----------


def clear_pupil_fields(student_id: int, **values) -> None:
    """What the pupil record holds of an erased kind of record, cleared (the record itself stays)."""
    update_rows(Student, Student.id == student_id, **values)


def erase_pupil_changes(student_id: int) -> int:
    return delete_rows(StudentChange, StudentChange.student_id == student_id)


def erase_pupil(student_id: int) -> int:
    """Delete the pupil record with its carers (and their invitations), parents' links and calendar feeds.

    Only when nothing else is held about the pupil: the caller has erased every other domain's rows."""
    carers = select(Carer.id).where(Carer.student_id == student_id)
    delete_rows(CarerInvitation, CarerInvitation.carer_id.in_(carers))
    delete_rows(Carer, Carer.student_id == student_id)
    delete_rows(ParentLink, ParentLink.student_id == student_id)
    delete_rows(CalendarFeed, CalendarFeed.student_id == student_id)
    return delete_rows(Student, Student.id == student_id)
