from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ap_forms.documents import services

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/<int:document_id>")
def download(document_id: int):
    return services.download(current_user, document_id)
