"""The provider page and a key worker's own-provider page: the commissioning record with the
provider's placements and quality visits. Routes on the providers blueprint."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from ap_forms.documents.services import documents_for_provider
from ap_forms.placements.services import current_placements
from ap_forms.providers import forms, services
from ap_forms.providers.models import POLICY_KINDS, SETTING_TYPES
from ap_forms.providers.views import bp, can_edit, upload_evidence
from ap_forms.quality import services as quality
from ap_forms.web import clock, tenancy
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render


@bp.get("/<int:provider_id>")
def provider(provider_id: int):
    provider = services.get_provider_or_404(provider_id)
    placements = current_placements(provider.id)
    signed = provider.signed_off_checklist
    return render(
        "providers/provider.html",
        provider=provider,
        today=clock.today(),
        visits=quality.visits_for_provider(provider.id),
        school_names=quality.school_names(),
        own_school_id=tenancy.current_school_id(),
        pace=quality.provider_pace(provider),
        visit_actions=quality.tracked_actions(current_user, provider_id=provider.id),
        renew_by=services.add_years(signed.completed_on) if signed else None,
        commissioning=services.commissioning_status(provider),
        placements=placements,
        documents=documents_for_provider(provider.id),
        topics=services.EVIDENCE_TOPICS,
        policy_kinds=POLICY_KINDS,
        can_edit=can_edit(),
        start_form=forms.StartChecklistForm(),
        setting_types=SETTING_TYPES,
    )


# --- Key workers: their own provider, read-only, and evidence uploads -----------------------


def _own_provider():
    if not current_user.provider_id:
        abort(404)
    return services.get_provider_or_404(current_user.provider_id)


def _own_page(provider, form, status: int = 200):
    needs = services.what_school_needs(provider)
    return render(
        "providers/own_provider.html",
        status=status,
        provider=provider,
        form=form,
        visit_actions=quality.tracked_actions(current_user),
        today=clock.today(),
        documents=documents_for_provider(provider.id),
        **needs,
    )


@bp.get("/mine")
def own_provider():
    return _own_page(_own_provider(), forms.EvidenceForm())


@bp.post("/mine/evidence")
def own_evidence():
    provider = _own_provider()
    form = forms.EvidenceForm()
    if form.validate_on_submit():
        upload_evidence(provider, form)
        flash("Thank you. The school has your document.", "success")
        return redirect(url_for("providers.own_provider"))
    return _own_page(provider, form, status=422)
