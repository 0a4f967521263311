"""What gunicorn.conf.py needs from the app: an access log that keeps secrets out of the log files.

The access log never holds a query string (search terms, pupils' names typed into a filter) nor the
random tokens that are themselves credentials in a path (a family's calendar feed, an invitation).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Paths whose last part is a credential: the family's iCal feed and the parent invitation link.
_SECRET_PATHS = re.compile(r"^(/calendar/|/invitations/|/resubmit/|/pupils/import/)[^/]+")


def redact_path(path: str) -> str:
    """The path without its query string, and with any token in it replaced by '…'."""
    path = path.split("?", 1)[0]
    return _SECRET_PATHS.sub(lambda m: m.group(1) + "…", path)


class AccessLogger(Logger):
    """gunicorn's logger, with the request line and path redacted (no query strings, no tokens)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["f"] = "-"  # the Referer holds our own query strings and tokens too
        return atoms
