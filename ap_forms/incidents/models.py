"""Reports of safeguarding concerns, allegations, serious behaviour incidents and H&S breaches.

- Report: one row per report, whatever its kind. A draft belongs to its reporter alone; once
  submitted it is read by the school (concerns and allegations: the DSL and headteacher only;
  incidents and H&S breaches: the SEND lead and headteacher) and, as a receipt, by its reporter.
- ReportAction: what the school did about it (who, what, when): actions, decisions with reasons,
  the outcome, a decision to withdraw or continue the placement.
- ReportAlert: each alert email sent (new, escalation), so the escalation command never repeats one.
- ReportOpening: each time a school reader opened a concern (the DSL sees who opened it).
- SafeguardingFlag: "has a safeguarding record — speak to the DSL", all other staff see.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.students.models import Student
from ap_forms.web.audit import utcnow
from ap_forms.web.model_mixins import IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

CONCERN, ALLEGATION, BEHAVIOUR, HEALTH_SAFETY = "concern", "allegation", "behaviour", "health_safety"
KINDS = {
    CONCERN: "Safeguarding concern about a pupil",
    ALLEGATION: "Concern or allegation about an adult",
    BEHAVIOUR: "Serious behaviour incident",
    HEALTH_SAFETY: "Health and safety breach or accident",
}
SHORT_KINDS = {
    CONCERN: "Safeguarding concern",
    ALLEGATION: "Allegation about an adult",
    BEHAVIOUR: "Serious incident",
    HEALTH_SAFETY: "Health and safety",
}
REFERENCE_PREFIX = {CONCERN: "SG", ALLEGATION: "AL", BEHAVIOUR: "IN", HEALTH_SAFETY: "HS"}
# Read only by the DSL and the headteacher.
SAFEGUARDING_KINDS = frozenset({CONCERN, ALLEGATION})
# Read by the SEND lead and the headteacher.
INCIDENT_KINDS = frozenset({BEHAVIOUR, HEALTH_SAFETY})

DRAFT, OPEN, CLOSED = "draft", "open", "closed"

YES_NO = [("yes", "Yes"), ("no", "No")]
SAFE_NOW = [("yes", "Yes, the pupil is safe now"), ("no", "No, or I am not sure")]
SUBJECT_ROLES = [
    ("provider_staff", "Provider staff"),
    ("volunteer", "Volunteer"),
    ("school_staff", "School staff"),
    ("other", "Someone else"),
]
INTERVENTIONS = [
    ("guide", "Guiding or escorting"),
    ("hold", "Standing or seated hold"),
    ("restraint", "Restrictive physical intervention"),
    ("other", "Other"),
]

# The body outline: each region a checkbox without JavaScript, a clickable part of the drawing with it.
BODY_REGIONS = [
    ("front_head", "Head and face (front)"),
    ("front_neck", "Neck (front)"),
    ("front_chest", "Chest"),
    ("front_abdomen", "Stomach"),
    ("front_left_arm", "Left arm (front)"),
    ("front_right_arm", "Right arm (front)"),
    ("front_left_hand", "Left hand"),
    ("front_right_hand", "Right hand"),
    ("front_groin", "Groin"),
    ("front_left_leg", "Left leg (front)"),
    ("front_right_leg", "Right leg (front)"),
    ("back_head", "Back of the head"),
    ("back_neck", "Back of the neck"),
    ("back_upper", "Upper back"),
    ("back_lower", "Lower back"),
    ("back_left_arm", "Left arm (back)"),
    ("back_right_arm", "Right arm (back)"),
    ("back_buttocks", "Buttocks"),
    ("back_left_leg", "Left leg (back)"),
    ("back_right_leg", "Right leg (back)"),
]
BODY_REGION_LABELS = dict(BODY_REGIONS)

# What the DSL (or the SEND lead, for incidents) records.
CONCERN_ACTIONS = [
    ("spoke_pupil", "Spoke with the pupil"),
    ("spoke_parent", "Spoke with the parent or carer"),
    ("mash", "Referral to children's social care (MASH)"),
    ("police", "Reported to the police"),
    ("lado", "Referral to the LADO"),
    ("early_help", "Early help"),
    ("monitoring", "Monitoring"),
    ("decision", "Decision"),
    ("other", "Other action"),
]
INCIDENT_ACTIONS = [
    ("spoke_provider", "Spoke with the provider"),
    ("spoke_parent", "Spoke with the parent or carer"),
    ("spoke_pupil", "Spoke with the pupil"),
    ("riddor", "Reported to the HSE (RIDDOR)"),
    ("risk_assessment", "Risk assessment updated"),
    ("decision", "Decision"),
    ("other", "Other action"),
]
# Recorded by the system, not chosen from the lists above.
WITHDRAWN, CONTINUED, CLOSED_ACTION = "withdrawn", "continued", "closed"
ACTION_LABELS = {
    **dict(CONCERN_ACTIONS),
    **dict(INCIDENT_ACTIONS),
    WITHDRAWN: "Placement withdrawn",
    CONTINUED: "Decision to continue the placement",
    CLOSED_ACTION: "Closed",
}

NEW_ALERT, ESCALATION = "new", "escalation"


class Report(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "incident_reports"

    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT, index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    # Where it happened: the reporter's provider (key workers), or a provider chosen by school staff.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime)  # local time, as the reporter gave it
    location: Mapped[str] = mapped_column(Text, default="")
    people_present: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")  # what was seen or heard / what happened
    pupil_words: Mapped[str] = mapped_column(Text, default="")
    injuries: Mapped[str] = mapped_column(Text, default="")  # the text description: the required form
    body_marks: Mapped[list] = mapped_column(JSON, default=list)  # keys of BODY_REGIONS
    action_taken: Mapped[str] = mapped_column(Text, default="")
    pupil_safe: Mapped[str] = mapped_column(String(5), default="")
    # An allegation about an adult
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    subject_role: Mapped[str] = mapped_column(String(20), default="")
    subject_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    # A serious behaviour incident
    antecedents: Mapped[str] = mapped_column(Text, default="")
    physical_intervention: Mapped[str] = mapped_column(String(5), default="")
    intervention_type: Mapped[str] = mapped_column(String(20), default="")
    intervention_by: Mapped[str] = mapped_column(String(200), default="")
    intervention_minutes: Mapped[int | None] = mapped_column(Integer)
    damage: Mapped[str] = mapped_column(Text, default="")
    parents_told: Mapped[str] = mapped_column(String(5), default="")
    # A health and safety breach
    who_affected: Mapped[str] = mapped_column(Text, default="")
    riddor: Mapped[str] = mapped_column(String(5), default="")
    # The school's side
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # UTC

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    student: Mapped[Student | None] = relationship()
    provider: Mapped[Provider | None] = relationship(foreign_keys=[provider_id])
    subject_provider: Mapped[Provider | None] = relationship(foreign_keys=[subject_provider_id])
    actions: Mapped[list[ReportAction]] = relationship(back_populates="report", order_by="ReportAction.id")

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX.get(self.kind, 'R')}-{self.id:05d}"

    kind_label = label_property("kind", KINDS)

    short_kind = label_property("kind", SHORT_KINDS)

    @property
    def is_safeguarding(self) -> bool:
        return self.kind in SAFEGUARDING_KINDS

    @property
    def body_mark_labels(self) -> list[str]:
        return [BODY_REGION_LABELS[k] for k in (self.body_marks or []) if k in BODY_REGION_LABELS]

    subject_role_label = label_property("subject_role", SUBJECT_ROLES, "")

    intervention_label = label_property("intervention_type", INTERVENTIONS, "")


class ReportAction(SchoolOwned, IdColumn, db.Model):
    __tablename__ = "incident_actions"

    report_id: Mapped[int] = mapped_column(ForeignKey("incident_reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    taken_on: Mapped[date] = mapped_column(Date)
    taken_by: Mapped[str] = mapped_column(String(200), default="")  # who did it (may be someone outside the app)
    details: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # a decision's reasons
    review_on: Mapped[date | None] = mapped_column(Date)  # a decision to continue: when to review it
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="actions")
    recorded_by: Mapped[User] = relationship()

    label = label_property("kind", ACTION_LABELS)


class ReportAlert(SchoolOwned, IdColumn, db.Model):
    """One alert email about one report, stored once the SMTP server accepted it."""

    __tablename__ = "incident_alerts"
    __table_args__ = (UniqueConstraint("report_id", "kind"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("incident_reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    sent_to: Mapped[str] = mapped_column(Text)
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime)  # UTC


class ReportOpening(SchoolOwned, IdColumn, db.Model):
    """Someone at the school opened a report (also written to the audit log)."""

    __tablename__ = "incident_openings"

    report_id: Mapped[int] = mapped_column(ForeignKey("incident_reports.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class SafeguardingFlag(SchoolOwned, IdColumn, db.Model):
    """'Has a safeguarding record: speak to the DSL'. Staff see the flag and nothing more."""

    __tablename__ = "safeguarding_flags"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), unique=True)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
