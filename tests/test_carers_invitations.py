"""Parents and carers (issue 18, and issue 10's "a phone number to call"): recorded per pupil, shown to
the office on the attendance board, invited by a one-time emailed link, linked to several children,
and unlinked at once."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.students.models import CalendarFeed, Carer, CarerInvitation, ParentLink
from tests import factories as f


@pytest.fixture
def frozen(app):
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    yield app
    app.config.pop("FROZEN_NOW", None)


def _carer_form(**over):
    data = {
        "name": "Karen Abbott",
        "relationship_to_pupil": "Mother",
        "priority": "1",
        "mobile_phone": "07700 900111",
        "home_phone": "01536 000222",
        "work_phone": "",
        "email": "Karen.Abbott@home.example",
        "address": "3 Mill Road",
        "parental_responsibility": "y",
        "may_collect": "y",
    }
    data.update(over)
    return data


def _link_from(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://127.0.0.1:5000(/invitations/[A-Za-z0-9_\-]+)", body).group(1)


def test_office_adds_a_carer_with_field_errors_kept(app, client, auth, frozen):
    student = f.make_student()
    auth.as_user(f.make_user("office"))
    bad = client.post(
        f"/pupils/{student.id}/carers/new",
        data=_carer_form(email="not-an-email", do_not_contact="y", do_not_contact_reason=""),
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter an email address in the correct format" in page
    assert "Say why this person must not be contacted" in page and "07700 900111" in page and "3 Mill Road" in page
    assert db.session.scalar(select(Carer.id)) is None
    ok = client.post(f"/pupils/{student.id}/carers/new", data=_carer_form())
    assert ok.status_code in (302, 303)
    carer = db.session.scalar(select(Carer))
    assert (carer.email, carer.parental_responsibility, carer.may_collect) == ("karen.abbott@home.example", True, True)
    family = client.get(f"/pupils/{student.id}/family").get_data(as_text=True)
    assert "Karen Abbott" in family and "Invite to make an account" in family


def test_board_and_session_page_show_every_carer_to_call(app, client, auth, frozen):
    f.make_school_year(2026)
    provider = f.make_provider()
    kw = f.make_user("key_worker", provider_id=provider.id)
    student = f.make_student(first_name="Ella")
    placement = f.make_placement(student, provider, kw)
    f.make_carer(
        student,
        name="Karen Abbott",
        relationship_to_pupil="Mother",
        mobile_phone="07700 900111",
        home_phone="01536 000222",
        priority=1,
    )
    f.make_carer(
        student,
        name="Steve Abbott",
        relationship_to_pupil="Father",
        mobile_phone="07700 900999",
        do_not_contact=True,
        do_not_contact_reason="Court order: no contact",
        priority=2,
    )
    f.make_mark(placement, date(2026, 11, 23), "AM", "absent", by=kw)
    auth.as_user(f.make_user("office"))
    board = client.get("/attendance/board").get_data(as_text=True)
    assert "Who to call" in board and "Karen Abbott (mother)" in board
    assert 'href="tel:07700900111"' in board and "01536 000222" in board
    assert "Do not contact</strong> Steve Abbott (father): Court order: no contact" in board
    assert "07700 900999" not in board  # no number offered for someone who must not be contacted
    session = client.get(f"/attendance/sessions/{placement.id}/2026-11-23/AM").get_data(as_text=True)
    assert "Karen Abbott (mother)" in session and "07700 900999" not in session


def test_invitation_email_to_first_sign_in(app, client, auth, frozen, smtp_server):
    f.first_school().name = "Hillside School"
    student = f.make_student(first_name="Ella", last_name="Abbott")
    carer = f.make_carer(student, name="Karen Abbott", email="karen@home.example")
    office = f.make_user("office")
    auth.as_user(office)
    response = client.post(f"/pupils/{student.id}/carers/{carer.id}/invite")
    assert response.status_code in (302, 303)
    [message] = smtp_server.to("karen@home.example")
    body = message.get_body(("plain",)).get_content()
    assert "Hillside School" in message["Subject"] and "Hillside School" in body
    assert "Ella" not in body + message["Subject"] and "Abbott" not in message["Subject"]
    assert "72 hours" in body
    link = _link_from(message)
    invitation = db.session.scalar(select(CarerInvitation))
    assert link.rsplit("/", 1)[1] not in invitation.token_hash  # only a hash is stored

    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "karen@home.example" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the link's token never leaves in a Referer
    weak = anonymous.post(link, data={"password": "password", "confirm": "password"})
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    mismatch = anonymous.post(link, data={"password": "lemon tiger harbour", "confirm": "lemon tiger"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)
    done = anonymous.post(link, data={"password": "lemon tiger harbour", "confirm": "lemon tiger harbour"})
    assert done.status_code in (302, 303) and "/login" in done.headers["Location"]
    assert anonymous.get(link).status_code == 404  # single use
    # First sign-in with the password they chose: they see their child.
    signed_in = anonymous.post("/login", data={"email": "karen@home.example", "password": "lemon tiger harbour"})
    assert signed_in.status_code in (302, 303) and "/login" not in signed_in.headers["Location"]
    parent = db.session.scalar(select(User).where(User.email == "karen@home.example"))
    assert parent.role == "parent" and db.session.get(Carer, carer.id).user_id == parent.id
    assert anonymous.get(f"/attendance/pupils/{student.id}").status_code == 200

    # One account, several children: a sibling's carer record with the same email links at once.
    sibling = f.make_student(first_name="Finn", last_name="Abbott")
    sibling_carer = f.make_carer(sibling, name="Karen Abbott", email="karen@home.example")
    client.post(f"/pupils/{sibling.id}/carers/{sibling_carer.id}/invite")
    assert len(smtp_server.to("karen@home.example")) == 2
    assert "another child" in smtp_server.to("karen@home.example")[-1]["Subject"]
    assert anonymous.get(f"/attendance/pupils/{sibling.id}").status_code == 200

    # Unlinking stops access to that child and its calendar feed at once; the other child stays.
    feed = CalendarFeed(token="karen-feed-token", parent_id=parent.id, student_id=student.id)
    db.session.add(feed)
    db.session.commit()
    assert anonymous.get("/calendar/karen-feed-token.ics").status_code == 200
    client.post(f"/pupils/{student.id}/carers/{carer.id}/unlink")
    assert anonymous.get(f"/attendance/pupils/{student.id}").status_code == 404
    assert anonymous.get("/calendar/karen-feed-token.ics").status_code == 404
    assert db.session.get(CalendarFeed, feed.id).revoked_at is not None
    assert anonymous.get(f"/attendance/pupils/{sibling.id}").status_code == 200
    assert db.session.scalar(select(ParentLink).where(ParentLink.student_id == student.id)) is None


def test_a_newer_invitation_ends_the_older_and_links_expire(app, client, auth, frozen, smtp_server):
    student = f.make_student()
    carer = f.make_carer(student, email="dad@home.example")
    auth.as_user(f.make_user("send_lead"))
    client.post(f"/pupils/{student.id}/carers/{carer.id}/invite")
    client.post(f"/pupils/{student.id}/carers/{carer.id}/invite")
    first, second = (_link_from(m) for m in smtp_server.to("dad@home.example"))
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 404 and "no longer works" in anonymous.get(first).get_data(as_text=True)
    assert anonymous.get(second).status_code == 200
    app.config["FROZEN_NOW"] = "2026-11-26T10:31"  # 72 hours and a minute later
    assert anonymous.get(second).status_code == 404
    assert (
        anonymous.post(second, data={"password": "lemon tiger harbour", "confirm": "lemon tiger harbour"}).status_code
        == 404
    )
    assert db.session.scalar(select(User).where(User.email == "dad@home.example")) is None


def test_no_invitation_for_do_not_contact_or_staff_email(app, client, auth, frozen, smtp_server):
    student = f.make_student()
    banned = f.make_carer(student, do_not_contact=True, do_not_contact_reason="Court order")
    staff = f.make_user("staff")
    staff_email = f.make_carer(student, email=staff.email)
    auth.as_user(f.make_user("office"))
    client.post(f"/pupils/{student.id}/carers/{banned.id}/invite")
    client.post(f"/pupils/{student.id}/carers/{staff_email.id}/invite")
    assert smtp_server.messages == [] and db.session.scalar(select(CarerInvitation.id)) is None
    assert db.session.scalar(select(ParentLink.id)) is None
