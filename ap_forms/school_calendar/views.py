from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from ap_forms.extensions import db
from ap_forms.school_calendar import services
from ap_forms.school_calendar.forms import ClosureForm, SchoolYearForm
from ap_forms.school_calendar.models import Closure
from ap_forms.web import clock
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import ADMIN, OFFICE
from ap_forms.web.views import found_or_404, save_form

bp = Blueprint("school_calendar", __name__, url_prefix="/calendar")

EDITORS = frozenset({ADMIN, OFFICE})


def _year_or_404(year_id: int):
    return found_or_404(services.get_year_by_id(year_id))


def _year_page(school_year) -> str:
    return url_for("school_calendar.year", year_id=school_year.id)


@bp.get("/")
def index():
    current = services.current_school_year(clock.today())
    return render(
        "school_calendar/index.html", years=services.all_years(), current=current, can_edit=current_user.role in EDITORS
    )


@bp.get("/<int:year_id>")
def year(year_id: int):
    school_year = _year_or_404(year_id)
    span = services.CalendarSpan(list(school_year.terms), list(school_year.closures))
    school_day_count = len(span.school_days(school_year.first_day, school_year.last_day))
    return render(
        "school_calendar/year.html",
        year=school_year,
        school_day_count=school_day_count,
        can_edit=current_user.role in EDITORS,
    )


@bp.route("/new", methods=["GET", "POST"])
def year_new():
    form = SchoolYearForm()
    if request.method == "GET":
        form.start_year.data = services.school_year_start(clock.today()) + 1
    return save_form(
        form,
        lambda: services.save_year(form.start_year.data, form.term_dates(), actor=current_user),
        refused=services.CalendarError,
        saved=lambda created: f"School year {created.label} added. Now add its half-terms and other holidays.",
        then=_year_page,
        fallback="start_year",
    ) or render_form("school_calendar/year_form.html", form, year=None)


@bp.route("/<int:year_id>/edit", methods=["GET", "POST"])
def year_edit(year_id: int):
    school_year = _year_or_404(year_id)
    form = SchoolYearForm()
    if request.method == "GET":
        form.fill_from(school_year)
    form.start_year.data = school_year.start_year  # the year itself is not changed here
    form.start_year.raw_data = [str(school_year.start_year)]
    if form.validate_on_submit():
        services.save_year(school_year.start_year, form.term_dates(), actor=current_user, year=school_year)
        flash(f"Term dates for {school_year.label} saved.", "success")
        return redirect(_year_page(school_year))
    return render_form("school_calendar/year_form.html", form, year=school_year)


@bp.route("/<int:year_id>/closures/new", methods=["GET", "POST"])
def closure_new(year_id: int):
    school_year = _year_or_404(year_id)
    form = ClosureForm()
    return save_form(
        form,
        lambda: services.add_closure(
            school_year,
            kind=form.kind.data,
            name=form.name.data,
            start=form.start.data,
            end=form.end.data,
            actor=current_user,
        ),
        refused=services.CalendarError,
        saved=lambda closure: f"{closure.name} added to the calendar.",
        then=_year_page(school_year),
        fallback="start",
    ) or render_form("school_calendar/closure_form.html", form, year=school_year)


@bp.post("/closures/<int:closure_id>/delete")
def closure_delete(closure_id: int):
    closure = db.get_or_404(Closure, closure_id)
    year_id, name = closure.school_year_id, closure.name
    services.remove_closure(closure, actor=current_user)
    flash(f"{name} removed from the calendar.", "success")
    return redirect(url_for("school_calendar.year", year_id=year_id))
