"""Health check for monitors: 200 'ok' only after a real database round trip."""

from flask import Blueprint
from sqlalchemy import text

from ap_forms.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception:  # any database failure means unhealthy, never a 500 page
        db.session.rollback()
        return "database unavailable", 503, {"Content-Type": "text/plain"}
    return "ok", 200, {"Content-Type": "text/plain"}
