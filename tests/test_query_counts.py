"""Every everyday page makes the same number of SQL queries whatever the history and however many
placements there are (issue 15): set-based loads, never a query per row.

The benchmark's generator at two sizes, one three times the other: a school with 10 placements
(5 per key worker) and no earlier years, and one with 30 placements (15 per key worker) and two
earlier years of registers, feedback, reports, visits and incidents. Each page in bench/run.py's
PAGES (the office board, Today, marking a session, the attendance record, the leaders' homes, the
pupil page, the parent's home, the termly report PDF) is counted once at each size. No timings.
"""

from __future__ import annotations

from ap_forms.extensions import db
from bench.generate import NOW, generate
from bench.run import PAGES, measure, page_urls, signed_in_client


def _counts(app, *, placements: int, per_key_worker: int, years: int) -> tuple[dict, dict]:
    db.session.remove()
    db.drop_all()
    db.create_all()
    info = generate(placements=placements, pupils_per_provider=per_key_worker, history_years=years)
    counts = {}
    for page in PAGES:
        path, body = page_urls(page, info)
        _, counts[page.key] = measure(app, signed_in_client(app, info["users"][page.role]), path, page, body, runs=1)
    return counts, info


def test_query_counts_do_not_grow_with_history_or_placements(app):
    app.config["FROZEN_NOW"] = NOW
    small, small_info = _counts(app, placements=10, per_key_worker=5, years=0)
    large, large_info = _counts(app, placements=30, per_key_worker=15, years=2)
    assert large_info["marks"] > 5 * small_info["marks"] and large_info["feedback"] > 5 * small_info["feedback"]
    assert large == small
    # And they stay few (issue 15 found 37 on Today and 41 on the leaders' home).
    assert small["today"] <= 20 and small["board"] <= 15 and small["report_pdf"] <= 30, small
