"""Jinja set-up: our templates first, then the GOV.UK macros; date and time filters in plain English."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import partial

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from ap_forms.web.clock import to_local
from ap_forms.web.links import external_url

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# One way of writing dates everywhere, in pages, messages, emails and PDFs: the school writes
# '7 September 2026' ('Monday 7 September 2026' when the day of the week matters; '7 Sep 2026' in
# tables and lists; '7 Sep' on chart axes). Never numbers with slashes (is 01/02 January or February?).
# Python code formats dates with these functions too, never with its own strftime.


def _day_first(rest: str, value: date | datetime | None) -> str:
    """The day of the month (no leading zero), then the rest of the date as `rest` writes it."""
    if value is None:
        return ""
    return f"{value.day} {value:{rest}}"


date_words = partial(_day_first, "%B %Y")  # '7 September 2026'
short_date = partial(_day_first, "%b %Y")  # '7 Sep 2026', for tables and lists
day_month = partial(_day_first, "%b")  # '7 Sep', for chart axes where the year is given elsewhere


def long_date(value: date | datetime | None) -> str:
    """'Monday 7 September 2026', as the school writes dates."""
    if value is None:
        return ""
    return f"{WEEKDAYS[value.weekday()]} {date_words(value)}"


def date_time(value: datetime | None) -> str:
    """A stored (UTC) time as people at the school read it: '3 Nov 2026 at 10:42', British time."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{short_date(local)} at {local:%H:%M}"


def hhmm(value: time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


def weekday_name(value: int) -> str:
    return WEEKDAYS[value]


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    # Addresses people copy out of a page (a calendar feed) come from APP_BASE_URL, not the Host header.
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.filters.update(
        long_date=long_date,
        short_date=short_date,
        date_time=date_time,
        hhmm=hhmm,
        weekday_name=weekday_name,
        date_words=date_words,
        day_month=day_month,
    )
