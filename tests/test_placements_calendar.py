"""The family's calendar feed: a secret, revocable address; parsed back and checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from icalendar import Calendar

from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.students.models import CalendarFeed, ParentLink
from ap_forms.web.audit import AuditEvent

LONDON = ZoneInfo("Europe/London")


def _create_link(auth, world) -> str:
    client = auth.as_user(world.users["parent_x"])
    response = client.post(f"/my-child/{world.pupil_x.id}/calendar")
    assert response.status_code == 303
    db.session.expire_all()
    return db.session.query(CalendarFeed).filter_by(revoked_at=None).one().token


def test_parent_makes_a_calendar_link_and_the_feed_parses(world, auth, app):
    page = auth.as_user(world.users["parent_x"]).get("/").get_data(as_text=True)
    assert "Create a calendar link" in page
    token = _create_link(auth, world)
    # The address a parent copies comes from APP_BASE_URL, never from the request's Host header.
    app.config["APP_BASE_URL"] = "https://apforms.school.example"
    page = auth.as_user(world.users["parent_x"]).get("/").get_data(as_text=True)
    address = f"apforms.school.example/calendar/{token}.ics"
    assert f"webcal://{address}" in page and f"https://{address}" in page and "localhost/calendar" not in page
    assert "Keep this address private" in page

    anonymous = app.test_client()  # a phone's calendar app: no session, the token is the credential
    response = anonymous.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "no-store" in response.headers["Cache-Control"]

    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Xavier's alternative provision"
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert len(events) == 6  # Monday and Wednesday sessions of the world's placement, in each of three terms
    monday, wednesday = events[:2]
    assert str(monday["SUMMARY"]) == "Xavier: Animal care at Provider A"
    assert str(monday["LOCATION"]) == world.provider_a.address
    assert monday.decoded("dtstart") == datetime(2026, 9, 7, 9, 30, tzinfo=LONDON)
    assert monday.decoded("dtend") == datetime(2026, 9, 7, 12, 0, tzinfo=LONDON)
    assert wednesday.decoded("dtstart").date() == date(2026, 9, 9)
    rule = monday["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["UNTIL"][0] == datetime.combine(date(2026, 12, 18), time(23, 59, 59), LONDON).astimezone(UTC)
    last = events[-1]["RRULE"]  # the summer term's series stops at the placement's planned end
    assert last["UNTIL"][0] == datetime.combine(date(2027, 7, 16), time(23, 59, 59), LONDON).astimezone(UTC)
    assert world.users["kw_a"].name in str(monday["DESCRIPTION"])
    assert db.session.query(CalendarFeed).one().last_fetched_at is not None


def test_revoked_or_replaced_links_give_404(world, auth, app):
    old = _create_link(auth, world)
    new = _create_link(auth, world)  # "make a new link": the old one stops working
    anonymous = app.test_client()
    assert anonymous.get(f"/calendar/{old}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{new}.ics").status_code == 200

    response = auth.as_user(world.users["parent_x"]).post(f"/my-child/{world.pupil_x.id}/calendar/stop")
    assert response.status_code == 303
    assert anonymous.get(f"/calendar/{new}.ics").status_code == 404
    assert "Create a calendar link" in auth.as_user(world.users["parent_x"]).get("/").get_data(as_text=True)
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("calendar_feed_created") == 2 and actions.count("calendar_feed_revoked") == 2


def test_unknown_tokens_and_lost_access_give_404(world, auth, app):
    anonymous = app.test_client()
    for token in ["nope", "x" * 200, "'%20OR%201=1"]:
        assert anonymous.get(f"/calendar/{token}.ics").status_code == 404
    assert anonymous.get("/calendar/%00.ics").status_code == 400  # NUL bytes are refused before anything
    token = _create_link(auth, world)
    # The parent's account is disabled: the feed stops.
    world.users["parent_x"].active = False
    db.session.commit()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404
    world.users["parent_x"].active = True
    db.session.commit()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
    # The parent is no longer linked to the child: the feed stops.
    db.session.query(ParentLink).filter_by(parent_id=world.users["parent_x"].id).delete()
    db.session.commit()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404


def test_feed_stops_repeating_from_an_immediate_withdrawal(world, auth, app):
    token = _create_link(auth, world)
    services.end_placement(
        world.placement_x,
        kind="immediate",
        reason="gross_misconduct",
        details="x",
        ended_on=date(2026, 11, 25),
        actor=world.users["headteacher"],
        today=date(2026, 11, 28),
    )
    calendar = Calendar.from_ical(app.test_client().get(f"/calendar/{token}.ics").data)
    for event in calendar.walk("VEVENT"):
        until = event["RRULE"]["UNTIL"][0]
        assert until == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # midnight in London (GMT) that day
        assert "misconduct" not in str(event["DESCRIPTION"]).lower()


def test_another_parent_cannot_make_a_link_for_someone_elses_child(world, auth):
    client = auth.as_user(world.users["parent_y"])
    assert client.post(f"/my-child/{world.pupil_x.id}/calendar").status_code == 404
    assert db.session.query(CalendarFeed).count() == 0
