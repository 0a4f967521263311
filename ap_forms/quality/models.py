"""Quality-assurance visits: planned, recorded with the AP Checklist, signed off, and their actions.

Answers point at the items of the checklist version the visit started with, so publishing a new
version of the AP Checklist never changes a visit already recorded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.checklists.models import AnsweredChecklist, ChecklistAnswerColumns, ChecklistVersion
from ap_forms.extensions import db
from ap_forms.placements.models import Placement
from ap_forms.providers.models import Provider
from ap_forms.students.models import Student
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

CHECKLIST_KIND = "ap_visit"

PLANNED, DRAFT, SIGNED_OFF, CANCELLED = "planned", "draft", "signed_off", "cancelled"
VISIT_STATUSES = {PLANNED: "Planned", DRAFT: "Being recorded", SIGNED_OFF: "Signed off", CANCELLED: "Cancelled"}

# Every checklist answer, and each pupil's progress, is judged on the same four-point scale.
MET, PARTLY, NOT_MET, NOT_SEEN = "met", "partly", "not_met", "not_seen"
ANSWERS = {MET: "Met", PARTLY: "Partly met", NOT_MET: "Not met", NOT_SEEN: "Not seen"}

JUDGEMENTS = {
    "good": "Good: the provision meets the school's expectations",
    "requires_improvement": "Requires improvement: some expectations are only partly met",
    "inadequate": "Inadequate: serious concerns; talk to the headteacher today",
}
JUDGEMENT_SHORT = {"good": "Good", "requires_improvement": "Requires improvement", "inadequate": "Inadequate"}

PROVIDER, SCHOOL = "provider", "school"
ACTION_OWNERS = {PROVIDER: "The provider", SCHOOL: "The school"}


class QualityVisit(AnsweredChecklist, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "quality_visits"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default=PLANNED, index=True)
    focus: Mapped[str] = mapped_column(Text, default="")  # what the visit means to look at, from planning
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when recording starts: the AP Checklist version this visit answers.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_versions.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    observed_activity: Mapped[str] = mapped_column(Text, default="")
    observation_notes: Mapped[str] = mapped_column(Text, default="")
    pupil_voice: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    overall_judgement: Mapped[str] = mapped_column(String(24), default="")
    overall_summary: Mapped[str] = mapped_column(Text, default="")
    signed_off_on: Mapped[date | None] = mapped_column(Date)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_to: Mapped[str] = mapped_column(String(254), default="")

    provider: Mapped[Provider] = relationship()
    version: Mapped[ChecklistVersion | None] = relationship()
    planned_by = relationship("User", foreign_keys=[planned_by_id])
    signed_off_by = relationship("User", foreign_keys=[signed_off_by_id])
    visitors: Mapped[list[VisitStaff]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    answers: Mapped[list[VisitAnswer]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    progress_entries: Mapped[list[ProgressEntry]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="ProgressEntry.id"
    )
    actions: Mapped[list[VisitAction]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitAction.position"
    )

    status_label = label_property("status", VISIT_STATUSES)

    @property
    def is_signed_off(self) -> bool:
        return self.status == SIGNED_OFF

    @property
    def is_recorded(self) -> bool:
        """The visit took place: it is being written up or has been signed off."""
        return self.status in (DRAFT, SIGNED_OFF)

    @property
    def staff_names(self) -> list[str]:
        return sorted(v.user.name for v in self.visitors)

    judgement_label = label_property("overall_judgement", JUDGEMENT_SHORT, "")


class VisitStaff(SchoolOwned, IdColumn, db.Model):
    """A member of school staff going on (or who went on) the visit."""

    __tablename__ = "quality_visit_staff"
    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visits.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    visit: Mapped[QualityVisit] = relationship(back_populates="visitors")
    user: Mapped[User] = relationship()


class VisitAnswer(ChecklistAnswerColumns, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "quality_visit_answers"
    __table_args__ = (UniqueConstraint("visit_id", "item_id"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visits.id"), index=True)
    answer: Mapped[str] = mapped_column(String(10))

    visit: Mapped[QualityVisit] = relationship(back_populates="answers")

    label = label_property("answer", ANSWERS)


class ProgressEntry(SchoolOwned, IdColumn, db.Model):
    """One pupil's progress against their placement objectives, as seen on a visit.

    The objectives are copied when recording starts, so the entry still reads correctly after the
    placement's objectives change.
    """

    __tablename__ = "quality_progress_entries"
    __table_args__ = (UniqueConstraint("visit_id", "placement_id"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visits.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    objectives: Mapped[str] = mapped_column(Text, default="")  # one a line
    rating: Mapped[str] = mapped_column(String(10), default="")
    comment: Mapped[str] = mapped_column(Text, default="")

    visit: Mapped[QualityVisit] = relationship(back_populates="progress_entries")
    placement: Mapped[Placement] = relationship()
    student: Mapped[Student] = relationship()

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    rating_label = label_property("rating", ANSWERS, "Not recorded")


class VisitAction(SchoolOwned, IdColumn, db.Model):
    """Something to be done after a visit: what, who, by when; tracked until it is done."""

    __tablename__ = "quality_actions"

    visit_id: Mapped[int] = mapped_column(ForeignKey("quality_visits.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(10), default=PROVIDER)  # provider or school
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    completed_on: Mapped[date | None] = mapped_column(Date, index=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completion_note: Mapped[str] = mapped_column(Text, default="")
    provider_response: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit: Mapped[QualityVisit] = relationship(back_populates="actions")
    provider: Mapped[Provider] = relationship()
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    responded_by = relationship("User", foreign_keys=[responded_by_id])

    @property
    def who(self) -> str:
        owner = ACTION_OWNERS.get(self.owner, self.owner)
        return f"{owner}: {self.owner_name}" if self.owner_name else owner

    def is_overdue(self, today: date) -> bool:
        return self.completed_on is None and self.due_on < today
