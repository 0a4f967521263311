"""`flask --app ap_forms attendance-alerts`: run from cron every few minutes on school days."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from ap_forms.attendance.alerts import run_alerts
from ap_forms.web.cron_commands import cron_command, now_option

bp = Blueprint("attendance_cli", __name__, cli_group=None)


@cron_command(bp, "attendance-alerts", now_option)
def attendance_alerts(now: datetime | None):
    """Email cut-off reminders to key workers and absence alerts to the office. Safe to run again."""
    run = run_alerts(now)
    said = (
        f"Sent {run.reminders} reminder(s) to key workers, {run.unexplained} unexplained-absence "
        f"alert(s) and {run.follow_ups} safeguarding follow-up alert(s) to the office."
    )
    return said, run.failures
