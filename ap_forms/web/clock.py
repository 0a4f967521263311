"""The school's clock: local time in England, which a test or a demo may pin with FROZEN_NOW.

Services take `today`/`now` parameters; views ask this module, so one setting moves a whole
running app (the browser tests freeze it on a school day morning).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

SCHOOL_TZ = ZoneInfo("Europe/London")


def _frozen() -> datetime | None:
    if not has_app_context():
        return None
    value = current_app.config.get("FROZEN_NOW")
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def now() -> datetime:
    """Local wall-clock time at the school, naive (as people read it: 'marked at 09:42')."""
    return _frozen() or datetime.now(SCHOOL_TZ).replace(tzinfo=None)


def today() -> date:
    return now().date()


def utcnow() -> datetime:
    """UTC, naive, as the database stores times; follows FROZEN_NOW when it is set."""
    frozen = _frozen()
    if frozen is None:
        return datetime.now(UTC).replace(tzinfo=None)
    return frozen.replace(tzinfo=SCHOOL_TZ).astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    """A stored UTC time as the school's local time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(SCHOOL_TZ).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=SCHOOL_TZ).astimezone(UTC).replace(tzinfo=None)
