"""Issue 10's security holes, each closed at the shared mechanism (see the README's design notes)."""

from __future__ import annotations

import json
import re
import stat
import time
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ap_forms.accounts import two_factor
from ap_forms.accounts.models import PendingTwoFactorSecret, User
from ap_forms.extensions import db
from tests import factories
from tests.conftest import make_app

TWO_FACTOR = {"TWO_FACTOR_REQUIRED_ROLES": frozenset({"headteacher", "dsl", "send_lead", "admin"})}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- 1. Only real activity keeps a session alive ----------------------------------------------

def test_the_boards_background_poll_does_not_renew_the_idle_timer(client, auth):
    auth.as_user(factories.make_user("office"))
    with client.session_transaction() as session:
        session["last_seen"] -= 25 * 60
        seen = session["last_seen"]
    poll = {"HX-Request": "true", "X-Background": "1"}
    assert client.get("/attendance/board", headers=poll).status_code == 200
    with client.session_transaction() as session:
        assert session["last_seen"] == seen  # answered, but not counted as activity
        session["last_seen"] -= 6 * 60  # 31 minutes since the person last did anything
    response = client.get("/attendance/board", headers=poll)
    assert response.headers.get("HX-Redirect", "").startswith("/login")  # the board signs out


def test_a_persons_own_request_still_renews_the_idle_timer(client, auth):
    auth.as_user(factories.make_user("office"))
    with client.session_transaction() as session:
        session["last_seen"] -= 25 * 60
        seen = session["last_seen"]
    assert client.get("/attendance/board", headers={"HX-Request": "true"}).status_code == 200
    with client.session_transaction() as session:
        assert session["last_seen"] > seen + 24 * 60


def test_app_js_marks_requests_without_activity_as_background():
    script = (Path(__file__).resolve().parent.parent / "static/js/app.js").read_text()
    assert 'const BACKGROUND_HEADER = "X-Background";' in script
    assert 'event.detail.headers[BACKGROUND_HEADER] = "1"' in script
    assert "if (headers[BACKGROUND_HEADER] !== \"1\") schedule();" in script


# --- 3. A code works once, even when two uses arrive together --------------------------------

def test_a_code_cannot_be_spent_twice_by_simultaneous_requests(app):
    secret = pyotp.random_base32()
    head = factories.make_user("headteacher", totp_secret=secret)
    now = time.time()
    code, step = pyotp.TOTP(secret).at(now), int(now // 30)
    # Request 2 verifies the same code and commits its step first…
    with db.engine.begin() as conn:
        conn.execute(update(User).where(User.id == head.id).values(totp_last_step=step))
    # …while request 1 had already read the row from before that write.
    db.session.refresh(head)
    set_committed_value(head, "totp_last_step", None)
    assert two_factor.verify(head, code, now) is False
    db.session.refresh(head)
    assert head.totp_last_step == step


def test_a_code_still_works_once(app):
    secret = pyotp.random_base32()
    head = factories.make_user("headteacher", totp_secret=secret)
    now = time.time()
    code = pyotp.TOTP(secret).at(now)
    assert two_factor.verify(head, code, now) is True
    assert two_factor.verify(head, code, now) is False


# --- 4. The set-up key stays on the server, and the page is never cached ---------------------

@pytest.mark.parametrize("app", [TWO_FACTOR], indirect=True)
def test_two_factor_setup_key_is_server_side_and_not_cached(app, client, auth):
    dsl = factories.make_user("dsl")
    auth.login(dsl)
    page = client.get("/login/two-factor/setup")
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="app-secret">([A-Z2-7]+)</code>', page.data.decode()).group(1)
    cookie = client.get_cookie("session").value
    contents = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in json.dumps(contents)
    assert db.session.get(PendingTwoFactorSecret, dsl.id).secret == secret
    assert secret in client.get("/login/two-factor/setup").data.decode()  # the same key on reload
    ok = client.post("/login/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 303 and ok.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(PendingTwoFactorSecret, dsl.id) is None
    assert db.session.get(User, dsl.id).totp_secret == secret


# --- 7. Files with pupils' data are readable by the service account only -----------------------

def test_database_backups_uploads_and_their_folders_are_private(tmp_path):
    from ap_forms.maintenance.backup import make_backup
    from ap_forms.web.uploads import upload_folder

    folder = tmp_path / "data" / "db"
    database = folder / "ap_forms.db"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                   UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        db.create_all()
        factories.make_student()
        assert _mode(folder) == 0o700 and _mode(database) == 0o600
        assert _mode(Path(app.instance_path)) == 0o700
        wal = database.with_name(database.name + "-wal")
        assert not wal.exists() or _mode(wal) == 0o600
        backup = make_backup(tmp_path / "backups")
        assert _mode(tmp_path / "backups") == 0o700 and _mode(backup) == 0o600
        assert _mode(backup.with_name(backup.name + ".manifest.json")) == 0o600
        assert _mode(upload_folder()) == 0o700
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.remove()
        db.engine.dispose()
