"""Security headers on every response, and the per-request CSP nonce for the one inline script."""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask_login import current_user

HALF_SIGNED_IN_PAGES = ("accounts.two_factor", "accounts.two_factor_setup")  # the set-up page shows the key


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "same-origin")  # token pages ask for no-referrer
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Signed-in pages, and the half-signed-in two-factor pages (the set-up page shows the key).
        # Not static files: they carry their own (web/static_files.py), and hold nothing personal.
        if request.endpoint == "static":
            return response
        if (current_user and current_user.is_authenticated) or request.endpoint in HALF_SIGNED_IN_PAGES:
            response.headers["Cache-Control"] = "no-store"
        return response
