"""The school calendar: terms, holidays and closures decide which days are school days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.school_calendar import services
from ap_forms.school_calendar.models import Closure, SchoolYear
from ap_forms.web.audit import AuditEvent
from tests import factories


@pytest.fixture
def year(app):
    return factories.make_school_year(2026)


def test_school_days_follow_terms_weekends_and_holidays(year):
    assert services.is_school_day(date(2026, 11, 30))  # a Monday in the Autumn term
    assert not services.is_school_day(date(2026, 11, 28))  # Saturday
    assert not services.is_school_day(date(2026, 10, 27))  # October half-term
    assert not services.is_school_day(date(2026, 12, 24))  # between terms
    assert not services.is_school_day(date(2026, 9, 1))  # before the Autumn term starts
    assert services.is_school_day(date(2026, 9, 2))
    assert not services.is_school_day(date(2025, 11, 3))  # a year the school has not entered


def test_school_days_over_a_range(year):
    days = services.school_days(date(2026, 10, 19), date(2026, 11, 6))
    assert days[:5] == [date(2026, 10, d) for d in (19, 20, 21, 22, 23)]
    assert date(2026, 10, 26) not in days and date(2026, 10, 31) not in days
    assert days[5:] == [date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
    assert services.school_days(date(2026, 11, 6), date(2026, 11, 2)) == []


def test_term_for_and_terms_in_year(year):
    assert services.term_for(date(2026, 10, 27)).name == "Autumn"  # half-term is still in the term
    assert services.term_for(date(2027, 2, 1)).name == "Spring"
    assert services.term_for(date(2026, 12, 25)) is None
    assert [t.name for t in services.terms_in_year(2026)] == ["Autumn", "Spring", "Summer"]
    assert [t.name for t in services.terms_in_year(year)] == ["Autumn", "Spring", "Summer"]
    assert services.terms_in_year(2030) == []
    assert [t.name for t in services.terms_in_year(today=date(2027, 3, 1))] == ["Autumn", "Spring", "Summer"]
    assert services.term_for(date(2027, 5, 1)).label == "Summer term 2026–27"


def test_current_school_year_runs_september_to_august(year):
    assert services.current_school_year(date(2026, 11, 28)).id == year.id
    assert services.current_school_year(date(2027, 8, 31)).id == year.id
    assert services.current_school_year(date(2026, 8, 31)) is None  # 2025 to 2026, not entered
    assert services.school_year_start(date(2027, 9, 1)) == 2027


def test_previous_and_next_school_day_skip_weekends_and_half_term(year):
    assert services.previous_school_day(date(2026, 11, 30)) == date(2026, 11, 27)
    assert services.next_school_day(date(2026, 10, 23)) == date(2026, 11, 2)
    assert services.previous_school_day(date(2026, 11, 2)) == date(2026, 10, 23)


def test_term_dates_must_fit_together():
    good = {
        "Autumn": (date(2027, 9, 2), date(2027, 12, 17)),
        "Spring": (date(2028, 1, 4), date(2028, 3, 24)),
        "Summer": (date(2028, 4, 10), date(2028, 7, 20)),
    }
    assert services.term_problems(2027, good) == {}
    overlapping = {**good, "Spring": (date(2027, 12, 10), date(2028, 3, 24))}
    assert "must start after the Autumn term ends" in services.term_problems(2027, overlapping)["Spring"]
    backwards = {**good, "Summer": (date(2028, 7, 20), date(2028, 4, 10))}
    assert "must end on or after" in services.term_problems(2027, backwards)["Summer"]
    outside = {**good, "Autumn": (date(2027, 8, 20), date(2027, 12, 17))}
    assert "within the school year" in services.term_problems(2027, outside)["Autumn"]


def _date(prefix: str, value: date) -> dict:
    return {prefix: [str(value.day), str(value.month), str(value.year)]}


def _year_form(start_year: int, **overrides) -> dict:
    dates = {
        "autumn_start": date(start_year, 9, 2),
        "autumn_end": date(start_year, 12, 17),
        "spring_start": date(start_year + 1, 1, 4),
        "spring_end": date(start_year + 1, 3, 24),
        "summer_start": date(start_year + 1, 4, 10),
        "summer_end": date(start_year + 1, 7, 20),
    }
    data = {"start_year": str(start_year)}
    for name, value in dates.items():
        data.update(_date(name, value))
    data.update(overrides)
    return data


def test_office_adds_a_school_year_and_a_half_term(client, auth, world):
    auth.as_user(world.users["office"])
    response = client.post("/calendar/new", data=_year_form(2027))
    assert response.status_code == 303
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.start_year == 2027))
    assert [t.name for t in year.terms] == ["Autumn", "Spring", "Summer"]
    response = client.post(
        f"/calendar/{year.id}/closures/new",
        data={
            "name": "October half-term",
            "kind": "holiday",
            **_date("start", date(2027, 10, 25)),
            **_date("end", date(2027, 10, 29)),
        },
    )
    assert response.status_code == 303
    assert not services.is_school_day(date(2027, 10, 27))
    page = client.get(f"/calendar/{year.id}").data.decode()
    assert "October half-term" in page and "Monday 25 October 2027 to Friday 29 October 2027" in page
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"school_year_saved", "closure_added"} <= actions


def test_impossible_dates_are_field_errors_and_nothing_is_lost(client, auth, world):
    auth.as_user(world.users["admin"])
    response = client.post("/calendar/new", data=_year_form(2027, autumn_start=["31", "2", "2027"]))
    assert response.status_code == 422
    page = response.data.decode()
    assert "The Autumn term start must be a real date" in page and 'value="31"' in page
    response = client.post("/calendar/new", data=_year_form(2027, spring_start=["10", "12", "2027"]))
    assert response.status_code == 422 and "must start after the Autumn term ends" in response.data.decode()
    response = client.post("/calendar/new", data=_year_form(2026))
    assert response.status_code == 422 and "already exists" in response.data.decode()
    assert db.session.scalar(select(SchoolYear).where(SchoolYear.start_year == 2027)) is None


def test_closure_outside_the_year_or_backwards_is_refused(client, auth, world):
    auth.as_user(world.users["office"])
    year_id = world.school_year.id
    backwards = client.post(
        f"/calendar/{year_id}/closures/new",
        data={
            "name": "Oops",
            "kind": "closure",
            **_date("start", date(2026, 11, 5)),
            **_date("end", date(2026, 11, 4)),
        },
    )
    assert backwards.status_code == 422 and "on or after the first day" in backwards.data.decode()
    outside = client.post(
        f"/calendar/{year_id}/closures/new",
        data={"name": "Oops", "kind": "closure", **_date("start", date(2028, 1, 5))},
    )
    assert outside.status_code == 422 and "within the school year" in outside.data.decode()
    missing = client.post(f"/calendar/{year_id}/closures/new", data={"name": "", "kind": ""})
    assert missing.status_code == 422
    assert db.session.scalar(select(Closure).where(Closure.name == "Oops")) is None


def test_a_one_day_closure_then_removed(client, auth, world):
    auth.as_user(world.users["office"])
    year_id = world.school_year.id
    client.post(
        f"/calendar/{year_id}/closures/new",
        data={"name": "Snow day", "kind": "closure", **_date("start", date(2026, 12, 1))},
    )
    assert not services.is_school_day(date(2026, 12, 1)) and services.is_school_day(date(2026, 12, 2))
    closure = db.session.scalar(select(Closure).where(Closure.name == "Snow day"))
    assert client.post(f"/calendar/closures/{closure.id}/delete").status_code == 303
    assert services.is_school_day(date(2026, 12, 1))


def test_term_dates_can_be_changed(client, auth, world):
    auth.as_user(world.users["office"])
    response = client.post(
        f"/calendar/{world.school_year.id}/edit", data=_year_form(2026, autumn_end=["11", "12", "2026"])
    )
    assert response.status_code == 303
    assert not services.is_school_day(date(2026, 12, 14))


def test_staff_read_the_calendar_but_cannot_change_it(client, auth, world):
    auth.as_user(world.users["staff"])
    page = client.get("/calendar/").data.decode()
    assert "2026 to 2027" in page and "Add a school year" not in page
    assert client.get("/calendar/new").status_code == 403


def test_calendar_says_when_the_current_year_is_missing(client, auth, world):
    db.session.delete(world.termly_report_x)  # issue 6: a termly report belongs to one of the year's terms
    db.session.delete(world.school_year)
    db.session.commit()
    auth.as_user(world.users["office"])
    page = client.get("/calendar/").data.decode()
    assert "No school years have been entered yet" in page and "no sessions are expected" in page
