"""Issue 13: the headteacher downloads a pupil's subject access request with names redacted; the SEND lead
asks for a placement's records past their retention period to be erased and the headteacher confirms;
the audit log filtered. Every page axe-clean, with screenshots."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from tests.browser.conftest import assert_accessible, serve_demo, sign_in

HEAD, SEND_LEAD = "head@larkspurvale.example", "send.lead@larkspurvale.example"


def _step(text: str) -> None:
    print(f"journey: {text}", flush=True)


def _old_pupil(app) -> tuple[int, int]:
    """A pupil who left long ago, whose placement ended in 2009: past its retention period."""
    from ap_forms.accounts.models import User
    from ap_forms.extensions import db
    from ap_forms.placements.models import ENDED, Placement
    from ap_forms.providers.models import Provider
    from ap_forms.students.models import Student

    with app.app_context():
        provider = db.session.query(Provider).order_by(Provider.id).first()
        key_worker = db.session.query(User).filter_by(role="key_worker", provider_id=provider.id).first()
        pupil = Student(
            first_name="Olivia",
            last_name="Longago",
            year_group=11,
            upn="A123456789012",
            date_of_birth=date(1993, 5, 4),
            left_on=date(2010, 7, 20),
        )
        db.session.add(pupil)
        db.session.flush()
        placement = Placement(
            student_id=pupil.id,
            provider_id=provider.id,
            key_worker_id=key_worker.id,
            start_date=date(2008, 9, 1),
            planned_end_date=date(2009, 7, 17),
            ended_on=date(2009, 7, 17),
            status=ENDED,
            objectives="Attend",
            created_at=datetime(2008, 8, 1),
        )
        db.session.add(placement)
        db.session.commit()
        return pupil.id, placement.id


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")


def test_subject_access_and_retention_review(browser, tmp_path, screenshots):
    with serve_demo(tmp_path, FROZEN_NOW="2026-11-23T10:30") as (base_url, app):
        old_pupil, old_placement = _old_pupil(app)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()

        _step("headteacher: a pupil's subject access request")
        sign_in(page, base_url, HEAD)
        page.goto(f"{base_url}/pupils/")
        page.locator("main table a.govuk-link").first.click()
        page.wait_for_load_state("networkidle")
        pupil_name = page.get_by_role("heading", level=1).inner_text()
        page.get_by_role("link", name=re.compile("^Subject access request")).click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_role("heading", level=1).inner_text() == "Subject access request"
        boxes = page.locator("input[name=redact]")
        assert boxes.count() >= 1 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
        released = boxes.nth(0).get_attribute("value")
        page.get_by_label(f"Redact {released}", exact=True).uncheck()
        page.get_by_label("Other names to redact (optional)").fill("Nobody Inparticular")
        assert_accessible(page, "subject access request")
        page.screenshot(path=str(screenshots / "subject-access.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the records (zip)").click()
        archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
        names = archive.namelist()
        assert "README.txt" in names and any(n.endswith(".pdf") for n in names)
        readme = archive.read("README.txt").decode()
        assert pupil_name in readme and "Safeguarding records: not included" in readme

        _step("headteacher: the audit log, filtered to the pupil, shows the download")
        page.goto(f"{base_url}/audit/")
        page.get_by_label("Action").select_option("subject_access_produced")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_load_state("networkidle")
        assert "1 entry" in page.inner_text("main")
        assert_accessible(page, "audit log")
        page.screenshot(path=str(screenshots / "audit-log.png"), full_page=True)
        _sign_out(page)

        _step("SEND lead: the retention review asks for an erasure")
        sign_in(page, base_url, SEND_LEAD)
        page.get_by_role("link", name="Retention review").click()
        page.wait_for_load_state("networkidle")
        main = page.inner_text("main")
        assert "Olivia Longago" in main and "Retention periods" in main and "IRMS" in main
        assert_accessible(page, "retention review")
        page.screenshot(path=str(screenshots / "retention-review.png"), full_page=True)
        page.locator(f"a[href$='/retention/ap_records/{old_placement}']").click()
        page.wait_for_load_state("networkidle")
        assert_accessible(page, "retention item")
        page.screenshot(path=str(screenshots / "retention-item.png"), full_page=True)
        page.get_by_label("Notes for the person who confirms (optional)").fill("Ended in 2009")
        page.get_by_role("button", name="Ask for it to be erased").click()
        page.wait_for_load_state("networkidle")
        assert "Someone else must confirm it" in page.inner_text("main")
        assert page.get_by_role("button", name="Confirm: erase it now").count() == 0
        _sign_out(page)

        _step("headteacher: confirms the erasure")
        sign_in(page, base_url, HEAD)
        page.goto(f"{base_url}/retention/ap_records/{old_placement}")
        assert "Joseph Adeyemi asked for this to be erased" in page.inner_text("main")
        assert_accessible(page, "retention confirm")
        page.screenshot(path=str(screenshots / "retention-confirm.png"), full_page=True)
        page.get_by_role("button", name="Confirm: erase it now").click()
        page.wait_for_load_state("networkidle")
        main = page.inner_text("main")
        assert "Erased: other alternative provision records" in main
        assert "Asked by Joseph Adeyemi, confirmed by Margaret Ellison" in main
        assert_accessible(page, "retention after erasing")
        page.screenshot(path=str(screenshots / "retention-erased.png"), full_page=True)
        assert old_pupil
        context.close()
