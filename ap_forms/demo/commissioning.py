"""The demo providers' commissioning records: most cleared, one expiring soon, one lapsed.

Dates are relative to today so the demo tells the same story whenever it is loaded.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from sqlalchemy import func, select
from weasyprint import HTML
from werkzeug.datastructures import FileStorage

from ap_forms.accounts.models import User
from ap_forms.checklists.services import current_version
from ap_forms.demo import data
from ap_forms.documents.services import add_document
from ap_forms.extensions import db
from ap_forms.providers.models import (
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
from ap_forms.providers.services import add_years
from ap_forms.school_calendar.services import school_year_start, year_bounds
from ap_forms.web import clock


def _demo_pdf(title: str, lines: list[str]) -> FileStorage:
    body = "".join(f"<p>{line}</p>" for line in lines)
    pdf = HTML(string=f"<h1>{title}</h1>{body}<p><em>Fictional document for the AP Forms demo.</em></p>").write_pdf()
    return FileStorage(stream=BytesIO(pdf), filename=title.replace(" ", "-").lower() + ".pdf")


def _checklist(provider: Provider, signed_on: date | None, lead: User, *, open_item: int | None = None):
    version = current_version("safeguarding")
    checklist = SafeguardingChecklist(
        provider_id=provider.id,
        version_id=version.id,
        started_by_id=lead.id,
        completed_on=signed_on,
        completed_by_id=lead.id if signed_on else None,
    )
    db.session.add(checklist)
    for item in version.items:
        if open_item is not None and item.position > open_item + 4:
            break  # a checklist in progress: the rest are not answered yet
        if item.position == open_item:
            answer, comment = "no", "First aid certificate of the art therapist ran out in October; renewal booked."
        elif "physical intervention" in item.text.lower() and provider.name == "Oak and Ember Forest School":
            answer, comment = "na", "Staff do not use physical intervention; de-escalation only (policy seen)."
        else:
            answer, comment = "yes", ""
        checklist.answers.append(
            SafeguardingAnswer(item_id=item.id, answer=answer, comment=comment, answered_by_id=lead.id)
        )


def load_commissioning_demo(today: date | None = None) -> None:
    """Add commissioning records to the demo providers (once: skipped if any checklist exists)."""
    if db.session.scalar(select(func.count(SafeguardingChecklist.id))):
        return
    today = today or clock.today()
    lead = db.session.scalar(select(User).where(User.role == "send_lead").order_by(User.id))
    year_start, year_end = year_bounds(school_year_start(today))
    for provider in db.session.scalars(select(Provider).where(Provider.name.in_(data.COMMISSIONING))):
        info = data.COMMISSIONING[provider.name]
        provider.registration_type = info["registration"]
        provider.ukprn, provider.setting_type = data.CENSUS_IDS.get(provider.name, (None, ""))
        if info["judgement"]:
            provider.ofsted_judgement = info["judgement"][0]
            provider.ofsted_judgement_date = date.fromisoformat(info["judgement"][1])
        for name, address in info["sites"]:
            db.session.add(ProviderSite(provider=provider, name=name, address=address))

        # "checked" is when this year's checks were done; a lapsed provider's are over a year old.
        checked = {
            "cleared": today - timedelta(days=80),
            "expiring": today - timedelta(days=350),
            "lapsed": today - timedelta(days=400),
        }[info["state"]]
        basis, rate = info["rate"]
        db.session.add(
            ServiceAgreement(
                provider=provider,
                terms=data.SLA_TERMS,
                start_date=year_start,
                end_date=date(year_start.year + 1, 7, 31),
                school_signed_on=year_start - timedelta(days=10),
                provider_signed_on=year_start - timedelta(days=8),
                cost_basis=basis,
                rate=Decimal(rate),
                recorded_by_id=lead.id,
            )
        )
        db.session.add(
            DocumentationCheck(
                provider=provider,
                checked_on=max(checked, today - timedelta(days=300)),
                recorded_by_id=lead.id,
                notes="Premises and activity risk assessments seen; fire risk assessment current.",
            )
        )
        for n, kind in enumerate(POLICY_KINDS):
            db.session.add(
                ProviderPolicy(
                    provider=provider,
                    kind=kind,
                    recorded_by_id=lead.id,
                    review_date=add_years(year_start) + timedelta(days=n * 7),
                )
            )
        staff = data.PROVIDER_STAFF[provider.name] + [kw.name for kw in provider.key_workers]
        db.session.add(
            VettingConfirmation(
                provider=provider,
                received_on=checked,
                staff_names="\n".join(staff),
                enhanced_dbs_barred=True,
                confirmed_by=f"{provider.contact_name}, manager",
                recorded_by_id=lead.id,
            )
        )
        db.session.add(
            TrustPolicyRecord(
                provider=provider,
                sent_on=year_start,
                acknowledged_on=year_start + timedelta(days=6),
                recorded_by_id=lead.id,
            )
        )
        db.session.add(
            TrainingRecord(
                provider=provider,
                attended_on=checked + timedelta(days=3),
                title="Trust annual safeguarding update for providers",
                includes_safeguarding=True,
                attendees=", ".join(staff),
                recorded_by_id=lead.id,
            )
        )
        _checklist(provider, checked, lead)
        if info["state"] == "lapsed":
            _checklist(provider, None, lead, open_item=13)  # this year's, stuck on first aid
    db.session.flush()

    meadow = db.session.scalar(select(Provider).where(Provider.name == "Meadow Lane Care Farm"))
    rowan = db.session.scalar(select(Provider).where(Provider.name == "Rowan Equine Centre"))
    for provider, topic, title, lines in (
        (
            meadow,
            "insurance",
            "Employer's liability insurance certificate",
            [
                "Insured: Meadow Lane Care Farm",
                f"Period: {year_start:%d %B %Y} to {year_end:%d %B %Y}",
                "Limit of indemnity: £10,000,000",
            ],
        ),
        (meadow, "agreement", "Service Level Agreement (signed)", [data.SLA_TERMS]),
        (
            rowan,
            "vetting",
            "Confirmation of staff vetting checks",
            [
                "Every adult named below has an enhanced DBS certificate with a barred list check, identity and right "
                "to work checks.",
                ", ".join(data.PROVIDER_STAFF[rowan.name] + ["Hannah Moss"]),
            ],
        ),
    ):
        add_document(_demo_pdf(title, lines), topic=topic, description=title, provider_id=provider.id, actor=lead)
    db.session.commit()
