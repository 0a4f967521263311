"""Database set-up that is the same for every domain: SQLite pragmas, the init-db command, and bulk
DELETE/UPDATE statements (the retention review's erasures)."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Blueprint, Flask
from flask_migrate import upgrade
from sqlalchemy import delete, event, update

from ap_forms.extensions import db
from ap_forms.web import tenancy

bp = Blueprint("database_cli", __name__, cli_group=None)


def _sqlite_pragmas(dbapi_connection, connection_record):  # noqa: ARG001
    # WAL lets readers and one writer work together; the busy timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def delete_rows(model, *where) -> int:
    """One DELETE of the rows matching `where` (objects already loaded are left alone); how many went."""
    statement = delete(model).where(*where).execution_options(synchronize_session=False)
    return db.session.execute(statement).rowcount


def update_rows(model, *where, **values) -> int:
    """One UPDATE setting `values` on the rows matching `where` (objects already loaded are left alone)."""
    statement = update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    return db.session.execute(statement).rowcount


PRIVATE_FILE = 0o600  # files holding pupils' data: readable by the service account only
PRIVATE_FOLDER = 0o700


def private_folder(folder: Path) -> Path:
    """Create `folder` (and parents) if needed; the folder itself is made 0700."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    folder.chmod(PRIVATE_FOLDER)
    return folder


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 unless it exists; make an existing one 0600."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    path.chmod(PRIVATE_FILE)
    return path


def _secure_sqlite_file(url) -> None:
    """Create the SQLite file 0600 (in a 0700 folder) before SQLite does it with 0644.

    SQLite gives its -wal and -shm files the database file's mode, so they are 0600 too.
    """
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return
    path = Path(url.database)
    if not path.parent.exists():
        private_folder(path.parent)
    private_file(path)
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists():
            extra.chmod(PRIVATE_FILE)


def init_app(app: Flask) -> None:
    private_folder(Path(app.instance_path))  # the secret key, the default database and uploads
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _secure_sqlite_file(db.engine.url)
            event.listen(db.engine, "connect", _sqlite_pragmas)
    tenancy.init_app(app)


@bp.cli.command("init-db")
def init_db():
    """Create or migrate the database to the newest schema."""
    upgrade()
    click.echo("Database is up to date.")
