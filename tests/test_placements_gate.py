"""The commissioning gate: no placement is created or started at a provider that is not cleared,
and a provider that lapses is flagged on the overview without changing anything."""

from __future__ import annotations

import html
from datetime import date, time, timedelta

from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.placements.models import ACTIVE, PLANNED, Placement
from ap_forms.providers.services import ProviderNotCleared
from ap_forms.web.audit import AuditEvent
from tests import factories


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


SESSIONS = [{"weekday": 0, "start_time": time(9, 30), "end_time": time(12, 0), "activity": "Animal care"}]


def _count_placements(student) -> int:
    return db.session.scalar(select(func.count(Placement.id)).where(Placement.student_id == student.id))


def test_starting_a_planned_placement_at_a_cleared_provider(client, auth, world):
    # Every placement comes from an approved referral (tests/test_referrals_workflow.py); a planned one
    # is started on its start date (the world's providers are cleared on the real today).
    pupil = factories.make_student(first_name="Zara")
    placement = factories.make_placement(
        pupil, world.provider_a, world.users["kw_a"], status=PLANNED, start_date=date.today()
    )
    auth.as_user(world.users["headteacher"])
    page = _text(client.get(f"/pupils/{pupil.id}"))
    assert "Start placement" in page
    assert client.post(f"/placements/{placement.id}/start").status_code == 303
    db.session.refresh(placement)
    assert placement.status == ACTIVE
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"placement_started"} <= actions
    assert client.post(f"/placements/{placement.id}/start").status_code == 303  # already active: says so
    assert placement.status == ACTIVE


def test_key_worker_must_work_at_the_chosen_provider(world):
    pupil = factories.make_student()
    try:
        services.create_placement(
            pupil,
            world.provider_a,
            key_worker_id=world.users["kw_b"].id,
            start_date=date.today() + timedelta(days=7),
            planned_end_date=None,
            objectives="Attend",
            sessions=SESSIONS,
            actor=None,
            today=date.today(),
        )
    except services.PlacementError as refused:
        assert "Select a key worker who works for the provider (Provider A)" in str(refused)
        assert refused.field == "key_worker_id"
    else:
        raise AssertionError("a key worker from another provider was accepted")
    assert _count_placements(pupil) == 0


def test_a_planned_placement_cannot_start_once_the_provider_lapses(client, auth, world):
    pupil = factories.make_student()
    placement = factories.make_placement(pupil, world.provider_a, status=PLANNED)
    world.provider_a.agreement.end_date = date.today() - timedelta(days=1)
    db.session.commit()
    auth.as_user(world.users["send_lead"])
    response = client.post(f"/placements/{placement.id}/start")
    page = _text(response)
    assert response.status_code == 409
    assert "cannot start yet" in page and "Service Level Agreement ended on" in page
    db.session.refresh(placement)
    assert placement.status == PLANNED


def test_the_gate_on_the_services(app, world):
    provider = factories.make_provider(name="Not Ready")
    pupil = factories.make_student()
    try:
        services.create_placement(
            pupil,
            provider,
            key_worker_id=None,
            start_date=date(2026, 12, 1),
            planned_end_date=None,
            objectives="x",
            sessions=SESSIONS,
            actor=None,
        )
    except ProviderNotCleared as refused:
        assert "No Service Level Agreement recorded" in refused.problems
    else:
        raise AssertionError("a placement was created at a provider that is not cleared")
    planned = factories.make_placement(pupil, provider, status=PLANNED, start_date=date.today())
    try:
        services.start_placement(planned, actor=None)
    except ProviderNotCleared:
        pass
    else:
        raise AssertionError("a placement was started at a provider that is not cleared")
    assert planned.status == PLANNED
    factories.clear_provider(provider)
    assert services.start_placement(planned, actor=None).status == ACTIVE


def test_lapsed_providers_placements_are_flagged_on_the_overview_and_left_alone(client, auth, world):
    auth.as_user(world.users["office"])
    page = _text(client.get("/"))
    assert "Pupils placed at providers that are not cleared" not in page
    assert "Every provider is cleared" in page

    world.provider_b.latest_vetting.enhanced_dbs_barred = False
    db.session.commit()
    page = _text(client.get("/"))
    assert "Pupils placed at providers that are not cleared" in page
    assert "Provider B" in page and world.pupil_y.full_name in page
    assert "does not say every adult has an enhanced DBS check" in page
    assert f"/providers/{world.provider_b.id}" not in page  # the office cannot open the register
    db.session.refresh(world.placement_y)
    assert world.placement_y.status == ACTIVE  # nothing silently changed

    auth.as_user(world.users["send_lead"])
    assert f"/providers/{world.provider_b.id}" in _text(client.get("/"))
