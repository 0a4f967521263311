"""Every template a view renders with a named block (for an htmx swap) has that block.

A missing block is a 500 as soon as a request carries HX-Request (issue 16 found
GET /quality/visits/<id>/sign-off doing just that), so it is checked for every call in the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ap_forms

PACKAGE = Path(ap_forms.__file__).parent


def block_calls() -> list[tuple[str, str, str]]:
    """(where, template, block) for each render(..., block=...) and render_form(...) call."""
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"render", "render_form"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            block = "form" if node.func.id == "render_form" else None
            for keyword in node.keywords:
                if keyword.arg == "block" and isinstance(keyword.value, ast.Constant):
                    block = keyword.value.value
            if block:
                calls.append((f"{path.relative_to(PACKAGE.parent)}:{node.lineno}", node.args[0].value, block))
    return calls


def test_the_scan_finds_the_calls():
    assert len(block_calls()) > 20


def test_every_rendered_block_exists(app):
    missing = [
        f"{where}: {template} has no block '{block}'"
        for where, template, block in block_calls()
        if block not in app.jinja_env.get_template(template).blocks
    ]
    assert not missing, "\n".join(missing)
