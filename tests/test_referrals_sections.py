"""The Referral Form's sections: prefill, autosave and restore, per-section validation, edit conflicts."""

from __future__ import annotations

import pytest

from ap_forms.extensions import db
from ap_forms.referrals.models import COMPLETED, IN_PROGRESS, NOT_STARTED, SECTIONS, Referral
from ap_forms.referrals.services import section_statuses
from ap_forms.web.audit import AuditEvent
from tests import factories as f
from tests.conftest import Auth
from tests.referral_forms import post_section, valid_section_data, version_of


@pytest.fixture
def draft(world):
    """A new, empty referral for pupil Y started through the page, as the SEND lead."""
    pupil = world.pupil_y
    pupil.medical_needs = "Nut allergy: adrenaline pen carried"
    db.session.commit()
    return pupil


def _start(client, student) -> int:
    response = client.post("/referrals/new", data={"student_id": str(student.id)})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _statuses(referral_id: int) -> dict:
    db.session.expire_all()
    return section_statuses(db.session.get(Referral, referral_id))


def test_starting_a_referral_prefills_from_the_pupil_record(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    referral = db.session.get(Referral, referral_id)
    assert referral.status == "draft" and referral.created_by_id == world.users["send_lead"].id
    assert referral.medical_needs == "Nut allergy: adrenaline pen carried"
    assert world.users["parent_y"].name in referral.parents_carers
    assert [e.action for e in referral.events] == ["created"]

    page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "You have completed 0 of 12 sections" in page
    assert page.count("Not yet started") == 12
    health = client.get(f"/referrals/{referral_id}/sections/health").get_data(as_text=True)
    assert "Nut allergy: adrenaline pen carried" in health
    # Autosaves on change (one autosave for every form: on change, and as you type in a text box).
    assert 'data-hx-trigger="change delay:500ms' in health and 'method="post"' in health


def test_start_needs_a_pupil(world, auth):
    client = auth.as_user(world.users["send_lead"])
    response = client.post("/referrals/new", data={"student_id": ""})
    assert response.status_code == 422
    assert "Select the pupil to refer" in response.get_data(as_text=True)
    assert db.session.query(Referral).count() == 1  # only the world's


def test_autosave_keeps_exactly_what_was_typed_and_restores_it(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    response = post_section(
        client,
        referral_id,
        "history",
        {"attendance_percent": "sixty", "exclusions_detail": "One in May"},
        autosave=True,
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Draft saved at" in body and 'name="version" value="2"' in body
    assert "<html" not in body  # just the status region
    assert _statuses(referral_id)["history"] == IN_PROGRESS

    # Leave and come back: the typed answers are there, even the one that is not valid yet.
    page = client.get(f"/referrals/{referral_id}/sections/history").get_data(as_text=True)
    assert 'value="sixty"' in page and "One in May" in page
    assert db.session.get(Referral, referral_id).attendance_percent is None  # not saved as an answer yet
    assert db.session.query(AuditEvent).filter_by(action="referral_draft_saved").count() == 1


def test_save_validates_the_section_and_keeps_the_input(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    response = post_section(
        client, referral_id, "history", {"attendance_percent": "140", "social_care_status": "child_protection"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    for message in [
        "Attendance must be a whole number from 0 to 100, like 64",
        "Enter the number of suspensions in the last 12 months, or 0",
        "Select yes if the pupil is looked after",
        "Enter the social worker&#39;s name and contact, and the plan",
    ]:
        assert message in page
    assert 'value="140"' in page
    assert _statuses(referral_id)["history"] == IN_PROGRESS  # what was typed is kept as a draft

    data = valid_section_data(world.provider_a.id)["history"]
    response = post_section(client, referral_id, "history", data)
    assert response.status_code == 303
    referral = db.session.get(Referral, referral_id)
    assert referral.attendance_percent == 64 and referral.suspensions_last_year == 1
    assert referral.looked_after is False
    assert _statuses(referral_id)["history"] == COMPLETED


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2027", "Proposed start date must be a real date"),
        ("", "12", "2026", "Proposed start date must include a day, month and year"),
        ("7", "12", "26", "The year of proposed start date must include 4 numbers"),
        ("x", "y", "z", "Proposed start date must be a real date, written in numbers"),
    ],
)
def test_impossible_dates_are_field_errors(world, auth, draft, day, month, year, message):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    data = {**valid_section_data(world.provider_a.id)["provider"], "proposed_start": [day, month, year]}
    response = post_section(client, referral_id, "provider", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'href="#proposed_start"' in response.get_data(as_text=True)
    assert 'id="proposed_start"' in response.get_data(as_text=True)  # the day box the summary links to


def test_provider_dates_follow_the_half_termly_review_rule(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    data = {
        **valid_section_data(world.provider_a.id)["provider"],
        "first_review_on": ["1", "4", "2027"],
        "proposed_end": ["1", "12", "2026"],
    }
    page = post_section(client, referral_id, "provider", data).get_data(as_text=True)
    assert "The first review must be within 8 weeks of the start date" in page
    assert "The planned end date must be after the proposed start date" in page
    page = post_section(client, referral_id, "provider", {**data, "provider_id": "999"}).get_data(as_text=True)
    assert "Select the proposed provider" in page


def test_objectives_need_a_measure_each(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    page = post_section(
        client,
        referral_id,
        "objectives",
        {"objectives-0-objective": "", "objectives-0-measure": "", "expected_outcomes": ""},
    ).get_data(as_text=True)
    assert "Enter at least one objective for the placement" in page
    assert "Enter the expected academic outcomes" in page
    page = post_section(
        client,
        referral_id,
        "objectives",
        {
            "objectives-0-objective": "Attend more",
            "objectives-0-measure": "",
            "objectives-1-objective": "",
            "objectives-1-measure": "Portfolio",
            "expected_outcomes": "Entry Level 3",
        },
    ).get_data(as_text=True)
    assert "Enter how progress towards objective 1 will be measured" in page
    assert "Enter objective 2, or clear its measure" in page

    response = post_section(client, referral_id, "objectives", valid_section_data(1)["objectives"])
    assert response.status_code == 303
    referral = db.session.get(Referral, referral_id)
    assert [(o.objective, o.measure) for o in referral.objectives] == [
        ("Attend at least 90% of sessions", "Attendance register each half term"),
        ("Complete the animal care unit", "Unit signed off by the provider"),
    ]


def test_risk_assessment_scores_likelihood_times_severity(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    page = post_section(
        client,
        referral_id,
        "risks",
        {"risks-0-hazard": "Road", "risks-0-controls": "", "risks-0-likelihood": "9", "risks-0-severity": ""},
    ).get_data(as_text=True)
    for message in [
        "Enter how risk 1 is controlled",
        "Select the likelihood of risk 1, 1 to 5",
        "Select the severity of risk 1, 1 to 5",
    ]:
        assert message in page
    assert post_section(client, referral_id, "risks", valid_section_data(1)["risks"]).status_code == 303
    risk = db.session.get(Referral, referral_id).risks[0]
    assert (risk.score, risk.band) == (12, "Medium")
    page = client.get(f"/referrals/{referral_id}/sections/risks").get_data(as_text=True)
    assert "3 × 4 = <strong>12 (Medium)</strong>" in page


def test_timetable_sessions_are_checked(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    page = post_section(
        client,
        referral_id,
        "timetable",
        {
            "sessions-0-weekday": "0",
            "sessions-0-start_time": "12:00",
            "sessions-0-end_time": "09:00",
            "sessions-0-activity": "Farm",
            "sessions-1-weekday": "6",
            "sessions-1-start_time": "25:00",
            "sessions-1-end_time": "",
            "sessions-1-activity": "",
            "sessions-2-weekday": "2",
            "sessions-2-start_time": "09:00",
            "sessions-2-end_time": "12:00",
            "sessions-2-activity": "Farm",
            "sessions-3-weekday": "2",
            "sessions-3-start_time": "11:00",
            "sessions-3-end_time": "13:00",
            "sessions-3-activity": "Garden",
        },
    ).get_data(as_text=True)
    for message in [
        "The end time of session 1 must be after its start time",
        "Select the day of session 2",
        "Enter the start time of session 2, like 09:30",
        "Enter the activity for session 2",
        "Session 4 overlaps session 3 on the same day",
    ]:
        assert message in page
    assert post_section(client, referral_id, "timetable", valid_section_data(1)["timetable"]).status_code == 303
    sessions = db.session.get(Referral, referral_id).sessions
    assert [(s.weekday, f"{s.start_time:%H:%M}", s.activity) for s in sessions] == [
        (0, "09:30", "Animal care"),
        (2, "13:00", "Horticulture"),
    ]


def test_add_another_row_keeps_the_draft_and_offers_more_rows(world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    page = client.get(f"/referrals/{referral_id}/sections/objectives").get_data(as_text=True)
    assert "objectives-2-objective" in page and "objectives-3-objective" not in page
    rows = {f"objectives-{n}-{part}": f"{part} {n}" for n in range(3) for part in ("objective", "measure")}
    response = post_section(client, referral_id, "objectives", rows, action="add_row")
    assert response.status_code == 303 and response.headers["Location"].endswith("/sections/objectives#rows-end")
    page = client.get(f"/referrals/{referral_id}/sections/objectives").get_data(as_text=True)
    assert "objective 2" in page and "objectives-4-objective" in page


def test_second_editor_sees_a_conflict_and_nothing_is_overwritten(world, auth, draft, app):
    first = auth.as_user(world.users["send_lead"])
    referral_id = _start(first, draft)
    opened_at = version_of(referral_id)  # both people open the section at this version

    data = valid_section_data(world.provider_a.id)["profile"]
    assert post_section(first, referral_id, "profile", data, version=opened_at).status_code == 303

    second = app.test_client()
    Auth(second).as_user(world.users["headteacher"])
    theirs = {**data, "strengths": "Written by the headteacher"}
    response = post_section(second, referral_id, "profile", theirs, version=opened_at)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this referral" in page and "&lt;p" not in page
    assert world.users["send_lead"].name in page
    assert "Written by the headteacher" in page  # their typing is still on the page
    assert db.session.get(Referral, referral_id).strengths == "Patient with animals"

    # Autosave from the stale page is refused quietly, and the page keeps its old version.
    response = post_section(second, referral_id, "profile", theirs, version=opened_at, autosave=True)
    assert response.status_code == 422  # one autosave: a refused one answers 422 (issue 16), which htmx swaps
    body = response.get_data(as_text=True)
    assert "Not saved" in body and f'value="{opened_at}"' in body
    assert db.session.get(Referral, referral_id).strengths == "Patient with animals"

    # Having seen the conflict, saving again from the reloaded version is a deliberate overwrite.
    assert post_section(second, referral_id, "profile", theirs).status_code == 303
    assert db.session.get(Referral, referral_id).strengths == "Written by the headteacher"


def test_a_submitted_referral_cannot_be_edited(world, auth):
    referral = f.make_referral(world.pupil_y, world.provider_b, world.users["send_lead"], status="submitted")
    client = auth.as_user(world.users["send_lead"])
    response = client.get(f"/referrals/{referral.id}/sections/health")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/referrals/{referral.id}")
    response = post_section(client, referral.id, "health", {"medical_needs": "changed", "medication": "x"})
    assert response.status_code == 303
    assert db.session.get(Referral, referral.id).medical_needs != "changed"


def test_unknown_section_is_404(world, auth):
    client = auth.as_user(world.users["send_lead"])
    assert client.get(f"/referrals/{world.referral_x.id}/sections/nope").status_code == 404
    assert client.get("/referrals/999999/sections/health").status_code == 404


def test_every_section_can_be_completed_through_the_pages(autumn_day, world, auth, draft):
    client = auth.as_user(world.users["send_lead"])
    referral_id = _start(client, draft)
    for key, data in valid_section_data(world.provider_a.id).items():
        assert client.get(f"/referrals/{referral_id}/sections/{key}").status_code == 200
        response = post_section(client, referral_id, key, data)
        assert response.status_code == 303, (key, response.get_data(as_text=True)[:3000])
    assert set(_statuses(referral_id).values()) == {COMPLETED}
    page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "You have completed every section" in page and "Check your answers" in page
    assert len(SECTIONS) == 12 and NOT_STARTED not in page


def test_a_pages_own_autosave_is_not_someone_else(world):
    """Save may follow its own page's autosave; a stale autosave, or another page's, is refused."""
    from ap_forms.referrals import services

    referral, lead = world.referral_x, world.users["send_lead"]
    page_a, page_b = "a" * 32, "b" * 32
    opened = referral.version
    services.save_draft(
        referral, "health", {"medication": ["typing"]}, expected_version=opened, actor=lead, edit_token=page_a
    )
    # Page A's Save still carries the version it opened with: no conflict with its own autosave.
    services.save_section(
        referral,
        "health",
        {"medical_needs": "None", "medication": "Inhaler"},
        expected_version=opened,
        actor=lead,
        edit_token=page_a,
    )
    assert _statuses(referral.id)["health"] == COMPLETED
    # A late autosave from page A (sent before its Save landed) does not turn the section back into a draft.
    with pytest.raises(services.EditConflict):
        services.save_draft(
            referral, "health", {"medication": ["typing"]}, expected_version=opened + 1, actor=lead, edit_token=page_a
        )
    assert _statuses(referral.id)["health"] == COMPLETED
    # Page B, opened at the start, must not overwrite page A's saved answers silently.
    with pytest.raises(services.EditConflict):
        services.save_section(
            referral,
            "health",
            {"medical_needs": "x", "medication": "y"},
            expected_version=opened,
            actor=world.users["headteacher"],
            edit_token=page_b,
        )
    assert db.session.get(Referral, referral.id).medication == "Inhaler"


@pytest.mark.parametrize(("winner_token", "conflict"), [("a" * 32, False), ("b" * 32, True)])
def test_a_save_racing_a_concurrent_write(world, winner_token, conflict):
    """Both read version N; the other write commits first. Its own page's autosave: saved on top. Anyone else's:
    a conflict, and nothing of this save is written."""
    from sqlalchemy import text

    from ap_forms.referrals import services

    referral = db.session.get(Referral, world.referral_x.id)
    opened = referral.version  # this request has read the referral...
    with db.engine.begin() as other:  # ...when another request commits a write of its own
        other.execute(
            text("UPDATE referrals SET version = version + 1, edit_token = :t WHERE id = :id"),
            {"t": winner_token, "id": referral.id},
        )
    values = {"medical_needs": "None", "medication": "Inhaler"}
    if conflict:
        with pytest.raises(services.EditConflict):
            services.save_section(
                referral, "health", values, expected_version=opened, actor=world.users["send_lead"], edit_token="a" * 32
            )
        assert db.session.get(Referral, referral.id).medication != "Inhaler"
    else:
        services.save_section(
            referral, "health", values, expected_version=opened, actor=world.users["send_lead"], edit_token="a" * 32
        )
        db.session.expire_all()
        assert db.session.get(Referral, referral.id).medication == "Inhaler"
        assert db.session.get(Referral, referral.id).version == opened + 2
