"""No lost work: a form sent after the session ended is kept, and offered back after sign-in.

When a POST arrives from someone whose session has just timed out (idle or 8-hour limit; the
account still active and the cookie's nonce still current), the gate keeps the submitted fields
server-side for that same person. A revoked or disabled account's cookie keeps nothing.
After they sign in again they see one page with a button that sends exactly what they typed.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import DateTime, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn
from ap_forms.web.rendering import render

KEEP_FOR = timedelta(hours=24)
SESSION_KEY = "resubmit_token"
MAX_KEPT_BYTES = 64 * 1024  # form data larger than this is not kept
MAX_KEPT_PER_PERSON = 5
NEVER_KEPT = {"csrf_token", "password", "new_password", "current_password"}

bp = Blueprint("resubmit", __name__)


class PendingSubmission(IdColumn, db.Model):
    __tablename__ = "pending_submissions"

    token: Mapped[str] = mapped_column(String(43), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    path: Mapped[str] = mapped_column(String(500))
    fields: Mapped[str] = mapped_column(Text)  # JSON list of [name, value] pairs
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def keep_submission(user_id: int) -> str | None:
    """Keep this POST's fields for `user_id`; return the token to carry across sign-in.

    Called only for a session that was valid and has merely timed out (the gate checked the
    account is active and the cookie's nonce is current). A large body is not kept, and a person
    has at most MAX_KEPT_PER_PERSON kept forms (the oldest go).
    """
    if request.method != "POST" or request.files or (request.content_length or 0) > MAX_KEPT_BYTES:
        return None
    pairs = [[k, v] for k, values in request.form.lists() if k not in NEVER_KEPT for v in values]
    if not pairs:
        return None
    fields = json.dumps(pairs)
    if len(fields.encode()) > MAX_KEPT_BYTES:
        return None
    db.session.execute(delete(PendingSubmission).where(PendingSubmission.created_at < utcnow() - KEEP_FOR))
    token = secrets.token_urlsafe(32)
    db.session.add(PendingSubmission(token=token, user_id=user_id, path=request.path[:500], fields=fields))
    db.session.flush()
    older = (
        select(PendingSubmission.id)
        .where(PendingSubmission.user_id == user_id)
        .order_by(PendingSubmission.created_at.desc(), PendingSubmission.id.desc())
        .offset(MAX_KEPT_PER_PERSON)
    )
    stale = list(db.session.scalars(older))
    if stale:
        db.session.execute(delete(PendingSubmission).where(PendingSubmission.id.in_(stale)))
    db.session.commit()
    return token


@bp.get("/resubmit/<token>")
def offer(token: str):
    pending = db.session.scalar(
        select(PendingSubmission).where(
            PendingSubmission.token == token[:64],
            PendingSubmission.user_id == current_user.id,
            PendingSubmission.created_at >= utcnow() - KEEP_FOR,
        )
    )
    if pending is None:
        abort(404)
    return render("web/resubmit.html", pending=pending, fields=json.loads(pending.fields))
