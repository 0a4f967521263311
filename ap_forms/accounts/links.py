"""One-time emailed links to choose a password: invitations to new accounts and password resets.

No administrator ever types or sees anyone's password. A link works once, for a limited time, and
dies when a newer one is sent or the account is disabled. Only the token's hash is stored. The
emails name the school and nothing about pupils.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ap_forms.accounts.models import INVITE, RESET, AccountLink, User, new_session_nonce
from ap_forms.accounts.passwords import hash_password, hash_token
from ap_forms.accounts.services import AccountError, find_by_email, new_password_problem, revoke_links
from ap_forms.extensions import db
from ap_forms.school.services import get_settings
from ap_forms.web import audit, clock
from ap_forms.web.links import external_url
from ap_forms.web.mail import send_email

LIFETIMES = {INVITE: timedelta(hours=72), RESET: timedelta(hours=1)}
LIFETIME_WORDS = {INVITE: "72 hours", RESET: "1 hour"}


def send_link(user: User, purpose: str, *, actor=None) -> None:
    """Email `user` a new one-time link (ending any older one). The caller commits; on MailError it
    rolls back, so a link that was never sent is never live."""
    if not user.active:
        raise AccountError("This account is disabled. Make it active before sending a link")
    revoke_links(user)
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    db.session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            sent_at=now,
            expires_at=now + LIFETIMES[purpose],
            sent_by_id=getattr(actor, "id", None),
        )
    )
    audit.record("account_link_sent", "user", user.id, detail=purpose, user=actor)
    db.session.flush()
    school = get_settings().name
    address = external_url("accounts.choose_password", token=token)
    lifetime = LIFETIME_WORDS[purpose]
    if purpose == INVITE:
        subject = f"{school}: make your AP Forms account"
        opening = (
            f"{school} has made you an account on AP Forms, where the school and its alternative "
            f"provision partners keep placements, attendance and reports.\n\nTo start, open this link "
            f"and choose your password."
        )
    else:
        subject = f"{school}: choose a new password"
        opening = "Someone asked to choose a new password for your AP Forms account. To do so, open this link."
    send_email(
        user.email,
        subject,
        f"Hello {user.name},\n\n{opening} It works once, for {lifetime}:\n\n{address}\n\n"
        f"You will sign in with {user.email}. If you did not expect this email, you can ignore it: "
        f"nothing changes until the link is used. Questions: contact {school}.\n",
    )


def request_reset(email: str) -> None:
    """Forgot password: email a reset link when the address belongs to an active account. The caller
    answers the same either way, so the page never reveals who has an account."""
    user = find_by_email(email)
    if user is None or not user.active:
        audit.record("password_reset_requested", "user", None, detail="no active account for this address")
        db.session.commit()
        return
    send_link(user, RESET)
    db.session.commit()


def link_for(token: str) -> AccountLink | None:
    """The live link for this token: not used, not replaced, not expired, account still active."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == hash_token(token)))
    if link is None or not link.usable_at(clock.utcnow()) or not link.user.active:
        return None
    return link


def choose_password(link: AccountLink, password: str) -> User:
    """Set the person's own password from their link. Single use, even from two tabs at once."""
    user = link.user
    problem = new_password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem, "password")
    used = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None))
        .values(used_at=clock.utcnow())
    ).rowcount
    if used != 1:
        db.session.rollback()
        raise AccountError("This link has already been used. Sign in, or ask for a new link")
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()  # any session on the old password ends
    audit.record("password_chosen", "user", user.id, fields=["password_hash"], user=user, detail=link.purpose)
    db.session.commit()
    return user
