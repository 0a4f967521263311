from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.roles import KEY_WORKER, ROLE_LABELS


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

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
