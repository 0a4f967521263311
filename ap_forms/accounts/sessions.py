"""Where each person is signed in: a row per signed-in browser, which they (or an admin, for all of
them) can end at once. Ending one refuses that browser's cookie at its next request."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import request, session
from flask_login import current_user
from sqlalchemy import select, update

from ap_forms.accounts.models import SignedInSession, User
from ap_forms.accounts.passwords import hash_token
from ap_forms.extensions import db
from ap_forms.web import audit
from ap_forms.web.clock import utcnow

SESSION_KEY = "sid"
TOUCH_EVERY = timedelta(minutes=1)  # last-active is written at most once a minute per browser


def start(user: User) -> None:
    """At sign-in: record this browser (called once the cookie session has been cleared)."""
    token = secrets.token_urlsafe(24)
    now = utcnow()
    db.session.add(
        SignedInSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            ip=(request.remote_addr or "")[:45],
            user_agent=request.headers.get("User-Agent", "")[:300],
        )
    )
    session[SESSION_KEY] = token


def current_row() -> SignedInSession | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    return db.session.scalar(select(SignedInSession).where(SignedInSession.token_hash == hash_token(token)))


def still_live(*, background: bool) -> bool:
    """Whether this browser's session has not been ended elsewhere; renews its last-active time.

    A cookie from before this table existed has no id: its nonce still guards it (ending all of a
    person's sessions rotates the nonce), so it is let through.
    """
    if SESSION_KEY not in session:
        return True
    row = current_row()
    if row is None or row.ended_at is not None or row.user_id != current_user.id:
        return False
    now = utcnow()
    if not background and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return True


def end_current() -> None:
    row = current_row()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


def end_all(user: User) -> None:
    db.session.execute(
        update(SignedInSession)
        .where(SignedInSession.user_id == user.id, SignedInSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def live_sessions(user: User, *, hours: int) -> list[SignedInSession]:
    """This person's sessions not ended and active within the absolute session length, newest first."""
    since = utcnow() - timedelta(hours=hours)
    return list(
        db.session.scalars(
            select(SignedInSession)
            .where(
                SignedInSession.user_id == user.id,
                SignedInSession.ended_at.is_(None),
                SignedInSession.created_at >= since,
            )
            .order_by(SignedInSession.last_seen_at.desc())
        )
    )


def end_one(user: User, session_id: int) -> bool:
    row = db.session.get(SignedInSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False
    row.ended_at = utcnow()
    audit.record("session_ended", "user", user.id, user=user, detail=f"session {row.id} ({row.device})")
    db.session.commit()
    return True
