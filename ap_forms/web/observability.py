"""Request ids and structured logs.

Every request gets an id: the proxy's `X-Request-ID` when it sent a sane one, else a new random one.
It is sent back in the `X-Request-ID` header, shown on every error page ("reference"), and attached
to every log line written while the request runs, so support can go from what a person reads on
the screen to the log line.

With LOG_FORMAT=json (`gunicorn.conf.py` sets it for `make serve`) the app's log is JSON lines on
stderr: one `request` line per request (request id, method, path without its query string and with
token paths redacted, status, duration, user id, client address) and every warning or error with
the request id. Form data, query strings, cookies and headers are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from ap_forms.web.serving import redact_path

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_LOGGER = "ap_forms.requests"
_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "ip")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({name: getattr(record, name) for name in _FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def _configure_logging(app: Flask) -> None:
    logger = logging.getLogger("ap_forms")  # app.logger, and every ap_forms.* module logger
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return  # once per process, however many apps are created
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def init_app(app: Flask) -> None:
    if (app.config.get("LOG_FORMAT") or "").lower() == "json":
        _configure_logging(app)
    elif not any(isinstance(f, RequestIdFilter) for f in app.logger.filters):
        app.logger.addFilter(RequestIdFilter())

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SANE_ID.match(incoming) else secrets.token_hex(16)
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
        started = g.get("request_started")
        logger = logging.getLogger(REQUEST_LOGGER)
        if started is not None and logger.isEnabledFor(logging.INFO):
            try:
                user_id = current_user.id if current_user and current_user.is_authenticated else None
            except Exception:  # the database may be what failed: still log the request
                user_id = None
            logger.info(
                "request",
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": redact_path(request.path),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user_id,
                    "ip": request.remote_addr,
                },
            )
        return response
