"""Every page is valid HTML: the Nu HTML Checker (vnu-jar from npm, as the W3C validator runs it).

Renders every GET page of the access matrix for every role allowed to see it, the sign-in and
not-found pages, and the refused (422) form pages; then checks them all in one run of the checker
(one JVM start). `make test` installs java and vnu-jar (see the Makefile), so this does not skip
in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Auth
from tests.test_access_matrix import CASES, _ids

ROOT = Path(__file__).resolve().parent.parent
JAR_CANDIDATES = [
    ROOT / ".venv/node_modules/vnu-jar/build/dist/vnu.jar",
    ROOT / "node_modules/vnu-jar/build/dist/vnu.jar",
]


def _vnu_command() -> list[str]:
    java = shutil.which("java")
    candidates = [Path(os.environ["VNU_JAR"])] if os.environ.get("VNU_JAR") else JAR_CANDIDATES
    jar = next((p for p in candidates if p.is_file()), None)
    if java is None or jar is None:
        pytest.skip(
            "the Nu HTML Checker needs java and vnu-jar: run `make test` (or `make vnu system-deps`) "
            f"to install them (java: {java or 'missing'}, vnu.jar: {jar or 'missing'})"
        )
    return [java, "-Xss4m", "-jar", str(jar)]


def _is_page(response) -> bool:
    return response.mimetype == "text/html" and response.data.lstrip()[:15].lower() == b"<!doctype html>"


def _collect_pages(app, world) -> list[tuple[str, bytes]]:
    """(description, html) for every page to check."""
    ids = _ids(world)
    pages = []

    def keep(label: str, response) -> None:
        if _is_page(response):
            pages.append((f"{label} -> {response.status_code}", response.data))

    anonymous = app.test_client()
    keep("anonymous GET /login", anonymous.get("/login"))
    keep("anonymous GET /login (refused)", anonymous.post("/login", data={"email": "x", "password": ""}))

    for case in [c for c in CASES if c.method == "GET"]:
        path = case.path.format(**ids)
        for role in sorted(case.allowed - case.out_of_scope):
            client = app.test_client()
            Auth(client).as_user(world.users[role])
            keep(f"{role} GET {path}", client.get(path))

    headteacher = app.test_client()
    Auth(headteacher).as_user(world.users["headteacher"])
    keep("headteacher GET /no-such-page", headteacher.get("/no-such-page"))
    keep("headteacher GET /pupils/999999", headteacher.get("/pupils/999999"))

    # Refused forms (422): the error summary and field errors. Last, as an accepted form changes the world.
    for case in [c for c in CASES if c.method == "POST" and not c.signs_out and c.allowed - c.out_of_scope]:
        role = sorted(case.allowed - case.out_of_scope)[0]
        client = app.test_client()
        Auth(client).as_user(world.users[role])
        path = case.path.format(**ids)
        response = client.post(path, data={})
        if response.status_code == 422:
            keep(f"{role} POST {path} (empty)", response)
    return pages


def test_every_page_is_valid_html(app, world, tmp_path):
    command = _vnu_command()
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    pages = _collect_pages(app, world)
    assert len(pages) > 50, "expected the access matrix to render many pages"

    folder = tmp_path / "pages"  # not tmp_path itself: the test database lives there
    folder.mkdir()
    labels = {}
    for number, (label, html) in enumerate(pages):
        file = folder / f"page-{number:04d}.html"
        file.write_bytes(html)
        labels[file.name] = label

    checker = [*command, "--errors-only", "--skip-non-html", "--format", "json", "--stdout", str(folder)]
    result = subprocess.run(checker, capture_output=True, text=True, timeout=600)  # noqa: S603
    report = json.loads(result.stdout or "{}")
    messages = [m for m in report.get("messages", []) if m.get("type") in ("error", "non-document-error")]
    problems = []
    for message in messages:
        name = message.get("url", "").rsplit("/", 1)[-1]
        problems.append(
            f"{labels.get(name, name)} line {message.get('lastLine', '?')}: {message.get('message')}"
            f"\n    {(message.get('extract') or '').strip()[:200]}"
        )
    if problems:
        print(f"{len(problems)} HTML errors in {len({p.split(' line ')[0] for p in problems})} pages:")
        print("\n".join(problems))
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert problems == [], f"{len(problems)} HTML errors; first: {problems[0]}"
