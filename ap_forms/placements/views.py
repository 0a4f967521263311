"""Placements: planning and starting (through the commissioning gate), the placement page,
reviews, ending, and the family's calendar feed."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, make_response, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.placements.calendar import timetable_calendar
from ap_forms.placements.forms import EndForm, PlacementForm, ReviewForm
from ap_forms.placements.models import ENDED
from ap_forms.providers.services import ProviderNotCleared, get_provider_or_404, list_providers
from ap_forms.referrals.answers import cost_text
from ap_forms.referrals.models import Referral
from ap_forms.school.services import get_settings
from ap_forms.students.services import get_student_or_404
from ap_forms.web import audit
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import KEY_WORKER, LEADERS
from ap_forms.web.templating import long_date

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
def _referral_of(placement) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.placement_id == placement.id))


@bp.get("/placements/<int:placement_id>")
def placement(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id)
    reviews = services.reviews_of(placement)
    referral = _referral_of(placement)
    audit.record("placement_viewed", "placement", placement.id)
    db.session.commit()
    return render("placements/placement.html", placement=placement, reviews=reviews,
                  held=[r for r in reviews if r.held_on], next_due=services.next_reviews_due([placement])[placement.id],
                  ending=services.ending_of(placement), referral=referral,
                  cost=cost_text(referral) if referral else "", can_manage=current_user.role in LEADERS,
                  today=date.today())


@bp.route("/placements/<int:placement_id>/review", methods=["GET", "POST"])
def review_new(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id)
    if placement.status == ENDED:
        flash("This placement has ended, so it cannot be reviewed.", "info")
        return redirect(url_for("placements.placement", placement_id=placement.id))
    form = ReviewForm()
    form.set_objectives(placement.objective_list)
    if request.method == "GET":
        form.held_on.data = date.today()
    if form.validate_on_submit():
        try:
            services.record_review(
                placement, held_on=form.held_on.data, progress=form.progress_values(),
                suitability=form.suitability.data, suitability_notes=form.suitability_notes.data or "",
                readiness=form.readiness.data, reintegration_timeframe=form.reintegration_timeframe.data,
                decisions=form.decisions.data, next_review_on=form.next_review_on.data, actor=current_user)
        except services.PlacementError as error:
            getattr(form, error.field or "", form.held_on).errors = [str(error)]
        else:
            flash(f"Review saved. The next review is on {long_date(form.next_review_on.data)}.", "success")
            return redirect(url_for("placements.placement", placement_id=placement.id))
    return render_form("placements/review_new.html", form, placement=placement)


@bp.route("/placements/<int:placement_id>/end", methods=["GET", "POST"])
def end(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id)
    if placement.status == ENDED:
        flash("This placement has already ended.", "info")
        return redirect(url_for("placements.placement", placement_id=placement.id))
    form = EndForm()
    if request.method == "GET":
        form.ended_on.data = date.today()
    if form.validate_on_submit():
        try:
            services.end_placement(placement, kind=form.kind.data, ended_on=form.ended_on.data,
                                   reason=form.reason.data or "", details=form.details.data or "",
                                   actor=current_user)
        except services.PlacementError as error:
            getattr(form, error.field or "", form.kind).errors = [str(error)]
        else:
            flash("The placement has ended. Its timetable has stopped, and the family and key worker can see "
                  "that it ended.", "success")
            return redirect(url_for("placements.placement", placement_id=placement.id))
    return render_form("placements/end.html", form, placement=placement)


# --- The family's calendar --------------------------------------------------------------------------

@bp.post("/my-child/<int:student_id>/calendar")
def calendar_create(student_id: int):
    student = get_student_or_404(current_user, student_id)
    replaced = services.active_feed(current_user, student.id) is not None
    services.create_feed(current_user, student.id)
    flash(f"Your calendar link for {student.first_name}'s timetable is ready."
          + (" The old link has stopped working." if replaced else ""), "success")
    return redirect(url_for("oversight.home") + f"#calendar-{student.id}")


@bp.post("/my-child/<int:student_id>/calendar/stop")
def calendar_revoke(student_id: int):
    student = get_student_or_404(current_user, student_id)
    services.revoke_feed(current_user, student.id)
    flash("The calendar link has stopped working. Calendars subscribed to it will no longer update.", "success")
    return redirect(url_for("oversight.home") + f"#calendar-{student.id}")


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """Public: the secret token in the address is the credential. A revoked or unknown token is a 404."""
    feed = services.feed_by_token(token)
    if feed is None:
        abort(404)
    body = timetable_calendar(feed.student, services.calendar_placements(feed), school_name=get_settings().name)
    services.mark_fetched(feed)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="timetable.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
