"""Holidays (issue 10): the family's calendar feed has no sessions in half-terms, holidays or
closure days and changes when the school calendar changes; the parent's week says when there is
no school; a review date that has passed is never shown as the next review. The clock is pinned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from ap_forms.extensions import db
from ap_forms.school_calendar.models import CLOSURE
from ap_forms.school_calendar.services import add_closure, is_school_day
from ap_forms.students.models import CalendarFeed

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def freeze(app):
    def _freeze(text: str) -> None:
        app.config["FROZEN_NOW"] = text

    yield _freeze
    app.config.pop("FROZEN_NOW", None)


def _feed_token(auth, world) -> str:
    assert auth.as_user(world.users["parent_x"]).post(f"/my-child/{world.pupil_x.id}/calendar").status_code == 303
    db.session.expire_all()
    return db.session.query(CalendarFeed).filter_by(revoked_at=None).one().token


def _occurrences(calendar: Calendar) -> set[datetime]:
    """Every session start the feed describes: each weekly series expanded, minus its EXDATEs."""
    starts = set()
    for event in calendar.walk("VEVENT"):
        start = event.decoded("dtstart")
        rule = event["RRULE"]
        assert rule["FREQ"] == ["WEEKLY"]
        until = rule["UNTIL"][0]
        excluded = set()
        exdates = event.get("EXDATE")
        for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
            excluded.update(d.dt for d in group.dts)
        day = start
        while day.astimezone(UTC) <= until:
            if day not in excluded:
                starts.add(day)
            day = datetime.combine(day.date() + timedelta(days=7), day.timetz())
    return starts


def test_feed_has_no_session_in_holidays_half_terms_or_closures(world, auth, app, freeze):
    freeze("2026-12-22T08:00")  # in the Christmas holiday
    token = _feed_token(auth, world)
    response = app.test_client().get(f"/calendar/{token}.ics")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert {e.decoded("dtstamp") for e in events} == {datetime(2026, 12, 22, 8, 0, tzinfo=UTC)}  # pinned clock
    starts = _occurrences(calendar)
    days = {s.date() for s in starts}
    assert all(is_school_day(d) for d in days), sorted(d for d in days if not is_school_day(d))
    assert not any(date(2026, 12, 19) <= d <= date(2027, 1, 3) for d in days)  # Christmas
    assert not any(date(2026, 10, 26) <= d <= date(2026, 10, 30) for d in days)  # October half-term
    assert not any(date(2027, 3, 26) <= d <= date(2027, 4, 11) for d in days)  # Easter
    # ...and every Monday and Wednesday morning of term time, from the start to the planned end, is there.
    expected, day = set(), date(2026, 9, 7)
    while day <= date(2027, 7, 16):
        if day.weekday() in (0, 2) and is_school_day(day):
            expected.add(day)
        day += timedelta(days=1)
    assert days == expected
    assert all(s.timetz().replace(tzinfo=None).strftime("%H:%M") == "09:30" and s.tzinfo == LONDON for s in starts)
    # The half-term is excluded with EXDATEs matching DTSTART's time and zone.
    autumn_monday = next(e for e in events if e.decoded("dtstart") == datetime(2026, 9, 7, 9, 30, tzinfo=LONDON))
    assert [d.dt for d in autumn_monday["EXDATE"].dts] == [datetime(2026, 10, 26, 9, 30, tzinfo=LONDON)]
    assert "Term time only" in str(autumn_monday["DESCRIPTION"])


def test_feed_changes_when_the_school_calendar_changes(world, auth, app, freeze):
    freeze("2026-11-23T10:30")
    token = _feed_token(auth, world)
    client = app.test_client()
    before = client.get(f"/calendar/{token}.ics").data
    assert date(2026, 12, 2) in {s.date() for s in _occurrences(Calendar.from_ical(before))}
    add_closure(
        world.school_year, kind=CLOSURE, name="Staff training day", start=date(2026, 12, 2), actor=world.users["admin"]
    )
    after = client.get(f"/calendar/{token}.ics").data
    assert after != before
    assert date(2026, 12, 2) not in {s.date() for s in _occurrences(Calendar.from_ical(after))}
    # The spring term moves a week later: its sessions follow.
    spring = world.school_year.term("Spring")
    spring.start_date = date(2027, 1, 11)
    db.session.commit()
    days = {s.date() for s in _occurrences(Calendar.from_ical(client.get(f"/calendar/{token}.ics").data))}
    assert date(2027, 1, 4) not in days and date(2027, 1, 6) not in days and date(2027, 1, 11) in days


def test_parents_week_says_no_sessions_in_the_christmas_holiday(world, auth, freeze):
    client = auth.as_user(world.users["parent_x"])
    freeze("2026-12-22T08:00")  # Tuesday in the Christmas holiday
    page = client.get("/").get_data(as_text=True)
    week = page[page.index('class="app-week"') : page.index("</ul>", page.index('class="app-week"'))]
    assert "This week, from Monday 21 December 2026" in page
    assert week.count("No sessions — Christmas holiday") == 5
    assert "09:30 to 12:00" not in week
    assert "Tuesday 22 December" in week and "Today" in week

    freeze("2026-10-28T08:00")  # Wednesday in the October half-term
    week = client.get("/").get_data(as_text=True)
    assert "No sessions — October half-term" in week

    freeze("2026-11-23T08:00")  # an ordinary Monday in term
    page = client.get("/").get_data(as_text=True)
    week = page[page.index('class="app-week"') : page.index("</ul>", page.index('class="app-week"'))]
    assert week.count("09:30 to 12:00") == 2 and "No sessions" not in week

    freeze("2026-12-19T08:00")  # a Saturday: next week is shown
    assert "Next week, from Monday 21 December 2026" in client.get("/").get_data(as_text=True)


def test_a_review_date_that_has_passed_is_not_the_next_review(world, auth, freeze):
    # The world's placement started on 7 September: its first review was due 8 weeks later, 2 November.
    parent = auth.as_user(world.users["parent_x"])
    freeze("2026-10-20T09:00")
    assert "The school next reviews how it is going on Monday 2 November 2026." in parent.get("/").get_data(
        as_text=True
    )
    freeze("2026-11-23T09:00")
    page = parent.get("/").get_data(as_text=True)
    assert "next reviews how it is going on Monday 2 November" not in page
    assert "A review of how it is going is due now: the school will tell you the date." in page
    staff = auth.as_user(world.users["send_lead"]).get(f"/placements/{world.placement_x.id}").get_data(as_text=True)
    assert "Overdue: it was due on Monday 2 November 2026" in staff
