from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import String, and_, cast, func, or_, select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import Placement
from ap_forms.referrals.models import Referral
from ap_forms.students.models import Student
from ap_forms.web.audit import AuditEvent
from ap_forms.web.rendering import render

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")

PAGE_SIZE = 50


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def about_pupil(student_id: int):
    """Every row about this pupil: filed against the pupil, or against one of their placements
    (attendance, weekly feedback, termly reports, Annual Review contributions, reviews, the ending)
    or referrals. Joined at read time, so rows written before this change count too."""
    placements = select(cast(Placement.id, String)).where(Placement.student_id == student_id)
    referrals = select(cast(Referral.id, String)).where(Referral.student_id == student_id)
    return or_(
        and_(AuditEvent.record_type == "student", AuditEvent.record_id == str(student_id)),
        and_(AuditEvent.record_type == "placement", AuditEvent.record_id.in_(placements)),
        and_(AuditEvent.record_type == "referral", AuditEvent.record_id.in_(referrals)),
    )


@bp.get("/")
def events():
    user_id, student_id = _int_arg("user"), _int_arg("pupil")
    page = max(_int_arg("page") or 1, 1)
    action = request.args.get("action", "")[:60]
    query = select(AuditEvent)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    if student_id:
        query = query.where(about_pupil(student_id))
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(AuditEvent.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    user_ids = {r.user_id for r in rows if r.user_id} | ({user_id} if user_id else set())
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render("audit_trail/events.html", block="results", rows=rows, users=users, total=total, page=page,
                  pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), user_id=user_id,
                  student=db.session.get(Student, student_id) if student_id else None, student_id=student_id,
                  action=action, actions=actions, all_users=db.session.scalars(select(User).order_by(User.name)).all())
