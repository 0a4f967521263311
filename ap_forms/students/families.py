"""Parents and carers: the contacts the school holds, and the accounts they are invited to make.

An invitation is a one-time link by email: 72 hours, single use, and sending a newer one ends the
older. Only a hash of its token is stored. Accepting it makes a parent account (or, for someone who
already has one, links this child to it: one account, several children). Unlinking ends that
family's access to the child and its calendar feed at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import or_, select

from ap_forms.accounts import services as accounts
from ap_forms.accounts.models import User, new_session_nonce
from ap_forms.accounts.passwords import hash_password, hash_token, password_problem
from ap_forms.accounts.services import find_by_email, normalise_email
from ap_forms.extensions import db
from ap_forms.school.services import get_settings
from ap_forms.students.models import CalendarFeed, Carer, CarerInvitation, ParentLink, Student
from ap_forms.students.roll import PupilError, apply_values, record_change
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.links import external_url
from ap_forms.web.mail import send_email
from ap_forms.web.roles import PARENT


def parents_of_this_school():
    """Parents and carers who belong with the current school: linked to one of its pupils (the ORM query
    is narrowed to this school's links), or to no pupil at all yet (the plain table is read unnarrowed)."""
    every_link = ParentLink.__table__
    return or_(User.id.in_(select(ParentLink.parent_id)), User.id.not_in(select(every_link.c.parent_id)))


accounts.NOT_MEMBERS[PARENT] = parents_of_this_school

INVITATION_HOURS = 72
CARER_FIELDS = (
    "name",
    "relationship_to_pupil",
    "priority",
    "mobile_phone",
    "home_phone",
    "work_phone",
    "email",
    "address",
    "parental_responsibility",
    "may_collect",
    "do_not_contact",
    "do_not_contact_reason",
)


def carer_or_404(student: Student, carer_id: int) -> Carer:
    from flask import abort

    carer = db.session.scalar(select(Carer).where(Carer.id == carer_id, Carer.student_id == student.id))
    if carer is None:
        abort(404)
    return carer


def _check(values: dict) -> None:
    if values.get("do_not_contact") and not (values.get("do_not_contact_reason") or "").strip():
        raise PupilError(
            "Say why this person must not be contacted (for example, a court order)", "do_not_contact_reason"
        )


def add_carer(student: Student, values: dict, *, actor) -> Carer:
    _check(values)
    carer = Carer(student_id=student.id)
    db.session.add(carer)
    values = {k: v for k, v in values.items() if k in CARER_FIELDS}
    values["email"] = normalise_email(values.get("email") or "")
    changes = apply_values(carer, values)
    db.session.flush()
    record_change(student, "carer_added", {f"carer {carer.id} {k}": v for k, v in changes.items()}, actor=actor)
    db.session.commit()
    return carer


def edit_carer(carer: Carer, values: dict, *, actor) -> None:
    _check(values)
    values = {k: v for k, v in values.items() if k in CARER_FIELDS}
    values["email"] = normalise_email(values.get("email") or "")
    changes = apply_values(carer, values)
    if changes:
        record_change(
            carer.student, "carer_edited", {f"carer {carer.id} {k}": v for k, v in changes.items()}, actor=actor
        )
    if carer.do_not_contact:
        _revoke_invitations(carer)
    db.session.commit()


def contacts_for_office(student_ids: list[int]) -> dict[int, list[Carer]]:
    """Every carer of these pupils in contact order, for the attendance board's phone numbers."""
    if not student_ids:
        return {}
    carers = db.session.scalars(
        select(Carer)
        .where(Carer.student_id.in_(student_ids))
        .order_by(Carer.student_id, Carer.do_not_contact, Carer.priority, Carer.id)
    )
    found: dict[int, list[Carer]] = {}
    for carer in carers:
        found.setdefault(carer.student_id, []).append(carer)
    return found


# --- invitations ---------------------------------------------------------------------------------


def _revoke_invitations(carer: Carer) -> None:
    now = clock.utcnow()
    for invitation in db.session.scalars(
        select(CarerInvitation).where(
            CarerInvitation.carer_id == carer.id,
            CarerInvitation.used_at.is_(None),
            CarerInvitation.revoked_at.is_(None),
        )
    ):
        invitation.revoked_at = now


def _link(user: User, carer: Carer) -> None:
    exists = db.session.scalar(
        select(ParentLink).where(ParentLink.parent_id == user.id, ParentLink.student_id == carer.student_id)
    )
    if exists is None:
        db.session.add(
            ParentLink(
                parent_id=user.id,
                student_id=carer.student_id,
                relationship_to_pupil=(carer.relationship_to_pupil or "Parent")[:40],
            )
        )
    carer.user_id = user.id


def invite(carer: Carer, *, actor) -> str:
    """Email this carer a link to make their account, or link an existing parent account.

    Returns "linked" or "invited". The email names the school and nothing about the pupil.
    """
    student = carer.student
    if student.left_on:
        raise PupilError("This pupil has left the school")
    if carer.do_not_contact:
        raise PupilError("This person must not be contacted, so cannot be invited")
    if not carer.email:
        raise PupilError("Add this person's email address before inviting them", "email")
    if carer.user_id:
        raise PupilError("This person already has an account linked to this pupil")
    school = get_settings().name
    existing = find_by_email(carer.email)
    if existing is not None:
        if existing.role != PARENT or not existing.active:
            raise PupilError("This email address belongs to another kind of account. Use a different address", "email")
        _link(existing, carer)
        _revoke_invitations(carer)
        record_change(student, "carer_linked", {f"carer {carer.id} account": ["", existing.email]}, actor=actor)
        db.session.commit()
        send_email(
            existing.email,
            f"{school}: another child added to your account",
            f"Hello {carer.name},\n\n{school} has added another child to your parent account. "
            f"Sign in as usual to see them.\n\n{external_url('accounts.login')}\n\n"
            f"If you did not expect this, please contact {school}.\n",
        )
        return "linked"
    _revoke_invitations(carer)  # a newer invitation ends every older one
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    db.session.add(
        CarerInvitation(
            carer_id=carer.id,
            email=carer.email,
            token_hash=hash_token(token),
            sent_at=now,
            expires_at=now + timedelta(hours=INVITATION_HOURS),
            sent_by_id=getattr(actor, "id", None),
        )
    )
    audit.record("carer_invited", "student", student.id, detail=f"carer {carer.id}", user=actor)
    db.session.flush()
    address = external_url("carers.invitation", token=token)
    send_email(
        carer.email,
        f"{school}: make your parent account",
        f"Hello {carer.name},\n\n{school} uses AP Forms to share timetables and attendance for "
        f"alternative provision with parents and carers.\n\nTo make your account, open this link and "
        f"choose a password. It works once, for {INVITATION_HOURS} hours:\n\n{address}\n\n"
        f"If you were not expecting this email, you can ignore it, or contact {school}.\n",
    )
    db.session.commit()
    return "invited"


def invitation_for(token: str) -> CarerInvitation | None:
    """The live invitation for this token: not used, not replaced, not expired, carer still contactable."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(
        select(CarerInvitation)
        .where(CarerInvitation.token_hash == hash_token(token))
        .execution_options(all_schools=True)  # nobody is signed in: the token names its school
    )
    if invitation is not None:
        tenancy.set_for_request(invitation.school_id)
    if invitation is None or not invitation.usable_at(clock.utcnow()):
        return None
    carer = invitation.carer
    if (
        carer.do_not_contact
        or carer.user_id
        or carer.student.left_on
        or normalise_email(carer.email) != invitation.email
    ):
        return None
    return invitation


def accept(invitation: CarerInvitation, password: str) -> User:
    """Make the carer's parent account with their own password, and link it to the child. Single use."""
    carer = invitation.carer
    email = invitation.email
    problem = password_problem(password, email=email)
    if problem:
        raise PupilError(problem, "password")
    # Mark the invitation used with a conditional update, so two tabs cannot both use it.
    used = db.session.execute(
        CarerInvitation.__table__.update()
        .where(CarerInvitation.id == invitation.id, CarerInvitation.used_at.is_(None))
        .values(used_at=clock.utcnow())
    ).rowcount
    if used != 1:
        db.session.rollback()
        raise PupilError("This link has already been used. Sign in, or ask the school for a new link")
    user = find_by_email(email)
    if user is None:
        user = User(
            email=email,
            name=carer.name,
            role=PARENT,
            phone=carer.mobile_phone or carer.home_phone,
            password_hash=hash_password(password),
            active=True,
            session_nonce=new_session_nonce(),
        )
        db.session.add(user)
        db.session.flush()
        audit.record(
            "user_created", "user", user.id, fields=["email", "name", "role"], user=user, detail="from an invitation"
        )
    elif user.role != PARENT or not user.active:
        db.session.rollback()
        raise PupilError("This link can no longer be used. Ask the school for a new one")
    _link(user, carer)
    record_change(carer.student, "carer_linked", {f"carer {carer.id} account": ["", email]}, actor=user)
    db.session.commit()
    return user


def unlink(carer: Carer, *, actor) -> None:
    """End this carer's account's access to the child, and the child's calendar feed for them, now."""
    _revoke_invitations(carer)
    if carer.user_id:
        user_id = carer.user_id
        link = db.session.scalar(
            select(ParentLink).where(ParentLink.parent_id == user_id, ParentLink.student_id == carer.student_id)
        )
        if link is not None:
            db.session.delete(link)
        for feed in db.session.scalars(
            select(CalendarFeed).where(
                CalendarFeed.parent_id == user_id,
                CalendarFeed.student_id == carer.student_id,
                CalendarFeed.revoked_at.is_(None),
            )
        ):
            feed.revoked_at = clock.utcnow()
        email = carer.user.email if carer.user else ""
        carer.user_id = None
        record_change(carer.student, "carer_unlinked", {f"carer {carer.id} account": [email, ""]}, actor=actor)
    db.session.commit()


def pending_invitation(carer: Carer) -> CarerInvitation | None:
    return db.session.scalar(
        select(CarerInvitation)
        .where(
            CarerInvitation.carer_id == carer.id,
            CarerInvitation.used_at.is_(None),
            CarerInvitation.revoked_at.is_(None),
            CarerInvitation.expires_at > clock.utcnow(),
        )
        .order_by(CarerInvitation.id.desc())
        .limit(1)
    )
