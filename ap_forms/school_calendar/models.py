"""School years with three terms each; holidays (half-terms, bank holidays) and closure days.

A day is a school day when it is a weekday inside a term and not inside a holiday or closure.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.extensions import db
from ap_forms.web.model_mixins import IdColumn
from ap_forms.web.tenancy import SchoolOwned

AUTUMN, SPRING, SUMMER = "Autumn", "Spring", "Summer"
TERM_NAMES = (AUTUMN, SPRING, SUMMER)

HOLIDAY, CLOSURE = "holiday", "closure"
CLOSURE_KINDS = {
    HOLIDAY: "Holiday (half-term, bank holiday)",
    CLOSURE: "Closure day (training day, emergency closure)",
}


class SchoolYear(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "school_years"
    __table_args__ = (UniqueConstraint("school_id", "start_year"),)  # each school keeps its own calendar

    # 2026 for the school year 2026 to 2027 (1 September to 31 August).
    start_year: Mapped[int] = mapped_column(Integer)

    terms: Mapped[list[Term]] = relationship(
        back_populates="school_year", cascade="all, delete-orphan", order_by="Term.start_date"
    )
    closures: Mapped[list[Closure]] = relationship(
        back_populates="school_year", cascade="all, delete-orphan", order_by="Closure.start_date"
    )

    @property
    def label(self) -> str:
        return f"{self.start_year} to {self.start_year + 1}"

    @property
    def short_label(self) -> str:
        return f"{self.start_year}–{str(self.start_year + 1)[-2:]}"

    @property
    def first_day(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 8, 31)

    def term(self, name: str) -> Term | None:
        return next((t for t in self.terms if t.name == name), None)


class DaysOfSchoolYear:
    """A run of days inside a school year, first and last day included: the columns shared by a term
    and a closure, and `day in span`."""

    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date, index=True)

    def __contains__(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Term(DaysOfSchoolYear, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("school_year_id", "name"),)

    name: Mapped[str] = mapped_column(String(10))

    school_year: Mapped[SchoolYear] = relationship(back_populates="terms")

    @property
    def label(self) -> str:
        return f"{self.name} term {self.school_year.short_label}"


class Closure(DaysOfSchoolYear, SchoolOwned, IdColumn, db.Model):
    """Days without school inside a year: a half-term week, a bank holiday, a training day."""

    __tablename__ = "closures"

    kind: Mapped[str] = mapped_column(String(10), default=HOLIDAY)
    name: Mapped[str] = mapped_column(String(120))

    school_year: Mapped[SchoolYear] = relationship(back_populates="closures")

    @property
    def kind_label(self) -> str:
        return "Holiday" if self.kind == HOLIDAY else "Closure day"
