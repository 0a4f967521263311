"""Admin: user management and school settings, with field-level errors that keep what was typed."""

from __future__ import annotations

import re

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.school.models import School
from ap_forms.web.audit import AuditEvent
from tests import factories


def _admin(auth):
    admin = factories.make_user("admin")
    auth.as_user(admin)
    return admin


def test_admin_home_is_user_management(client, auth):
    _admin(auth)
    response = client.get("/", follow_redirects=True)
    assert b'<h1 class="govuk-heading-l">Users</h1>' in response.data


def test_create_key_worker_account(client, auth, smtp_server):
    _admin(auth)
    provider = factories.make_provider(name="Meadow Farm")
    response = client.post(
        "/admin/users/new",
        data={
            "email": " New.Worker@Farm.example ",
            "name": "New Worker",
            "role": "key_worker",
            "provider_id": str(provider.id),
            "phone": "07700 900000",
        },
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "new.worker@farm.example"))
    assert user.role == "key_worker" and user.provider_id == provider.id
    assert user.password_hash.startswith("!")  # nobody typed a password: the person chooses one
    [invitation] = smtp_server.to("new.worker@farm.example")
    assert "72 hours" in invitation.get_body(("plain",)).get_content()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created")).record_id == str(user.id)


def test_key_worker_needs_a_provider_and_errors_keep_input(client, auth):
    _admin(auth)
    response = client.post(
        "/admin/users/new",
        data={"email": "kw@farm.example", "name": "Kim Worker", "role": "key_worker", "provider_id": ""},
    )
    assert response.status_code == 422
    assert b"Choose the provider this key worker works for" in response.data
    assert b'value="Kim Worker"' in response.data and b'value="kw@farm.example"' in response.data


def test_create_user_validation_errors(client, auth):
    _admin(auth)
    existing = factories.make_user("office")
    response = client.post("/admin/users/new", data={"email": "not-an-email", "name": "", "role": "wizard"})
    assert response.status_code == 422
    for message in (b"Enter an email address in the correct format", b"Enter the person", b"Not a valid choice"):
        assert message in response.data
    duplicate = client.post(
        "/admin/users/new", data={"email": existing.email.upper(), "name": "Copy", "role": "office"}
    )
    assert duplicate.status_code == 422 and b"already exists" in duplicate.data


def test_change_role_and_reset_password(client, auth, smtp_server):
    _admin(auth)
    user = factories.make_user("staff")
    response = client.post(
        f"/admin/users/{user.id}",
        data={"name": "Renamed", "role": "office", "provider_id": "", "phone": "", "active": "y"},
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.role == "office" and user.name == "Renamed" and user.active
    assert b'name="password"' not in client.get(f"/admin/users/{user.id}").data  # no admin types a password
    ok = client.post(f"/admin/users/{user.id}/send-link")
    assert ok.status_code == 303
    [message] = smtp_server.to(user.email)
    link = re.search(r"http://127\.0\.0\.1:5000(/account/password/\S+)", message.get_body(("plain",)).get_content())
    fresh_client = client.application.test_client()
    bad = fresh_client.post(link.group(1), data={"password": "tiny", "confirm": "tiny"})
    assert bad.status_code == 422 and b"8 characters or more" in bad.data
    assert (
        fresh_client.post(
            link.group(1), data={"password": "brand new passphrase", "confirm": "brand new passphrase"}
        ).status_code
        == 303
    )
    fresh = type(auth)(client.application.test_client())
    assert fresh.login(user, "brand new passphrase").status_code == 303


def test_admin_cannot_disable_themselves(client, auth):
    admin = _admin(auth)
    response = client.post(f"/admin/users/{admin.id}", data={"name": admin.name, "role": "admin", "phone": ""})
    assert response.status_code == 422 and b"cannot disable your own account" in response.data


def test_unknown_user_is_404(client, auth):
    _admin(auth)
    assert client.get("/admin/users/99999").status_code == 404


def test_school_settings_save_and_validate(client, auth):
    _admin(auth)
    bad = client.post("/admin/settings", data={"name": "", "urn": "12", "contact_email": "nope"})
    assert bad.status_code == 422
    assert b"Enter the school" in bad.data and b"Enter the URN as 6 digits" in bad.data
    good = client.post(
        "/admin/settings",
        data={
            "name": "Hill Top School",
            "dfe_number": "9401234",
            "urn": "123456",
            "local_authority": "North Northamptonshire",
            "address": "",
            "contact_email": "office@hilltop.example",
            "contact_phone": "",
        },
    )
    assert good.status_code == 303
    assert db.session.scalar(select(School)).name == "Hill Top School"
    assert b"Hill Top School" in client.get("/admin/settings").data  # shown in the header
