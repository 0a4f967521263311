from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from ap_forms.documents.services import documents_for_provider
from ap_forms.extensions import db
from ap_forms.providers import forms, services
from ap_forms.providers.models import POLICY_KINDS
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.htmx import redirect, wants_fragment
from ap_forms.web.pdf import pdf_response, render_pdf
from ap_forms.web.permissions import RULES
from ap_forms.web.rendering import render, render_form
from ap_forms.web.views import found_or_404, save_form

# The provider page and a key worker's own-provider page also show placements and quality visits:
# they are composed in ap_forms/pages/provider.py, on this blueprint.
bp = Blueprint("providers", __name__, url_prefix="/providers")

PART_TOPICS = {
    "agreement": ("agreement",),
    "documentation": ("documentation",),
    "vetting": ("vetting",),
    "trust_policy": ("trust_policy",),
    "training": ("training",),
}


def can_edit() -> bool:
    return current_user.role in RULES["providers.provider_edit"]


def _provider_page(provider, part: str = "") -> str:
    """The provider's page, at `part` (its id on the page) when given."""
    return url_for("providers.provider", provider_id=provider.id) + (f"#{part}" if part else "")


# --- The register --------------------------------------------------------------------------


@bp.get("/")
def provider_list():
    state = request.args.get("status", "")
    if state not in services.STATE_LABELS:
        state = ""
    rows, counts = services.list_providers(state or None)
    return render(
        "providers/list.html",
        block="results",
        rows=rows,
        counts=counts,
        state=state,
        labels=services.STATE_LABELS,
        can_edit=can_edit(),
        trust_schools=len(tenancy.every_school()),
    )


@bp.route("/new", methods=["GET", "POST"])
def provider_new():
    form = forms.ProviderForm()
    return save_form(
        form,
        lambda: services.create_provider(form.values(), actor=current_user),
        refused=services.ProviderError,
        saved=lambda provider: f"{provider.name} added. Now complete its commissioning record.",
        then=_provider_page,
    ) or render_form("providers/details_form.html", form, provider=None)


@bp.route("/<int:provider_id>/details", methods=["GET", "POST"])
def provider_edit(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.ProviderForm()
    if request.method == "GET":
        form.fill_from(provider)
    return save_form(
        form,
        lambda: services.update_provider(provider, form.values(), actor=current_user),
        refused=services.ProviderError,
        saved="Provider details saved.",
        then=_provider_page(provider),
    ) or render_form("providers/details_form.html", form, provider=provider)


@bp.route("/<int:provider_id>/sites/new", methods=["GET", "POST"])
def site_new(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.SiteForm()
    if form.validate_on_submit():
        services.add_site(provider, name=form.site_name.data, address=form.site_address.data, actor=current_user)
        flash("Site added.", "success")
        return redirect(_provider_page(provider, "sites"))
    return _part_page(provider, form, title="Add a site", intro="A place where pupils have sessions.")


@bp.post("/<int:provider_id>/sites/<int:site_id>/remove")
def site_remove(provider_id: int, site_id: int):
    provider = services.get_provider_or_404(provider_id)
    services.remove_site(provider, site_id, actor=current_user)
    flash("Site removed.", "success")
    return redirect(_provider_page(provider, "sites"))


# --- The commissioning record: one page per part --------------------------------------------


def _part_page(provider, form, *, title: str, intro: str = "", topics: tuple[str, ...] = (), field_params=None):
    documents = documents_for_provider(provider.id, topics=topics) if topics else []
    return render_form(
        "providers/part_form.html",
        form,
        provider=provider,
        title=title,
        intro=intro,
        documents=documents,
        field_params=field_params or {},
    )


def _save_to_record(provider, form, save: Callable[[], object], *, saved: str):
    """`save_form` for the commissioning record: once kept, back to the record on the provider's page."""
    return save_form(form, save, refused=services.ProviderError, saved=saved, then=_provider_page(provider, "record"))


def _part(provider, form, save: Callable[[], object], *, saved: str, **page):
    """A part's page: a valid form is kept by `save`, whose refusal shows at its field; once kept, back
    to the record with `saved` flashed. `page` is for `_part_page`."""
    return _save_to_record(provider, form, save, saved=saved) or _part_page(provider, form, **page)


def _rate(text: str) -> Decimal:
    return Decimal(text.lstrip("£")).quantize(Decimal("0.01"))


@bp.route("/<int:provider_id>/agreement", methods=["GET", "POST"])
def agreement(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.AgreementForm(obj=provider.agreement if request.method == "GET" else None)
    if request.method == "GET" and provider.agreement:
        form.rate.data = f"{provider.agreement.rate:.2f}"
    return _part(
        provider,
        form,
        lambda: services.save_agreement(
            provider,
            terms=form.terms.data,
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            school_signed_on=form.school_signed_on.data,
            provider_signed_on=form.provider_signed_on.data,
            cost_basis=form.cost_basis.data,
            rate=_rate(form.rate.data),
            evidence=form.evidence.data,
            actor=current_user,
        ),
        saved="Service Level Agreement saved.",
        title="Service Level Agreement",
        topics=PART_TOPICS["agreement"],
        intro="The agreement the school and the provider have both signed.",
        field_params={
            "terms": {"rows": 5},
            "rate": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}, "inputmode": "decimal"},
            "cost_basis": {"classes": "govuk-radios--inline"},
        },
    )


@bp.route("/<int:provider_id>/documentation", methods=["GET", "POST"])
def documentation(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.DocumentationForm(obj=provider.documentation_check if request.method == "GET" else None)
    return _part(
        provider,
        form,
        lambda: services.save_documentation_check(
            provider,
            checked_on=form.checked_on.data,
            notes=form.notes.data,
            evidence=form.evidence.data,
            actor=current_user,
        ),
        saved="Risk assessments and documentation check saved.",
        title="Risk assessments and documentation",
        topics=PART_TOPICS["documentation"],
        intro="Record when you checked the provider's risk assessments and documentation. "
        "You are recorded as the person who checked them. Check again every year.",
        field_params={"notes": {"rows": 5}},
    )


@bp.route("/<int:provider_id>/policies/<kind>", methods=["GET", "POST"])
def policy(provider_id: int, kind: str):
    provider = services.get_provider_or_404(provider_id)
    if kind not in POLICY_KINDS:
        abort(404)
    form = forms.PolicyForm(obj=provider.policy(kind) if request.method == "GET" else None)
    return _part(
        provider,
        form,
        lambda: services.save_policy(
            provider, kind, review_date=form.review_date.data, evidence=form.evidence.data, actor=current_user
        ),
        saved=f"{POLICY_KINDS[kind]} policy saved.",
        title=f"{POLICY_KINDS[kind]} policy",
        topics=(f"policy_{kind}",),
        intro="Record that you have seen the provider's policy, and when the provider will next review it.",
    )


@bp.route("/<int:provider_id>/vetting", methods=["GET", "POST"])
def vetting(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.VettingForm()
    if request.method == "GET" and not form.staff_names.data:
        latest = provider.latest_vetting
        names = latest.staff if latest else []
        names += [kw.name for kw in provider.key_workers if kw.name not in names]
        form.staff_names.data = "\n".join(names)
    return _part(
        provider,
        form,
        lambda: services.add_vetting_confirmation(
            provider,
            received_on=form.received_on.data,
            staff_names=form.staff_names.data,
            enhanced_dbs_barred=form.enhanced_dbs_barred.data,
            confirmed_by=form.confirmed_by.data or "",
            evidence=form.evidence.data,
            actor=current_user,
        ),
        saved="Written confirmation of vetting checks saved.",
        title="Written confirmation of staff vetting checks",
        topics=PART_TOPICS["vetting"],
        intro="Keeping children safe in education asks for written confirmation from the provider "
        "that every adult working with pupils has had the right checks. Record each new "
        "confirmation, including when staff change.",
        field_params={"staff_names": {"rows": 5}},
    )


@bp.route("/<int:provider_id>/staff-change", methods=["GET", "POST"])
def staff_change(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.StaffChangeForm()
    return _part(
        provider,
        form,
        lambda: services.record_staff_change(
            provider, changed_on=form.changed_on.data, note=form.note.data, actor=current_user
        ),
        saved="Staff change recorded. Ask the provider for new written confirmation of vetting checks.",
        title="Record a change of staff",
        intro="When someone new starts working with pupils, the provider is not cleared until "
        "new written confirmation of vetting checks is recorded.",
    )


@bp.route("/<int:provider_id>/trust-policy", methods=["GET", "POST"])
def trust_policy(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.TrustPolicyForm(obj=provider.trust_policy if request.method == "GET" else None)
    return _part(
        provider,
        form,
        lambda: services.save_trust_policy(
            provider,
            sent_on=form.sent_on.data,
            acknowledged_on=form.acknowledged_on.data,
            evidence=form.evidence.data,
            actor=current_user,
        ),
        saved="Trust Safeguarding and Child Protection Policy record saved.",
        title="Trust Safeguarding and Child Protection Policy",
        topics=PART_TOPICS["trust_policy"],
        intro="Every provider must receive the Trust's policy and confirm they have read it. "
        "Send the current policy again each year.",
    )


@bp.route("/<int:provider_id>/training", methods=["GET", "POST"])
def training(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.TrainingForm()
    return _part(
        provider,
        form,
        lambda: services.add_training(
            provider,
            attended_on=form.attended_on.data,
            title=form.title.data,
            includes_safeguarding=form.includes_safeguarding.data == "yes",
            attendees=form.attendees.data or "",
            evidence=form.evidence.data,
            actor=current_user,
        ),
        saved="Training saved.",
        title="Add CPD or safeguarding training",
        topics=PART_TOPICS["training"],
        intro="Providers attend CPD every year, including safeguarding training.",
        field_params={"includes_safeguarding": {"classes": "govuk-radios--inline"}, "attendees": {"rows": 3}},
    )


def upload_evidence(provider, form: forms.EvidenceForm) -> None:
    """Keep the evidence form's document in the provider's file: from the school, or from the
    provider's own key worker (pages/provider.py)."""
    services.upload_evidence(
        provider,
        topic=form.topic.data,
        description=form.description.data or "",
        file=form.file.data,
        actor=current_user,
    )


@bp.route("/<int:provider_id>/evidence", methods=["GET", "POST"])
def evidence(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.EvidenceForm()
    if form.validate_on_submit():
        upload_evidence(provider, form)
        flash("Document uploaded.", "success")
        return redirect(_provider_page(provider, "documents"))
    return _part_page(
        provider,
        form,
        title="Upload evidence",
        intro="Insurance certificates, policies, signed agreements and other documents for the provider's file.",
    )


# --- The safeguarding checklist ------------------------------------------------------------


@bp.post("/<int:provider_id>/safeguarding")
def checklist_start(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    form = forms.StartChecklistForm()
    if not form.validate_on_submit():
        abort(400)
    checklist = services.start_checklist(provider, actor=current_user)
    return redirect(url_for("providers.checklist", provider_id=provider.id, checklist_id=checklist.id))


def _answer_form(checklist, item, *, formdata=None):
    answer = checklist.answer_for(item.id)
    form = forms.AnswerForm(
        prefix=f"item-{item.id}",
        formdata=formdata,
        data={"answer": answer.answer, "comment": answer.comment} if answer else None,
    )
    return form


def _checklist_page(provider, checklist, *, answer_forms=None, sign_off_form=None, status: int = 200):
    answer_forms = answer_forms or {}
    if checklist.completed_on is None:
        for item in checklist.version.items:
            answer_forms.setdefault(item.id, _answer_form(checklist, item, formdata=None))
    audit.record("safeguarding_checklist_viewed", "safeguarding_checklist", checklist.id, commit=True)
    return render(
        "providers/checklist.html",
        status=status,
        provider=provider,
        checklist=checklist,
        answer_forms=answer_forms,
        sign_off_form=sign_off_form or forms.SignOffForm(),
        check=services.sign_off_check(checklist),
        can_edit=can_edit(),
        documents=documents_for_provider(provider.id, topics=("checklist", "insurance")),
    )


@bp.get("/<int:provider_id>/safeguarding/<int:checklist_id>")
def checklist(provider_id: int, checklist_id: int):
    provider = services.get_provider_or_404(provider_id)
    return _checklist_page(provider, services.get_checklist_or_404(provider, checklist_id))


@bp.post("/<int:provider_id>/safeguarding/<int:checklist_id>/items/<int:item_id>")
def checklist_answer(provider_id: int, checklist_id: int, item_id: int):
    provider = services.get_provider_or_404(provider_id)
    checklist = services.get_checklist_or_404(provider, checklist_id)
    item = found_or_404(next((i for i in checklist.version.items if i.id == item_id), None))
    if checklist.completed_on:
        flash("This checklist has been signed off and can no longer be changed.", "info")
        return redirect(url_for("providers.checklist", provider_id=provider.id, checklist_id=checklist.id))
    form = forms.AnswerForm(prefix=f"item-{item.id}")
    saved = False
    if form.validate_on_submit():
        services.save_answer(
            checklist,
            item.id,
            answer=form.answer.data,
            comment=form.comment.data or "",
            evidence=form.evidence.data,
            actor=current_user,
        )
        saved = True
        if not wants_fragment():
            return redirect(
                url_for("providers.checklist", provider_id=provider.id, checklist_id=checklist.id) + f"#item-{item.id}"
            )
        db.session.refresh(checklist)
        form = _answer_form(checklist, item)
    if wants_fragment():
        return render(
            "providers/_checklist_item.html",
            status=422 if form.errors else 200,
            provider=provider,
            checklist=checklist,
            item=item,
            form=form,
            saved=saved,
            oob_progress=True,
            check=services.sign_off_check(checklist),
        )
    return _checklist_page(provider, checklist, answer_forms={item.id: form}, status=422)


@bp.post("/<int:provider_id>/safeguarding/<int:checklist_id>/sign-off")
def checklist_sign_off(provider_id: int, checklist_id: int):
    provider = services.get_provider_or_404(provider_id)
    checklist = services.get_checklist_or_404(provider, checklist_id)
    form = forms.SignOffForm()
    return _save_to_record(
        provider,
        form,
        lambda: services.sign_off_checklist(checklist, actor=current_user),
        saved="Safeguarding checklist signed off. It is due to be renewed in a year.",
    ) or _checklist_page(provider, checklist, sign_off_form=form, status=422)


@bp.get("/<int:provider_id>/safeguarding/<int:checklist_id>/pdf")
def checklist_pdf(provider_id: int, checklist_id: int):
    provider = services.get_provider_or_404(provider_id)
    checklist = services.get_checklist_or_404(provider, checklist_id)
    renew_by = services.add_years(checklist.completed_on) if checklist.completed_on else None
    pdf = render_pdf(
        "pdf/safeguarding_checklist.html",
        provider=provider,
        checklist=checklist,
        answers={a.item_id: a for a in checklist.answers},
        renew_by=renew_by,
        generated_on=clock.today(),
    )
    audit.record("safeguarding_checklist_exported", "safeguarding_checklist", checklist.id, detail="PDF", commit=True)
    stamp = checklist.completed_on.isoformat() if checklist.completed_on else "draft"
    return pdf_response(pdf, f"Safeguarding checklist {provider.name} {stamp}.pdf")
