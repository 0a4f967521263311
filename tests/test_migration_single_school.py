"""A single school's data, captured at revision 0012_oversight, migrates to head with every figure intact.

tests/fixtures/single_school_0012.json.gz holds the demo school's rows as they were at 0012_oversight,
and the text the school's people saw on their main pages (tests/capture_single_school_fixture.py made
it). Here an empty database is migrated to 0012_oversight, the rows go in, the database is upgraded to
head, and the same people, signing in with the same password, must see the same text on the same
pages, on the same pinned morning.
"""

from __future__ import annotations

import difflib

import pytest
import time_machine
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from ap_forms import create_app
from ap_forms.extensions import db
from tests.conftest import _WORKER, BASE_PG_URL
from tests.migration_fixture import (
    CAPTURED_AT_REVISION,
    PAGES,
    TRAVEL_TO,
    app_config,
    load_rows,
    read_fixture,
    render_pages,
)


@pytest.fixture
def migration_database_url(tmp_path):
    """An empty database of its own: a SQLite file, or on PostgreSQL `<base>_migration_<worker>`, made
    here and dropped afterwards (the shared schema the other tests use is never touched)."""
    if not BASE_PG_URL:
        yield f"sqlite:///{tmp_path / 'single_school.db'}"
        return
    base = make_url(BASE_PG_URL)
    name = f"{base.database}_migration_{_WORKER or 'main'}"
    admin = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _differences(expected: dict[str, str], seen: dict[str, str]) -> str:
    parts = []
    for key in expected:
        if seen.get(key) != expected[key]:
            diff = difflib.unified_diff(
                expected[key].splitlines(),
                (seen.get(key) or "").splitlines(),
                fromfile=f"{key} (captured at {CAPTURED_AT_REVISION})",
                tofile=f"{key} (after upgrade to head)",
                lineterm="",
                n=2,
            )
            parts.append("\n".join(diff))
    return "\n\n".join(parts)


def test_captured_school_shows_the_same_figures_after_upgrading(migration_database_url, tmp_path):
    captured = read_fixture()
    assert sorted(captured["pages"]) == sorted(f"{email} {url}" for email, url in PAGES), (
        "PAGES changed since the capture: run python -m tests.capture_single_school_fixture on the old schema"
    )
    app = create_app(app_config(tmp_path, migration_database_url))
    with time_machine.travel(TRAVEL_TO, tick=False):
        with app.app_context():
            upgrade(revision=CAPTURED_AT_REVISION)
            with db.engine.begin() as connection:
                load_rows(connection, captured["rows"])
            upgrade()  # to head: whatever migrations came after the capture run on the school's data
            db.session.remove()
        try:
            seen = render_pages(app)
        finally:
            with app.app_context():
                db.engine.dispose()
    differences = _differences(captured["pages"], seen)
    assert not differences, "pages differ after the migration:\n" + differences
