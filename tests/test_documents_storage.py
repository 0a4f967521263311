"""Documents where every host sees them (issue 14): in the database by default, or a folder, behind one
storage interface; backups that include them, check their checksums, are 0600 and can be encrypted;
and the migration that moves existing files in."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from ap_forms.documents import storage
from ap_forms.documents.models import Document, DocumentBlob
from ap_forms.extensions import db
from ap_forms.maintenance.backup import BackupError, check_backup, make_backup
from tests import factories as f


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _pdf(i: int) -> bytes:
    return f.TINY_PDF + f"% document {i}\n".encode()


def _documents(n: int = 2) -> list[Document]:
    """n documents with different bytes (document i holds _pdf(i))."""
    from ap_forms.documents.services import add_document

    provider, lead = f.make_provider(), f.make_user("send_lead")
    documents = [
        add_document(
            f.evidence_file(f"evidence{i}.pdf", _pdf(i)), topic="insurance", provider_id=provider.id, actor=lead
        )
        for i in range(n)
    ]
    db.session.commit()
    return documents


def test_documents_are_kept_in_the_database_by_default(app, client, auth):
    document = _documents(1)[0]
    assert db.session.get(DocumentBlob, document.stored_name).data == _pdf(0)
    assert not any(Path(app.config["UPLOAD_FOLDER"]).glob("*"))
    auth.as_user(f.make_user("headteacher"))
    assert client.get(f"/documents/{document.id}").data == _pdf(0)


def test_a_failed_save_leaves_no_bytes_behind(app):
    from ap_forms.documents.services import add_document, commit_or_discard

    provider = f.make_provider()
    document = add_document(f.evidence_file(), topic="insurance", provider_id=provider.id)
    name = document.stored_name
    document.topic = None  # NOT NULL: the commit fails
    with pytest.raises(Exception):  # noqa: B017 (whatever the database raises)
        commit_or_discard([document])
    assert db.session.get(DocumentBlob, name) is None


@pytest.mark.parametrize("app", [{"DOCUMENT_STORAGE": "folder"}], indirect=True)
def test_the_folder_store_and_switching_stores_later(app, client, auth):
    document = _documents(1)[0]
    path = Path(app.config["UPLOAD_FOLDER"]) / document.stored_name
    assert path.read_bytes() == _pdf(0) and _mode(path) == 0o600
    assert db.session.get(DocumentBlob, document.stored_name) is None
    auth.as_user(f.make_user("headteacher"))
    app.config["DOCUMENT_STORAGE"] = "database"  # documents written before the change still download
    assert client.get(f"/documents/{document.id}").data == _pdf(0)


def test_backup_round_trip_with_documents(app, runner, tmp_path):
    documents = _documents(3)
    result = runner.invoke(args=["backup", "--to", str(tmp_path / "b")])
    assert result.exit_code == 0 and "3 documents" in result.output, result.output
    [backup] = [p for p in (tmp_path / "b").iterdir() if p.suffix in (".db", ".dump")]
    manifest = json.loads(backup.with_name(backup.name + ".manifest.json").read_text())
    assert manifest["documents"] == {d.stored_name: d.sha256 for d in documents}
    for path in (tmp_path / "b").iterdir():
        assert _mode(path) == 0o600, path
    assert _mode(tmp_path / "b") == 0o700
    check = runner.invoke(args=["restore-check", str(backup)])
    assert check.exit_code == 0 and "3 documents, every checksum matches" in check.output, check.output


def test_restore_check_finds_a_damaged_or_missing_document(app, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("edits the SQLite copy in place")
    first, second = _documents(2)
    backup = make_backup(tmp_path)
    with sqlite3.connect(backup) as conn:
        conn.execute("UPDATE document_blobs SET data = ? WHERE stored_name = ?", (b"%PDF-changed", first.stored_name))
        conn.execute("DELETE FROM document_blobs WHERE stored_name = ?", (second.stored_name,))
    result = check_backup(backup)
    assert not result.ok
    assert f"document {first.stored_name}: checksum does not match" in result.problems
    assert f"document {second.stored_name}: not in the backup" in result.problems


def test_sqlite_restore_brings_documents_back_and_each_downloads(app, runner, client, auth, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the restore command is for the embedded SQLite database")
    documents = _documents(3)
    expected = {d.id: db.session.get(DocumentBlob, d.stored_name).data for d in documents}
    backup = make_backup(tmp_path)
    db.session.query(DocumentBlob).delete()
    db.session.commit()
    db.session.remove()
    assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
    auth.as_user(f.make_user("headteacher"))
    for document_id, data in expected.items():
        response = client.get(f"/documents/{document_id}")
        assert response.status_code == 200 and response.data == data


@pytest.mark.parametrize("app", [{"DOCUMENT_STORAGE": "folder"}], indirect=True)
def test_documents_in_a_folder_go_into_the_backup_archive(app, tmp_path):
    documents = _documents(2)
    backup = make_backup(tmp_path / "b")
    archive = backup.with_name(backup.stem + ".documents.tar")
    assert archive.exists() and _mode(archive) == 0o600
    result = check_backup(backup)
    assert result.ok and result.documents == 2, result.problems
    if db.engine.dialect.name == "sqlite":
        from ap_forms.maintenance.backup import restore_sqlite

        for document in documents:
            (Path(app.config["UPLOAD_FOLDER"]) / document.stored_name).unlink()
        restore_sqlite(backup)
        for i, document in enumerate(documents):
            assert storage.read(document.stored_name) == _pdf(i)
    archive.unlink()
    with pytest.raises(BackupError, match="documents archive"):
        check_backup(backup)


def test_encrypted_backups(app, runner, tmp_path, monkeypatch):
    _documents(2)
    key = Fernet.generate_key().decode()
    app.config["BACKUP_ENCRYPTION_KEY"] = key
    monkeypatch.setattr("ap_forms.maintenance.backup.CHUNK", 1024)  # several chunks even for a small database
    backup = make_backup(tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert backup.name.endswith(".enc") and names == sorted([backup.name, backup.name + ".manifest.json"])
    assert b"SQLite format" not in backup.read_bytes()[:200] and _mode(backup) == 0o600
    assert check_backup(backup).ok and check_backup(backup).documents == 2

    app.config["BACKUP_ENCRYPTION_KEY"] = ""
    result = runner.invoke(args=["restore-check", str(backup)])
    assert result.exit_code != 0 and "set BACKUP_ENCRYPTION_KEY" in result.output
    app.config["BACKUP_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    with pytest.raises(BackupError, match="cannot be decrypted"):
        check_backup(backup)
    app.config["BACKUP_ENCRYPTION_KEY"] = key
    data = backup.read_bytes()
    backup.write_bytes(data[: len(data) - 1500])  # cut short: the last chunk is missing
    with pytest.raises(BackupError, match="damaged|cannot be decrypted"):
        check_backup(backup)
    app.config["BACKUP_ENCRYPTION_KEY"] = "not a key"
    with pytest.raises(BackupError, match="not a Fernet key"):
        make_backup(tmp_path / "c")


def test_the_migration_moves_existing_files_into_the_database(tmp_path):
    from flask_migrate import upgrade

    from ap_forms import create_app

    folder = tmp_path / "uploads"
    folder.mkdir()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "UPLOAD_FOLDER": str(folder),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
        }
    )
    with app.app_context():
        upgrade(revision="0011_incidents")
        files = {"a" * 32: b"%PDF-first", "b" * 32: b"%PDF-second", "c" * 32: None, "d" * 32: b"%PDF-tampered"}
        with db.engine.begin() as conn:
            for name, data in files.items():
                sha = hashlib.sha256(data or b"").hexdigest() if name != "d" * 32 else "0" * 64
                conn.exec_driver_sql(
                    "INSERT INTO documents (topic, description, original_name, stored_name, content_type, "
                    "size_bytes, sha256, uploaded_at) VALUES ('insurance', '', 'x.pdf', ?, 'application/pdf', 1, ?, "
                    "'2026-11-01 10:00:00')",
                    (name, sha),
                )
                if data is not None:
                    (folder / name).write_bytes(data)
        upgrade()
        moved = dict(db.session.execute(select(DocumentBlob.stored_name, DocumentBlob.data)).all())
        assert moved == {"a" * 32: b"%PDF-first", "b" * 32: b"%PDF-second"}  # missing and tampered left out
        assert (folder / ("a" * 32)).exists()  # the files stay until the admin removes them
        db.session.remove()
        db.engine.dispose()
