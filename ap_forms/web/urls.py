"""Links that leave the app (emails, calendar feeds): built from APP_BASE_URL, never the Host header."""

from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config.get("APP_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, **values, _external=True)
