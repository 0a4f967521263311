"""Issue 10, "a placement must always be safe to run": one creation path (an approved referral), a
timetable always (changed as a new version, the old kept), no start before the start date, code B only
for a session the provider reported attended, separation of duties on approval, what the provider is
told, and a withdrawal that tells people."""

from __future__ import annotations

import html
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import select

from ap_forms.attendance import services as attendance
from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.placements.models import ACTIVE, PLANNED, Placement, TimetableVersion
from ap_forms.referrals import services as referrals
from ap_forms.referrals.models import Referral
from tests import factories as f

NOW = "2026-11-23T10:30"  # a Monday in the autumn term
MON = date(2026, 11, 23)
SESSIONS = [{"weekday": 0, "start_time": time(9, 30), "end_time": time(12, 0), "activity": "Animal care"}]


@pytest.fixture
def frozen(app):
    app.config["FROZEN_NOW"] = NOW
    yield
    app.config.pop("FROZEN_NOW", None)


@pytest.fixture
def farm(world):
    """A provider cleared on a fixed date, with its own key worker (so nothing depends on the real date)."""
    provider = f.make_provider(name="Fixed Date Farm")
    key_worker = f.make_user("key_worker", provider_id=provider.id)
    f.clear_provider(provider, on=date(2026, 9, 1), actor=world.users["send_lead"])
    return provider, key_worker


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _date(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _create(student, provider, key_worker, **changes) -> Placement:
    values = dict(
        key_worker_id=key_worker.id,
        start_date=date(2026, 11, 30),
        planned_end_date=date(2027, 7, 16),
        objectives="Attend every session",
        sessions=SESSIONS,
        actor=None,
        today=MON,
    )
    values.update(changes)
    return services.create_placement(student, provider, **values)


# --- 1. One creation path; a timetable always ------------------------------------------------------------


def test_every_placement_comes_from_an_approved_referral(world, auth):
    client = auth.as_user(world.users["send_lead"])
    assert client.get(f"/pupils/{world.pupil_x.id}/placements/new").status_code == 404
    page = _text(client.get(f"/pupils/{world.pupil_x.id}"))
    assert "Plan a placement" not in page
    assert f"Refer {world.pupil_x.first_name} to alternative provision" in page
    assert f"/referrals/new?student_id={world.pupil_x.id}" in page


def test_create_placement_has_one_set_of_rules(world, farm):
    provider, key_worker = farm
    pupil = f.make_student(first_name="Rules")
    with pytest.raises(services.PlacementError, match="Agree a weekly timetable") as no_timetable:
        _create(pupil, provider, key_worker, sessions=[])
    assert no_timetable.value.field == "sessions"
    with pytest.raises(services.PlacementError, match="planned end date must be after the start date"):
        _create(pupil, provider, key_worker, planned_end_date=date(2026, 11, 30))  # the same day
    with pytest.raises(services.PlacementError, match="at least one objective"):
        _create(pupil, provider, key_worker, objectives="  ")
    key_worker.active = False
    db.session.commit()
    with pytest.raises(services.PlacementError, match="works for the provider"):
        _create(pupil, provider, key_worker)
    key_worker.active = True
    db.session.commit()
    assert db.session.scalar(select(Placement).where(Placement.student_id == pupil.id)) is None

    planned = _create(pupil, provider, key_worker)
    assert planned.status == PLANNED and [s.activity for s in planned.sessions] == ["Animal care"]
    started = _create(f.make_student(), provider, key_worker, start_date=MON)
    assert started.status == ACTIVE


def test_approval_creates_the_placement_through_the_placements_service(world, monkeypatch):
    calls = []
    real = services.create_placement

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "create_placement", spy)
    referral = f.make_referral(world.pupil_y, world.provider_a, world.users["send_lead"], status="submitted")
    today = world.provider_a.agreement.start_date  # the day the world's provider was cleared
    placement = referrals.approve(
        referral,
        key_worker_id=world.users["kw_a"].id,
        start_date=today,
        planned_end_date=date(today.year + 1, 7, 1),
        first_review_on=today,
        agreed_cost=Decimal(85),
        cost_basis="session",
        share={"outcomes"},
        actor=world.users["headteacher"],
        today=today,
    )
    assert len(calls) == 1 and len(calls[0]["sessions"]) == 2
    assert placement.status == ACTIVE and placement.share_outcomes and not placement.share_send_needs

    # An inactive key worker is refused by the one rule (the approval said so through its own copy before).
    other = f.make_referral(world.pupil_x, world.provider_a, world.users["send_lead"], status="submitted")
    world.users["kw_a"].active = False
    db.session.commit()
    with pytest.raises(referrals.ReferralError, match="works for the provider"):
        referrals.approve(
            other,
            key_worker_id=world.users["kw_a"].id,
            start_date=today,
            planned_end_date=date(today.year + 1, 7, 1),
            first_review_on=today,
            agreed_cost=Decimal(85),
            cost_basis="session",
            share=set(),
            actor=world.users["headteacher"],
            today=today,
        )
    assert db.session.get(Referral, other.id).status == "submitted"


def test_a_placement_with_no_timetable_can_never_be_active(app, world, auth, frozen):
    pupil = f.make_student(first_name="Nott")
    placement = f.make_placement(
        pupil, world.provider_a, world.users["kw_a"], weekdays=(), status=PLANNED, start_date=date(2026, 11, 2)
    )
    with pytest.raises(services.PlacementError, match="no agreed timetable"):
        services.start_placement(placement, actor=world.users["send_lead"], today=MON)
    assert services.start_due_placements(today=MON) == []
    response = auth.as_user(world.users["send_lead"]).post(f"/placements/{placement.id}/start")
    assert response.status_code == 303
    db.session.refresh(placement)
    assert placement.status == PLANNED


def test_an_agreed_timetable_changes_as_a_new_version_and_people_are_told(app, world, auth, frozen, smtp_server):
    placement = world.placement_x  # Monday and Wednesday mornings since 7 September
    client = auth.as_user(world.users["send_lead"])
    form = _text(client.get(f"/placements/{placement.id}/timetable"))
    assert "Change the agreed timetable" in form and "Animal care" in form

    data = {
        "sessions-0-weekday": "1",
        "sessions-0-start_time": "13:00",
        "sessions-0-end_time": "15:00",
        "sessions-0-activity": "Forest school",
        "sessions-0-site_address": "",
        "effective_from": _date(date(2026, 11, 30)),
        "reason": "",
    }
    refused = client.post(f"/placements/{placement.id}/timetable", data=data)
    assert refused.status_code == 422 and "Enter why the timetable is changing" in _text(refused)
    past = client.post(
        f"/placements/{placement.id}/timetable",
        data={**data, "reason": "Review", "effective_from": _date(date(2026, 11, 2))},
    )
    assert past.status_code == 422 and "must start today or later" in _text(past)

    response = client.post(f"/placements/{placement.id}/timetable", data={**data, "reason": "Agreed at review"})
    assert response.status_code == 303
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert placement.timetable_version == 2 and placement.timetable_from == date(2026, 11, 30)
    assert [(s.weekday, s.activity) for s in placement.sessions] == [(1, "Forest school")]
    old = db.session.scalar(select(TimetableVersion).where(TimetableVersion.placement_id == placement.id))
    assert old.version == 1 and old.valid_until == date(2026, 11, 29) and old.change_reason == "Agreed at review"
    assert [row["weekday"] for row in old.sessions] == [0, 2]
    # The old timetable still decides what was expected before the change; the new one after it.
    assert attendance.timetable_for(placement, MON, "AM")
    assert not attendance.timetable_for(placement, date(2026, 11, 24), "PM")
    assert not attendance.timetable_for(placement, date(2026, 11, 30), "AM")
    assert attendance.timetable_for(placement, date(2026, 12, 1), "PM")

    told = {m["To"]: m.get_content() for m in smtp_server.messages}
    assert set(told) == {world.users["kw_a"].email, world.users["parent_x"].email}
    assert all("Tuesday 13:00 to 15:00: Forest school" in body for body in told.values())
    page = _text(client.get(f"/placements/{placement.id}"))
    assert "Earlier timetables" in page and "Version 1" in page and "Agreed at review" in page


# --- 2. Start means start ---------------------------------------------------------------------------------


def test_a_placement_cannot_start_before_its_start_date(app, world, auth, farm, frozen):
    provider, key_worker = farm
    placement = _create(f.make_student(first_name="Early"), provider, key_worker)  # starts Monday 30 November
    client = auth.as_user(world.users["send_lead"])
    page = _text(client.get(f"/pupils/{placement.student_id}"))
    assert "It starts by itself on Monday 30 November 2026" in page
    assert "Start placement" not in page
    response = client.post(f"/placements/{placement.id}/start", follow_redirects=True)
    assert "starts on 30 November 2026, so it cannot start before then" in _text(response)
    db.session.refresh(placement)
    assert placement.status == PLANNED

    app.config["FROZEN_NOW"] = "2026-11-30T09:00"
    assert client.post(f"/placements/{placement.id}/start").status_code == 303
    db.session.refresh(placement)
    assert placement.status == ACTIVE


# --- 3. Code B only when attendance is known --------------------------------------------------------------


def test_code_b_only_for_a_session_reported_attended(app, world, auth, frozen):
    office, placement = world.users["office"], world.placement_x
    now = datetime(2026, 11, 23, 10, 30)
    with pytest.raises(attendance.AttendanceError, match="not reported yet"):
        attendance.record_code(placement, MON, "AM", "B", by=office, now=now)
    client = auth.as_user(office)
    url = f"/attendance/sessions/{placement.id}/2026-11-23/AM/code"
    prefix = f"r{placement.id}AM-"
    response = client.post(url, data={prefix + "code": "B"})
    assert response.status_code == 422
    assert "Code B can only be recorded when the provider has reported the pupil attended" in _text(response)

    f.make_mark(placement, MON, "AM", "absent", by=world.users["kw_a"], absence_reason="ill")
    with pytest.raises(attendance.AttendanceError, match="reported as absent"):
        attendance.record_code(placement, MON, "AM", "B", by=office, now=now)
    attendance.record_code(placement, MON, "AM", "I", by=office, now=now)
    with pytest.raises(attendance.AttendanceError, match="reported as absent"):  # nor as an amendment
        attendance.record_code(placement, MON, "AM", "B", by=office, reason="Was there", now=now)

    f.make_mark(world.placement_y, MON, "AM", "present", by=world.users["kw_b"])
    assert attendance.record_code(world.placement_y, MON, "AM", "B", by=office, now=now).code == "B"


# --- 4. Separation of duties ------------------------------------------------------------------------------


def test_the_leader_who_submitted_a_referral_cannot_approve_it(world, auth):
    referral = world.referral_x  # complete, a draft
    lead = auth.as_user(world.users["send_lead"])
    assert lead.post(f"/referrals/{referral.id}/submit").status_code == 303
    page = _text(lead.get(f"/referrals/{referral.id}"))
    assert "You submitted this referral, so someone else must approve it" in page
    assert f"/referrals/{referral.id}/approve" not in page
    response = lead.get(f"/referrals/{referral.id}/approve", follow_redirects=True)
    assert "You submitted this referral" in _text(response)
    start = world.provider_a.agreement.start_date
    data = {
        "key_worker_id": str(world.users["kw_a"].id),
        "start_date": _date(start),
        "planned_end_date": _date(date(start.year + 1, 7, 1)),
        "first_review_on": _date(start),
        "agreed_cost": "85",
        "cost_basis": "session",
    }
    assert lead.post(f"/referrals/{referral.id}/approve", data=data).status_code == 303
    assert db.session.get(Referral, referral.id).status == "submitted"
    with pytest.raises(referrals.ReferralError, match="someone else must approve it"):
        referrals.approve(
            referral,
            key_worker_id=None,
            start_date=start,
            planned_end_date=date(start.year + 1, 7, 1),
            first_review_on=start,
            agreed_cost=Decimal(1),
            cost_basis="day",
            share=set(),
            actor=world.users["send_lead"],
            today=start,
        )

    # Another SEND lead may approve it; so may the headteacher, always.
    other_lead = f.make_user("send_lead")
    assert referrals.approval_refused(referral, other_lead) is None
    assert referrals.approval_refused(referral, world.users["headteacher"]) is None
    head = auth.as_user(world.users["headteacher"])
    assert head.post(f"/referrals/{referral.id}/approve", data=data).status_code == 303
    assert db.session.get(Referral, referral.id).status == "approved"


# --- 6. What the provider must be told --------------------------------------------------------------------


def _approve(world, auth, referral, share: list[str]):
    start = world.provider_a.agreement.start_date
    data = {
        "key_worker_id": str(world.users["kw_a"].id),
        "start_date": _date(start),
        "planned_end_date": _date(date(start.year + 1, 7, 1)),
        "first_review_on": _date(start),
        "agreed_cost": "85",
        "cost_basis": "session",
        "share": share,
    }
    response = auth.as_user(world.users["headteacher"]).post(f"/referrals/{referral.id}/approve", data=data)
    assert response.status_code == 303


def test_approval_form_starts_with_nothing_shared(world, auth):
    referral = f.make_referral(world.pupil_y, world.provider_a, world.users["send_lead"], status="submitted")
    page = auth.as_user(world.users["headteacher"]).get(f"/referrals/{referral.id}/approve").get_data(as_text=True)
    assert 'name="share"' in page and "checked" not in page
    for label in ["Contact restrictions", "Expected academic outcomes", "Risk assessment with its controls"]:
        assert label in page


def test_key_worker_sees_what_was_chosen_for_sharing(world, auth):
    details = dict(
        has_restrictions=True,
        restrictions="Father must not collect: court order",
        expected_outcomes="Entry Level 3 in land-based studies",
    )
    shared = f.make_referral(world.pupil_y, world.provider_a, world.users["send_lead"], status="submitted", **details)
    _approve(world, auth, shared, ["restrictions", "outcomes", "risks"])
    page = _text(auth.as_user(world.users["kw_a"]).get(f"/pupils/{world.pupil_y.id}"))
    assert "Father must not collect: court order" in page
    assert "Entry Level 3 in land-based studies" in page
    assert "Leaving the site when anxious" in page and "Quiet space and a named adult" in page
    assert world.pupil_y.send_needs not in page  # not ticked

    pupil = f.make_student(first_name="Quiet")
    withheld = f.make_referral(pupil, world.provider_a, world.users["send_lead"], status="submitted", **details)
    _approve(world, auth, withheld, [])
    page = _text(auth.as_user(world.users["kw_a"]).get(f"/pupils/{pupil.id}"))
    assert "Father must not collect" not in page and "Entry Level 3" not in page
    assert "Quiet space and a named adult" not in page


# --- 7. Withdrawal tells people ---------------------------------------------------------------------------


def test_an_immediate_withdrawal_tells_people_and_shows_on_the_pupil_page(app, world, auth, frozen, smtp_server):
    placement = world.placement_x
    lead = auth.as_user(world.users["send_lead"])
    response = lead.post(
        f"/placements/{placement.id}/end",
        data={
            "kind": "immediate",
            "reason": "safeguarding",
            "ended_on": _date(MON),
            "details": "Disclosure on site; LADO informed",
        },
    )
    assert response.status_code == 303
    told = {m["To"]: (m["Subject"], m.get_content()) for m in smtp_server.messages}
    leaders = ", ".join(u.email for u in sorted([world.users["dsl"], world.users["headteacher"]], key=lambda u: u.id))
    assert set(told) == {leaders, world.users["kw_a"].email, world.users["parent_x"].email}
    subject, body = told[leaders]
    assert "withdrawn" in subject.lower() and "safeguarding concern" in body.lower()
    assert "Disclosure on site" in body and "Monday 23 November 2026" in body
    for plain in (told[world.users["kw_a"].email][1], told[world.users["parent_x"].email][1]):
        assert "has ended" in plain and "Monday 23 November 2026" in plain
        assert "safeguarding" not in plain.lower() and "Disclosure" not in plain

    for role, sees_reason in [("dsl", True), ("headteacher", True), ("office", False), ("staff", False)]:
        page = _text(auth.as_user(world.users[role]).get(f"/pupils/{world.pupil_x.id}"))
        assert "Ended on" in page and "23 November 2026" in page, role
        assert "Past timetable: it ended on Monday 23 November 2026" in page, role
        assert "Planned end" not in page, role
        assert ("safeguarding concern" in page.lower()) is sees_reason, role
        placement_page = _text(auth.as_user(world.users[role]).get(f"/placements/{placement.id}"))
        assert ("Disclosure on site" in placement_page) is sees_reason, role
