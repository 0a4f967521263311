"""Pupils on the school's roll, the parents and carers recorded for them, and the accounts linked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import EmailedLinkColumns, IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

GENDERS = [("F", "Female"), ("M", "Male"), ("X", "Other or not stated")]
CHILD_PROTECTION = [
    ("none", "None known"),
    ("cin", "Child in need plan"),
    ("cp", "Child protection plan"),
    ("previous_cp", "Previously on a child protection plan"),
]


class NeedsColumns:
    """A pupil's SEND and medical needs, as text: kept on the pupil record, and copied into a referral
    when it starts (Referral), where they are checked and sent on to the provider."""

    send_needs: Mapped[str] = mapped_column(Text, default="")
    diagnoses: Mapped[str] = mapped_column(Text, default="")
    medical_needs: Mapped[str] = mapped_column(Text, default="")
    medication: Mapped[str] = mapped_column(Text, default="")


class Student(NeedsColumns, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "students"
    # A UPN is the pupil's for life, but a pupil who moves between the trust's schools has a record in each.
    __table_args__ = (UniqueConstraint("school_id", "upn"),)

    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    preferred_name: Mapped[str] = mapped_column(String(80), default="")
    year_group: Mapped[int] = mapped_column(Integer)
    upn: Mapped[str] = mapped_column(String(13))
    uln: Mapped[str] = mapped_column(String(10), default="")
    gender: Mapped[str] = mapped_column(String(1), default="")
    date_of_birth: Mapped[date] = mapped_column(Date)
    ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    looked_after: Mapped[bool] = mapped_column(Boolean, default=False)
    child_protection: Mapped[str] = mapped_column(String(12), default="none")
    contact_restrictions: Mapped[str] = mapped_column(Text, default="")
    # Leaving the school ends every family's and provider's access; the record is kept for retention.
    left_on: Mapped[date | None] = mapped_column(Date, index=True)
    leaving_destination: Mapped[str] = mapped_column(String(160), default="")

    parent_links: Mapped[list[ParentLink]] = relationship(back_populates="student", cascade="all, delete-orphan")
    carers: Mapped[list[Carer]] = relationship(
        back_populates="student", cascade="all, delete-orphan", order_by="Carer.priority, Carer.id"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def has_left(self) -> bool:
        return self.left_on is not None

    gender_label = label_property("gender", GENDERS, "Not recorded")

    child_protection_label = label_property("child_protection", CHILD_PROTECTION)


class ParentLink(SchoolOwned, IdColumn, db.Model):
    """A parent or carer's account linked to a pupil: what that family may see."""

    __tablename__ = "parent_links"
    __table_args__ = (UniqueConstraint("parent_id", "student_id"),)

    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    relationship_to_pupil: Mapped[str] = mapped_column("relationship", String(40), default="Parent")

    student: Mapped[Student] = relationship(back_populates="parent_links")
    parent = relationship("User")


class Carer(SchoolOwned, IdColumn, db.Model):
    """A parent or carer the school holds for a pupil: who to call, who may collect, who must not be
    contacted. Recording one gives no access; an emailed invitation makes an account (ParentLink)."""

    __tablename__ = "carers"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    relationship_to_pupil: Mapped[str] = mapped_column("relationship", String(40), default="")
    priority: Mapped[int] = mapped_column(Integer, default=1)  # contact order, 1 first
    mobile_phone: Mapped[str] = mapped_column(String(40), default="")
    home_phone: Mapped[str] = mapped_column(String(40), default="")
    work_phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=False)
    may_collect: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact_reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # linked account
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    student: Mapped[Student] = relationship(back_populates="carers")
    user = relationship("User")

    @property
    def phones(self) -> list[tuple[str, str]]:
        return [
            (label, number)
            for label, number in (("Mobile", self.mobile_phone), ("Home", self.home_phone), ("Work", self.work_phone))
            if number
        ]


class CarerInvitation(EmailedLinkColumns, SchoolOwned, IdColumn, db.Model):
    """A one-time emailed link for a carer to make their account. Only the token's hash is kept.
    It is revoked when a newer one is sent, or when the carer is unlinked."""

    __tablename__ = "carer_invitations"

    carer_id: Mapped[int] = mapped_column(ForeignKey("carers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    carer: Mapped[Carer] = relationship()


class StudentChange(SchoolOwned, IdColumn, db.Model):
    """One change to a pupil's record: who, when, how (form or import), and each field's old and new value."""

    __tablename__ = "student_changes"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))  # added, edited, imported, left, carer_*
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [old, new]}

    by = relationship("User")


class PendingImport(SchoolOwned, IdColumn, db.Model):
    """An uploaded roll file, parsed and kept server-side until the person who uploaded it confirms."""

    __tablename__ = "pending_imports"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    kind: Mapped[str] = mapped_column(String(4))  # csv or ctf
    filename: Mapped[str] = mapped_column(String(255), default="")
    columns: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the CSV's own headings
    rows: Mapped[str] = mapped_column(Text)  # JSON: CSV rows as lists, or CTF pupils as dicts
    mapping: Mapped[str | None] = mapped_column(Text)  # JSON {our field: their column}; CSV only


class CalendarFeed(SchoolOwned, IdColumn, db.Model):
    """A parent's secret calendar address for one child's timetable. The token is the credential.

    Kept with the family's links: leaving the roll or unlinking a parent revokes it; the feed's
    content (the timetable) is made by placements/calendar.py."""

    __tablename__ = "calendar_feeds"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTime)

    parent = relationship("User")
    student: Mapped[Student] = relationship()
