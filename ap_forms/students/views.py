from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from ap_forms.extensions import db
from ap_forms.placements.models import ENDED
from ap_forms.placements.services import ending_of, placements_for_student
from ap_forms.quality.services import progress_for_student
from ap_forms.referrals.services import referrals_for_student, referrals_of_placements
from ap_forms.students.services import get_student_or_404, search_students
from ap_forms.web import audit, clock
from ap_forms.web.rendering import render
from ap_forms.web.roles import KEY_WORKER, SEES_CHILD_PROTECTION, SEES_MEDICAL, SEES_SEND

bp = Blueprint("students", __name__, url_prefix="/pupils")


@bp.get("/")
def pupil_list():
    query = request.args.get("q", "")[:100]
    students = search_students(current_user, query)
    return render("students/pupil_list.html", block="results", students=students, query=query)


@bp.get("/<int:student_id>")
def pupil(student_id: int):
    student = get_student_or_404(current_user, student_id)
    placements = placements_for_student(current_user, student.id)
    audit.record("pupil_viewed", "student", student.id)
    db.session.commit()
    from_referral = referrals_of_placements([p.id for p in placements])
    if current_user.role == KEY_WORKER:
        # A key worker sees only what the school chose to share for the placement at their provider.
        return render("students/pupil_for_provider.html", student=student, placements=placements,
                      from_referral=from_referral)
    role = current_user.role
    return render("students/pupil.html", student=student, placements=placements,
                  referrals=referrals_for_student(current_user, student.id),
                  visit_progress=progress_for_student(student.id), from_referral=from_referral,
                  endings={p.id: ending_of(p) for p in placements if p.status == ENDED},
                  sees_send=role in SEES_SEND, sees_medical=role in SEES_MEDICAL,
                  sees_reason=role in SEES_CHILD_PROTECTION, today=clock.today())
