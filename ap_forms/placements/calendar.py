"""A child's agreed timetable as an iCalendar feed a parent's phone can subscribe to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from ap_forms.placements.models import Placement, PlacementEnding
from ap_forms.web import clock

LONDON = ZoneInfo("Europe/London")


def _first_on_or_after(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LONDON).astimezone(UTC)


def timetable_calendar(student, placements: list[tuple[Placement, PlacementEnding | None]], *,
                       school_name: str, now: datetime | None = None) -> bytes:
    """One weekly repeating event per agreed session, from the start date until the placement ends.

    An ended placement stops repeating from its end date, so the phone's calendar clears at once;
    sessions that took place before stay in the calendar's history.
    """
    now = now or clock.utcnow().replace(tzinfo=UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//AP Forms//Alternative provision timetable//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{student.first_name}'s alternative provision")
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add("x-published-ttl", "PT6H")
    for placement, ending in placements:
        if placement.status == "ended" and ending is None:
            continue  # ended without a recorded date: show nothing rather than guess
        key_worker = placement.key_worker
        contact = (f"Key worker: {key_worker.name}" + (f", {key_worker.phone}" if key_worker.phone else "")
                   if key_worker else "Key worker: not assigned yet")
        for session in placement.sessions:
            first = _first_on_or_after(max(placement.start_date, placement.timetable_from or placement.start_date),
                                       session.weekday)
            if ending and first >= ending.ended_on:
                continue
            event = Event()
            event.add("uid", f"placement-{placement.id}-session-{session.id}@ap-forms")
            event.add("dtstamp", now)
            event.add("summary", f"{student.first_name}: {session.activity} at {placement.provider.name}")
            event.add("dtstart", datetime.combine(first, session.start_time, LONDON))
            event.add("dtend", datetime.combine(first, session.end_time, LONDON))
            event.add("location", session.site_address or placement.provider.address)
            event.add("description", "\n".join([
                f"Alternative provision arranged by {school_name}.", contact,
                "Term time only: on school holidays there is no session.",
            ]))
            rule: dict = {"freq": "weekly"}
            if ending:
                rule["until"] = _utc(ending.ended_on, time(0, 0))  # nothing from the end date on
            elif placement.planned_end_date:
                rule["until"] = _utc(placement.planned_end_date, time(23, 59, 59))
            event.add("rrule", rule)
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
