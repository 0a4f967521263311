"""`flask --app ap_forms safeguarding-escalate`: run from cron every few minutes."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint

from ap_forms.incidents.alerts import run_escalations
from ap_forms.web.cron_commands import now_option, report_failures

bp = Blueprint("incidents_cli", __name__, cli_group=None)


@bp.cli.command("safeguarding-escalate")
@now_option
def safeguarding_escalate(now: datetime | None):
    """Send alerts that could not be sent, and escalate concerns no DSL has opened in 30 minutes."""
    run = run_escalations(now)
    click.echo(f"Sent {run.new_alerts} delayed alert(s) and {run.escalations} escalation(s).")
    report_failures(run.failures)
