"""Adding, editing and leaving pupils (issue 18): field errors keep what was typed; every change is kept."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.students.models import CalendarFeed, Student, StudentChange
from ap_forms.students.upn import make_upn
from ap_forms.web.audit import AuditEvent
from tests import factories as f

GOOD_UPN = make_upn(940, 7019, 21, 5)
BAD_CHECK = ("A" if GOOD_UPN[0] != "A" else "B") + GOOD_UPN[1:]


def _pupil_form(**over):
    data = {
        "first_name": "Maisie",
        "last_name": "O'Brien",
        "preferred_name": "Mo",
        "date_of_birth": ["4", "3", "2013"],
        "year_group": "8",
        "upn": GOOD_UPN,
        "uln": "",
        "gender": "F",
        "contact_restrictions": "Father must not collect: court order",
        "send_needs": "Autism; anxiety",
        "diagnoses": "ASC",
        "medical_needs": "Asthma",
        "medication": "Inhaler as needed",
        "child_protection": "cp",
        "looked_after": "y",
        "ehcp": "y",
    }
    data.update(over)
    return data


@pytest.fixture
def frozen(app):
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"


def test_send_lead_adds_a_pupil_with_every_field_and_history(app, client, auth, frozen):
    lead = f.make_user("send_lead")
    auth.as_user(lead)
    response = client.post("/pupils/new", data=_pupil_form())
    assert response.status_code in (302, 303)
    student = db.session.scalar(select(Student).where(Student.upn == GOOD_UPN))
    assert (student.preferred_name, student.year_group, student.date_of_birth) == ("Mo", 8, date(2013, 3, 4))
    assert student.child_protection == "cp" and student.looked_after and student.ehcp
    assert student.medication == "Inhaler as needed" and student.gender == "F"
    change = db.session.scalar(select(StudentChange).where(StudentChange.student_id == student.id))
    assert change.action == "added" and change.by_id == lead.id
    assert json.loads(change.changes)["upn"] == ["", GOOD_UPN]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pupil_added")).user_id == lead.id


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"upn": BAD_CHECK}, "upn", "check letter does not match"),
        ({"upn": "A12"}, "upn", "Enter a UPN of 13 characters"),
        ({"date_of_birth": ["4", "3", "2027"]}, "date_of_birth", "Date of birth must be in the past"),
        ({"date_of_birth": ["31", "2", "2013"]}, "date_of_birth", "must be a real date"),
        ({"first_name": ""}, "first_name", "Enter the pupil&#39;s first name"),
        ({"year_group": "99"}, "year_group", "from the list"),
        ({"uln": "12ab"}, "uln", "ULN of 10 digits"),
    ],
)
def test_bad_input_gives_field_errors_and_keeps_what_was_typed(app, client, auth, frozen, over, field, message):
    auth.as_user(f.make_user("send_lead"))
    data = _pupil_form(**over)
    response = client.post("/pupils/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert "Autism; anxiety" in page and "Mo" in page  # typed input kept
    assert db.session.scalar(select(Student.id)) is None


def test_duplicate_upn_is_a_field_error(app, client, auth, frozen):
    existing = f.make_student()
    auth.as_user(f.make_user("office"))
    response = client.post("/pupils/new", data=_pupil_form(upn=existing.upn.lower()))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Another pupil already has this UPN" in page and "Maisie" in page
    # Editing a pupil keeps its own UPN without complaint, but cannot take another's.
    other = f.make_student()
    auth.as_user(f.make_user("send_lead"))
    ok = client.post(f"/pupils/{other.id}/edit", data=_pupil_form(upn=other.upn))
    assert ok.status_code in (302, 303)
    clash = client.post(f"/pupils/{other.id}/edit", data=_pupil_form(upn=existing.upn))
    assert clash.status_code == 422 and "Another pupil already has this UPN" in clash.get_data(as_text=True)


def test_office_edits_basic_and_contact_details_but_not_safeguarding(app, client, auth, frozen):
    student = f.make_student(child_protection="cp", send_needs="Original needs")
    office = f.make_user("office")
    auth.as_user(office)
    form_page = client.get(f"/pupils/{student.id}/edit").get_data(as_text=True)
    assert 'name="first_name"' in form_page and 'name="contact_restrictions"' in form_page
    assert 'name="child_protection"' not in form_page and 'name="send_needs"' not in form_page
    # Even if posted, fields outside the office's set are never written.
    response = client.post(
        f"/pupils/{student.id}/edit", data=_pupil_form(upn=student.upn, child_protection="none", send_needs="Hacked")
    )
    assert response.status_code in (302, 303)
    db.session.expire_all()
    student = db.session.get(Student, student.id)
    assert student.first_name == "Maisie" and student.contact_restrictions.startswith("Father must not")
    assert student.child_protection == "cp" and student.send_needs == "Original needs"
    change = db.session.scalar(select(StudentChange).where(StudentChange.action == "edited"))
    assert change.by_id == office.id
    assert "first_name" in json.loads(change.changes) and "child_protection" not in json.loads(change.changes)


def test_history_shown_on_the_pupil_page_to_leaders_only(app, client, auth, frozen):
    student = f.make_student(first_name="Harriet")
    auth.as_user(f.make_user("send_lead"))
    client.post(f"/pupils/{student.id}/edit", data=_pupil_form(upn=student.upn, first_name="Harry"))
    auth.as_user(f.make_user("headteacher"))
    page = client.get(f"/pupils/{student.id}").get_data(as_text=True)
    assert "Changes to Harry" in page and "Harriet → Harry" in page
    auth.as_user(f.make_user("staff"))
    assert "Harriet → Harry" not in client.get(f"/pupils/{student.id}").get_data(as_text=True)


def test_leaving_ends_family_and_provider_access_and_keeps_the_record(app, client, auth, frozen):
    provider = f.make_provider()
    kw, parent = f.make_user("key_worker", provider_id=provider.id), f.make_user("parent")
    student = f.make_student()
    f.link_parent(parent, student)
    placement = f.make_placement(student, provider, kw)
    feed = CalendarFeed(token="feed-token-left", parent_id=parent.id, student_id=student.id)
    db.session.add(feed)
    db.session.commit()
    office = f.make_user("office")
    auth.as_user(office)
    data = {"left_on": ["20", "11", "2026"], "leaving_destination": "Hill School"}
    refused = client.post(f"/pupils/{student.id}/leave", data=data)
    assert refused.status_code == 422 and "End the placement" in refused.get_data(as_text=True)
    placement.status, placement.ended_on = "ended", date(2026, 11, 19)
    db.session.commit()
    future = client.post(f"/pupils/{student.id}/leave", data={**data, "left_on": ["30", "11", "2026"]})
    assert future.status_code == 422 and "today or in the past" in future.get_data(as_text=True)
    assert client.post(f"/pupils/{student.id}/leave", data=data).status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Student, student.id).left_on == date(2026, 11, 20)  # kept
    assert db.session.get(CalendarFeed, feed.id).revoked_at is not None
    assert client.get("/calendar/feed-token-left.ics").status_code == 404
    auth.as_user(parent)
    assert client.get(f"/attendance/pupils/{student.id}").status_code == 404
    auth.as_user(kw)
    assert client.get(f"/pupils/{student.id}").status_code == 404
    # On the list only under "Left the school"
    auth.as_user(office)
    assert student.upn not in client.get("/pupils/").get_data(as_text=True)
    assert student.upn in client.get("/pupils/?status=left").get_data(as_text=True)


def test_pupil_list_search_filters_pagination_and_empty_state(app, client, auth, frozen):
    office = f.make_user("office")
    auth.as_user(office)
    empty = client.get("/pupils/").get_data(as_text=True)
    assert "There are no pupils on roll yet" in empty and "/pupils/import" in empty and "/pupils/new" in empty
    for n in range(30):
        f.make_student(first_name=f"Kid{n:02d}", last_name="Able", year_group=7 if n % 2 else 9)
    in_ap = f.make_student(first_name="Placed", last_name="Zed", year_group=10)
    f.make_placement(in_ap, f.make_provider())
    referred = f.make_student(first_name="Referred", last_name="Zed", year_group=10)
    f.make_referral(referred, None, f.make_user("send_lead"))
    page1 = client.get("/pupils/").get_data(as_text=True)
    assert "32 pupils" in page1 and "page 1 of 2" in page1 and "Zed" not in page1
    assert "Zed, Placed" in client.get("/pupils/?page=2").get_data(as_text=True)
    assert "Zed, Placed" in client.get(f"/pupils/?q={in_ap.upn}").get_data(as_text=True)
    year7 = client.get("/pupils/?year=7").get_data(as_text=True)
    assert "15 pupils" in year7
    now = client.get("/pupils/?status=in_ap").get_data(as_text=True)
    assert "1 pupil" in now and "Zed, Placed" in now
    ref = client.get("/pupils/?status=referred").get_data(as_text=True)
    assert "Zed, Referred" in ref and "Zed, Placed" not in ref
    assert client.get("/pupils/?page=999&year=abc&status=%3Cx%3E").status_code == 200


def test_office_adds_a_pupil_with_only_the_required_fields(app, client, auth, frozen):
    auth.as_user(f.make_user("office"))
    data = {
        "first_name": "Ann",
        "last_name": "Lee",
        "date_of_birth": ["1", "9", "2014"],
        "year_group": "0",
        "upn": GOOD_UPN,
    }
    response = client.post("/pupils/new", data=data)
    assert response.status_code in (302, 303)
    student = db.session.scalar(select(Student))
    assert (student.gender, student.year_group, student.child_protection, student.ehcp) == ("", 0, "none", False)
    family = client.get(f"/pupils/{student.id}/family").get_data(as_text=True)
    assert "Ann Lee" in family and "Child protection status" not in family  # not the office's to see here
