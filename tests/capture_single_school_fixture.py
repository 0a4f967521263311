"""Capture the demo school at revision 0012_oversight, and the pages that show its figures.

    .venv/bin/python -m tests.capture_single_school_fixture [OUTPUT]

OUTPUT defaults to tests/fixtures/single_school_0012.json.gz. In a fresh SQLite database under a
temporary folder this runs the migrations up to 0012_oversight (not head: the capture is of the
schema as it was before multi-school tenancy), loads the demo school with the clock pinned to
Thursday 26 November 2026 10:30 in England (FROZEN_NOW and time_machine, so created_at and every
"today" are the same on each run) and the password "demo-password-1", then writes, gzip-compressed:

    {"revision": "0012_oversight",
     "rows": {table: [row, ...]},              # tests/migration_fixture.dump_rows
     "pages": {"email url": visible text}}     # tests/migration_fixture.PAGES, after signing in

tests/test_migration_single_school.py loads the rows into an empty database at 0012_oversight,
upgrades to head and expects the same text on the same pages. Run this again only to capture the
old schema afresh (for instance after changing PAGES); never after the tenancy migration exists,
since it must describe a database from before it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import time_machine
from flask_migrate import upgrade

from ap_forms import create_app
from ap_forms.extensions import db
from tests.migration_fixture import (
    CAPTURED_AT_REVISION,
    DEMO_PASSWORD,
    FIXTURE,
    TRAVEL_TO,
    app_config,
    dump_rows,
    render_pages,
    write_fixture,
)


def capture(folder: Path) -> dict:
    from ap_forms.demo.cli import load_demo

    app = create_app(app_config(folder, f"sqlite:///{folder / 'capture.db'}"))
    with time_machine.travel(TRAVEL_TO, tick=False):
        with app.app_context():
            upgrade(revision=CAPTURED_AT_REVISION)
            load_demo(DEMO_PASSWORD)
            db.session.commit()
            db.session.remove()
            with db.engine.connect() as connection:
                rows = dump_rows(connection)
        pages = render_pages(app)
        with app.app_context():
            db.engine.dispose()
    return {"revision": CAPTURED_AT_REVISION, "rows": rows, "pages": pages}


def main(argv: list[str]) -> None:
    output = Path(argv[0]) if argv else FIXTURE
    with tempfile.TemporaryDirectory() as folder:
        captured = capture(Path(folder))
    write_fixture(output, captured)
    count = sum(len(rows) for rows in captured["rows"].values())
    print(
        f"Wrote {output}: {count} rows in {len(captured['rows'])} tables, {len(captured['pages'])} pages, "
        f"{output.stat().st_size:,} bytes."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
