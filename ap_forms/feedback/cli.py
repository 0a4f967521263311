"""`flask --app ap_forms send-reminders`: run daily from cron."""

from __future__ import annotations

from datetime import date

from flask import Blueprint

from ap_forms.feedback.reminders import send_reminders
from ap_forms.web.cron_commands import cron_command, today_option

bp = Blueprint("feedback_cli", __name__, cli_group=None)


@cron_command(bp, "send-reminders", today_option)
def send_reminders_command(today: date | None):
    """Email key workers about overdue weekly feedback and termly reports. Safe to run again."""
    run = send_reminders(today)
    return f"Sent {run.sent} reminder(s); {run.already_sent} had been sent before.", run.failures
