"""documents stored in the database (document_blobs); existing files moved in; scheduled_runs

Revision ID: 0012_storage
Revises: 0011_incidents
Create Date: 2026-12-02 06:45:00

With DOCUMENT_STORAGE=database (the default) every file under UPLOAD_FOLDER that a document row
names is copied into document_blobs, its checksum checked against the row. The files are left where
they were (delete the folder once a backup with the documents has passed `restore-check`). A file
that is missing or does not match its checksum is reported and left out (the download then tries
the folder, as before). Downgrading writes any document missing from the folder back into it.

scheduled_runs: one row per (job, slot) run by `flask scheduler`, the once-only lock across hosts.
"""

import hashlib
import logging
import os
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0012_storage"
down_revision = "0012_data_protection"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")

documents = sa.table("documents", sa.column("stored_name", sa.String), sa.column("sha256", sa.String))
blobs = sa.table("document_blobs", sa.column("stored_name", sa.String), sa.column("data", sa.LargeBinary))


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def upgrade():
    op.create_table(
        "document_blobs",
        sa.Column("stored_name", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("stored_name", name=op.f("pk_document_blobs")),
    )
    op.create_table(
        "scheduled_runs",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.String(length=20), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("job", "slot", name=op.f("pk_scheduled_runs")),
    )
    if (current_app.config.get("DOCUMENT_STORAGE") or "database") != "database":
        return
    connection = op.get_bind()
    moved = 0
    for stored_name, sha256 in connection.execute(sa.select(documents.c.stored_name, documents.c.sha256)).all():
        path = _folder() / stored_name
        if not _STORED_NAME.match(stored_name or "") or not path.is_file():
            log.warning("document %s: no file in %s, left out", stored_name, _folder())
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            log.warning("document %s: the file does not match its checksum, left out", stored_name)
            continue
        connection.execute(blobs.insert().values(stored_name=stored_name, data=data))
        moved += 1
    if moved:
        log.info("moved %s document(s) into the database; the files in %s are left in place", moved, _folder())


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(blobs.c.stored_name, blobs.c.data)).all()
    if rows:
        folder = _folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stored_name, data in rows:
            path = folder / stored_name
            if _STORED_NAME.match(stored_name) and not path.exists():
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                    out.write(data)
    op.drop_table("scheduled_runs")
    op.drop_table("document_blobs")
