"""Browser fixtures: the app served on loopback with demo data, driven by Debian's chromium."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ap_forms import create_app
from ap_forms.extensions import db
from tests import factories

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
DEMO_PASSWORD = "browser demo pass"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@contextmanager
def serve_demo(folder: Path, **config):
    """Serve a fresh demo school on a free loopback port; yields (base_url, app)."""
    from ap_forms.demo.cli import load_demo

    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_PORT": 1,
            "TWO_FACTOR_REQUIRED_ROLES": (),
            **config,
        }
    )
    with app.app_context():
        db.create_all()
        factories.first_school()  # as the migration makes it
        load_demo(DEMO_PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    if "APP_BASE_URL" not in config:
        app.config["APP_BASE_URL"] = base_url  # links the app writes out point at this server
    try:
        yield base_url, app
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real server on 127.0.0.1 with the demo school loaded, shared by the browser tests.

    Two-factor sign-in is off here so journeys can sign in with a password; it has its own test.
    """
    with serve_demo(tmp_path_factory.mktemp("live")) as served:
        yield served


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def screenshots(tmp_path):
    """Where this test's screenshots go (also copied to $SCREENSHOT_DIR when set, to look at)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    if os.environ.get("SCREENSHOT_DIR"):
        target = Path(os.environ["SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy(png, target / png.name)


def assert_accessible(page, name: str = "") -> None:
    """axe-core: no serious or critical violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"axe violations on {name or page.url}: {bad}"


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
