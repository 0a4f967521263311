"""Where one page's time goes: its SQL statements (grouped, with the app line that ran each) and a
pyinstrument profile, in-process on the benchmark database made by `bench/run.py` or `generate.py`.

    .venv/bin/python bench/profile_page.py today [--scale 1] [--pyinstrument]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from ap_forms import create_app  # noqa: E402
from ap_forms.extensions import db  # noqa: E402
from bench.run import OUT, PAGES, _request, page_urls, signed_in_client  # noqa: E402
from bench.wsgi import bench_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("page", choices=[p.key for p in PAGES])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--pyinstrument", action="store_true", help="wall-clock call tree")
    parser.add_argument("--cpu", action="store_true", help="cProfile on CPU time (steady on a busy machine)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / f'bench-s{args.scale}.db'}"
    app = create_app(bench_config(url))
    info = json.loads((OUT / f"info-s{args.scale}.json").read_text())
    page = next(p for p in PAGES if p.key == args.page)
    client = signed_in_client(app, info["users"][page.role], info.get("school_id"))
    path, body = page_urls(page, info)
    _request(client, page, path, body)  # warm-up
    seen: Counter = Counter()

    def log(_conn, _cursor, statement, _params, _context, _many):
        frames = [f for f in traceback.extract_stack() if "/ap_forms/" in f.filename]
        where = f"{Path(frames[-1].filename).relative_to(ROOT)}:{frames[-1].lineno}" if frames else "?"
        seen[(where, " ".join(statement.split())[:110])] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", log)
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    if args.cpu:
        import cProfile
        import pstats
        import time

        cpu = cProfile.Profile(time.process_time)
        cpu.enable()
    response = _request(client, page, path, body)
    if args.cpu:
        cpu.disable()
        stats = pstats.Stats(cpu)
        stats.sort_stats("tottime").print_stats(25)
    if args.pyinstrument:
        profiler.stop()
    print(path, response.status_code, len(response.data), "bytes,", sum(seen.values()), "queries")
    for (where, statement), n in sorted(seen.items()):
        print(f"{n:>3} {where:<45} {statement}")
    if args.pyinstrument:
        print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
