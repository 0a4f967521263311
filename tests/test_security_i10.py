"""Issue 10's security holes, each closed at the shared mechanism (see the README's design notes)."""

from __future__ import annotations

import json
import re
import stat
import time
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ap_forms.accounts import two_factor
from ap_forms.accounts.models import PendingTwoFactorSecret, User
from ap_forms.extensions import db
from tests import factories
from tests.conftest import Auth, make_app

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
    assert 'if (headers[BACKGROUND_HEADER] !== "1") schedule();' in script


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
    # Signed in: the recovery codes are shown once (issue 13), then on to the home page.
    assert ok.status_code == 200 and "Your recovery codes" in ok.data.decode() and 'href="/"' in ok.data.decode()
    assert ok.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert db.session.get(PendingTwoFactorSecret, dsl.id) is None
    assert db.session.get(User, dsl.id).totp_secret == secret


# --- 7. Files with pupils' data are readable by the service account only -----------------------


def test_database_backups_uploads_and_their_folders_are_private(tmp_path):
    from ap_forms.maintenance.backup import make_backup
    from ap_forms.web.uploads import upload_folder

    folder = tmp_path / "data" / "db"
    database = folder / "ap_forms.db"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        db.create_all()
        factories.first_school()
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


# --- 5. Names with markup are shown as text on every page --------------------------------------

MARKUP = '<b data-hx-get="/x" id="pwn">'


def _plant_markup(world) -> None:
    for pupil in (world.pupil_x, world.pupil_y):
        pupil.first_name += MARKUP
        pupil.last_name += MARKUP
        pupil.send_needs = pupil.diagnoses = pupil.medical_needs = "Needs " + MARKUP
    for provider in (world.provider_a, world.provider_b):
        provider.name += MARKUP
        provider.contact_name = "Contact " + MARKUP
        provider.address = "1 Farm Lane " + MARKUP
    world.site_a.name = "Yard " + MARKUP
    world.site_a.address = "2 Farm Lane " + MARKUP
    for user in world.users.values():
        user.name += MARKUP
    for placement in (world.placement_x, world.placement_y):
        placement.objectives = f"Attend 90% {MARKUP}\nComplete a unit {MARKUP}"
        for session in placement.sessions:
            session.activity = "Animal care " + MARKUP
            session.site_address = "3 Farm Lane " + MARKUP
    db.session.commit()


def test_markup_in_names_is_never_rendered_as_markup(app, world):
    from tests.test_access_matrix import CASES, _ids

    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    _plant_markup(world)
    ids = _ids(world)
    raw = []
    for case in CASES:
        if case.method != "GET" or "pdf" in case.path:
            continue
        path = case.path.format(**ids)
        for role in sorted(case.allowed - case.out_of_scope):
            client = app.test_client()
            Auth(client).as_user(world.users[role])
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(path, headers=headers)
                if response.mimetype == "text/html" and ('id="pwn"' in response.text or MARKUP in response.text):
                    raw.append(f"{role} {path} {headers}")
    assert raw == []


def test_the_visit_progress_label_escapes_the_pupils_name(app, world, auth):
    _plant_markup(world)
    auth.as_user(world.users["send_lead"])
    page = auth.client.get(f"/quality/visits/{world.visit_a.id}/record/progress").text
    assert "What you saw, and what Xavier&lt;b data-hx-get=" in page
    assert MARKUP not in page


# --- 6. A key worker's access ends with the placement ----------------------------------------

NOW = "2026-11-23T10:30"


def _end_placement_x(world, ended_on):
    from ap_forms.placements.models import PLANNED_END
    from ap_forms.placements.services import end_placement

    end_placement(
        world.placement_x, kind=PLANNED_END, ended_on=ended_on, actor=world.users["send_lead"], today=date(2026, 11, 23)
    )


def test_key_worker_loses_the_pupil_when_the_placement_ends(app, world, auth):
    app.config["FROZEN_NOW"] = NOW
    _end_placement_x(world, date(2026, 11, 20))
    kw = auth.as_user(world.users["kw_a"])
    p, pupil, autumn = world.placement_x.id, world.pupil_x.id, world.school_year.term("Autumn").id
    for path in (
        f"/pupils/{pupil}",
        f"/attendance/pupils/{pupil}",
        f"/attendance/placements/{p}",
        f"/placements/{p}/feedback/2026-11-16",
        f"/placements/{p}/feedback/2026-11-02",
    ):
        assert kw.get(path).status_code == 404, path
    assert kw.post(f"/attendance/register/{p}/2026-11-23/AM", data={"status": "present"}).status_code == 404
    # Within the finishing period: the final termly report and the Annual Review contribution only.
    assert kw.get(f"/placements/{p}/terms/{autumn}/report").status_code == 200
    assert kw.get(f"/placements/{p}/annual-review").status_code == 200
    home = kw.get("/").text
    assert "You can still finish the" in home and "18 December 2026" in home
    assert [i.placement.id for i in _due(world)] == [p]
    # The school still sees everything.
    auth.as_user(world.users["send_lead"])
    assert auth.client.get(f"/pupils/{pupil}").status_code == 200


def _due(world):
    from ap_forms.feedback.services import due_items

    return [i for i in due_items(world.users["kw_a"], date(2026, 11, 23)) if i.placement.id == world.placement_x.id]


def test_key_workers_finishing_period_runs_out(app, world, auth):
    from ap_forms.placements.services import KEY_WORKER_FINISHING_PERIOD

    _end_placement_x(world, date(2026, 11, 20))
    too_late = date(2026, 11, 20) + KEY_WORKER_FINISHING_PERIOD + timedelta(days=1)
    app.config["FROZEN_NOW"] = f"{too_late.isoformat()}T10:00"
    kw = auth.as_user(world.users["kw_a"])
    p, autumn = world.placement_x.id, world.school_year.term("Autumn").id
    assert kw.get(f"/placements/{p}/terms/{autumn}/report").status_code == 404
    assert kw.get(f"/placements/{p}/annual-review").status_code == 404


def test_key_worker_keeps_access_on_the_last_day(app, world, auth):
    app.config["FROZEN_NOW"] = NOW
    _end_placement_x(world, date(2026, 11, 23))
    kw = auth.as_user(world.users["kw_a"])
    assert kw.get(f"/pupils/{world.pupil_x.id}").status_code == 200


# --- 8. The audit trail ----------------------------------------------------------------------


def _audit_rows(action):
    from ap_forms.web.audit import AuditEvent

    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_pupil_trail_shows_rows_filed_against_placements_and_referrals(app, world, auth):
    app.config["FROZEN_NOW"] = NOW
    autumn = world.school_year.term("Autumn").id
    auth.as_user(world.users["kw_a"]).get(f"/placements/{world.placement_x.id}/terms/{autumn}/report")
    auth.as_user(world.users["kw_b"]).get(f"/placements/{world.placement_y.id}/terms/{autumn}/report")
    auth.as_user(world.users["send_lead"]).get(f"/referrals/{world.referral_x.id}")
    head = auth.as_user(world.users["headteacher"])
    page = head.get(f"/audit/?pupil={world.pupil_x.id}&action=termly_report_viewed").text
    assert "1 entry" in page and f"placement {world.placement_x.id}" in page
    page = head.get(f"/audit/?pupil={world.pupil_x.id}&action=referral_viewed").text
    assert "1 entry" in page and f"referral {world.referral_x.id}" in page
    page = head.get(f"/audit/?pupil={world.pupil_y.id}&action=termly_report_viewed").text
    assert "1 entry" in page and f"placement {world.placement_y.id}" in page


def test_throttled_and_unknown_email_sign_ins_are_logged(client):
    user = factories.make_user("office")
    for _ in range(6):
        client.post("/login", data={"email": user.email, "password": "bad guess 1"})
    [throttled] = _audit_rows("sign_in_throttled")
    assert throttled.record_id == str(user.id)
    for _ in range(6):
        client.post("/login", data={"email": "Nobody@Example.org", "password": "bad guess 1"})
    failed = [r for r in _audit_rows("sign_in_failed") if r.record_id is None]
    assert len(failed) == 5 and failed[0].detail == "unknown email: nobody@example.org"
    assert [r.detail for r in _audit_rows("sign_in_throttled") if r.record_id is None] == [
        "unknown email: nobody@example.org"
    ]
    client.post("/login", data={"email": "", "password": ""})
    assert [r.detail for r in _audit_rows("sign_in_failed")][-1] == "incomplete form"


def test_reads_of_reports_reviews_board_and_referral_list_are_audited(app, world, auth):
    app.config["FROZEN_NOW"] = NOW
    p, autumn = world.placement_x.id, world.school_year.term("Autumn").id
    kw = auth.as_user(world.users["kw_a"])
    kw.get(f"/placements/{p}/terms/{autumn}/report")
    kw.get(f"/placements/{p}/annual-review")
    lead = auth.as_user(world.users["send_lead"])
    lead.get(f"/placements/{p}/review")
    lead.get("/referrals/")
    lead.get("/attendance/board")
    lead.get("/attendance/board", headers={"HX-Request": "true", "X-Background": "1"})  # its own refresh
    for action, record_id in [
        ("termly_report_viewed", str(p)),
        ("annual_review_contribution_viewed", str(p)),
        ("placement_review_viewed", str(p)),
        ("referral_list_viewed", None),
        ("attendance_board_viewed", None),
    ]:
        rows = _audit_rows(action)
        assert len(rows) == 1 and rows[0].record_id == record_id, action
