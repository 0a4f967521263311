"""The school calendar as services other domains reuse: which days are school days, and in which term.

`load_span(start, end)` reads the terms and closures over a range in two queries and answers
day-by-day questions in memory; the module-level helpers are shortcuts for one-off questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain

from flask import has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ap_forms.extensions import db
from ap_forms.school_calendar.models import CLOSURE_KINDS, TERM_NAMES, Closure, SchoolYear, Term
from ap_forms.web import audit, clock, request_cache

# The holiday after each term, as families call it.
HOLIDAY_AFTER_TERM = {"Autumn": "Christmas holiday", "Spring": "Easter holiday", "Summer": "Summer holiday"}


class CalendarError(ValueError):
    """A calendar change that would make the dates contradict each other."""


def school_year_start(day: date) -> int:
    """The school year a day belongs to, by its first calendar year (1 September to 31 August)."""
    return day.year if day.month >= 9 else day.year - 1


def year_bounds(start_year: int) -> tuple[date, date]:
    """The first and last days of a school year."""
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


@dataclass
class CalendarSpan:
    """Terms and closures overlapping a range of days, for answering many questions quickly."""

    terms: list[Term]
    closures: list[Closure]
    # Answers already worked out: pages ask about the same days hundreds of times (issue 15).
    _days: dict = field(default_factory=dict, repr=False, compare=False)

    def term_for(self, day: date) -> Term | None:
        return next((t for t in self.terms if day in t), None)

    def closure_for(self, day: date) -> Closure | None:
        return next((c for c in self.closures if day in c), None)

    def is_school_day(self, day: date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = (
                day.weekday() < 5 and self.term_for(day) is not None and self.closure_for(day) is None
            )
        return known

    def school_days(self, start: date, end: date) -> list[date]:
        days, day = [], start
        while day <= end:
            if self.is_school_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def previous_school_day(self, day: date, *, look_back: int = 28) -> date | None:
        """The last school day before `day` (the span must cover the days looked at)."""
        for back in range(1, look_back + 1):
            candidate = day - timedelta(days=back)
            if self.is_school_day(candidate):
                return candidate
        return None

    def next_school_day(self, day: date, *, look_ahead: int = 28) -> date | None:
        for ahead in range(1, look_ahead + 1):
            candidate = day + timedelta(days=ahead)
            if self.is_school_day(candidate):
                return candidate
        return None

    def why_not_school_day(self, day: date) -> str | None:
        """Plain words for a day without school ('Weekend', 'Half-term'), or None on a school day."""
        if day.weekday() >= 5:
            return "Weekend"
        closure = self.closure_for(day)
        if closure:
            return closure.name
        if self.term_for(day) is None:
            return self.holiday_name(day)
        return None

    def holiday_name(self, day: date) -> str:
        """The holiday between terms a day falls in, by the term before it: 'Christmas holiday'.

        Plain 'School holiday' when the span does not reach back to that term.
        """
        before = [t for t in self.terms if t.end_date < day]
        after = [t for t in self.terms if t.start_date > day]
        if before and after:
            return HOLIDAY_AFTER_TERM.get(max(before, key=lambda t: t.end_date).name, "School holiday")
        if before and max(before, key=lambda t: t.end_date).name == "Summer":
            return HOLIDAY_AFTER_TERM["Summer"]
        return "School holiday"


CACHE_NAME = "school_calendar"


def _whole_calendar() -> CalendarSpan:
    """Every term and closure (a few rows a year), read once per request (web/request_cache.py)."""
    return _read_span(None, None)


@event.listens_for(Session, "after_flush")
def _forget_changed_calendar(session, _context) -> None:
    if any(isinstance(row, Term | Closure | SchoolYear) for row in chain(session.new, session.dirty, session.deleted)):
        request_cache.forget(CACHE_NAME)


def load_span(start: date, end: date) -> CalendarSpan:
    """Terms and closures overlapping start..end; in a request, filtered from the calendar read once."""
    if not has_request_context():
        return _read_span(start, end)
    whole = request_cache.cached(CACHE_NAME, _whole_calendar)
    return CalendarSpan(
        [t for t in whole.terms if t.start_date <= end and t.end_date >= start],
        [c for c in whole.closures if c.start_date <= end and c.end_date >= start],
    )


def _read_span(start: date | None, end: date | None) -> CalendarSpan:
    if start is None or end is None:
        terms = db.session.scalars(select(Term).options(joinedload(Term.school_year)).order_by(Term.start_date))
        closures = db.session.scalars(select(Closure).order_by(Closure.start_date))
        return CalendarSpan(list(terms), list(closures))
    terms = db.session.scalars(
        select(Term)
        .where(Term.start_date <= end, Term.end_date >= start)
        .options(selectinload(Term.school_year))
        .order_by(Term.start_date)
    ).all()
    closures = db.session.scalars(
        select(Closure).where(Closure.start_date <= end, Closure.end_date >= start).order_by(Closure.start_date)
    ).all()
    return CalendarSpan(list(terms), list(closures))


def term_for(day: date) -> Term | None:
    """The term a day falls in (half-term days included), or None in the holidays between terms."""
    return load_span(day, day).term_for(day)


def is_school_day(day: date) -> bool:
    return load_span(day, day).is_school_day(day)


def school_days(start: date, end: date) -> list[date]:
    """Every school day from start to end inclusive, in order."""
    if end < start:
        return []
    return load_span(start, end).school_days(start, end)


def get_year(start_year: int) -> SchoolYear | None:
    return db.session.scalar(
        select(SchoolYear)
        .where(SchoolYear.start_year == start_year)
        .options(selectinload(SchoolYear.terms), selectinload(SchoolYear.closures))
    )


def current_school_year(today: date | None = None) -> SchoolYear | None:
    """The school year today belongs to (1 September to 31 August), if the school has entered it."""
    return get_year(school_year_start(today or clock.today()))


def terms_in_year(year: SchoolYear | int | None = None, *, today: date | None = None) -> list[Term]:
    """The terms of a school year in date order; by default the current year's."""
    if year is None:
        year = current_school_year(today)
    elif isinstance(year, int):
        year = get_year(year)
    return list(year.terms) if year else []


def previous_school_day(day: date, *, look_back: int = 28) -> date | None:
    """The last school day before `day`, within the last few weeks."""
    return load_span(day - timedelta(days=look_back), day).previous_school_day(day, look_back=look_back)


def next_school_day(day: date, *, look_ahead: int = 28) -> date | None:
    return load_span(day, day + timedelta(days=look_ahead)).next_school_day(day, look_ahead=look_ahead)


def all_years() -> list[SchoolYear]:
    return db.session.scalars(
        select(SchoolYear).options(selectinload(SchoolYear.terms)).order_by(SchoolYear.start_year.desc())
    ).all()


def get_year_by_id(year_id: int) -> SchoolYear | None:
    return db.session.scalar(
        select(SchoolYear)
        .where(SchoolYear.id == year_id)
        .options(selectinload(SchoolYear.terms), selectinload(SchoolYear.closures))
    )


# --- changes -------------------------------------------------------------------------------


def term_problems(start_year: int, dates: dict[str, tuple[date | None, date | None]]) -> dict[str, str]:
    """What is wrong with a year's term dates, by term name (empty when they fit together)."""
    problems: dict[str, str] = {}
    first, last = year_bounds(start_year)
    previous_end, previous_name = None, None
    for name in TERM_NAMES:
        start, end = dates[name]
        if start is None or end is None:
            continue  # the form reports missing dates itself
        if end < start:
            problems[name] = f"The {name} term must end on or after the day it starts"
        elif start < first or end > last:
            problems[name] = (
                f"The {name} term must be within the school year, 1 September {start_year} "
                f"to 31 August {start_year + 1}"
            )
        elif previous_end and start <= previous_end:
            problems[name] = f"The {name} term must start after the {previous_name} term ends"
        previous_end, previous_name = end, name
    return problems


def save_year(
    start_year: int, dates: dict[str, tuple[date, date]], *, actor=None, year: SchoolYear | None = None
) -> SchoolYear:
    """Create a school year with its three terms, or change an existing year's term dates."""
    problems = term_problems(start_year, dates)
    if problems:
        raise CalendarError(next(iter(problems.values())))
    if year is None:
        if get_year(start_year) is not None:
            raise CalendarError(f"The school year {start_year} to {start_year + 1} already exists")
        year = SchoolYear(start_year=start_year)
        db.session.add(year)
    changed = []
    for name in TERM_NAMES:
        start, end = dates[name]
        term = year.term(name)
        if term is None:
            year.terms.append(Term(name=name, start_date=start, end_date=end))
            changed.append(name)
        elif (term.start_date, term.end_date) != (start, end):
            term.start_date, term.end_date = start, end
            changed.append(name)
    db.session.flush()
    if changed:
        audit.record("school_year_saved", "school_year", year.id, fields=[n.lower() for n in changed], user=actor)
    db.session.commit()
    return year


def add_closure(year: SchoolYear, *, kind: str, name: str, start: date, end: date | None = None, actor=None) -> Closure:
    end = end or start
    if kind not in CLOSURE_KINDS:
        raise CalendarError("Choose whether this is a holiday or a closure day")
    if end < start:
        raise CalendarError("The last day must be on or after the first day")
    if start < year.first_day or end > year.last_day:
        raise CalendarError(f"The dates must be within the school year {year.label}")
    closure = Closure(school_year=year, kind=kind, name=name.strip(), start_date=start, end_date=end)
    db.session.add(closure)
    db.session.flush()
    audit.record("closure_added", "closure", closure.id, detail=f"{name} {start}–{end}", user=actor)
    db.session.commit()
    return closure


def remove_closure(closure: Closure, *, actor=None) -> None:
    audit.record(
        "closure_removed",
        "closure",
        closure.id,
        detail=f"{closure.name} {closure.start_date}–{closure.end_date}",
        user=actor,
    )
    db.session.delete(closure)
    db.session.commit()
