"""Account writes: every change goes through here and is audited."""

from __future__ import annotations

from sqlalchemy import func, select

from ap_forms.accounts.models import User, new_session_nonce
from ap_forms.accounts.passwords import hash_password, hasher, password_problem, verify_password
from ap_forms.extensions import db
from ap_forms.web import audit
from ap_forms.web.clock import utcnow
from ap_forms.web.roles import ALL_ROLES, KEY_WORKER


class AccountError(ValueError):
    """A request that cannot be carried out; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password(email: str, password: str) -> User | None:
    """The user when the email and password match an active account; None otherwise.

    This is the first step only: `record_sign_in` marks the sign-in once any second step passed.
    """
    user = find_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record("sign_in_failed", "user", user.id if user else None,
                     detail=None if user else "unknown email")
        db.session.commit()
        return None
    if user.password_hash and hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def record_sign_in(user: User, *, two_factor: bool) -> None:
    user.last_sign_in_at = utcnow()
    audit.record("signed_in", "user", user.id, user=user, detail="with two-factor" if two_factor else None)
    db.session.commit()


def _check_role(role: str, provider_id: int | None) -> None:
    if role not in ALL_ROLES:
        raise AccountError("Choose a role from the list", "role")
    if role == KEY_WORKER and not provider_id:
        raise AccountError("Choose the provider this key worker works for", "provider_id")


def create_user(*, email: str, name: str, role: str, password: str, provider_id: int | None = None,
                phone: str = "", actor=None) -> User:
    email = normalise_email(email)
    if find_by_email(email):
        raise AccountError("An account with this email address already exists", "email")
    _check_role(role, provider_id)
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem, "password")
    user = User(email=email, name=name.strip(), role=role, phone=phone.strip(),
                provider_id=provider_id if role == KEY_WORKER else None,
                password_hash=hash_password(password), active=True)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", "user", user.id, fields=["email", "name", "role", "provider_id"],
                 user=actor)
    db.session.commit()
    return user


def update_user(user: User, *, name: str, role: str, provider_id: int | None, phone: str,
                active: bool, actor=None) -> User:
    _check_role(role, provider_id)
    if actor is not None and actor.id == user.id and (not active or role != user.role):
        raise AccountError("You cannot disable your own account or change your own role", "role")
    provider_id = provider_id if role == KEY_WORKER else None
    changes = {"name": name.strip(), "role": role, "provider_id": provider_id, "phone": phone.strip(),
               "active": active}
    changed = [field for field, value in changes.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, changes[field])
    if {"role", "active", "provider_id"} & set(changed):
        user.session_nonce = new_session_nonce()  # a new role or a disabled account: sign out now
    if changed:
        audit.record("user_updated", "user", user.id, fields=changed, user=actor)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, actor=None) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    audit.record("password_set", "user", user.id, fields=["password_hash"], user=actor)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign this user out everywhere (a replayed session cookie is refused afterwards)."""
    user.session_nonce = new_session_nonce()
    db.session.commit()


def load_user_from_session(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user
