"""Issue 13, accounts: invitations and password resets by one-time link (no admin types a password),
recovery codes, leader roles that need a second person, and the breached-password list."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from ap_forms.accounts.models import AccountLink, LeaderRequest, User
from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from tests import factories as f
from tests.conftest import Auth

LINK = re.compile(r"http://127\.0\.0\.1:5000(/account/password/[A-Za-z0-9_\-]+)")
GOOD = "lemon tiger harbour"


@pytest.fixture
def frozen(app):
    app.config["FROZEN_NOW"] = "2026-11-23T10:00"
    yield app
    app.config.pop("FROZEN_NOW", None)


def _links(smtp_server, email: str) -> list[str]:
    return [LINK.search(m.get_body(("plain",)).get_content()).group(1) for m in smtp_server.to(email)]


def _choose(client, link: str, password: str = GOOD):
    return client.post(link, data={"password": password, "confirm": password})


def _actions(*names: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(names)).order_by(AuditEvent.id)))


def test_invitation_from_the_admin_to_first_sign_in(app, client, auth, frozen, smtp_server):
    f.first_school().name = "Hillside School"
    db.session.commit()
    auth.as_user(f.make_user("admin"))
    made = client.post(
        "/admin/users/new",
        data={
            "email": "jo.bloggs@hillside.example",
            "name": "Jo Bloggs",
            "role": "office",
            "provider_id": "",
            "phone": "",
        },
    )
    assert made.status_code == 303
    [message] = smtp_server.to("jo.bloggs@hillside.example")
    body = message.get_body(("plain",)).get_content()
    assert "Hillside School" in message["Subject"] and "72 hours" in body
    [link] = _links(smtp_server, "jo.bloggs@hillside.example")
    stored = db.session.scalar(select(AccountLink))
    assert link.rsplit("/", 1)[1] not in stored.token_hash and stored.purpose == "invite"

    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "jo.bloggs@hillside.example" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    for weak in ("Summer2026!", "Password123!", "Welcome1!", "JoBloggs2026", "Hillside School 1"):
        refused = _choose(anonymous, link, weak)
        assert refused.status_code == 422, weak
        assert weak not in refused.get_data(as_text=True)  # never echoed back
    mismatch = anonymous.post(link, data={"password": GOOD, "confirm": "lemon tiger"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)
    assert _choose(anonymous, link).status_code == 303
    assert anonymous.get(link).status_code == 404  # single use
    assert _choose(anonymous, link).status_code == 404
    jo = db.session.scalar(select(User).where(User.email == "jo.bloggs@hillside.example"))
    assert Auth(app.test_client()).login(jo, GOOD).status_code == 303
    assert [e.action for e in _actions("account_link_sent", "password_chosen")] == [
        "account_link_sent",
        "password_chosen",
    ]


def test_links_expire_and_die_when_a_newer_one_is_sent_or_the_account_is_disabled(
    app, client, auth, frozen, smtp_server
):
    from ap_forms.accounts import links

    admin = f.make_user("admin")
    auth.as_user(admin)
    person = f.make_user("staff", email="sam@school.example")
    person.last_sign_in_at = None
    db.session.commit()
    client.post(f"/admin/users/{person.id}/send-link")
    [invite] = _links(smtp_server, person.email)
    app.config["FROZEN_NOW"] = "2026-11-26T09:59"  # 71 hours 59 minutes later
    assert client.get(invite).status_code == 200
    app.config["FROZEN_NOW"] = "2026-11-26T10:01"  # past 72 hours
    assert client.get(invite).status_code == 404

    client.post(f"/admin/users/{person.id}/send-link")
    client.post(f"/admin/users/{person.id}/send-link")
    older, newer = _links(smtp_server, person.email)[1:]
    assert client.get(older).status_code == 404 and client.get(newer).status_code == 200

    client.post(
        f"/admin/users/{person.id}", data={"name": person.name, "role": "staff", "provider_id": "", "phone": ""}
    )  # "active" unticked: disabled
    assert client.get(newer).status_code == 404
    db.session.refresh(person)
    person.active = True
    db.session.commit()
    assert client.get(newer).status_code == 404  # enabling again does not bring an old link back

    # A reset (forgotten password) works for one hour.
    person.last_sign_in_at = links.clock.utcnow()
    db.session.commit()
    app.test_client().post("/forgot-password", data={"email": "SAM@school.example "})
    reset = _links(smtp_server, person.email)[-1]
    assert "1 hour" in smtp_server.to(person.email)[-1].get_body(("plain",)).get_content()
    app.config["FROZEN_NOW"] = "2026-11-26T11:00"
    assert client.get(reset).status_code == 200
    app.config["FROZEN_NOW"] = "2026-11-26T11:02"
    assert client.get(reset).status_code == 404


def test_forgot_password_answers_the_same_and_is_throttled(app, frozen, smtp_server):
    person = f.make_user("office", email="known@school.example")
    client = app.test_client()
    unknown = client.post("/forgot-password", data={"email": "nobody@school.example"})
    known = client.post("/forgot-password", data={"email": person.email})
    assert unknown.status_code == known.status_code == 200

    def main(response) -> str:
        page = response.get_data(as_text=True)
        return (
            page[page.index("<main") : page.index("</main>")]
            .replace("nobody@school.example", "X")
            .replace(person.email, "X")
        )

    assert main(unknown) == main(known) and "Check your email" in main(known)
    assert smtp_server.to("nobody@school.example") == [] and len(smtp_server.to(person.email)) == 1
    empty = client.post("/forgot-password", data={"email": ""})
    assert empty.status_code == 422 and "Enter your email address" in empty.get_data(as_text=True)
    answers = [client.post("/forgot-password", data={"email": person.email}).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # 5 a minute for one address from one client
    assert len(smtp_server.to(person.email)) == 5


def test_public_link_pages_survive_hostile_input(app, frozen):
    client = app.test_client()
    for token in ["x", "a" * 500, "%00", "..%2F..%2Fetc", "'; DROP TABLE users; --"]:
        assert client.get(f"/account/password/{token}").status_code in (400, 404)
        assert client.post(f"/account/password/{token}", data={"password": GOOD, "confirm": GOOD}).status_code in (
            400,
            404,
        )
    for email in ["a" * 5000, "<script>", "'; DROP TABLE users; --", "😀" * 50]:
        assert client.post("/forgot-password", data={"email": email}).status_code in (200, 422, 429)


def test_recovery_codes_work_once_are_audited_and_email_the_person(app, client, auth, frozen, smtp_server):
    from ap_forms.accounts import two_factor

    person = f.make_user("office", totp_secret=pyotp.random_base32())
    codes = two_factor.new_recovery_codes(person)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(codes[0].replace("-", "") not in row.code_hash for row in person_codes(person))

    auth.login(person)
    page = client.get("/login/two-factor").get_data(as_text=True)
    assert "recovery codes" in page
    ok = client.post("/login/two-factor", data={"code": codes[0].upper()})
    assert ok.status_code == 303 and ok.headers["Location"] == "/"
    [alert] = smtp_server.to(person.email)
    assert "recovery code was used" in alert["Subject"] and "9 left" in alert.get_body(("plain",)).get_content()
    assert _actions("recovery_code_used")[0].record_id == str(person.id)

    client.post("/logout")
    auth.login(person)
    again = client.post("/login/two-factor", data={"code": codes[0]})
    assert again.status_code == 422 and "not right or has been used" in again.get_data(as_text=True)
    assert client.post("/login/two-factor", data={"code": codes[1]}).status_code == 303
    account = client.get("/account").get_data(as_text=True)
    assert "<strong>8</strong> unused recovery codes" in account
    fresh = client.post("/account/recovery-codes")
    new_codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", fresh.get_data(as_text=True))
    assert len(new_codes) == 10
    client.post("/logout")
    auth.login(person)
    assert client.post("/login/two-factor", data={"code": codes[2]}).status_code == 422  # old set replaced
    assert client.post("/login/two-factor", data={"code": new_codes[0]}).status_code == 303


def person_codes(person):
    from ap_forms.accounts.models import RecoveryCode

    return db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == person.id)).all()


# --- leader roles need a second person ---------------------------------------------------------------


def _as(app, user) -> object:
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _decide(app, person, request_id: int, decision: str):
    return _as(app, person).post(f"/admin/confirmations/{request_id}", data={"decision": decision})


def test_granting_a_leader_role_waits_for_the_headteacher(app, frozen, smtp_server):
    head = f.make_user("headteacher", email="head@school.example")
    admin = f.make_user("admin", email="it@school.example")
    admin_client = _as(app, admin)
    admin_client.post(
        "/admin/users/new",
        data={"email": "new.dsl@school.example", "name": "New DSL", "role": "dsl", "provider_id": "", "phone": ""},
    )
    new_dsl = db.session.scalar(select(User).where(User.email == "new.dsl@school.example"))
    assert new_dsl.role == "staff"  # not a DSL until confirmed
    [ask] = smtp_server.to(head.email)
    assert "needs your confirmation" in ask["Subject"]
    assert "/admin/confirmations" in ask.get_body(("plain",)).get_content()
    request = db.session.scalar(select(LeaderRequest))
    # The admin who asked cannot confirm it; the headteacher sees and confirms it.
    assert f"/admin/confirmations/{request.id}" not in admin_client.get("/admin/confirmations").get_data(as_text=True)
    assert _decide(app, admin, request.id, "confirm").status_code == 404
    assert "New DSL" in _as(app, head).get("/admin/confirmations").get_data(as_text=True)
    assert _decide(app, head, request.id, "confirm").status_code == 303
    db.session.refresh(new_dsl)
    assert new_dsl.role == "dsl"
    confirmed = smtp_server.messages[-1]
    assert "was confirmed" in confirmed["Subject"] and {admin.email, head.email} <= set(confirmed["To"].split(", "))
    [event] = _actions("leader_change_confirmed")
    assert "asked by" in event.detail and f"(user {admin.id})" in event.detail and f"(user {head.id})" in event.detail

    # Editing an existing account into a leader role: declined, nothing changes.
    office = f.make_user("office")
    admin_client.post(
        f"/admin/users/{office.id}",
        data={"name": office.name, "role": "send_lead", "provider_id": "", "phone": "", "active": "y"},
    )
    db.session.refresh(office)
    assert office.role == "office"
    pending = db.session.scalar(select(LeaderRequest).where(LeaderRequest.user_id == office.id))
    assert _decide(app, head, pending.id, "decline").status_code == 303
    db.session.refresh(office)
    assert office.role == "office" and _actions("leader_change_declined")


def test_resetting_a_leaders_password_or_two_factor_waits_for_the_headteacher(app, frozen, smtp_server):
    head = f.make_user("headteacher")
    admin = f.make_user("admin")
    dsl = f.make_user("dsl", totp_secret=pyotp.random_base32())
    admin_client = _as(app, admin)
    asked = admin_client.post(f"/admin/users/{dsl.id}/send-link", follow_redirects=True).get_data(as_text=True)
    assert f"the link goes to {dsl.name} when they confirm it" in asked  # the name, not "{user.name}"
    assert _links(smtp_server, dsl.email) == []  # nothing yet
    assert admin_client.post(f"/admin/users/{dsl.id}/two-factor/reset").status_code == 303
    db.session.refresh(dsl)
    assert dsl.totp_secret is not None
    requests = db.session.scalars(select(LeaderRequest).order_by(LeaderRequest.id)).all()
    assert [r.kind for r in requests] == ["reset_password", "reset_two_factor"]
    for request in requests:
        assert _decide(app, head, request.id, "confirm").status_code == 303
    db.session.refresh(dsl)
    assert dsl.totp_secret is None and len(_links(smtp_server, dsl.email)) == 1


def test_the_headteachers_own_account_needs_a_second_admin(app, frozen, smtp_server):
    head = f.make_user("headteacher", totp_secret=pyotp.random_base32())
    first_admin, second_admin = f.make_user("admin"), f.make_user("admin")
    _as(app, first_admin).post(f"/admin/users/{head.id}/two-factor/reset")
    request = db.session.scalar(select(LeaderRequest))
    assert smtp_server.to(second_admin.email) and not smtp_server.to(head.email)
    assert _decide(app, head, request.id, "confirm").status_code == 404  # not about yourself
    assert _decide(app, first_admin, request.id, "confirm").status_code == 404  # not what you asked
    assert _decide(app, second_admin, request.id, "confirm").status_code == 303
    db.session.refresh(head)
    assert head.totp_secret is None
    assert _decide(app, second_admin, request.id, "confirm").status_code == 404  # once


def test_command_line_grants_a_leader_role_only_while_there_is_no_headteacher(app, runner, frozen, smtp_server):
    password = "a good long password\na good long password\n"
    first = runner.invoke(
        args=["create-user", "--email", "head@school.example", "--name", "Head", "--role", "headteacher"],
        input=password,
    )
    assert first.exit_code == 0, first.output
    assert db.session.scalar(select(User.role).where(User.email == "head@school.example")) == "headteacher"
    second = runner.invoke(
        args=["create-user", "--email", "dsl@school.example", "--name", "Dee", "--role", "dsl"], input=password
    )
    assert second.exit_code == 0 and "confirm" in second.output
    assert db.session.scalar(select(User.role).where(User.email == "dsl@school.example")) == "staff"
    assert db.session.scalar(select(LeaderRequest.role)) == "dsl" and smtp_server.to("head@school.example")


def test_the_breached_password_list():
    from ap_forms.accounts.passwords import _common_passwords, password_problem

    assert len(_common_passwords()) >= 100_000
    for weak in ("Summer2026!", "Password123!", "Welcome1!", "P@ssw0rd!", "qwerty123456", "iloveyou!!"):
        assert "too common" in password_problem(weak), weak
    assert "name" in password_problem("JaneSmith2026", name="Jane Smith", email="jane.smith@school.example")
    assert password_problem("jane.smith@school.example", email="jane.smith@school.example")
    assert password_problem("Riverside School 99", school="Riverside School")
    for fine in (GOOD, "correct horse battery", "ÄpfelBirnen!", "riverside lemon tiger"):
        assert password_problem(fine, name="Jane Smith", email="jane@school.example", school="Riverside") is None


def test_your_sessions_can_be_ended_one_by_one_and_by_an_admin(app, frozen):
    person = f.make_user("office")
    phone, laptop = app.test_client(), app.test_client()
    phone.post(
        "/login",
        data={"email": person.email, "password": f.PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile Safari/537.36"},
    )
    laptop.post(
        "/login",
        data={"email": person.email, "password": f.PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/133.0"},
    )
    page = laptop.get("/account").get_data(as_text=True)
    assert "Chrome on Android" in page and "Firefox on Windows" in page and "This device" in page
    phone_id = re.search(r"/account/sessions/(\d+)/end", page).group(1)
    assert laptop.post(f"/account/sessions/{phone_id}/end").status_code == 303
    refused = phone.get("/")
    assert refused.status_code in (302, 303) and "/login" in refused.headers["Location"]
    assert laptop.get("/").status_code == 200
    assert _actions("session_ended")

    # Nobody ends another person's session.
    other = f.make_user("office")
    other_client = app.test_client()
    other_client.post("/login", data={"email": other.email, "password": f.PASSWORD})
    mine = re.search(r"/account/sessions/(\d+)/end", laptop.get("/account").get_data(as_text=True))
    assert mine is None  # the only live one is this device's, which has no End button
    from ap_forms.accounts.models import SignedInSession

    others = db.session.scalar(select(SignedInSession.id).where(SignedInSession.user_id == other.id))
    assert laptop.post(f"/account/sessions/{others}/end").status_code == 404
    assert other_client.get("/").status_code == 200

    admin = _as(app, f.make_user("admin"))
    assert admin.post(f"/admin/users/{person.id}/end-sessions").status_code == 303
    assert "/login" in laptop.get("/").headers["Location"]
