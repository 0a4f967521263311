"""Parents and carers of a pupil, kept by the office, SEND lead and admin; and the invitation link."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from ap_forms.extensions import db
from ap_forms.school.services import get_settings
from ap_forms.students import families, roll
from ap_forms.students.forms import AcceptInvitationForm, CarerForm
from ap_forms.students.models import Student
from ap_forms.web import audit
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form
from ap_forms.web.views import carry_out, choose_password_page, save_form

bp = Blueprint("carers", __name__)


def _student(student_id: int) -> Student:
    return db.get_or_404(Student, student_id)


@bp.get("/pupils/<int:student_id>/family")
def family(student_id: int):
    """The pupil's record as the roll keepers see it: details they may edit, carers, invitations, leaving."""
    student = _student(student_id)
    carers = roll.carers_for(student.id)
    audit.record("pupil_family_viewed", "student", student.id, commit=True)
    return render(
        "students/family.html",
        student=student,
        carers=carers,
        pending={c.id: families.pending_invitation(c) for c in carers},
        fields=roll.fields_for(current_user),
    )


def _carer_form(student, form, save, *, saved, carer=None):
    """The carer form's page: once `save` keeps it, back to the family page; a refusal that names no field
    shows at the carer's name."""
    return save_form(
        form,
        save,
        refused=roll.PupilError,
        saved=saved,
        then=url_for("carers.family", student_id=student.id),
        fallback="name",
        rollback=True,
    ) or render_form("students/carer_form.html", form, student=student, carer=carer)


@bp.route("/pupils/<int:student_id>/carers/new", methods=["GET", "POST"])
def carer_new(student_id: int):
    student = _student(student_id)
    form = CarerForm()
    return _carer_form(
        student,
        form,
        lambda: families.add_carer(student, form.values(), actor=current_user),
        saved=lambda carer: f"{carer.name} added as {student.first_name}'s {carer.relationship_to_pupil.lower()}.",
    )


@bp.route("/pupils/<int:student_id>/carers/<int:carer_id>", methods=["GET", "POST"])
def carer_edit(student_id: int, carer_id: int):
    student = _student(student_id)
    carer = families.carer_or_404(student, carer_id)
    if request.method == "GET":
        form = CarerForm(obj=carer)
        form.priority.data = str(carer.priority)
    else:
        form = CarerForm()
    return _carer_form(
        student,
        form,
        lambda: families.edit_carer(carer, form.values(), actor=current_user),
        saved=f"Changes to {carer.name} saved.",
        carer=carer,
    )


@bp.post("/pupils/<int:student_id>/carers/<int:carer_id>/invite")
def carer_invite(student_id: int, carer_id: int):
    student = _student(student_id)
    carer = families.carer_or_404(student, carer_id)
    carry_out(
        lambda: families.invite(carer, actor=current_user),
        refused=roll.PupilError,
        unsent=f"The invitation to {carer.name} could not be sent: the mail server did not answer. "
        "Nothing was changed; try again in a few minutes.",
        done=lambda outcome: (
            f"{carer.name} already had a parent account: {student.first_name} is now linked to it, "
            "and they have been told by email."
            if outcome == "linked"
            else f"Invitation sent to {carer.email}. The link works once, for 72 hours."
        ),
    )
    return redirect(url_for("carers.family", student_id=student.id))


@bp.post("/pupils/<int:student_id>/carers/<int:carer_id>/unlink")
def carer_unlink(student_id: int, carer_id: int):
    student = _student(student_id)
    carer = families.carer_or_404(student, carer_id)
    families.unlink(carer, actor=current_user)
    flash(
        f"{carer.name} can no longer see {student.first_name}'s information, and their calendar link for "
        f"{student.first_name} has stopped.",
        "success",
    )
    return redirect(url_for("carers.family", student_id=student.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Public: the one-time link from the invitation email. Choose a password, then sign in."""
    invitation = families.invitation_for(token)
    if invitation is None:
        return render("students/invitation_dead.html", status=404)
    response = choose_password_page(
        AcceptInvitationForm(),
        save=lambda password: families.accept(invitation, password),
        refused=roll.PupilError,
        done="Your account is ready. Sign in with your email address and the password you chose.",
        template="students/invitation.html",
        invitation=invitation,
        school_name=get_settings().name,
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
