"""Consistent backups (SQLite online backup API, or pg_dump) with a manifest of row counts.

A backup is only as good as its restore, so `check_backup` opens the copy, runs the database's
own integrity check and compares every table's row count with the manifest written at backup time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from ap_forms.extensions import db
from ap_forms.web import clock


class BackupError(RuntimeError):
    pass


@dataclass
class CheckResult:
    ok: bool
    problems: list[str]
    counts: dict[str, int]


def _table_counts(connection) -> dict[str, int]:
    return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}


def _manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


def make_backup(folder: Path) -> Path:
    """Write a consistent copy of the database into `folder`; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        target = folder / f"ap_forms-{stamp}.db"
        source = sqlite3.connect(url.database)
        try:
            copy = sqlite3.connect(target)
            source.backup(copy)  # a consistent snapshot, even while the app is writing
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal/-shm
            copy.close()
        finally:
            source.close()
        with create_engine(f"sqlite:///{target}").connect() as conn:
            counts = _table_counts(conn)
    else:
        target = folder / f"ap_forms-{stamp}.dump"
        with db.engine.connect() as conn:
            conn.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
            counts = _table_counts(conn)
            conn.rollback()
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", *_pg_args(url)], url)
    _manifest_path(target).write_text(json.dumps({"created_at": stamp, "counts": counts}, indent=2))
    return target


def check_backup(backup: Path) -> CheckResult:
    """Open the backup (PostgreSQL: restore into a scratch database) and compare with its manifest."""
    manifest_file = _manifest_path(backup)
    if not backup.exists() or not manifest_file.exists():
        raise BackupError(f"{backup} or its manifest is missing")
    expected = json.loads(manifest_file.read_text())["counts"]
    problems: list[str] = []
    if backup.suffix == ".db":
        with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"integrity check: {integrity}")
        engine = create_engine(f"sqlite:///{backup}")
        with engine.connect() as conn:
            counts = _table_counts(conn)
        engine.dispose()
    else:
        counts = _check_pg_dump(backup)
    for table, count in expected.items():
        if counts.get(table) != count:
            problems.append(f"{table}: {counts.get(table)} rows, expected {count}")
    return CheckResult(ok=not problems, problems=problems, counts=counts)


def _check_pg_dump(backup: Path) -> dict[str, int]:
    url = make_url(db.engine.url)
    scratch = f"restore_check_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        scratch_url = url.set(database=scratch)
        _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch}", *_pg_args(scratch_url, db=False),
              str(backup)], url)
        engine = create_engine(scratch_url)
        with engine.connect() as conn:
            counts = _table_counts(conn)
        engine.dispose()
        return counts
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def restore_sqlite(backup: Path) -> None:
    """Replace the live SQLite database with a checked backup (stop the app first)."""
    url = make_url(db.engine.url)
    if url.get_backend_name() != "sqlite":
        raise BackupError("On PostgreSQL restore with pg_restore --clean; see the README")
    result = check_backup(backup)
    if not result.ok:
        raise BackupError("the backup failed its check: " + "; ".join(result.problems))
    db.engine.dispose()
    with sqlite3.connect(backup) as source, sqlite3.connect(url.database) as live:
        source.backup(live)


def _pg_args(url, db: bool = True) -> list[str]:
    args = []
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    if db:
        args.append(f"--dbname={url.database}")
    return args


def _run(command: list[str], url) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")
