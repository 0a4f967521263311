"""Settings from the environment, with safe embedded defaults (SQLite in instance/)."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY, or a random key kept in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _frozen_now() -> datetime | None:
    value = os.environ.get("FROZEN_NOW", "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"FROZEN_NOW must be an ISO local time such as 2026-11-26T10:30, not {value!r}") from None


def _int(name: str, default: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def load_config(instance_path: Path) -> dict:
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'ap_forms.db'}"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        # Redis shared by every worker and host: the sign-in and code throttles (accounts/throttle.py).
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Prefix of every key this app writes into Redis (so two deployments can share one Redis).
        "THROTTLE_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "ap-forms"),
        # Behind a reverse proxy that terminates HTTPS: how many proxies to trust for each X-Forwarded-*
        # header (werkzeug's ProxyFix). 0 (the default) trusts none: right only when nothing is in front.
        "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR"),
        "PROXY_FIX_X_PROTO": _int("PROXY_FIX_X_PROTO"),
        "PROXY_FIX_X_HOST": _int("PROXY_FIX_X_HOST"),
        "PROXY_FIX_X_PORT": _int("PROXY_FIX_X_PORT"),
        "PROXY_FIX_X_PREFIX": _int("PROXY_FIX_X_PREFIX"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "ap-forms@school.invalid"),
        # Attendance: when each session's report is due, and when the school day ends (parent contact).
        "ATTENDANCE_CUTOFF_AM": os.environ.get("ATTENDANCE_CUTOFF_AM", "10:00"),
        "ATTENDANCE_CUTOFF_PM": os.environ.get("ATTENDANCE_CUTOFF_PM", "14:00"),
        "ATTENDANCE_END_OF_DAY": os.environ.get("ATTENDANCE_END_OF_DAY", "16:00"),
        # Safeguarding alerts: the school day in which an unopened concern is escalated after 30 minutes.
        "SCHOOL_DAY_START": os.environ.get("SCHOOL_DAY_START", "08:30"),
        "SCHOOL_DAY_END": os.environ.get("SCHOOL_DAY_END", "16:30"),
        # The address in every emailed link (invitations, alerts, reminders): never the request's Host header.
        "APP_BASE_URL": os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000"),
        # Evidence documents: "database" (every host sees them; in the backup) or "folder" (UPLOAD_FOLDER).
        "DOCUMENT_STORAGE": os.environ.get("DOCUMENT_STORAGE", "database"),
        # A Fernet key: backups are encrypted with it (and restore-check needs it). Unset: not encrypted.
        "BACKUP_ENCRYPTION_KEY": os.environ.get("BACKUP_ENCRYPTION_KEY", ""),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        # Each evidence file may be up to UPLOAD_MAX_BYTES. A whole request may be larger, so a file a
        # little over the limit reaches the form's own check and is refused there, with everything else
        # typed kept (422); only a request over MAX_CONTENT_LENGTH gets the short 413 answer.
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024))),
        # "json": JSON-lines logs with request ids (gunicorn.conf.py sets it for `make serve`); else plain text.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        # Pin the school's clock (ISO local time, e.g. 2026-11-26T10:30) for a demo or a test run.
        "FROZEN_NOW": _frozen_now(),
    }
