"""The shared PDF renderer (static files only, school name, page numbers) and upload checks."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage

from ap_forms.web import uploads
from ap_forms.web.pdf import PdfAssetRefused, StaticFilesOnly, pdf_response, render_pdf, safe_filename
from tests import factories


def _text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


def test_render_pdf_carries_the_school_name_and_page_x_of_y(app, world):
    provider = world.provider_b
    with app.test_request_context():
        pdf = render_pdf(
            "pdf/safeguarding_checklist.html",
            provider=provider,
            checklist=provider.signed_off_checklist,
            answers={},
            renew_by=None,
            generated_on=provider.signed_off_checklist.completed_on,
        )
    pages = _text(pdf)
    assert pdf.startswith(b"%PDF-") and len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Your school" in page and f"Page {number} of {len(pages)}" in page


def test_pdfs_are_a4(app, world):
    with app.test_request_context():
        pdf = render_pdf(
            "pdf/safeguarding_checklist.html",
            provider=world.provider_b,
            checklist=world.provider_b.signed_off_checklist,
            answers={},
            renew_by=None,
            generated_on=None,
        )
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_the_url_fetcher_serves_only_static_files(app):
    fetcher = StaticFilesOnly(app.static_folder)
    css = fetcher.fetch((Path(app.static_folder) / "css" / "pdf.css").as_uri())
    assert b"@page" in css.read() and css.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        (Path(app.static_folder) / ".." / "pyproject.toml").resolve().as_uri(),
        "http://127.0.0.1/",
        "https://example.org/x.png",
        "ftp://example.org/x",
        (Path(app.static_folder) / "nope.css").as_uri(),
        "file://otherhost/static/css/pdf.css",
    ):
        with pytest.raises(PdfAssetRefused):
            fetcher.fetch(url)


def test_a_template_cannot_pull_in_outside_files(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT")
    template = tmp_path / "leak.html"
    template.write_text(
        f'{{% extends "pdf/base.html" %}}{{% block title %}}Leak{{% endblock %}}'
        f'{{% block document %}}<object data="{secret.as_uri()}"></object>'
        f'<img src="{secret.as_uri()}" alt="x"><p>Visible</p>{{% endblock %}}'
    )
    app.jinja_loader.loaders[0].searchpath.append(str(tmp_path))
    with app.test_request_context():
        text = " ".join(_text(render_pdf("leak.html")))
    assert "Visible" in text and "TOP SECRET" not in text


def test_pdf_response_is_a_no_store_download_with_a_safe_name():
    response = pdf_response(b"%PDF-1.4", 'Checklist "Oak & Ember" 2026/27')
    assert response.mimetype == "application/pdf" and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Checklist-Oak-Ember-2026-27.pdf"'
    assert safe_filename("report.pdf") == "report.pdf" and safe_filename("///") == "document.pdf"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.pdf", factories.TINY_PDF, "application/pdf"),
        ("a.PNG", factories.TINY_PNG, "image/png"),
        ("a.jpeg", b"\xff\xd8\xff\xe1rest", "image/jpeg"),
        ("a.jpg", b"\xff\xd8\xff\xdbrest", "image/jpeg"),
    ],
)
def test_allowed_files_are_recognised_by_their_content(app, name, data, expected):
    with app.test_request_context():
        assert uploads.check_upload(FileStorage(BytesIO(data), filename=name)) == expected


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("", factories.TINY_PDF, "Select a file"),
        ("a.pdf", b"", "empty"),
        ("a.pdf", b"<html><script>", "PDF, PNG or JPEG"),
        ("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PDF, PNG or JPEG"),
        ("a.png", factories.TINY_PDF, "PDF, PNG or JPEG"),
        ("a.pdf.exe", factories.TINY_PDF, "PDF, PNG or JPEG"),
    ],
)
def test_other_files_are_refused(app, name, data, message):
    with app.test_request_context(), pytest.raises(uploads.UploadRejected, match=message):
        uploads.check_upload(FileStorage(BytesIO(data), filename=name))


def test_stored_names_cannot_escape_the_upload_folder(app):
    with app.test_request_context():
        for name in ("../secret_key", "/etc/passwd", "g" * 32, "A" * 32, ""):
            with pytest.raises(FileNotFoundError):
                uploads.stored_path(name)
        stored = uploads.store_upload(FileStorage(BytesIO(factories.TINY_PDF), filename="x.pdf"))
        assert uploads.stored_path(stored.stored_name).read_bytes() == factories.TINY_PDF
        uploads.delete_stored(stored.stored_name)
        assert not uploads.stored_path(stored.stored_name).exists()
