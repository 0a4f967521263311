"""Append-only audit log: who did or saw what, when and from where."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import DateTime, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ap_forms.extensions import db
from ap_forms.web import tenancy
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn


class AuditEvent(IdColumn, db.Model):
    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the log outlives accounts
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    fields: Mapped[str | None] = mapped_column(Text)  # comma-separated names of changed fields
    detail: Mapped[str | None] = mapped_column(String(255))
    # The school being worked in (issue 17); none for what happens before one is chosen (signing in).
    # No FK, like user_id: the log outlives what it names.
    school_id: Mapped[int | None] = mapped_column(Integer, index=True)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):  # noqa: ARG001
    raise AppendOnlyError("The audit log is append-only.")


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def record(
    action: str,
    record_type: str | None = None,
    record_id: object = None,
    *,
    fields: list[str] | tuple[str, ...] | None = None,
    detail: str | None = None,
    user=None,
    commit: bool = False,
) -> AuditEvent:
    """Add an audit row to the session (committed with the caller's change, or now if asked)."""
    actor = user
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event_row = AuditEvent(
        user_id=getattr(actor, "id", None),
        role=getattr(actor, "role", None),
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        ip=request.remote_addr if has_request_context() else None,
        fields=",".join(sorted(fields)) if fields else None,
        detail=_printable(detail)[:255] if detail else None,
        school_id=tenancy.current_school_id(),
    )
    db.session.add(event_row)
    if commit:
        db.session.commit()
    return event_row
