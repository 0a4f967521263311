"""Oversight records (issue 12): the AP budget for each school year, and the governors' and LA reports.

- ApBudget: the amount the headteacher sets for alternative provision in one school year
  (1 September to 31 August); a change keeps who set it and when in the audit log.
- GovernorsReport: each generated termly PDF, kept whole (a new one never replaces an old one).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn
from ap_forms.web.tenancy import SchoolOwned


class ApBudget(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "ap_budgets"
    __table_args__ = (UniqueConstraint("school_id", "start_year"),)  # each school sets its own budget

    start_year: Mapped[int] = mapped_column(Integer)  # 2026 is the school year 2026 to 2027
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    set_by: Mapped[User | None] = relationship()


class GovernorsReport(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "governors_reports"

    title: Mapped[str] = mapped_column(String(160))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)

    generated_by: Mapped[User | None] = relationship()
