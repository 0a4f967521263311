"""Consistent backups (SQLite online backup API, or pg_dump) with a manifest, documents included.

A backup is only as good as its restore, so `check_backup` opens the copy (PostgreSQL: restores it
into a scratch database), runs the database's own integrity check, compares every table's row count
with the manifest written at backup time, and recomputes every evidence document's SHA-256 from the
backup itself against the checksum recorded when it was uploaded.

Documents kept in the database (DOCUMENT_STORAGE=database) are inside the database copy. Any kept
in UPLOAD_FOLDER are copied into a `.documents.tar` beside it. Every file is created 0600 in a 0700
folder. With BACKUP_ENCRYPTION_KEY (a Fernet key) the database copy and the archive are encrypted
(`.enc`, see `encrypt_file`) and the plaintext never stays on disk; the manifest holds only counts,
random stored names and checksums.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from ap_forms.documents.models import Document, DocumentBlob
from ap_forms.extensions import db
from ap_forms.web import clock, uploads
from ap_forms.web.database import private_file, private_folder


class BackupError(RuntimeError):
    pass


@dataclass
class CheckResult:
    ok: bool
    problems: list[str]
    counts: dict[str, int]
    documents: int = 0  # documents whose bytes were found in the backup and matched their checksum


def _table_counts(connection) -> dict[str, int]:
    return {
        t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in db.metadata.sorted_tables
    }


def _document_checksums(connection) -> dict[str, str]:
    return dict(connection.execute(select(Document.stored_name, Document.sha256)).all())


def _blob_checksums(connection) -> dict[str, str]:
    """SHA-256 of every document kept in the database, computed from the bytes in this database."""
    sums = {}
    for (name,) in connection.execute(select(DocumentBlob.stored_name)).all():
        data = connection.execute(select(DocumentBlob.data).where(DocumentBlob.stored_name == name)).scalar_one()
        sums[name] = hashlib.sha256(data).hexdigest()
    return sums


def _manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


# --- Encryption: Fernet, in chunks, so a large database never has to fit in memory ----------------

MAGIC = b"AP-FORMS-BACKUP-FERNET-1\n"
CHUNK = 8 * 1024 * 1024


def _fernet(key: str | None = None):
    from cryptography.fernet import Fernet

    key = key if key is not None else current_app.config.get("BACKUP_ENCRYPTION_KEY")
    if not key:
        return None
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise BackupError(
            "BACKUP_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes); "
            "make one with: python3 -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from None


def encrypt_file(source: Path, target: Path, fernet) -> None:
    """Write `source` encrypted to `target` (0600): MAGIC, then length-prefixed Fernet tokens.

    Each token holds the chunk's index and whether it is the last, so a truncated or reordered file
    fails to decrypt instead of restoring part of a database.
    """
    private_file(target)
    with source.open("rb") as plain, target.open("wb") as out:
        out.write(MAGIC)
        index, chunk = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            token = fernet.encrypt(struct.pack(">Q?", index, not following) + chunk)
            out.write(struct.pack(">I", len(token)) + token)
            if not following:
                break
            index, chunk = index + 1, following


def decrypt_file(source: Path, target: Path, fernet) -> None:
    from cryptography.fernet import InvalidToken

    private_file(target)
    with source.open("rb") as enc, target.open("wb") as out:
        if enc.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{source.name} is not an encrypted AP Forms backup")
        expected, last = 0, False
        while header := enc.read(4):
            if last or len(header) != 4:
                raise BackupError(f"{source.name} is damaged (data after its end)")
            token = enc.read(struct.unpack(">I", header)[0])
            try:
                plain = fernet.decrypt(token)
            except InvalidToken:
                raise BackupError(
                    f"{source.name} cannot be decrypted with BACKUP_ENCRYPTION_KEY (a different key, or a damaged file)"
                ) from None
            index, last = struct.unpack(">Q?", plain[:9])
            if index != expected:
                raise BackupError(f"{source.name} is damaged (chunks out of order)")
            out.write(plain[9:])
            expected += 1
        if not last:
            raise BackupError(f"{source.name} is damaged (cut short)")


# --- Making a backup -------------------------------------------------------------------------------


def make_backup(folder: Path) -> Path:
    """Write a consistent copy of the database (and any documents kept in a folder) into `folder`.

    Returns the backup's path (the database copy, `.enc` when encrypted); its manifest is beside it.
    """
    private_folder(folder)
    fernet = _fernet()
    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        target = private_file(folder / f"ap_forms-{stamp}.db")
        source = sqlite3.connect(url.database)
        try:
            copy = sqlite3.connect(target)
            source.backup(copy)  # a consistent snapshot, even while the app is writing
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal/-shm
            copy.close()
        finally:
            source.close()
        engine = create_engine(f"sqlite:///{target}")
        with engine.connect() as conn:
            counts, documents = _table_counts(conn), _document_checksums(conn)
            in_database = set(conn.execute(select(DocumentBlob.stored_name)).scalars())
        engine.dispose()
    else:
        target = private_file(folder / f"ap_forms-{stamp}.dump")  # pg_dump keeps the mode
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # pg_dump reads the very snapshot the counts and checksums are read from.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, documents = _table_counts(conn), _document_checksums(conn)
            in_database = set(conn.execute(select(DocumentBlob.stored_name)).scalars())
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    *_pg_args(url),
                ],
                url,
            )
            conn.rollback()
    archive = _archive_folder_documents(target, sorted(set(documents) - in_database))
    files = [target, archive] if archive else [target]
    if fernet is not None:
        files = [_encrypt_in_place(path, fernet) for path in files]
    manifest = {
        "created_at": stamp,
        "counts": counts,
        "documents": documents,
        "documents_archive": files[1].name if archive else None,
        "encrypted": fernet is not None,
    }
    private_file(_manifest_path(files[0])).write_text(json.dumps(manifest, indent=2))
    return files[0]


def _archive_folder_documents(target: Path, names: list[str]) -> Path | None:
    """Copy the documents kept in UPLOAD_FOLDER into `<backup>.documents.tar` (0600)."""
    found = []
    for name in names:
        try:
            path = uploads.stored_path(name)
        except FileNotFoundError:
            continue
        if path.is_file():
            found.append(path)
    if not found:
        return None
    archive = private_file(target.with_name(target.stem + ".documents.tar"))
    with tarfile.open(archive, "w") as tar:
        for path in found:
            tar.add(path, arcname=path.name)
    return archive


def _encrypt_in_place(path: Path, fernet) -> Path:
    encrypted = path.with_name(path.name + ".enc")
    encrypt_file(path, encrypted, fernet)
    path.unlink()
    return encrypted


# --- Checking and restoring ------------------------------------------------------------------------


@contextmanager
def _opened(backup: Path) -> Iterator[tuple[Path, Path | None, dict]]:
    """The backup's plaintext database copy, its documents archive (if any) and its manifest.

    An encrypted backup is decrypted into a private temporary folder, removed afterwards.
    """
    manifest_file = _manifest_path(backup)
    if not backup.exists() or not manifest_file.exists():
        raise BackupError(f"{backup} or its manifest is missing")
    manifest = json.loads(manifest_file.read_text())
    archive = backup.with_name(manifest["documents_archive"]) if manifest.get("documents_archive") else None
    if archive is not None and not archive.exists():
        raise BackupError(f"the documents archive {archive.name} is missing")
    if not manifest.get("encrypted"):
        yield backup, archive, manifest
        return
    fernet = _fernet()
    if fernet is None:
        raise BackupError("this backup is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with")
    scratch = Path(tempfile.mkdtemp(prefix="ap-forms-restore-"))  # 0700
    try:
        plain = scratch / backup.name.removesuffix(".enc")
        decrypt_file(backup, plain, fernet)
        plain_archive = None
        if archive is not None:
            plain_archive = scratch / archive.name.removesuffix(".enc")
            decrypt_file(archive, plain_archive, fernet)
        yield plain, plain_archive, manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _archive_checksums(archive: Path | None) -> dict[str, str]:
    if archive is None:
        return {}
    sums = {}
    with tarfile.open(archive, "r") as tar:
        for member in tar.getmembers():
            if member.isfile():
                sums[member.name] = hashlib.sha256(tar.extractfile(member).read()).hexdigest()
    return sums


def check_backup(backup: Path) -> CheckResult:
    """Open the backup (PostgreSQL: restore into a scratch database) and compare with its manifest."""
    problems: list[str] = []
    with _opened(backup) as (plain, archive, manifest):
        if plain.suffix == ".db":
            with sqlite3.connect(f"file:{plain}?mode=ro", uri=True) as conn:
                integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if integrity != "ok":
                problems.append(f"integrity check: {integrity}")
            engine = create_engine(f"sqlite:///{plain}")
            with engine.connect() as conn:
                counts, found = _table_counts(conn), _blob_checksums(conn)
            engine.dispose()
        else:
            counts, found = _check_pg_dump(plain)
        found.update(_archive_checksums(archive))
    for table, count in manifest["counts"].items():
        if counts.get(table) != count:
            problems.append(f"{table}: {counts.get(table)} rows, expected {count}")
    good = 0
    for name, sha256 in sorted(manifest.get("documents", {}).items()):
        if name not in found:
            problems.append(f"document {name}: not in the backup")
        elif found[name] != sha256:
            problems.append(f"document {name}: checksum does not match")
        else:
            good += 1
    return CheckResult(ok=not problems, problems=problems, counts=counts, documents=good)


def _check_pg_dump(backup: Path) -> tuple[dict[str, int], dict[str, str]]:
    url = make_url(db.engine.url)
    scratch = f"restore_check_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        scratch_url = url.set(database=scratch)
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={scratch}",
                *_pg_args(scratch_url, db=False),
                str(backup),
            ],
            url,
        )
        engine = create_engine(scratch_url)
        with engine.connect() as conn:
            result = _table_counts(conn), _blob_checksums(conn)
        engine.dispose()
        return result
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def restore_sqlite(backup: Path) -> None:
    """Replace the live SQLite database with a checked backup (stop the app first); put back any
    documents that were kept in the folder."""
    url = make_url(db.engine.url)
    if url.get_backend_name() != "sqlite":
        raise BackupError("On PostgreSQL restore with pg_restore --clean; see the README")
    result = check_backup(backup)
    if not result.ok:
        raise BackupError("the backup failed its check: " + "; ".join(result.problems))
    with _opened(backup) as (plain, archive, _manifest):
        db.engine.dispose()
        with sqlite3.connect(plain) as source, sqlite3.connect(url.database) as live:
            source.backup(live)
        if archive is not None:
            restore_folder_documents(archive)


def restore_folder_documents(archive: Path) -> int:
    """Put the archive's documents back into UPLOAD_FOLDER (never overwriting); how many were written."""
    written = 0
    with tarfile.open(archive, "r") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            try:
                path = uploads.stored_path(member.name)  # refuses any name we did not generate
            except FileNotFoundError:
                continue
            if not path.exists():
                uploads.write_stored(member.name, tar.extractfile(member).read())
                written += 1
    return written


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
