"""PDFs for the provider's file and for meetings: a Jinja template under templates/pdf/, WeasyPrint.

WeasyPrint may only read our own static files (the print stylesheet, images) from disk: no
network, no file outside static/. Templates link assets *relative* to static/, e.g.
`<link rel="stylesheet" href="css/pdf.css">`, and extend `pdf/base.html`, which puts the
school's name at the top of every page and "Page X of Y" at the bottom.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Response, current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class PdfAssetRefused(ValueError):
    pass


class StaticFilesOnly(URLFetcher):
    """A URL fetcher that serves files from the static folder and refuses everything else."""

    def __init__(self, static_folder: str | Path):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.static_folder = Path(static_folder).resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:  # noqa: ARG002
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise PdfAssetRefused(f"PDFs may only use the app's static files, not {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.static_folder) or not path.is_file():
            raise PdfAssetRefused(f"Not a static file: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})


def render_pdf(template_name: str, **context) -> bytes:
    """Render templates/<template_name> (extending pdf/base.html) to PDF bytes."""
    html = render_template(template_name, **context)
    static_folder = Path(current_app.static_folder).resolve()
    document = HTML(
        string=html,
        base_url=static_folder.as_uri() + "/",
        url_fetcher=StaticFilesOnly(static_folder),
        media_type="print",
    )
    return document.write_pdf()


def safe_filename(name: str) -> str:
    """An ASCII file name that every browser and operating system accepts."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "document"
    return stem[:120] if stem.lower().endswith(".pdf") else stem[:116] + ".pdf"


def pdf_response(pdf_bytes: bytes, filename: str) -> Response:
    """A PDF download that no browser or proxy keeps a copy of."""
    response = Response(pdf_bytes, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
