"""Writes to the school's roll: adding, editing and leaving, each kept in the pupil's change history.

Who may change which fields is decided here (FIELDS_FOR_ROLE), so a form cannot widen it: the office
keeps basic and contact details; the SEND lead and admin also SEND, medical and safeguarding status.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, or_, select

from ap_forms.extensions import db
from ap_forms.students.models import CalendarFeed, Carer, Student, StudentChange
from ap_forms.students.upn import upn_problem
from ap_forms.web import audit, clock
from ap_forms.web.paging import paginate
from ap_forms.web.roles import ADMIN, OFFICE, SCHOOL_STAFF, SEND_LEAD

LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "date_of_birth": "Date of birth",
    "year_group": "Year group",
    "upn": "UPN",
    "uln": "ULN",
    "gender": "Gender",
    "contact_restrictions": "Contact restrictions",
    "ehcp": "EHCP",
    "send_needs": "SEND needs",
    "diagnoses": "Diagnoses",
    "medical_needs": "Medical needs",
    "medication": "Medication",
    "looked_after": "Looked after",
    "child_protection": "Child protection status",
    "left_on": "Left on",
    "leaving_destination": "Destination",
}
BASIC_FIELDS = ("first_name", "last_name", "preferred_name", "date_of_birth", "year_group", "upn", "uln", "gender")
CONTACT_FIELDS = ("contact_restrictions",)
SENSITIVE_FIELDS = (
    "ehcp",
    "send_needs",
    "diagnoses",
    "medical_needs",
    "medication",
    "looked_after",
    "child_protection",
)
ALL_FIELDS = BASIC_FIELDS + CONTACT_FIELDS + SENSITIVE_FIELDS
FIELDS_FOR_ROLE = {OFFICE: BASIC_FIELDS + CONTACT_FIELDS, SEND_LEAD: ALL_FIELDS, ADMIN: ALL_FIELDS}
KEEPERS = frozenset(FIELDS_FOR_ROLE)  # roles that add and edit pupils
PAGE_SIZE = 25


class PupilError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def fields_for(user) -> tuple[str, ...]:
    return FIELDS_FOR_ROLE.get(user.role, ())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def upn_taken(upn: str, *, except_id: int | None = None) -> bool:
    query = select(Student.id).where(func.upper(Student.upn) == upn.upper())
    if except_id:
        query = query.where(Student.id != except_id)
    return db.session.scalar(query) is not None


def check_values(values: dict, *, student_id: int | None = None, today: date | None = None) -> None:
    """The rules a pupil record must meet, whoever writes it (form or import)."""
    today = today or clock.today()
    if "upn" in values:
        problem = upn_problem(values["upn"])
        if problem:
            raise PupilError(problem, "upn")
        if upn_taken(values["upn"], except_id=student_id):
            raise PupilError("Another pupil already has this UPN. Each pupil's UPN is unique", "upn")
    if "date_of_birth" in values and values["date_of_birth"] and values["date_of_birth"] > today:
        raise PupilError("Date of birth must be in the past", "date_of_birth")


def record_change(student: Student, action: str, changes: dict, *, actor, detail: str | None = None) -> None:
    db.session.add(
        StudentChange(
            student_id=student.id,
            at=clock.utcnow(),
            by_id=getattr(actor, "id", None),
            action=action,
            changes=json.dumps(changes),
        )
    )
    audit.record(f"pupil_{action}", "student", student.id, fields=list(changes), detail=detail, user=actor)


def apply_values(student: Student, values: dict) -> dict:
    """Set the values that differ; the {field: [old, new]} of what changed."""
    changes = {}
    for field, value in values.items():
        if getattr(student, field) != value:
            changes[field] = [_text(getattr(student, field)), _text(value)]
            setattr(student, field, value)
    return changes


def add_pupil(values: dict, *, actor) -> Student:
    values = {f: v for f, v in values.items() if f in fields_for(actor)}
    check_values(values)
    student = Student(
        **{
            "preferred_name": "",
            "uln": "",
            "gender": "",
            "send_needs": "",
            "diagnoses": "",
            "medical_needs": "",
            "medication": "",
            "contact_restrictions": "",
            "child_protection": "none",
            "ehcp": False,
            "looked_after": False,
        }
    )
    db.session.add(student)
    changes = apply_values(student, values)
    db.session.flush()
    record_change(student, "added", changes, actor=actor)
    db.session.commit()
    return student


def edit_pupil(student: Student, values: dict, *, actor) -> dict:
    """Save the fields this person may change; fields outside their role are ignored, never written."""
    values = {f: v for f, v in values.items() if f in fields_for(actor)}
    check_values(values, student_id=student.id)
    changes = apply_values(student, values)
    if changes:
        record_change(student, "edited", changes, actor=actor)
    db.session.commit()
    return changes


def leave_school(student: Student, *, left_on: date, destination: str, placed_at: list[str], actor) -> None:
    """The pupil leaves the roll: families and providers lose access at once; the record is kept.

    `placed_at`: the providers of the pupil's planned or running placements (placements know them);
    a pupil cannot leave while one runs."""
    if student.left_on:
        raise PupilError("This pupil has already left", "left_on")
    if left_on > clock.today():
        raise PupilError("The leaving date must be today or in the past", "left_on")
    if placed_at:
        raise PupilError(f"End the placement at {placed_at[0]} first, from its placement page", "left_on")
    changes = apply_values(student, {"left_on": left_on, "leaving_destination": destination.strip()})
    for feed in db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.student_id == student.id, CalendarFeed.revoked_at.is_(None))
    ):
        feed.revoked_at = clock.utcnow()
    record_change(student, "left", changes, actor=actor)
    db.session.commit()


def history(student: Student) -> list[dict]:
    rows = db.session.scalars(
        select(StudentChange)
        .where(StudentChange.student_id == student.id)
        .order_by(StudentChange.at.desc(), StudentChange.id.desc())
    ).all()
    out = []
    for row in rows:
        changes = json.loads(row.changes or "{}")
        out.append(
            {
                "at": row.at,
                "by": row.by.name if row.by else "Import or system",
                "action": row.action,
                "changes": [
                    (LABELS.get(f, f.replace("_", " ").capitalize()), old, new) for f, (old, new) in changes.items()
                ],
            }
        )
    return out


# --- the pupil list ------------------------------------------------------------------------------


def contains_text(text: str, *columns):
    """SQL condition: one of the columns holds the text, whatever its case (the pupil searches)."""
    like = f"%{text.lower()}%"
    return or_(*(func.lower(column).like(like) for column in columns))


def roll_query(user, *, text: str = "", year: int | None = None, left: bool = False, where=None):
    """The roll (or those who have `left`), searched; `where` narrows it further (the pupil list's
    filters by placement or referral, which those domains define)."""
    if user.role not in SCHOOL_STAFF and user.role not in KEEPERS:
        return select(Student).where(Student.id.is_(None))
    query = select(Student)
    text = text.strip()
    if text:
        query = query.where(
            contains_text(text, Student.first_name, Student.last_name, Student.preferred_name, Student.upn)
        )
    if year is not None:
        query = query.where(Student.year_group == year)
    if left:
        query = query.where(Student.left_on.is_not(None))
    else:
        query = query.where(Student.left_on.is_(None))
    if where is not None:
        query = query.where(where)
    return query


def list_pupils(user, *, text: str = "", year: int | None = None, left: bool = False, where=None, page: int = 1):
    """The roll's page `page`: (pupils, how many in all, the page's number, how many pages)."""
    query = roll_query(user, text=text, year=year, left=left, where=where)
    return paginate(query, Student.last_name, Student.first_name, Student.id, number=page, size=PAGE_SIZE)


def roll_is_empty() -> bool:
    return db.session.scalar(select(Student.id).limit(1)) is None


def year_groups() -> list[int]:
    return list(db.session.scalars(select(Student.year_group).distinct().order_by(Student.year_group)))


def carers_for(student_id: int) -> list[Carer]:
    return list(
        db.session.scalars(select(Carer).where(Carer.student_id == student_id).order_by(Carer.priority, Carer.id))
    )
