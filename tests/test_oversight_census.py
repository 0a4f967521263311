"""The school census's AP placement items (issue 12), column by column, and its validation list; the Ofsted pack."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest

from ap_forms.extensions import db
from ap_forms.oversight.census import HEADER, census_days, census_rows, export_rows, previous_census_day
from ap_forms.placements.models import ENDED, TimetableSession
from tests import factories as f

SPRING = date(2027, 1, 21)  # the third Thursday of January 2027


def test_census_days():
    assert census_days(2026) == [("Autumn", date(2026, 10, 1)), ("Spring", SPRING), ("Summer", date(2027, 5, 20))]
    assert previous_census_day(SPRING) == date(2026, 10, 1)
    assert previous_census_day(date(2026, 10, 1)) == date(2026, 5, 21)


@pytest.fixture
def census_world(app):
    f.make_school_year(2026)
    lead = f.make_user("send_lead")
    by_urn = f.make_provider(
        name="Ridge School",
        ofsted_urn="123456",
        ukprn="10012345",  # both: the URN wins
        registration_type="independent_school",
    )
    by_ukprn = f.make_provider(name="Forest College", ukprn="10054321", ofsted_urn="EY123456")
    by_type = f.make_provider(name="Tutor Ltd", setting_type="OOT")
    unknown = f.make_provider(name="Mystery Farm", ofsted_urn="2799999", registration_type="ofsted_other")
    kw = f.make_user("key_worker", provider_id=by_urn.id)

    def placed(first, last, provider, reasons=("therapeutic", "ehcp_outcomes"), **kw_args):
        pupil = f.make_student(first_name=first, last_name=last, date_of_birth=date(2012, 3, 4))
        placement = f.make_placement(pupil, provider, kw, **kw_args)
        f.make_referral(pupil, provider, lead, status="approved", placement_id=placement.id, reasons=list(reasons))
        return placement

    a = placed("Ada", "Aardvark", by_urn, weekdays=(0,))
    a.sessions.append(
        TimetableSession(weekday=2, start_time=time(9, 30), end_time=time(15, 0), activity="Farm", site_address="")
    )  # Monday AM and Wednesday AM and PM: 3 sessions
    b = placed("Bea", "=Bee", by_ukprn, status=ENDED, ended_on=date(2026, 12, 11))
    c = placed("Cal", "Crane", by_type, reasons=("reduced_timetable",))
    full = placed("Dot", "Dove", by_type)
    full.sessions = [
        TimetableSession(weekday=d, start_time=time(9), end_time=time(15), activity="Course", site_address="")
        for d in range(5)
    ]
    bad = placed(
        "Eve", "Egret", unknown, reasons=(), status=ENDED, start_date=date(2026, 11, 2), ended_on=date(2026, 10, 30)
    )
    bad.sessions = []
    bad.student.upn = "X12"
    # Outside the period: ended before the autumn census day; and one still only planned.
    placed("Old", "Owl", by_urn, status=ENDED, ended_on=date(2026, 9, 30))
    placed("New", "Newt", by_urn, status="planned", start_date=date(2027, 2, 1))
    db.session.commit()
    return {"a": a, "b": b, "c": c, "full": full, "bad": bad, "lead": lead}


def test_census_csv_column_by_column(app, census_world, auth):
    client = auth.as_user(census_world["lead"])
    response = client.get(f"/oversight/census.csv?day={SPRING.isoformat()}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert (
        rows[0]
        == HEADER
        == [
            "UPN",
            "Surname",
            "Forename",
            "Date of birth",
            "URN",
            "UKPRN",
            "AP setting type",
            "Start date",
            "Leaving date",
            "Primary reason for placement",
            "Full or part time",
            "Sessions per week",
        ]
    )
    by_forename = {row[2]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert sorted(by_forename) == ["Ada", "Bea", "Cal", "Dot", "Eve"]  # not Old (before the period) nor New
    a, b, c, d = (by_forename[n] for n in ("Ada", "Bea", "Cal", "Dot"))
    assert a["UPN"] == census_world["a"].student.upn and a["Surname"] == "Aardvark"
    assert a["Date of birth"] == "2012-03-04"
    # Exactly one of URN, UKPRN or type of setting.
    assert (a["URN"], a["UKPRN"], a["AP setting type"]) == ("123456", "", "")
    assert (b["URN"], b["UKPRN"], b["AP setting type"]) == ("", "10054321", "")  # EY…: not a school's URN
    assert (c["URN"], c["UKPRN"], c["AP setting type"]) == ("", "", "OOT")
    assert (a["Start date"], a["Leaving date"]) == ("2026-09-07", "")
    assert b["Leaving date"] == "2026-12-11"
    assert b["Surname"] == "'=Bee"  # a spreadsheet never runs it as a formula
    assert a["Primary reason for placement"] == "Therapeutic intervention is required"
    assert c["Primary reason for placement"] == "Needs a reduced timetable to support their wellbeing"
    assert (a["Full or part time"], d["Full or part time"]) == ("P", "F")
    assert (a["Sessions per week"], b["Sessions per week"], d["Sessions per week"]) == ("3", "2", "10")


def test_census_validation_list(app, census_world):
    with app.test_request_context():
        rows = census_rows(SPRING)
        problems = {(p.placement.student.first_name, p.field): p for row in rows for p in row.problems()}
    assert set(problems) == {
        ("Eve", "URN"),
        ("Eve", "Leaving date"),
        ("Eve", "Primary reason for placement"),
        ("Eve", "Sessions per week"),
        ("Eve", "UPN"),
    }
    assert problems[("Eve", "URN")].message == (
        "Mystery Farm: no URN, UKPRN or type of setting (its Ofsted URN 2799999 is not a school's URN)"
    )
    assert problems[("Eve", "Leaving date")].message == "Leaving date 30 Oct 2026 is before the start date 2 Nov 2026"
    assert problems[("Eve", "URN")].url.endswith("/details")
    assert len(export_rows(rows)) == 6


def test_census_page_lists_what_to_fix(app, census_world, auth):
    client = auth.as_user(census_world["lead"])
    page = client.get(f"/oversight/census?day={SPRING.isoformat()}").get_data(as_text=True)
    assert "5 things the census would reject" in page and "Mystery Farm: no URN, UKPRN" in page
    assert "Download the census items (CSV)" in page
    # Not a census day: the page falls back to a census day, never a 500.
    assert client.get("/oversight/census?day=2026-13-45").status_code == 200
    assert client.get("/oversight/census?day=2026-11-11").status_code == 200
    census_world["bad"].status = "planned"  # out of the census: nothing to fix
    db.session.commit()
    page = client.get(f"/oversight/census?day={SPRING.isoformat()}").get_data(as_text=True)
    assert "The placements pass the census's checks" in page


def test_ofsted_pack(app, census_world, auth):
    app.config["FROZEN_NOW"] = "2026-11-11T10:30"
    page = auth.as_user(census_world["lead"]).get("/oversight/ofsted").get_data(as_text=True)
    assert "Providers in use" in page and "Ridge School" in page and "Tutor Ltd" in page
    assert "Mystery Farm" not in page  # its only placement has ended
    assert "Dot Dove" in page and "30 (full time)" in page
    assert "Ada Aardvark" in page and 'numeric">8</td>' in page  # 2.5 + 5.5 hours


def test_oversight_forms_and_pages_survive_hostile_input(app, world):
    """The fuzzing of tests/test_bad_input.py, for the oversight endpoints only (the full run covers all)."""
    from tests.conftest import Auth
    from tests.test_access_matrix import CASES, _ids
    from tests.test_bad_input import _field_names, _fuzz_form

    ids = _ids(world)
    mine = [c for c in CASES if c.endpoint.startswith("oversight.") and c.endpoint != "oversight.home"]
    for case in mine:
        role = sorted(case.allowed - case.out_of_scope)[0]
        client = app.test_client()
        Auth(client).as_user(world.users[role])
        path = case.path.format(**ids)
        if case.method == "POST":
            _fuzz_form(client, path, _field_names(client, path) or ["amount"])
        else:
            for query in ("?day=9999-12-31", "?day=%ff", "?day=2026-02-31&x=" + "y" * 3000):
                assert client.get(path.split("?")[0] + query).status_code < 500, path
