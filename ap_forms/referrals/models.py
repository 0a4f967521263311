from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import Placement, WeeklySessionColumns
from ap_forms.providers.models import Provider
from ap_forms.students.models import NeedsColumns, Student
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn
from ap_forms.web.tenancy import SchoolOwned

# The workflow: draft -> submitted -> approved (placement created) or returned -> submitted ...
DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
STATUS_LABELS = {
    DRAFT: "Draft",
    SUBMITTED: "Waiting for approval",
    RETURNED: "Returned with comments",
    APPROVED: "Approved",
}
EDITABLE = (DRAFT, RETURNED)

# The Referral Form's sections, in the order of the task list: (key, title, group).
ABOUT_THE_PUPIL, THE_PLACEMENT = "About the pupil", "The placement"
SECTIONS = [
    ("pupil", "Pupil details", ABOUT_THE_PUPIL),
    ("family", "Parents, carers and restrictions", ABOUT_THE_PUPIL),
    ("health", "Medical needs and medication", ABOUT_THE_PUPIL),
    ("send", "SEND needs and EHCP outcomes", ABOUT_THE_PUPIL),
    ("history", "Attendance, exclusions and social care", ABOUT_THE_PUPIL),
    ("profile", "Strengths, barriers and past interventions", ABOUT_THE_PUPIL),
    ("reasons", "Reasons for alternative provision", THE_PLACEMENT),
    ("objectives", "Objectives and expected outcomes", THE_PLACEMENT),
    ("risks", "Risk assessment", THE_PLACEMENT),
    ("provider", "Proposed provider and dates", THE_PLACEMENT),
    ("timetable", "Proposed weekly timetable", THE_PLACEMENT),
    ("agreement", "Views and agreement with parents", THE_PLACEMENT),
]
SECTION_TITLES = {key: title for key, title, _ in SECTIONS}
NOT_STARTED, IN_PROGRESS, COMPLETED = "Not yet started", "In progress", "Completed"

# The policy's reasons for arranging alternative provision ("Off-site alternative provision").
REASONS = [
    ("bespoke_curriculum", "Would benefit from a bespoke curriculum not offered on the school site"),
    ("therapeutic", "Therapeutic intervention is required"),
    ("reduced_timetable", "Needs a reduced timetable to support their wellbeing"),
    ("unsafe_behaviour", "Displaying unsafe behaviours on the school site"),
    ("exclusion_risk", "At risk of permanent exclusion"),
    (
        "awaiting_school",
        "The school cannot meet their needs and the local authority asked for provision while another school is found",
    ),
    ("wider_development", "A variety of alternative curriculum for wider development and skills for later life"),
    ("personalise", "To further personalise the curriculum"),
    (
        "reintegration",
        "Struggles with the academic and social demands on site; reintegration on an agreed individual timeframe",
    ),
    ("ehcp_outcomes", "To meet EHCP outcomes"),
    (
        "flexibility",
        "More flexibility in what and how they learn, for motivation, self-esteem, mental health and wellbeing",
    ),
    ("independence", "Independence and taking responsibility for themselves"),
    (
        "cannot_access_site",
        "Unable to access the school site, including for the safeguarding of the pupil or their peers",
    ),
    ("other", "Other"),
]
REASON_LABELS = dict(REASONS)

SOCIAL_CARE = [
    ("none", "No social care involvement"),
    ("early_help", "Early help"),
    ("child_in_need", "Child in need plan"),
    ("child_protection", "Child protection plan"),
]
REVIEW_KINDS = [("annual", "Annual Review"), ("interim", "Interim Review")]
GENDERS = [("female", "Female"), ("male", "Male"), ("not_stated", "Prefer not to say")]
COST_BASES = [
    ("session", "per session"),
    ("day", "per day"),
    ("week", "per week"),
    ("term", "per term"),
    ("placement", "for the whole placement"),
]

# Risk scores: likelihood (1-5) x severity (1-5), banded as in the school's risk assessments.
LIKELIHOOD = [(1, "1 – Rare"), (2, "2 – Unlikely"), (3, "3 – Possible"), (4, "4 – Likely"), (5, "5 – Almost certain")]
SEVERITY = [(1, "1 – Negligible"), (2, "2 – Minor"), (3, "3 – Moderate"), (4, "4 – Major"), (5, "5 – Severe")]


def risk_band(score: int) -> str:
    if score >= 15:
        return "High"
    if score >= 8:
        return "Medium"
    return "Low"


class Referral(NeedsColumns, SchoolOwned, IdColumn, db.Model):
    """One pupil's Alternative Provision Referral Form, from draft to the placement it creates."""

    __tablename__ = "referrals"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    # Optimistic lock: every save names the version it started from; a stale one is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The page (one random token per opened section) that wrote the current version, so a page's own
    # autosave never counts as "someone else" when its Save button follows.
    edit_token: Mapped[str] = mapped_column(String(32), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Pupil details beyond the pupil record
    uln: Mapped[str] = mapped_column(String(10), default="")
    gender: Mapped[str] = mapped_column(String(12), default="")
    home_language: Mapped[str] = mapped_column(String(60), default="")
    # Family
    parents_carers: Mapped[str] = mapped_column(Text, default="")
    has_restrictions: Mapped[bool | None] = mapped_column(Boolean)
    restrictions: Mapped[str] = mapped_column(Text, default="")
    # Health and SEND: the NeedsColumns, prefilled from the pupil record when the referral starts; and
    ehcp_outcomes: Mapped[str] = mapped_column(Text, default="")
    # History: attendance before the placement is the baseline for value for money
    attendance_percent: Mapped[int | None] = mapped_column(Integer)
    suspensions_last_year: Mapped[int | None] = mapped_column(Integer)
    exclusions_detail: Mapped[str] = mapped_column(Text, default="")
    social_care_status: Mapped[str] = mapped_column(String(20), default="")
    looked_after: Mapped[bool | None] = mapped_column(Boolean)
    social_care_details: Mapped[str] = mapped_column(Text, default="")
    # The pupil
    strengths: Mapped[str] = mapped_column(Text, default="")
    barriers: Mapped[str] = mapped_column(Text, default="")
    past_interventions: Mapped[str] = mapped_column(Text, default="")
    # Why AP, and what it should achieve
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    reason_other: Mapped[str] = mapped_column(Text, default="")
    expected_outcomes: Mapped[str] = mapped_column(Text, default="")
    # The proposal
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    proposed_start: Mapped[date | None] = mapped_column(Date)
    proposed_end: Mapped[date | None] = mapped_column(Date)
    first_review_on: Mapped[date | None] = mapped_column(Date)
    # Views and agreement with parents (Annual Review or Interim Review)
    parent_views: Mapped[str] = mapped_column(Text, default="")
    pupil_views: Mapped[str] = mapped_column(Text, default="")
    agreed_on: Mapped[date | None] = mapped_column(Date)
    agreed_at_review: Mapped[str] = mapped_column(String(12), default="")
    # Set on approval
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), unique=True)
    agreed_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    cost_basis: Mapped[str] = mapped_column(String(12), default="")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    student: Mapped[Student] = relationship()
    provider: Mapped[Provider | None] = relationship()
    placement: Mapped[Placement | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    objectives: Mapped[list[ReferralObjective]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralObjective.position"
    )
    risks: Mapped[list[ReferralRisk]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralRisk.position"
    )
    sessions: Mapped[list[ReferralSession]] = relationship(
        back_populates="referral",
        cascade="all, delete-orphan",
        order_by="(ReferralSession.weekday, ReferralSession.start_time)",
    )
    sections: Mapped[list[ReferralSection]] = relationship(back_populates="referral", cascade="all, delete-orphan")
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEvent.id"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS[code] for code in self.reasons or [] if code in REASON_LABELS]

    @property
    def latest_return(self) -> ReferralEvent | None:
        returned = [e for e in self.events if e.action == "returned"]
        return returned[-1] if returned else None


class _ReferralLine:
    """A line of one of the referral's numbered lists (objectives, risks), in `position` order."""

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class ReferralObjective(_ReferralLine, SchoolOwned, IdColumn, db.Model):
    """One measurable objective of the placement: what, and how we will know."""

    __tablename__ = "referral_objectives"

    objective: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="objectives")

    @property
    def as_line(self) -> str:
        return f"{self.objective} (measured by: {self.measure})"


class ReferralRisk(_ReferralLine, SchoolOwned, IdColumn, db.Model):
    """A line of the risk assessment: hazard, triggers, controls, likelihood x severity."""

    __tablename__ = "referral_risks"

    hazard: Mapped[str] = mapped_column(Text)
    triggers: Mapped[str] = mapped_column(Text, default="")
    controls: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[int] = mapped_column(Integer)
    severity: Mapped[int] = mapped_column(Integer)

    referral: Mapped[Referral] = relationship(back_populates="risks")

    @property
    def score(self) -> int:
        return self.likelihood * self.severity

    @property
    def band(self) -> str:
        return risk_band(self.score)


class ReferralSession(WeeklySessionColumns, SchoolOwned, IdColumn, db.Model):
    """A session of the proposed weekly timetable; copied to the placement on approval."""

    __tablename__ = "referral_sessions"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)

    referral: Mapped[Referral] = relationship(back_populates="sessions")


class ReferralSection(SchoolOwned, IdColumn, db.Model):
    """Progress on one section: completed (validated) and/or an autosaved draft of what was typed."""

    __tablename__ = "referral_sections"
    __table_args__ = (UniqueConstraint("referral_id", "key"),)

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raw form input not yet saved as a complete section: {field name: [values]}.
    draft: Mapped[dict | None] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="sections")


class ReferralEvent(SchoolOwned, IdColumn, db.Model):
    """Every step of the workflow, with who and when (created, submitted, returned, approved ...)."""

    __tablename__ = "referral_events"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()
