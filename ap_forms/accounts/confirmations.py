"""Leader accounts need a second person: granting headteacher, DSL or SEND lead, or resetting a leader's
password or two-factor, takes effect only when the headteacher (for the headteacher's own account, a
second admin) confirms it. Both people are emailed; the audit log shows who asked and who confirmed."""

from __future__ import annotations

from sqlalchemy import select, update

from ap_forms.accounts import links
from ap_forms.accounts import two_factor as two_factor_service
from ap_forms.accounts.models import GRANT_ROLE, RESET, RESET_PASSWORD, RESET_TWO_FACTOR, LeaderRequest, User
from ap_forms.accounts.services import (
    LEADER_ROLES,
    AccountError,
    ask_second_person,
    confirmers,
    end_sessions,
    new_session_nonce,
)
from ap_forms.extensions import db
from ap_forms.school.services import get_settings
from ap_forms.web import audit
from ap_forms.web.clock import utcnow
from ap_forms.web.mail import send_email

ASKED = "asked"  # waiting for a second person


def reset_password(user: User, *, actor) -> str:
    """An admin's "send a link to choose a new password": at once, or asked of a second person for a
    leader. Returns "sent" or ASKED. Raises MailError when the mail server refuses (the caller rolls back)."""
    if user.role in LEADER_ROLES:
        ask_second_person(user, RESET_PASSWORD, actor=actor)
        db.session.commit()
        return ASKED
    links.send_link(user, links.INVITE if user.last_sign_in_at is None else RESET, actor=actor)
    db.session.commit()
    return "sent"


def reset_two_factor(user: User, *, actor) -> str:
    if user.role in LEADER_ROLES:
        ask_second_person(user, RESET_TWO_FACTOR, actor=actor)
        db.session.commit()
        return ASKED
    two_factor_service.reset(user, actor=actor)
    end_sessions(user)
    return "done"


def waiting_for(person: User) -> list[LeaderRequest]:
    """The requests this person may confirm, oldest first."""
    pending = db.session.scalars(
        select(LeaderRequest)
        .where(LeaderRequest.outcome.is_(None))
        .order_by(LeaderRequest.requested_at, LeaderRequest.id)
    )
    return [request for request in pending if person in confirmers(request)]


def request_or_404(request_id: int, person: User) -> LeaderRequest | None:
    request = db.session.get(LeaderRequest, request_id)
    return request if request is not None and request.outcome is None and person in confirmers(request) else None


def decide(request: LeaderRequest, person: User, *, confirm: bool) -> None:
    """Confirm (and apply) or decline. Only a confirmer, once: a conditional update, so two confirmers at
    the same moment cannot both apply it."""
    if person not in confirmers(request):
        raise AccountError(
            "Only the headteacher, or for the headteacher's own account another administrator, "
            "can confirm this, and never the person who asked"
        )
    outcome = "confirmed" if confirm else "declined"
    done = db.session.execute(
        update(LeaderRequest)
        .where(LeaderRequest.id == request.id, LeaderRequest.outcome.is_(None))
        .values(outcome=outcome, decided_by_id=person.id, decided_at=utcnow())
    ).rowcount
    if done != 1:
        db.session.rollback()
        raise AccountError("Someone has already decided this request")
    db.session.refresh(request)
    user = request.user
    asked_by = request.requested_by.name if request.requested_by else "the server administrator"
    audit.record(
        f"leader_change_{outcome}",
        "user",
        user.id,
        user=person,
        detail=f"{request.kind}{' ' + request.role if request.role else ''}: asked by {asked_by} "
        f"(user {request.requested_by_id}), {outcome} by {person.name} (user {person.id})",
    )
    if confirm:
        if request.kind == GRANT_ROLE:
            user.role, user.provider_id = request.role, None
            user.session_nonce = new_session_nonce()  # signs in again with the new role
            audit.record("user_updated", "user", user.id, fields=["role"], user=person)
        elif request.kind == RESET_PASSWORD:
            links.send_link(user, RESET, actor=person)
        elif request.kind == RESET_TWO_FACTOR:
            two_factor_service.reset(user, actor=person)
            user.session_nonce = new_session_nonce()
    school = get_settings().name
    recipients = sorted({person.email, *([request.requested_by.email] if request.requested_by else [])})
    send_email(
        recipients,
        f"{school}: a change to a leader's account was {outcome}",
        f"{request.description} ({user.name}, {user.email})\n\nAsked by {asked_by}; {outcome} by {person.name}.\n",
    )
    db.session.commit()
