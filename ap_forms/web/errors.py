"""Error pages that help the user and leak nothing (no stack traces, no record details)."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ap_forms.extensions import db
from ap_forms.web import audit
from ap_forms.web.rendering import render

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, reload the page and try again."),
    403: ("You do not have access to this page", "If you think you should, ask the school office."),
    404: ("Page not found", "Check the address, or go back to your home page."),
    405: ("That action is not allowed here", "Go back to your home page and try again."),
    413: ("That file is too large", "Files can be up to 10 MB. Choose a smaller file."),
    429: ("Too many attempts", "Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you sent was lost."),
}


def _page(code: int, title: str | None = None, body: str | None = None):
    default_title, default_body = MESSAGES.get(code, MESSAGES[500])
    return render(
        "errors/error.html",
        status=code,
        code=code,
        title=title or default_title,
        body=body or default_body,
        request_id=g.get("request_id"),
    )


def error_page(code: int, title: str | None = None, body: str | None = None):
    """The error page for `code`, for a blueprint's own error handler."""
    return _page(code, title, body)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(
            400, "Your form had expired", "For your security, forms expire. Go back, reload the page and send it again."
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        from ap_forms.web.uploads import refuse_too_large

        return refuse_too_large() or _page(413)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 404 and current_user and current_user.is_authenticated:
            # A wrong or out-of-scope id: worth knowing who probes for records.
            db.session.rollback()
            audit.record("not_found", "path", None, detail=request.path)
            db.session.commit()
        return _page(code)

    @app.errorhandler(Exception)
    def server_error(error):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        return _page(500)
