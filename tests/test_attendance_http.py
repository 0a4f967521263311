"""Attendance through HTTP, as people use it: the key worker's Today page, the office board,
register codes and parent contact, records, the export, and who may see what."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest
from sqlalchemy import event, select

from ap_forms.attendance import services
from ap_forms.attendance.models import AttendanceMark, ParentContact, RegisterEntry
from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from tests import factories

MON = date(2026, 11, 23)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def freeze(app):
    def _freeze(text: str) -> None:
        app.config["FROZEN_NOW"] = text

    yield _freeze
    app.config.pop("FROZEN_NOW", None)


def _mark_url(placement, day=MON, session="AM") -> str:
    return f"/attendance/register/{placement.id}/{day.isoformat()}/{session}"


def _prefix(placement, session="AM") -> str:
    return f"m{placement.id}{session}-"


def _marks():
    return {m.placement_id: m for m in db.session.scalars(select(AttendanceMark))}


# --- the key worker's Today page ------------------------------------------------------------------


def test_key_worker_home_is_todays_register(client, auth, world, freeze):
    freeze("2026-11-23T09:40")
    auth.as_user(world.users["kw_a"])
    page = client.get("/").data.decode()
    assert "Today, Monday 23 November 2026" in page and "All present" in page
    assert world.pupil_x.full_name in page and world.pupil_y.full_name not in page
    assert _mark_url(world.placement_x) in page and "Not marked yet" in page
    assert "Your pupils from" in page  # the list of their pupils stays reachable


def test_no_register_on_a_day_without_school(client, auth, world, freeze):
    freeze("2026-11-28T09:40")
    auth.as_user(world.users["kw_a"])
    page = client.get("/").data.decode()
    assert "No school on Saturday 28 November 2026 (Weekend)" in page
    assert "The next school day is Monday 30 November 2026" in page and "All present" not in page


def test_a_mark_without_javascript_redirects_back_to_the_card(client, auth, world, freeze):
    freeze("2026-11-23T09:42")
    auth.as_user(world.users["kw_a"])
    response = client.post(_mark_url(world.placement_x), data={_prefix(world.placement_x) + "status": "present"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/#card-{world.placement_x.id}-2026-11-23-AM")
    page = client.get("/").data.decode()
    assert f"Marked by {world.users['kw_a'].name} at 09:42" in page
    assert _marks()[world.placement_x.id].status == "present"


def test_a_mark_with_htmx_returns_the_saved_card(client, auth, world, freeze):
    freeze("2026-11-23T09:50")
    auth.as_user(world.users["kw_a"])
    response = client.post(
        _mark_url(world.placement_x), headers=HTMX, data={_prefix(world.placement_x) + "status": "late"}
    )
    body = response.data.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="card-{world.placement_x.id}-2026-11-23-AM"' in body and "Saved: Late" in body
    assert "Arrived at" in body  # the details form opens for a late mark
    details = {"status": "late", "details": "1", "arrived_at": "09:50", "minutes_late": "", "note": "Bus"}
    response = client.post(
        _mark_url(world.placement_x), headers=HTMX, data={_prefix(world.placement_x) + k: v for k, v in details.items()}
    )
    assert "Late: 20 minutes, arrived 09:50, Bus" in response.data.decode()


def test_bad_details_are_field_errors_with_and_without_javascript(client, auth, world, freeze):
    freeze("2026-11-23T09:50")
    auth.as_user(world.users["kw_a"])
    p = _prefix(world.placement_x)
    client.post(_mark_url(world.placement_x), data={p + "status": "late"})
    bad = {p + "status": "late", p + "details": "1", p + "arrived_at": "25:99", p + "minutes_late": "lots"}
    fragment = client.post(_mark_url(world.placement_x), headers=HTMX, data=bad)
    assert fragment.status_code == 422 and "Enter the arrival time like 09:50" in fragment.data.decode()
    page = client.post(_mark_url(world.placement_x), data=bad)
    assert page.status_code == 422 and "<html" in page.data.decode() and 'value="25:99"' in page.data.decode()
    assert _marks()[world.placement_x.id].arrived_at is None
    nonsense = client.post(_mark_url(world.placement_x), data={p + "status": "asleep"})
    assert nonsense.status_code == 422


def test_all_present_is_one_tap(client, auth, world, freeze):
    freeze("2026-11-23T09:40")
    other = factories.make_placement(factories.make_student(first_name="Olive"), world.provider_a, world.users["kw_a"])
    auth.as_user(world.users["kw_a"])
    listed = {"day": "2026-11-23", "session": "AM", "listed": "1", "placement": [world.placement_x.id, other.id]}
    response = client.post("/attendance/register/all-present", data=listed)
    assert response.status_code == 303 and response.headers["Location"].endswith("/#session-AM")
    marks = _marks()
    assert {marks[world.placement_x.id].status, marks[other.id].status} == {"present"}
    assert world.placement_y.id not in marks
    again = client.post("/attendance/register/all-present", headers=HTMX, data=listed)
    assert "Everyone was already marked" in again.data.decode() and "<html" not in again.data.decode()


def test_a_key_worker_cannot_mark_or_see_another_providers_pupil(client, auth, world, freeze):
    freeze("2026-11-23T09:40")
    auth.as_user(world.users["kw_b"])
    response = client.post(_mark_url(world.placement_x), data={_prefix(world.placement_x) + "status": "absent"})
    assert response.status_code == 404 and _marks() == {}
    assert world.pupil_x.full_name not in client.get("/").data.decode()
    assert client.get(f"/attendance/placements/{world.placement_x.id}").status_code == 404
    assert client.get(f"/attendance/pupils/{world.pupil_x.id}").status_code == 404


def test_marks_for_a_session_that_is_not_expected_are_refused(client, auth, world, freeze):
    freeze("2026-11-24T09:40")
    auth.as_user(world.users["kw_a"])
    response = client.post(
        _mark_url(world.placement_x, date(2026, 11, 24)), data={_prefix(world.placement_x) + "status": "present"}
    )
    assert response.status_code == 422 and _marks() == {}
    assert client.post(_mark_url(world.placement_x, session="XX"), data={}).status_code == 404
    assert client.post(f"/attendance/register/{world.placement_x.id}/2026-13-45/AM", data={}).status_code == 404


def test_yesterdays_missing_marks_can_be_filled_in_as_late_reporting(client, auth, world, freeze):
    freeze("2026-11-24T08:30")
    auth.as_user(world.users["kw_a"])
    home = client.get("/").data.decode()
    assert "Marks missing" in home and "Monday 23 November 2026: 1 session not marked" in home
    page = client.get("/attendance/register?day=2026-11-23").data.decode()
    assert "Register for Monday 23 November 2026" in page and world.pupil_x.full_name in page
    response = client.post(_mark_url(world.placement_x), data={_prefix(world.placement_x) + "status": "present"})
    assert response.headers["Location"].endswith(
        f"/attendance/register?day=2026-11-23#card-{world.placement_x.id}-2026-11-23-AM"
    )
    assert _marks()[world.placement_x.id].late_reporting
    assert "reported late" in client.get("/attendance/register?day=2026-11-23").data.decode()
    too_old = client.get("/attendance/register?day=2026-10-05")
    assert too_old.status_code == 303


# --- the office board -------------------------------------------------------------------------


@pytest.fixture
def marked_monday(world):
    """Monday 23 November: Xavier absent with no reason known, Yasmin present."""
    factories.make_mark(world.placement_x, MON, "AM", "absent", by=world.users["kw_a"], absence_reason="unknown")
    factories.make_mark(world.placement_y, MON, "AM", "present", by=world.users["kw_b"])
    return world


def test_board_shows_expected_reported_and_absent(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-23T10:30")
    auth.as_user(world.users["office"])
    page = client.get("/attendance/board").data.decode()
    assert "Today, Monday 23 November 2026" in page and "2 sessions" in page
    assert "Unexplained absence" in page and "Record parent contact" in page and "Parent not reached yet" in page
    assert "Record code B for 1 confirmed attendance" in page
    absent_only = client.get("/attendance/board?status=absent").data.decode()
    assert world.pupil_x.full_name in absent_only and world.pupil_y.full_name not in absent_only
    provider_b = client.get(f"/attendance/board?provider={world.provider_b.id}").data.decode()
    assert world.pupil_y.full_name in provider_b and world.pupil_x.full_name not in provider_b
    poll = client.get("/attendance/board", headers=HTMX)
    assert poll.status_code == 200 and b"<html" not in poll.data and b'id="board"' in poll.data
    assert b'data-hx-trigger="every 60s"' in poll.data


def test_board_highlights_sessions_not_reported_after_the_cut_off(client, auth, world, freeze):
    auth.as_user(world.users["office"])
    freeze("2026-11-23T09:55")
    assert "Not reported yet" in client.get("/attendance/board").data.decode()
    freeze("2026-11-23T10:05")
    page = client.get("/attendance/board").data.decode()
    assert "Past the 10:00 cut-off" in page and "2 not reported (2 past the cut-off)" in " ".join(page.split()).replace(
        '<span class="app-board-totals__number">2</span> ', "2 "
    )


def test_office_records_codes_from_the_board(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-23T10:30")
    auth.as_user(world.users["office"])
    url = f"/attendance/sessions/{world.placement_x.id}/2026-11-23/AM/code"
    prefix = f"r{world.placement_x.id}AM-"
    row = client.post(url, headers=HTMX, data={"from": "board", prefix + "code": "N"})
    body = row.data.decode()
    assert row.status_code == 200 and "<html" not in body and f'id="row-{world.placement_x.id}-2026-11-23-AM"' in body
    assert "app-code" in body and ">N<" in body
    empty = client.post(url, headers=HTMX, data={"from": "board", prefix + "code": ""})
    assert empty.status_code == 422 and "Choose a register code" in empty.data.decode()
    # Without JavaScript: back to the board, at the row.
    bulk = client.post("/attendance/board/codes", data={"day": "2026-11-23"})
    assert bulk.status_code == 303
    codes = {e.placement_id: e.code for e in db.session.scalars(select(RegisterEntry))}
    assert codes == {world.placement_x.id: "N", world.placement_y.id: "B"}


def test_changing_a_code_needs_a_reason_and_keeps_the_original(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-23T11:00")
    auth.as_user(world.users["office"])
    url = f"/attendance/sessions/{world.placement_x.id}/2026-11-23/AM/code"
    prefix = f"r{world.placement_x.id}AM-"
    client.post(url, data={prefix + "code": "N"})
    no_reason = client.post(url, data={prefix + "code": "I"})
    assert no_reason.status_code == 422 and "Enter the reason for changing the register code" in no_reason.data.decode()
    saved = client.post(url, data={prefix + "code": "I", prefix + "reason": "Mum rang: ill"})
    assert saved.status_code == 303
    page = client.get(f"/attendance/sessions/{world.placement_x.id}/2026-11-23/AM").data.decode()
    assert "Original: <strong>N</strong>" in page and "Amended: N to <strong>I</strong>" in page
    assert "Mum rang: ill" in page and world.users["office"].name in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_session_viewed"))


def test_office_records_a_parent_contact_from_the_board(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-23T10:30")
    auth.as_user(world.users["office"])
    url = f"/attendance/sessions/{world.placement_x.id}/2026-11-23/AM/contacts"
    p = f"c{world.placement_x.id}AM-"
    missing = client.post(
        url, headers=HTMX, data={"from": "board", p + "contact_with": "", p + "contacted_at": "10:20"}
    )
    assert missing.status_code == 422 and "Enter who you contacted" in missing.data.decode()
    data = {
        "from": "board",
        p + "contact_with": "Xena X (mother)",
        p + "contacted_at": "10:20",
        p + "method": "phone",
        p + "outcome": "reached",
        p + "notes": "Ill in bed",
        p + "follow_up": "Call tomorrow",
    }
    row = client.post(url, headers=HTMX, data=data).data.decode()
    assert "Xena X (mother)" in row and "Spoke to them: reason given" in row
    assert "Follow-up: Call tomorrow" in row
    contact = db.session.scalars(select(ParentContact)).one()
    assert contact.contacted_at == datetime(2026, 11, 23, 10, 20)
    assert contact.contacted_by_id == world.users["office"].id
    # Without JavaScript an error shows the session page with the form and what was typed.
    page = client.post(url, data={**data, p + "contacted_at": "99:99"})
    assert page.status_code == 422 and "Xena X (mother)" in page.data.decode() and "<html" in page.data.decode()


def test_export_csv_of_register_codes(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-23T11:00")
    auth.as_user(world.users["office"])
    client.post("/attendance/board/codes", data={"day": "2026-11-23"})
    form = client.get("/attendance/export")
    assert form.status_code == 200 and b"Download CSV" in form.data
    query = "start=23&start=11&start=2026&end=23&end=11&end=2026"
    check = client.get(f"/attendance/export?{query}&check=1").data.decode()
    assert "1 code recorded" in check and "1 session has no code yet" in check
    response = client.get(f"/attendance/export?{query}")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows == [
        ["Pupil", "UPN", "Date", "Session", "Code", "Provider"],
        [world.pupil_y.sort_name, world.pupil_y.upn, "2026-11-23", "AM", "B", "Provider B"],
    ]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register_exported"))
    bad = client.get("/attendance/export?start=31&start=2&start=2026&end=1&end=1&end=2026")
    assert bad.status_code == 422 and "The first day must be a real date" in bad.data.decode()


# --- records ------------------------------------------------------------------------------------


def test_parent_sees_only_their_own_childs_attendance(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-24T12:00")
    auth.as_user(world.users["parent_x"])
    assert client.get("/attendance/").headers["Location"].endswith(f"/attendance/pupils/{world.pupil_x.id}")
    page = client.get(f"/attendance/pupils/{world.pupil_x.id}").data.decode()
    assert f"{world.pupil_x.first_name}'s attendance" in page and "AM Absent" in page
    assert "Register code" not in page and "unknown" not in page.lower().split("legend")[0]
    assert client.get(f"/attendance/pupils/{world.pupil_y.id}").status_code == 404


def test_pupil_record_for_staff_with_percentage_trend_and_audit(client, auth, marked_monday, freeze):
    world = marked_monday
    world.placement_y.baseline_attendance_percent = 62.5
    db.session.commit()
    freeze("2026-11-24T12:00")
    auth.as_user(world.users["staff"])
    url = f"/attendance/pupils/{world.pupil_y.id}?start=23&start=11&start=2026&end=23&end=11&end=2026"
    page = client.get(url).data.decode()
    assert "100.0%" in page and "1 of 1 session" in page and "62.5%" in page and "+37.5 points" in page
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_viewed"))
    assert event_row.record_id == str(world.pupil_y.id)
    bad = client.get(f"/attendance/pupils/{world.pupil_y.id}?start=30&start=2&start=2026&end=1&end=1&end=2026")
    assert bad.status_code == 422
    assert client.get(f"/attendance/pupils/{world.pupil_y.id}?month=2026-99").status_code == 200


def test_attendance_index_for_staff_and_key_workers(client, auth, marked_monday, freeze):
    world = marked_monday
    freeze("2026-11-24T12:00")
    auth.as_user(world.users["staff"])
    page = client.get("/attendance/").data.decode()
    assert world.pupil_x.full_name in page and world.pupil_y.full_name in page
    auth.as_user(world.users["kw_b"])
    page = client.get("/attendance/").data.decode()
    assert world.pupil_y.full_name in page and world.pupil_x.full_name not in page
    auth.as_user(world.users["office"])
    assert client.get("/attendance/").headers["Location"].endswith("/attendance/board")


def test_menu_shows_attendance_and_calendar_to_the_right_roles(client, auth, world):
    auth.as_user(world.users["office"])
    page = client.get("/pupils/").data.decode()
    assert 'href="/attendance/"' in page and 'href="/calendar/"' in page
    auth.as_user(world.users["parent_x"])
    page = client.get("/").data.decode()
    assert 'href="/attendance/"' in page and 'href="/calendar/"' not in page
    auth.as_user(world.users["admin"])
    page = client.get("/admin/users").data.decode()
    assert 'href="/calendar/"' in page and 'href="/attendance/"' not in page


# --- query counts: pages must not slow down as history grows ----------------------------------


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _queries(client, path: str) -> int:
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def test_board_and_today_query_counts_do_not_grow_with_history_or_pupils(client, auth, world, freeze):
    freeze("2026-11-30T10:30")
    office, kw = world.users["office"], world.users["kw_a"]

    def mark_and_code(placement, day, status="present"):
        factories.make_mark(placement, day, "AM", status, by=kw, at=time(9, 40))
        services.record_code(
            placement, day, "AM", "B" if status == "present" else "O", by=office, now=datetime.combine(day, time(11))
        )

    # Something of every kind already on the pages: a mark and a code last week, and today.
    mark_and_code(world.placement_x, MON)
    mark_and_code(world.placement_x, date(2026, 11, 30), "absent")
    services.record_parent_contact(
        world.pupil_x.id,
        date(2026, 11, 30),
        by=office,
        contact_with="Mum",
        method="phone",
        outcome="no_answer",
        contacted_at=datetime(2026, 11, 30, 10, 15),
        now=datetime(2026, 11, 30, 10, 16),
    )
    auth.as_user(office)
    board_before = _queries(client, "/attendance/board")
    auth.as_user(kw)
    today_before = _queries(client, "/")

    # Eleven weeks of history, and more pupils at the provider, marked and coded.
    for _ in range(3):
        placement = factories.make_placement(factories.make_student(), world.provider_a, kw)
        for row in services.expected_sessions([placement], date(2026, 9, 14), date(2026, 11, 30)):
            mark_and_code(placement, row.day)
    for row in services.expected_sessions([world.placement_x], date(2026, 9, 14), date(2026, 11, 20)):
        mark_and_code(world.placement_x, row.day, "absent")
    auth.as_user(office)
    assert _queries(client, "/attendance/board") == board_before
    auth.as_user(kw)
    assert _queries(client, "/") == today_before


def test_malformed_ids_dates_and_filters_never_500(client, auth, world):
    for user, paths in [
        (
            "office",
            [
                "/attendance/board?day=garbage&provider=x&status=zzz",
                "/attendance/board?day=2026-02-31",
                "/attendance/sessions/abc/2026-11-23/AM",
                "/attendance/sessions/1/2026-02-31/AM",
                "/attendance/sessions/999999/2026-11-23/AM",
                "/attendance/sessions/1/2026-11-24/AM",
                "/attendance/export?start=a&end=b",
                "/attendance/export?start=1&start=2",
                "/attendance/pupils/999999",
                "/attendance/pupils/1?month=abc&start=x",
                "/calendar/999999",
                "/calendar/0/edit",
            ],
        ),
        ("kw_a", ["/attendance/register?day=nonsense", "/attendance/register?day=9999-12-31"]),
    ]:
        auth.as_user(world.users[user])
        for path in paths:
            assert client.get(path).status_code < 500, path
    auth.as_user(world.users["office"])
    for path, data in [
        ("/attendance/board/codes", {"day": "x"}),
        ("/attendance/sessions/1/2026-11-23/AM/code", {"from": "board"}),
        ("/calendar/closures/999999/delete", {}),
        ("/calendar/new", {"start_year": "abc", "autumn_start": ["x", "y"]}),
    ]:
        assert client.post(path, data=data).status_code < 500, path


def test_export_with_empty_dates_is_a_field_error_never_a_silent_range(client, auth, world, freeze):
    freeze("2026-11-23T11:00")
    auth.as_user(world.users["office"])
    suggested = client.get("/attendance/export").get_data(as_text=True)
    assert "filled in with the last school day and today" in suggested  # said, not silent
    for query in (
        "start=&start=&start=&end=&end=&end=",
        "check=1",
        "end=&end=&end=&check=1",
        "start=&start=&start=&end=&end=&end=&check=1",
    ):
        response = client.get(f"/attendance/export?{query}")
        body = response.get_data(as_text=True)
        assert response.status_code == 422, query
        assert "text/csv" not in response.headers["Content-Type"]
        assert "Enter the first day of the range" in body and "Enter the last day of the range" in body
        assert "govuk-inset-text" not in body  # no check result for a range nobody chose
