from __future__ import annotations

from datetime import time

from sqlalchemy import func, select, true

from ap_forms.extensions import db
from ap_forms.school.models import School, SchoolMembership
from ap_forms.web import audit, request_cache, tenancy

FIELDS = ("name", "dfe_number", "urn", "local_authority", "address", "contact_email", "contact_phone", "dsl_phone")
CUTOFF_FIELDS = ("attendance_cutoff_am", "attendance_cutoff_pm")


CACHE_NAME = "school_settings"


def get_settings() -> School:
    """The current school's row (its name and settings). Read once a request."""
    return request_cache.cached(CACHE_NAME, stored_settings)


def stored_settings() -> School:
    """The current school's row, read now (not the request's cached copy): for code that changes it.
    With no single school chosen (a shell, a public page), the trust's first school."""
    school_id = tenancy.current_school_id()
    school = db.session.get(School, school_id) if school_id else None
    return school or db.session.scalar(select(School).order_by(School.id).limit(1))


def members_query(school_id: int | None = None):
    """The ids of the members of a school (default: the school the current request or command works in),
    for `User.id.in_(...)`. None when no single school is being looked at (a shell, a test's set-up, a
    look across every school): then nobody is left out. Before a school is chosen, nobody's."""
    school = school_id if school_id is not None else tenancy.school_to_filter()
    if school is None:
        return None
    return select(SchoolMembership.user_id).where(SchoolMembership.school_id == school)


def member_of_school(user_id, school_id: int | None = None):
    """A condition on a user-id column: the person is a member of the current school. Every list of staff
    (DSLs to alert, headteachers to confirm, the office to email, people to pick) is narrowed by it."""
    members = members_query(school_id)
    return true() if members is None else user_id.in_(members)


def schools_with_member_counts() -> list[tuple[School, int]]:
    """Every school of the trust with how many members of staff it has, by name."""
    counts = (
        select(SchoolMembership.school_id, func.count().label("members"))
        .group_by(SchoolMembership.school_id)
        .subquery()
    )
    query = (
        select(School, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.school_id == School.id)
        .order_by(School.name, School.id)
    )
    return [(school, count) for school, count in db.session.execute(query)]


def all_schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name, School.id)))


def name_taken(name: str, *, school_id: int | None = None) -> bool:
    """Whether another school of the trust already has this name (compared without case)."""
    query = select(School.id).where(func.lower(School.name) == name.strip().lower())
    if school_id is not None:
        query = query.where(School.id != school_id)
    return db.session.scalar(query.limit(1)) is not None


def add_school(values: dict, *, actor) -> School:
    """A new school of the trust: its settings, no calendar and no staff yet, except the administrator who
    added it, who becomes a member so they can change to it and set it up."""
    school = School(**{field: values.get(field, "") for field in FIELDS})
    db.session.add(school)
    db.session.flush()
    db.session.add(SchoolMembership(user_id=actor.id, school_id=school.id))
    audit.record("school_added", "school", school.id, fields=[f for f in FIELDS if values.get(f)], user=actor)
    audit.record("school_membership_added", "user", actor.id, detail=f"school {school.id}", user=actor)
    db.session.commit()
    return school


def set_memberships(user_id: int, school_ids: set[int]) -> list[int]:
    """Make a person a member of exactly these schools; the ids of the schools added or removed."""
    current = set(db.session.scalars(select(SchoolMembership.school_id).where(SchoolMembership.user_id == user_id)))
    for school_id in school_ids - current:
        db.session.add(SchoolMembership(user_id=user_id, school_id=school_id))
    gone = current - school_ids
    if gone:
        db.session.execute(
            SchoolMembership.__table__.delete().where(
                SchoolMembership.user_id == user_id, SchoolMembership.school_id.in_(gone)
            )
        )
    return sorted(current ^ school_ids)


def add_member(user_id: int, school: School | None = None) -> None:
    """Make a member of staff a member of `school` (default: the current school)."""
    db.session.add(SchoolMembership(user_id=user_id, school_id=(school or stored_settings()).id))


def save_settings(values: dict, *, actor=None) -> School:
    """Save the current school's settings: FIELDS as text, CUTOFF_FIELDS as "HH:MM" or "" (the default)."""
    settings = stored_settings()
    values = {**values, **{f: time.fromisoformat(values[f].zfill(5)) if values[f] else None for f in CUTOFF_FIELDS}}
    changed = [f for f in (*FIELDS, *CUTOFF_FIELDS) if getattr(settings, f) != values[f]]
    for field in (*FIELDS, *CUTOFF_FIELDS):
        setattr(settings, field, values[field])
    db.session.flush()
    request_cache.forget(CACHE_NAME)
    if changed:
        audit.record("school_settings_updated", "school_settings", settings.id, fields=changed, user=actor)
    db.session.commit()
    return settings
