"""Weekly feedback, termly reports and Annual Review contributions written by a provider's key worker.

- WeeklyFeedback: one row per version; a placement's week (starting Monday) may have several
  versions. A draft is edited in place; a submitted version is never changed: a correction is a
  new version, and the old one stays.
- FeedbackReply: school staff acknowledge a week's feedback and may reply; the key worker sees it.
- TermlyReport: the provider's report on one placement for one term of the school calendar.
- AnnualReviewContribution: the provider's views for the pupil's EHCP Annual Review.
- FeedbackReminder: each reminder email sent, so `send-reminders` never sends one twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import PROGRESS, Placement
from ap_forms.school_calendar.models import Term
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

DRAFT, SUBMITTED = "draft", "submitted"

ENGAGEMENT = {
    1: "Not engaged: refused or could not take part",
    2: "Reluctant: took part only with a lot of support",
    3: "Mixed: engaged some of the time",
    4: "Good: engaged most of the time",
    5: "Excellent: fully engaged and motivated",
}
# Progress against an objective: the same scale as a placement review's.
RATINGS = PROGRESS
RECOMMENDATIONS = [
    ("continue", "Continue the placement"),
    ("change", "Change the placement"),
    ("prepare_return", "Prepare to return to school"),
    ("end", "End the placement"),
]


def rating_label(value: str | None) -> str:
    return dict(RATINGS).get(value or "", "Not rated")


class WeeklyFeedback(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "weekly_feedback"
    __table_args__ = (UniqueConstraint("placement_id", "week_start", "version"),)

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)  # a Monday
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    engagement: Mapped[int | None] = mapped_column(Integer)
    # [{"objective": words at the time, "rating": one of RATINGS, "comment": text}]
    progress: Mapped[list] = mapped_column(JSON, default=list)
    behaviour: Mapped[str] = mapped_column(Text, default="")
    wellbeing: Mapped[str] = mapped_column(Text, default="")
    achievements: Mapped[str] = mapped_column(Text, default="")
    concerns: Mapped[str] = mapped_column(Text, default="")
    next_week_plan: Mapped[str] = mapped_column(Text, default="")
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)

    placement: Mapped[Placement] = relationship()
    author: Mapped[User | None] = relationship()

    engagement_label = label_property("engagement", ENGAGEMENT, "Not given")

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


class FeedbackReply(SchoolOwned, IdColumn, db.Model):
    """School staff's acknowledgement of a week's feedback, with an optional comment."""

    __tablename__ = "feedback_replies"

    feedback_id: Mapped[int] = mapped_column(ForeignKey("weekly_feedback.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    feedback: Mapped[WeeklyFeedback] = relationship()
    author: Mapped[User] = relationship()


class TermlyReport(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "termly_reports"
    __table_args__ = (UniqueConstraint("placement_id", "term_id"),)

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    engagement_summary: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[list] = mapped_column(JSON, default=list)  # as WeeklyFeedback.progress
    academic_outcomes: Mapped[str] = mapped_column(Text, default="")
    accreditation: Mapped[str] = mapped_column(Text, default="")
    behaviour: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(String(20), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)

    placement: Mapped[Placement] = relationship()
    term: Mapped[Term] = relationship()
    author: Mapped[User | None] = relationship()

    recommendation_label = label_property("recommendation", RECOMMENDATIONS, "Not given")


class AnnualReviewContribution(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "annual_review_contributions"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    review_date: Mapped[date | None] = mapped_column(Date)
    progress_views: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()
    author: Mapped[User | None] = relationship()


WEEKLY, TERMLY = "weekly", "termly"


class FeedbackReminder(SchoolOwned, IdColumn, db.Model):
    """One reminder sent about one placement's week or term (period_start), never sent again."""

    __tablename__ = "feedback_reminders"
    __table_args__ = (UniqueConstraint("kind", "placement_id", "period_start"),)

    kind: Mapped[str] = mapped_column(String(10))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    sent_to: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
