"""Two-factor sign-in: required for leaders, a code works once, a password reset never skips it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from ap_forms.accounts import two_factor
from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from tests import factories

REQUIRED = {"TWO_FACTOR_REQUIRED_ROLES": frozenset({"headteacher", "dsl", "send_lead", "admin"})}
pytestmark = pytest.mark.parametrize("app", [REQUIRED], indirect=True)


def _code(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset_steps * totp.interval)


def test_leader_sets_up_an_authenticator_at_first_sign_in(client, auth):
    dsl = factories.make_user("dsl")
    response = auth.login(dsl)
    assert response.headers["Location"] == "/login/two-factor/setup"
    assert client.get("/").status_code == 303  # not signed in yet
    page = client.get("/login/two-factor/setup").data.decode()
    secret = re.search(r'<code class="app-secret">([A-Z2-7]+)</code>', page).group(1)
    assert "data:image/svg+xml" in page
    wrong = client.post("/login/two-factor/setup", data={"code": "000000"})
    assert wrong.status_code == 422 and "The code is not right" in wrong.data.decode()
    ok = client.post("/login/two-factor/setup", data={"code": _code(secret)})
    # Signed in; the ten recovery codes are shown once, with the way on.
    assert ok.status_code == 200 and "Your recovery codes" in ok.data.decode()
    assert len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", ok.data.decode())) == 10
    assert 'href="/"' in ok.data.decode()
    assert client.get("/").status_code == 200
    db.session.refresh(dsl)
    assert dsl.totp_secret == secret
    signed_in = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "signed_in")).one()
    assert signed_in.detail == "with two-factor"


def test_code_is_needed_after_the_password_and_works_once(app, client, auth):
    secret = pyotp.random_base32()
    head = factories.make_user("headteacher", totp_secret=secret)
    assert auth.login(head).headers["Location"] == "/login/two-factor"
    code = _code(secret)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 303
    auth.logout()
    again = type(auth)(app.test_client())
    again.login(head)
    replay = again.client.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 422 and "has been used" in replay.data.decode()
    assert again.client.get("/").status_code == 303


def test_optional_for_other_roles_but_enforced_once_set_up(client, auth):
    office = factories.make_user("office")
    assert auth.login(office).headers["Location"] == "/"
    auth.logout()
    office.totp_secret = pyotp.random_base32()
    db.session.commit()
    assert auth.login(office).headers["Location"] == "/login/two-factor"


def test_password_reset_never_skips_two_factor(app, client, auth, smtp_server):
    secret = pyotp.random_base32()
    send_lead = factories.make_user("send_lead", totp_secret=secret)
    assert client.post("/forgot-password", data={"email": send_lead.email}).status_code == 200
    [message] = smtp_server.to(send_lead.email)
    link = re.search(r"http://127\.0\.0\.1:5000(/account/password/\S+)", message.get_body(("plain",)).get_content())
    assert (
        client.post(
            link.group(1), data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
        ).status_code
        == 303
    )
    response = auth.login(send_lead, "a brand new passphrase")
    assert response.headers["Location"] == "/login/two-factor"


def test_admin_reset_makes_them_set_up_again(app, client, auth):
    # (a leader's reset waits for the headteacher: tests/test_accounts_links.py)
    other_admin = factories.make_user("admin", totp_secret=pyotp.random_base32())
    admin_client = app.test_client()
    type(auth)(admin_client).as_user(factories.make_user("admin"))
    assert admin_client.post(f"/admin/users/{other_admin.id}/two-factor/reset").status_code == 303
    assert auth.login(other_admin).headers["Location"] == "/login/two-factor/setup"


def test_code_page_without_password_step_sends_back_to_sign_in(client):
    response = client.post("/login/two-factor", data={"code": "123456"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_pending_step_expires_after_five_minutes(client, auth):
    head = factories.make_user("headteacher", totp_secret=pyotp.random_base32())
    auth.login(head)
    with client.session_transaction() as session:
        session["pending_at"] -= 301
    assert client.post("/login/two-factor", data={"code": _code(head.totp_secret)}).headers["Location"] == "/login"


def test_code_guessing_is_throttled(client, auth):
    head = factories.make_user("headteacher", totp_secret=pyotp.random_base32())
    auth.login(head)
    for _ in range(5):
        assert client.post("/login/two-factor", data={"code": "111111"}).status_code == 422
    assert client.post("/login/two-factor", data={"code": _code(head.totp_secret)}).status_code == 429


def test_verify_accepts_one_step_of_drift_only(app):
    user = factories.make_user("dsl", totp_secret=pyotp.random_base32())
    assert not two_factor.verify(user, _code(user.totp_secret, -3))
    assert two_factor.verify(user, _code(user.totp_secret, -1))
    assert not two_factor.verify(user, "12 34")
