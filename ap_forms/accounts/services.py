"""Account writes: every change goes through here and is audited."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true, update

from ap_forms.accounts import sessions
from ap_forms.accounts.models import GRANT_ROLE, AccountLink, LeaderRequest, User, new_session_nonce
from ap_forms.accounts.passwords import hash_password, hasher, password_problem, verify_password
from ap_forms.extensions import db
from ap_forms.school.models import SchoolMembership
from ap_forms.school.services import add_member, get_settings, member_of_school, set_memberships
from ap_forms.web import audit, tenancy
from ap_forms.web.clock import utcnow
from ap_forms.web.links import external_url
from ap_forms.web.mail import send_email
from ap_forms.web.roles import (
    ADMIN,
    ALL_ROLES,
    DSL,
    HEADTEACHER,
    KEY_WORKER,
    PARENT,
    SEND_LEAD,
    STAFF,
    TRUST_DSL,
    TRUST_ROLES,
)

# Roles that read safeguarding and pupil records most widely: granting one (or resetting the password or
# two-factor of someone who holds one) takes a second person's confirmation. The trust safeguarding lead reads
# concerns in every school of the trust.
LEADER_ROLES = frozenset({HEADTEACHER, DSL, SEND_LEAD, TRUST_DSL})


# Roles whose accounts are not members of a school -> a condition on User.id: which of them belong with the
# current school's. Key workers work for the trust's providers (every school may place pupils there), and the
# trust's roles for every school;
# students/families.py adds parents (those linked to this school's pupils, or to none yet). Everyone else
# is a member of the schools they work in (SchoolMembership).
NOT_MEMBERS: dict[str, Callable[[], ColumnElement[bool]]] = {KEY_WORKER: true, **dict.fromkeys(TRUST_ROLES, true)}


def staff_of_school(*roles: str, what=User) -> Select:
    """The active accounts of these roles who are members of the current school (unordered): the one place
    every list of staff (DSLs to alert, the headteacher to confirm, the office to email, people to pick for a
    visit) is narrowed to the school being worked in."""
    return select(what).where(User.role.in_(roles), User.active.is_(True), member_of_school(User.id))


def of_this_school() -> ColumnElement[bool]:
    """A condition on User: the account belongs with the current school (a member of it, a key worker, or
    a parent of one of its pupils). The administrator's user list and user pages reach only these."""
    return or_(
        and_(User.role.not_in(NOT_MEMBERS), member_of_school(User.id)),
        *(and_(User.role == role, condition()) for role, condition in NOT_MEMBERS.items()),
    )


def needs_a_school(role: str) -> bool:
    """Whether an account of this role must be a member of at least one school."""
    return role not in NOT_MEMBERS and role != PARENT


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
        if user is None:  # which address was tried: a spray of unknown emails shows here
            detail = f"unknown email: {normalise_email(email)[:200]}"
        else:
            detail = "account disabled" if ok else None
        audit.record("sign_in_failed", "user", user.id if user else None, detail=detail)
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


def new_password_problem(password: str, *, email: str, name: str = "") -> str | None:
    """Why this person cannot use this password (common, or built on their name, email or the school's name)."""
    return password_problem(password, email=email, name=name, school=get_settings().name)


def unusable_password_hash() -> str:
    """For an account whose person has not chosen a password yet: matches nothing."""
    return "!" + secrets.token_hex(16)


def _check_role(role: str, provider_id: int | None) -> None:
    if role not in ALL_ROLES:
        raise AccountError("Choose a role from the list", "role")
    if role == KEY_WORKER and not provider_id:
        raise AccountError("Choose the provider this key worker works for", "provider_id")


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str | None = None,
    provider_id: int | None = None,
    phone: str = "",
    school_ids: set[int] | None = None,
    actor=None,
) -> User:
    """A new account. Without a password (the admin's form) the person chooses one from an invitation
    link (`links.send_link`). A leader role waits for a second person (`ask_second_person`); meanwhile the
    account is ordinary staff. From the command line (no actor) a leader role is granted at once only
    while the school has no active headteacher, who could confirm it."""
    email = normalise_email(email)
    if find_by_email(email):
        raise AccountError("An account with this email address already exists", "email")
    _check_role(role, provider_id)
    _check_schools(role, school_ids)
    if password is not None:
        problem = new_password_problem(password, email=email, name=name)
        if problem:
            raise AccountError(problem, "password")
    needs_second_person = role in LEADER_ROLES and not (actor is None and not _active_headteachers())
    user = User(
        email=email,
        name=name.strip(),
        role=STAFF if needs_second_person else role,
        phone=phone.strip(),
        provider_id=provider_id if role == KEY_WORKER else None,
        password_hash=hash_password(password) if password is not None else unusable_password_hash(),
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    fields = ["email", "name", "role", "provider_id"]
    if needs_a_school(role):
        if school_ids:
            set_memberships(user.id, school_ids)
            fields.append("schools")
        else:
            add_member(user.id)  # staff work in the school of the person who adds them
    audit.record("user_created", "user", user.id, fields=fields, user=actor)
    if needs_second_person:
        ask_second_person(user, GRANT_ROLE, actor=actor, role=role)
    db.session.commit()
    return user


def _check_schools(role: str, school_ids: set[int] | None) -> None:
    """`school_ids` None: the form did not ask (one school); else staff need at least one."""
    if school_ids is not None and not school_ids and needs_a_school(role):
        raise AccountError("Choose at least one school this person works in", "schools")


def update_user(
    user: User,
    *,
    name: str,
    role: str,
    provider_id: int | None,
    phone: str,
    active: bool,
    school_ids: set[int] | None = None,
    actor=None,
) -> LeaderRequest | None:
    """Save the changes; a new leader role is asked for (returned), not granted. `school_ids`: the schools a
    member of staff works in (None: unchanged); key workers and parents are members of none."""
    _check_role(role, provider_id)
    _check_schools(role, school_ids)
    if actor is not None and actor.id == user.id and (not active or role != user.role):
        raise AccountError("You cannot disable your own account or change your own role", "role")
    working_in = tenancy.current_school_id()
    if actor is not None and actor.id == user.id and school_ids is not None and working_in not in school_ids:
        raise AccountError("You cannot take yourself out of the school you are working in", "schools")
    asked = None
    if role in LEADER_ROLES and role != user.role:
        asked = ask_second_person(user, GRANT_ROLE, actor=actor, role=role)
        role = user.role
    provider_id = provider_id if role == KEY_WORKER else None
    changes = {"name": name.strip(), "role": role, "provider_id": provider_id, "phone": phone.strip(), "active": active}
    changed = [field for field, value in changes.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, changes[field])
    if _save_schools(user, role, school_ids):
        changed.append("schools")
    if {"role", "active", "provider_id"} & set(changed):
        user.session_nonce = new_session_nonce()  # a new role or a disabled account: sign out now
    if not active:
        revoke_links(user)  # a disabled account's invitation or reset link dies with it
    if changed:
        audit.record("user_updated", "user", user.id, fields=changed, user=actor)
    db.session.commit()
    return asked


def _save_schools(user: User, role: str, school_ids: set[int] | None) -> bool:
    """The schools of a member of staff: those chosen (None: as they were, or the current school for someone
    who had none); none for key workers and parents. Whether they changed."""
    if not needs_a_school(role):
        return bool(set_memberships(user.id, set()))
    if school_ids is not None:
        return bool(set_memberships(user.id, school_ids))
    if db.session.scalar(select(SchoolMembership.user_id).where(SchoolMembership.user_id == user.id).limit(1)):
        return False
    add_member(user.id)
    return True


def revoke_links(user: User) -> None:
    """End every live invitation or reset link of this person (a newer one was sent, or disabled)."""
    db.session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- changes a second person confirms ------------------------------------------------------------


def _active_headteachers() -> list[User]:
    """The current school's (every school's from the command line, before any school is chosen)."""
    return list(db.session.scalars(staff_of_school(HEADTEACHER)))


def confirmers(request: LeaderRequest) -> list[User]:
    """Who may confirm: the headteacher of the school being worked in; for the headteacher's own account or
    role, another admin of it. Only for a person of that school. Never the person who asked, nor the person
    it is about."""
    about_headteacher = HEADTEACHER in (request.role, request.user.role)
    role = ADMIN if about_headteacher else HEADTEACHER
    if not db.session.scalar(
        select(func.count()).select_from(User).where(User.id == request.user_id, of_this_school())
    ):
        return []  # about someone of another school: that school's headteacher confirms it
    return [
        person
        for person in db.session.scalars(staff_of_school(role).order_by(User.name))
        if person.id not in (request.requested_by_id, request.user_id)
    ]


def pending_request(user: User, kind: str) -> LeaderRequest | None:
    return db.session.scalar(
        select(LeaderRequest).where(
            LeaderRequest.user_id == user.id, LeaderRequest.kind == kind, LeaderRequest.outcome.is_(None)
        )
    )


def ask_second_person(user: User, kind: str, *, actor, role: str | None = None) -> LeaderRequest:
    """Record the request (replacing an older one of the same kind) and email whoever can confirm it."""
    older = pending_request(user, kind)
    if older is not None:
        older.outcome, older.decided_at = "replaced", utcnow()
    request = LeaderRequest(
        user=user, kind=kind, role=role, requested_by_id=getattr(actor, "id", None), requested_at=utcnow()
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "leader_change_requested",
        "user",
        user.id,
        user=actor,
        detail=f"{kind}{' ' + role if role else ''} (request {request.id})",
    )
    school = get_settings().name
    people = confirmers(request)
    if people:
        send_email(
            [p.email for p in people],
            f"{school}: a change to a leader's account needs your confirmation",
            f"{getattr(actor, 'name', 'The server administrator')} asked: {request.description} "
            f"({user.name}, {user.email}).\n\nIt takes effect only when you confirm it:\n\n"
            f"{external_url('accounts.confirmations_list')}\n\nIf you did not expect this, decline it.\n",
        )
    return request


def set_password(user: User, password: str, *, actor=None) -> None:
    problem = new_password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    audit.record("password_set", "user", user.id, fields=["password_hash"], user=actor)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign this user out everywhere (a replayed session cookie is refused afterwards)."""
    user.session_nonce = new_session_nonce()
    sessions.end_all(user)
    db.session.commit()


def load_user_from_session(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user
