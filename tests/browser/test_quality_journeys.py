"""The SEND lead records a quality-assurance visit on a tablet (768×1024): plans it, records each
part with autosave, signs it off; the same without JavaScript; a key worker answers an action.
axe stays clean on every page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, serve_demo, sign_in

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
LEAD = "send.lead@larkspurvale.example"
MEADOW_KEY_WORKER = "sam.fielding@meadowlanefarm.example"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own demo school: its journeys record and sign off visits."""
    with serve_demo(tmp_path_factory.mktemp("quality-live")) as served:
        yield served


def _go(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _click(page, role: str, name) -> None:
    page.get_by_role(role, name=name).first.click()
    page.wait_for_load_state("networkidle")


def _fill_date(page, name: str, day: date) -> None:
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def _look(page, shots, name: str) -> None:
    assert_accessible(page, name)
    page.screenshot(path=str(shots / f"quality-{name}.png"), full_page=True)


def test_send_lead_records_a_visit_on_a_tablet(browser, live_server, screenshots):
    base_url, _ = live_server
    today = date.today()
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, base_url, LEAD)

    # The overview says which providers are behind pace, and which visit actions are overdue.
    overview = page.inner_text("main")
    assert "Quality-assurance visits behind pace" in overview and "Harbour Therapeutic Arts" in overview
    assert "Make eye protection part of the strimmer risk assessment" in overview
    _look(page, screenshots, "1-overview")

    _click(page, "link", "Visits")
    assert page.locator("#behind-pace").is_visible()
    assert "Harbour Therapeutic Arts" in page.locator("#behind-pace").inner_text()
    _look(page, screenshots, "2-visits")

    # Plan today's visit to Harbour, with a colleague.
    _click(page, "link", "Plan a visit to Harbour Therapeutic Arts")
    _fill_date(page, "visit_date", today)
    page.get_by_label("Claire Benson (Designated Safeguarding Lead)").check()
    _look(page, screenshots, "3-plan")
    _click(page, "button", "Save visit plan")
    assert "Visit to Harbour Therapeutic Arts planned" in page.inner_text("main")

    page.locator("tr", has_text="Harbour Therapeutic Arts").get_by_role(
        "link", name=f"{today.day} {today:%b %Y}"
    ).click()
    page.wait_for_load_state("networkidle")
    _click(page, "button", "Start recording the visit")

    # Part 1: answers autosave as they are chosen and typed.
    assert page.get_by_role("heading", level=1).inner_text() == "Paperwork and registers"
    first = page.locator(".app-checklist-item").first
    first.get_by_label("Met", exact=True).check()
    first.get_by_label("Comment on item 1").fill("Electronic register, printed weekly")
    expect(page.locator("#save-status")).to_contain_text("Draft saved at", timeout=10000)
    _look(page, screenshots, "4-checklist-autosaved")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator(".app-checklist-item").first.get_by_label("Met", exact=True).is_checked()
    assert "Electronic register" in page.locator(".app-checklist-item").first.locator("textarea").input_value()

    # The other checklist parts, with Save and continue.
    for _ in range(5):
        for item in page.locator(".app-checklist-item").all():
            item.get_by_label("Met", exact=True).check()
        page.locator(".app-checklist-item").last.get_by_label("Partly met").check()
        _click(page, "button", "Save and continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Session observed: activity and notes"
    page.get_by_label("Activity observed").fill("Art therapy: clay feelings faces, led by Bea Hughes")
    page.get_by_label("Observation notes").fill("Quiet room, clear start and end. Pupil chose materials.")
    _click(page, "button", "Save and continue")

    assert page.get_by_role("heading", level=1).inner_text() == "Pupils' progress against their objectives"
    assert "Name and describe feelings using the feelings wheel" in page.inner_text("main")
    page.get_by_label("Objectives met").first.check()
    page.locator(".app-checklist-item textarea").first.fill("Named three feelings and chose a colour for each.")
    _look(page, screenshots, "5-progress")
    _click(page, "button", "Save and continue")

    page.get_by_label("Pupil voice").fill("“I can be quiet here.”")
    page.get_by_label("Strengths").fill("Warm, patient therapist; calm room.")
    _click(page, "button", "Save and continue")

    # The task list shows where each part stands; come back into the record from it.
    _click(page, "link", "Back to the visit")
    tasks = page.locator(".govuk-task-list")
    expect(tasks.locator("li", has_text="Paperwork and registers")).to_contain_text("Completed")
    expect(tasks.locator("li", has_text="Overall judgement")).to_contain_text("Not started")
    _look(page, screenshots, "5b-task-list")
    _click(page, "link", "Actions: what, who, by when")

    action = page.locator("fieldset", has_text="Action 1")
    action.get_by_label("What needs to be done").fill("Renew the art therapist's first aid certificate")
    action.get_by_label("The provider").check()
    _fill_date(page, "actions-0-due_on", date.fromordinal(today.toordinal() + 21))
    _look(page, screenshots, "6-actions")
    _click(page, "button", "Save and continue")

    page.get_by_label("Requires improvement: some expectations are only partly met").check()
    page.get_by_label("Summary for the report").fill("Pupils are safe and engaged; first aid cover to renew.")
    _click(page, "button", "Save and continue")

    # Check and sign off.
    assert page.get_by_role("heading", level=1).inner_text() == "Check the visit record and sign it off"
    assert not page.locator("#sign-off-problems").count()
    _look(page, screenshots, "7-check")
    page.get_by_label("I confirm this is an accurate record of the visit").check()
    _click(page, "button", "Sign off the visit")
    main = page.inner_text("main")
    assert "Visit signed off" in main and "can no longer be changed" in main
    assert page.locator("textarea").count() == 0 and page.locator("input[type=radio]").count() == 0
    _look(page, screenshots, "8-signed-off")

    _go(page, f"{base_url}/quality/")
    row = page.locator("tr", has_text="Harbour Therapeutic Arts")
    assert "1 of 3" in row.inner_text()
    context.close()


def test_a_visit_part_is_saved_without_javascript(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=TABLET, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base_url, LEAD)
    _go(page, f"{base_url}/quality/")
    _click(page, "link", re.compile(r"^Rowan Equine Centre, "))
    assert "Being recorded" in page.inner_text("main")
    _click(page, "link", "Health and safety")
    for item in page.locator(".app-checklist-item").all():
        item.get_by_label("Not seen").check()
    page.locator(".app-checklist-item textarea").first.fill("Arena closed for resurfacing")
    _click(page, "button", "Save draft")
    assert page.get_by_role("heading", level=1).inner_text() == "Health and safety"
    assert "Saved." in page.inner_text("main")
    assert page.locator(".app-checklist-item").first.get_by_label("Not seen").is_checked()
    page.screenshot(path=str(screenshots / "quality-9-no-javascript.png"), full_page=True)
    context.close()


def test_key_worker_answers_an_overdue_action_on_a_phone(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, MEADOW_KEY_WORKER)
    _go(page, f"{base_url}/quality/actions")
    main = page.inner_text("main")
    assert "Make eye protection part of the strimmer risk assessment" in main and "Overdue" in main
    assert "Send the provider the updated pupil risk assessments" not in main  # the school's own action
    _look(page, screenshots, "10-key-worker-actions")
    _click(page, "link", "Make eye protection part of the strimmer risk assessment and check it is worn")
    page.get_by_label("Your response").fill("New risk assessment attached to the barn door; goggles worn.")
    _look(page, screenshots, "11-key-worker-respond")
    _click(page, "button", "Send response")
    assert "The school can see your response" in page.inner_text("main")
    context.close()
