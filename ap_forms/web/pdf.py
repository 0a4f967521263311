"""PDFs from templates with WeasyPrint: A4, page numbers, and no fetching beyond static/.

The URL fetcher serves only files under static/, so a value typed into a form can never make the
server read another local file or call out to the network while rendering.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, make_response, render_template
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class StaticOnlyFetcher(URLFetcher):
    """Fetch file: URLs inside one folder; refuse everything else (http, data outside, ../)."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()

    def fetch(self, url, headers=None):  # noqa: ARG002
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"PDFs may not fetch {parts.scheme or 'relative'} URLs")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError("PDFs may only use files under static/")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


# Every PDF is A4 with page numbers; a template's own stylesheet may add to this.
PAGE_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; color: #505a5f; }
}
"""


def render_pdf(template_name: str, **context) -> bytes:
    """Render a template (which links its own print CSS from static/) to PDF bytes."""
    html = render_template(template_name, **context)
    static_root = Path(current_app.static_folder)
    fetcher = StaticOnlyFetcher(static_root)
    return HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=PAGE_CSS, url_fetcher=fetcher)])


def pdf_response(pdf_bytes: bytes, filename: str):
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "document.pdf"
    response = make_response(pdf_bytes)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
