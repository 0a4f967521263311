"""Many writers at once: WAL and the busy timeout mean 0 'database is locked' errors, 0 lost rows."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.web import audit
from ap_forms.web.audit import AuditEvent

WRITERS, WRITES = 8, 200


def test_concurrent_writers_lose_nothing(app):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(WRITES):
                    audit.record("concurrency_test", "writer", n, detail=str(i), commit=True)
                db.session.remove()
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    db.session.expire_all()
    count = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "concurrency_test"))
    assert count == WRITERS * WRITES
    per_writer = db.session.execute(
        select(AuditEvent.record_id, func.count())
        .where(AuditEvent.action == "concurrency_test")
        .group_by(AuditEvent.record_id)
    ).all()
    assert sorted(c for _, c in per_writer) == [WRITES] * WRITERS


def test_sqlite_runs_in_wal_mode(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(db.text("PRAGMA busy_timeout")).scalar() >= 5000
