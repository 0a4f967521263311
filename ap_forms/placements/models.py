from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.students.models import Student
from ap_forms.web.audit import utcnow

PLANNED, ACTIVE, ENDED = "planned", "active", "ended"
STATUSES = (PLANNED, ACTIVE, ENDED)


class Placement(db.Model):
    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    key_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    planned_end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=PLANNED, index=True)
    objectives: Mapped[str] = mapped_column(Text, default="")
    # Which parts of the pupil's SEND record the school chose to share with the provider.
    share_send_needs: Mapped[bool] = mapped_column(Boolean, default=False)
    share_diagnoses: Mapped[bool] = mapped_column(Boolean, default=False)
    share_medical_needs: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Attendance before the placement, from the referral: what the placement's attendance is compared with.
    baseline_attendance_percent: Mapped[float | None] = mapped_column(Float)
    # The day the placement actually ended (as planned or withdrawn at once); no sessions are expected after it.
    ended_on: Mapped[date | None] = mapped_column(Date)

    student: Mapped[Student] = relationship()
    provider: Mapped[Provider] = relationship()
    key_worker: Mapped[User | None] = relationship()
    sessions: Mapped[list[TimetableSession]] = relationship(
        back_populates="placement", cascade="all, delete-orphan",
        order_by="(TimetableSession.weekday, TimetableSession.start_time)",
    )

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    @property
    def days(self) -> list[int]:
        return sorted({s.weekday for s in self.sessions})


class TimetableSession(db.Model):
    __tablename__ = "timetable_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    activity: Mapped[str] = mapped_column(String(160))
    site_address: Mapped[str] = mapped_column(Text, default="")

    placement: Mapped[Placement] = relationship(back_populates="sessions")
