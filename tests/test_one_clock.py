"""One clock: only ap_forms/web/clock.py may read the date or time of day.

Everything else asks `clock.today()`, `clock.now()` or `clock.utcnow()`, so FROZEN_NOW pins a whole
running app and no page or service can drift to the machine's real date.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ap_forms

PACKAGE = Path(ap_forms.__file__).parent
ALLOWED = {PACKAGE / "web" / "clock.py"}
FORBIDDEN = {("date", "today"), ("datetime", "today"), ("datetime", "now"), ("datetime", "utcnow")}


def clock_reads(source: str) -> list[int]:
    """Line numbers of calls such as date.today() or datetime.now(UTC) in `source`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (name, node.func.attr) in FORBIDDEN:
                lines.append(node.lineno)
    return lines


def test_the_detector_finds_each_way_of_reading_the_clock():
    planted = (
        "from datetime import date, datetime\nimport datetime as dt\n"
        "a = date.today()\nb = datetime.now()\nc = dt.datetime.utcnow()\nd = dt.date.today()\n"
    )
    assert clock_reads(planted) == [3, 4, 5, 6]
    assert clock_reads("from ap_forms.web import clock\ntoday = clock.today()\n") == []


def test_only_the_clock_module_reads_the_clock():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in ALLOWED
        for line in clock_reads(path.read_text())
    ]
    assert not offenders, "use ap_forms.web.clock instead: " + ", ".join(offenders)
