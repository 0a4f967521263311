"""`flask --app ap_forms safeguarding-escalate`: run from cron every few minutes."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from ap_forms.incidents.alerts import run_escalations
from ap_forms.web.cron_commands import cron_command, now_option

bp = Blueprint("incidents_cli", __name__, cli_group=None)


@cron_command(bp, "safeguarding-escalate", now_option)
def safeguarding_escalate(now: datetime | None):
    """Send alerts that could not be sent, and escalate concerns no DSL has opened in 30 minutes."""
    run = run_escalations(now)
    return f"Sent {run.new_alerts} delayed alert(s) and {run.escalations} escalation(s).", run.failures
