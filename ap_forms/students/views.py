from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from ap_forms.extensions import db
from ap_forms.placements.models import ENDED
from ap_forms.placements.services import ending_of, placements_for_student
from ap_forms.quality.services import progress_for_student
from ap_forms.referrals.services import referrals_for_student, referrals_of_placements
from ap_forms.students import roll
from ap_forms.students.forms import LeaveForm, PupilForm
from ap_forms.students.models import Student
from ap_forms.students.services import get_student_or_404
from ap_forms.web import audit, clock
from ap_forms.web.form_fields import apply_error
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import HEADTEACHER, KEY_WORKER, SEES_CHILD_PROTECTION, SEES_MEDICAL, SEES_SEND, SEND_LEAD

bp = Blueprint("students", __name__, url_prefix="/pupils")

HISTORY_READERS = frozenset({HEADTEACHER, SEND_LEAD})


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 4 else None


@bp.get("/")
def pupil_list():
    query = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    status = status if status in roll.STATUS_FILTERS else ""
    year = _int_arg("year")
    students, total, page, pages = roll.list_pupils(current_user, text=query, year=year, status=status,
                                                    page=_int_arg("page") or 1)
    filters = {"q": query, "year": "" if year is None else year, "status": status}
    return render("students/pupil_list.html", block="results", students=students, query=query, total=total,
                  page=page, pages=pages, shown=status, year=year, filters=filters,
                  statuses=roll.STATUS_FILTERS, years=roll.year_groups(), roll_empty=roll.roll_is_empty(),
                  keeper=current_user.role in roll.KEEPERS)


@bp.get("/<int:student_id>")
def pupil(student_id: int):
    student = get_student_or_404(current_user, student_id)
    placements = placements_for_student(current_user, student.id)
    audit.record("pupil_viewed", "student", student.id)
    db.session.commit()
    from_referral = referrals_of_placements([p.id for p in placements])
    if current_user.role == KEY_WORKER:
        # A key worker sees only what the school chose to share for the placement at their provider.
        return render("students/pupil_for_provider.html", student=student, placements=placements,
                      from_referral=from_referral)
    role = current_user.role
    return render("students/pupil.html", student=student, placements=placements,
                  referrals=referrals_for_student(current_user, student.id),
                  visit_progress=progress_for_student(student.id), from_referral=from_referral,
                  endings={p.id: ending_of(p) for p in placements if p.status == ENDED},
                  sees_send=role in SEES_SEND, sees_medical=role in SEES_MEDICAL,
                  sees_reason=role in SEES_CHILD_PROTECTION, today=clock.today(),
                  carers=roll.carers_for(student.id),
                  history=roll.history(student) if current_user.role in HISTORY_READERS else None)


def _keeper_student(student_id: int) -> Student:
    """Pupils for the people who keep the roll (the gate has already checked the role)."""
    student = db.session.get(Student, student_id)
    if student is None:
        abort(404)
    return student


@bp.route("/new", methods=["GET", "POST"])
def pupil_new():
    form = PupilForm(keep=roll.fields_for(current_user))
    if form.validate_on_submit():
        try:
            student = roll.add_pupil(form.values(), actor=current_user)
        except roll.PupilError as error:
            db.session.rollback()
            apply_error(form, error, fallback="first_name")
        else:
            flash(f"{student.full_name} added to the roll. Now add their parents and carers.", "success")
            return redirect(url_for("carers.family", student_id=student.id))
    return render_form("students/pupil_form.html", form, student=None)


@bp.route("/<int:student_id>/edit", methods=["GET", "POST"])
def pupil_edit(student_id: int):
    student = _keeper_student(student_id)
    keep = roll.fields_for(current_user)
    if request.method == "GET":
        form = PupilForm(keep=keep, student_id=student.id, obj=student)
        if "year_group" in form:
            form.year_group.data = str(student.year_group)
        audit.record("pupil_edit_viewed", "student", student.id, commit=True)
    else:
        form = PupilForm(keep=keep, student_id=student.id)
    if form.validate_on_submit():
        try:
            changes = roll.edit_pupil(student, form.values(), actor=current_user)
        except roll.PupilError as error:
            db.session.rollback()
            apply_error(form, error, fallback="first_name")
        else:
            flash(f"Changes to {student.full_name} saved." if changes else "Nothing was changed.", "success")
            return redirect(url_for("carers.family", student_id=student.id))
    return render_form("students/pupil_form.html", form, student=student)


@bp.route("/<int:student_id>/leave", methods=["GET", "POST"])
def pupil_leave(student_id: int):
    student = _keeper_student(student_id)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            roll.leave_school(student, left_on=form.left_on.data, destination=form.leaving_destination.data,
                              actor=current_user)
        except roll.PupilError as error:
            db.session.rollback()
            form.left_on.errors = [*form.left_on.errors, str(error)]
        else:
            flash(f"{student.full_name} has left the roll. Their record is kept; their family and providers "
                  "no longer see it.", "success")
            return redirect(url_for("students.pupil_list", status="left"))
    return render_form("students/pupil_leave.html", form, student=student)
