"""Two benchmark databases side by side, in one process, one request each in turn: each page's p50 and
p99 wall time (and median CPU) at both scales, under the same machine load. Steadier than two served
runs minutes apart on a shared machine; no concurrency, so no queueing (the served runs add that).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench1 .venv/bin/python bench/generate.py --scale 1
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/generate.py --scale 20
    .venv/bin/python bench/compare_scales.py postgresql+psycopg://postgres@127.0.0.1:5432/bench1 1 \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench 20 [--runs 40] [--pages board,today]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ap_forms import create_app  # noqa: E402
from bench.run import OUT, PAGES, _request, page_urls, signed_in_client  # noqa: E402
from bench.wsgi import bench_config  # noqa: E402


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url_a")
    parser.add_argument("scale_a", type=int)
    parser.add_argument("url_b")
    parser.add_argument("scale_b", type=int)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pages", default=",".join(p.key for p in PAGES))
    args = parser.parse_args()
    sides = []
    for url, scale in ((args.url_a, args.scale_a), (args.url_b, args.scale_b)):
        app = create_app(bench_config(url))
        info = json.loads((OUT / f"info-s{scale}.json").read_text())
        sides.append((scale, app, info))
    rows = []
    for key in args.pages.split(","):
        page = next(p for p in PAGES if p.key == key)
        prepared = []
        for scale, app, info in sides:
            client = signed_in_client(app, info["users"][page.role], info.get("school_id"))
            path, body = page_urls(page, info)
            for _ in range(2):  # warm-up
                assert _request(client, page, path, body).status_code == 200, (scale, path)
            prepared.append((client, path, body))
        walls: list[list[float]] = [[], []]
        cpus: list[list[float]] = [[], []]
        for _ in range(args.runs):
            for side, (client, path, body) in enumerate(prepared):
                wall, cpu = time.perf_counter(), time.process_time()
                _request(client, page, path, body)
                walls[side].append((time.perf_counter() - wall) * 1000)
                cpus[side].append((time.process_time() - cpu) * 1000)
        row = {"page": key, "title": page.title}
        for side, (scale, _, _) in enumerate(sides):
            row |= {
                f"s{scale}_p50_ms": round(_percentile(walls[side], 0.5), 1),
                f"s{scale}_p99_ms": round(_percentile(walls[side], 0.99), 1),
                f"s{scale}_cpu_ms": round(_percentile(cpus[side], 0.5), 1),
            }
        a, b = sides[0][0], sides[1][0]
        row["p99_ratio"] = round(row[f"s{b}_p99_ms"] / row[f"s{a}_p99_ms"], 2)
        rows.append(row)
        print(
            f"{page.title:<34} s{a} p50 {row[f's{a}_p50_ms']:7.1f} p99 {row[f's{a}_p99_ms']:7.1f} cpu "
            f"{row[f's{a}_cpu_ms']:6.1f} | s{b} p50 {row[f's{b}_p50_ms']:7.1f} p99 {row[f's{b}_p99_ms']:7.1f} cpu "
            f"{row[f's{b}_cpu_ms']:6.1f} | p99 ×{row['p99_ratio']}",
            flush=True,
        )
    target = OUT / f"compare-s{sides[0][0]}-s{sides[1][0]}.json"
    target.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "pages": rows}, indent=2))
    print(f"JSON: {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
