"""One autosave and one htmx way (issue 16): every autosaving form uses the shared macros and the
X-Autosave header; a plain htmx POST is not an autosave; responses whose shape depends on HX-Request
say so with Vary, the gate's redirects included."""

from __future__ import annotations

import re
from pathlib import Path

import ap_forms
from ap_forms.web import autosave

ROOT = Path(ap_forms.__file__).parent.parent
AUTOSAVE = {"HX-Request": "true", "X-Autosave": "1"}


def test_autosave_is_written_in_one_place():
    """The header and the form attributes live in web/autosave.py and templates/_macros/forms.html only."""
    strays = []
    for path in [
        *ROOT.joinpath("ap_forms").rglob("*.py"),
        *ROOT.joinpath("templates").rglob("*.html"),
        ROOT / "static/js/app.js",
    ]:
        text = path.read_text()
        rel = str(path.relative_to(ROOT))
        if rel in ("ap_forms/web/autosave.py", "templates/_macros/forms.html"):
            continue
        if autosave.HEADER in text or re.search(r"<form[^>]*data-app-autosave", text):
            strays.append(rel)
        if "hx-select" in text:
            strays.append(f"{rel} (hx-select: render the form's block instead)")
    assert strays == []


def test_a_plain_htmx_post_is_not_an_autosave(client, auth, world):
    """Only X-Autosave asks for the status line; the form's own buttons (with htmx or not) save normally."""
    auth.as_user(world.users["kw_a"])
    report = client.post(f"/reports/new?pupil={world.pupil_x.id}", data={"kind": "concern"})
    edit_url = report.headers["Location"]
    saved = client.post(edit_url, data={"description": "Said he was hungry"}, headers=AUTOSAVE)
    assert saved.status_code == 200 and "Draft saved at" in saved.get_data(as_text=True)
    assert "<form" not in saved.get_data(as_text=True)
    assert "HX-Request" in saved.headers.get("Vary", "")
    plain = client.post(
        edit_url, data={"description": "Said he was hungry", "save": "Save draft"}, headers={"HX-Request": "true"}
    )
    assert plain.status_code == 200 and plain.headers.get("HX-Location")  # saved, and on to the page


def test_gate_redirects_vary_on_htmx(client):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/pupils/", headers=headers)
        assert response.status_code in (200, 303), headers
        assert "HX-Request" in response.headers.get("Vary", ""), headers
