"""The workflow: submit, return with comments, approve through the commissioning gate, placement created."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from ap_forms.extensions import db
from ap_forms.placements.models import Placement, PlacementReview
from ap_forms.providers import services as provider_services
from ap_forms.referrals import services
from ap_forms.referrals.models import Referral, ReferralSection
from ap_forms.web.audit import AuditEvent
from tests import factories as f

APPROVAL = {
    "start_date": ["7", "12", "2026"],
    "planned_end_date": ["16", "7", "2027"],
    "first_review_on": ["25", "1", "2027"],
    "agreed_cost": "£85.50",
    "cost_basis": "session",
    "share": ["send_needs", "medical_needs"],
}


@pytest.fixture
def submitted(world):
    return f.make_referral(world.pupil_y, world.provider_a, world.users["send_lead"], status="submitted")


def _approve_data(world, **changes) -> dict:
    return {**APPROVAL, "key_worker_id": str(world.users["kw_a"].id), **changes}


def _actions(referral_id: int) -> list[tuple[str, str, int | None]]:
    db.session.expire_all()
    return [(e.action, e.to_status, e.by_id) for e in db.session.get(Referral, referral_id).events]


# --- submit -------------------------------------------------------------------------------------------


def test_submission_needs_every_section_completed(world, auth):
    referral = world.referral_x
    db.session.delete(db.session.query(ReferralSection).filter_by(referral_id=referral.id, key="risks").one())
    row = db.session.query(ReferralSection).filter_by(referral_id=referral.id, key="timetable").one()
    row.draft = {"sessions-0-activity": ["half typed"]}  # a newer draft means the section is in progress
    db.session.commit()
    client = auth.as_user(world.users["send_lead"])
    page = client.get(f"/referrals/{referral.id}/check").get_data(as_text=True)
    assert "You cannot submit yet" in page and "Risk assessment" in page

    response = client.post(f"/referrals/{referral.id}/submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Risk assessment is not completed" in page and "Proposed weekly timetable is not completed" in page
    assert db.session.get(Referral, referral.id).status == "draft"


def test_submit_records_who_and_when(world, auth):
    referral = world.referral_x
    client = auth.as_user(world.users["send_lead"])
    page = client.get(f"/referrals/{referral.id}/check").get_data(as_text=True)
    assert "Check your answers before submitting" in page and "Attend at least 90% of sessions" in page
    response = client.post(f"/referrals/{referral.id}/submit")
    assert response.status_code == 303
    assert db.session.get(Referral, referral.id).status == "submitted"
    assert _actions(referral.id)[-1] == ("submitted", "submitted", world.users["send_lead"].id)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Waiting for approval" in page and "Submitted for approval" in page
    # Separation of duties (issue 10): the leader who submitted it does not approve it.
    assert "You submitted this referral, so someone else must approve it" in page
    assert "Approve the referral" not in page
    # A double-clicked submit saves once: the second is refused, nothing changes.
    assert client.post(f"/referrals/{referral.id}/submit").status_code == 422
    assert [a for a, _, _ in _actions(referral.id)].count("submitted") == 1


# --- refused transitions --------------------------------------------------------------------------------


def test_transitions_that_are_not_allowed(world, submitted):
    draft, actor = world.referral_x, world.users["headteacher"]
    with pytest.raises(services.ReferralError, match="Only a referral waiting for approval can be approved"):
        services.approve(
            draft,
            key_worker_id=None,
            start_date=date(2026, 12, 7),
            planned_end_date=date(2027, 7, 1),
            first_review_on=date(2027, 1, 4),
            agreed_cost=Decimal(1),
            cost_basis="day",
            share=[],
            actor=actor,
        )
    with pytest.raises(services.ReferralError, match="Only a referral waiting for approval can be returned"):
        services.return_referral(draft, "No", actor=actor)
    with pytest.raises(services.ReferralError, match="already been submitted"):
        services.submit(submitted, actor=actor)
    with pytest.raises(services.ReferralError, match="can no longer be changed"):
        services.save_section(submitted, "health", {"medication": "x"}, expected_version=submitted.version, actor=actor)
    with pytest.raises(services.ReferralError, match="Enter what needs to change"):
        services.return_referral(submitted, "   ", actor=actor)
    assert db.session.get(Referral, submitted.id).status == "submitted"


def test_approve_and_return_pages_only_for_a_submitted_referral(world, auth):
    client = auth.as_user(world.users["headteacher"])
    for path in ("approve", "return"):
        response = client.get(f"/referrals/{world.referral_x.id}/{path}")
        assert response.status_code == 303
        response = client.post(f"/referrals/{world.referral_x.id}/{path}", data={"comments": "x"})
        assert response.status_code == 303
    assert db.session.get(Referral, world.referral_x.id).status == "draft"


# --- return -------------------------------------------------------------------------------------------


def test_return_with_comments_then_resubmit(world, auth, submitted):
    head = auth.as_user(world.users["headteacher"])
    response = head.post(f"/referrals/{submitted.id}/return", data={"comments": ""})
    assert response.status_code == 422
    assert "Enter what needs to change before the referral can be approved" in response.get_data(as_text=True)
    response = head.post(f"/referrals/{submitted.id}/return", data={"comments": "Add a risk for travelling by taxi."})
    assert response.status_code == 303
    assert db.session.get(Referral, submitted.id).status == "returned"

    lead = auth.as_user(world.users["send_lead"])
    page = lead.get(f"/referrals/{submitted.id}").get_data(as_text=True)
    assert "Returned with comments" in page and "Add a risk for travelling by taxi." in page
    assert "&lt;p" not in page  # the comment box is real markup, not escaped tags
    assert lead.get(f"/referrals/{submitted.id}/sections/risks").status_code == 200  # editable again
    assert lead.post(f"/referrals/{submitted.id}/submit").status_code == 303
    assert [(a, s) for a, s, _ in _actions(submitted.id)] == [
        ("created", "draft"),
        ("returned", "returned"),
        ("submitted", "submitted"),
    ]
    assert _actions(submitted.id)[1][2] == world.users["headteacher"].id


# --- approve ------------------------------------------------------------------------------------------


def test_approval_creates_the_placement(autumn_day, world, auth, submitted):
    client = auth.as_user(world.users["headteacher"])
    page = client.get(f"/referrals/{submitted.id}/approve").get_data(as_text=True)
    assert "Approve and create the placement" in page and "Cleared" in page
    assert world.users["kw_a"].name in page and world.users["kw_b"].name not in page  # only this provider's

    response = client.post(f"/referrals/{submitted.id}/approve", data=_approve_data(world))
    assert response.status_code == 303
    referral = db.session.get(Referral, submitted.id)
    placement = db.session.get(Placement, referral.placement_id)
    assert response.headers["Location"].endswith(f"/placements/{placement.id}")
    assert referral.status == "approved"
    assert (referral.agreed_cost, referral.cost_basis) == (Decimal("85.50"), "session")
    assert placement.student_id == world.pupil_y.id and placement.provider_id == world.provider_a.id
    assert placement.key_worker_id == world.users["kw_a"].id
    assert (placement.start_date, placement.planned_end_date) == (date(2026, 12, 7), date(2027, 7, 16))
    assert placement.status == "planned"  # starts after today
    assert placement.objective_list == [
        "Attend at least 90% of sessions (measured by: Attendance register each half term)",
        "Complete the animal care unit (measured by: Unit signed off by the provider)",
    ]
    assert (placement.share_send_needs, placement.share_diagnoses, placement.share_medical_needs) == (True, False, True)
    sessions = [(s.weekday, s.start_time, s.activity, s.site_address) for s in placement.sessions]
    assert sessions == [
        (0, time(9, 30), "Animal care", world.provider_a.address),
        (2, time(13, 0), "Horticulture", "Walled garden"),
    ]
    review = db.session.query(PlacementReview).filter_by(placement_id=placement.id).one()
    assert (review.due_on, review.held_on) == (date(2027, 1, 25), None)
    assert [(a, s) for a, s, _ in _actions(submitted.id)][-2:] == [
        ("approved", "approved"),
        ("placement_created", "approved"),
    ]
    assert _actions(submitted.id)[-1][2] == world.users["headteacher"].id
    actions = {e.action for e in db.session.query(AuditEvent)}
    assert {"referral_approved", "placement_created"} <= actions

    # The key worker now sees the pupil, with only what the school chose to share.
    kw = auth.as_user(world.users["kw_a"])
    page = kw.get(f"/pupils/{world.pupil_y.id}").get_data(as_text=True)
    assert world.pupil_y.send_needs in page and world.pupil_y.medical_needs in page
    assert world.pupil_y.diagnoses not in page

    # Approving twice (a double click) creates nothing more.
    again = auth.as_user(world.users["headteacher"]).post(
        f"/referrals/{submitted.id}/approve", data=_approve_data(world)
    )
    assert again.status_code == 303
    assert db.session.query(Placement).filter_by(student_id=world.pupil_y.id).count() == 2  # world's + new


def test_approval_starting_today_is_active(world, submitted):
    today = date.today()  # the world's providers were cleared today
    placement = services.approve(
        submitted,
        key_worker_id=None,
        start_date=today,
        planned_end_date=today + timedelta(days=90),
        first_review_on=today + timedelta(days=40),
        agreed_cost=Decimal("400"),
        cost_basis="term",
        share=set(),
        actor=world.users["send_lead"],
        today=today,
    )
    assert placement.status == "active" and placement.key_worker_id is None


def test_approval_form_checks_its_answers(world, auth, submitted):
    client = auth.as_user(world.users["headteacher"])
    response = client.post(
        f"/referrals/{submitted.id}/approve",
        data=_approve_data(
            world,
            agreed_cost="lots",
            first_review_on=["1", "6", "2027"],
            key_worker_id="",
            planned_end_date=["31", "2", "2027"],
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in [
        "Enter the agreed cost as an amount in pounds, like 85.00",
        "The first review must be within 8 weeks of the start date",
        "Select the key worker for this placement",
        "Planned end date must be a real date",
    ]:
        assert message in page
    assert db.session.get(Referral, submitted.id).status == "submitted"


def test_key_worker_must_work_for_the_provider(world, submitted):
    with pytest.raises(services.ReferralError, match="works for the provider"):
        services.approve(
            submitted,
            key_worker_id=world.users["kw_b"].id,
            start_date=date(2026, 12, 7),
            planned_end_date=date(2027, 7, 1),
            first_review_on=date(2027, 1, 4),
            agreed_cost=Decimal(1),
            cost_basis="day",
            share=[],
            actor=world.users["send_lead"],
        )
    assert db.session.query(Placement).count() == 2


# --- the commissioning gate ----------------------------------------------------------------------------


def test_approval_is_blocked_when_the_provider_is_not_cleared(world, auth):
    uncleared = f.make_provider(name="Unchecked Stables", la_approved=False, ofsted_urn=None)
    referral = f.make_referral(world.pupil_y, uncleared, world.users["send_lead"], status="submitted")
    client = auth.as_user(world.users["send_lead"])
    page = client.get(f"/referrals/{referral.id}/approve").get_data(as_text=True)
    assert "Not cleared" in page and "not on the local authority&#39;s approved provider list" in page

    response = client.post(f"/referrals/{referral.id}/approve", data=APPROVAL)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The referral cannot be approved: Unchecked Stables is not cleared" in page
    assert "Not Ofsted registered and not on the local authority&#39;s approved provider list" in page
    assert "No Service Level Agreement recorded" in page
    assert db.session.get(Referral, referral.id).status == "submitted"
    assert db.session.query(Placement).filter_by(provider_id=uncleared.id).count() == 0
    assert db.session.query(AuditEvent).filter_by(action="referral_approval_blocked").count() == 1


def test_the_gate_lists_exactly_what_is_missing(world, auth, submitted):
    """A cleared provider whose safeguarding policy review has lapsed: approval shows exactly that."""
    from datetime import date

    from ap_forms.providers.models import ProviderPolicy

    policy = db.session.query(ProviderPolicy).filter_by(provider_id=submitted.provider_id, kind="safeguarding").one()
    policy.review_date = date(2020, 1, 1)
    db.session.commit()
    problems = provider_services.commissioning_status(
        db.session.get(type(world.provider_a), submitted.provider_id)
    ).problems
    assert len(problems) == 1 and "afeguarding" in problems[0]
    client = auth.as_user(world.users["headteacher"])
    response = client.post(f"/referrals/{submitted.id}/approve", data=_approve_data(world))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert all(problem in page for problem in problems)
    assert db.session.get(Referral, submitted.id).placement_id is None


def test_the_gate_allows_a_cleared_provider(world, auth, submitted, monkeypatch):
    seen = []

    def allow(provider, today=None):
        seen.append(provider.id)

    monkeypatch.setattr(provider_services, "ensure_provider_cleared", allow)
    client = auth.as_user(world.users["headteacher"])
    assert client.post(f"/referrals/{submitted.id}/approve", data=_approve_data(world)).status_code == 303
    assert seen == [world.provider_a.id]
    assert db.session.get(Referral, submitted.id).status == "approved"


# --- lists and the overview ------------------------------------------------------------------------------


def test_referral_list_filters_by_status(world, auth, submitted):
    client = auth.as_user(world.users["send_lead"])
    page = client.get("/referrals/").get_data(as_text=True)
    assert "2 referrals" in page and world.pupil_x.full_name in page and world.pupil_y.full_name in page
    page = client.get("/referrals/?status=submitted").get_data(as_text=True)
    assert "1 referral: waiting for approval" in page and world.pupil_x.full_name not in page
    page = client.get("/referrals/?status=approved").get_data(as_text=True)
    assert "No referrals are approved" in page


def test_overview_shows_referrals_waiting_for_a_decision(world, auth, submitted):
    page = auth.as_user(world.users["headteacher"]).get("/").get_data(as_text=True)
    assert "Referrals waiting for a decision" in page and world.pupil_y.full_name in page
    page = auth.as_user(world.users["office"]).get("/").get_data(as_text=True)
    assert "Referrals waiting for a decision" not in page


def test_referral_list_does_not_grow_queries_with_referrals(world, auth, app):
    from sqlalchemy import event

    client = auth.as_user(world.users["send_lead"])

    def count_queries() -> int:
        statements = []

        def on_execute(*args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            assert client.get("/referrals/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
        return len(statements)

    few = count_queries()
    for _ in range(6):
        f.make_referral(f.make_student(), world.provider_b, world.users["send_lead"])
    assert count_queries() == few
