"""Time-based one-time codes (TOTP, RFC 6238) for the second sign-in step.

Required for the roles that read safeguarding and pupil records most widely; available to all.
A code is accepted once: the time step it belongs to is remembered, so a replayed code fails.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ap_forms.accounts.models import PendingTwoFactorSecret, RecoveryCode, User
from ap_forms.extensions import db
from ap_forms.school.services import get_settings
from ap_forms.web import audit
from ap_forms.web.clock import utcnow
from ap_forms.web.mail import MailError, send_email
from ap_forms.web.roles import ADMIN, DSL, HEADTEACHER, SEND_LEAD, TRUST_DSL

DEFAULT_REQUIRED_ROLES = frozenset({HEADTEACHER, DSL, SEND_LEAD, ADMIN, TRUST_DSL})
ISSUER = "AP Forms"


def required_for(user: User) -> bool:
    roles = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", DEFAULT_REQUIRED_ROLES)
    return user.role in roles


def new_secret() -> str:
    return pyotp.random_base32()


SETUP_KEY_LIFETIME = timedelta(minutes=15)  # a key shown at set-up is offered again for this long


def pending_secret(user: User) -> str:
    """The key being set up: kept server-side (one row per person), new after SETUP_KEY_LIFETIME."""
    row = db.session.get(PendingTwoFactorSecret, user.id)
    if row is None or row.created_at < utcnow() - SETUP_KEY_LIFETIME:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        row = PendingTwoFactorSecret(user_id=user.id, secret=new_secret(), created_at=utcnow())
        db.session.add(row)
        db.session.commit()
    return row.secret


def _forget_pending_secret(user: User) -> None:
    db.session.execute(delete(PendingTwoFactorSecret).where(PendingTwoFactorSecret.user_id == user.id))


def provisioning_uri(user: User, secret: str, school_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=f"{ISSUER} ({school_name})")


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step the code belongs to (allowing one step of clock drift), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    step = int(now // totp.interval)
    for candidate in (step, step - 1, step + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
            return candidate
    return None


def _spend_step(user: User, step: int) -> bool:
    """Move the user's last used step forward to `step`, atomically: one conditional UPDATE.

    Two requests with the same code at the same moment both pass the comparison in Python, but
    only one UPDATE can match `totp_last_step < step`; the other changes no row and is refused.
    """
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    spent = result.rowcount == 1
    db.session.commit()
    db.session.refresh(user)
    return spent


def verify(user: User, code: str, now: float | None = None) -> bool:
    """Check the code and spend it: the same code (or an older one) never works twice."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step) or not _spend_step(user, step):
        audit.record("two_factor_failed", "user", user.id, user=user, commit=True)
        return False
    return True


def enrol(user: User, secret: str, code: str, now: float | None = None) -> bool:
    step = _matching_step(secret, code, now)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    _forget_pending_secret(user)
    audit.record("two_factor_enrolled", "user", user.id, fields=["totp_secret"], user=user)
    db.session.commit()
    return True


def reset(user: User, *, actor=None) -> None:
    """Admin: the person sets up a new authenticator at their next sign-in."""
    user.totp_secret = None
    user.totp_last_step = None
    _forget_pending_secret(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("two_factor_reset", "user", user.id, fields=["totp_secret"], user=actor)
    db.session.commit()


# --- recovery codes: for a lost phone, without waiting for an administrator ----------------------

RECOVERY_CODE_COUNT = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def looks_like_recovery_code(entry: str) -> bool:
    return len(_normalise_code(entry)) == 10


def new_recovery_codes(user: User) -> list[str]:
    """Ten new single-use codes (any older ones stop working). Shown once; only their hashes are kept."""
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    codes = [f"{code[:5]}-{code[5:]}" for code in codes]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code), created_at=utcnow()) for code in codes)
    audit.record("recovery_codes_made", "user", user.id, user=user)
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def use_recovery_code(user: User, entry: str) -> bool:
    """Spend one recovery code (once, even from two tabs): audited, and the person is emailed."""
    if not user.totp_secret or not looks_like_recovery_code(entry):
        return False
    spent = (
        db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _code_hash(entry),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not spent:
        audit.record("two_factor_failed", "user", user.id, user=user, detail="recovery code", commit=True)
        return False
    audit.record("recovery_code_used", "user", user.id, user=user)
    db.session.commit()
    left = recovery_codes_left(user)
    try:
        send_email(
            user.email,
            f"{get_settings().name}: a recovery code was used to sign in",
            f"Hello {user.name},\n\nSomeone signed in to your AP Forms account with one of your recovery "
            f"codes. You have {left} left.\n\nIf this was not you, tell the school's system administrator "
            f"at once: they can end your sessions and reset your two-factor sign-in.\n",
        )
    except MailError:
        pass  # the sign-in goes on; the audit row keeps the record, and the mail server error is logged
    return True
