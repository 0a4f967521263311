"""Lighthouse (mobile, its simulated slow 4G) on the key worker's Today page, served by the production
server on the benchmark database, signed in as a key worker. Chromium is Debian's; Lighthouse itself
is installed from npm into .venv/node_modules on first use.

    .venv/bin/python bench/lighthouse.py [--scale 1] [--path /] [--role key_worker]

Prints the performance score, largest contentful paint and bytes transferred, and writes the whole
report to bench/out/lighthouse-<role>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ap_forms import create_app  # noqa: E402
from bench.run import OUT, Server, _cookie, signed_in_client  # noqa: E402
from bench.wsgi import bench_config  # noqa: E402

LIGHTHOUSE_VERSION = "12.8.2"
NODE_PREFIX = ROOT / ".venv"
LIGHTHOUSE = NODE_PREFIX / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync"
)


def ensure_lighthouse() -> None:
    if not LIGHTHOUSE.exists():
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(NODE_PREFIX),
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--path", default="/")
    parser.add_argument("--role", default="key_worker")
    args = parser.parse_args()
    ensure_lighthouse()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / f'bench-s{args.scale}.db'}"
    info = json.loads((OUT / f"info-s{args.scale}.json").read_text())
    cookie = _cookie(signed_in_client(create_app(bench_config(url)), info["users"][args.role], info.get("school_id")))
    headers = OUT / "lighthouse-headers.json"
    headers.write_text(json.dumps({"Cookie": cookie}))
    report = OUT / f"lighthouse-{args.role}.json"
    server = Server(url)
    try:
        # Each worker compiles its templates on its first request; a user meets warm workers.
        for _ in range(4):
            urllib.request.urlopen(urllib.request.Request(server.url(args.path), headers={"Cookie": cookie})).read()
        subprocess.run(
            [
                str(LIGHTHOUSE),
                server.url(args.path),
                "--only-categories=performance",
                "--output=json",
                f"--output-path={report}",
                f"--extra-headers={headers}",
                f"--chrome-flags={CHROME_FLAGS}",
                "--quiet",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        )
    finally:
        server.stop()
        headers.unlink(missing_ok=True)
    result = json.loads(report.read_text())
    audits = result["audits"]
    print(
        f"Lighthouse {result['lighthouseVersion']}, {result['configSettings']['formFactor']},"
        f" {args.path} as {args.role}"
    )
    print(f"  performance score      {round(result['categories']['performance']['score'] * 100)}")
    for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"):
        print(f"  {audits[key]['title']:<24} {audits[key]['displayValue']}")
    print(f"  transferred            {audits['total-byte-weight']['numericValue'] / 1024:.0f} KiB")
    items = audits["network-requests"]["details"]["items"]
    print(f"  requests               {len(items)}")
    for item in items:
        print(f"    {item['transferSize']:>8} B  {item['url'].split('/', 3)[-1][:70]}")


if __name__ == "__main__":
    main()
