"""The headteacher's view of the audit log: who saw or changed what, filtered by person, pupil, action
and dates, per pupil (every row about them) and as a CSV export (itself audited)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from flask import Blueprint, request
from sqlalchemy import String, and_, cast, or_, select

from ap_forms.accounts.models import User
from ap_forms.attendance.services import safe_cell
from ap_forms.audit_trail.forms import AuditFilterForm
from ap_forms.extensions import db
from ap_forms.incidents.models import Report
from ap_forms.placements.models import Placement
from ap_forms.quality.models import ProgressEntry
from ap_forms.referrals.models import Referral
from ap_forms.school.models import SchoolMembership
from ap_forms.students.models import Student
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.audit import AuditEvent
from ap_forms.web.paging import paginate
from ap_forms.web.rendering import render
from ap_forms.web.request_args import arg_id
from ap_forms.web.templating import date_time
from ap_forms.web.views import csv_download

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # rows in one CSV; narrow the filter for more
FILTER_KEYS = ("user", "pupil", "action", "start", "end")
ACTION_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


def about_pupil(student_id: int):
    """Every row about this pupil: filed against the pupil, or against one of their placements
    (attendance, weekly feedback, termly reports, Annual Review contributions, reviews, the ending),
    referrals, reports (concerns, incidents) or the visits that recorded their progress. Joined at read
    time, so older rows count too."""
    placements = select(cast(Placement.id, String)).where(Placement.student_id == student_id)
    referrals = select(cast(Referral.id, String)).where(Referral.student_id == student_id)
    reports = select(cast(Report.id, String)).where(Report.student_id == student_id)
    visits = select(cast(ProgressEntry.visit_id, String)).where(ProgressEntry.student_id == student_id)
    return or_(
        and_(AuditEvent.record_type == "student", AuditEvent.record_id == str(student_id)),
        and_(AuditEvent.record_type == "placement", AuditEvent.record_id.in_(placements)),
        and_(AuditEvent.record_type == "referral", AuditEvent.record_id.in_(referrals)),
        and_(AuditEvent.record_type == "incident_report", AuditEvent.record_id.in_(reports)),
        and_(AuditEvent.record_type == "quality_visit", AuditEvent.record_id.in_(visits)),
    )


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args if any(k in request.args for k in FILTER_KEYS) else None)
    people = select(User).where(or_(User.id.in_(_members()), User.id.in_(select(_school_events().c.user_id))))
    form.user.choices = [("", "Everyone")] + [
        (str(u.id), f"{u.name} ({u.role_label})") for u in db.session.scalars(people.order_by(User.name))
    ]
    form.pupil.choices = [("", "All pupils")] + [
        (str(s.id), f"{s.sort_name} ({s.upn})")
        for s in db.session.scalars(select(Student).order_by(Student.last_name, Student.first_name, Student.id))
    ]
    actions = db.session.scalars(
        select(AuditEvent.action).where(_in_this_school()).distinct().order_by(AuditEvent.action)
    ).all()
    asked = request.args.get("action", "")
    if ACTION_NAME.fullmatch(asked) and asked not in actions:  # a bookmarked action nobody has done lately
        actions = sorted([*actions, asked])
    form.action.choices = [("", "All actions")] + [(a, a.replace("_", " ")) for a in actions]
    return form


def _members():
    return select(SchoolMembership.user_id).where(SchoolMembership.school_id == tenancy.current_school_id())


def _in_this_school():
    """The current school's events, and its own staff's events before any school was chosen (signing in).
    Another school's events are that school's business (issue 17)."""
    return or_(
        AuditEvent.school_id == tenancy.current_school_id(),
        and_(AuditEvent.school_id.is_(None), AuditEvent.user_id.in_(_members())),
    )


def _school_events():
    return select(AuditEvent.user_id).where(_in_this_school()).distinct().subquery()


def _query(form: AuditFilterForm):
    """The rows matching a validated filter."""
    query = select(AuditEvent).where(_in_this_school())
    if form.user.data:
        query = query.where(AuditEvent.user_id == int(form.user.data))
    if form.pupil.data:
        query = query.where(about_pupil(int(form.pupil.data)))
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    # The dates are the school's days: from local midnight, to the next local midnight (stored in UTC).
    if form.start.data:
        query = query.where(AuditEvent.at >= clock.to_utc(datetime.combine(form.start.data, time.min)))
    if form.end.data:
        query = query.where(AuditEvent.at < clock.to_utc(datetime.combine(form.end.data + timedelta(days=1), time.min)))
    return query


def _filter_summary(form: AuditFilterForm) -> str:
    parts = [
        f"person {form.user.data}" if form.user.data else "",
        f"pupil {form.pupil.data}" if form.pupil.data else "",
        f"action {form.action.data}" if form.action.data else "",
        f"from {form.start.data.isoformat()}" if form.start.data else "",
        f"to {form.end.data.isoformat()}" if form.end.data else "",
    ]
    return ", ".join(p for p in parts if p) or "everything"


def _query_string(form: AuditFilterForm) -> list[tuple[str, str]]:
    """The filter as query pairs (dates as their three boxes), for page links and the export link."""
    pairs = [(name, getattr(form, name).data) for name in ("user", "pupil", "action") if getattr(form, name).data]
    for name in ("start", "end"):
        value = getattr(form, name).data
        if value:
            pairs += [(name, str(value.day)), (name, str(value.month)), (name, str(value.year))]
    return pairs


def _filter_refused(form: AuditFilterForm) -> bool:
    return any(k in request.args for k in FILTER_KEYS) and not form.validate()


def _refused_filter_page(form: AuditFilterForm):
    """The log page with the filter's errors and no rows (422)."""
    return render(
        "audit_trail/events.html",
        form=form,
        rows=[],
        users={},
        total=0,
        page=1,
        pages=1,
        student=None,
        query=[],
        status=422,
    )


EXPORT_HEADINGS = [
    "Entry",
    "When (UTC)",
    "When (school time)",
    "Person",
    "Person id",
    "Role",
    "Action",
    "Record type",
    "Record id",
    "Fields changed",
    "Detail",
    "From (IP address)",
]


def _export_row(r: AuditEvent, names: dict[int, str]) -> list:
    return [
        safe_cell(v)
        for v in (
            r.id,
            r.at.isoformat(timespec="seconds") if r.at else "",
            date_time(r.at),
            names.get(r.user_id, "") if r.user_id else "Not signed in",
            r.user_id or "",
            r.role or "",
            r.action,
            r.record_type or "",
            r.record_id or "",
            (r.fields or "").replace(",", ", "),
            r.detail or "",
            r.ip or "",
        )
    ]


@bp.get("/")
def events():
    form = _filter_form()
    if _filter_refused(form):
        return _refused_filter_page(form)
    page = paginate(_query(form), AuditEvent.id.desc(), number=arg_id("page") or 1, size=PAGE_SIZE)
    user_ids = {r.user_id for r in page.rows if r.user_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    student = db.session.get(Student, int(form.pupil.data)) if form.pupil.data else None
    return render(
        "audit_trail/events.html",
        block="results",
        form=form,
        rows=page.rows,
        users=users,
        total=page.total,
        page=page.number,
        pages=page.pages,
        student=student,
        query=_query_string(form),
    )


@bp.get("/export.csv")
def export():
    """The filtered log as a spreadsheet (CSV). The export is itself a row in the log."""
    form = _filter_form()
    if _filter_refused(form):
        return _refused_filter_page(form)
    rows = db.session.scalars(_query(form).order_by(AuditEvent.id).limit(EXPORT_LIMIT)).all()
    names = {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))}
    table = [EXPORT_HEADINGS, *(_export_row(r, names) for r in rows)]
    summary = _filter_summary(form)
    audit.record(
        "audit_log_exported",
        "student" if form.pupil.data else "audit_log",
        form.pupil.data or None,
        detail=f"{len(rows)} rows; {summary}",
        commit=True,
    )
    return csv_download(table, f"audit-log-{clock.today().isoformat()}.csv")
