"""A form sent after the session ended is kept and offered back after signing in again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.school.models import School
from ap_forms.web import resubmit
from ap_forms.web.resubmit import PendingSubmission
from tests import factories


def test_form_sent_after_idle_timeout_is_offered_back(client, auth):
    admin = factories.make_user("admin")
    auth.as_user(admin)
    with client.session_transaction() as session:
        session["last_seen"] -= 3600
    sent = client.post("/admin/settings", data={"name": "Typed Before Timeout School", "urn": "123456"})
    assert sent.status_code == 303 and "/login" in sent.headers["Location"]
    assert db.session.scalar(select(School)).name == "Your school"  # not saved yet

    signed_in = auth.login(admin)
    offer_url = signed_in.headers["Location"]
    assert offer_url.startswith("/resubmit/")
    page = client.get(offer_url).data.decode()
    assert "Nothing you typed has been lost" in page and 'value="Typed Before Timeout School"' in page
    assert "csrf_token" in page and 'action="/admin/settings"' in page
    resent = client.post("/admin/settings", data={"name": "Typed Before Timeout School", "urn": "123456"})
    assert resent.status_code == 303
    assert db.session.scalar(select(School)).name == "Typed Before Timeout School"


def _expire_idle(client) -> None:
    with client.session_transaction() as session:
        session["last_seen"] -= 3600


def test_kept_form_is_only_for_the_same_person(app, client, auth):
    office = factories.make_user("office")
    auth.as_user(office)
    _expire_idle(client)
    client.post("/admin/settings", data={"name": "Secret draft", "password": "never kept"})
    token = db.session.scalar(select(PendingSubmission.token))
    other = type(auth)(app.test_client())
    other.as_user(factories.make_user("office"))
    assert other.client.get(f"/resubmit/{token}").status_code == 404
    mine = type(auth)(app.test_client())
    mine.as_user(office)
    page = mine.client.get(f"/resubmit/{token}").data.decode()
    assert "Secret draft" in page and "never kept" not in page


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


@pytest.mark.parametrize("how", ["signed_out_elsewhere", "disabled", "password_reset"])
def test_a_dead_sessions_post_keeps_nothing_and_its_cookie_is_cleared(app, client, auth, how):
    office = factories.make_user("office")
    auth.as_user(office)
    if how == "disabled":
        office.active = False
    elif how == "password_reset":
        office.session_nonce = "rotated-by-a-reset"
    else:
        office.session_nonce = "rotated-by-sign-out"
    db.session.commit()
    sent = client.post("/admin/settings", data={"name": "x" * (5 * 1024 * 1024)})
    assert sent.status_code == 303 and "/login" in sent.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(PendingSubmission)) == 0
    with client.session_transaction() as session:
        assert "_user_id" not in session and resubmit.SESSION_KEY not in session


def test_a_large_form_is_not_kept(client, auth):
    office = factories.make_user("office")
    auth.as_user(office)
    _expire_idle(client)
    client.post("/admin/settings", data={"name": "x" * (resubmit.MAX_KEPT_BYTES + 1)})
    assert db.session.scalar(select(func.count()).select_from(PendingSubmission)) == 0
    auth.as_user(office)
    _expire_idle(client)
    client.post("/admin/settings", data={"name": "Just under the limit"})
    assert db.session.scalar(select(func.count()).select_from(PendingSubmission)) == 1


def test_at_most_five_kept_per_person_oldest_dropped(client, auth):
    office = factories.make_user("office")
    for n in range(resubmit.MAX_KEPT_PER_PERSON + 2):
        auth.as_user(office)
        _expire_idle(client)
        client.post("/admin/settings", data={"name": f"Draft {n}"})
    kept = db.session.scalars(select(PendingSubmission.fields).where(PendingSubmission.user_id == office.id)).all()
    assert len(kept) == resubmit.MAX_KEPT_PER_PERSON
    assert not any('"Draft 0"' in f or '"Draft 1"' in f for f in kept)
    assert any('"Draft 6"' in f for f in kept)
