"""Database set-up that is the same for every domain: SQLite pragmas and the init-db command."""

from __future__ import annotations

import click
from flask import Blueprint, Flask
from flask_migrate import upgrade
from sqlalchemy import event

from ap_forms.extensions import db

bp = Blueprint("database_cli", __name__, cli_group=None)


def _sqlite_pragmas(dbapi_connection, connection_record):  # noqa: ARG001
    # WAL lets readers and one writer work together; the busy timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


@bp.cli.command("init-db")
def init_db():
    """Create or migrate the database to the newest schema."""
    upgrade()
    click.echo("Database is up to date.")
