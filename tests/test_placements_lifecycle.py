"""A placement after approval: its page, half-termly reviews, overdue reviews, and ending it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.placements.models import Placement, PlacementEnding, PlacementReview
from ap_forms.web.templating import long_date
from tests import factories as f
from tests.conftest import TEST_NOW

TODAY = TEST_NOW.date()  # the suite's pinned day (read at import, before the clock is pinned)

REVIEW = {
    "suitability": "suitable",
    "readiness": "not_yet",
    "decisions": "Continue as agreed.",
    "reintegration_timeframe": "Look again at the Easter review",
    "progress-0-rating": "good",
    "progress-0-comment": "92% so far",
    "progress-1-rating": "some",
    "progress-1-comment": "",
}


def _date(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _book_review(placement, due_on: date) -> PlacementReview:
    review = PlacementReview(placement_id=placement.id, due_on=due_on)
    db.session.add(review)
    db.session.commit()
    return review


def test_placement_page_for_school_staff(world, auth):
    page = auth.as_user(world.users["staff"]).get(f"/placements/{world.placement_x.id}").get_data(as_text=True)
    assert world.pupil_x.full_name in page and "Provider A" in page and "Animal care" in page
    assert "Attend 90% of sessions" in page
    assert "Record a review" not in page and "End the placement" not in page  # read-only for staff
    page = auth.as_user(world.users["send_lead"]).get(f"/placements/{world.placement_x.id}").get_data(as_text=True)
    assert "Record a review" in page and "End the placement" in page


def test_recording_a_review_fills_the_booked_one_and_books_the_next(world, auth):
    placement = world.placement_x
    booked = _book_review(placement, TODAY - timedelta(days=3))
    client = auth.as_user(world.users["send_lead"])
    page = client.get(f"/placements/{placement.id}/review").get_data(as_text=True)
    assert "Objective 1: Attend 90% of sessions" in page and "Objective 2: Complete a unit" in page

    next_review = TODAY + timedelta(weeks=6)
    response = client.post(
        f"/placements/{placement.id}/review",
        data={**REVIEW, "held_on": _date(TODAY), "next_review_on": _date(next_review)},
    )
    assert response.status_code == 303
    db.session.expire_all()
    reviews = (
        db.session.query(PlacementReview).filter_by(placement_id=placement.id).order_by(PlacementReview.due_on).all()
    )
    assert [r.id for r in reviews][0] == booked.id
    held, upcoming = reviews
    assert held.held_on == TODAY and held.recorded_by_id == world.users["send_lead"].id
    assert [(p.objective, p.rating, p.comment) for p in held.progress] == [
        ("Attend 90% of sessions", "good", "92% so far"),
        ("Complete a unit", "some", ""),
    ]
    assert (upcoming.due_on, upcoming.held_on) == (next_review, None)
    page = client.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert f"Review on {long_date(TODAY)}" in page and "Good progress" in page
    assert "Look again at the Easter review" in page


def test_review_form_errors(world, auth):
    client = auth.as_user(world.users["send_lead"])
    response = client.post(
        f"/placements/{world.placement_x.id}/review",
        data={
            "held_on": _date(TODAY + timedelta(days=1)),
            "next_review_on": _date(TODAY + timedelta(weeks=12)),
            "progress-0-rating": "good",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in [
        "Select the progress towards objective 2",
        "Select whether the placement is suitable",
        "Select whether the pupil is ready to return to school",
        "Enter the reintegration timeframe",
        "Enter the decisions made at the review",
    ]:
        assert message in page
    response = client.post(
        f"/placements/{world.placement_x.id}/review",
        data={**REVIEW, "held_on": _date(TODAY), "next_review_on": _date(TODAY + timedelta(weeks=12))},
    )
    assert response.status_code == 422
    assert "The next review must be within 8 weeks of this one" in response.get_data(as_text=True)
    assert db.session.query(PlacementReview).count() == 0


def test_next_review_due_and_overdue(world):
    today = date(2026, 11, 28)
    on_time, late = world.placement_x, world.placement_y
    _book_review(on_time, date(2026, 12, 4))
    _book_review(late, date(2026, 11, 20))
    unbooked = f.make_placement(f.make_student(), world.provider_a, start_date=date(2026, 9, 7))
    assert services.next_reviews_due([on_time, late, unbooked]) == {
        on_time.id: date(2026, 12, 4),
        late.id: date(2026, 11, 20),
        unbooked.id: date(2026, 9, 7) + timedelta(weeks=8),
    }  # none booked: half-termly from the start
    overdue = services.overdue_reviews(world.users["send_lead"], today)
    assert [(p.id, due) for p, due in overdue] == [(unbooked.id, date(2026, 11, 2)), (late.id, date(2026, 11, 20))]


def test_overdue_reviews_on_the_school_overview(world, auth):
    _book_review(world.placement_x, TODAY + timedelta(days=10))
    _book_review(world.placement_y, TODAY - timedelta(days=8))
    page = auth.as_user(world.users["office"]).get("/").get_data(as_text=True)
    section = page.split("Reviews overdue", 1)[1].split("</ul>", 1)[0]
    assert world.pupil_y.full_name in section and world.pupil_x.full_name not in section
    assert f"/placements/{world.placement_y.id}" in section


def test_overdue_reviews_query_count_does_not_grow(world):
    def queries() -> int:
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            services.overdue_reviews(world.users["send_lead"], date(2026, 11, 28))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    few = queries()
    for _ in range(5):
        placement = f.make_placement(f.make_student(), world.provider_b)
        _book_review(placement, date(2026, 11, 1))
    assert queries() == few


def test_immediate_withdrawal_needs_a_reason(world, auth):
    client = auth.as_user(world.users["headteacher"])
    response = client.post(
        f"/placements/{world.placement_x.id}/end", data={"kind": "immediate", "ended_on": _date(TODAY)}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Select the reason for the immediate withdrawal" in page
    assert "Describe what happened and what was decided" in page
    response = client.post(
        f"/placements/{world.placement_x.id}/end",
        data={"kind": "planned", "ended_on": _date(TODAY + timedelta(days=2))},
    )
    assert response.status_code == 422
    assert "The end date must be today or in the past" in response.get_data(as_text=True)
    assert db.session.get(Placement, world.placement_x.id).status == "active"


def test_immediate_withdrawal_stops_the_timetable_at_once(world, auth):
    placement = world.placement_x
    head = auth.as_user(world.users["headteacher"])
    response = head.post(
        f"/placements/{placement.id}/end",
        data={
            "kind": "immediate",
            "reason": "safeguarding",
            "ended_on": _date(TODAY),
            "details": "Concern raised by the provider; DSL informed.",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    ending = db.session.query(PlacementEnding).filter_by(placement_id=placement.id).one()
    assert (ending.kind, ending.reason, ending.ended_on) == ("immediate", "safeguarding", TODAY)
    assert ending.recorded_by_id == world.users["headteacher"].id
    assert db.session.get(Placement, placement.id).status == "ended"

    page = head.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Withdrawn immediately: safeguarding concern" in page and "The timetable stopped" in page
    assert "&lt;p" not in page
    assert "Record a review" not in page
    assert head.post(f"/placements/{placement.id}/end", data={"kind": "planned"}).status_code == 303  # once only
    assert db.session.query(PlacementEnding).count() == 1

    # The family sees it ended, without the reason, and no longer sees the sessions.
    parent_page = auth.as_user(world.users["parent_x"]).get("/").get_data(as_text=True)
    assert "The placement at Provider A ended on" in parent_page
    assert "safeguarding" not in parent_page.lower() and "09:30 to 12:00" not in parent_page
    assert "&lt;p" not in parent_page
    # So does the key worker.
    kw_page = auth.as_user(world.users["kw_a"]).get("/").get_data(as_text=True)
    assert "Placements that have ended" in kw_page and world.pupil_x.full_name in kw_page
    assert "safeguarding" not in kw_page.lower()
    # Other families and providers see nothing of it.
    assert world.pupil_x.first_name not in auth.as_user(world.users["parent_y"]).get("/").get_data(as_text=True)
    assert "Placements that have ended" not in auth.as_user(world.users["kw_b"]).get("/").get_data(as_text=True)


def test_planned_end(world):
    ending = services.end_placement(
        world.placement_y,
        kind="planned",
        ended_on=date(2026, 11, 27),
        actor=world.users["send_lead"],
        today=date(2026, 11, 28),
    )
    assert ending.description == "Ended as planned" and ending.reason == ""
    assert world.placement_y.status == "ended"
    with pytest.raises(services.PlacementError, match="already ended"):
        services.end_placement(
            world.placement_y,
            kind="planned",
            ended_on=date(2026, 11, 27),
            actor=world.users["send_lead"],
            today=date(2026, 11, 28),
        )
    with pytest.raises(services.PlacementError, match="on or after the start"):
        services.end_placement(
            world.placement_x,
            kind="planned",
            ended_on=date(2026, 1, 1),
            actor=world.users["send_lead"],
            today=date(2026, 11, 28),
        )


def test_an_ended_placement_cannot_be_reviewed(world, auth):
    services.end_placement(world.placement_x, kind="planned", ended_on=TODAY, actor=world.users["send_lead"])
    client = auth.as_user(world.users["send_lead"])
    assert client.get(f"/placements/{world.placement_x.id}/review").status_code == 303
    with pytest.raises(services.PlacementError, match="has ended"):
        services.record_review(
            world.placement_x,
            held_on=TODAY,
            progress=[],
            suitability="suitable",
            suitability_notes="",
            readiness="not_yet",
            reintegration_timeframe="x",
            decisions="x",
            next_review_on=TODAY + timedelta(days=7),
            actor=world.users["send_lead"],
        )


def test_planned_placements_start_on_their_start_date(world, runner):
    planned = f.make_placement(f.make_student(), world.provider_a, status="planned", start_date=date(2027, 1, 4))
    assert services.start_due_placements(date(2027, 1, 3)) == []
    assert [p.id for p in services.start_due_placements(date(2027, 1, 4))] == [planned.id]
    assert db.session.get(Placement, planned.id).status == "active"
    assert "Started 0 placements." in runner.invoke(args=["start-placements"]).output  # idempotent
