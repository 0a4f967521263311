from __future__ import annotations

from sqlalchemy import select, true

from ap_forms.extensions import db
from ap_forms.school.models import School, SchoolMembership
from ap_forms.web import audit, request_cache, tenancy

FIELDS = ("name", "dfe_number", "urn", "local_authority", "address", "contact_email", "contact_phone", "dsl_phone")


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


def works_here(user_id_column):
    """A filter on users keeping the members of the current school (its staff and administrators): for
    lists of school staff and the people an alert goes to, since accounts are the trust's, not one
    school's. No filter where nothing is filtered (all schools, or outside a request and a command)."""
    school = tenancy.school_to_filter()
    if school is None:
        return true()
    return user_id_column.in_(select(SchoolMembership.user_id).where(SchoolMembership.school_id == school))


def add_member(user_id: int, school: School | None = None) -> None:
    """Make a member of staff a member of `school` (default: the current school)."""
    db.session.add(SchoolMembership(user_id=user_id, school_id=(school or stored_settings()).id))


def save_settings(values: dict, *, actor=None) -> School:
    settings = stored_settings()
    changed = [f for f in FIELDS if getattr(settings, f) != values[f]]
    for field in FIELDS:
        setattr(settings, field, values[field])
    db.session.flush()
    request_cache.forget(CACHE_NAME)
    if changed:
        audit.record("school_settings_updated", "school_settings", settings.id, fields=changed, user=actor)
    db.session.commit()
    return settings
