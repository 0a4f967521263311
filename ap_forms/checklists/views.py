from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from ap_forms.checklists import services
from ap_forms.checklists.forms import PublishForm
from ap_forms.checklists.kinds import KINDS, get_kind
from ap_forms.web.htmx import redirect
from ap_forms.web.permissions import RULES
from ap_forms.web.rendering import render, render_form
from ap_forms.web.views import found_or_404

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


@bp.route("/<kind>/publish", methods=["GET", "POST"])
def publish(kind: str):
    checklist_kind = _kind_or_404(kind)
    current = services.current_version(kind)
    form = PublishForm()
    if request.method == "GET":
        form.fill_from(current)
    elif form.validate_on_submit():
        drafts = [
            services.ItemDraft(row.section.data or "", row.text.data or "", row.hint.data or "") for row in form.items
        ]
        try:
            published = services.publish_version(kind, drafts, notes=form.notes.data or "", actor=current_user)
        except services.ChecklistError as error:
            form.notes.errors = [*form.notes.errors, str(error)]
        else:
            flash(
                f"{checklist_kind.label} version {published.number} published. Checklists already "
                "started keep the version they began with.",
                "success",
            )
            return redirect(url_for("checklists.version", kind=kind, number=published.number))
    return render_form("checklists/publish.html", form, kind=checklist_kind, current=current)
