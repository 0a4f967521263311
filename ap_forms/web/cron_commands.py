"""What the commands run from cron share: acting as if it were another time, and reporting failed sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps

import click
from flask import Blueprint

from ap_forms.web import tenancy


def _as_if_option(option: str, metavar: str, parse, *, help: str, problem: str):
    """--now or --today: run as if it were another time (parsed; None when not given)."""

    def parsed(ctx, param, text: str | None):
        try:
            return parse(text) if text else None
        except ValueError as error:
            raise click.BadParameter(problem, param_hint=option) from error

    return click.option(option, default=None, metavar=metavar, help=help, callback=parsed)


now_option = _as_if_option(
    "--now",
    "YYYY-MM-DDTHH:MM",
    datetime.fromisoformat,
    help="Act as if it were this local time (default: now).",
    problem="Give the time as YYYY-MM-DDTHH:MM, like 2026-11-30T10:05",
)
today_option = _as_if_option(
    "--today",
    "YYYY-MM-DD",
    date.fromisoformat,
    help="Act as if it were this day (default: today).",
    problem="Give the day as YYYY-MM-DD, like 2026-11-30",
)


def report_failures(failures: list[str]) -> None:
    """Each send that failed, on stderr; any failure exits 1, so cron reports the run."""
    for failure in failures:
        click.echo(f"Not sent: {failure}", err=True)
    if failures:
        raise SystemExit(1)


def cron_command(blueprint: Blueprint, name: str, as_if: Callable) -> Callable:
    """Register a command run from cron, with its --now or --today option (`as_if`). The function does
    the job for one school and returns what to say it did and the sends that failed (reported by
    report_failures); the command runs it once for each school of the trust."""

    def register(job: Callable[..., tuple[str, list[str]]]) -> Callable:
        @blueprint.cli.command(name)
        @as_if
        @wraps(job)
        def command(**when) -> None:
            all_failures = []
            schools = tenancy.every_school()
            for school_id, name in schools:
                with tenancy.as_school(school_id):
                    said, failures = job(**when)
                click.echo(f"{name}: {said}" if len(schools) > 1 else said)
                all_failures += failures
            report_failures(all_failures)

        return command

    return register
