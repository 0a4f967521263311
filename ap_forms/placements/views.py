"""Planning and starting placements: the commissioning gate stands in front of both."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.placements.forms import PlacementForm
from ap_forms.providers.services import ProviderNotCleared, get_provider_or_404, list_providers
from ap_forms.students.services import get_student_or_404
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import KEY_WORKER

bp = Blueprint("placements", __name__)


def _key_workers():
    query = (select(User).where(User.role == KEY_WORKER, User.active.is_(True))
             .options(selectinload(User.provider)).order_by(User.name))
    return db.session.scalars(query).all()


@bp.route("/pupils/<int:student_id>/placements/new", methods=["GET", "POST"])
def placement_new(student_id: int):
    student = get_student_or_404(current_user, student_id)
    form = PlacementForm()
    rows, _ = list_providers()
    form.set_choices(rows, _key_workers())
    not_cleared = None
    if form.validate_on_submit():
        provider = get_provider_or_404(form.provider_id.data)
        try:
            services.create_placement(
                student, provider, key_worker_id=form.key_worker_id.data, start_date=form.start_date.data,
                planned_end_date=form.planned_end_date.data, objectives=form.objectives.data,
                share_send_needs="send_needs" in form.share.data, share_diagnoses="diagnoses" in form.share.data,
                share_medical_needs="medical_needs" in form.share.data, actor=current_user)
        except ProviderNotCleared as error:
            not_cleared = error
            form.provider_id.errors = [*form.provider_id.errors,
                                       f"{provider.name} is not cleared for commissioning: choose a cleared "
                                       "provider, or complete its commissioning record first"]
        except services.PlacementError as error:
            field = getattr(form, error.field or "", form.provider_id)
            field.errors = [*field.errors, str(error)]
        else:
            flash(f"Placement at {provider.name} planned for {student.first_name}. Start it when it begins.",
                  "success")
            return redirect(url_for("students.pupil", student_id=student.id))
    return render_form("placements/placement_new.html", form, student=student, not_cleared=not_cleared)


@bp.post("/placements/<int:placement_id>/start")
def placement_start(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id)
    try:
        services.start_placement(placement, actor=current_user)
    except ProviderNotCleared as error:
        return render("placements/cannot_start.html", status=409, placement=placement, problems=error.problems)
    except services.PlacementError as error:
        flash(str(error), "info")
    else:
        flash(f"{placement.student.first_name}'s placement at {placement.provider.name} has started.", "success")
    return redirect(url_for("students.pupil", student_id=placement.student_id))
