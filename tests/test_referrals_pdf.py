"""The Referral Form as an A4 PDF for the Annual Review papers: text extracted and checked."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from ap_forms.web.pdf import StaticFilesOnly


def test_referral_pdf(world, auth, tmp_path):
    referral = world.referral_x
    response = auth.as_user(world.users["send_lead"]).get(f"/referrals/{referral.id}/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        f"referral-form-{world.pupil_x.last_name}-Xavier-{referral.id}.pdf" in response.headers["Content-Disposition"]
    )

    reader = PdfReader(io.BytesIO(response.data))
    page = reader.pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in (page.mediabox.width, page.mediabox.height))
    assert round(width_mm) == 210 and round(height_mm) == 297  # A4
    text = "\n".join(p.extract_text() for p in reader.pages)
    squashed = " ".join(text.split())
    for expected in [
        "Alternative Provision Referral Form",
        world.pupil_x.full_name,
        world.pupil_x.upn,
        "Attend at least 90% of sessions",
        "Measured by: Attendance register each half term",
        "Likelihood 3 × severity 4 = 12 (Medium)",
        "Therapeutic intervention is required",
        "Provider A",
        "Interim Review",
        "62%",
        f"Page 1 of {len(reader.pages)}",
    ]:
        assert expected in squashed, expected
    assert db.session.query(AuditEvent).filter_by(action="referral_pdf_downloaded").count() == 1

    # Rasterise page 1 so a person can look at it (SCREENSHOT_DIR keeps a copy).
    if shutil.which("pdftoppm"):
        pdf_path = tmp_path / "referral.pdf"
        pdf_path.write_bytes(response.data)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "50",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf_path),  # noqa: S603, S607
                str(tmp_path / "referral-page"),
            ],
            check=True,
        )
        png = next(tmp_path.glob("referral-page*.png"))
        assert png.stat().st_size > 5000
        if os.environ.get("SCREENSHOT_DIR"):
            Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
            shutil.copy(png, Path(os.environ["SCREENSHOT_DIR"]) / "referral-pdf-page1.png")


def test_pdf_fetcher_reads_only_static_files(app, tmp_path):
    static = Path(app.static_folder)
    fetcher = StaticFilesOnly(static)
    assert b"@page" in fetcher.fetch((static / "css" / "pdf-referral.css").as_uri()).read()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in [
        outside.as_uri(),
        (static / ".." / "pyproject.toml").as_uri(),
        "http://127.0.0.1/x.css",
        "https://example.org/a.png",
        "file:///etc/passwd",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
