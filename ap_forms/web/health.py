"""Probes for monitors and load balancers.

- `/healthz` (liveness): 200 'ok' only after a real database round trip.
- `/readyz` (readiness): 200 'ready' when the database answers, Redis answers (when REDIS_URL is set)
  and the database is at the newest migration; otherwise 503 naming what is not ready (no details).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app
from sqlalchemy import text

from ap_forms.extensions import db

bp = Blueprint("health", __name__)
PLAIN = {"Content-Type": "text/plain", "Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception:  # any database failure means unhealthy, never a 500 page
        db.session.rollback()
        return "database unavailable", 503, PLAIN
    return "ok", 200, PLAIN


def _head_revision() -> str:
    heads = current_app.extensions.get("ap_forms_migration_heads")
    if heads is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        directory = current_app.extensions["migrate"].directory
        heads = ScriptDirectory.from_config(_alembic_config(Config, directory)).get_heads()
        current_app.extensions["ap_forms_migration_heads"] = heads
    return ",".join(sorted(heads))


def _alembic_config(config_class, directory: str):
    config = config_class(str(Path(directory) / "alembic.ini"))
    config.set_main_option("script_location", directory)
    return config


def _problems() -> list[str]:
    problems = []
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if ",".join(sorted(current)) != _head_revision():
            problems.append("migrations")
    except Exception:  # no database, or no alembic_version table: not ready either way
        db.session.rollback()
        try:
            db.session.execute(text("SELECT 1"))
            problems.append("migrations")
        except Exception:
            db.session.rollback()
            problems.append("database")
    if current_app.config.get("REDIS_URL"):
        import redis

        try:
            client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2)
            client.ping()
            client.close()
        except (redis.RedisError, OSError, ValueError):
            problems.append("redis")
    return problems


@bp.get("/readyz")
def readyz():
    problems = _problems()
    if problems:
        return "not ready: " + ", ".join(problems), 503, PLAIN
    return "ready", 200, PLAIN
