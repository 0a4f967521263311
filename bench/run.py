"""`make bench`: every everyday page under the production server, side by side with a bare Flask page.

Generates the data (`bench/generate.py --scale N`, SQLite in bench/out/ or BENCH_DATABASE_URL, which
is emptied first), counts each page's SQL queries in-process, then serves `bench.wsgi` with gunicorn
(2 workers, 127.0.0.1) and, for each page, loads a bare Flask page of the same byte size (the
ceiling) and then the page itself with `wrk` for a fixed time each, signed in as the right person.
Prints a Markdown table and writes JSON to bench/out/. Timings are for people to read; the suite
asserts only query counts (tests/test_query_counts.py).

    .venv/bin/python bench/run.py [--scale 1] [--seconds 5] [--label after] [--pages board,today]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from ap_forms import create_app  # noqa: E402
from ap_forms.accounts.models import User  # noqa: E402
from ap_forms.extensions import db  # noqa: E402
from bench.generate import TODAY, generate  # noqa: E402
from bench.wsgi import bench_config  # noqa: E402

OUT = ROOT / "bench" / "out"
RUNS = 5  # in-process requests per page for the query count


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    role: str  # who signs in (a key of generate()'s "users")
    path: str  # formatted with generate()'s result
    method: str = "GET"
    body: str = ""
    htmx: bool = False


# One line per page: add a page here.
PAGES = [
    Page("board", "Office board", "office", "/attendance/board"),
    Page("today", "Key worker's Today", "key_worker", "/"),
    Page(
        "mark",
        "Marking a session (POST, htmx)",
        "key_worker",
        "/attendance/register/{placement_id}/" + TODAY.isoformat() + "/AM",
        "POST",
        "m{placement_id}AM-status=present",
        htmx=True,
    ),
    Page("record", "Pupil attendance record", "office", "/attendance/pupils/{student_id}"),
    Page("send_home", "SEND lead's home", "send_lead", "/"),
    Page("head_home", "Headteacher's home", "headteacher", "/"),
    Page("pupil", "Pupil page", "send_lead", "/pupils/{student_id}"),
    Page("parent_home", "Parent's home", "parent", "/"),
    Page("report_pdf", "Termly report PDF", "send_lead", "/placements/{placement_id}/terms/{term_id}/report.pdf"),
    Page("compliance", "Compliance board", "headteacher", "/oversight/compliance"),
]


def make_app(name: str):
    """The app on an emptied benchmark database (SQLite bench/out/<name>.db unless BENCH_DATABASE_URL)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        OUT.mkdir(parents=True, exist_ok=True)
        database = OUT / f"{name}.db"
        database.unlink(missing_ok=True)
        url = f"sqlite:///{database}"
    app = create_app(bench_config(url))
    with app.app_context():
        db.drop_all()
        if url.startswith("postgresql"):
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        db.create_all()
    return app


def signed_in_client(app, user_id: int, school_id: int | None = None):
    """A client signed in as this person, working in `school_id` if given (a key worker at one of the
    trust's shared providers works with every school: the benchmark measures one)."""
    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, user_id)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["signed_in_at"] = session["last_seen"] = time.time()
            if school_id is not None:
                session["school_id"] = school_id
    return client


def _request(client, page: Page, path: str, body: str):
    headers = {"HX-Request": "true"} if page.htmx else {}
    if page.method == "POST":
        return client.post(path, data=body, headers=headers, content_type="application/x-www-form-urlencoded")
    return client.get(path, headers=headers)


def measure(app, client, path: str, page: Page | None = None, body: str = "", runs: int = RUNS) -> tuple[float, int]:
    """Median in-process milliseconds over `runs` requests (after one warm-up), and queries per request."""
    page = page or Page("", "", "", path)
    queries = 0

    def count(*_args, **_kwargs):
        nonlocal queries
        queries += 1

    with app.app_context():
        engine = db.engine
    warm = _request(client, page, path, body)
    assert warm.status_code == 200, (path, warm.status_code)
    timings = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            start = time.perf_counter()
            response = _request(client, page, path, body)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sorted(timings)[len(timings) // 2], queries // runs


def page_urls(page: Page, info: dict) -> tuple[str, str]:
    values = {**info, "term_id": (info.get("report") or [0, 0])[1]}
    return page.path.format(**values), page.body.format(**values)


# --- the load generator -------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "{method}"
wrk.body = "{body}"
wrk.headers["Cookie"] = "{cookie}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
{extra}
"""

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    method: str = "GET",
    body: str = "",
    cookie: str = "",
    headers: dict | None = None,
) -> dict:
    """requests/s, p50 and p99 (ms) and failures from Debian's wrk, bounded to `connections`."""
    extra = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(method=method, body=body, cookie=cookie, extra=extra))
    try:
        command = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            script.name,
            url,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    finally:
        os.unlink(script.name)
    out = result.stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": round(_ms(latency["50"]), 2),
        "p99_ms": round(_ms(latency["99"]), 2),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "failed": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def _peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident size (VmHWM) among the workers, in MB."""
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        peak = max(peak, int(found.group(1)) if found else 0)
    return round(peak / 1024, 1)


class Server:
    """gunicorn serving bench.wsgi on 127.0.0.1 with 2 workers of 4 threads and keep-alive, as the production
    settings (issue 14's gunicorn.conf.py: gthread) have them. Stopped by its own pid."""

    def __init__(self, url: str, workers: int = 2):
        self.port = _free_port()
        env = {**os.environ, "BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                str(workers),
                "-k",
                "gthread",
                "--threads",
                "4",
                "--keep-alive",
                "5",
                "--preload",
                # The production setting recycles a worker after ~2,000 requests; the bare page reaches
                # that in seconds, and each page would then be measured on cold workers (templates
                # compiled again): not in the benchmark.
                "--max-requests",
                "0",
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "bench.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        # --preload: the app is imported once before the fork, so both workers serve from the first request.
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if len(_workers(self.process.pid)) >= workers:
                    urllib.request.urlopen(self.url("/_bare/1"), timeout=30).read()
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def workers(self) -> list[int]:
        return _workers(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _cookie(client) -> str:
    cookie = client.get_cookie("session")
    return f"session={cookie.value}"


STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
MODULE_IMPORT = re.compile(r'from\s*"(\.{1,2}/[^"]+)"')


def first_load_bytes(client, path: str = "/") -> dict:
    """Bytes a browser downloads on a first visit to `path` (the page, its stylesheets, scripts and
    icon, and the modules they import), with and without compression; and whether each static file
    may be kept (so a repeat visit asks for nothing)."""
    import posixpath

    def fetch(url: str, compressed: bool):
        headers = {"Accept-Encoding": "gzip, deflate, br"} if compressed else {}
        return client.get(url, headers=headers)

    totals = {}
    for compressed in (False, True):
        page = fetch(path, compressed)
        html = client.get(path).get_data(as_text=True)
        queue, seen, total, cached = STATIC_LINK.findall(html), set(), len(page.data), True
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            response = fetch(url, compressed)
            total += len(response.data)
            cached = cached and "immutable" in response.headers.get("Cache-Control", "")
            if url.endswith(".js"):
                body = client.get(url).get_data(as_text=True)
                queue += [
                    posixpath.normpath(posixpath.join(posixpath.dirname(url), m)) for m in MODULE_IMPORT.findall(body)
                ]
        totals["compressed" if compressed else "uncompressed"] = total
        totals["files"] = len(seen) + 1
        totals["static_immutable"] = cached
    return totals


def run(scale: int, seconds: int, connections: int, only: set[str] | None, label: str, reuse: bool = False) -> dict:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    name = f"bench-s{scale}"
    started = time.perf_counter()
    if reuse:  # the database generate.py (or an earlier run) left, as it is
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / f'{name}.db'}"
        app = create_app(bench_config(url))
        info = json.loads((OUT / f"info-s{scale}.json").read_text())
    else:
        app = make_app(name)
        with app.app_context():
            info = generate(scale=scale)
        (OUT / f"info-s{scale}.json").write_text(json.dumps(info))  # for bench/profile_page.py
    built = time.perf_counter() - started
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    pages = [p for p in PAGES if not only or p.key in only]

    # In-process: status, body size and SQL queries per request; and each person's session cookie.
    prepared = []
    for page in pages:
        client = signed_in_client(app, info["users"][page.role], info["school_id"])
        path, body = page_urls(page, info)
        in_ms, queries = measure(app, client, path, page, body)
        size = len(_request(client, page, path, body).data)
        prepared.append((page, path, body, _cookie(client), size, queries, in_ms))
    weight = first_load_bytes(signed_in_client(app, info["users"]["key_worker"], info["school_id"]))
    print(f"Key worker's Today, first load: {weight}", flush=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    server = Server(url)
    results = []
    try:
        for page, path, body, cookie, size, queries, in_ms in prepared:
            headers = {"HX-Request": "true"} if page.htmx else {}
            wrk(server.url(f"/_bare/{size}"), seconds=1, connections=connections)  # warm-up
            ceiling = wrk(server.url(f"/_bare/{size}"), seconds=seconds, connections=connections)
            wrk(
                server.url(path),
                seconds=1,
                connections=connections,
                method=page.method,
                body=body,
                cookie=cookie,
                headers=headers,
            )
            measured = wrk(
                server.url(path),
                seconds=seconds,
                connections=connections,
                method=page.method,
                body=body,
                cookie=cookie,
                headers=headers,
            )
            row = {
                "page": page.key,
                "title": page.title,
                "method": page.method,
                "path": path,
                "bytes": size,
                **measured,
                "ceiling_rps": ceiling["rps"],
                "ceiling_p50_ms": ceiling["p50_ms"],
                "ratio": round(measured["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None,
                "queries": queries,
                "in_process_ms": round(in_ms, 1),
                "peak_rss_mb": _peak_rss_mb(server.workers()),
            }
            results.append(row)
            print(
                f"{page.title:<34} {row['rps']:>7.1f} r/s  p50 {row['p50_ms']:>7.1f}  p99 {row['p99_ms']:>7.1f}  "
                f"ceiling {row['ceiling_rps']:>7.1f}  ratio {row['ratio'] or 0:.0%}  queries {queries:>3}  "
                f"rss {row['peak_rss_mb']} MB  failed {row['failed']}",
                flush=True,
            )
    finally:
        server.stop()
    return {
        "label": label,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": scale,
        "seconds": seconds,
        "connections": connections,
        "workers": 2,
        "database": url.split(":")[0],
        "generate_seconds": None if reuse else round(built, 1),
        "machine": machine(),
        "today_first_load": weight,
        "data": {k: v for k, v in info.items() if k not in {"users", "report"}},
        "pages": results,
    }


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    try:
        found = re.search(r"model name\s+:\s+(.*)", Path("/proc/cpuinfo").read_text())
        model = found.group(1) if found else ""
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpus} CPUs ({model}), Python {platform.python_version()}"


def table(result: dict) -> str:
    lines = [
        "| page | bytes | req/s | p50 ms | p99 ms | bare req/s | ratio | queries | peak RSS/worker MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["pages"]:
        lines.append(
            f"| {r['title']} | {r['bytes']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['ceiling_rps']:.1f} | {r['ratio']:.0%} | {r['queries']} | {r['peak_rss_mb']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Every everyday page under gunicorn, beside a bare Flask page.")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=5, help="load time per page (and per ceiling)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pages", default="", help="comma-separated keys: " + ",".join(p.key for p in PAGES))
    parser.add_argument("--label", default="run")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database generate.py left (and its info-s<scale>.json)"
    )
    args = parser.parse_args()
    only = {p.strip() for p in args.pages.split(",") if p.strip()} or None
    result = run(args.scale, args.seconds, args.connections, only, args.label, args.reuse)
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"results-{args.label}-s{args.scale}.json"
    target.write_text(json.dumps(result, indent=2))
    print(
        f"\n{result['machine']}; {result['date']}; scale {result['scale']} on {result['database']}, "
        f"{result['seconds']} s a page, wrk -c{result['connections']}, gunicorn 2 workers\n"
    )
    print(table(result))
    print(f"\nJSON: {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
