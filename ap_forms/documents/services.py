"""Storing evidence files and finding the ones a person may download."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from ap_forms.documents import storage
from ap_forms.documents.models import Document
from ap_forms.extensions import db
from ap_forms.web import audit, uploads
from ap_forms.web.roles import DSL, HEADTEACHER, KEY_WORKER, SEND_LEAD

# School roles who read providers' commissioning evidence (SLAs, policies, vetting letters).
SCHOOL_READERS = frozenset({HEADTEACHER, SEND_LEAD, DSL})


def scope_documents(query: Select, user) -> Select:
    """Limit a query over Document to what this user may download."""
    if user.role in SCHOOL_READERS:
        return query
    if user.role == KEY_WORKER and user.provider_id:
        return query.where(Document.provider_id == user.provider_id)
    return query.where(false())


def get_document_or_404(user, document_id: int) -> Document:
    return db.first_or_404(scope_documents(select(Document), user).where(Document.id == document_id))


def documents_for_provider(provider_id: int, *, topics: tuple[str, ...] | None = None) -> list[Document]:
    query = (
        select(Document)
        .where(Document.provider_id == provider_id)
        .options(selectinload(Document.uploaded_by))
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
    )
    if topics:
        query = query.where(Document.topic.in_(topics))
    return list(db.session.scalars(query))


def add_document(
    file: FileStorage, *, topic: str, description: str = "", provider_id: int | None = None, actor=None
) -> Document:
    """Store the file and add its Document row to the session (the caller commits).

    Raises uploads.UploadRejected when the file is not an allowed type or size.
    """
    stored, data = uploads.accept_upload(file)
    storage.current().put(stored.stored_name, data)
    document = Document(
        provider_id=provider_id,
        topic=topic,
        description=(description or "").strip()[:200],
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    db.session.flush()
    audit.record("document_uploaded", "document", document.id, detail=f"{topic}: {stored.original_name}", user=actor)
    return document


def commit_or_discard(documents: list[Document]) -> None:
    """Commit; if the database refuses, remove any files just stored so nothing is left orphaned.

    (In the database store the bytes are in the same transaction and go with the rollback.)
    """
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        for document in documents:
            storage.FolderStore().delete(document.stored_name)
        raise


def download(user, document_id: int):
    """The gated, audited download of one document."""
    document = get_document_or_404(user, document_id)
    try:
        response = uploads.send_data(
            storage.read(document.stored_name), download_name=document.original_name, content_type=document.content_type
        )
    except FileNotFoundError:
        abort(404)
    audit.record("document_downloaded", "document", document.id, detail=document.original_name, user=user)
    db.session.commit()
    return response
