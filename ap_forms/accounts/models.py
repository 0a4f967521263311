from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import EmailedLinkColumns, IdColumn, label_property
from ap_forms.web.roles import KEY_WORKER, ROLE_LABELS


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, IdColumn, db.Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of the session cookie: rotating it ends every session of this user on the server.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Two-factor sign-in: the TOTP secret, and the last time step used (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    provider = relationship("Provider")  # by name: the models need not import each other

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    role_label = label_property("role", ROLE_LABELS)

    @property
    def is_key_worker(self) -> bool:
        return self.role == KEY_WORKER

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class PendingTwoFactorSecret(db.Model):
    """A new authenticator key while its owner sets it up: kept here, never in the session cookie."""

    __tablename__ = "pending_two_factor_secrets"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


INVITE = "invite"  # a new account: choose your first password
RESET = "reset"  # forgot password, or a reset an admin sent


class AccountLink(EmailedLinkColumns, IdColumn, db.Model):
    """A one-time emailed link to choose a password. Only the token's hash is kept; a newer link, use,
    expiry or a disabled account ends it."""

    __tablename__ = "account_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RecoveryCode(IdColumn, db.Model):
    """A single-use two-factor recovery code, stored hashed (shown once, at set-up)."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


GRANT_ROLE = "grant_role"
RESET_PASSWORD = "reset_password"  # noqa: S105 (a kind of request, not a password)
RESET_TWO_FACTOR = "reset_two_factor"
REQUEST_KINDS = {
    GRANT_ROLE: "Make them {role}",
    RESET_PASSWORD: "Send them a link to choose a new password",
    RESET_TWO_FACTOR: "Reset their two-factor sign-in",
}


class LeaderRequest(IdColumn, db.Model):
    """A change to a leader's access that a second person must confirm before it takes effect."""

    __tablename__ = "leader_requests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(20))  # the role to grant (GRANT_ROLE)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))  # confirmed / declined

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def description(self) -> str:
        return REQUEST_KINDS[self.kind].format(role=ROLE_LABELS.get(self.role or "", self.role))


# What a browser's description of itself contains, and the name to show: the first found wins
# (Edge's also contains "Chrome/", Chrome's "Safari/").
BROWSER_NAMES = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEM_NAMES = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS", "Mac"),
    ("CrOS", "Chromebook"),
    ("Linux", "Linux"),
)


def _first_named(agent: str, names: tuple[tuple[str, str], ...], default: str) -> str:
    return next((name for key, name in names if key in agent), default)


class SignedInSession(IdColumn, db.Model):
    """One signed-in browser, so a person can see where they are signed in and end any of them.
    The cookie holds a random id; only its hash is stored."""

    __tablename__ = "signed_in_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def device(self) -> str:
        """ "Chrome on Android", from the browser's own description of itself."""
        browser = _first_named(self.user_agent, BROWSER_NAMES, "A browser")
        system = _first_named(self.user_agent, SYSTEM_NAMES, "")
        return f"{browser} on {system}" if system else browser
