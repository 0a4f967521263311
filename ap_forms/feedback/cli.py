"""`flask --app ap_forms send-reminders`: run daily from cron."""

from __future__ import annotations

from datetime import date

import click
from flask import Blueprint

from ap_forms.feedback.reminders import send_reminders
from ap_forms.web.cron_commands import report_failures, today_option

bp = Blueprint("feedback_cli", __name__, cli_group=None)


@bp.cli.command("send-reminders")
@today_option
def send_reminders_command(today: date | None):
    """Email key workers about overdue weekly feedback and termly reports. Safe to run again."""
    run = send_reminders(today)
    click.echo(f"Sent {run.sent} reminder(s); {run.already_sent} had been sent before.")
    report_failures(run.failures)
