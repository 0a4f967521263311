"""`flask --app ap_forms start-placements`: run daily, so approved placements become active on their start date."""

from __future__ import annotations

import click
from flask import Blueprint

from ap_forms.placements.services import start_due_placements

bp = Blueprint("placements_cli", __name__, cli_group=None)


@bp.cli.command("start-placements")
def start_placements():
    """Mark planned placements whose start date has come as active."""
    started = start_due_placements()
    click.echo(f"Started {len(started)} placement{'' if len(started) == 1 else 's'}.")
