"""Reporting concerns and incidents; the DSL's inbox; incidents; chronology; the flag."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.incidents import alerts, services
from ap_forms.incidents.forms import (
    FORMS,
    CloseForm,
    ConcernActionForm,
    DecisionForm,
    FlagForm,
    IncidentActionForm,
    StartForm,
)
from ap_forms.incidents.models import (
    BODY_REGIONS,
    CLOSED,
    DRAFT,
    INCIDENT_KINDS,
    KINDS,
    OPEN,
    SAFEGUARDING_KINDS,
)
from ap_forms.placements.pupils import get_student_or_404, scope_students
from ap_forms.placements.services import active_placements
from ap_forms.providers.models import Provider
from ap_forms.school.services import get_settings
from ap_forms.students.models import Student
from ap_forms.web import audit, autosave, clock, navigation
from ap_forms.web.htmx import redirect
from ap_forms.web.pdf import pdf_response, render_pdf
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import KEY_WORKER

bp = Blueprint("incidents", __name__)

# The badges in the main menu: how many reports are waiting to be opened.
navigation.BADGES["incidents.inbox"] = lambda user: services.unopened_count(user, SAFEGUARDING_KINDS)
navigation.BADGES["incidents.incident_list"] = lambda user: services.unopened_count(user, INCIDENT_KINDS)


@bp.app_template_filter("local_date_time")
def local_date_time(value) -> str:
    """A stored UTC time as the school reads it: '23 Nov 2026 at 10:32'."""
    from ap_forms.web.templating import date_time

    return date_time(clock.to_local(value))


@bp.app_template_global("safeguarding_flag")
def safeguarding_flag(student_id: int) -> bool:
    return services.has_flag(student_id)


@bp.app_template_global("incident_counts")
def incident_counts(provider_id: int) -> dict:
    return services.incident_counts(provider_id)


def _urgent_context() -> dict:
    return {"dsls": services.dsl_users(), "settings": get_settings()}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "") or request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- Reporting (key workers and school staff) ------------------------------------------------------


def _pupil_choices():
    if current_user.role == KEY_WORKER:
        students = sorted({p.student for p in active_placements(current_user)}, key=lambda s: s.full_name)
    else:
        students = db.session.scalars(
            scope_students(select(Student), current_user).order_by(Student.last_name, Student.first_name)
        ).all()
    return [(str(s.id), s.full_name) for s in students]


@bp.route("/reports/new", methods=["GET", "POST"])
def start():
    form = StartForm()
    pupil_id = _int_arg("pupil")
    student = get_student_or_404(current_user, pupil_id) if pupil_id else None
    form.pupil.choices = [*_pupil_choices(), ("", "Nobody in particular, or a pupil not listed")]
    if form.validate_on_submit():
        chosen = student
        if chosen is None and form.pupil.data:
            if not form.pupil.data.isdigit() or form.pupil.data not in {v for v, _ in form.pupil.choices}:
                form.pupil.errors = ["Select the pupil from the list"]
            else:
                chosen = get_student_or_404(current_user, int(form.pupil.data))
        if not form.pupil.errors:
            try:
                report = services.start_report(current_user, form.kind.data, chosen)
            except services.ReportError as error:
                getattr(form, error.field or "kind").errors = [str(error)]
            else:
                return redirect(url_for("incidents.edit", report_id=report.id))
    elif request.method == "GET" and request.args.get("kind") in KINDS:
        form.kind.data = request.args["kind"]
    return render_form("incidents/start.html", form, student=student, **_urgent_context())


@bp.get("/reports/")
def mine():
    return render("incidents/mine.html", reports=services.own_reports(current_user))


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
def edit(report_id: int):
    report = services.get_own_report_or_404(current_user, report_id)
    if report.status != DRAFT:
        return redirect(url_for("incidents.receipt", report_id=report.id))
    form = FORMS[report.kind]()
    if request.method == "GET":
        form.fill(report)
    context = {"report": report, "regions": BODY_REGIONS, **_urgent_context()}
    if form.validate_on_submit():
        services.save_draft(report, form.values(), by=current_user)
        if autosave.is_autosave():
            return autosave.saved()
        if form.submit.data:
            missing = services.missing_for_submit(report)
            if not missing:
                services.submit(report, by=current_user)
                alerts.send_new_alert(report)
                return redirect(url_for("incidents.receipt", report_id=report.id, sent=1))
            for name, message in missing.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
            # The draft is kept (saved above); what is missing is shown as errors.
            return render_form("incidents/edit.html", form, **context)
        flash("Draft saved. Only you can see it until you send it.", "success")
        return redirect(url_for("incidents.edit", report_id=report.id))
    if autosave.is_autosave():
        return autosave.form_not_saved(form)
    return render_form("incidents/edit.html", form, **context)


@bp.get("/reports/<int:report_id>")
def receipt(report_id: int):
    report = services.get_own_report_or_404(current_user, report_id)
    if report.status == DRAFT:
        return redirect(url_for("incidents.edit", report_id=report.id))
    return render(
        "incidents/receipt.html",
        report=report,
        just_sent=request.args.get("sent") == "1",
        regions=BODY_REGIONS,
        **_urgent_context(),
    )


# --- The DSL's inbox (DSL and headteacher) ---------------------------------------------------------


@bp.get("/safeguarding/")
def inbox():
    status = request.args.get("status", OPEN)
    status = status if status in (OPEN, CLOSED) else OPEN
    reports = services.reports_for(current_user, SAFEGUARDING_KINDS, status=status)
    openings = {r.id: services.openings_of(r) for r in reports}
    return render(
        "incidents/inbox.html",
        reports=reports,
        which=status,
        openings=openings,
        # Nobody at the school has opened it (the trust safeguarding lead's reading is not the school's).
        new={r.id for r in reports if not services.opened_at_school(openings[r.id])},
    )


# --- A concern's or an incident's page: recording actions, closing ----------------------------------------


@dataclass(frozen=True)
class _Desk:
    """Safeguarding concerns (the DSL's desk) and incidents (the SEND lead's) are worked alike: a report's page
    (incidents/<name>.html, at the endpoint incidents.<name>), recording an action and closing the report.
    This is what differs; each view below serves both desks."""

    name: str
    kinds: frozenset[str]
    action_form: type
    action_done: str  # flashed when an action is recorded
    list_endpoint: str  # where closing a report goes back to


_DESKS = {
    desk.name: desk
    for desk in (
        _Desk("concern", SAFEGUARDING_KINDS, ConcernActionForm, "Action recorded.", "incidents.inbox"),
        _Desk("incident", INCIDENT_KINDS, IncidentActionForm, "Follow-up action recorded.", "incidents.incident_list"),
    )
}


def _desk_report(desk_name: str, report_id: int):
    desk = _DESKS[desk_name]
    return desk, services.get_report_or_404(current_user, report_id, desk.kinds)


def _report_page(desk: _Desk, report, action_form, close_form, status: int = 200):
    """A concern's or an incident's page: the next action defaults to today, by whoever is signed in; the
    error summary links to whichever form was refused. A concern's page also shows the staff flag and
    the body map."""
    action_form.taken_on.data = action_form.taken_on.data or clock.today()
    if not action_form.taken_by.data:
        action_form.taken_by.data = current_user.name
    extra = {}
    if desk.name == "concern":
        extra = {
            "flagged": services.has_flag(report.student_id) if report.student_id else False,
            "regions": BODY_REGIONS,
        }
    return render(
        f"incidents/{desk.name}.html",
        report=report,
        action_form=action_form,
        close_form=close_form,
        openings=services.openings_of(report),
        sent_alerts=alerts.alerts_of(report),
        placement=services.placement_for(report),
        status=status,
        form=action_form if action_form.errors else close_form,
        **extra,
    )


@bp.get("/safeguarding/<int:report_id>", endpoint="concern", defaults={"desk_name": "concern"})
@bp.get("/incidents/<int:report_id>", endpoint="incident", defaults={"desk_name": "incident"})
def report_page(report_id: int, desk_name: str):
    desk, report = _desk_report(desk_name, report_id)
    services.record_opening(report, current_user)
    return _report_page(desk, report, desk.action_form(formdata=None), CloseForm(formdata=None))


@bp.post("/safeguarding/<int:report_id>/actions", endpoint="concern_action", defaults={"desk_name": "concern"})
@bp.post("/incidents/<int:report_id>/actions", endpoint="incident_action", defaults={"desk_name": "incident"})
def record_action(report_id: int, desk_name: str):
    """Record a follow-up action on a concern or an incident."""
    desk, report = _desk_report(desk_name, report_id)
    form = desk.action_form()
    if report.status != CLOSED and form.validate_on_submit():
        services.add_action(
            report,
            kind=form.kind.data,
            taken_on=form.taken_on.data,
            taken_by=form.taken_by.data,
            details=form.details.data,
            reason=form.reason.data or "",
            by=current_user,
        )
        flash(desk.action_done, "success")
        return redirect(url_for(f"incidents.{desk.name}", report_id=report.id) + "#actions")
    if report.status == CLOSED:
        form.details.errors = [f"This {desk.name} is closed"]
    return _report_page(desk, report, form, CloseForm(formdata=None), status=422)


@bp.post("/safeguarding/<int:report_id>/close", endpoint="concern_close", defaults={"desk_name": "concern"})
@bp.post("/incidents/<int:report_id>/close", endpoint="incident_close", defaults={"desk_name": "incident"})
def close_report(report_id: int, desk_name: str):
    """Close a concern or an incident with its outcome."""
    desk, report = _desk_report(desk_name, report_id)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close(report, outcome=form.outcome.data, by=current_user)
        except services.ReportError as error:
            form.outcome.errors = [str(error)]
        else:
            flash(f"{report.reference} is closed.", "success")
            return redirect(url_for(desk.list_endpoint))
    return _report_page(desk, report, desk.action_form(formdata=None), form, status=422)


@bp.post("/pupils/<int:student_id>/safeguarding-flag")
def flag(student_id: int):
    student = get_student_or_404(current_user, student_id)
    form = FlagForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_flag(student, on=form.on.data == "1", by=current_user)
    flash(
        "Staff now see that " + student.first_name + " has a safeguarding record."
        if form.on.data == "1"
        else "The flag is removed.",
        "success",
    )
    return redirect(url_for("incidents.chronology", student_id=student.id))


# --- The chronology (DSL and headteacher) -----------------------------------------------------------


def _chronology_entries(student):
    """The kind of entry asked for (blank for every kind, or for a kind there is not) and those entries."""
    kind = request.args.get("kind", "")
    kind = kind if kind in services.CHRONOLOGY_KINDS else ""
    return kind, services.chronology(student.id, kind or None)


@bp.get("/pupils/<int:student_id>/chronology")
def chronology(student_id: int):
    student = get_student_or_404(current_user, student_id)
    kind, entries = _chronology_entries(student)
    audit.record("chronology_viewed", "student", student.id, commit=True)
    return render(
        "incidents/chronology.html",
        student=student,
        entries=entries,
        kind=kind,
        kinds=services.CHRONOLOGY_KINDS,
        flagged=services.has_flag(student.id),
    )


@bp.get("/pupils/<int:student_id>/chronology.pdf")
def chronology_pdf(student_id: int):
    student = get_student_or_404(current_user, student_id)
    kind, entries = _chronology_entries(student)
    audit.record("chronology_downloaded", "student", student.id, commit=True)
    pdf = render_pdf(
        "pdf/chronology.html",
        student=student,
        entries=entries,
        kind_label=services.CHRONOLOGY_KINDS.get(kind, ""),
        today=clock.today(),
    )
    return pdf_response(pdf, f"Chronology {student.full_name}.pdf")


# --- Incidents (SEND lead and headteacher) -----------------------------------------------------------


@bp.get("/incidents/")
def incident_list():
    provider_id, student_id = _int_arg("provider"), _int_arg("pupil")
    status = request.args.get("status", "")
    reports = services.reports_for(
        current_user, INCIDENT_KINDS, status=status or None, provider_id=provider_id, student_id=student_id
    )
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    return render(
        "incidents/incident_list.html",
        reports=reports,
        providers=providers,
        provider_id=provider_id,
        student_id=student_id,
        which=status,
    )


@bp.route("/reports/<int:report_id>/decision", methods=["GET", "POST"])
def decision(report_id: int):
    """Withdraw the placement at once, or continue it with a review date (headteacher; SEND lead for incidents)."""
    report = services.get_report_or_404(current_user, report_id, SAFEGUARDING_KINDS | INCIDENT_KINDS)
    placement = services.placement_for(report)
    back = url_for("incidents.concern" if report.is_safeguarding else "incidents.incident", report_id=report.id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if placement is None:
                raise services.ReportError("There is no running placement to decide about", "decision")
            if form.decision.data == "withdraw":
                _, failed = services.withdraw_placement(report, placement, reason=form.reason.data, by=current_user)
                flash(
                    "The placement is withdrawn. Its timetable has stopped; the DSL, the headteacher, the key "
                    "worker and the family have been emailed.",
                    "success",
                )
                if failed:
                    flash("These could not be emailed, so tell them another way: " + ", ".join(failed), "info")
            else:
                services.continue_placement(
                    report, review_on=form.review_on.data, reason=form.reason.data, by=current_user
                )
                flash("Decision recorded: the placement continues.", "success")
        except services.ReportError as error:
            getattr(form, error.field or "decision").errors = [str(error)]
        except Exception as error:  # the placements' own checks
            from ap_forms.placements.services import PlacementError

            if not isinstance(error, PlacementError):
                raise
            form.decision.errors = [str(error)]
        else:
            return redirect(back)
    return render_form("incidents/decision.html", form, report=report, placement=placement, back=back)
