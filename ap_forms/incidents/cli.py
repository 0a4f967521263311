"""`flask --app ap_forms safeguarding-escalate`: run from cron every few minutes."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint

from ap_forms.incidents.alerts import run_escalations

bp = Blueprint("incidents_cli", __name__, cli_group=None)


@bp.cli.command("safeguarding-escalate")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="YYYY-MM-DDTHH:MM",
    help="Act as if it were this local time (default: now).",
)
def safeguarding_escalate(now_text: str | None):
    """Send alerts that could not be sent, and escalate concerns no DSL has opened in 30 minutes."""
    try:
        now = datetime.fromisoformat(now_text) if now_text else None
    except ValueError as error:
        raise click.BadParameter(
            "Give the time as YYYY-MM-DDTHH:MM, like 2026-11-30T10:05", param_hint="--now"
        ) from error
    run = run_escalations(now)
    click.echo(f"Sent {run.new_alerts} delayed alert(s) and {run.escalations} escalation(s).")
    for failure in run.failures:
        click.echo(f"Not sent: {failure}", err=True)
    if run.failures:
        raise SystemExit(1)
