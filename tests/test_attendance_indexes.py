"""On PostgreSQL, the attendance tables are never read by a sequential scan for one pupil or one day
(issue 15): every statement the pupil's attendance record, the office board, the key worker's Today
page and marking a session send to those tables can be served by an index.

The statements are the app's own, captured while the pages are served, then EXPLAINed with their
parameters. The data is the benchmark's at a modest size so the test stays fast; at that size the
planner would rightly pick a sequential scan of a small table, so the test turns sequential scans
off: a plan that still has one then means no index can serve the statement. Skipped on SQLite.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, text

from ap_forms.extensions import db
from bench.generate import NOW, generate
from bench.run import PAGES, _request, page_urls, signed_in_client

ATTENDANCE_TABLES = {
    "attendance_marks",
    "register_entries",
    "parent_contacts",
    "attendance_alerts",
    "attendance_mark_changes",
    "register_amendments",
}
CHECKED_PAGES = ("record", "board", "today", "mark")


def _seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in ATTENDANCE_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


def test_no_sequential_scan_of_attendance_tables_for_one_pupil_or_one_day(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL (DATABASE_URL=postgresql+psycopg://…)")
    app.config["FROZEN_NOW"] = NOW
    db.session.remove()
    db.drop_all()
    db.create_all()
    info = generate(placements=30, history_years=2, pupils_per_provider=10)
    with db.engine.begin() as connection:
        for table in ATTENDANCE_TABLES:
            connection.execute(text(f"ANALYZE {table}"))

    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if any(table in statement for table in ATTENDANCE_TABLES) and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for page in PAGES:
            if page.key in CHECKED_PAGES:
                path, body = page_urls(page, info)
                response = _request(signed_in_client(app, info["users"][page.role]), page, path, body)
                assert response.status_code == 200, page.key
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(captured) >= 6

    problems = []
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        with raw.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            for statement, parameters in captured:
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                plan = cursor.fetchone()[0]
                plan = plan if isinstance(plan, list) else json.loads(plan)
                scans = _seq_scans(plan[0]["Plan"])
                if scans:
                    problems.append((scans, " ".join(statement.split())[:200]))
            cursor.execute("RESET enable_seqscan")
    assert not problems, problems
