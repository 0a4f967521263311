from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from ap_forms.school.forms import NewSchoolForm, SchoolSettingsForm
from ap_forms.school.services import (
    CUTOFF_FIELDS,
    FIELDS,
    add_school,
    get_settings,
    name_taken,
    save_settings,
    schools_with_member_counts,
)
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form

bp = Blueprint("school", __name__)

NAME_TAKEN = "Another school of the trust has this name: choose another"


@bp.app_context_processor
def school_context():
    return {"school": get_settings()}


@bp.route("/admin/settings", methods=["GET", "POST"])
def settings():
    form = SchoolSettingsForm(obj=get_settings() if request.method == "GET" else None)
    if request.method == "GET":
        for field in CUTOFF_FIELDS:  # shown as typed: 10:00
            saved = getattr(get_settings(), field)
            getattr(form, field).data = saved.strftime("%H:%M") if saved else ""
    if form.validate_on_submit():
        values = {f: (getattr(form, f).data or "").strip() for f in (*FIELDS, *CUTOFF_FIELDS)}
        if name_taken(values["name"], school_id=get_settings().id):
            form.name.errors = [*form.name.errors, NAME_TAKEN]
        else:
            save_settings(values, actor=current_user)
            flash("School settings saved.", "success")
            return redirect(url_for("school.settings"))
    return render_form("school/settings.html", form)


@bp.get("/admin/schools")
def school_list():
    """The trust's schools, each with its number of staff members (the system administrator's)."""
    return render("school/school_list.html", schools=schools_with_member_counts())


@bp.route("/admin/schools/new", methods=["GET", "POST"])
def school_new():
    form = NewSchoolForm()
    if form.validate_on_submit():
        values = {f: (getattr(form, f).data or "").strip() for f in FIELDS}
        if name_taken(values["name"]):
            form.name.errors = [*form.name.errors, NAME_TAKEN]
        else:
            school = add_school(values, actor=current_user)
            flash(
                f"{school.name} added. You are a member of it: change school to set up its calendar and add its staff.",
                "success",
            )
            return redirect(url_for("school.school_list"))
    return render_form("school/school_new.html", form)
