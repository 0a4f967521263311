"""The SEND lead clears a new provider, part by part, and then places a pupil there; a key worker
sees what the school still needs. axe stays clean on every page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import assert_accessible, serve_demo, sign_in
from tests.factories import TINY_PDF

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own demo school: its journeys add a provider and start a placement."""
    with serve_demo(tmp_path_factory.mktemp("providers-live")) as served:
        yield served


def _fill_date(page, name: str, day: date) -> None:
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def _save(page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("networkidle")


def _open_part(page, link: str, check, shots, name: str) -> None:
    page.get_by_role("link", name=link).first.click()
    page.wait_for_load_state("networkidle")
    check(page, name)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_send_lead_clears_a_new_provider_then_places_a_pupil_there(browser, live_server, screenshots):
    base_url, _ = live_server
    today = date.today()
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, base_url, "send.lead@larkspurvale.example")

    page.get_by_role("link", name="Providers").click()
    page.wait_for_load_state("networkidle")
    assert "Harbour Therapeutic Arts" in page.inner_text("main")
    assert_accessible(page, "provider list")
    page.screenshot(path=str(screenshots / "providers-list.png"), full_page=True)

    # Add the provider; the first try misses fields and shows errors.
    page.get_by_role("button", name="Add a provider").click()
    page.wait_for_load_state("networkidle")
    _save(page, "Save provider details")
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page, "add provider with errors")
    page.screenshot(path=str(screenshots / "provider-new-errors.png"), full_page=True)
    page.get_by_label("Provider name").fill("Ironstone Climbing Centre")
    page.get_by_label("Registered with Ofsted (other registration)").check()
    page.get_by_label("Ofsted URN (if registered)").fill("2712099")
    page.get_by_label("Good").check()
    _fill_date(page, "ofsted_judgement_date", date(2025, 6, 12))
    page.get_by_role("group", name="Is the provider on the local authority's approved provider list?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Main address").fill("Unit 7, Ironstone Way, Kettering NN16 0ZZ")
    page.get_by_label("Contact name").fill("Maya Flint")
    page.get_by_label("Contact email").fill("maya@ironstoneclimbing.example")
    page.get_by_label("Contact phone").fill("01536 000 299")
    _save(page, "Save provider details")
    main = page.inner_text("main")
    assert "Ironstone Climbing Centre" in main and "Not cleared for commissioning" in main
    assert "No Service Level Agreement recorded" in main
    assert_accessible(page, "new provider page")
    page.screenshot(path=str(screenshots / "provider-not-cleared.png"), full_page=True)

    # Service Level Agreement, with the signed copy as evidence.
    _open_part(page, "Add (service level agreement)", assert_accessible, screenshots, "part-agreement")
    page.get_by_label("Agreed terms").fill("Climbing sessions on Tuesdays, 1 instructor to 3 pupils.")
    _fill_date(page, "start_date", today - timedelta(days=20))
    _fill_date(page, "end_date", today + timedelta(days=250))
    _fill_date(page, "school_signed_on", today - timedelta(days=25))
    _fill_date(page, "provider_signed_on", today - timedelta(days=24))
    page.get_by_label("Per session").check()
    page.get_by_label("Rate in pounds").fill("78.50")
    page.set_input_files(
        "#evidence", files=[{"name": "signed-sla.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}]
    )
    _save(page, "Save agreement")
    assert "Service Level Agreement saved" in page.inner_text("main")

    _open_part(
        page, "Add (risk assessments and documentation checked)", assert_accessible, screenshots, "part-documentation"
    )
    _fill_date(page, "checked_on", today - timedelta(days=5))
    page.get_by_label("What was checked, and anything to follow up").fill("Wall and rope risk assessments seen.")
    _save(page, "Save check")

    for label in ("safeguarding", "e-safety", "data protection", "health and safety"):
        page.get_by_role("link", name=f"Add {label} policy").click()
        page.wait_for_load_state("networkidle")
        _fill_date(page, "review_date", today + timedelta(days=300))
        _save(page, "Save policy")

    _open_part(
        page,
        "Add a new confirmation (written confirmation of staff vetting checks)",
        assert_accessible,
        screenshots,
        "part-vetting",
    )
    _fill_date(page, "received_on", today - timedelta(days=3))
    page.get_by_label("Staff it covers").fill("Maya Flint\nOwen Hart")
    page.get_by_label("It confirms an enhanced DBS check with a barred list check for each of them").check()
    _save(page, "Save confirmation")

    _open_part(
        page,
        "Add (trust safeguarding and child protection policy)",
        assert_accessible,
        screenshots,
        "part-trust-policy",
    )
    _fill_date(page, "sent_on", today - timedelta(days=10))
    _fill_date(page, "acknowledged_on", today - timedelta(days=8))
    _save(page, "Save")

    _open_part(
        page, "Add training (annual cpd and safeguarding training)", assert_accessible, screenshots, "part-training"
    )
    _fill_date(page, "attended_on", today - timedelta(days=30))
    page.get_by_label("What the training was").fill("Trust safeguarding update")
    page.get_by_role("group", name="Did it include safeguarding training?").get_by_label("Yes").check()
    _save(page, "Save training")
    main = page.inner_text("main")
    assert "Not cleared for commissioning" in main and "Safeguarding checklist not completed" in main

    # The safeguarding checklist: answered item by item (htmx), then signed off.
    page.get_by_role("button", name="Start the safeguarding checklist").click()
    page.wait_for_load_state("networkidle")
    assert "0 of 22 items answered" in page.inner_text("main")
    assert_accessible(page, "checklist")
    items = page.locator(".app-checklist-item")
    first = items.nth(0)
    first.get_by_label("No", exact=True).check()
    first.get_by_role("button", name="Save answer").click()
    first.get_by_text("Say what is missing and what the provider will do about it").first.wait_for()
    assert_accessible(page, "checklist item error")
    for n in range(items.count()):
        item = items.nth(n)
        item.get_by_label("Yes", exact=True).check()
        if n == 0:
            item.get_by_label("Comment (needed for No or Not applicable)").fill("DSL: Maya Flint, 01536 000 299")
        item.get_by_role("button", name="Save answer").click()
        item.get_by_text("Saved.").wait_for()
    assert "22 of 22 items answered" in page.inner_text("#checklist-progress")
    page.screenshot(path=str(screenshots / "checklist-answered.png"), full_page=True)
    page.get_by_label("I have checked these answers and I am satisfied").check()
    _save(page, "Sign off checklist")
    main = page.inner_text("main")
    assert "Safeguarding checklist signed off" in main and "Not cleared" not in main
    assert "Everything in the commissioning record is in place" in main
    assert_accessible(page, "cleared provider")
    page.screenshot(path=str(screenshots / "provider-cleared.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as a PDF").click()
    assert download.value.suggested_filename.startswith("Safeguarding-checklist-Ironstone-Climbing-Centre")

    # A pupil is placed there through a referral: the pupil page starts one (the journey through the
    # Referral Form is tests/browser/test_referrals_journeys.py).
    page.goto(f"{base_url}/pupils/?q=Underwood")
    page.get_by_role("link", name="Underwood, Leo").click()
    page.wait_for_load_state("networkidle")
    assert "Plan a placement" not in page.inner_text("main")
    page.get_by_role("button", name="Refer Leo to alternative provision").click()
    page.wait_for_load_state("networkidle")
    assert "/referrals/new" in page.url
    page.close()


def test_a_lapsed_provider_is_flagged_on_the_overview(browser, live_server, screenshots):
    # Approval is refused at a provider that is not cleared (tests/test_referrals_workflow.py).
    base_url, _ = live_server
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, base_url, "head@larkspurvale.example")
    assert "Pupils placed at providers that are not cleared" in page.inner_text("main")
    assert_accessible(page, "overview with lapsed provider")
    page.screenshot(path=str(screenshots / "overview-lapsed.png"), full_page=True)
    page.close()


def test_key_worker_sees_what_the_school_needs_and_sends_a_document(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, base_url, "bea.hughes@harbourarts.example")
    page.goto(f"{base_url}/providers/mine")
    main = page.inner_text("main")
    assert "What the school still needs" in main and "First aid" in main
    assert_accessible(page, "key worker checks")
    page.get_by_label("What is it evidence of?").select_option(label="Safeguarding checklist evidence")
    page.get_by_label("Description (optional)").fill("First aid certificate, renewed")
    page.set_input_files("#file", files=[{"name": "first-aid.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    page.get_by_role("button", name="Send document").click()
    page.wait_for_load_state("networkidle")
    assert "The school has your document" in page.inner_text("main")
    assert "First aid certificate, renewed" in page.inner_text("main")
    assert_accessible(page, "key worker after upload")
    page.screenshot(path=str(screenshots / "key-worker-checks.png"), full_page=True)
    context.close()


def test_checklist_items_save_without_javascript(browser, live_server):
    base_url, _ = live_server
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base_url, "send.lead@larkspurvale.example")
    page.goto(f"{base_url}/providers/?status=not_cleared")
    page.get_by_role("link", name="Harbour Therapeutic Arts").click()
    page.get_by_role("link", name="Continue the checklist").click()
    item = page.locator(".app-checklist-item").nth(20)
    item.get_by_label("Yes", exact=True).check()
    item.get_by_role("button", name="Save answer").click()
    assert "18 of 22 items answered" in page.inner_text("#checklist-progress")
    context.close()
