from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user

from ap_forms.checklists import services
from ap_forms.checklists.forms import PublishForm
from ap_forms.checklists.kinds import KINDS, get_kind
from ap_forms.web.permissions import RULES
from ap_forms.web.rendering import render, render_form
from ap_forms.web.views import found_or_404, save_form

bp = Blueprint("checklists", __name__, url_prefix="/checklists")


def _kind_or_404(key: str):
    return found_or_404(get_kind(key))


@bp.get("/")
def index():
    kinds = [(kind, services.versions(kind.key)) for kind in KINDS.values()]
    can_publish = current_user.role in RULES["checklists.publish"]
    return render("checklists/index.html", kinds=kinds, can_publish=can_publish)


@bp.get("/<kind>/<int:number>")
def version(kind: str, number: int):
    checklist_kind = _kind_or_404(kind)
    found = found_or_404(services.get_version(kind, number))
    return render("checklists/version.html", kind=checklist_kind, version=found, current=services.current_version(kind))


def _drafts(form) -> list[services.ItemDraft]:
    return [services.ItemDraft(row.section.data or "", row.text.data or "", row.hint.data or "") for row in form.items]


@bp.route("/<kind>/publish", methods=["GET", "POST"])
def publish(kind: str):
    checklist_kind = _kind_or_404(kind)
    current = services.current_version(kind)
    form = PublishForm()
    if request.method == "GET":
        form.fill_from(current)
    return save_form(
        form,
        lambda: services.publish_version(kind, _drafts(form), notes=form.notes.data or "", actor=current_user),
        refused=services.ChecklistError,
        saved=lambda published: (
            f"{checklist_kind.label} version {published.number} published. Checklists already "
            "started keep the version they began with."
        ),
        then=lambda published: url_for("checklists.version", kind=kind, number=published.number),
        fallback="notes",
    ) or render_form("checklists/publish.html", form, kind=checklist_kind, current=current)
