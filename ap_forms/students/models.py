from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.extensions import db


class Student(db.Model):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    year_group: Mapped[int] = mapped_column(Integer)
    upn: Mapped[str] = mapped_column(String(13), unique=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    send_needs: Mapped[str] = mapped_column(Text, default="")
    diagnoses: Mapped[str] = mapped_column(Text, default="")
    medical_needs: Mapped[str] = mapped_column(Text, default="")

    parent_links: Mapped[list[ParentLink]] = relationship(back_populates="student",
                                                          cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


class ParentLink(db.Model):
    """A parent or carer's account linked to a pupil: what that family may see."""

    __tablename__ = "parent_links"
    __table_args__ = (UniqueConstraint("parent_id", "student_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    relationship_to_pupil: Mapped[str] = mapped_column("relationship", String(40), default="Parent")

    student: Mapped[Student] = relationship(back_populates="parent_links")
    parent = relationship("User")
