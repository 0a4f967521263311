"""What the commands run from cron share: acting as if it were another time, and reporting failed sends."""

from __future__ import annotations

from datetime import date, datetime

import click


def _as_if(parse, example: str, param_hint: str):
    def callback(ctx, param, text: str | None):
        try:
            return parse(text) if text else None
        except ValueError as error:
            raise click.BadParameter(f"Give {example}", param_hint=param_hint) from error

    return callback


now_option = click.option(
    "--now",
    "now",
    default=None,
    metavar="YYYY-MM-DDTHH:MM",
    help="Act as if it were this local time (default: now).",
    callback=_as_if(datetime.fromisoformat, "the time as YYYY-MM-DDTHH:MM, like 2026-11-30T10:05", "--now"),
)

today_option = click.option(
    "--today",
    "today",
    default=None,
    metavar="YYYY-MM-DD",
    help="Act as if it were this day (default: today).",
    callback=_as_if(date.fromisoformat, "the day as YYYY-MM-DD, like 2026-11-30", "--today"),
)


def report_failures(failures: list[str]) -> None:
    """Each send that failed, on stderr; any failure exits 1, so cron reports the run."""
    for failure in failures:
        click.echo(f"Not sent: {failure}", err=True)
    if failures:
        raise SystemExit(1)
