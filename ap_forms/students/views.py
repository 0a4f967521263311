from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user

from ap_forms.extensions import db
from ap_forms.students import roll
from ap_forms.students.forms import PupilForm
from ap_forms.students.models import Student
from ap_forms.web import audit
from ap_forms.web.rendering import render_form
from ap_forms.web.views import save_form

# The pupil list, the pupil page and leaving the roll show placements and referrals too: they are
# composed in ap_forms/pages/pupil.py, on this blueprint.
bp = Blueprint("students", __name__, url_prefix="/pupils")


def keeper_student(student_id: int) -> Student:
    """Pupils for the people who keep the roll (the gate has already checked the role)."""
    return db.get_or_404(Student, student_id)


@bp.route("/new", methods=["GET", "POST"])
def pupil_new():
    form = PupilForm(keep=roll.fields_for(current_user))
    return save_form(
        form,
        lambda: roll.add_pupil(form.values(), actor=current_user),
        refused=roll.PupilError,
        saved=lambda student: f"{student.full_name} added to the roll. Now add their parents and carers.",
        then=lambda student: url_for("carers.family", student_id=student.id),
        fallback="first_name",
        rollback=True,
    ) or render_form("students/pupil_form.html", form, student=None)


@bp.route("/<int:student_id>/edit", methods=["GET", "POST"])
def pupil_edit(student_id: int):
    student = keeper_student(student_id)
    keep = roll.fields_for(current_user)
    if request.method == "GET":
        form = PupilForm(keep=keep, student_id=student.id, obj=student)
        if "year_group" in form:
            form.year_group.data = str(student.year_group)
        audit.record("pupil_edit_viewed", "student", student.id, commit=True)
    else:
        form = PupilForm(keep=keep, student_id=student.id)
    return save_form(
        form,
        lambda: roll.edit_pupil(student, form.values(), actor=current_user),
        refused=roll.PupilError,
        saved=lambda changes: f"Changes to {student.full_name} saved." if changes else "Nothing was changed.",
        then=url_for("carers.family", student_id=student.id),
        fallback="first_name",
        rollback=True,
    ) or render_form("students/pupil_form.html", form, student=student)
