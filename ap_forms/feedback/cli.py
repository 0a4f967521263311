"""`flask --app ap_forms send-reminders`: run daily from cron."""

from __future__ import annotations

from datetime import date

import click
from flask import Blueprint

from ap_forms.feedback.reminders import send_reminders

bp = Blueprint("feedback_cli", __name__, cli_group=None)


@bp.cli.command("send-reminders")
@click.option(
    "--today", "today_text", default=None, metavar="YYYY-MM-DD", help="Act as if it were this day (default: today)."
)
def send_reminders_command(today_text: str | None):
    """Email key workers about overdue weekly feedback and termly reports. Safe to run again."""
    try:
        today = date.fromisoformat(today_text) if today_text else None
    except ValueError as error:
        raise click.BadParameter("Give the day as YYYY-MM-DD, like 2026-11-30", param_hint="--today") from error
    run = send_reminders(today)
    click.echo(f"Sent {run.sent} reminder(s); {run.already_sent} had been sent before.")
    for failure in run.failures:
        click.echo(f"Not sent: {failure}", err=True)
    if run.failures:
        raise SystemExit(1)
