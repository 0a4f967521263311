"""Our one small module over flask-htmx: what kind of request is this, and how to redirect."""

from __future__ import annotations

from flask import redirect as flask_redirect
from flask_htmx import HTMX
from flask_htmx.responses import HTMXResponseClientRedirect
from flask_htmx.responses import make_response as htmx_make_response

htmx = HTMX()


def is_htmx() -> bool:
    return bool(htmx)


def wants_fragment() -> bool:
    """A partial swap: an htmx request that is not boosted navigation or a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def redirect(url: str):
    """Post/redirect/get for plain forms (303); a full client navigation for htmx requests."""
    if is_htmx():
        return htmx_make_response("", location=url)
    return flask_redirect(url, code=303)


def client_redirect(url: str):
    """Make htmx load a whole new page (e.g. the sign-in page when a session has expired)."""
    return HTMXResponseClientRedirect(url)
