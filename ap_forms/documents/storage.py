"""Where evidence documents' bytes are kept: one small interface, two places.

- `database` (the default): a `document_blobs` row (PostgreSQL bytea, SQLite blob), written in the
  same transaction as the Document row, so every worker and host sees it, one backup holds it, and a
  failed save leaves nothing behind.
- `folder`: files under UPLOAD_FOLDER (one host only, or a shared filesystem), 0600, random names.

DOCUMENT_STORAGE chooses where new documents go. Reading tries that store first and then the other,
so documents written before a change of setting can still be downloaded.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from ap_forms.documents.models import DocumentBlob
from ap_forms.extensions import db
from ap_forms.web import uploads

STORES = ("database", "folder")


class Store(Protocol):
    name: str

    def put(self, key: str, data: bytes) -> None:
        """Keep `data` under `key` (a new key: never overwrites)."""

    def get(self, key: str) -> bytes:
        """The bytes kept under `key`; FileNotFoundError when there are none."""

    def delete(self, key: str) -> None:
        """Forget `key` (nothing happens when it is not there)."""


class DatabaseStore:
    name = "database"

    def put(self, key: str, data: bytes) -> None:
        db.session.add(DocumentBlob(stored_name=key, data=data))  # committed with the Document row

    def get(self, key: str) -> bytes:
        blob = db.session.get(DocumentBlob, key)
        if blob is None:
            raise FileNotFoundError(key)
        data = blob.data
        db.session.expunge(blob)  # do not keep megabytes in the session
        return data

    def delete(self, key: str) -> None:
        blob = db.session.get(DocumentBlob, key)
        if blob is not None:
            db.session.delete(blob)


class FolderStore:
    name = "folder"

    def put(self, key: str, data: bytes) -> None:
        uploads.write_stored(key, data)

    def get(self, key: str) -> bytes:
        path = uploads.stored_path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.read_bytes()

    def delete(self, key: str) -> None:
        uploads.delete_stored(key)


def _named(name: str) -> Store:
    return DatabaseStore() if name == "database" else FolderStore()


def configured_name() -> str:
    name = (current_app.config.get("DOCUMENT_STORAGE") or "database").strip().lower()
    if name not in STORES:
        raise ValueError(f"DOCUMENT_STORAGE must be one of {', '.join(STORES)}, not {name!r}")
    return name


def current() -> Store:
    """The store new documents go to (DOCUMENT_STORAGE)."""
    return _named(configured_name())


def read(key: str) -> bytes:
    """A document's bytes from the configured store, or else from the other one."""
    first = configured_name()
    for name in (first, *(n for n in STORES if n != first)):
        try:
            return _named(name).get(key)
        except FileNotFoundError:
            continue
    raise FileNotFoundError(key)
