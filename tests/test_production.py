"""Running for real (issue 14): gunicorn with the repo's config, the proxy settings, emailed links
from APP_BASE_URL only, and an access log without query strings or tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from ap_forms.web.serving import redact_path
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback server)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def start_gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    """gunicorn with the repo's gunicorn.conf.py, one worker, on 127.0.0.1:port."""
    full_env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    full_env.pop("PYTEST_XDIST_WORKER", None)
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).with_name("gunicorn")), "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_access_log_paths_lose_query_strings_and_tokens():
    assert redact_path("/pupils?q=Xavier+Smith") == "/pupils"
    assert redact_path("/calendar/abcDEF123.ics") == "/calendar/…"
    assert redact_path("/invitations/s3cret-token") == "/invitations/…"
    assert redact_path("/pupils/import/tok/columns") == "/pupils/import/…/columns"
    assert redact_path("/pupils/12") == "/pupils/12"


def test_gunicorn_serves_the_app_without_naming_its_software(tmp_path):
    """The repo's gunicorn.conf.py serves the app: no Server software or version, no query in the log."""
    from flask_migrate import upgrade

    from ap_forms import create_app

    database = tmp_path / "serve.db"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "serve-test",
        "UPLOAD_FOLDER": str(tmp_path / "u"),
        "GUNICORN_ACCESS_LOG": "-",
        "FROZEN_NOW": "",
    }
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    port, log = free_port(), tmp_path / "gunicorn.log"
    process = start_gunicorn(port, env, log)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login?next=/pupils%3Fq%3DSecretName") as response:  # noqa: S310
            assert response.status == 200
            server = response.headers.get("Server", "")
            assert "gunicorn" not in server.lower() and "werkzeug" not in server.lower(), server
    finally:
        stop(process)
    text = log.read_text()
    assert '"GET /login HTTP/1.1" 200' in text, text
    assert "SecretName" not in text and "next=" not in text


@pytest.mark.parametrize("app", [{"PROXY_FIX_X_HOST": 1}], indirect=True)
def test_emailed_links_use_app_base_url_never_the_host_header(app, client, auth, smtp_server):
    """Even a Host the app believes (here through a trusted proxy's X-Forwarded-Host) never reaches an email."""
    app.config["APP_BASE_URL"] = "https://apforms.school.example"
    student = f.make_student()
    carer = f.make_carer(student, name="Karen Abbott", email="karen@home.example")
    auth.as_user(f.make_user("office"))
    response = client.post(
        f"/pupils/{student.id}/carers/{carer.id}/invite", headers={"X-Forwarded-Host": "evil.example"}
    )
    assert response.status_code in (302, 303)
    [message] = smtp_server.to("karen@home.example")
    body = message.get_body(("plain",)).get_content()
    assert "https://apforms.school.example/invitations/" in body and "evil.example" not in body


@pytest.mark.parametrize("app", [{"PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1}], indirect=True)
def test_behind_a_proxy_the_client_address_and_https_come_from_its_headers(app, client):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    response = client.post("/login", data={"email": "nobody@school.example", "password": "wrong"}, headers=headers)
    assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", "")
    assert db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "sign_in_failed")) == "203.0.113.9"


def test_without_proxy_settings_forwarded_headers_are_not_trusted(app, client):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    response = client.post("/login", data={"email": "nobody@school.example", "password": "wrong"}, headers=headers)
    assert "Strict-Transport-Security" not in response.headers
    assert db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "sign_in_failed")) == "127.0.0.1"


def test_readyz_checks_database_migrations_and_redis(tmp_path):
    from flask_migrate import upgrade

    from ap_forms import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
            "SECRET_KEY": "x",
            "UPLOAD_FOLDER": str(tmp_path / "u"),
        }
    )
    client = app.test_client()
    with app.app_context():
        assert client.get("/readyz").data == b"not ready: migrations"
        upgrade(revision="0011_incidents")
        assert client.get("/readyz").status_code == 503
        upgrade()
        response = client.get("/readyz")
        assert response.status_code == 200 and response.data == b"ready"
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
        assert client.get("/readyz").data == b"not ready: redis"
        db.engine.dispose()


def test_request_ids_reach_the_response_the_error_page_and_the_log(app, client, auth):
    import json
    import logging

    from ap_forms.web import observability

    response = client.get("/no-such-page", headers={"X-Request-ID": "proxy-given-id-123"})
    assert response.headers["X-Request-ID"] == "proxy-given-id-123"
    assert "proxy-given-id-123" in response.get_data(as_text=True)  # the reference on the error page
    odd = client.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert odd != "<script>" and len(odd) == 32

    logger = logging.getLogger("ap_forms")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        app.config["LOG_FORMAT"] = "json"
        observability._configure_logging(app)
        stream = __import__("io").StringIO()
        logger.handlers[0].setStream(stream)
        user = f.make_user("office")
        client.post(
            "/login?next=/pupils%3Fq%3DSecret",
            data={"email": user.email, "password": "Hunter2-secret"},
            headers={"X-Request-ID": "sign-in-attempt-1"},
        )
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.handlers, logger.level, logger.propagate = saved
    [line] = [x for x in lines if x["message"] == "request"]
    assert line["request_id"] == "sign-in-attempt-1" and line["method"] == "POST" and line["path"] == "/login"
    assert line["status"] == 422 and line["ip"] == "127.0.0.1" and isinstance(line["duration_ms"], float)
    text = stream.getvalue()
    assert "Hunter2" not in text and user.email not in text and "Secret" not in text


def test_the_built_package_carries_templates_static_and_migrations(tmp_path):
    """What `pip install .` puts in site-packages (setup.py's build_py), run from outside the checkout:
    create_app finds the packaged templates, static files and migrations, migrates and serves a page."""
    build = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(build)],  # noqa: S603
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("templates/base.html", "static/css/app.css", "migrations/env.py", "migrations/alembic.ini"):
        assert (build / "ap_forms" / "_assets" / name).is_file(), name
    script = (
        "import ap_forms, sys\n"
        "from ap_forms import create_app\n"
        "from flask_migrate import upgrade\n"
        "app = create_app({'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + sys.argv[1]})\n"
        "assert ap_forms.__file__.startswith(sys.argv[2]), ap_forms.__file__\n"
        "assert app.template_folder.startswith(sys.argv[2]) and app.static_folder.startswith(sys.argv[2])\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "response = app.test_client().get('/login')\n"
        "assert response.status_code == 200 and b'Sign in' in response.data\n"
        "assert app.test_client().get('/static/css/app.css').status_code == 200\n"
        "print('packaged app ok', app.instance_path)\n"
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {**os.environ, "PYTHONPATH": str(build), "FROZEN_NOW": ""}
    result = subprocess.run(
        [sys.executable, "-c", script, str(outside / "app.db"), str(build)],  # noqa: S603
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"packaged app ok {outside / 'instance'}" in result.stdout
