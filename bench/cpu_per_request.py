"""In-process CPU milliseconds per request (median of 25, after 3 warm-ups), page by page, on a
database made by bench/run.py or bench/generate.py. Steadier than served figures on a shared
machine: process time is not charged for waiting behind other people's work.

    .venv/bin/python bench/cpu_per_request.py [--scale 1] [--pages today,board]

For a before/after comparison, run it from a checkout of the older commit with this bench/ folder
copied in (its ap_forms is imported first), alternating with this one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ap_forms import create_app  # noqa: E402
from bench.run import OUT, PAGES, _request, page_urls, signed_in_client  # noqa: E402
from bench.wsgi import bench_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--pages", default=",".join(p.key for p in PAGES))
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / f'bench-s{args.scale}.db'}"
    app = create_app(bench_config(url))
    info = json.loads((OUT / f"info-s{args.scale}.json").read_text())
    for key in args.pages.split(","):
        page = next(p for p in PAGES if p.key == key)
        client = signed_in_client(app, info["users"][page.role], info.get("school_id"))
        path, body = page_urls(page, info)
        for _ in range(3):
            _request(client, page, path, body)
        timings = []
        for _ in range(25):
            start = time.process_time()
            _request(client, page, path, body)
            timings.append((time.process_time() - start) * 1000)
        timings.sort()
        print(f"{page.title:<34} {timings[len(timings) // 2]:6.1f} ms CPU")


if __name__ == "__main__":
    main()
