"""Weekly feedback in the browser: a key worker writes and submits this week's feedback on a phone
(autosave, then Submit); the SEND lead reads it on the pupil's progress page and replies; the key
worker sees the reply."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.feedback.services import monday_of
from ap_forms.placements.models import ACTIVE, Placement
from ap_forms.web import clock
from tests.browser.conftest import assert_accessible, serve_demo, sign_in

PHONE = {"width": 390, "height": 844}
KEY_WORKER = "sam.fielding@meadowlanefarm.example"
SEND_LEAD = "send.lead@larkspurvale.example"


def test_key_worker_submits_weekly_feedback_and_send_lead_replies(browser, tmp_path, screenshots):
    with serve_demo(tmp_path) as (base_url, app):
        with app.app_context():
            kw = db.session.scalar(select(User).where(User.email == KEY_WORKER))
            placement = db.session.scalar(
                select(Placement)
                .where(Placement.key_worker_id == kw.id, Placement.status == ACTIVE)
                .order_by(Placement.id)
            )
            pupil, student_id, placement_id = placement.student.full_name, placement.student_id, placement.id
            week = monday_of(clock.today()).isoformat()

        phone = browser.new_context(viewport=PHONE)
        page = phone.new_page()
        sign_in(page, base_url, KEY_WORKER)
        expect(page.locator("#feedback-due")).to_be_visible()  # overdue weeks on the home page
        page.goto(f"{base_url}/feedback")
        page.get_by_role("link", name=f"this week's feedback for {pupil}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Weekly feedback for the week of")
        expect(page.locator(".app-safeguarding-callout")).to_contain_text("Designated Safeguarding Lead")
        assert_accessible(page, "weekly feedback form")
        page.screenshot(path=str(screenshots / "feedback-1-form-phone.png"), full_page=True)

        page.get_by_label("4 – Good: engaged most of the time").check()
        expect(page.locator("#save-status")).to_contain_text("Draft saved")  # autosaved
        page.locator("input[name='progress-0-rating'][value='good']").check()
        page.get_by_label("Behaviour").fill("Calm all week; helped feed the goats.")
        page.get_by_label("Achievements").fill("Led the morning animal check on Wednesday.")
        page.get_by_role("button", name="Submit feedback").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Feedback submitted")
        expect(page.get_by_text("It can no longer be changed")).to_be_visible()
        assert page.locator("textarea[name='behaviour']").count() == 0  # read-only now
        assert_accessible(page, "submitted weekly feedback")
        page.screenshot(path=str(screenshots / "feedback-2-submitted-phone.png"), full_page=True)

        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(desk, base_url, SEND_LEAD)
        desk.goto(f"{base_url}/pupils/{student_id}/progress")
        expect(desk.get_by_role("heading", level=1)).to_have_text("Progress in alternative provision")
        card = desk.locator("section.govuk-summary-card").first
        expect(card).to_contain_text("Led the morning animal check on Wednesday.")
        expect(desk.locator("svg.app-chart__svg")).to_be_visible()
        assert_accessible(desk, "pupil's progress page")
        desk.screenshot(path=str(screenshots / "feedback-3-progress.png"), full_page=True)
        card.get_by_label("Reply to the key worker (optional)").fill("Great week, thank you. Keep it up.")
        card.get_by_role("button", name="Acknowledge").click()
        expect(desk.locator(".govuk-notification-banner")).to_contain_text("Feedback acknowledged")
        expect(desk.locator("section.govuk-summary-card").first).to_contain_text("Acknowledged by")

        page.goto(f"{base_url}/placements/{placement_id}/feedback/{week}")
        expect(page.locator("main")).to_contain_text("Great week, thank you. Keep it up.")
        page.screenshot(path=str(screenshots / "feedback-4-reply-seen-phone.png"), full_page=True)
        phone.close()
