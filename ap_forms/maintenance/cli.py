import time
from pathlib import Path

import click
from flask import Blueprint, current_app

from ap_forms.maintenance.backup import BackupError, check_backup, make_backup, restore_sqlite
from ap_forms.maintenance.scheduler import JOBS, host_name, tick

bp = Blueprint("maintenance_cli", __name__, cli_group=None)


@bp.cli.command("backup")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the backup (default: instance/backups).",
)
def backup(folder: Path | None):
    """Make a consistent backup with a manifest of row counts, then check it."""
    folder = folder or Path(current_app.instance_path) / "backups"
    try:
        target = make_backup(folder)
        result = check_backup(target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if not result.ok:
        raise click.ClickException("backup written but failed its check: " + "; ".join(result.problems))
    click.echo(
        f"Backup written and checked: {target} ({sum(result.counts.values())} rows, {result.documents} documents)"
    )


@bp.cli.command("restore-check")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_check(backup_file: Path):
    """Check that a backup opens, passes the integrity check, has the manifest's row counts, and that
    every document in it matches its checksum (an encrypted backup needs BACKUP_ENCRYPTION_KEY)."""
    try:
        result = check_backup(backup_file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if not result.ok:
        raise click.ClickException("; ".join(result.problems))
    click.echo(
        f"OK: {len(result.counts)} tables, {sum(result.counts.values())} rows, as the manifest says; "
        f"{result.documents} documents, every checksum matches"
    )


@bp.cli.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="This replaces the live database. Is the app stopped?")
def restore(backup_file: Path):
    """Replace the live SQLite database with a checked backup."""
    try:
        restore_sqlite(backup_file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {backup_file}")


@bp.cli.command("scheduler")
@click.option("--once", is_flag=True, help="Run whatever is due now, then stop.")
def scheduler(once: bool):
    """Run start-placements, send-reminders, attendance-alerts and safeguarding-escalate when due.

    Safe on several hosts at once: each run is claimed in the database, so it happens once.
    """
    click.echo(f"Scheduler on {host_name()}: {', '.join(job.name for job in JOBS)}.")
    while True:
        for name, outcome in tick():
            click.echo(f"{name}: {outcome}")
        if once:
            return
        time.sleep(61 - time.time() % 60)  # just after the start of the next minute
