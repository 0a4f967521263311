"""Providers: the off-site settings the school commissions, and each one's commissioning record.

The record has one table per part the policy names. Whether a provider is cleared is computed
from these rows (providers/services.py), never typed in.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ap_forms.checklists.models import AnsweredChecklist, ChecklistAnswerColumns, ChecklistVersion
from ap_forms.documents.models import Document
from ap_forms.extensions import db
from ap_forms.web.clock import utcnow
from ap_forms.web.model_mixins import IdColumn, label_property
from ap_forms.web.tenancy import SchoolOwned

REGISTRATION_TYPES = {
    "independent_school": "Registered independent school",
    "ofsted_other": "Registered with Ofsted (other registration)",
    "fe_college": "Further education college",
    "unregistered": "Not registered (part-time provision)",
}
OFSTED_JUDGEMENTS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_inspected": "Not yet inspected",
}
# The school census's "AP type of setting", for a provider with neither a URN nor a UKPRN (issue 12).
SETTING_TYPES = {
    "NFE": "Non-maintained further education provision",
    "OOT": "One-to-one tuition",
    "OTH": "Other unregistered provider",
    "WBP": "Work-based placement",
}
COST_BASES = {"session": "Per session", "day": "Per day", "term": "Per term"}
POLICY_KINDS = {
    "safeguarding": "Safeguarding",
    "e_safety": "E-safety",
    "data_protection": "Data protection",
    "health_safety": "Health and safety",
}
ANSWERS = {"yes": "Yes", "no": "No", "na": "Not applicable"}


class Provider(IdColumn, db.Model):
    __tablename__ = "providers"

    name: Mapped[str] = mapped_column(String(160), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    ofsted_urn: Mapped[str | None] = mapped_column(String(20))
    # For the school census (issue 12): the UK provider reference number, or the kind of setting when
    # the provider has neither a URN nor a UKPRN.
    ukprn: Mapped[str | None] = mapped_column(String(8))
    setting_type: Mapped[str] = mapped_column(String(30), default="", server_default="")
    la_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    registration_type: Mapped[str] = mapped_column(String(30), default="", server_default="")
    ofsted_judgement: Mapped[str] = mapped_column(String(30), default="", server_default="")
    ofsted_judgement_date: Mapped[date | None] = mapped_column(Date)
    # A change of staff means the school needs new written confirmation of vetting checks.
    staff_changed_on: Mapped[date | None] = mapped_column(Date)
    staff_change_note: Mapped[str] = mapped_column(String(300), default="", server_default="")

    sites: Mapped[list[ProviderSite]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="ProviderSite.name"
    )
    key_workers = relationship(
        "User",
        viewonly=True,
        order_by="User.name",
        primaryjoin="and_(User.provider_id == Provider.id, User.role == 'key_worker', User.active)",
    )
    agreement: Mapped[ServiceAgreement | None] = relationship(back_populates="provider", uselist=False)
    documentation_check: Mapped[DocumentationCheck | None] = relationship(back_populates="provider", uselist=False)
    policies: Mapped[list[ProviderPolicy]] = relationship(back_populates="provider")
    vetting_confirmations: Mapped[list[VettingConfirmation]] = relationship(
        back_populates="provider", order_by="(VettingConfirmation.received_on.desc(), VettingConfirmation.id.desc())"
    )
    trust_policy: Mapped[TrustPolicyRecord | None] = relationship(back_populates="provider", uselist=False)
    trainings: Mapped[list[TrainingRecord]] = relationship(
        back_populates="provider", order_by="(TrainingRecord.attended_on.desc(), TrainingRecord.id.desc())"
    )
    safeguarding_checklists: Mapped[list[SafeguardingChecklist]] = relationship(
        back_populates="provider", order_by="SafeguardingChecklist.id.desc()"
    )

    registration_label = label_property("registration_type", REGISTRATION_TYPES, "Not recorded")

    judgement_label = label_property("ofsted_judgement", OFSTED_JUDGEMENTS, "")

    def policy(self, kind: str) -> ProviderPolicy | None:
        return next((p for p in self.policies if p.kind == kind), None)

    @property
    def latest_vetting(self) -> VettingConfirmation | None:
        return self.vetting_confirmations[0] if self.vetting_confirmations else None

    @property
    def latest_safeguarding_training(self) -> TrainingRecord | None:
        return next((t for t in self.trainings if t.includes_safeguarding), None)

    @property
    def signed_off_checklist(self) -> SafeguardingChecklist | None:
        """The most recently signed-off safeguarding checklist."""
        signed = [c for c in self.safeguarding_checklists if c.completed_on]
        return max(signed, key=lambda c: (c.completed_on, c.id), default=None)

    @property
    def draft_checklist(self) -> SafeguardingChecklist | None:
        return next((c for c in self.safeguarding_checklists if c.completed_on is None), None)

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name}>"


class ProviderSite(IdColumn, db.Model):
    __tablename__ = "provider_sites"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text)

    provider: Mapped[Provider] = relationship(back_populates="sites")


class _Recorded:
    """Who recorded a part of the record (the person who checked it), and when."""

    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ServiceAgreement(_Recorded, SchoolOwned, IdColumn, db.Model):
    __tablename__ = "service_agreements"
    # Each school agrees its own terms with a provider the trust has checked (issue 17).
    __table_args__ = (UniqueConstraint("school_id", "provider_id"),)

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    terms: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    school_signed_on: Mapped[date | None] = mapped_column(Date)
    provider_signed_on: Mapped[date | None] = mapped_column(Date)
    cost_basis: Mapped[str] = mapped_column(String(10))
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))

    provider: Mapped[Provider] = relationship(back_populates="agreement")
    recorded_by = relationship("User")

    @property
    def cost_label(self) -> str:
        return f"£{self.rate:,.2f} {COST_BASES.get(self.cost_basis, '').lower()}".strip()


class DocumentationCheck(_Recorded, IdColumn, db.Model):
    """Risk assessments and documentation checked."""

    __tablename__ = "documentation_checks"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), unique=True)
    checked_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")

    provider: Mapped[Provider] = relationship(back_populates="documentation_check")
    recorded_by = relationship("User")


class ProviderPolicy(_Recorded, IdColumn, db.Model):
    """One of the provider's policies, seen by the school, with the provider's own review date."""

    __tablename__ = "provider_policies"
    __table_args__ = (UniqueConstraint("provider_id", "kind"),)

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    review_date: Mapped[date] = mapped_column(Date)

    provider: Mapped[Provider] = relationship(back_populates="policies")
    recorded_by = relationship("User")

    label = label_property("kind", POLICY_KINDS)


class VettingConfirmation(_Recorded, IdColumn, db.Model):
    """The provider's written confirmation that the adults working with pupils have been checked."""

    __tablename__ = "vetting_confirmations"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    staff_names: Mapped[str] = mapped_column(Text)  # one name a line
    enhanced_dbs_barred: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[str] = mapped_column(String(120), default="")

    provider: Mapped[Provider] = relationship(back_populates="vetting_confirmations")
    recorded_by = relationship("User")

    @property
    def staff(self) -> list[str]:
        return [line.strip() for line in self.staff_names.splitlines() if line.strip()]


class TrustPolicyRecord(_Recorded, IdColumn, db.Model):
    """The Trust Safeguarding and Child Protection Policy: sent to the provider and acknowledged."""

    __tablename__ = "trust_policy_records"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), unique=True)
    sent_on: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)

    provider: Mapped[Provider] = relationship(back_populates="trust_policy")
    recorded_by = relationship("User")


class TrainingRecord(_Recorded, IdColumn, db.Model):
    """CPD the provider's staff attended (the policy asks for annual safeguarding training)."""

    __tablename__ = "training_records"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    attended_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    includes_safeguarding: Mapped[bool] = mapped_column(Boolean, default=True)
    attendees: Mapped[str] = mapped_column(Text, default="")

    provider: Mapped[Provider] = relationship(back_populates="trainings")
    recorded_by = relationship("User")


class SafeguardingChecklist(AnsweredChecklist, IdColumn, db.Model):
    """One year's safeguarding checklist for a provider, answered against one checklist version."""

    __tablename__ = "safeguarding_checklists"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_on: Mapped[date | None] = mapped_column(Date)  # signed off
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    provider: Mapped[Provider] = relationship(back_populates="safeguarding_checklists")
    version: Mapped[ChecklistVersion] = relationship()
    started_by = relationship("User", foreign_keys=[started_by_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    answers: Mapped[list[SafeguardingAnswer]] = relationship(back_populates="checklist", cascade="all, delete-orphan")


class SafeguardingAnswer(ChecklistAnswerColumns, IdColumn, db.Model):
    __tablename__ = "safeguarding_answers"
    __table_args__ = (UniqueConstraint("checklist_id", "item_id"),)

    checklist_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_checklists.id"), index=True)
    answer: Mapped[str] = mapped_column(String(3))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    checklist: Mapped[SafeguardingChecklist] = relationship(back_populates="answers")
    document: Mapped[Document | None] = relationship()
    answered_by = relationship("User")

    label = label_property("answer", ANSWERS)
