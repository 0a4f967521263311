"""Attendance records. Nothing here is ever deleted: changes keep the earlier version.

- AttendanceMark: the provider's report for one placement, day and session (AM/PM), with
  MarkChange rows holding every earlier version.
- RegisterEntry: the school register code the office records for that session (DfE codes), with
  RegisterAmendment rows: original code, new code, reason, who, when (2024 registration regulations).
- ParentContact: the office's call (or message) to a parent about an absence.
- AttendanceAlert: each reminder or alert sent, so the alerts command never sends one twice.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import Placement
from ap_forms.students.models import Student
from ap_forms.web.model_mixins import IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

AM, PM = "AM", "PM"
SESSIONS = (AM, PM)
SESSION_LABELS = {AM: "Morning", PM: "Afternoon"}

PRESENT, LATE, ABSENT, LEFT_EARLY, NOT_EXPECTED = "present", "late", "absent", "left_early", "not_expected"
MARK_LABELS = {
    PRESENT: "Present",
    LATE: "Late",
    ABSENT: "Absent",
    LEFT_EARLY: "Left early",
    NOT_EXPECTED: "Not expected",
}
ATTENDED = frozenset({PRESENT, LATE, LEFT_EARLY})

UNEXPLAINED = "unknown"
ABSENCE_REASONS = {
    "ill": "Ill",
    "medical": "Medical or dental appointment",
    "refused": "Would not come",
    "transport": "Transport did not arrive",
    "family": "Family reasons or holiday",
    UNEXPLAINED: "Not known: no contact from home",
    "other": "Other reason (say in the note)",
}

CONTACT_METHODS = {"phone": "Phone call", "text": "Text message", "email": "Email", "in_person": "In person"}
REACHED, REACHED_NO_REASON = "reached", "reached_no_reason"
CONTACT_OUTCOMES = {
    REACHED: "Spoke to them: reason given",
    REACHED_NO_REASON: "Spoke to them: no reason given",
    "message": "Left a message",
    "no_answer": "No answer",
    "not_working": "Number or address not working",
}
CONTACT_REACHED = frozenset({REACHED, REACHED_NO_REASON})

# Alert kinds
CUTOFF_REMINDER = "cutoff_reminder"  # to the key worker: no report by the cut-off
UNEXPLAINED_ABSENCE = "unexplained"  # to the office: absent and nobody knows why
NO_PARENT_CONTACT = "no_parent_contact"  # to the office and DSL: absent, parent not reached by end of day
DAY = "day"  # the session value of alerts about a whole day


class _MarkFields:
    """What a provider reports about one session."""

    status: Mapped[str] = mapped_column(String(12))
    minutes_late: Mapped[int | None] = mapped_column(Integer)
    arrived_at: Mapped[time | None] = mapped_column(Time)
    left_at: Mapped[time | None] = mapped_column(Time)
    absence_reason: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    marked_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    late_reporting: Mapped[bool] = mapped_column(Boolean, default=False)

    label = label_property("status", MARK_LABELS)

    reason_label = label_property("absence_reason", ABSENCE_REASONS, "")

    @property
    def is_unexplained(self) -> bool:
        return self.status == ABSENT and self.absence_reason in (None, UNEXPLAINED)

    @property
    def detail_text(self) -> str:
        """The details after the status: '20 minutes, arrived 09:50' or 'Ill, sick bug'."""
        parts = []
        if self.status == LATE:
            if self.minutes_late is not None:
                parts.append(f"{self.minutes_late} minutes")
            if self.arrived_at:
                parts.append(f"arrived {self.arrived_at:%H:%M}")
        elif self.status == LEFT_EARLY and self.left_at:
            parts.append(f"left {self.left_at:%H:%M}")
        elif self.status == ABSENT:
            parts.append(self.reason_label or "reason not given yet")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)

    @property
    def summary(self) -> str:
        """One line, as the register and history show it: 'Late: 20 minutes, arrived 09:50'."""
        detail = self.detail_text
        return f"{self.label}: {detail}" if detail else self.label


class AttendanceMark(_MarkFields, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("placement_id", "day", "session"),)

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    session: Mapped[str] = mapped_column(String(2))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    placement: Mapped[Placement] = relationship()
    marked_by: Mapped[User] = relationship()
    changes: Mapped[list[MarkChange]] = relationship(back_populates="mark", order_by="MarkChange.id")


class MarkChange(_MarkFields, SchoolOwned, IdColumn, db.Model):
    """An earlier version of a provider's mark, kept when the mark is changed."""

    __tablename__ = "attendance_mark_changes"

    mark_id: Mapped[int] = mapped_column(ForeignKey("attendance_marks.id"), index=True)
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime] = mapped_column(DateTime)  # UTC

    mark: Mapped[AttendanceMark] = relationship(back_populates="changes")
    marked_by: Mapped[User] = relationship(foreign_keys=[marked_by_id])
    replaced_by: Mapped[User] = relationship(foreign_keys=[replaced_by_id])


class RegisterEntry(SchoolOwned, IdColumn, db.Model):
    """The school register's code for a session. recorded_by/at are the ORIGINAL entry's."""

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("placement_id", "day", "session"),)

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    session: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(3))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    # The provider mark's version the code was based on: a later change needs the office's eye.
    mark_version: Mapped[int | None] = mapped_column(Integer)

    placement: Mapped[Placement] = relationship()
    recorded_by: Mapped[User] = relationship()
    amendments: Mapped[list[RegisterAmendment]] = relationship(back_populates="entry", order_by="RegisterAmendment.id")

    @property
    def original_code(self) -> str:
        return self.amendments[0].old_code if self.amendments else self.code


class RegisterAmendment(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "register_amendments"

    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entries.id"), index=True)
    old_code: Mapped[str] = mapped_column(String(3))
    new_code: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amended_at: Mapped[datetime] = mapped_column(DateTime)  # UTC

    entry: Mapped[RegisterEntry] = relationship(back_populates="amendments")
    amended_by: Mapped[User] = relationship()


class ParentContact(SchoolOwned, IdColumn, db.Model):
    """Who at school contacted whom at home about a pupil's absence, when, and what came of it."""

    __tablename__ = "parent_contacts"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the day of the absence
    contacted_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    contacted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contact_with: Mapped[str] = mapped_column(String(120))
    method: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)  # UTC

    student: Mapped[Student] = relationship()
    contacted_by: Mapped[User] = relationship()

    @property
    def reached(self) -> bool:
        return self.outcome in CONTACT_REACHED

    method_label = label_property("method", CONTACT_METHODS)

    outcome_label = label_property("outcome", CONTACT_OUTCOMES)


class AttendanceAlert(SchoolOwned, IdColumn, db.Model):
    """One reminder or alert about one session (or day), sent once."""

    __tablename__ = "attendance_alerts"
    __table_args__ = (UniqueConstraint("kind", "placement_id", "day", "session"),)

    kind: Mapped[str] = mapped_column(String(20))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    session: Mapped[str] = mapped_column(String(3))
    sent_to: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
