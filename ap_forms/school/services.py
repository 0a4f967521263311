from __future__ import annotations

from datetime import time

from sqlalchemy import select

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
