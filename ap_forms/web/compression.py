"""Pages compressed when the browser accepts it (issue 15): brotli or gzip, at a fast level.

A page is HTML of 10–130 KB that compresses to a tenth; on a weak signal that is most of the wait.
Only text responses that are not already encoded, streamed or tiny are compressed; PDFs and
uploads (already compressed, or personal files sent as attachments) are left alone. Static files
are compressed once, ahead, by web/static_files.py.
"""

from __future__ import annotations

import gzip

from flask import Flask, request

from ap_forms.web.static_files import accepts, brotli

MINIMUM = 1024
TYPES = ("text/html", "text/plain", "text/csv", "text/calendar", "application/json")


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response):
        if (
            response.direct_passthrough
            or response.is_streamed
            or response.status_code < 200
            or response.status_code in (204, 304)
            or "Content-Encoding" in response.headers
            or response.mimetype not in TYPES
            or request.method == "HEAD"
        ):
            return response
        body = response.get_data()
        if len(body) < MINIMUM:
            return response
        if brotli is not None and accepts("br"):
            response.set_data(brotli.compress(body, quality=4))
            response.headers["Content-Encoding"] = "br"
        elif accepts("gzip"):
            response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.vary.add("Accept-Encoding")
            return response
        response.vary.add("Accept-Encoding")
        return response
