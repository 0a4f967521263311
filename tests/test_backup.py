"""Backups are consistent and a restore check proves it (integrity and row counts)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.maintenance.backup import check_backup, make_backup
from ap_forms.students.models import Student
from tests import factories


def test_backup_then_restore_check(app, runner, tmp_path):
    for _ in range(3):
        factories.make_student()
    result = runner.invoke(args=["backup", "--to", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    backup = next(p for p in (tmp_path / "b").iterdir() if p.suffix in (".db", ".dump"))
    check = runner.invoke(args=["restore-check", str(backup)])
    assert check.exit_code == 0 and "as the manifest says" in check.output, check.output
    assert check_backup(backup).counts["students"] == 3


def test_restore_check_notices_a_wrong_manifest(app, tmp_path):
    factories.make_student()
    backup = make_backup(tmp_path)
    manifest = backup.with_name(backup.name + ".manifest.json")
    data = json.loads(manifest.read_text())
    data["counts"]["students"] = 99
    manifest.write_text(json.dumps(data))
    result = check_backup(backup)
    assert not result.ok and "students: 1 rows, expected 99" in result.problems


def test_sqlite_restore_brings_back_deleted_rows(app, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        import pytest

        pytest.skip("restore command is for the embedded SQLite database")
    factories.make_student()
    backup = make_backup(tmp_path)
    db.session.query(Student).delete()
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Student.id))) == 1
