"""A child's agreed timetable as an iCalendar feed a parent's phone can subscribe to.

Sessions happen in term time only, so the feed follows the school calendar (school_calendar):
one weekly series per agreed session *per term*, each stopping at the end of its term, with an
EXDATE for every half-term, bank holiday or closure day inside the term.

Why a series per term rather than one series for the whole placement with an EXDATE for every
holiday day: a subscribed feed is re-read by Google Calendar, Apple Calendar and Outlook, and all
of them render a bounded weekly RRULE alike, whereas EXDATE handling is where clients are least
consistent (an EXDATE only removes an occurrence whose date, time and time zone match it exactly,
and a whole-year series would need dozens of them). So the long holidays (Christmas, Easter,
summer) are gaps between series and can never show sessions, even in a client that ignores
EXDATE; only the few half-term and closure days inside a term rely on EXDATE, written with the
same TZID and time as DTSTART. Each series starts on a real school day, so no client has to
exclude its DTSTART. The feed is built on every fetch, so when the school changes its calendar
the series and EXDATEs change with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from ap_forms.placements.models import Placement, PlacementEnding
from ap_forms.school_calendar.services import load_span
from ap_forms.web import clock

LONDON = ZoneInfo("Europe/London")
# How far ahead an open-ended placement is shown: as far as the school has entered its terms.
OPEN_ENDED_YEARS = 3


def _first_on_or_after(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LONDON).astimezone(UTC)


def _weekly(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        days.append(day)
        day += timedelta(days=7)
    return days


def timetable_calendar(
    student,
    placements: list[tuple[Placement, PlacementEnding | None]],
    *,
    school_name: str,
    now: datetime | None = None,
) -> bytes:
    """One weekly repeating event per agreed session and term, from the start date until the placement ends.

    An ended placement stops repeating from its end date, so the phone's calendar clears at once;
    sessions that took place before stay in the calendar's history. Holidays and closure days from
    the school calendar have no session.
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
        # The last day with a session: the day before an ending, else the planned end.
        if ending:
            last_day = ending.ended_on - timedelta(days=1)
        elif placement.planned_end_date:
            last_day = placement.planned_end_date
        else:
            last_day = placement.start_date.replace(year=placement.start_date.year + OPEN_ENDED_YEARS)
        if last_day < placement.start_date:
            continue
        span = load_span(placement.start_date, last_day)
        key_worker = placement.key_worker
        contact = (
            f"Key worker: {key_worker.name}" + (f", {key_worker.phone}" if key_worker.phone else "")
            if key_worker
            else "Key worker: not assigned yet"
        )
        for session in placement.sessions:
            for term in span.terms:
                # The current timetable runs from its own start (an earlier version is history).
                start = max(term.start_date, placement.start_date, placement.timetable_from or placement.start_date)
                end = min(term.end_date, last_day)
                days = _weekly(_first_on_or_after(start, session.weekday), end)
                school = [d for d in days if span.is_school_day(d)]
                if not school:
                    continue
                first = school[0]
                event = Event()
                event.add("uid", f"placement-{placement.id}-session-{session.id}-term-{term.id}@ap-forms")
                event.add("dtstamp", now)
                event.add("summary", f"{student.first_name}: {session.activity} at {placement.provider.name}")
                event.add("dtstart", datetime.combine(first, session.start_time, LONDON))
                event.add("dtend", datetime.combine(first, session.end_time, LONDON))
                event.add("location", session.site_address or placement.provider.address)
                event.add(
                    "description",
                    "\n".join(
                        [
                            f"Alternative provision arranged by {school_name}.",
                            contact,
                            "Term time only: on school holidays there is no session.",
                        ]
                    ),
                )
                if ending and ending.ended_on <= term.end_date:
                    until = _utc(ending.ended_on, time(0, 0))  # nothing from the end date on
                else:
                    until = _utc(end, time(23, 59, 59))
                event.add("rrule", {"freq": "weekly", "until": until})
                skipped = [d for d in days if first < d and d not in school]
                if skipped:
                    event.add("exdate", [datetime.combine(d, session.start_time, LONDON) for d in skipped])
                calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
