from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn


class Document(IdColumn, db.Model):
    """An uploaded evidence file. Its bytes are kept under `stored_name` (documents/storage.py).

    `provider_id` says whose evidence it is (and so who may download it); `topic` says what it is
    evidence of, in the owning domain's words (e.g. "sla", "insurance").
    """

    __tablename__ = "documents"

    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    original_name: Mapped[str] = mapped_column(String(120))
    stored_name: Mapped[str] = mapped_column(String(32), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by = relationship("User")

    @property
    def kind_label(self) -> str:
        return {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}.get(
            self.content_type, "File"
        )

    @property
    def size_label(self) -> str:
        if self.size_bytes < 1024 * 1024:
            return f"{max(1, round(self.size_bytes / 1024))} KB"
        return f"{self.size_bytes / (1024 * 1024):.1f} MB"


class DocumentBlob(db.Model):
    """The bytes of one document, by its Document.stored_name (DOCUMENT_STORAGE=database, the default)."""

    __tablename__ = "document_blobs"

    stored_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
