"""Attendance logic: expected sessions, marks and their history, register codes and amendments,
cut-offs with frozen time, attendance percentages, parent contact and the CSV export."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from ap_forms.attendance import services
from ap_forms.attendance.models import (
    ABSENT,
    LATE,
    PRESENT,
    AttendanceMark,
    MarkChange,
    RegisterAmendment,
    RegisterEntry,
)
from ap_forms.extensions import db
from ap_forms.placements.models import ENDED, PLANNED, TimetableSession
from ap_forms.web.audit import AuditEvent
from tests import factories

MON, WED = date(2026, 11, 23), date(2026, 11, 25)
NEXT_MON = date(2026, 11, 30)


def _days(rows):
    return sorted({r.day for r in rows})


def _row(register, placement, session="AM"):
    return next(r for r in register.rows if r.placement.id == placement.id and r.session == session)


# --- expected sessions ---------------------------------------------------------------------------


def test_expected_sessions_follow_the_timetable_and_the_calendar(world):
    rows = services.expected_sessions([world.placement_x], date(2026, 10, 19), date(2026, 11, 6))
    # Mondays and Wednesdays, morning only; nothing in the October half-term.
    assert _days(rows) == [date(2026, 10, 19), date(2026, 10, 21), date(2026, 11, 2), date(2026, 11, 4)]
    assert {r.session for r in rows} == {"AM"}
    assert rows[0].times == "09:30 to 12:00" and rows[0].activity == "Animal care"


def test_sessions_start_with_the_placement_and_stop_at_its_end(world):
    placement = world.placement_x
    placement.start_date, placement.planned_end_date = date(2026, 11, 4), date(2026, 11, 16)
    db.session.commit()
    rows = services.expected_sessions([placement], date(2026, 11, 1), date(2026, 11, 30))
    assert _days(rows) == [date(2026, 11, 4), date(2026, 11, 9), date(2026, 11, 11), date(2026, 11, 16)]


def test_withdrawal_stops_expected_sessions_after_the_day_it_ended(world):
    placement = world.placement_x
    placement.status, placement.ended_on = ENDED, date(2026, 11, 11)
    db.session.commit()
    rows = services.expected_sessions([placement], date(2026, 11, 9), date(2026, 11, 30))
    assert _days(rows) == [date(2026, 11, 9), date(2026, 11, 11)]
    assert placement not in services.placements_running(NEXT_MON, NEXT_MON)
    assert placement in services.placements_running(date(2026, 11, 11), date(2026, 11, 11))


def test_planned_placements_expect_nothing(world):
    world.placement_x.status = PLANNED
    db.session.commit()
    assert services.expected_sessions([world.placement_x], MON, NEXT_MON) == []


def test_a_day_out_of_term_or_a_school_closure_expects_nothing(world):
    from ap_forms.school_calendar.services import add_closure

    add_closure(world.school_year, kind="closure", name="Training day", start=MON)
    rows = services.expected_sessions([world.placement_x], MON, date(2026, 12, 31))
    assert MON not in _days(rows) and WED in _days(rows)
    assert max(_days(rows)) == date(2026, 12, 16)  # the Autumn term ends on Friday 18 December


def test_morning_and_afternoon_sessions(world):
    placement = world.placement_x
    placement.sessions = [
        TimetableSession(weekday=day, start_time=start, end_time=end, activity="Activity", site_address="")
        for day, start, end in (
            (0, time(9, 0), time(15, 0)),
            (2, time(13, 0), time(15, 0)),
            (4, time(9, 30), time(12, 30)),
        )
    ]
    db.session.commit()
    rows = services.expected_sessions([placement], MON, date(2026, 11, 27))
    assert [(r.day.weekday(), r.session) for r in rows] == [(0, "AM"), (0, "PM"), (2, "PM"), (4, "AM")]


# --- marks ----------------------------------------------------------------------------------------


def test_a_mark_is_saved_with_who_and_when(world):
    kw = world.users["kw_a"]
    mark = services.record_mark(world.placement_x, MON, "AM", PRESENT, by=kw, now=datetime(2026, 11, 23, 9, 42))
    assert mark.marked_by_id == kw.id and not mark.late_reporting and mark.version == 1
    assert mark.marked_at == datetime(2026, 11, 23, 9, 42)  # UTC = London time in November
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_marked")).user_id == kw.id


def test_a_double_tap_saves_once(world):
    kw = world.users["kw_a"]
    first = services.record_mark(world.placement_x, MON, "AM", PRESENT, by=kw, now=datetime(2026, 11, 23, 9, 42))
    again = services.record_mark(world.placement_x, MON, "AM", PRESENT, by=kw, now=datetime(2026, 11, 23, 9, 43))
    assert again.id == first.id and again.version == 1
    assert db.session.scalar(select(db.func.count(MarkChange.id))) == 0


def test_changing_a_mark_keeps_every_earlier_version(world):
    kw = world.users["kw_a"]
    services.record_mark(world.placement_x, MON, "AM", PRESENT, by=kw, now=datetime(2026, 11, 23, 9, 40))
    services.record_mark(world.placement_x, MON, "AM", LATE, by=kw, now=datetime(2026, 11, 23, 9, 41))
    mark = services.record_mark(
        world.placement_x,
        MON,
        "AM",
        LATE,
        by=kw,
        now=datetime(2026, 11, 23, 9, 45),
        details={"arrived_at": time(9, 50), "note": "Taxi late"},
    )
    assert mark.version == 3 and mark.minutes_late == 20
    assert mark.summary == "Late: 20 minutes, arrived 09:50, Taxi late"
    history = services.mark_history(mark)
    assert [v.status for v in history] == [PRESENT, LATE, LATE]
    assert history[0].marked_at == datetime(2026, 11, 23, 9, 40) and history[1].minutes_late is None
    assert db.session.scalar(select(db.func.count(AttendanceMark.id))) == 1


def test_late_minutes_give_an_arrival_time_and_other_statuses_drop_late_details(world):
    kw = world.users["kw_a"]
    mark = services.record_mark(
        world.placement_x, MON, "AM", LATE, by=kw, now=datetime(2026, 11, 23, 10, 0), details={"minutes_late": 15}
    )
    assert mark.arrived_at == time(9, 45)
    mark = services.record_mark(
        world.placement_x,
        MON,
        "AM",
        ABSENT,
        by=kw,
        now=datetime(2026, 11, 23, 10, 1),
        details={"absence_reason": "ill", "note": "Sick bug"},
    )
    assert mark.minutes_late is None and mark.arrived_at is None and mark.summary == "Absent: Ill, Sick bug"
    assert not mark.is_unexplained
    mark = services.record_mark(world.placement_x, MON, "AM", ABSENT, by=kw, now=datetime(2026, 11, 23, 10, 2))
    assert mark.absence_reason == "ill"  # a tap on the same status keeps what was said about it


def test_marking_yesterday_is_flagged_as_late_reporting(world):
    mark = services.record_mark(
        world.placement_x, MON, "AM", PRESENT, by=world.users["kw_a"], now=datetime(2026, 11, 24, 8, 30)
    )
    assert mark.late_reporting


@pytest.mark.parametrize(
    "day, session, message",
    [
        (date(2026, 12, 2), "AM", "today or earlier"),
        (date(2026, 11, 2), "AM", "corrected by the school office"),
        (date(2026, 11, 24), "AM", "not expected"),  # a Tuesday: not on the timetable
        (MON, "PM", "not expected"),  # mornings only
    ],
)
def test_marks_that_cannot_be_made(world, day, session, message):
    with pytest.raises(services.AttendanceError, match=message):
        services.record_mark(
            world.placement_x, day, session, PRESENT, by=world.users["kw_a"], now=datetime(2026, 11, 25, 10, 0)
        )


def test_no_marks_in_the_half_term(world):
    with pytest.raises(services.AttendanceError, match="not expected"):
        services.record_mark(
            world.placement_x,
            date(2026, 10, 26),
            "AM",
            PRESENT,
            by=world.users["kw_a"],
            now=datetime(2026, 10, 28, 10, 0),
        )


def test_an_unknown_status_or_reason_is_refused(world):
    with pytest.raises(services.AttendanceError):
        services.record_mark(
            world.placement_x, MON, "AM", "asleep", by=world.users["kw_a"], now=datetime(2026, 11, 23, 10, 0)
        )
    with pytest.raises(services.AttendanceError, match="reason from the list"):
        services.record_mark(
            world.placement_x,
            MON,
            "AM",
            ABSENT,
            by=world.users["kw_a"],
            now=datetime(2026, 11, 23, 10, 0),
            details={"absence_reason": "aliens"},
        )


def test_all_present_marks_only_the_unmarked_pupils_of_that_provider(world):
    kw = world.users["kw_a"]
    other = factories.make_placement(factories.make_student(first_name="Olive"), world.provider_a, kw)
    services.record_mark(other, MON, "AM", ABSENT, by=kw, now=datetime(2026, 11, 23, 9, 35))
    result = services.mark_all_present(kw, MON, "AM", now=datetime(2026, 11, 23, 9, 40))
    assert result.count == 1
    marks = {m.placement_id: m.status for m in db.session.scalars(select(AttendanceMark))}
    assert marks == {world.placement_x.id: PRESENT, other.id: ABSENT}  # provider B's pupil untouched


# --- cut-offs ---------------------------------------------------------------------------------


def test_cut_off_logic_with_frozen_time(world):
    cutoffs = services.Cutoffs(am=time(10, 0), pm=time(14, 0))
    assert not services.is_past_cutoff(MON, "AM", datetime(2026, 11, 23, 9, 59), cutoffs)
    assert services.is_past_cutoff(MON, "AM", datetime(2026, 11, 23, 10, 0), cutoffs)
    assert not services.is_past_cutoff(MON, "PM", datetime(2026, 11, 23, 13, 59), cutoffs)
    assert services.is_past_cutoff(MON, "PM", datetime(2026, 11, 24, 8, 0), cutoffs)  # a later day
    before = services.day_register(MON, now=datetime(2026, 11, 23, 9, 59))
    after = services.day_register(MON, now=datetime(2026, 11, 23, 10, 1))
    assert before.totals["overdue"] == 0 and after.totals["overdue"] == 2
    assert _row(after, world.placement_x).overdue and not _row(before, world.placement_x).overdue
    services.record_mark(
        world.placement_x, MON, "AM", PRESENT, by=world.users["kw_a"], now=datetime(2026, 11, 23, 10, 5)
    )
    register = services.day_register(MON, now=datetime(2026, 11, 23, 10, 6))
    assert register.totals["overdue"] == 1 and not _row(register, world.placement_x).overdue


@pytest.mark.parametrize("app", [{"ATTENDANCE_CUTOFF_AM": "09:15"}], indirect=True)
def test_cut_off_is_configurable(world):
    assert services.Cutoffs.for_current_school().am == time(9, 15)
    assert services.day_register(MON, now=datetime(2026, 11, 23, 9, 20)).totals["overdue"] == 2


def test_day_register_on_a_day_without_school(world):
    register = services.day_register(date(2026, 11, 28), now=datetime(2026, 11, 28, 10, 0))
    assert not register.is_school_day and register.closed_reason == "Weekend" and register.rows == []
    assert services.day_register(date(2026, 10, 27)).closed_reason == "October half-term"


def test_key_workers_see_only_their_providers_sessions(world):
    register = services.day_register(MON, user=world.users["kw_b"], now=datetime(2026, 11, 23, 9, 0))
    assert [r.placement.id for r in register.rows] == [world.placement_y.id]


def test_missing_marks_lists_earlier_days_without_marks(world):
    kw = world.users["kw_a"]
    services.record_mark(world.placement_x, MON, "AM", PRESENT, by=kw, now=datetime(2026, 11, 23, 9, 40))
    missing = services.missing_marks(kw, NEXT_MON)
    assert missing[0] == (WED, 1) and MON not in dict(missing)
    assert all(day >= date(2026, 11, 16) for day, _ in missing)


# --- the school register ----------------------------------------------------------------------


def test_register_code_then_an_amendment_keeps_the_original(world):
    office = world.users["office"]
    entry = services.record_code(world.placement_x, MON, "AM", "N", by=office, now=datetime(2026, 11, 23, 10, 30))
    with pytest.raises(services.AttendanceError, match="reason"):
        services.record_code(world.placement_x, MON, "AM", "I", by=office, now=datetime(2026, 11, 23, 11, 0))
    entry = services.record_code(
        world.placement_x, MON, "AM", "I", by=office, reason="Mum rang: ill", now=datetime(2026, 11, 23, 11, 0)
    )
    assert entry.code == "I" and entry.original_code == "N"
    assert entry.recorded_at == datetime(2026, 11, 23, 10, 30)
    amendment = db.session.scalars(select(RegisterAmendment)).one()
    assert (amendment.old_code, amendment.new_code, amendment.reason, amendment.amended_by_id) == (
        "N",
        "I",
        "Mum rang: ill",
        office.id,
    )
    assert db.session.scalar(select(db.func.count(RegisterEntry.id))) == 1
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["register_code_recorded", "register_code_amended"]


def test_codes_are_checked(world):
    office = world.users["office"]
    with pytest.raises(services.AttendanceError, match="from the list"):
        services.record_code(world.placement_x, MON, "AM", "ZZ", by=office, now=datetime(2026, 11, 23, 11, 0))
    with pytest.raises(services.AttendanceError, match="not happened"):
        services.record_code(world.placement_x, NEXT_MON, "AM", "B", by=office, now=datetime(2026, 11, 23, 11, 0))
    with pytest.raises(services.AttendanceError, match="not expected"):
        services.record_code(
            world.placement_x, date(2026, 11, 24), "AM", "B", by=office, now=datetime(2026, 11, 25, 11, 0)
        )


def test_suggested_codes_and_a_provider_change_after_the_code(world):
    kw, office = world.users["kw_a"], world.users["office"]
    services.record_mark(world.placement_x, MON, "AM", LATE, by=kw, now=datetime(2026, 11, 23, 9, 50))
    services.record_mark(
        world.placement_y,
        MON,
        "AM",
        ABSENT,
        by=world.users["kw_b"],
        now=datetime(2026, 11, 23, 9, 50),
        details={"absence_reason": "medical"},
    )
    register = services.day_register(MON, now=datetime(2026, 11, 23, 10, 0))
    row_x, row_y = _row(register, world.placement_x), _row(register, world.placement_y)
    assert (row_x.suggested_code, row_y.suggested_code) == ("B", "M")
    assert services.record_suggested_codes(office, MON, now=datetime(2026, 11, 23, 10, 30)) == 1  # B only
    services.record_mark(world.placement_x, MON, "AM", ABSENT, by=kw, now=datetime(2026, 11, 23, 10, 40))
    row_x = _row(services.day_register(MON, now=datetime(2026, 11, 23, 10, 45)), world.placement_x)
    assert row_x.mark_changed_since_code and row_x.needs_code
    services.record_code(
        world.placement_x,
        MON,
        "AM",
        "O",
        by=office,
        reason="Provider corrected: not there",
        now=datetime(2026, 11, 23, 10, 50),
    )
    row_x = _row(services.day_register(MON, now=datetime(2026, 11, 23, 10, 55)), world.placement_x)
    assert not row_x.mark_changed_since_code and row_x.entry.code == "O"


# --- parent contact and follow-up --------------------------------------------------------------


def test_an_absence_without_a_parent_reached_is_a_follow_up_by_the_end_of_the_day(world):
    office = world.users["office"]
    services.record_mark(
        world.placement_x, MON, "AM", ABSENT, by=world.users["kw_a"], now=datetime(2026, 11, 23, 9, 45)
    )
    assert not _row(
        services.day_register(MON, now=datetime(2026, 11, 23, 15, 59), office=True), world.placement_x
    ).follow_up
    assert _row(services.day_register(MON, now=datetime(2026, 11, 23, 16, 0), office=True), world.placement_x).follow_up
    services.record_parent_contact(
        world.pupil_x.id,
        MON,
        by=office,
        contact_with="Mum",
        method="phone",
        outcome="no_answer",
        contacted_at=datetime(2026, 11, 23, 10, 5),
        now=datetime(2026, 11, 23, 10, 6),
    )
    row = _row(services.day_register(MON, now=datetime(2026, 11, 23, 16, 30), office=True), world.placement_x)
    assert row.follow_up and len(row.contacts) == 1  # tried, but nobody reached
    contact = services.record_parent_contact(
        world.pupil_x.id,
        MON,
        by=office,
        contact_with="Mum",
        method="phone",
        outcome="reached",
        notes="Ill",
        follow_up="Call tomorrow",
        contacted_at=datetime(2026, 11, 23, 16, 40),
        now=datetime(2026, 11, 23, 16, 41),
    )
    assert contact.contacted_by_id == office.id
    row = _row(services.day_register(MON, now=datetime(2026, 11, 23, 17, 0), office=True), world.placement_x)
    assert row.parent_reached and not row.follow_up


def test_a_contact_in_the_future_is_refused(world):
    with pytest.raises(services.AttendanceError, match="future"):
        services.record_parent_contact(
            world.pupil_x.id,
            MON,
            by=world.users["office"],
            contact_with="Mum",
            method="phone",
            outcome="reached",
            contacted_at=datetime(2026, 11, 23, 15, 0),
            now=datetime(2026, 11, 23, 10, 0),
        )


# --- attendance percentages ------------------------------------------------------------------


def _record(world, start, end, today):
    return services.build_record([world.placement_x], start, end, today=today)


def test_percentage_with_no_sessions_is_none(world):
    record = _record(world, date(2026, 10, 26), date(2026, 10, 30), today=NEXT_MON)  # half-term
    assert record.summary.expected == 0 and record.summary.percent is None


def test_percentage_counts_late_as_attended_and_shows_it_separately(world):
    kw = world.users["kw_a"]
    factories.make_mark(world.placement_x, date(2026, 11, 16), "AM", PRESENT, by=kw)
    factories.make_mark(world.placement_x, date(2026, 11, 18), "AM", LATE, by=kw, minutes_late=10)
    factories.make_mark(world.placement_x, MON, "AM", ABSENT, by=kw)
    factories.make_mark(world.placement_x, WED, "AM", "not_expected", by=kw)
    summary = _record(world, date(2026, 11, 16), WED, today=NEXT_MON).summary
    assert (summary.expected, summary.attended, summary.late, summary.absent, summary.not_expected) == (4, 2, 1, 1, 1)
    assert summary.percent == pytest.approx(66.7)  # 2 of 3: the session that did not happen is not counted


def test_unreported_past_sessions_count_against_and_future_ones_do_not(world):
    factories.make_mark(world.placement_x, MON, "AM", PRESENT, by=world.users["kw_a"])
    summary = _record(world, MON, date(2026, 12, 9), today=WED).summary
    # Monday present; Wednesday is today and not marked yet; later sessions have not happened.
    assert (summary.expected, summary.not_reported, summary.percent) == (1, 0, 100.0)
    summary = _record(world, MON, date(2026, 12, 9), today=date(2026, 11, 26)).summary
    assert (summary.expected, summary.not_reported, summary.percent) == (2, 1, 50.0)


def test_a_register_code_counts_when_the_provider_never_reported(world):
    # "/" (the pupil came to school instead): B needs the provider's report (issue 10).
    services.record_code(world.placement_x, MON, "AM", "/", by=world.users["office"], now=datetime(2026, 11, 23, 11, 0))
    services.record_code(world.placement_x, WED, "AM", "I", by=world.users["office"], now=datetime(2026, 11, 25, 11, 0))
    summary = _record(world, MON, WED, today=NEXT_MON).summary
    assert (summary.attended, summary.absent, summary.percent) == (1, 1, 50.0)


def test_trend_against_the_baseline_from_the_referral(world):
    kw = world.users["kw_a"]
    world.placement_x.baseline_attendance_percent = 60.0
    db.session.commit()
    for day in (date(2026, 10, 19), date(2026, 10, 21), date(2026, 11, 2), date(2026, 11, 4)):
        factories.make_mark(world.placement_x, day, "AM", ABSENT if day.day == 19 else PRESENT, by=kw)
    record = _record(world, date(2026, 10, 19), date(2026, 11, 4), today=NEXT_MON)
    assert record.baseline == 60.0
    assert [(t["month"], t["percent"], t["difference"]) for t in record.trend()] == [
        (date(2026, 10, 1), 50.0, -10.0),
        (date(2026, 11, 1), 100.0, 40.0),
    ]


def test_month_grid_has_monday_to_friday_weeks_with_holidays_named(world):
    record = services.build_record(
        [world.placement_x], date(2026, 10, 1), date(2026, 10, 31), today=NEXT_MON, calendar_month=date(2026, 10, 1)
    )
    weeks = record.month_grid(date(2026, 10, 1))
    assert weeks[0][:3] == [None, None, None] and weeks[0][3]["day"] == date(2026, 10, 1)
    half_term = weeks[4][1]
    assert half_term["day"] == date(2026, 10, 27) and half_term["closed"] == "October half-term"
    assert [r.session for r in weeks[1][0]["rows"]] == ["AM"]  # Monday 5 October


# --- export ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, safe",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Abbott, Alfie", "Abbott, Alfie"),
        ("\\", "\\"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_cells_are_protected_against_formula_injection(value, safe):
    assert services.safe_cell(value) == safe


def test_export_rows(world):
    world.pupil_x.last_name = "=cmd|' /C calc'!A0"
    db.session.commit()
    factories.make_mark(world.placement_x, MON, "AM", PRESENT, by=world.users["kw_a"])  # B needs a report
    services.record_code(world.placement_x, MON, "AM", "B", by=world.users["office"], now=datetime(2026, 11, 23, 11, 0))
    rows = services.register_export_rows(MON, MON)
    assert rows[0] == ["Pupil", "UPN", "Date", "Session", "Code", "Provider"]
    assert rows[1][0].startswith("'=cmd") and rows[1][1:5] == [world.pupil_x.upn, "2026-11-23", "AM", "B"]
    assert services.sessions_without_code(MON, WED, today=NEXT_MON) == 3  # Y on Monday, X and Y on Wednesday
