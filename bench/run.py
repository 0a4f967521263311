"""`make bench`: how fast are the office board and a key worker's Today page, and how many queries
do they make, with 200 active placements and 0, 1 and 3 years of attendance history?

The query counts must be the same whatever the history (the suite asserts it too); the timings are
printed for people to read, never asserted. SQLite in bench/out/ by default; set
BENCH_DATABASE_URL to measure on PostgreSQL (the database is emptied first).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from ap_forms import create_app  # noqa: E402
from ap_forms.accounts.models import User  # noqa: E402
from ap_forms.extensions import db  # noqa: E402
from bench.generate import NOW, generate  # noqa: E402

OUT = ROOT / "bench" / "out"
RUNS = 7


def make_app(name: str):
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        OUT.mkdir(parents=True, exist_ok=True)
        database = OUT / f"{name}.db"
        database.unlink(missing_ok=True)
        url = f"sqlite:///{database}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "FROZEN_NOW": NOW,
                      "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        if url.startswith("postgresql"):
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        db.create_all()
    return app


def signed_in_client(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, user_id)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["signed_in_at"] = session["last_seen"] = time.time()
    return client


def measure(app, client, path: str) -> tuple[float, int]:
    """Median milliseconds over RUNS requests (after one warm-up), and queries per request."""
    queries = 0

    def count(*_args, **_kwargs):
        nonlocal queries
        queries += 1

    with app.app_context():
        engine = db.engine
    assert client.get(path).status_code == 200, path  # warm-up
    timings = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statistics.median(timings), queries // RUNS


def main() -> None:
    placements = int(os.environ.get("BENCH_PLACEMENTS", "200"))
    print(f"Attendance benchmark: {placements} active placements, frozen at {NOW} (a Monday, past the AM cut-off)")
    header = (f"{'history':>8} {'marks':>8} {'build s':>8} | {'board ms':>9} {'queries':>7} | "
              f"{'Today ms':>9} {'queries':>7}")
    print(header)
    print("-" * len(header))
    for years in (0, 1, 3):
        app = make_app(f"bench-{years}y")
        started = time.perf_counter()
        with app.app_context():
            info = generate(placements=placements, history_years=years)
        built = time.perf_counter() - started
        board_ms, board_queries = measure(app, signed_in_client(app, info["office_id"]), "/attendance/board")
        today_ms, today_queries = measure(app, signed_in_client(app, info["key_worker_id"]), "/")
        print(f"{years:>6} y {info['marks']:>8} {built:>8.1f} | {board_ms:>9.1f} {board_queries:>7} | "
              f"{today_ms:>9.1f} {today_queries:>7}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
