"""Providers' commissioning record: the computed status, the gate, and every write.

The policy: before commissioning, the provider must be Ofsted registered and/or on the local
authority's approved list, have a signed Service Level Agreement, have had its risk assessments
and documentation checked, have its policies in place, have confirmed in writing that its staff
are vetted, have received the Trust's safeguarding policy, attend annual safeguarding training,
and have a completed safeguarding checklist. `commissioning_status` turns that into plain words.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from ap_forms.checklists.models import ChecklistVersion
from ap_forms.checklists.services import current_version
from ap_forms.documents.models import Document
from ap_forms.documents.services import add_document, commit_or_discard
from ap_forms.extensions import db
from ap_forms.providers.models import (
    ANSWERS,
    POLICY_KINDS,
    DocumentationCheck,
    Provider,
    ProviderPolicy,
    ProviderSite,
    SafeguardingAnswer,
    SafeguardingChecklist,
    ServiceAgreement,
    TrainingRecord,
    TrustPolicyRecord,
    VettingConfirmation,
)
from ap_forms.web import audit, clock
from ap_forms.web.templating import date_words

EXPIRY_WINDOW_DAYS = 30
CLEARED, EXPIRING, NOT_CLEARED = "cleared", "expiring", "not_cleared"
STATE_LABELS = {CLEARED: "Cleared", EXPIRING: "Expiring soon", NOT_CLEARED: "Not cleared"}
CHECKLIST_KIND = "safeguarding"

# What an evidence document is evidence of (Document.topic for providers' documents).
EVIDENCE_TOPICS = {
    "agreement": "Service Level Agreement",
    "documentation": "Risk assessments and documentation",
    **{f"policy_{kind}": f"{label} policy" for kind, label in POLICY_KINDS.items()},
    "vetting": "Written confirmation of staff vetting checks",
    "trust_policy": "Acknowledgement of the Trust safeguarding policy",
    "training": "CPD and safeguarding training",
    "insurance": "Insurance certificates",
    "checklist": "Safeguarding checklist evidence",
    "other": "Something else",
}


class ProviderError(ValueError):
    """A write refused for a reason the person can fix; `field` names the form field if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ProviderNotCleared(Exception):
    """Raised by the commissioning gate; `problems` says, in plain words, what is missing."""

    def __init__(self, provider: Provider, problems: list[str]):
        super().__init__(f"{provider.name} is not cleared for commissioning: " + "; ".join(problems))
        self.provider = provider
        self.problems = problems


# --- Status --------------------------------------------------------------------------------


def add_years(day: date, years: int = 1) -> date:
    """The same date `years` later (29 February becomes 28 February)."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass
class PartStatus:
    """One part of the commissioning record: what is wrong with it, and what falls due soon."""

    key: str
    title: str
    problems: list[str] = field(default_factory=list)
    expiring: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def state(self) -> str:
        return NOT_CLEARED if self.problems else EXPIRING if self.expiring else CLEARED


@dataclass
class CommissioningStatus:
    state: str
    label: str
    is_cleared: bool
    problems: list[str]
    expiring: list[str]
    parts: list[PartStatus]


def _check_valid_until(part: PartStatus, valid_until: date, today: date, *, lapsed: str, due: str) -> None:
    """A thing valid up to and including `valid_until`: expired after it, expiring within 30 days."""
    if today > valid_until:
        part.problems.append(lapsed)
    elif valid_until <= today + timedelta(days=EXPIRY_WINDOW_DAYS):
        part.expiring.append(due)


def _fmt(day: date) -> str:
    return date_words(day)


def _registration(provider: Provider, today: date) -> PartStatus:  # noqa: ARG001
    part = PartStatus("registration", "Ofsted registration or local authority approved list")
    if not (provider.ofsted_urn or provider.la_approved):
        part.problems.append("Not Ofsted registered and not on the local authority's approved provider list")
    part.summary = (
        " · ".join(
            filter(
                None,
                [
                    f"Ofsted URN {provider.ofsted_urn}" if provider.ofsted_urn else "",
                    "On the LA approved list" if provider.la_approved else "",
                ],
            )
        )
        or "Neither recorded"
    )
    return part


def _agreement(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("agreement", "Service Level Agreement")
    sla = provider.agreement
    if sla is None:
        part.problems.append("No Service Level Agreement recorded")
        return part
    part.summary = f"{_fmt(sla.start_date)} to {_fmt(sla.end_date)} · {sla.cost_label}"
    if sla.school_signed_on is None:
        part.problems.append("Service Level Agreement not signed by the school")
    if sla.provider_signed_on is None:
        part.problems.append("Service Level Agreement not signed by the provider")
    if sla.start_date > today:
        part.problems.append(f"Service Level Agreement does not start until {_fmt(sla.start_date)}")
    _check_valid_until(
        part,
        sla.end_date,
        today,
        lapsed=f"Service Level Agreement ended on {_fmt(sla.end_date)}",
        due=f"Service Level Agreement ends on {_fmt(sla.end_date)}",
    )
    return part


def _documentation(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("documentation", "Risk assessments and documentation checked")
    check = provider.documentation_check
    if check is None:
        part.problems.append("Risk assessments and documentation not checked")
        return part
    renew_by = add_years(check.checked_on)
    part.summary = f"Checked {_fmt(check.checked_on)}" + (f" by {check.recorded_by.name}" if check.recorded_by else "")
    _check_valid_until(
        part,
        renew_by,
        today,
        lapsed=f"Risk assessments and documentation last checked on {_fmt(check.checked_on)}: check them again",
        due=f"Risk assessments and documentation due to be checked again by {_fmt(renew_by)}",
    )
    return part


def _policies(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("policies", "Policies in place")
    seen = []
    for kind, label in POLICY_KINDS.items():
        policy = provider.policy(kind)
        if policy is None:
            part.problems.append(f"No {label.lower()} policy seen")
            continue
        seen.append(label)
        _check_valid_until(
            part,
            policy.review_date,
            today,
            lapsed=f"{label} policy was due for review on {_fmt(policy.review_date)}: ask for the reviewed policy",
            due=f"{label} policy is due for review on {_fmt(policy.review_date)}",
        )
    part.summary = f"{len(seen)} of {len(POLICY_KINDS)} seen"
    return part


def _normal_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _staff_change_after(provider: Provider, letter: VettingConfirmation) -> bool:
    """Does the recorded change of staff need a newer confirmation than `letter`?

    A change on a later day always does. On the same day, the letter covers the change only if it
    was recorded after the change was recorded (the audit log holds when that was); otherwise the
    school cannot know the new person was covered, so it asks for a new confirmation.
    """
    if provider.staff_changed_on != letter.received_on:
        return provider.staff_changed_on > letter.received_on
    change_recorded_at = db.session.scalar(
        select(func.max(audit.AuditEvent.at)).where(
            audit.AuditEvent.action == "provider_staff_changed",
            audit.AuditEvent.record_type == "provider",
            audit.AuditEvent.record_id == str(provider.id),
        )
    )
    return change_recorded_at is None or letter.recorded_at is None or letter.recorded_at <= change_recorded_at


def _vetting(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("vetting", "Written confirmation of staff vetting checks")
    letter = provider.latest_vetting
    if letter is None:
        part.problems.append("No written confirmation of staff vetting checks")
        return part
    part.summary = f"Received {_fmt(letter.received_on)} · {len(letter.staff)} staff named"
    if not letter.enhanced_dbs_barred:
        part.problems.append(
            "Written confirmation does not say every adult has an enhanced DBS check with a barred list check"
        )
    covered = {_normal_name(name) for name in letter.staff}
    missing = [kw.name for kw in provider.key_workers if _normal_name(kw.name) not in covered]
    if missing:
        part.problems.append("Written confirmation of vetting checks does not name " + ", ".join(missing))
    if provider.staff_changed_on and _staff_change_after(provider, letter):
        part.problems.append(
            f"Staff changed on {_fmt(provider.staff_changed_on)}: ask for new written confirmation of vetting checks"
        )
    renew_by = add_years(letter.received_on)
    _check_valid_until(
        part,
        renew_by,
        today,
        lapsed=f"Written confirmation of vetting checks is from {_fmt(letter.received_on)}: ask for a new one",
        due=f"Written confirmation of vetting checks due again by {_fmt(renew_by)}",
    )
    return part


def _trust_policy(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("trust_policy", "Trust Safeguarding and Child Protection Policy")
    record = provider.trust_policy
    if record is None:
        part.problems.append("Trust Safeguarding and Child Protection Policy not sent to the provider")
        return part
    if record.acknowledged_on is None:
        part.summary = f"Sent {_fmt(record.sent_on)}, not acknowledged yet"
        part.problems.append("Provider has not acknowledged the Trust Safeguarding and Child Protection Policy")
        return part
    part.summary = f"Sent {_fmt(record.sent_on)}, acknowledged {_fmt(record.acknowledged_on)}"
    renew_by = add_years(record.acknowledged_on)
    _check_valid_until(
        part,
        renew_by,
        today,
        lapsed=f"Trust Safeguarding and Child Protection Policy last acknowledged on "
        f"{_fmt(record.acknowledged_on)}: send the current policy again",
        due=f"Trust Safeguarding and Child Protection Policy to be sent again by {_fmt(renew_by)}",
    )
    return part


def _training(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("training", "Annual CPD and safeguarding training")
    latest = provider.latest_safeguarding_training
    if latest is None:
        part.problems.append("No safeguarding training recorded")
        return part
    part.summary = f"{latest.title}, {_fmt(latest.attended_on)}"
    renew_by = add_years(latest.attended_on)
    _check_valid_until(
        part,
        renew_by,
        today,
        lapsed=f"Safeguarding training last attended on {_fmt(latest.attended_on)}: annual training is overdue",
        due=f"Annual safeguarding training due by {_fmt(renew_by)}",
    )
    return part


def _checklist(provider: Provider, today: date) -> PartStatus:
    part = PartStatus("checklist", "Safeguarding checklist")
    checklist = provider.signed_off_checklist
    if checklist is None:
        part.problems.append("Safeguarding checklist not completed and signed off")
        if provider.draft_checklist:
            part.summary = "In progress"
        return part
    renew_by = add_years(checklist.completed_on)
    part.summary = f"Signed off {_fmt(checklist.completed_on)}"
    _check_valid_until(
        part,
        renew_by,
        today,
        lapsed=f"Safeguarding checklist signed off on {_fmt(checklist.completed_on)} needs renewing",
        due=f"Safeguarding checklist to be renewed by {_fmt(renew_by)}",
    )
    return part


PART_CHECKS = (_registration, _agreement, _documentation, _policies, _vetting, _trust_policy, _training, _checklist)


def commissioning_status(provider: Provider, today: date | None = None) -> CommissioningStatus:
    """Cleared, expiring soon (something due within 30 days) or not cleared, with the reasons."""
    today = today or clock.today()
    parts = [check(provider, today) for check in PART_CHECKS]
    problems = [p for part in parts for p in part.problems]
    expiring = [e for part in parts for e in part.expiring]
    state = NOT_CLEARED if problems else EXPIRING if expiring else CLEARED
    return CommissioningStatus(
        state=state,
        label=STATE_LABELS[state],
        is_cleared=state != NOT_CLEARED,
        problems=problems,
        expiring=expiring,
        parts=parts,
    )


def ensure_provider_cleared(provider: Provider, today: date | None = None) -> CommissioningStatus:
    """The commissioning gate: raise ProviderNotCleared unless the provider is cleared."""
    status = commissioning_status(provider, today)
    if not status.is_cleared:
        raise ProviderNotCleared(provider, status.problems)
    return status


# --- Reads ---------------------------------------------------------------------------------


def with_record(query):
    """Load everything the status needs in a fixed number of queries, however many providers."""
    return query.options(
        selectinload(Provider.agreement),
        selectinload(Provider.documentation_check).selectinload(DocumentationCheck.recorded_by),
        selectinload(Provider.policies),
        selectinload(Provider.vetting_confirmations),
        selectinload(Provider.trust_policy),
        selectinload(Provider.trainings),
        selectinload(Provider.safeguarding_checklists),
        selectinload(Provider.key_workers),
    )


def load_providers(ids: Iterable[int] | None = None) -> list[Provider]:
    query = with_record(select(Provider)).order_by(Provider.name)
    if ids is not None:
        query = query.where(Provider.id.in_(list(ids)))
    return list(db.session.scalars(query))


def statuses_for(providers: Iterable[Provider], today: date | None = None) -> dict[int, CommissioningStatus]:
    return {p.id: commissioning_status(p, today) for p in providers}


def list_providers(state: str | None = None, today: date | None = None):
    """[(provider, status)] ordered by name, optionally only those in one state; and counts per state."""
    rows = [(p, commissioning_status(p, today)) for p in load_providers()]
    counts = {s: sum(1 for _, st in rows if st.state == s) for s in STATE_LABELS}
    if state in STATE_LABELS:
        rows = [(p, st) for p, st in rows if st.state == state]
    return rows, counts


def get_provider_or_404(provider_id: int) -> Provider:
    query = with_record(select(Provider)).where(Provider.id == provider_id).options(selectinload(Provider.sites))
    return db.first_or_404(query)


def get_checklist_or_404(provider: Provider, checklist_id: int) -> SafeguardingChecklist:
    query = (
        select(SafeguardingChecklist)
        .where(SafeguardingChecklist.id == checklist_id, SafeguardingChecklist.provider_id == provider.id)
        .options(
            selectinload(SafeguardingChecklist.version).selectinload(ChecklistVersion.items),
            selectinload(SafeguardingChecklist.answers).selectinload(SafeguardingAnswer.document),
            selectinload(SafeguardingChecklist.completed_by),
        )
    )
    return db.first_or_404(query)


def what_school_needs(provider: Provider, today: date | None = None) -> dict:
    """What a key worker sees: the status, what is missing or due, and checklist items answered No."""
    status = commissioning_status(provider, today)
    draft = provider.draft_checklist
    open_items = []
    if draft:
        open_items = [
            (a.item, a.comment) for a in sorted(draft.answers, key=lambda a: a.item.position) if a.answer == "no"
        ]
    return {"commissioning": status, "open_items": open_items}


# --- Writes --------------------------------------------------------------------------------

PROVIDER_FIELDS = (
    "name",
    "registration_type",
    "ofsted_urn",
    "ofsted_judgement",
    "ofsted_judgement_date",
    "la_approved",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "ukprn",
    "setting_type",
)


def _name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(func.count(Provider.id)).where(func.lower(Provider.name) == name.lower())
    if except_id is not None:
        query = query.where(Provider.id != except_id)
    return db.session.scalar(query) > 0


def _apply_provider_values(provider: Provider, values: dict) -> list[str]:
    values = {**values, "name": " ".join(values["name"].split()), "ofsted_urn": values.get("ofsted_urn") or None}
    if not values.get("ofsted_urn"):
        values["ofsted_judgement"], values["ofsted_judgement_date"] = "", None
    if _name_taken(values["name"], provider.id):
        raise ProviderError("There is already a provider with this name", field="name")
    changed = [f for f in PROVIDER_FIELDS if getattr(provider, f) != values[f]]
    for name in PROVIDER_FIELDS:
        setattr(provider, name, values[name])
    return changed


def create_provider(values: dict, *, actor) -> Provider:
    provider = Provider()
    _apply_provider_values(provider, values)
    db.session.add(provider)
    db.session.flush()
    audit.record("provider_created", "provider", provider.id, fields=list(PROVIDER_FIELDS), user=actor)
    db.session.commit()
    return provider


def update_provider(provider: Provider, values: dict, *, actor) -> Provider:
    changed = _apply_provider_values(provider, values)
    if changed:
        audit.record("provider_updated", "provider", provider.id, fields=changed, user=actor)
    db.session.commit()
    return provider


def add_site(provider: Provider, *, name: str, address: str, actor) -> ProviderSite:
    site = ProviderSite(provider=provider, name=" ".join(name.split()), address=address.strip())
    db.session.add(site)
    db.session.flush()
    audit.record("provider_site_added", "provider", provider.id, detail=site.name, user=actor)
    db.session.commit()
    return site


def remove_site(provider: Provider, site_id: int, *, actor) -> None:
    site = db.session.scalar(
        select(ProviderSite).where(ProviderSite.id == site_id, ProviderSite.provider_id == provider.id)
    )
    if site is None:
        abort(404)
    audit.record("provider_site_removed", "provider", provider.id, detail=site.name, user=actor)
    db.session.delete(site)
    db.session.commit()


def _attach(
    provider: Provider, evidence: FileStorage | None, topic: str, description: str, actor, stored: list[Document]
) -> Document | None:
    if evidence is None or not getattr(evidence, "filename", ""):
        return None
    document = add_document(evidence, topic=topic, description=description, provider_id=provider.id, actor=actor)
    stored.append(document)
    return document


def _save_part(provider: Provider, row, values: dict, *, action: str, evidence, topic: str, actor):
    """Write the values onto a part's row, audit which fields changed, store evidence, commit."""
    changed = [name for name, value in values.items() if getattr(row, name, None) != value]
    for name, value in values.items():
        setattr(row, name, value)
    row.recorded_by_id = actor.id if actor else None
    if row.id is None:
        db.session.add(row)
    db.session.flush()
    stored: list[Document] = []
    _attach(provider, evidence, topic, EVIDENCE_TOPICS[topic], actor, stored)
    audit.record(action, "provider", provider.id, fields=changed or None, detail=row.__tablename__, user=actor)
    commit_or_discard(stored)
    return row


def save_agreement(
    provider: Provider,
    *,
    terms: str,
    start_date: date,
    end_date: date,
    school_signed_on: date | None,
    provider_signed_on: date | None,
    cost_basis: str,
    rate: Decimal,
    evidence: FileStorage | None = None,
    actor,
) -> ServiceAgreement:
    if end_date < start_date:
        raise ProviderError("The end date must be on or after the start date", field="end_date")
    row = provider.agreement or ServiceAgreement(provider_id=provider.id)
    return _save_part(
        provider,
        row,
        {
            "terms": terms.strip(),
            "start_date": start_date,
            "end_date": end_date,
            "school_signed_on": school_signed_on,
            "provider_signed_on": provider_signed_on,
            "cost_basis": cost_basis,
            "rate": rate,
        },
        action="agreement_saved",
        evidence=evidence,
        topic="agreement",
        actor=actor,
    )


def save_documentation_check(
    provider: Provider, *, checked_on: date, notes: str, evidence: FileStorage | None = None, actor
) -> DocumentationCheck:
    row = provider.documentation_check or DocumentationCheck(provider_id=provider.id)
    return _save_part(
        provider,
        row,
        {"checked_on": checked_on, "notes": notes.strip()},
        action="documentation_check_saved",
        evidence=evidence,
        topic="documentation",
        actor=actor,
    )


def save_policy(
    provider: Provider, kind: str, *, review_date: date, evidence: FileStorage | None = None, actor
) -> ProviderPolicy:
    if kind not in POLICY_KINDS:
        raise ProviderError("Choose a policy", field="kind")
    row = provider.policy(kind) or ProviderPolicy(provider_id=provider.id, kind=kind)
    return _save_part(
        provider,
        row,
        {"review_date": review_date},
        action="policy_saved",
        evidence=evidence,
        topic=f"policy_{kind}",
        actor=actor,
    )


def add_vetting_confirmation(
    provider: Provider,
    *,
    received_on: date,
    staff_names: str,
    enhanced_dbs_barred: bool,
    confirmed_by: str,
    evidence: FileStorage | None = None,
    actor,
) -> VettingConfirmation:
    names = "\n".join(line.strip() for line in staff_names.splitlines() if line.strip())
    if not names:
        raise ProviderError("Enter the names of the staff the confirmation covers", field="staff_names")
    row = VettingConfirmation(provider_id=provider.id)
    return _save_part(
        provider,
        row,
        {
            "received_on": received_on,
            "staff_names": names,
            "enhanced_dbs_barred": enhanced_dbs_barred,
            "confirmed_by": confirmed_by.strip(),
        },
        action="vetting_confirmation_added",
        evidence=evidence,
        topic="vetting",
        actor=actor,
    )


def record_staff_change(provider: Provider, *, changed_on: date, note: str, actor) -> Provider:
    provider.staff_changed_on = changed_on
    provider.staff_change_note = note.strip()[:300]
    audit.record(
        "provider_staff_changed", "provider", provider.id, fields=["staff_changed_on", "staff_change_note"], user=actor
    )
    db.session.commit()
    return provider


def save_trust_policy(
    provider: Provider, *, sent_on: date, acknowledged_on: date | None, evidence: FileStorage | None = None, actor
) -> TrustPolicyRecord:
    if acknowledged_on and acknowledged_on < sent_on:
        raise ProviderError(
            "The date it was acknowledged must be on or after the date it was sent", field="acknowledged_on"
        )
    row = provider.trust_policy or TrustPolicyRecord(provider_id=provider.id)
    return _save_part(
        provider,
        row,
        {"sent_on": sent_on, "acknowledged_on": acknowledged_on},
        action="trust_policy_saved",
        evidence=evidence,
        topic="trust_policy",
        actor=actor,
    )


def add_training(
    provider: Provider,
    *,
    attended_on: date,
    title: str,
    includes_safeguarding: bool,
    attendees: str,
    evidence: FileStorage | None = None,
    actor,
) -> TrainingRecord:
    row = TrainingRecord(provider_id=provider.id)
    return _save_part(
        provider,
        row,
        {
            "attended_on": attended_on,
            "title": " ".join(title.split()),
            "includes_safeguarding": includes_safeguarding,
            "attendees": attendees.strip(),
        },
        action="training_added",
        evidence=evidence,
        topic="training",
        actor=actor,
    )


def upload_evidence(provider: Provider, *, topic: str, description: str, file: FileStorage, actor) -> Document:
    """Evidence for the provider's file, from the school or from the provider's own key worker."""
    if topic not in EVIDENCE_TOPICS:
        raise ProviderError("Choose what this document is evidence of", field="topic")
    stored: list[Document] = []
    document = _attach(provider, file, topic, description or EVIDENCE_TOPICS[topic], actor, stored)
    if document is None:
        raise ProviderError("Select a file", field="file")
    commit_or_discard(stored)
    return document


# --- The safeguarding checklist ------------------------------------------------------------


def start_checklist(provider: Provider, *, actor) -> SafeguardingChecklist:
    """Start this year's checklist on the current version (or return the one already in progress)."""
    if provider.draft_checklist:
        return provider.draft_checklist
    checklist = SafeguardingChecklist(
        provider_id=provider.id,
        version_id=current_version(CHECKLIST_KIND).id,
        started_by_id=actor.id if actor else None,
    )
    db.session.add(checklist)
    db.session.flush()
    audit.record("safeguarding_checklist_started", "safeguarding_checklist", checklist.id, user=actor)
    db.session.commit()
    return checklist


def save_answer(
    checklist: SafeguardingChecklist,
    item_id: int,
    *,
    answer: str,
    comment: str,
    evidence: FileStorage | None = None,
    actor,
) -> SafeguardingAnswer:
    if checklist.completed_on:
        raise ProviderError("This checklist has been signed off and can no longer be changed")
    if item_id not in {item.id for item in checklist.version.items}:
        abort(404)
    if answer not in ANSWERS:
        raise ProviderError("Choose yes, no or not applicable", field="answer")
    row = checklist.answer_for(item_id)
    if row is None:
        row = SafeguardingAnswer(checklist=checklist, item_id=item_id)
        db.session.add(row)
    changed = [f for f, v in (("answer", answer), ("comment", comment.strip())) if getattr(row, f) != v]
    row.answer, row.comment = answer, comment.strip()
    row.answered_by_id = actor.id if actor else None
    stored: list[Document] = []
    document = _attach(checklist.provider, evidence, "checklist", "Safeguarding checklist evidence", actor, stored)
    if document is not None:
        row.document = document
        changed.append("document")
    db.session.add(row)
    db.session.flush()
    audit.record(
        "safeguarding_answer_saved",
        "safeguarding_checklist",
        checklist.id,
        fields=changed or None,
        detail=f"item {item_id}",
        user=actor,
    )
    commit_or_discard(stored)
    return row


@dataclass
class SignOffCheck:
    unanswered: list
    answered_no: list

    @property
    def ready(self) -> bool:
        return not self.unanswered and not self.answered_no


def sign_off_check(checklist: SafeguardingChecklist) -> SignOffCheck:
    answers = {a.item_id: a for a in checklist.answers}
    return SignOffCheck(
        unanswered=[item for item in checklist.version.items if item.id not in answers],
        answered_no=[
            item for item in checklist.version.items if item.id in answers and answers[item.id].answer == "no"
        ],
    )


def sign_off_checklist(checklist: SafeguardingChecklist, *, actor, today: date | None = None) -> SafeguardingChecklist:
    """Complete and sign off: every item answered, and none answered No (the school cannot be
    satisfied while a safeguarding requirement is unmet)."""
    if checklist.completed_on:
        raise ProviderError("This checklist has already been signed off")
    check = sign_off_check(checklist)
    if check.unanswered:
        count = len(check.unanswered)
        raise ProviderError(
            f"Answer every item before signing off: {count} item{'s' if count > 1 else ''} still to answer",
            field="confirm",
        )
    if check.answered_no:
        count = len(check.answered_no)
        raise ProviderError(
            f"{count} item{'s are' if count > 1 else ' is'} answered No. Follow "
            f"{'them' if count > 1 else 'it'} up with the provider and change the answer "
            "before signing off",
            field="confirm",
        )
    checklist.completed_on = today or clock.today()
    checklist.completed_by_id = actor.id if actor else None
    audit.record(
        "safeguarding_checklist_signed_off",
        "safeguarding_checklist",
        checklist.id,
        detail=f"{checklist.provider.name}, version {checklist.version.number}",
        user=actor,
    )
    db.session.commit()
    return checklist
