from __future__ import annotations

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.school.models import SchoolSettings
from ap_forms.web import audit, request_cache

FIELDS = ("name", "dfe_number", "urn", "local_authority", "address", "contact_email", "contact_phone", "dsl_phone")


CACHE_NAME = "school_settings"


def get_settings() -> SchoolSettings:
    """The school's settings row; an unsaved default until an admin fills it in. Read once a request."""
    return request_cache.cached(CACHE_NAME, _read_settings)


def _read_settings() -> SchoolSettings:
    return stored_settings() or unsaved_settings()


def stored_settings() -> SchoolSettings | None:
    """The saved row, read now (not the request's cached copy): for code that changes it."""
    return db.session.scalar(select(SchoolSettings).limit(1))


def unsaved_settings() -> SchoolSettings:
    """The settings before an admin has saved any."""
    return SchoolSettings(
        name="Your school",
        dfe_number="",
        urn="",
        local_authority="",
        address="",
        contact_email="",
        contact_phone="",
        dsl_phone="",
    )


def save_settings(values: dict, *, actor=None) -> SchoolSettings:
    settings = stored_settings()
    if settings is None:
        settings = SchoolSettings()
        db.session.add(settings)
    changed = [f for f in FIELDS if getattr(settings, f) != values[f]]
    for field in FIELDS:
        setattr(settings, field, values[field])
    db.session.flush()
    request_cache.forget(CACHE_NAME)
    if changed:
        audit.record("school_settings_updated", "school_settings", settings.id, fields=changed, user=actor)
    db.session.commit()
    return settings
