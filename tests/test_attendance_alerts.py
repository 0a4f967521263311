"""`flask --app ap_forms attendance-alerts`: reminders and alerts received by a real local SMTP
server; running it again sends nothing new; a mail server that is down loses nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from ap_forms.attendance import services
from ap_forms.attendance.alerts import run_alerts
from ap_forms.attendance.models import AttendanceAlert
from ap_forms.extensions import db
from tests import factories

MON = date(2026, 11, 23)


def _alerts(kind=None) -> int:
    query = select(func.count(AttendanceAlert.id))
    if kind:
        query = query.where(AttendanceAlert.kind == kind)
    return db.session.scalar(query)


def _run(runner, at: str):
    return runner.invoke(args=["attendance-alerts", "--now", at])


def test_nothing_is_due_before_the_cut_off(runner, world, smtp_server):
    result = _run(runner, "2026-11-23T09:55")
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == [] and _alerts() == 0


def test_key_worker_reminded_once_after_the_cut_off(runner, world, smtp_server):
    factories.make_mark(world.placement_y, MON, "AM", "present", by=world.users["kw_b"])
    result = _run(runner, "2026-11-23T10:05")
    assert result.exit_code == 0, result.output
    assert "Sent 1 reminder(s)" in result.output
    [message] = smtp_server.messages
    assert message["To"] == world.users["kw_a"].email
    assert "morning" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "1 pupil" in body and "10:00" in body and "http://127.0.0.1:5000/" in body
    assert world.pupil_x.first_name not in body and world.pupil_x.last_name not in body  # no names in email
    assert _alerts("cutoff_reminder") == 1

    again = _run(runner, "2026-11-23T10:15")
    assert again.exit_code == 0 and len(smtp_server.messages) == 1  # idempotent


def test_the_reminder_is_visible_on_the_board(client, auth, runner, world, smtp_server, app):
    _run(runner, "2026-11-23T10:05")
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    auth.as_user(world.users["office"])
    page = client.get("/attendance/board").data.decode()
    assert "Reminder emailed to the key worker at 10:05" in page


def test_unexplained_absence_alerts_the_office(runner, world, smtp_server):
    kw = world.users["kw_a"]
    services.record_mark(world.placement_x, MON, "AM", "absent", by=kw, now=datetime(2026, 11, 23, 9, 40))
    services.record_mark(
        world.placement_y,
        MON,
        "AM",
        "absent",
        by=world.users["kw_b"],
        now=datetime(2026, 11, 23, 9, 45),
        details={"absence_reason": "ill"},
    )
    _run(runner, "2026-11-23T09:45")  # no reason yet, but the key worker may still be choosing one
    assert smtp_server.messages == []
    result = _run(runner, "2026-11-23T09:55")
    assert "1 unexplained-absence alert(s)" in result.output
    [message] = smtp_server.messages
    assert message["To"] == world.users["office"].email  # active office staff only (not the disabled one)
    assert "1 absence from provision today" in message.get_body(("plain",)).get_content()
    assert "status=absent" in message.get_body(("plain",)).get_content()
    _run(runner, "2026-11-23T09:58")
    assert len(smtp_server.messages) == 1


def test_absence_with_no_parent_reached_by_the_end_of_the_day(runner, world, smtp_server):
    office = world.users["office"]
    factories.make_mark(world.placement_x, MON, "AM", "absent", by=world.users["kw_a"], absence_reason="ill")
    factories.make_mark(world.placement_y, MON, "AM", "absent", by=world.users["kw_b"], absence_reason="ill")
    services.record_parent_contact(
        world.pupil_y.id,
        MON,
        by=office,
        contact_with="Dad",
        method="phone",
        outcome="reached",
        contacted_at=datetime(2026, 11, 23, 10, 0),
        now=datetime(2026, 11, 23, 10, 1),
    )
    _run(runner, "2026-11-23T15:30")
    assert smtp_server.messages == []
    result = _run(runner, "2026-11-23T16:05")
    assert "1 safeguarding follow-up alert(s)" in result.output
    [message] = smtp_server.messages
    assert set(message["To"].split(", ")) == {office.email, world.users["dsl"].email}
    assert "1 pupil absent from provision today" in message.get_body(("plain",)).get_content()
    assert _alerts("no_parent_contact") == 1
    _run(runner, "2026-11-23T16:30")
    assert len(smtp_server.messages) == 1


def test_a_mail_server_that_is_down_loses_nothing(runner, world, app):
    app.config.update(MAIL_PORT=1, MAIL_TIMEOUT=2)
    result = _run(runner, "2026-11-23T10:05")
    assert result.exit_code == 1 and "could not be sent" in result.output
    assert _alerts() == 0  # so the next run tries again


def test_down_then_up_sends_on_the_next_run(runner, world, smtp_server, app):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1
    assert _run(runner, "2026-11-23T10:05").exit_code == 1
    app.config["MAIL_PORT"] = port
    assert _run(runner, "2026-11-23T10:10").exit_code == 0
    assert {m["To"] for m in smtp_server.messages} == {world.users["kw_a"].email, world.users["kw_b"].email}


def test_no_alerts_on_a_day_without_school(runner, world, smtp_server):
    assert run_alerts(datetime(2026, 11, 28, 10, 30)).sent == 0
    assert smtp_server.messages == []


def test_a_wrong_time_is_a_clear_error(runner, world):
    result = runner.invoke(args=["attendance-alerts", "--now", "yesterday"])
    assert result.exit_code != 0 and "YYYY-MM-DDTHH:MM" in result.output


@pytest.mark.parametrize("app", [{"ATTENDANCE_CUTOFF_AM": "11:00"}], indirect=True)
def test_the_cut_off_setting_moves_the_reminder(runner, world, smtp_server):
    _run(runner, "2026-11-23T10:30")
    assert smtp_server.messages == []
    _run(runner, "2026-11-23T11:00")
    assert len(smtp_server.messages) == 2
