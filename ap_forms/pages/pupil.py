"""The pupil list (filtered by placement and referral), the pupil page and leaving the roll.

Routes on the students blueprint; adding and editing a pupil stay in students/views.py.
"""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from ap_forms.placements.models import ENDED
from ap_forms.placements.pupils import get_student_or_404, in_provision_now
from ap_forms.placements.services import ending_of, placements_for_student, running_placements
from ap_forms.quality.services import progress_for_student
from ap_forms.referrals.services import referrals_for_student, referrals_of_placements, referred_not_placed
from ap_forms.students import roll
from ap_forms.students.forms import LeaveForm
from ap_forms.students.views import bp, keeper_student
from ap_forms.web import audit, clock
from ap_forms.web.rendering import render, render_form
from ap_forms.web.roles import (
    HEADTEACHER,
    KEY_WORKER,
    SEES_CHILD_PROTECTION,
    SEES_MEDICAL,
    SEES_SEND,
    SEND_LEAD,
)
from ap_forms.web.views import save_form

STATUS_FILTERS = {
    "": "On roll",
    "in_ap": "In alternative provision now",
    "referred": "Referred, not yet placed",
    "left": "Left the school",
}
STATUS_CONDITIONS = {"in_ap": in_provision_now, "referred": referred_not_placed}
HISTORY_READERS = frozenset({HEADTEACHER, SEND_LEAD})


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 4 else None


@bp.get("/")
def pupil_list():
    query = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    year = _int_arg("year")
    condition = STATUS_CONDITIONS.get(status)
    students, total, page, pages = roll.list_pupils(
        current_user,
        text=query,
        year=year,
        left=status == "left",
        where=condition() if condition else None,
        page=_int_arg("page") or 1,
    )
    filters = {"q": query, "year": "" if year is None else year, "status": status}
    return render(
        "students/pupil_list.html",
        block="results",
        students=students,
        query=query,
        total=total,
        page=page,
        pages=pages,
        shown=status,
        year=year,
        filters=filters,
        statuses=STATUS_FILTERS,
        years=roll.year_groups(),
        roll_empty=roll.roll_is_empty(),
        keeper=current_user.role in roll.KEEPERS,
    )


@bp.get("/<int:student_id>")
def pupil(student_id: int):
    student = get_student_or_404(current_user, student_id)
    placements = placements_for_student(current_user, student.id)
    audit.record("pupil_viewed", "student", student.id, commit=True)
    from_referral = referrals_of_placements([p.id for p in placements])
    if current_user.role == KEY_WORKER:
        # A key worker sees only what the school chose to share for the placement at their provider.
        return render(
            "students/pupil_for_provider.html", student=student, placements=placements, from_referral=from_referral
        )
    role = current_user.role
    return render(
        "students/pupil.html",
        student=student,
        placements=placements,
        referrals=referrals_for_student(current_user, student.id),
        visit_progress=progress_for_student(student.id),
        from_referral=from_referral,
        endings={p.id: ending_of(p) for p in placements if p.status == ENDED},
        sees_send=role in SEES_SEND,
        sees_medical=role in SEES_MEDICAL,
        sees_reason=role in SEES_CHILD_PROTECTION,
        today=clock.today(),
        carers=roll.carers_for(student.id),
        history=roll.history(student) if current_user.role in HISTORY_READERS else None,
    )


@bp.route("/<int:student_id>/leave", methods=["GET", "POST"])
def pupil_leave(student_id: int):
    student = keeper_student(student_id)
    form = LeaveForm()
    return save_form(
        form,
        lambda: roll.leave_school(
            student,
            left_on=form.left_on.data,
            destination=form.leaving_destination.data,
            placed_at=[p.provider.name for p in running_placements(student.id)],
            actor=current_user,
        ),
        refused=roll.PupilError,
        saved=f"{student.full_name} has left the roll. Their record is kept; their family and providers "
        "no longer see it.",
        then=url_for("students.pupil_list", status="left"),
        fallback="left_on",
        rollback=True,
    ) or render_form("students/pupil_leave.html", form, student=student)
