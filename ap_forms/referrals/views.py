from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ap_forms.extensions import db
from ap_forms.placements.pupils import get_student_or_404, search_students
from ap_forms.placements.registration import threshold_warning
from ap_forms.providers import services as provider_services
from ap_forms.providers.models import Provider
from ap_forms.referrals import services
from ap_forms.referrals.answers import answers, cost_text
from ap_forms.referrals.forms import (
    ROW_LISTS,
    SECTION_FORMS,
    ApproveForm,
    ProviderForm,
    ReturnForm,
    StartForm,
)
from ap_forms.referrals.models import (
    ABOUT_THE_PUPIL,
    SECTION_TITLES,
    SECTIONS,
    STATUS_LABELS,
    SUBMITTED,
)
from ap_forms.web import audit, autosave, clock
from ap_forms.web.htmx import redirect
from ap_forms.web.pdf import pdf_response, render_pdf
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import LEADERS

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

NOT_SAVED_FIELDS = ("csrf_token", "version", "edit_token", "action")


@bp.get("/")
def referral_list():
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    audit.record("referral_list_viewed", "referral", None, detail=f"status {status}" if status else None, commit=True)
    referrals = services.list_referrals(current_user, status or None)
    return render(
        "referrals/list.html",
        referrals=referrals,
        status_filter=status,
        statuses=STATUS_LABELS,
        section_statuses=services.section_statuses,
    )


@bp.route("/new", methods=["GET", "POST"])
def referral_new():
    form = StartForm()
    if request.method == "GET" and request.args.get("student_id", "").isdigit():
        form.student_id.data = request.args["student_id"]
    form.set_students(search_students(current_user))
    if form.validate_on_submit():
        student = get_student_or_404(current_user, int(form.student_id.data))
        referral = services.start_referral(student, actor=current_user)
        flash(f"Referral started for {student.full_name}. It saves as you go.", "success")
        return redirect(url_for("referrals.referral", referral_id=referral.id))
    return render_form("referrals/new.html", form)


@bp.get("/<int:referral_id>")
def referral(referral_id: int):
    referral = services.get_referral_or_404(current_user, referral_id)
    audit.record("referral_viewed", "referral", referral.id, commit=True)
    statuses = services.section_statuses(referral)
    if referral.is_editable and current_user.role in LEADERS:
        return render(
            "referrals/task_list.html",
            referral=referral,
            sections=SECTIONS,
            statuses=statuses,
            first_group=ABOUT_THE_PUPIL,
        )
    return render(
        "referrals/summary.html",
        referral=referral,
        answers=answers(referral),
        cost=cost_text(referral),
        approval_refused=services.approval_refused(referral, current_user),
    )


def _prepare(form, key: str, referral) -> None:
    """Choices that come from the database, and blank rows to type into for the sections with rows."""
    if isinstance(form, ProviderForm):
        providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
        form.set_providers(providers, provider_services.commissioning_status)
    if request.method == "GET":
        for name, form_class in ROW_LISTS.items():
            if isinstance(form, form_class):
                rows = getattr(form, name)
                filled = sum(1 for entry in rows if any(str(v or "").strip() for v in entry.data.values()))
                target = min(form_class.MAX_ROWS, max(3, filled + 2))
                while len(rows) < target:
                    rows.append_entry()


def _version() -> int:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else -1


def _edit_token() -> str:
    """This opened page's token: new on each GET, carried by the form's posts."""
    if request.method == "GET":
        return secrets.token_hex(16)
    token = request.form.get("edit_token", "")
    return token if len(token) == 32 and token.isalnum() else ""


def _section_page(form, key: str, referral, *, status: int = 200, conflict: str | None = None):
    # After a conflict the page carries the newest version: saving again is a deliberate overwrite.
    return render(
        "referrals/section.html",
        status=status,
        form=form,
        key=key,
        referral=referral,
        title=SECTION_TITLES[key],
        conflict=conflict,
        version=referral.version,
        saved_at=None,
        edit_token=_edit_token(),
    )


@bp.route("/<int:referral_id>/sections/<key>", methods=["GET", "POST"])
def section(referral_id: int, key: str):
    """A section of the Referral Form: open it, autosave it (htmx), add a row, or save it as completed."""
    if key not in SECTION_FORMS:
        abort(404)
    referral = services.get_referral_or_404(current_user, referral_id)
    if not referral.is_editable:
        flash("This referral has been submitted, so it can no longer be changed.", "info")
        return redirect(url_for("referrals.referral", referral_id=referral.id))
    if request.method == "GET":
        return _open_section(referral, key)
    form = SECTION_FORMS[key]()
    _prepare(form, key, referral)
    raw = {name: values for name, values in request.form.lists() if name not in NOT_SAVED_FIELDS}
    if autosave.is_autosave():
        return _autosave(referral, key, raw)
    if request.form.get("action") == "add_row":
        return _add_row(form, key, referral, raw)
    return _save_section(form, key, referral, raw)


def _open_section(referral, key: str):
    """The section as last left: the unsaved draft if there is one, else what was saved."""
    audit.record("referral_viewed", "referral", referral.id, detail=f"section {key}", commit=True)
    form_class = SECTION_FORMS[key]
    draft = services.draft_of(referral, key)
    form = form_class(formdata=MultiDict(draft)) if draft else form_class(data=form_class.initial(referral))
    _prepare(form, key, referral)
    return _section_page(form, key, referral)


def _autosave(referral, key: str, raw: dict):
    """An autosave (web/autosave): keep exactly what was typed, say so quietly."""
    try:
        services.save_draft(
            referral, key, raw, expected_version=_version(), actor=current_user, edit_token=_edit_token()
        )
    except services.ReferralError as error:
        # The version is not moved on, so nothing is overwritten.
        return autosave.not_saved(f"{error} Reload the page to see their changes.", keep={"version": _version()})
    return autosave.saved(keep={"version": referral.version})


def _keep_draft(referral, key: str, raw: dict) -> None:
    """Keep what was typed as the section's draft when the page itself is sent: this page's own
    autosaves since it was loaded are no conflict."""
    services.save_draft(
        referral, key, raw, expected_version=_version(), actor=current_user, edit_token=_edit_token(), own_page_ok=True
    )


def _add_row(form, key: str, referral, raw: dict):
    """Keep what was typed (as a draft) and come back with another blank row."""
    try:
        _keep_draft(referral, key, raw)
    except services.ReferralError as error:
        return _section_page(form, key, referral, status=409, conflict=str(error))
    return redirect(url_for("referrals.section", referral_id=referral.id, key=key) + "#rows-end")


def _save_section(form, key: str, referral, raw: dict):
    """Valid: saved and marked completed. Not valid: kept as a draft and shown with its errors."""
    try:
        if form.validate():
            services.save_section(
                referral, key, form.values(), expected_version=_version(), actor=current_user, edit_token=_edit_token()
            )
            flash(f"{SECTION_TITLES[key]}: saved and marked as completed.", "success")
            return redirect(url_for("referrals.referral", referral_id=referral.id))
        _keep_draft(referral, key, raw)
    except services.EditConflict as conflict:
        return _section_page(form, key, referral, status=409, conflict=str(conflict))
    return _section_page(form, key, referral, status=422)


@bp.get("/<int:referral_id>/check")
def check(referral_id: int):
    referral = services.get_referral_or_404(current_user, referral_id)
    audit.record("referral_viewed", "referral", referral.id, detail="check answers", commit=True)
    return render(
        "referrals/check.html",
        referral=referral,
        answers=answers(referral),
        incomplete=services.incomplete_sections(referral),
        error=None,
    )


@bp.post("/<int:referral_id>/submit")
def submit(referral_id: int):
    referral = services.get_referral_or_404(current_user, referral_id)
    try:
        services.submit(referral, actor=current_user)
    except services.ReferralError as error:
        return render(
            "referrals/check.html",
            status=422,
            referral=referral,
            answers=answers(referral),
            incomplete=services.incomplete_sections(referral),
            error=str(error),
        )
    flash("Referral submitted. The headteacher or SEND lead can now approve it or return it with comments.", "success")
    return redirect(url_for("referrals.referral", referral_id=referral.id))


def _not_waiting(referral):
    flash(f"This referral is not waiting for approval: it is {referral.status_label.lower()}.", "info")
    return redirect(url_for("referrals.referral", referral_id=referral.id))


@bp.route("/<int:referral_id>/approve", methods=["GET", "POST"])
def approve(referral_id: int):
    referral = services.get_referral_or_404(current_user, referral_id)
    if referral.status != SUBMITTED:
        return _not_waiting(referral)
    refused = services.approval_refused(referral, current_user)
    if refused:  # separation of duties: said before any form is filled in
        flash(refused + ".", "info")
        return redirect(url_for("referrals.referral", referral_id=referral.id))
    gate = provider_services.commissioning_status(referral.provider) if referral.provider else None
    form = ApproveForm()
    form.set_key_workers(services.key_workers_at(referral.provider_id))
    if request.method == "GET":
        form.start_date.data, form.planned_end_date.data = referral.proposed_start, referral.proposed_end
        form.first_review_on.data = referral.first_review_on
        form.share.data = []  # nothing shared until the approver ticks it, as the hint says
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            placement = services.approve(
                referral,
                key_worker_id=int(form.key_worker_id.data) if form.key_worker_id.data else None,
                start_date=form.start_date.data,
                planned_end_date=form.planned_end_date.data,
                first_review_on=form.first_review_on.data,
                agreed_cost=form.cost(),
                cost_basis=form.cost_basis.data,
                share=set(form.share.data or []),
                actor=current_user,
            )
        except provider_services.ProviderNotCleared as refused:
            problems = refused.problems
            gate = provider_services.commissioning_status(referral.provider)
        except services.ReferralError as error:
            getattr(form, error.field or "", form.key_worker_id).errors = [str(error)]
        else:
            flash(
                f"Referral approved. {referral.student.full_name}'s placement at {referral.provider.name} "
                "has been created.",
                "success",
            )
            return redirect(url_for("placements.placement", placement_id=placement.id))
    status = 422 if form.errors or problems else 200
    threshold = threshold_warning(referral.provider, referral.sessions, referral.student)
    return render(
        "referrals/approve.html",
        status=status,
        form=form,
        referral=referral,
        gate=gate,
        problems=problems,
        threshold=threshold,
    )


@bp.route("/<int:referral_id>/return", methods=["GET", "POST"])
def return_referral(referral_id: int):
    referral = services.get_referral_or_404(current_user, referral_id)
    if referral.status != SUBMITTED:
        return _not_waiting(referral)
    form = ReturnForm()
    if form.validate_on_submit():
        services.return_referral(referral, form.comments.data, actor=current_user)
        flash("Referral returned with your comments. It can be changed and submitted again.", "success")
        return redirect(url_for("referrals.referral", referral_id=referral.id))
    return render_form("referrals/return.html", form, referral=referral)


@bp.get("/<int:referral_id>/pdf")
def referral_pdf(referral_id: int):
    referral = services.get_referral_or_404(current_user, referral_id)
    pdf = render_pdf(
        "pdf/referral.html",
        referral=referral,
        answers=answers(referral),
        cost=cost_text(referral),
        generated_at=clock.utcnow(),
    )
    audit.record("referral_pdf_downloaded", "referral", referral.id, commit=True)
    student = referral.student
    return pdf_response(pdf, f"referral-form-{student.last_name}-{student.first_name}-{referral.id}.pdf")
