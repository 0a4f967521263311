from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, Time, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.students.models import Student
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

PLANNED, ACTIVE, ENDED = "planned", "active", "ended"
STATUSES = (PLANNED, ACTIVE, ENDED)


class Placement(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "placements"

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
    # ... and which parts of the approved referral: contact restrictions, expected academic outcomes,
    # the risk assessment with its controls (issue 10).
    share_restrictions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    share_outcomes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    share_risks: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The agreed timetable's version (1 from approval), and from when the current one applies
    # (None: from the start). Earlier versions are kept in TimetableVersion.
    timetable_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    timetable_from: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Attendance before the placement, from the referral: what the placement's attendance is compared with.
    baseline_attendance_percent: Mapped[float | None] = mapped_column(Float)
    # The day the placement actually ended (as planned or withdrawn at once); no sessions are expected after it.
    ended_on: Mapped[date | None] = mapped_column(Date)
    # Oversight (issue 12): the Local Authority told of the placement (DfE), the parents told why, when,
    # for how long, where and how it is reviewed; and what came of it (suspensions during, destination).
    la_told_on: Mapped[date | None] = mapped_column(Date)
    la_told_how: Mapped[str] = mapped_column(String(20), default="", server_default="")
    parents_told_on: Mapped[date | None] = mapped_column(Date)
    parents_told_how: Mapped[str] = mapped_column(String(20), default="", server_default="")
    suspensions_during: Mapped[int | None] = mapped_column(Integer)
    destination: Mapped[str] = mapped_column(String(30), default="", server_default="")

    student: Mapped[Student] = relationship()
    provider: Mapped[Provider] = relationship()
    key_worker: Mapped[User | None] = relationship()
    sessions: Mapped[list[TimetableSession]] = relationship(
        back_populates="placement",
        cascade="all, delete-orphan",
        order_by="(TimetableSession.weekday, TimetableSession.start_time)",
    )
    earlier_timetables: Mapped[list[TimetableVersion]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="TimetableVersion.version.desc()"
    )

    def timetable_on(self, day: date) -> list:
        """The timetable agreed for that day: the current one, or the earlier version in force then."""
        if self.timetable_from is None or day >= self.timetable_from:
            return self.sessions
        for version in self.earlier_timetables:  # newest first
            if version.valid_from is None or day >= version.valid_from:
                return version.session_rows
        return []

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    @property
    def days(self) -> list[int]:
        return sorted({s.weekday for s in self.sessions})


class WeeklySessionColumns:
    """One session of a weekly timetable: the columns shared by a placement's agreed timetable
    (TimetableSession) and a referral's proposed one (ReferralSession, copied on approval)."""

    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    activity: Mapped[str] = mapped_column(String(160))
    site_address: Mapped[str] = mapped_column(Text, default="")


class TimetableSession(WeeklySessionColumns, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "timetable_sessions"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)

    placement: Mapped[Placement] = relationship(back_populates="sessions")


class ArchivedSession:
    """A session of an earlier timetable version (read-only, shaped like TimetableSession)."""

    def __init__(self, row: dict):
        self.weekday = int(row["weekday"])
        self.start_time = time.fromisoformat(row["start_time"])
        self.end_time = time.fromisoformat(row["end_time"])
        self.activity = row.get("activity", "")
        self.site_address = row.get("site_address", "")


class TimetableVersion(SchoolOwned, IdColumn, db.Model):
    """An earlier agreed timetable of a placement, kept whole when the timetable is changed."""

    __tablename__ = "timetable_versions"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)  # None: from the start of the placement
    valid_until: Mapped[date] = mapped_column(Date)  # the last day it applied
    sessions: Mapped[list] = mapped_column(JSON, default=list)
    # Why it was replaced, by whom and when
    change_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    placement: Mapped[Placement] = relationship(back_populates="earlier_timetables")
    replaced_by: Mapped[User | None] = relationship()

    @property
    def session_rows(self) -> list[ArchivedSession]:
        return [ArchivedSession(row) for row in self.sessions]


# --- Reviews, ending and the family's calendar feed (issue 4) ----------------------------------

WEEKDAY_CHOICES = [("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"), ("4", "Friday")]
SUITABILITY = [
    ("suitable", "Suitable: continue as agreed"),
    ("changes", "Suitable with changes"),
    ("not_suitable", "Not suitable"),
]
READINESS = [
    ("not_yet", "Not ready yet"),
    ("phased", "Ready for a phased return"),
    ("ready", "Ready to return to school"),
]
PROGRESS = [
    ("not_started", "Not started"),
    ("some", "Some progress"),
    ("good", "Good progress"),
    ("achieved", "Achieved"),
]
PLANNED_END, IMMEDIATE = "planned", "immediate"
END_REASONS = [("safeguarding", "Safeguarding concern"), ("gross_misconduct", "Gross misconduct"), ("other", "Other")]
# How the Local Authority or the parents were told (issue 12), and where the pupil went afterwards.
TOLD_HOW = [
    ("email", "Email"),
    ("letter", "Letter"),
    ("portal", "The local authority's online form"),
    ("phone", "Phone call"),
    ("meeting", "Meeting"),
]
PARENTS_TOLD_HOW = [choice for choice in TOLD_HOW if choice[0] != "portal"]
DESTINATIONS = [
    ("returned", "Returned to school full time"),
    ("another_setting", "Moved to another school or setting"),
    ("post16_education", "Post-16 education or training"),
    ("employment", "Employment or apprenticeship"),
    ("neet", "Not in education, employment or training"),
    ("other", "Other"),
]


class PlacementReview(SchoolOwned, IdColumn, db.Model):
    """A review of a placement. A row with no held_on is the next review booked (due_on)."""

    __tablename__ = "placement_reviews"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    held_on: Mapped[date | None] = mapped_column(Date)
    suitability: Mapped[str] = mapped_column(String(20), default="")
    suitability_notes: Mapped[str] = mapped_column(Text, default="")
    readiness: Mapped[str] = mapped_column(String(20), default="")
    reintegration_timeframe: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)

    placement: Mapped[Placement] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    progress: Mapped[list[ReviewProgress]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewProgress.position"
    )

    suitability_label = label_property("suitability", SUITABILITY, "")

    readiness_label = label_property("readiness", READINESS, "")


class ReviewProgress(SchoolOwned, IdColumn, db.Model):
    """Progress against one of the placement's objectives at a review."""

    __tablename__ = "review_progress"

    review_id: Mapped[int] = mapped_column(ForeignKey("placement_reviews.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    objective: Mapped[str] = mapped_column(Text)  # the objective's words at the time of the review
    rating: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[PlacementReview] = relationship(back_populates="progress")

    rating_label = label_property("rating", PROGRESS, "")


class PlacementEnding(SchoolOwned, IdColumn, db.Model):
    """How and when a placement ended: as planned, or withdrawn at once (safeguarding, misconduct)."""

    __tablename__ = "placement_endings"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), unique=True)
    ended_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(20), default="")
    details: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def description(self) -> str:
        if self.kind == IMMEDIATE:
            return "Withdrawn immediately: " + dict(END_REASONS).get(self.reason, "").lower()
        return "Ended as planned"
