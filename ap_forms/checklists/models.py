"""A checklist version is a fixed, ordered list of items. Answers (kept by each domain in its own
tables) point at the item ids of the version they answered, so publishing a new version never
changes what was answered before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn


class ChecklistVersion(IdColumn, db.Model):
    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    kind: Mapped[str] = mapped_column(String(30), index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="version", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )
    published_by = relationship("User")

    @property
    def sections(self) -> list[tuple[str, list[ChecklistItem]]]:
        """Items grouped by section, in the order the sections first appear."""
        grouped: dict[str, list[ChecklistItem]] = {}
        for item in self.items:
            grouped.setdefault(item.section, []).append(item)
        return list(grouped.items())


class ChecklistItem(IdColumn, db.Model):
    __tablename__ = "checklist_items"

    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"), index=True)
    section: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … across the whole version
    text: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(String(300), default="")

    version: Mapped[ChecklistVersion] = relationship(back_populates="items")


class ChecklistAnswerColumns:
    """One answer to one item of a checklist version: the columns shared by a provider's safeguarding
    checklist (SafeguardingAnswer) and a quality visit (VisitAnswer). Each declares its own `answer`,
    on its own scale."""

    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def item(cls) -> Mapped[ChecklistItem]:
        return relationship(ChecklistItem)


class AnsweredChecklist:
    """A record answered against one checklist version, whose `answers` are ChecklistAnswerColumns rows."""

    def answer_for(self, item_id: int):
        """The answer to that item, or None while there is none."""
        return next((a for a in self.answers if a.item_id == item_id), None)
