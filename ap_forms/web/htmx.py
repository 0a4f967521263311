"""Our one small module over flask-htmx: what kind of request is this, and how to redirect.

A response whose shape depends on HX-Request carries `Vary: HX-Request`, so no cache hands a
fragment to a page load or the other way round: asking `is_htmx()` or `wants_fragment()` marks
the request, and an after-request hook adds the header (the gate's redirects included).
"""

from __future__ import annotations

from flask import Flask, g
from flask import redirect as flask_redirect
from flask_htmx import HTMX
from flask_htmx.responses import HTMXResponseClientRedirect
from flask_htmx.responses import make_response as htmx_make_response

VARY_HEADER = "HX-Request"


class _HTMX(HTMX):
    def init_app(self, app: Flask) -> None:
        super().init_app(app)

        @app.after_request
        def vary_on_htmx(response):
            if g.get("htmx_asked"):
                response.vary.add(VARY_HEADER)
            return response


htmx = _HTMX()


def _asked() -> None:
    g.htmx_asked = True


def is_htmx() -> bool:
    _asked()
    return bool(htmx)


def wants_fragment() -> bool:
    """A partial swap: an htmx request that is not boosted navigation or a history restore."""
    _asked()
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def redirect(url: str):
    """Post/redirect/get for plain forms (303); a full client navigation for htmx requests."""
    if is_htmx():
        return htmx_make_response("", location=url)
    return flask_redirect(url, code=303)


def client_redirect(url: str):
    """Make htmx load a whole new page (e.g. the sign-in page when a session has expired)."""
    return HTMXResponseClientRedirect(url)
