"""Two hosts, one PostgreSQL and one Redis (issue 14): two gunicorn processes on two ports, each with
its own upload folder, and the same SECRET_KEY, as two servers behind a load balancer. What one sees,
the other sees: a sign-in throttle, a sign-out, a session an admin ended, an uploaded document.

Runs wherever PostgreSQL (127.0.0.1:5432, user postgres; or TWO_HOSTS_DATABASE_URL) and Redis
(127.0.0.1:6379, or TWO_HOSTS_REDIS_URL) are running, as in CI; skipped cleanly when either is not.
It makes its own database (test_two_hosts_<random>), so it never touches the suite's per-worker ones.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pyotp
import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.factories import PASSWORD
from tests.test_production import free_port, start_gunicorn, stop, wait_for

pytestmark = pytest.mark.two_hosts

SERVER_URL = os.environ.get("TWO_HOSTS_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TWO_HOSTS_REDIS_URL", "redis://127.0.0.1:6379/0")


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(SERVER_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 (any failure: no PostgreSQL to test against)
        return False


def _redis_reachable() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def database_url():
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {make_url(SERVER_URL).render_as_string()}")
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    name = f"test_two_hosts_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """The schema by migration (as `make serve` does), five accounts and a provider."""
    from flask_migrate import upgrade

    from ap_forms import create_app
    from ap_forms.extensions import db
    from tests import factories as f

    folder = tmp_path_factory.mktemp("two-hosts")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(folder / "setup")}
    )
    with app.app_context():
        upgrade()
        provider = f.make_provider(name="Riverside Farm")
        users = {
            name: f.make_user(
                role, email=f"{name}@school.example", provider_id=provider.id if role == "key_worker" else None
            )
            for name, role in (
                ("throttled", "office"),
                ("leaver", "office"),
                ("ended", "office"),
                ("kw", "key_worker"),
                ("admin", "admin"),
            )
        }
        users["admin"].totp_secret = pyotp.random_base32()
        db.session.commit()
        ids = {name: user.id for name, user in users.items()}
        secret = users["admin"].totp_secret
        db.session.remove()
        db.engine.dispose()
    return {"ids": ids, "admin_secret": secret, "folder": folder, "url": database_url}


@pytest.fixture(scope="module")
def hosts(world):
    """Two gunicorns: host A and host B (each its own upload folder: only the database is shared)."""
    prefix = f"ap-forms-two-hosts-{uuid.uuid4().hex}"
    processes, urls = [], []
    for label in ("a", "b"):
        port = free_port()
        env = {
            "DATABASE_URL": world["url"],
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": prefix,
            "SECRET_KEY": "two-hosts-shared-secret",
            "UPLOAD_FOLDER": str(world["folder"] / f"uploads-{label}"),
            "APP_BASE_URL": f"http://127.0.0.1:{port}",
            "GUNICORN_ACCESS_LOG": "off",
            "FROZEN_NOW": "",
        }
        processes.append(start_gunicorn(port, env, world["folder"] / f"gunicorn-{label}.log"))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_for(url + "/healthz", seconds=90)
        yield urls
    finally:
        for process in processes:
            stop(process)
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: its cookies go to whichever host a request is sent to (as behind a load balancer)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, url: str, data: dict | None = None, files: dict | None = None) -> tuple[int, str, bytes]:
        """(status, Location, body) without following redirects."""
        headers = {}
        body = None
        if files:
            boundary = secrets.token_hex(12)
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                for k, v in (data or {}).items()
            ]
            for field, (filename, content, content_type) in files.items():
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                    f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
                )
                parts.append(head.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        try:
            request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (our loopback hosts)
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read()

    def csrf(self, url: str) -> str:
        status, _, page = self.request(url)
        assert status == 200, (url, status)
        tag = re.search(rb'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
        return re.search(rb'value="([^"]+)"', tag).group(1).decode()

    def sign_in(self, host: str, email: str, password: str = PASSWORD) -> tuple[int, str]:
        token = self.csrf(host + "/login")
        status, location, _ = self.request(host + "/login", {"csrf_token": token, "email": email, "password": password})
        return status, location

    def post(self, host: str, path: str, data: dict | None = None, *, form_page: str = "/", files=None):
        token = self.csrf(host + form_page)
        return self.request(host + path, {"csrf_token": token, **(data or {})}, files)

    def signed_in(self, host: str) -> bool:
        status, location, _ = self.request(host + "/")
        assert status in (200, 302, 303), status
        return status == 200

    def session_cookie(self) -> str:
        return next(c.value for c in self.jar if c.name == "session")


@pytest.fixture
def real_clock():
    """The gunicorns run on the real clock, so this process's cookie jar must too: a session cookie that
    expires in 8 real hours is already expired on a clock moved weeks ahead (AP_TEST_NOW)."""
    with time_machine.travel(time_machine.escape_hatch.time.time(), tick=True):
        yield


def test_two_hosts_share_throttle_sign_out_ended_sessions_and_documents(real_clock, hosts, world):
    host_a, host_b = hosts

    # A throttle: five wrong passwords on host A, then the right one on host B is refused.
    attacker = Browser()
    for _ in range(5):
        assert attacker.sign_in(host_a, "throttled@school.example", "wrong password")[0] == 422
    assert attacker.sign_in(host_b, "throttled@school.example")[0] == 429

    # A sign-out on host A ends the session on host B, even for a copy of the cookie.
    person = Browser()
    assert person.sign_in(host_a, "leaver@school.example") == (303, "/")
    assert person.signed_in(host_b)
    copied = person.session_cookie()
    assert person.post(host_a, "/logout")[0] == 303
    replay = Browser()
    replay.jar.set_cookie(
        http.cookiejar.Cookie(
            0, "session", copied, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}
        )
    )
    assert not replay.signed_in(host_b)

    # A session an admin ends ("Sign out everywhere") on host B ends on host A.
    staff = Browser()
    assert staff.sign_in(host_a, "ended@school.example") == (303, "/")
    admin = Browser()
    assert admin.sign_in(host_b, "admin@school.example") == (303, "/login/two-factor")
    token = admin.csrf(host_b + "/login/two-factor")
    # The gunicorns run on the real clock; this process runs on the suite's pinned one.
    code = pyotp.TOTP(world["admin_secret"]).at(time_machine.escape_hatch.time.time())
    assert admin.request(host_b + "/login/two-factor", {"csrf_token": token, "code": code})[0] == 303
    ended = world["ids"]["ended"]
    status, _, _ = admin.post(host_b, f"/admin/users/{ended}/end-sessions", {}, form_page=f"/admin/users/{ended}")
    assert status == 303
    assert not staff.signed_in(host_a)

    # A document uploaded through host A downloads, byte for byte, from host B.
    key_worker = Browser()
    assert key_worker.sign_in(host_a, "kw@school.example") == (303, "/")
    pdf = b"%PDF-1.4\n% two hosts " + secrets.token_hex(8).encode() + b"\n%%EOF\n"
    status, _, _ = key_worker.post(
        host_a,
        "/providers/mine/evidence",
        {"topic": "vetting", "description": "Vetting letter"},
        form_page="/providers/mine",
        files={"file": ("vetting.pdf", pdf, "application/pdf")},
    )
    assert status == 303
    engine = create_engine(world["url"])
    with engine.connect() as conn:
        document_id = conn.execute(text("SELECT id FROM documents WHERE description = 'Vetting letter'")).scalar_one()
    engine.dispose()
    status, _, body = key_worker.request(f"{host_b}/documents/{document_id}")
    assert status == 200 and body == pdf
    assert not any((world["folder"] / "uploads-a").glob("*"))  # in the database, not on host A's disk
