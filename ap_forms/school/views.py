from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from ap_forms.school.forms import SchoolSettingsForm
from ap_forms.school.services import CUTOFF_FIELDS, FIELDS, get_settings, save_settings
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render_form

bp = Blueprint("school", __name__)


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
        save_settings({f: (getattr(form, f).data or "").strip() for f in (*FIELDS, *CUTOFF_FIELDS)}, actor=current_user)
        flash("School settings saved.", "success")
        return redirect(url_for("school.settings"))
    return render_form("school/settings.html", form)
