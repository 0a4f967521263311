"""Value for money (issue 12): the cost arithmetic on hand-made examples, a small school worked by hand,
and the budget set by the headteacher."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ap_forms.extensions import db
from ap_forms.feedback.models import SUBMITTED, WeeklyFeedback
from ap_forms.oversight.models import ApBudget
from ap_forms.oversight.value import allocate, bar_chart, cost_of, per_attended, set_budget, trend, year_value
from tests import factories as f

D = Decimal


def term_of(day: date) -> str:
    return "Autumn" if day < date(2027, 1, 1) else "Spring"


MON, TUE, WED = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
NEXT_MON = date(2026, 11, 9)
SPRING_MON = date(2027, 1, 11)
SLOTS = [(MON, "AM"), (MON, "PM"), (WED, "AM"), (NEXT_MON, "AM"), (SPRING_MON, "AM")]


@pytest.mark.parametrize(
    "basis, rate, expected, by_term",
    [
        ("session", D("50"), D("250.00"), {"Autumn": D("200.00"), "Spring": D("50.00")}),  # 5 sessions
        ("day", D("80"), D("320.00"), {"Autumn": D("240.00"), "Spring": D("80.00")}),  # 4 days
        ("week", D("120.50"), D("361.50"), {"Autumn": D("241.00"), "Spring": D("120.50")}),  # 3 weeks
        ("term", D("1000"), D("2000.00"), {"Autumn": D("1000.00"), "Spring": D("1000.00")}),  # 2 terms
        ("placement", D("4500"), D("4500.00"), {"Autumn": D("4500.00")}),  # once, when it starts
    ],
)
def test_cost_by_basis(basis, rate, expected, by_term):
    assert cost_of(basis, rate, SLOTS, term_of) == expected
    assert allocate(basis, rate, SLOTS, term_of) == by_term
    assert cost_of(basis, rate, SLOTS + SLOTS, term_of) == expected  # the same session twice is charged once


def test_cost_edge_cases():
    assert cost_of("session", D("85"), [], term_of) == D("0.00")
    assert cost_of("session", D("33.333"), [(MON, "AM"), (TUE, "AM"), (WED, "AM")], term_of) == D("100.00")
    with pytest.raises(ValueError):
        cost_of("fortnight", D("1"), SLOTS, term_of)


def test_cost_per_attended_session():
    assert per_attended(D("150"), 4) == D("37.50")
    assert per_attended(D("100"), 3) == D("33.33")
    assert per_attended(D("100"), 0) is None


def test_engagement_trend():
    assert trend([]) == (None, None, "No weekly feedback yet")
    assert trend([3, 3]) == (3.0, 3.0, "Too early to tell")
    assert trend([2, 2, 2, 2, 4, 4, 4, 4]) == (2.0, 4.0, "Improving")
    assert trend([5, 4, 5, 4, 3, 3, 2, 3]) == (4.5, 2.8, "Falling")
    assert trend([3, 4, 3, 4, 4, 3, 4, 3]) == (3.5, 3.5, "Steady")


def test_bar_chart_scales_to_the_largest_value():
    chart = bar_chart(
        [
            ("Autumn", [("actual", D("500")), ("forecast", D("1000"))]),
            ("Spring", [("actual", D("0")), ("forecast", D("250"))]),
        ],
        height=220,
    )
    heights = [round(b.height) for b in chart["bars"]]
    assert heights == [85, 170, 0, 42]  # 170 pixels of chart for £1,000
    assert all(b.y + b.height == pytest.approx(chart["axis_y"]) for b in chart["bars"])


# --- A small school, worked by hand -----------------------------------------------------------------


@pytest.fixture
def small_school(app):
    """Wednesday 11 November 2026. Two pupils, Monday and Wednesday mornings from Monday 2 November to
    Wednesday 25 November, at a provider charging £85 a session (its SLA). Ava's referral agreed nothing, so
    the SLA applies; Ben's referral agreed £300 a term."""
    f.make_school_year(2026)
    lead, head = f.make_user("send_lead"), f.make_user("headteacher")
    provider = f.make_provider(name="Meadow Farm")
    kw = f.make_user("key_worker", provider_id=provider.id)
    f.clear_provider(provider, on=date(2026, 9, 1), actor=lead)
    ava, ben = f.make_student(first_name="Ava"), f.make_student(first_name="Ben")
    dates = {"start_date": MON, "planned_end_date": date(2026, 11, 25)}
    pa = f.make_placement(ava, provider, kw, baseline_attendance_percent=50.0, **dates)
    pb = f.make_placement(ben, provider, kw, **dates)
    f.make_referral(
        ben,
        provider,
        lead,
        status="approved",
        placement_id=pb.id,
        agreed_cost=D("300"),
        cost_basis="term",
        attendance_percent=70,
        suspensions_last_year=3,
    )
    f.make_mark(pa, MON, by=kw)
    f.make_mark(pa, WED, status="absent", by=kw, absence_reason="ill")
    f.make_mark(pa, NEXT_MON, status="late", by=kw, minutes_late=10)
    f.make_mark(pb, MON, status="not_expected", by=kw)  # the provider closed that morning: not charged
    f.make_mark(pb, WED, by=kw)
    pb.suspensions_during = 1
    db.session.add_all(
        [
            WeeklyFeedback(placement_id=pa.id, week_start=MON, status=SUBMITTED, engagement=2, author_id=kw.id),
            WeeklyFeedback(placement_id=pa.id, week_start=NEXT_MON, status=SUBMITTED, engagement=4, author_id=kw.id),
        ]
    )
    db.session.commit()
    return {"ava": pa, "ben": pb, "head": head, "lead": lead}


def test_year_value_worked_by_hand(app, small_school):
    year = year_value(today=date(2026, 11, 11))
    ava, ben = (next(v for v in year.placements if v.placement.id == small_school[k].id) for k in ("ava", "ben"))
    # Ava: 2, 4 and 9 November happened (today's session is not reported yet): 3 delivered, 2 attended.
    assert (len(ava.delivered), ava.attended, ava.cost) == (3, 2, D("255.00"))
    assert ava.cost_per_attended == D("127.50")
    assert (ava.attendance, ava.baseline, ava.attendance_change) == (66.7, 50.0, 16.7)
    assert ava.rate_label == "£85.00 per session"
    # Forecast: the 3 delivered, today's and 16, 18, 23, 25 November: 8 sessions.
    assert ava.forecast == D("680.00")
    # Ben: 2 November not expected (not delivered), 4 November attended, 9 November not reported (delivered: the
    # provider was booked); charged the term's £300 once.
    assert (len(ben.delivered), ben.attended, ben.cost, ben.forecast) == (2, 1, D("300.00"), D("300.00"))
    assert ben.cost_per_attended == D("300.00")
    assert (ben.baseline, ben.suspensions_before, ben.placement.suspensions_during) == (70.0, 3, 1)
    assert ava.engagement == (3.0, 3.0, "Too early to tell")
    # The year: by term, and against the budget.
    assert [(t.name, t.actual, t.forecast) for t in year.terms] == [
        ("Autumn", D("555.00"), D("980.00")),
        ("Spring", D("0.00"), D("0.00")),
        ("Summer", D("0.00"), D("0.00")),
    ]
    assert (year.spent, year.forecast, year.remaining) == (D("555.00"), D("980.00"), None)
    assert year.cost_per_attended == D("185.00")  # £555 for 3 attended sessions
    assert (year.suspensions_before, year.suspensions_during) == (3, 1)
    set_budget(2026, D("1000"), "", actor=small_school["head"])
    assert year_value(today=date(2026, 11, 11)).remaining == D("20.00")


def test_value_page_and_budget(app, small_school, auth):
    app.config["FROZEN_NOW"] = "2026-11-11T10:30"
    client = auth.as_user(small_school["head"])
    refused = client.post("/oversight/value/budget", data={"amount": "lots", "notes": "From the trust"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "The budget must be an amount in pounds" in body and "From the trust" in body
    assert client.post("/oversight/value/budget", data={"amount": ""}).status_code == 422
    assert client.post("/oversight/value/budget", data={"amount": "£45,000.50"}).status_code in (302, 303)
    assert db.session.query(ApBudget).one().amount == D("45000.50")
    assert client.post("/oversight/value/budget", data={"amount": "46000"}).status_code in (302, 303)
    assert db.session.query(ApBudget).one().amount == D("46000.00")  # one budget a year, changed
    page = client.get("/oversight/value").get_data(as_text=True)
    assert "£46,000.00" in page and "<svg" in page and "Spend by term" in page
    assert "£127.50" in page and "Ava" in page
    assert auth.as_user(small_school["lead"]).get("/oversight/value/budget").status_code == 403
