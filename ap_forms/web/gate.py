"""The access gate: one before_request check, deny by default."""

from __future__ import annotations

import time

from flask import Flask, abort, flash, request, session, url_for
from flask_login import current_user, logout_user

from ap_forms.extensions import db
from ap_forms.web import audit, resubmit
from ap_forms.web.htmx import client_redirect, is_htmx, redirect
from ap_forms.web.permissions import PUBLIC_ENDPOINTS, RULES
from ap_forms.web.roles import KEY_WORKER, PARENT


def _now_ts() -> float:
    # Session ages are real elapsed time, never the school's (possibly pinned) clock.
    return time.time()


def _to_login(reason: str | None = None, *, user_id: int | None = None):
    if reason:
        flash(reason, "info")
    if user_id and request.method == "POST":
        token = resubmit.keep_submission(user_id)
        if token:
            session[resubmit.SESSION_KEY] = token
    target = url_for("accounts.login", next=request.full_path if request.method == "GET" else None)
    return client_redirect(target) if is_htmx() else redirect(target)


BACKGROUND_HEADER = "X-Background"


def is_background() -> bool:
    """A request the page sent by itself (the board's poll, an autosave with nobody at the keyboard).

    static/js/app.js marks these `X-Background: 1`; they are answered, but they are not activity:
    they never renew the idle timer, so a screen left open still signs out.
    """
    return request.headers.get(BACKGROUND_HEADER) == "1"


def idle_limit_seconds(app: Flask) -> int:
    # Providers and parents sign in on phones at the farm gate: longer idle window than staff.
    minutes = app.config["IDLE_TIMEOUT_MINUTES"]
    if current_user.role in (KEY_WORKER, PARENT):
        minutes = app.config["IDLE_TIMEOUT_MINUTES_EXTERNAL"]
    return minutes * 60


def init_app(app: Flask) -> None:
    app.config.setdefault("IDLE_TIMEOUT_MINUTES", 30)
    app.config.setdefault("IDLE_TIMEOUT_MINUTES_EXTERNAL", 120)
    app.config.setdefault("ABSOLUTE_SESSION_HOURS", 8)

    @app.context_processor
    def idle_limit():
        if current_user.is_authenticated:
            return {"idle_limit_seconds": idle_limit_seconds(app)}
        return {}

    @app.before_request
    def refuse_nul_bytes():
        # No person types a NUL byte; PostgreSQL cannot store one. Refuse it plainly, never a 500.
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value for key, values in request.values.lists() for value in values
        ):
            abort(400)
        return None

    @app.before_request
    def access_gate():
        endpoint = request.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
            return None  # unknown URLs fall through to the 404 handler
        if not current_user.is_authenticated:
            # Signed out elsewhere, revoked or disabled: keep nothing they send, and drop the cookie.
            if "_user_id" in session:
                session.clear()
            return _to_login()

        now = _now_ts()
        started = session.get("signed_in_at", now)
        last_seen = session.get("last_seen", now)
        if now - started > app.config["ABSOLUTE_SESSION_HOURS"] * 3600 or now - last_seen > idle_limit_seconds(app):
            user_id = current_user.id
            logout_user()
            session.clear()
            return _to_login("You were signed out because you had not used AP Forms for a while.", user_id=user_id)
        if not is_background():
            session["last_seen"] = now  # only a person's own action renews the idle timer

        allowed = RULES.get(endpoint)
        if allowed is None or current_user.role not in allowed:
            audit.record("access_refused", "endpoint", endpoint, detail=request.path)
            db.session.commit()
            abort(403)
        return None
