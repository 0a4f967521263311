"""Each role's home page and the pupil page show exactly what that role should see."""

from __future__ import annotations

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.placements.models import ENDED
from ap_forms.web.audit import AuditEvent
from tests import factories


def test_school_overview_lists_active_placements(client, auth, world):
    factories.make_placement(factories.make_student(first_name="Ended"), world.provider_a, status=ENDED)
    auth.as_user(world.users["office"])
    page = client.get("/").data.decode()
    assert "2 active placements" in page
    assert "Xavier" in page and "Yasmin" in page and "Ended" not in page
    assert "Provider A" in page and world.users["kw_a"].name in page and "Monday, Wednesday" in page
    assert f"/pupils/{world.pupil_x.id}" in page


def test_key_worker_home_lists_only_their_providers_pupils(client, auth, world):
    auth.as_user(world.users["kw_a"])
    page = client.get("/").data.decode()
    assert "Xavier" in page and "Yasmin" not in page


def test_parent_home_shows_own_childs_timetable_only(autumn_day, client, auth, world):
    world.users["kw_a"].phone = "07700 900123"
    db.session.commit()
    auth.as_user(world.users["parent_x"])
    page = client.get("/").data.decode()
    assert "Xavier" in page and "Yasmin" not in page
    assert "09:30 to 12:00" in page and "Animal care" in page and world.provider_a.address in page
    assert world.users["kw_a"].name in page and "07700 900123" in page
    assert "Provider B" not in page
    # nothing about the provider's other pupils
    other = factories.make_student(first_name="Otherchild")
    factories.make_placement(other, world.provider_a, world.users["kw_a"])
    assert "Otherchild" not in client.get("/").data.decode()


def test_parent_without_linked_child_sees_what_to_do(client, auth):
    auth.as_user(factories.make_user("parent"))
    assert b"not linked to a pupil yet" in client.get("/").data


def test_staff_pupil_page_shows_full_record_and_is_audited(client, auth, world):
    auth.as_user(world.users["send_lead"])
    page = client.get(f"/pupils/{world.pupil_x.id}").data.decode()
    for text in (
        world.pupil_x.upn,
        "SEND needs",
        world.pupil_x.diagnoses,
        world.pupil_x.medical_needs,
        world.users["parent_x"].name,
        "Provider A",
        "Attend 90% of sessions",
        "Monday",
    ):
        assert text in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pupil_viewed")).one()
    assert event.record_id == str(world.pupil_x.id) and event.user_id == world.users["send_lead"].id


def test_key_worker_sees_only_shared_send_information(client, auth, world):
    world.placement_x.share_send_needs = True
    world.placement_x.share_diagnoses = False
    world.placement_x.share_medical_needs = False
    db.session.commit()
    auth.as_user(world.users["kw_a"])
    page = client.get(f"/pupils/{world.pupil_x.id}").data.decode()
    assert world.pupil_x.send_needs in page
    assert world.pupil_x.diagnoses not in page and world.pupil_x.medical_needs not in page
    assert world.pupil_x.upn not in page and world.users["parent_x"].email not in page
    assert "Attend 90% of sessions" in page


def test_pupil_search(client, auth, world):
    auth.as_user(world.users["staff"])
    page = client.get("/pupils/?q=xav").data.decode()
    assert "Xavier" in page and "Yasmin" not in page
    fragment = client.get("/pupils/?q=zzz", headers={"HX-Request": "true"})
    assert b"No pupils match" in fragment.data and b"<html" not in fragment.data
    assert "HX-Request" in fragment.headers["Vary"]
