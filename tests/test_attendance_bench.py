"""The benchmark's data generator, at a small size: the office board and the key worker's Today
page make the same number of queries with no history and with two years of it."""

from __future__ import annotations

from ap_forms.extensions import db
from bench.generate import NOW, generate
from bench.run import measure, signed_in_client


def _counts(app, years: int) -> tuple[int, int, dict]:
    db.session.remove()
    db.drop_all()
    db.create_all()
    info = generate(placements=20, history_years=years)
    _, board = measure(app, signed_in_client(app, info["office_id"]), "/attendance/board")
    _, today = measure(app, signed_in_client(app, info["key_worker_id"]), "/")
    return board, today, info


def test_query_counts_do_not_grow_with_history(app):
    app.config["FROZEN_NOW"] = NOW
    board_new, today_new, fresh = _counts(app, 0)
    board_old, today_old, history = _counts(app, 2)
    assert history["marks"] > 5 * fresh["marks"]
    assert (board_old, today_old) == (board_new, today_new)
