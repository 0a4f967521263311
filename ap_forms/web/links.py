"""Absolute links for emails: always built from APP_BASE_URL, never from the request's Host header.

An emailed link (an invitation, an alert, a reminder) built from the Host header would let anyone
who can send a request with a forged Host make the school email a link to their own site. So every
address that leaves the app in an email comes from the configured APP_BASE_URL, in a request or not.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` under APP_BASE_URL (e.g. https://apforms.school.example)."""
    base = urlsplit((current_app.config.get("APP_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
