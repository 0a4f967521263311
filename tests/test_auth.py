"""Sign-in, sign-out, sessions, throttling and the audit rows they leave."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from tests import factories


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_sign_in_lands_on_home_and_is_audited(client, auth):
    user = factories.make_user("office")
    response = auth.login(user)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and b"Alternative provision overview" in page.data
    assert "signed_in" in _actions()


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    user = factories.make_user("office")
    wrong = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 422
    message = b"The email address or password is not right"
    assert message in wrong.data and message in unknown.data
    assert _actions().count("sign_in_failed") == 2


def test_email_is_kept_after_failed_sign_in(client):
    response = client.post("/login", data={"email": "someone@example.org", "password": "nope-nope"})
    assert b'value="someone@example.org"' in response.data


def test_empty_form_shows_field_errors(client):
    response = client.post("/login", data={})
    assert response.status_code == 422
    assert b"Enter your email address" in response.data and b"Enter your password" in response.data
    assert b"There is a problem" in response.data  # the error summary


def test_throttled_after_five_failures_per_account(client, auth):
    user = factories.make_user("office")
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": "bad guess 1"}).status_code == 422
    blocked = auth.login(user)  # even the right password waits
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.data
    other = factories.make_user("office")
    assert auth.login(other).status_code == 303  # another account is not affected


def test_successful_sign_ins_do_not_count_towards_the_throttle(client, auth):
    user = factories.make_user("office")
    for _ in range(7):
        assert auth.login(user).status_code == 303
        auth.logout()


def test_inactive_user_cannot_sign_in(client, auth):
    user = factories.make_user("office", active=False)
    assert auth.login(user).status_code == 422


def test_logout_ends_the_session_on_the_server(app, client, auth):
    user = factories.make_user("office")
    auth.login(user)
    cookie = client.get_cookie("session").value
    assert auth.logout().status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_disabling_an_account_ends_its_sessions(app, client, auth):
    user = factories.make_user("office")
    auth.login(user)
    admin = factories.make_user("admin")
    admin_client = app.test_client()
    type(auth)(admin_client).as_user(admin)
    response = admin_client.post(
        f"/admin/users/{user.id}", data={"name": user.name, "role": "office", "provider_id": "", "phone": ""}
    )  # active unticked
    assert response.status_code == 303
    assert client.get("/").status_code == 303


def test_anonymous_is_sent_to_sign_in_with_next_and_returns_there(client):
    user = factories.make_user("office")
    response = client.get("/pupils/")
    assert response.status_code == 303 and "next=/pupils/" in response.headers["Location"]
    signed_in = client.post("/login?next=/pupils/", data={"email": user.email, "password": factories.PASSWORD})
    assert signed_in.headers["Location"] == "/pupils/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_cannot_leave_the_site(client, target):
    user = factories.make_user("office")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"


def test_htmx_request_with_expired_session_gets_hx_redirect(client):
    response = client.get("/pupils/?q=a", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect", "").startswith("/login")


def test_idle_session_expires(app, client, auth):
    user = factories.make_user("office")
    auth.as_user(user)
    with client.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    response = client.get("/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_refused_access_is_audited(client, auth):
    auth.as_user(factories.make_user("parent"))
    assert client.get("/admin/users").status_code == 403
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access_refused")).one()
    assert event.record_id == "accounts.user_list" and event.role == "parent"


def test_audit_log_is_append_only(app):
    from ap_forms.web import audit

    row = audit.record("test", "x", 1, commit=True)
    row.action = "changed"
    with pytest.raises(audit.AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, row.id))
    with pytest.raises(audit.AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_password_hash_is_argon2id():
    from ap_forms.accounts.passwords import hash_password

    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$") and "m=19456,t=2" in stored


@pytest.mark.parametrize(
    "password, ok",
    [
        ("short", False),
        ("password123", False),
        ("x" * 129, False),
        ("three random words", True),
        ("ÄpfelBirnen!", True),
    ],
)
def test_password_rules(password, ok):
    from ap_forms.accounts.passwords import password_problem

    assert (password_problem(password) is None) == ok


def test_idle_warning_is_on_signed_in_pages_and_extend_renews(client, auth):
    auth.as_user(factories.make_user("office"))
    page = client.get("/").data.decode()
    assert 'data-idle-seconds="1800"' in page and "Stay signed in" in page
    with client.session_transaction() as session:
        session["last_seen"] -= 29 * 60
    assert client.post("/session/extend").status_code == 204
    with client.session_transaction() as session:
        session["last_seen"] -= 29 * 60  # 58 minutes since sign-in, but only 29 idle
    assert client.get("/").status_code == 200


def test_key_workers_get_a_longer_idle_window(client, auth):
    auth.as_user(factories.make_user("key_worker", provider_id=factories.make_provider().id))
    assert 'data-idle-seconds="7200"' in client.get("/").data.decode()
