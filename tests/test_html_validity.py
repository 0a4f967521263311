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
from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.web import tenancy
from tests import factories
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

    # A second school (issue 17): the pages that offer to change school, and the school chooser itself.
    birch = factories.make_school("Birch School")
    with tenancy.as_school(birch.id):
        factories.make_school_year()
    pupil = factories.make_student(first_name="Ben", school_id=birch.id)
    factories.link_parent(world.users["parent_x"], pupil)
    factories.make_placement(pupil, world.provider_a, world.users["kw_a"])
    factories.make_user("send_lead", schools=[factories.first_school(), birch], email="two.schools@example.org")
    db.session.commit()
    for label, email in (("kw_a", world.users["kw_a"].email), ("parent_x", world.users["parent_x"].email)):
        client = app.test_client()
        Auth(client).as_user(db.session.scalar(select(User).where(User.email == email)))
        keep(f"{label} GET / (two schools)", client.get("/"))
    client = app.test_client()
    Auth(client).as_user(db.session.scalar(select(User).where(User.email == "two.schools@example.org")))
    keep("send_lead GET /school (two schools)", client.get("/school"))
    keep("send_lead POST /school (empty)", client.post("/school", data={}))
    return pages


@pytest.mark.html_checker
def test_every_page_is_valid_html(app, world, tmp_path):
    command = _vnu_command()
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    pages = _collect_pages(app, world)
    assert len(pages) > 50, "expected the access matrix to render many pages"
    assert any(b"Birch School also has pupils with you" in html for _, html in pages)
    assert any(b"You also have a child at Birch School" in html for _, html in pages)

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
