"""CSRF on every state change, security headers, health check and error pages."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import Auth
from tests.test_access_matrix import CASES, _ids


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_every_post_without_csrf_token_is_refused(app, world):
    admin_paths = {
        "accounts.user_new": "/admin/users/new",
        "accounts.user_edit": f"/admin/users/{world.users['office'].id}",
        "accounts.user_send_link": f"/admin/users/{world.users['office'].id}/send-link",
        "school.settings": "/admin/settings",
        "accounts.logout": "/logout",
    }
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    public_posts = {
        "accounts.login": "/login",
        "accounts.two_factor": "/login/two-factor",
        "accounts.two_factor_setup": "/login/two-factor/setup",
        "carers.invitation": "/invitations/some-token",
        "accounts.forgot_password": "/forgot-password",
        "accounts.choose_password": "/account/password/some-token",
    }
    post_endpoints -= set(public_posts)  # checked below, anonymously
    checked = 0
    for case in CASES:
        if case.method != "POST":
            continue
        client = app.test_client()
        role = next(iter(sorted(case.allowed)))
        Auth(client).as_user(world.users[role])
        response = client.post(case.path.format(**_ids(world)), data=case.data)
        assert response.status_code == 400, case.path
        post_endpoints.discard(case.endpoint)
        checked += 1
    assert post_endpoints == set(), f"POST endpoints not checked for CSRF: {post_endpoints}"
    assert checked >= len(admin_paths)
    for path in public_posts.values():
        assert app.test_client().post(path, data={"email": "a@b.c", "password": "x", "code": "1"}).status_code == 400


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_htmx_post_with_csrf_header_is_accepted(app):
    client = app.test_client()
    page = client.get("/login")
    import re

    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data) or re.search(
        rb'"X-CSRFToken": "([^"]+)"', page.data
    )
    assert token, "the page must carry a CSRF token"
    user = factories.make_user("office")
    response = client.post(
        "/login",
        data={"email": user.email, "password": factories.PASSWORD},
        headers={"X-CSRFToken": token.group(1).decode(), "HX-Request": "true"},
    )
    assert response.status_code == 200 and response.headers.get("HX-Location")


def test_security_headers_on_html_pages(client, auth):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self' 'nonce-"):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    auth.as_user(factories.make_user("office"))
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client):
    user = factories.make_user("office")
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_healthz_queries_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.data == b"ok"


def test_error_pages_leak_nothing(app, client, auth):
    @app.get("/boom-test")
    def boom():  # pragma: no cover - exercised below
        raise RuntimeError("secret internal detail")

    from ap_forms.web.permissions import RULES

    RULES["boom"] = frozenset({"office"})
    try:
        auth.as_user(factories.make_user("office"))
        response = client.get("/boom-test")
        assert response.status_code == 500
        assert b"secret internal detail" not in response.data and b"Traceback" not in response.data
        assert b"Sorry, there is a problem" in response.data
    finally:
        del RULES["boom"]
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and b"Page not found" in missing.data
