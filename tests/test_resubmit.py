"""A form sent after the session ended is kept and offered back after signing in again."""

from __future__ import annotations

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.school.models import SchoolSettings
from ap_forms.web.resubmit import PendingSubmission
from tests import factories


def test_form_sent_after_idle_timeout_is_offered_back(client, auth):
    admin = factories.make_user("admin")
    auth.as_user(admin)
    with client.session_transaction() as session:
        session["last_seen"] -= 3600
    sent = client.post("/admin/settings", data={"name": "Typed Before Timeout School", "urn": "123456"})
    assert sent.status_code == 303 and "/login" in sent.headers["Location"]
    assert db.session.scalar(select(SchoolSettings)) is None  # not saved yet

    signed_in = auth.login(admin)
    offer_url = signed_in.headers["Location"]
    assert offer_url.startswith("/resubmit/")
    page = client.get(offer_url).data.decode()
    assert "Nothing you typed has been lost" in page and 'value="Typed Before Timeout School"' in page
    assert "csrf_token" in page and 'action="/admin/settings"' in page
    resent = client.post("/admin/settings", data={"name": "Typed Before Timeout School", "urn": "123456"})
    assert resent.status_code == 303
    assert db.session.scalar(select(SchoolSettings)).name == "Typed Before Timeout School"


def test_kept_form_is_only_for_the_same_person(app, client, auth):
    office = factories.make_user("office")
    auth.as_user(office)
    auth.logout()  # the cookie still names the user; their sign-in is no longer valid
    with client.session_transaction() as session:
        session["_user_id"] = f"{office.id}:a-nonce-that-was-rotated"
    client.post("/admin/settings", data={"name": "Secret draft", "password": "never kept"})
    token = db.session.scalar(select(PendingSubmission.token))
    other = type(auth)(app.test_client())
    other.as_user(factories.make_user("office"))
    assert other.client.get(f"/resubmit/{token}").status_code == 404
    mine = type(auth)(app.test_client())
    mine.as_user(office)
    page = mine.client.get(f"/resubmit/{token}").data.decode()
    assert "Secret draft" in page and "never kept" not in page
