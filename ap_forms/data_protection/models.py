"""The retention review's decisions: keep (with a reason and the next review date) or erase (asked by one
leader, confirmed by a second; what was erased stays described here and in the audit log)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn
from ap_forms.web.tenancy import SchoolOwned

KEEP, ERASE = "keep", "erase"


class RetentionDecision(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "retention_decisions"
    __table_args__ = (Index("ix_retention_decisions_item", "kind", "subject_id"),)

    kind: Mapped[str] = mapped_column(String(20))  # a key of retention.PERIODS
    # The pupil (attendance, SEN, child protection) or the placement (other AP records). No foreign key:
    # the decision outlives what it erased.
    subject_id: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))  # keep or erase
    reason: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date | None] = mapped_column(Date)  # keep: when it comes back for review
    up_to: Mapped[date | None] = mapped_column(Date)  # erase attendance: entries on or before this day
    summary: Mapped[str] = mapped_column(String(255), default="")  # what it covered, without naming the pupil
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)  # erase: the moment it was erased
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def is_pending(self) -> bool:
        return self.decision == ERASE and self.confirmed_at is None and self.cancelled_at is None
