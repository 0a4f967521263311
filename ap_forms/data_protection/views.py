"""Data protection: subject access requests for one pupil, and the retention review."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_login import current_user

from ap_forms.data_protection import retention as retention_rules
from ap_forms.data_protection import sar
from ap_forms.data_protection.forms import EraseForm, KeepForm, SubjectAccessForm
from ap_forms.extensions import db
from ap_forms.placements.pupils import get_student_or_404
from ap_forms.web import audit, clock
from ap_forms.web.rendering import render
from ap_forms.web.roles import DSL, ROLE_LABELS
from ap_forms.web.templating import date_words

bp = Blueprint("data_protection", __name__)
SAFEGUARDING_AUDIT = [
    (sar.EVERYTHING, "not included"),
    (sar.WITH_SAFEGUARDING, "included"),
    (sar.SAFEGUARDING_ONLY, "records only"),
]


@bp.route("/pupils/<int:student_id>/subject-access", methods=["GET", "POST"])
def subject_access(student_id: int):
    """Step 1 (GET): what will be included and which third parties are named. Step 2 (POST): the zip, with
    the names ticked redacted. Only the DSL can include safeguarding records."""
    student = get_student_or_404(current_user, student_id)
    is_dsl = current_user.role == DSL
    form = SubjectAccessForm()
    if not is_dsl:
        del form.scope  # only the DSL chooses; anyone else's request never includes safeguarding records
    # The DSL sees the names in the safeguarding records too, in case they choose to include them.
    found = sar.collect(student, scope=sar.WITH_SAFEGUARDING if is_dsl else sar.EVERYTHING)
    form.redact.choices = [(name, name) for name in found.third_parties]
    if request.method == "GET":
        form.redact.data = list(found.third_parties)  # redacting is the safe default: untick to release
        audit.record("subject_access_opened", "student", student.id, commit=True)
    if request.method == "GET" or not form.validate():
        sections = [s for s in found.sections if is_dsl or not s.safeguarding]
        return render(
            "data_protection/subject_access.html",
            form=form,
            student=student,
            found=found,
            sections=sections,
            is_dsl=is_dsl,
            status=422 if form.errors else 200,
        )
    scope = form.scope.data if is_dsl else sar.EVERYTHING
    result = found if scope == found.scope else sar.collect(student, scope=scope)
    names = list(form.redact.data or []) + sar.parse_extra_names(form.extra_names.data)
    replaced = sar.redact(result, names)
    body, filename = sar.build_zip(
        result, produced_by=current_user, produced_at=clock.utcnow(), redacted_names=names, replaced=replaced
    )
    rows = sum(len(s.rows) for s in result.sections)
    audit.record(
        "subject_access_produced",
        "student",
        student.id,
        detail=f"{len(result.sections)} kinds, {rows} rows; {len(names)} names redacted ({replaced} places); "
        f"safeguarding {dict(SAFEGUARDING_AUDIT)[scope]}",
        commit=True,
    )
    response = make_response(body)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the retention review -----------------------------------------------------------------------------

KINDS = "any(attendance, sen, child_protection, ap_records)"


def _item_page(item, keep_form=None, erase_form=None, error: str = "", status: int = 200):
    return render(
        "data_protection/retention_item.html",
        item=item,
        period=item.period,
        keep_form=keep_form or KeepForm(formdata=None, prefix="keep"),
        erase_form=erase_form or EraseForm(formdata=None, prefix="erase"),
        error=error,
        status=status,
    )


@bp.get("/retention/")
def retention():
    """Records past their retention period, for review. Listing never changes or erases anything."""
    today = clock.today()
    items = retention_rules.due_items(current_user, today)
    kinds = retention_rules.kinds_for(current_user)
    return render(
        "data_protection/retention.html",
        items=items,
        today=today,
        periods=[retention_rules.PERIODS[k] for k in kinds],
        all_periods=retention_rules.PERIODS.values(),
        periods_by_kind=retention_rules.PERIODS,
        role_labels=ROLE_LABELS,
        decisions=retention_rules.recent_decisions(current_user),
    )


def _item_or_404(kind: str, subject_id: int):
    return retention_rules.get_item_or_404(current_user, kind, subject_id, clock.today())


def _take_step(item, step, *, done: str, then: str, **forms):
    """One step of the review of `item` (keep, ask to erase, confirm, cancel). A refused step is undone and
    the item's page shows why (422, with the form as it was sent); otherwise `done` is flashed and the
    reviewer goes on to `then`."""
    try:
        step()
    except retention_rules.RetentionRefused as refused:
        db.session.rollback()
        return _item_page(item, error=str(refused), status=422, **forms)
    flash(done, "success")
    return redirect(then, 303)


@bp.get(f"/retention/<{KINDS}:kind>/<int:subject_id>")
def retention_item(kind: str, subject_id: int):
    item = _item_or_404(kind, subject_id)
    audit.record("retention_item_viewed", "student", item.student.id, detail=item.period.label, commit=True)
    return _item_page(item)


@bp.post(f"/retention/<{KINDS}:kind>/<int:subject_id>/keep")
def retention_keep(kind: str, subject_id: int):
    item = _item_or_404(kind, subject_id)
    form = KeepForm(prefix="keep")
    if not form.validate():
        return _item_page(item, keep_form=form, status=422)
    return _take_step(
        item,
        lambda: retention_rules.keep(item, reason=form.reason.data, review_on=form.review_on.data, by=current_user),
        done=f"Kept. It comes back for review on {date_words(form.review_on.data)}.",
        then=url_for("data_protection.retention"),
        keep_form=form,
    )


@bp.post(f"/retention/<{KINDS}:kind>/<int:subject_id>/erase")
def retention_erase(kind: str, subject_id: int):
    item = _item_or_404(kind, subject_id)
    form = EraseForm(prefix="erase")
    if not form.validate():
        return _item_page(item, erase_form=form, status=422)
    return _take_step(
        item,
        lambda: retention_rules.ask_to_erase(item, reason=form.reason.data or "", by=current_user),
        done="Asked. Nothing is erased until a second person confirms it.",
        then=url_for("data_protection.retention_item", kind=kind, subject_id=subject_id),
        erase_form=form,
    )


@bp.post(f"/retention/<{KINDS}:kind>/<int:subject_id>/erase/confirm")
def retention_confirm(kind: str, subject_id: int):
    item = _item_or_404(kind, subject_id)
    return _take_step(
        item,
        lambda: retention_rules.confirm_erasure(item, by=current_user),
        done=f"Erased: {item.period.label.lower()}. The audit log records what kind of record was erased, "
        "when and by whom.",
        then=url_for("data_protection.retention"),
    )


@bp.post(f"/retention/<{KINDS}:kind>/<int:subject_id>/erase/cancel")
def retention_cancel(kind: str, subject_id: int):
    item = _item_or_404(kind, subject_id)
    return _take_step(
        item,
        lambda: retention_rules.cancel(item, by=current_user),
        done="The request to erase it is cancelled. It stays on the list for review.",
        then=url_for("data_protection.retention_item", kind=kind, subject_id=subject_id),
    )
