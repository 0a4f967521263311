from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.quality import forms, services
from ap_forms.quality.models import ANSWERS, JUDGEMENTS, SIGNED_OFF
from ap_forms.school.services import get_settings
from ap_forms.school_calendar.services import school_year_start
from ap_forms.web import audit, autosave, clock, tenancy
from ap_forms.web.form_fields import apply_error
from ap_forms.web.htmx import redirect
from ap_forms.web.mail import MailError, send_email
from ap_forms.web.pdf import pdf_response, render_pdf
from ap_forms.web.permissions import RULES
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import KEY_WORKER
from ap_forms.web.templating import long_date
from ap_forms.web.views import found_or_404, save_form

bp = Blueprint("quality", __name__, url_prefix="/quality")


def _can_record() -> bool:
    return current_user.role in RULES["quality.visit_section"]


def _visit_url(visit, anchor: str = "") -> str:
    return url_for("quality.visit", visit_id=visit.id) + anchor


# --- The visits page: this school year's pace, per provider --------------------------------


@bp.get("/")
def index():
    today = clock.today()
    current_year = school_year_start(today)
    try:
        start_year = int(request.args.get("year", current_year))
    except ValueError:
        start_year = current_year
    if not 2000 <= start_year <= current_year + 1:
        start_year = current_year
    rows = services.visit_pace(start_year, today)
    return render(
        "quality/index.html",
        rows=rows,
        start_year=start_year,
        current_year=current_year,
        terms=services.term_windows(start_year),
        drafts=services.drafts(),
        overdue=services.overdue_actions(current_user, today),
        today=today,
        required=services.REQUIRED_VISITS,
        warning_days=services.PACE_WARNING_DAYS,
        can_record=_can_record(),
        school_names=services.school_names(),
        own_school_id=tenancy.current_school_id(),
    )


# --- Planning ------------------------------------------------------------------------------


def _plan_form(visit=None) -> forms.PlanForm:
    form = forms.PlanForm()
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    form.provider.choices = [("", "Choose a provider")] + [(str(p.id), p.name) for p in providers]
    form.staff.choices = [(str(u.id), f"{u.name} ({u.role_label})") for u in services.school_staff()]
    if request.method == "GET":
        if visit is not None:
            form.provider.data = str(visit.provider_id)
            form.visit_date.data = visit.visit_date
            form.staff.data = [str(v.user_id) for v in visit.visitors]
            form.focus.data = visit.focus
        else:
            form.provider.data = request.args.get("provider", "")[:12]
            form.staff.data = [str(current_user.id)]
    return form


def _plan_values(form: forms.PlanForm) -> dict:
    """What the plan form says, as planning a visit and changing its plan both take it."""
    return {"visit_date": form.visit_date.data, "staff_ids": form.staff_ids(), "focus": form.focus.data or ""}


@bp.route("/visits/new", methods=["GET", "POST"])
def visit_new():
    form = _plan_form()
    if form.validate_on_submit():
        provider = db.get_or_404(Provider, int(form.provider.data))
        try:
            visit = services.plan_visit(provider, **_plan_values(form), actor=current_user)
        except services.QualityError as error:
            apply_error(form, error)
        else:
            flash(f"Visit to {provider.name} planned for {long_date(visit.visit_date)}.", "success")
            return redirect(url_for("quality.index"))
    return render_form("quality/plan.html", form, visit=None)


@bp.route("/visits/<int:visit_id>/plan", methods=["GET", "POST"])
def visit_edit(visit_id: int):
    visit = services.get_visit_or_404(visit_id)
    if visit.status in (SIGNED_OFF, "cancelled"):
        flash("This visit can no longer be changed.", "info")
        return redirect(_visit_url(visit))
    form = _plan_form(visit)
    form.provider.choices = [(str(visit.provider_id), visit.provider.name)]  # the provider stays the same
    if request.method == "POST":
        form.provider.data = str(visit.provider_id)
    if form.validate_on_submit():
        try:
            services.update_plan(visit, **_plan_values(form), actor=current_user, today=clock.today())
        except services.QualityError as error:
            apply_error(form, error)
        else:
            flash("Visit plan saved.", "success")
            return redirect(_visit_url(visit))
    return render_form("quality/plan.html", form, visit=visit, cancel_form=forms.ButtonForm())


def _visit_for_button(visit_id: int):
    """The visit whose Cancel or Start button was pressed; a post without the button's form is a 400."""
    visit = services.get_visit_or_404(visit_id)
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    return visit


@bp.post("/visits/<int:visit_id>/cancel")
def visit_cancel(visit_id: int):
    visit = _visit_for_button(visit_id)
    try:
        services.cancel_visit(visit, actor=current_user)
    except services.QualityError as error:
        flash(str(error), "info")
        return redirect(_visit_url(visit))
    flash(f"Visit to {visit.provider.name} cancelled.", "success")
    return redirect(url_for("quality.index"))


# --- The visit: task list while recording, the report once signed off ----------------------


def _visit_page(visit, *, sign_off_form=None, send_form=None, status: int = 200):
    audit.record("quality_visit_viewed", "quality_visit", visit.id, commit=True)
    return render(
        "quality/visit.html",
        status=status,
        visit=visit,
        sections=services.sections(visit) if visit.version else [],
        problems=services.sign_off_problems(visit) if visit.version else [],
        answers=ANSWERS,
        today=clock.today(),
        can_record=_can_record(),
        start_form=forms.ButtonForm(),
        sign_off_form=sign_off_form or forms.SignOffForm(),
        send_form=send_form or forms.SendForm(data={"to": visit.provider.contact_email}),
        judgements=JUDGEMENTS,
    )


@bp.get("/visits/<int:visit_id>")
def visit(visit_id: int):
    visit = services.find_visit(visit_id)
    if visit is not None:
        return _visit_page(visit)
    # Another school's signed-off visit to a provider the trust shares: read-only, without its pupils.
    shared = services.other_schools_visit_or_404(visit_id)
    audit.record("quality_visit_viewed", "quality_visit", shared.visit.id, commit=True)
    return render(
        "quality/other_school_visit.html", shared=shared, visit=shared.visit, judgements=JUDGEMENTS, today=clock.today()
    )


@bp.post("/visits/<int:visit_id>/start")
def visit_start(visit_id: int):
    visit = _visit_for_button(visit_id)
    try:
        services.start_recording(visit, actor=current_user, today=clock.today())
    except services.QualityError as error:
        flash(str(error), "info")
        return redirect(_visit_url(visit))
    first = services.sections(visit)[0]
    return redirect(url_for("quality.visit_section", visit_id=visit.id, section=first.key))


def _section_form(visit, section, formdata=None):
    """The form for one part of the record, filled from the visit (GET) or from what was sent (POST)."""
    if section.items:
        return forms.checklist_form(section.items, visit, formdata=formdata)
    if section.key == "progress":
        return forms.progress_form(visit.progress_entries, formdata=formdata)
    form_class = {
        "observation": forms.ObservationForm,
        "voice": forms.VoiceForm,
        "judgement": forms.JudgementForm,
        "actions": forms.ActionsForm,
    }[section.key]
    if formdata is not None:
        return form_class(formdata=formdata)
    if section.key == "actions":
        form = forms.ActionsForm(formdata=None)
        form.fill_from(visit)
        return form
    data = {
        "observation": {"observed_activity": visit.observed_activity, "observation_notes": visit.observation_notes},
        "voice": {"pupil_voice": visit.pupil_voice, "strengths": visit.strengths},
        "judgement": {"judgement": visit.overall_judgement or None, "summary": visit.overall_summary},
    }
    return form_class(formdata=None, data=data[section.key])


def _save_section(visit, section, form) -> None:
    if section.items:
        services.save_answers(visit, form.answers(), actor=current_user)
    elif section.key == "progress":
        services.save_progress(visit, form.values(), actor=current_user)
    elif section.key == "observation":
        services.save_observation(
            visit,
            activity=form.observed_activity.data or "",
            notes=form.observation_notes.data or "",
            actor=current_user,
        )
    elif section.key == "voice":
        services.save_voice(
            visit, pupil_voice=form.pupil_voice.data or "", strengths=form.strengths.data or "", actor=current_user
        )
    elif section.key == "judgement":
        services.save_judgement(
            visit, judgement=form.judgement.data or "", summary=form.summary.data or "", actor=current_user
        )
    elif section.key == "actions":
        rows = [
            services.ActionDraft(row.what.data or "", row.owner.data or "", row.owner_name.data or "", row.due_on.data)
            for row in form.actions
        ]
        services.save_actions(visit, rows, actor=current_user)


def _next_section(visit, section) -> str:
    keys = [s.key for s in services.sections(visit)]
    position = keys.index(section.key)
    if position + 1 < len(keys):
        return url_for("quality.visit_section", visit_id=visit.id, section=keys[position + 1])
    return url_for("quality.visit_sign_off", visit_id=visit.id)


@bp.route("/visits/<int:visit_id>/record/<section>", methods=["GET", "POST"])
def visit_section(visit_id: int, section: str):
    """One part of the visit record. A plain POST saves and moves on; an autosave (as you type)
    answers with just the 'Draft saved at 10:42' line."""
    visit = services.get_visit_or_404(visit_id)
    if visit.status != "draft":
        flash("This visit is not being recorded: it has been signed off, cancelled, or not started.", "info")
        return redirect(_visit_url(visit))
    found = found_or_404(services.find_section(visit, section))
    form = _section_form(visit, found, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            _save_section(visit, found, form)
        except services.QualityError as error:
            apply_error(form, error)
        else:
            if autosave.is_autosave():
                return autosave.saved()
            if request.form.get("stay"):
                flash("Saved.", "success")
                return redirect(request.path)
            return redirect(_next_section(visit, found))
    if autosave.is_autosave():
        return autosave.form_not_saved(form)
    if request.method == "GET":
        audit.record("quality_visit_viewed", "quality_visit", visit.id, detail=section, commit=True)
    all_sections = services.sections(visit)
    return render_form(
        "quality/section.html",
        form,
        block="page",
        visit=visit,
        section=found,
        sections=all_sections,
        entries={e.id: e for e in visit.progress_entries},
    )


@bp.route("/visits/<int:visit_id>/sign-off", methods=["GET", "POST"])
def visit_sign_off(visit_id: int):
    visit = services.get_visit_or_404(visit_id)
    if visit.status != "draft":
        flash("Only a visit being recorded can be signed off.", "info")
        return redirect(_visit_url(visit))
    form = forms.SignOffForm()
    if form.validate_on_submit():
        try:
            services.sign_off(visit, actor=current_user, today=clock.today())
        except services.QualityError as error:
            apply_error(form, error)
        else:
            flash("Visit signed off. It can no longer be changed, and its actions are now tracked.", "success")
            return redirect(_visit_url(visit))
    audit.record("quality_visit_viewed", "quality_visit", visit.id, detail="check answers", commit=True)
    return render_form(
        "quality/sign_off.html",
        form,
        visit=visit,
        sections=services.sections(visit),
        problems=services.sign_off_problems(visit),
        answers=ANSWERS,
        judgements=JUDGEMENTS,
        today=clock.today(),
    )


# --- The report ----------------------------------------------------------------------------


def _report_pdf(visit) -> bytes:
    return render_pdf(
        "pdf/quality_visit.html", visit=visit, answers={a.item_id: a for a in visit.answers}, generated_on=clock.today()
    )


def _report_name(visit) -> str:
    return f"Quality assurance visit {visit.provider.name} {visit.visit_date.isoformat()}.pdf"


@bp.get("/visits/<int:visit_id>/report.pdf")
def visit_pdf(visit_id: int):
    visit = services.get_visit_or_404(visit_id)
    if visit.version is None:
        flash("Start recording the visit before downloading its report.", "info")
        return redirect(_visit_url(visit))
    pdf = _report_pdf(visit)
    audit.record("quality_visit_exported", "quality_visit", visit.id, detail="PDF", commit=True)
    return pdf_response(pdf, _report_name(visit))


@bp.post("/visits/<int:visit_id>/send")
def visit_send(visit_id: int):
    visit = services.get_visit_or_404(visit_id)
    form = forms.SendForm()
    if visit.status != SIGNED_OFF:
        flash("Sign the visit off before sending the report to the provider.", "info")
        return redirect(_visit_url(visit))
    if not form.validate_on_submit():
        return _visit_page(visit, send_form=form, status=422)
    pdf = _report_pdf(visit)
    school_name = get_settings().name
    body = (
        f"Dear {visit.provider.contact_name or visit.provider.name},\n\n"
        f"Thank you for welcoming us on {long_date(visit.visit_date)}. "
        "The report of our quality-assurance visit is attached, with the actions we agreed.\n\n"
        f"{school_name}\n"
    )
    try:
        send_email(
            form.to.data,
            f"Quality-assurance visit report: {visit.provider.name}",
            body,
            attachments=[(_report_name(visit), pdf, "application/pdf")],
        )
    except MailError:
        flash(
            "The report could not be sent: the mail server did not answer. Try again in a few minutes, or "
            "download the PDF and send it yourself.",
            "info",
        )
        return redirect(_visit_url(visit, "#send"))
    services.record_sent(visit, form.to.data, actor=current_user)
    flash(f"Report emailed to {form.to.data}.", "success")
    return redirect(_visit_url(visit))


# --- Actions -------------------------------------------------------------------------------


@bp.get("/actions")
def actions():
    show = request.args.get("show", "open")
    include_done = show == "all"
    rows = services.tracked_actions(current_user, include_done=include_done)
    return render(
        "quality/actions.html",
        actions=rows,
        today=clock.today(),
        show="all" if include_done else "open",
        is_key_worker=current_user.role == KEY_WORKER,
    )


def _action_page(action, *, respond_form=None, complete_form=None, status: int = 200):
    return render(
        "quality/action.html",
        status=status,
        action=action,
        today=clock.today(),
        is_key_worker=current_user.role == KEY_WORKER,
        can_complete=current_user.role in RULES["quality.action_complete"],
        respond_form=respond_form or forms.RespondForm(data={"response": action.provider_response}),
        complete_form=complete_form or forms.CompleteActionForm(),
    )


@bp.get("/actions/<int:action_id>")
def action(action_id: int):
    return _action_page(services.get_action_or_404(current_user, action_id))


@bp.post("/actions/<int:action_id>/respond")
def action_respond(action_id: int):
    found = services.get_action_or_404(current_user, action_id)
    form = forms.RespondForm()

    def save():
        services.respond_to_action(found, response=form.response.data, actor=current_user)

    thanked = "Thank you. The school can see your response."
    return save_form(
        form, save, refused=services.QualityError, saved=thanked, then=url_for("quality.actions")
    ) or _action_page(found, respond_form=form, status=422)


@bp.post("/actions/<int:action_id>/complete")
def action_complete(action_id: int):
    found = services.get_action_or_404(current_user, action_id)
    form = forms.CompleteActionForm()

    def save():
        services.complete_action(found, note=form.note.data or "", actor=current_user, today=clock.today())

    then = url_for("quality.action", action_id=found.id)
    return save_form(
        form, save, refused=services.QualityError, saved="Action marked as done.", then=then
    ) or _action_page(found, complete_form=form, status=422)
