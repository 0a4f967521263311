from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ap_forms.attendance import services
from ap_forms.attendance.codes import CODES, code_options
from ap_forms.attendance.forms import (
    AllPresentForm,
    CodeForm,
    DateRangeForm,
    ParentContactForm,
    code_form,
    contact_form,
    mark_form,
    mark_forms,
)
from ap_forms.attendance.models import SESSIONS
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, PLANNED, Placement
from ap_forms.placements.pupils import get_student_or_404
from ap_forms.placements.services import active_placements, placements_for_student, scope_placements
from ap_forms.providers.models import Provider
from ap_forms.school_calendar.services import current_school_year, previous_school_day, school_year_start
from ap_forms.students.families import contacts_for_office
from ap_forms.students.services import children_of
from ap_forms.web import audit, clock
from ap_forms.web.gate import is_background
from ap_forms.web.htmx import is_htmx, redirect
from ap_forms.web.rendering import render
from ap_forms.web.request_args import arg_id, arg_month, parse_day, url_with_query
from ap_forms.web.roles import KEY_WORKER, PARENT
from ap_forms.web.views import csv_download, found_or_404

bp = Blueprint("attendance", __name__, url_prefix="/attendance")


@bp.app_template_filter("local_time")
def local_time(value: datetime | None) -> str:
    """A stored UTC time as the school's clock shows it: '09:42'."""
    local = clock.to_local(value)
    return local.strftime("%H:%M") if local else ""


@bp.app_template_filter("local_day")
def local_day(value: datetime | None) -> str:
    local = clock.to_local(value)
    return f"{local:%A} {local.day} {local:%B}" if local else ""


# --- helpers -------------------------------------------------------------------------------


def _placement_or_404(placement_id: int) -> Placement:
    return found_or_404(
        db.session.scalar(
            services.with_placement_details(scope_placements(select(Placement), current_user)).where(
                Placement.id == placement_id
            )
        )
    )


def _session_or_404(placement_id: int, day_text: str, session: str) -> tuple[Placement, date, str]:
    """The placement, day and session that a session's address names (.../<placement_id>/<day_text>/<session>),
    or 404."""
    placement = _placement_or_404(placement_id)
    day = found_or_404(parse_day(day_text))
    if session not in SESSIONS:
        abort(404)
    return placement, day, session


def _register_url(day: date, anchor: str | None = None) -> str:
    url = url_for("oversight.home") if day == clock.today() else url_for("attendance.register", day=day.isoformat())
    return f"{url}#{anchor}" if anchor else url


def _board_url(day: date, anchor: str | None = None) -> str:
    url = url_for(
        "attendance.board",
        day=day.isoformat(),
        provider=request.values.get("provider") or None,
        status=request.values.get("status") or None,
    )
    return f"{url}#{anchor}" if anchor else url


def _find_row(register, placement: Placement, session: str):
    return found_or_404(
        next((r for r in register.rows if r.placement.id == placement.id and r.session == session), None)
    )


# --- landing page -------------------------------------------------------------------------------


@bp.get("/")
def index():
    """Attendance for each role: the board for the school, records for providers and parents."""
    today = clock.today()
    if current_user.role in services.ATTENDANCE_OFFICE:
        return redirect(url_for("attendance.board"))
    if current_user.role == PARENT:
        children = children_of(current_user)
        if len(children) == 1:
            return redirect(url_for("attendance.pupil_record", student_id=children[0].id))
        return render("attendance/index.html", children=children, placements=[], summaries={})
    # Staff and key workers: each placement's attendance this school year.
    start = date(school_year_start(today), 9, 1)
    placements = services.placements_running(start, today, user=current_user)
    record = services.build_record(placements, start, today, today=today)
    summaries = {}
    for placement in placements:
        rows = [r for r in record.range_rows if r.placement.id == placement.id]
        summaries[placement.id] = services.summarise(services.counted_rows(rows, today))
    return render(
        "attendance/index.html",
        children=[],
        placements=placements,
        summaries=summaries,
        missing=services.missing_marks(current_user, today) if current_user.role == KEY_WORKER else [],
    )


# --- the key worker's register ----------------------------------------------------------------


def _render_register(day: date, *, forms: dict | None = None, status: int = 200, message: str | None = None):
    now = clock.now()
    register = services.day_register(day, user=current_user, now=now)
    all_forms = mark_forms(register.rows)
    all_forms.update(forms or {})
    if is_htmx():
        template = "attendance/_register.html"
    else:
        template = "oversight/home_key_worker.html" if day == now.date() else "attendance/register.html"
    return render(
        template,
        block="register",
        status=status,
        register=register,
        forms=all_forms,
        today=now.date(),
        missing=services.missing_marks(current_user, now.date()),
        message=message,
        placements=active_placements(current_user, statuses=(ACTIVE, PLANNED)),
        previous_day=register.previous_day,
        next_day=register.next_day,
    )


@bp.get("/register")
def register():
    """A key worker's register for one day (today is their home page); earlier days fill gaps."""
    today = clock.today()
    day = parse_day(request.args.get("day")) or today
    if day == today:
        return redirect(url_for("oversight.home"))
    if day > today or day < today - timedelta(days=services.MARK_WINDOW_DAYS):
        flash(
            f"You can mark today and the last {services.MARK_WINDOW_DAYS} days. For older days, "
            "contact the school office.",
            "info",
        )
        return redirect(url_for("oversight.home"))
    return _render_register(day)


@bp.post("/register/<int:placement_id>/<day_text>/<session>")
def mark(placement_id: int, day_text: str, session: str):
    """Save one mark at once (each tap). htmx gets the pupil's card back; a plain form, the register."""
    placement, day, session = _session_or_404(placement_id, day_text, session)
    now = clock.now()
    probe = services.ExpectedSession(placement, day, session, [])
    form = mark_form(probe, formdata=request.form)
    if form.validate():
        try:
            services.record_mark(
                placement, day, session, form.status.data, by=current_user, now=now, details=form.detail_values()
            )
        except services.AttendanceError as error:
            # A time outside the session belongs next to that field; anything else, at the top of the card.
            field = form[error.field] if error.field and error.field in form else form.status
            field.errors = [*field.errors, str(error)]
    if form.errors:
        if not is_htmx():
            return _render_register(day, forms={probe.key: form}, status=422)
        register_day = services.day_register(day, user=current_user, now=now, placement_ids=[placement.id])
        row = _find_row(register_day, placement, session)
        return render("attendance/_register.html", block="mark_card", status=422, row=row, form=form, today=now.date())
    if not is_htmx():
        return redirect(_register_url(day, f"card-{probe.key}"))
    register_day = services.day_register(day, user=current_user, now=now, placement_ids=[placement.id])
    row = _find_row(register_day, placement, session)
    return render(
        "attendance/_register.html", block="mark_card", row=row, form=mark_form(row), saved=True, today=now.date()
    )


def _ids(name: str) -> list[int]:
    """A list of placement ids sent by the register page; anything else is a bad request."""
    values = request.form.getlist(name)
    if len(values) > 500 or not all(v.isascii() and v.isdigit() and len(v) < 10 for v in values):
        abort(400)
    return [int(v) for v in values]


def _names(rows) -> str:
    names = [r.student.full_name for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _all_present_message(result: services.AllPresentResult) -> str:
    count = result.count
    parts = [
        f"{count} pupil{'s' if count != 1 else ''} marked present."
        if count
        else "No one else to mark."
        if result.pending or result.not_listed
        else "Everyone was already marked."
    ]
    if result.pending:
        n = len(result.pending)
        parts.append(
            f"{n} mark{'s' if n != 1 else ''} not yet saved — not included: {_names(result.pending)}. "
            f"{'It' if n == 1 else 'They'} will be sent when the signal returns."
        )
    if result.not_listed:
        parts.append(
            f"Not included, because they were not on your screen: {_names(result.not_listed)}. Mark them below."
        )
    return " ".join(parts)


@bp.post("/register/all-present")
def mark_all():
    """Present for the pupils the page listed as not marked, leaving out any with a mark still pending."""
    form = AllPresentForm()
    day = parse_day(form.day.data)
    if not form.validate() or day is None or request.form.get("listed") != "1":
        abort(400)
    now = clock.now()
    try:
        result = services.mark_all_present(
            current_user, day, form.session.data, now=now, placement_ids=_ids("placement"), pending_ids=_ids("pending")
        )
    except services.AttendanceError as error:
        return _render_register(day, status=422, message=str(error))
    message = _all_present_message(result)
    if not is_htmx():
        flash(message, "success")
        return redirect(_register_url(day, f"session-{form.session.data}"))
    return _render_register(day, message=message)


# --- the office board --------------------------------------------------------------------------


def _board_context(day: date, *, row_forms: dict | None = None):
    now = clock.now()
    provider_id = arg_id("provider") or arg_id("provider", request.form)
    shown = request.values.get("status") or "all"
    if shown not in services.BOARD_FILTERS:
        shown = "all"
    register = services.day_register(day, user=current_user, provider_id=provider_id, now=now, office=True)
    rows = services.filter_rows(register.rows, shown)
    code_forms, contact_forms = {}, {}
    for row in rows:
        code_forms[row.key] = code_form(row)
        if row.absent:
            contact_forms[row.key] = contact_form(row, now=now)
    for key, (kind, form) in (row_forms or {}).items():
        (code_forms if kind == "code" else contact_forms)[key] = form
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    return dict(
        register=register,
        rows=rows,
        day=day,
        now=now,
        today=now.date(),
        provider_id=provider_id,
        shown=shown,
        filters=services.BOARD_FILTERS,
        providers=providers,
        code_forms=code_forms,
        contact_forms=contact_forms,
        code_options=code_options,
        cutoffs=services.Cutoffs.for_current_school(),
        carers=contacts_for_office(list({row.student.id for row in rows if row.absent})),
        previous_day=register.previous_day,
        next_day=register.next_day,
    )


@bp.get("/board")
def board():
    """Every expected session of the day: reported or not, codes and parent contact. Refreshes itself."""
    day = parse_day(request.args.get("day")) or clock.today()
    if not is_background():  # a person opened or filtered it; its own minute-by-minute refresh is not a new view
        audit.record("attendance_board_viewed", "register", None, detail=day.isoformat(), commit=True)
    return render("attendance/board.html", block="board", **_board_context(day))


@bp.post("/board/codes")
def record_suggested():
    """Record B for every session the provider confirmed attended that has no code yet."""
    day = parse_day(request.form.get("day"))
    if day is None:
        abort(400)
    provider_id = arg_id("provider", request.form)
    count = services.record_suggested_codes(current_user, day, provider_id=provider_id)
    flash(
        f"Recorded code B for {count} session{'s' if count != 1 else ''}."
        if count
        else "There were no confirmed attendances waiting for a code.",
        "success",
    )
    return redirect(_board_url(day))


def _session_page(
    placement: Placement,
    day: date,
    session: str,
    *,
    code: CodeForm | None = None,
    contact: ParentContactForm | None = None,
    status: int = 200,
):
    try:
        row = services.session_detail(placement, day, session)
    except services.AttendanceError:
        abort(404)
    return render(
        "attendance/session.html",
        status=status,
        row=row,
        code_form=code or code_form(row),
        contact_form=contact or contact_form(row),
        codes=CODES,
        carers=contacts_for_office([placement.student_id]).get(placement.student_id, []),
        mark_changes=services.get_mark_changes(row.mark),
        amendments=services.get_entry_amendments(row.entry),
    )


@bp.get("/sessions/<int:placement_id>/<day_text>/<session>")
def session(placement_id: int, day_text: str, session: str):
    """One session in full: the provider's mark and its history, the code and its amendments, parent contact."""
    placement, day, session = _session_or_404(placement_id, day_text, session)
    response = _session_page(placement, day, session)
    audit.record(
        "attendance_session_viewed", "placement", placement.id, detail=f"{day.isoformat()} {session}", commit=True
    )
    return response


def _board_row_response(
    placement: Placement, day: date, session: str, *, status: int = 200, row_forms: dict | None = None
):
    context = _board_context(day, row_forms=row_forms)
    row = _find_row(context["register"], placement, session)
    return render("attendance/board.html", block="board_row", status=status, row=row, **context)


def _session_form_sent(
    placement: Placement, day: date, session: str, form, *, name: str, saved: str, flash_on_board: bool = True
):
    """The answer to a session's code or parent contact (`name`), sent from a row of the office board or
    from the session's page. Refused: that row (htmx) or the session's page again, with the errors (422).
    Saved: the row (htmx), back to the row on the board, or the session's page, saying `saved`."""
    key = services.ExpectedSession(placement, day, session, []).key
    from_board = request.form.get("from") == "board"
    if form.errors:
        if is_htmx() and from_board:
            return _board_row_response(placement, day, session, status=422, row_forms={key: (name, form)})
        return _session_page(placement, day, session, status=422, **{name: form})
    if from_board:
        if is_htmx():
            return _board_row_response(placement, day, session)
        if flash_on_board:
            flash(saved, "success")
        return redirect(_board_url(day, f"row-{key}"))
    flash(saved, "success")
    return redirect(url_for("attendance.session", placement_id=placement.id, day_text=day.isoformat(), session=session))


@bp.post("/sessions/<int:placement_id>/<day_text>/<session>/code")
def record_code(placement_id: int, day_text: str, session: str):
    placement, day, session = _session_or_404(placement_id, day_text, session)
    form = CodeForm(prefix=f"r{placement.id}{session}-")
    if form.validate_on_submit():
        try:
            services.record_code(placement, day, session, form.code.data, by=current_user, reason=form.reason.data)
        except services.AttendanceError as error:
            (form.reason if "reason" in str(error) else form.code).errors.append(str(error))
    # Back on the board, a code is not flashed (a parent contact is).
    return _session_form_sent(
        placement, day, session, form, name="code", saved="Register code saved.", flash_on_board=False
    )


@bp.post("/sessions/<int:placement_id>/<day_text>/<session>/contacts")
def parent_contact(placement_id: int, day_text: str, session: str):
    placement, day, session = _session_or_404(placement_id, day_text, session)
    form = ParentContactForm(prefix=f"c{placement.id}{session}-")
    if form.validate_on_submit():
        try:
            services.record_parent_contact(
                placement.student_id,
                day,
                by=current_user,
                contact_with=form.contact_with.data,
                method=form.method.data,
                outcome=form.outcome.data,
                notes=form.notes.data or "",
                follow_up=form.follow_up.data or "",
                contacted_at=datetime.combine(day, form.contacted_at.time),
            )
        except services.AttendanceError as error:
            form.contacted_at.errors.append(str(error))
    return _session_form_sent(
        placement, day, session, form, name="contact", saved=f"Contact with {form.contact_with.data} saved."
    )


# --- records -----------------------------------------------------------------------------------


def _range_and_month(placements: list[Placement]):
    """The date range asked for (default: this school year so far) and the calendar month shown."""
    today = clock.today()
    form = DateRangeForm(formdata=request.args if "start" in request.args else None)
    default_start = date(school_year_start(today), 9, 1)
    if placements:
        default_start = max(default_start, min(p.start_date for p in placements))
    if "start" in request.args and form.validate():
        start, end = form.start.data, form.end.data
    else:
        start, end = default_start, today
        if "start" not in request.args:
            form.start.data, form.end.data = start, end
    month = arg_month("month") or min(end, today).replace(day=1)
    return form, start, end, month


def _record_page(template_placements: list[Placement], *, student=None, placement=None):
    form, start, end, month = _range_and_month(template_placements)
    record = services.build_record(template_placements, start, end, calendar_month=month)
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)

    def month_url(value: date) -> str:
        return url_with_query(month=value.strftime("%Y-%m"))

    return render(
        "attendance/record.html",
        status=422 if form.errors else 200,
        form=form,
        record=record,
        month=month,
        prev_month=prev_month,
        next_month=next_month,
        month_url=month_url,
        student=student,
        placement=placement,
        view=("parent" if current_user.role == PARENT else "provider" if current_user.role == KEY_WORKER else "school"),
        school_year=current_school_year(),
    )


@bp.get("/pupils/<int:student_id>")
def pupil_record(student_id: int):
    """A pupil's attendance at provision: %, calendar and trend (a parent sees only their own child)."""
    student = get_student_or_404(current_user, student_id)
    placements = [p for p in placements_for_student(current_user, student.id) if p.status != "planned"]
    audit.record("attendance_viewed", "student", student.id)
    response = _record_page(placements, student=student)
    db.session.commit()
    return response


@bp.get("/placements/<int:placement_id>")
def placement_record(placement_id: int):
    placement = _placement_or_404(placement_id)
    audit.record("attendance_viewed", "placement", placement.id)
    response = _record_page([placement], student=placement.student, placement=placement)
    db.session.commit()
    return response


# --- export -------------------------------------------------------------------------------------


@bp.get("/export")
def export():
    """Register codes for a date range as CSV, for the school's information system."""
    today = clock.today()
    # Any sign of a request (a date box, or either button) is checked as typed: empty dates are a
    # field error, never quietly replaced by the suggested range.
    asked = any(key in request.args for key in ("start", "end", "check"))
    form = DateRangeForm(formdata=request.args if asked else None)
    if not asked:
        form.start.data = previous_school_day(today) or today
        form.end.data = today
        return render("attendance/export.html", form=form, suggested=True)
    if not form.validate():
        return render("attendance/export.html", form=form, status=422)
    rows = services.register_export_rows(form.start.data, form.end.data)
    if request.args.get("check"):
        missing = services.sessions_without_code(form.start.data, form.end.data, today=today)
        return render("attendance/export.html", form=form, checked=True, code_count=len(rows) - 1, missing=missing)
    audit.record(
        "register_exported",
        "register",
        None,
        detail=f"{form.start.data.isoformat()} to {form.end.data.isoformat()}: {len(rows) - 1} rows",
        commit=True,
    )
    return csv_download(rows, f"register-codes-{form.start.data.isoformat()}-to-{form.end.data.isoformat()}.csv")
