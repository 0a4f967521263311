"""`flask --app ap_forms attendance-alerts`: run from cron every few minutes on school days."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint

from ap_forms.attendance.alerts import run_alerts

bp = Blueprint("attendance_cli", __name__, cli_group=None)


@bp.cli.command("attendance-alerts")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="YYYY-MM-DDTHH:MM",
    help="Act as if it were this local time (default: now).",
)
def attendance_alerts(now_text: str | None):
    """Email cut-off reminders to key workers and absence alerts to the office. Safe to run again."""
    try:
        now = datetime.fromisoformat(now_text) if now_text else None
    except ValueError as error:
        raise click.BadParameter(
            "Give the time as YYYY-MM-DDTHH:MM, like 2026-11-30T10:05", param_hint="--now"
        ) from error
    run = run_alerts(now)
    click.echo(
        f"Sent {run.reminders} reminder(s) to key workers, {run.unexplained} unexplained-absence "
        f"alert(s) and {run.follow_ups} safeguarding follow-up alert(s) to the office."
    )
    for failure in run.failures:
        click.echo(f"Not sent: {failure}", err=True)
    if run.failures:
        raise SystemExit(1)
