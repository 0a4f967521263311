"""Data protection: subject access requests for one pupil, and the retention review."""
from __future__ import annotations

from flask import Blueprint, make_response, request
from flask_login import current_user

from ap_forms.data_protection import sar
from ap_forms.data_protection.forms import SubjectAccessForm
from ap_forms.extensions import db
from ap_forms.students.services import get_student_or_404
from ap_forms.web import audit, clock
from ap_forms.web.rendering import render
from ap_forms.web.roles import DSL

bp = Blueprint("data_protection", __name__)


@bp.route("/pupils/<int:student_id>/subject-access", methods=["GET", "POST"])
def subject_access(student_id: int):
    """Step 1 (GET): what will be included and which third parties are named. Step 2 (POST): the zip, with
    the names ticked redacted. Only the DSL can include safeguarding records."""
    student = get_student_or_404(current_user, student_id)
    is_dsl = current_user.role == DSL
    form = SubjectAccessForm()
    # The DSL sees the names in the safeguarding records too, in case they choose to include them.
    found = sar.collect(student, include_safeguarding=is_dsl)
    form.redact.choices = [(name, name) for name in found.third_parties]
    if request.method == "GET":
        form.redact.data = list(found.third_parties)  # redacting is the safe default: untick to release
        audit.record("subject_access_opened", "student", student.id)
        db.session.commit()
    if request.method == "GET" or not form.validate():
        sections = [s for s in found.sections if is_dsl or not s.safeguarding]
        return render("data_protection/subject_access.html", form=form, student=student, found=found,
                      sections=sections, is_dsl=is_dsl, status=422 if form.errors else 200)
    include_safeguarding = is_dsl and bool(form.include_safeguarding.data)
    result = sar.collect(student, include_safeguarding=include_safeguarding)
    names = list(form.redact.data or []) + sar.parse_extra_names(form.extra_names.data)
    replaced = sar.redact(result, names)
    body, filename = sar.build_zip(result, produced_by=current_user, produced_at=clock.utcnow(),
                                   redacted_names=names, replaced=replaced)
    rows = sum(len(s.rows) for s in result.sections)
    audit.record("subject_access_produced", "student", student.id,
                 detail=f"{len(result.sections)} kinds, {rows} rows; {len(names)} names redacted ({replaced} places); "
                        f"safeguarding {'included' if include_safeguarding else 'not included'}")
    db.session.commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
