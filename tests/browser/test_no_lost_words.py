"""No lost words in the browser: an autosaving form saves what was typed when the page is left (and
warns when it cannot), typing survives the idle sign-out, and a file over the limit is refused at the
field before it is sent."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.feedback.models import WeeklyFeedback
from ap_forms.feedback.services import monday_of
from ap_forms.placements.models import ACTIVE, Placement
from ap_forms.providers.models import Provider
from ap_forms.web import clock
from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, serve_demo, sign_in

PHONE = {"width": 390, "height": 844}
KEY_WORKER = "sam.fielding@meadowlanefarm.example"
SEND_LEAD = "send.lead@larkspurvale.example"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve_demo(tmp_path_factory.mktemp("lost-words")) as (base_url, app):
        with app.app_context():
            kw = db.session.scalar(select(User).where(User.email == KEY_WORKER))
            placement = db.session.scalar(
                select(Placement)
                .where(Placement.key_worker_id == kw.id, Placement.status == ACTIVE)
                .order_by(Placement.id)
            )
            week = monday_of(clock.today())
            provider_id = db.session.scalar(select(Provider.id).order_by(Provider.id))
        yield base_url, app, placement.id, week, provider_id


def _draft_text(app, placement_id, week, field="behaviour"):
    with app.app_context():
        row = db.session.scalar(
            select(WeeklyFeedback)
            .where(WeeklyFeedback.placement_id == placement_id, WeeklyFeedback.week_start == week)
            .order_by(WeeklyFeedback.version.desc())
        )
        return getattr(row, field) if row else None


def test_text_typed_just_before_tapping_a_link_is_saved(browser, served):
    base_url, app, placement_id, week, _ = served
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, KEY_WORKER)
    page.goto(f"{base_url}/placements/{placement_id}/feedback/{week.isoformat()}")
    typed = "Fed the goats and stayed calm when the tractor came in."
    page.get_by_label("Behaviour").press_sequentially(typed)
    page.get_by_role("link", name="Back to today").click()  # well inside the 2 seconds autosave waits
    page.wait_for_load_state("load")
    deadline = time.monotonic() + 10
    while _draft_text(app, placement_id, week) != typed and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _draft_text(app, placement_id, week) == typed
    context.close()


def test_leaving_warns_when_the_answers_could_not_be_saved(browser, served):
    base_url, app, placement_id, week, _ = served
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, KEY_WORKER)
    url = f"{base_url}/placements/{placement_id}/feedback/{week.isoformat()}"
    page.goto(url)
    context.set_offline(True)
    page.get_by_label("Wellbeing").press_sequentially("Tired on Tuesday, better by Thursday.")
    page.keyboard.press("Tab")  # the change is autosaved, and fails: no connection
    page.wait_for_timeout(1500)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Back to today").click(no_wait_after=True)
    page.wait_for_timeout(1000)
    assert dialogs == ["beforeunload"]
    assert page.url == url and page.get_by_label("Wellbeing").input_value() == "Tired on Tuesday, better by Thursday."
    context.set_offline(False)
    context.close()


def test_a_file_over_the_limit_is_refused_at_the_field_before_it_is_sent(browser, served, tmp_path, screenshots):
    base_url, _, _, _, provider_id = served
    big = tmp_path / "scan.pdf"
    with big.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        out.truncate(12 * 1024 * 1024)  # a 12 MB scan (sparse on disk)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base_url, SEND_LEAD)
    page.goto(f"{base_url}/providers/{provider_id}/evidence")
    page.get_by_label("What is it evidence of?").select_option(index=1)
    page.get_by_label("Description (optional)").fill("Public liability, valid to March 2027")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_label("Document").set_input_files(str(big))
    error = page.locator("#file-error")
    expect(error).to_contain_text("The selected file must be smaller than 10 MB")
    assert "file-error" in page.get_by_label("Document").get_attribute("aria-describedby")
    page.get_by_role("button", name="Upload").click()
    page.wait_for_timeout(500)
    assert posts == [] and page.url.endswith(f"/providers/{provider_id}/evidence")
    assert page.get_by_label("Description (optional)").input_value() == "Public liability, valid to March 2027"
    expect(page.get_by_label("Document")).to_be_focused()
    assert_accessible(page, "evidence form with a file over the limit")
    page.screenshot(path=str(screenshots / "upload-too-large.png"), full_page=True)
    page.close()


def test_typing_survives_the_idle_sign_out(browser, tmp_path, screenshots):
    with serve_demo(tmp_path, IDLE_TIMEOUT_MINUTES=0.25) as (base_url, app):  # 15 seconds
        with app.app_context():
            provider_id = db.session.scalar(select(Provider.id).order_by(Provider.id))
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(page, base_url, SEND_LEAD)
        page.goto(f"{base_url}/providers/{provider_id}/staff-change")
        typed = "New instructor, Alex Brook, started working with our pupils."
        page.get_by_label("What changed").fill(typed)
        page.wait_for_url(re.compile(r"/login\?next=(/|%2F)providers"), timeout=40000)
        page.get_by_label("Email address").fill(SEND_LEAD)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(rf"/providers/{provider_id}/staff-change\??$"))
        assert page.get_by_label("What changed").input_value() == typed
        expect(page.locator(".app-restored-note")).to_contain_text("we kept what you had typed")
        page.screenshot(path=str(screenshots / "idle-typing-restored.png"), full_page=True)
        # Kept once: a reload shows the page as the server has it.
        page.reload()
        assert page.get_by_label("What changed").input_value() == ""
        page.close()
