"""One way of writing dates: never 25/01/2027 beside "Monday 7 September 2026"."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ap_forms.web.templating import date_words, day_month, long_date, short_date

ROOT = Path(__file__).resolve().parent.parent
# strftime/format codes that write a date in numbers, and Jinja that glues day/month with a slash.
NUMERIC = re.compile(r"%-?d[/.-]%-?m|%-?m[/.-]%-?d|\.day\s*\}\}\s*/|\.month\s*\}\}\s*/|%x")


def test_dates_are_written_one_way():
    day = date(2027, 1, 25)
    assert long_date(day) == "Monday 25 January 2027"
    assert date_words(day) == "25 January 2027"
    assert short_date(day) == "25 Jan 2027"
    assert day_month(day) == "25 Jan"


def test_no_code_writes_a_date_in_numbers():
    offenders = []
    for path in [*ROOT.joinpath("ap_forms").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if NUMERIC.search(line) and "reads-numeric-dates" not in line:  # parsing input is allowed
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
