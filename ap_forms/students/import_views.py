"""Importing the roll: upload, (CSV) map columns, preview, confirm. See students/importing.py."""

from __future__ import annotations

import json

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from ap_forms.extensions import db
from ap_forms.students import importing
from ap_forms.students.forms import ImportUploadForm, mapping_form
from ap_forms.web import audit
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render, render_form

bp = Blueprint("pupil_import", __name__, url_prefix="/pupils/import")


@bp.route("", methods=["GET", "POST"])
def upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.read(importing.MAX_BYTES + 1)
        try:
            pending = importing.store_upload(current_user, storage.filename, data)
        except importing.ImportError_ as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, str(error)]
        else:
            step = "pupil_import.columns" if pending.kind == "csv" else "pupil_import.preview"
            return redirect(url_for(step, token=pending.token))
    return render_form("students/import_upload.html", form)


@bp.route("/<token>/columns", methods=["GET", "POST"])
def columns(token: str):
    pending = importing.pending_or_404(current_user, token)
    if pending.kind != "csv":
        return redirect(url_for("pupil_import.preview", token=pending.token))
    headings = json.loads(pending.columns)
    form = mapping_form(headings, importing.MAPPABLE)
    if request.method == "GET":
        guessed = importing.guess_mapping(headings, importing.saved_mapping())
        for name, _ in importing.MAPPABLE:
            getattr(form, name).data = guessed.get(name, "")
    if form.validate_on_submit():
        mapping = {name: getattr(form, name).data for name, _ in importing.MAPPABLE if getattr(form, name).data}
        if "upn" not in mapping:
            form.upn.errors = [*form.upn.errors, "Choose the column that holds the UPN: pupils are matched by UPN"]
        else:
            pending.mapping = json.dumps(mapping, sort_keys=True)
            importing.remember_mapping(mapping)
            db.session.commit()
            return redirect(url_for("pupil_import.preview", token=pending.token))
    sample = json.loads(pending.rows)[:3]
    return render_form(
        "students/import_columns.html",
        form,
        pending=pending,
        headings=headings,
        sample=sample,
        fields=importing.MAPPABLE,
    )


@bp.get("/<token>")
def preview(token: str):
    pending = importing.pending_or_404(current_user, token)
    if pending.kind == "csv" and not pending.mapping:
        return redirect(url_for("pupil_import.columns", token=pending.token))
    plan = importing.plan_for(pending)
    audit.record("pupil_import_previewed", "pending_import", pending.id, commit=True)
    return render("students/import_preview.html", pending=pending, plan=plan)


@bp.post("/<token>/confirm")
def confirm(token: str):
    pending = importing.pending_or_404(current_user, token)
    if pending.kind == "csv" and not pending.mapping:
        return redirect(url_for("pupil_import.columns", token=pending.token))
    counts = importing.confirm(pending, actor=current_user)
    flash(
        f"Import finished: {counts['new']} pupils added, {counts['changed']} updated, {counts['unchanged']} "
        f"unchanged, {counts['problem']} not imported because of problems.",
        "success",
    )
    return redirect(url_for("students.pupil_list"))
