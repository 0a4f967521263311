"""Placements: planning and starting (through the commissioning gate), the placement page,
reviews, ending, and the family's calendar feed."""

from __future__ import annotations

from datetime import UTC
from functools import wraps

from flask import Blueprint, flash, make_response, request, url_for
from flask_login import current_user

from ap_forms.placements import services
from ap_forms.placements.calendar import timetable_calendar
from ap_forms.placements.forms import EndForm, ReviewForm, TimetableChangeForm
from ap_forms.placements.models import ENDED
from ap_forms.placements.pupils import get_student_or_404
from ap_forms.providers.services import ProviderNotCleared
from ap_forms.school.services import get_settings
from ap_forms.web import audit, clock
from ap_forms.web.form_fields import apply_error
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form
from ap_forms.web.templating import long_date
from ap_forms.web.views import found_or_404, save_form

# The placement page also shows the referral it came from: it is composed in
# ap_forms/pages/placement.py, on this blueprint.
bp = Blueprint("placements", __name__)


@bp.post("/placements/<int:placement_id>/start")
def placement_start(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id)
    try:
        services.start_placement(placement, actor=current_user, today=clock.today())
    except ProviderNotCleared as error:
        return render("placements/cannot_start.html", status=409, placement=placement, problems=error.problems)
    except services.PlacementError as error:
        flash(str(error), "info")
    else:
        flash(f"{placement.student.first_name}'s placement at {placement.provider.name} has started.", "success")
    return redirect(url_for("students.pupil", student_id=placement.student_id))


def _placement_page(placement) -> str:
    return url_for("placements.placement", placement_id=placement.id)


def _while_running(refusal: str):
    """For the pages that change a placement: the view is given the placement, unless it has ended, when
    `refusal` is shown on the placement page instead."""

    def decorate(view):
        @wraps(view)
        def page(placement_id: int):
            placement = services.get_placement_or_404(current_user, placement_id)
            if placement.status == ENDED:
                flash(refusal, "info")
                return redirect(_placement_page(placement))
            return view(placement)

        return page

    return decorate


def _told(placement, done: str, failed: list[str]):
    """Back to the placement page, saying what was done and who the mail server could not reach."""
    flash(done, "success")
    if failed:
        flash("These could not be emailed, so tell them another way: " + ", ".join(failed), "info")
    return redirect(_placement_page(placement))


@bp.route("/placements/<int:placement_id>/review", methods=["GET", "POST"])
@_while_running("This placement has ended, so it cannot be reviewed.")
def review_new(placement):
    if request.method == "GET":
        audit.record("placement_review_viewed", "placement", placement.id, commit=True)
    form = ReviewForm()
    form.set_objectives(placement.objective_list)
    if request.method == "GET":
        form.held_on.data = clock.today()
    return save_form(
        form,
        lambda: services.record_review(
            placement,
            held_on=form.held_on.data,
            progress=form.progress_values(),
            suitability=form.suitability.data,
            suitability_notes=form.suitability_notes.data or "",
            readiness=form.readiness.data,
            reintegration_timeframe=form.reintegration_timeframe.data,
            decisions=form.decisions.data,
            next_review_on=form.next_review_on.data,
            actor=current_user,
        ),
        refused=services.PlacementError,
        saved=lambda _: f"Review saved. The next review is on {long_date(form.next_review_on.data)}.",
        then=_placement_page(placement),
        fallback="held_on",
    ) or render_form("placements/review_new.html", form, placement=placement)


@bp.route("/placements/<int:placement_id>/end", methods=["GET", "POST"])
@_while_running("This placement has already ended.")
def end(placement):
    form = EndForm()
    if request.method == "GET":
        form.ended_on.data = clock.today()
    if form.validate_on_submit():
        try:
            _, failed = services.end_and_tell(
                placement,
                school_name=get_settings().name,
                kind=form.kind.data,
                ended_on=form.ended_on.data,
                reason=form.reason.data or "",
                details=form.details.data or "",
                actor=current_user,
                today=clock.today(),
            )
        except services.PlacementError as error:
            apply_error(form, error, fallback="kind")
        else:
            return _told(
                placement,
                "The placement has ended. Its timetable has stopped; the DSL, the headteacher, the key worker "
                "and the family have been emailed.",
                failed,
            )
    return render_form("placements/end.html", form, placement=placement)


@bp.route("/placements/<int:placement_id>/timetable", methods=["GET", "POST"])
@_while_running("This placement has ended, so its timetable cannot change.")
def timetable(placement):
    """Agree a new version of the timetable; the old one is kept, the key worker and parents are told."""
    form = TimetableChangeForm()
    if request.method == "GET":
        for s in placement.sessions:
            form.sessions.append_entry(
                {
                    "weekday": str(s.weekday),
                    "start_time": s.start_time.strftime("%H:%M"),
                    "end_time": s.end_time.strftime("%H:%M"),
                    "activity": s.activity,
                    "site_address": s.site_address,
                }
            )
        form.effective_from.data = max(clock.today(), placement.start_date)
    while len(form.sessions) < min(form.MAX_ROWS, max(3, len(placement.sessions) + 2)):
        form.sessions.append_entry()
    if form.validate_on_submit():
        try:
            services.change_timetable(
                placement,
                sessions=form.session_values(),
                effective_from=form.effective_from.data,
                reason=form.reason.data,
                actor=current_user,
                today=clock.today(),
            )
        except services.PlacementError as error:
            field = (
                form.sessions[0].weekday
                if error.field == "sessions"
                else getattr(form, error.field or "", form.effective_from)
            )
            field.errors = [*field.errors, str(error)]
        else:
            failed = services.send_all(services.timetable_change_emails(placement, school_name=get_settings().name))
            return _told(
                placement,
                "The new timetable is agreed. The key worker and the family have been emailed it; the old "
                "timetable is kept below.",
                failed,
            )
    return render_form("placements/timetable.html", form, placement=placement)


# --- The family's calendar --------------------------------------------------------------------------


@bp.post("/my-child/<int:student_id>/calendar")
def calendar_create(student_id: int):
    student = get_student_or_404(current_user, student_id)
    replaced = services.active_feed(current_user, student.id) is not None
    services.create_feed(current_user, student.id)
    flash(
        f"Your calendar link for {student.first_name}'s timetable is ready."
        + (" The old link has stopped working." if replaced else ""),
        "success",
    )
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
    feed = found_or_404(services.feed_by_token(token))
    body = timetable_calendar(
        feed.student,
        services.calendar_placements(feed),
        school_name=get_settings().name,
        now=clock.utcnow().replace(tzinfo=UTC),
    )
    services.mark_fetched(feed)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="timetable.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
