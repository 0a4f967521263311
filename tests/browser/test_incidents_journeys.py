"""Issue 11: a key worker on a phone reports a safeguarding concern with a mark on the body outline
(and again with JavaScript off); the DSL signs in with two-factor, reads it, records actions, closes it."""

from __future__ import annotations

import re

import pyotp

from tests.browser.conftest import assert_accessible, serve_demo, sign_in

PHONE = {"width": 390, "height": 844}
KEY_WORKER = "sam.fielding@meadowlanefarm.example"


def _step(text: str) -> None:
    print(f"journey: {text}", flush=True)


def _report_concern(page, base_url, screenshots, name: str, *, javascript: bool) -> str:
    _step(f"{name}: sign in")
    sign_in(page, base_url, KEY_WORKER)
    page.get_by_role("link", name=re.compile(r"^Report a concern.* about ")).first.click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "If a child is in immediate danger, call 999" in main and "01536 000 199" in main
    # The DSL's phone comes before the form.
    assert main.index("01536 000 199") < main.index("What do you need to report?")
    if javascript:  # axe needs JavaScript; the JavaScript-off journey checks behaviour only
        assert_accessible(page, f"{name}: start")
    _step(f"{name}: choose the kind")
    page.get_by_label("Safeguarding concern about a pupil").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Safeguarding concern about a pupil", page.inner_text("main")[:800]
    page.get_by_label("What did you see or hear?").fill(f"{name}: a bruise on the arm; he said it was his brother")
    page.get_by_label("What did the pupil say? (optional)").fill("My brother did it")
    page.get_by_label("Day").fill("23")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Describe any injury or mark (optional)").fill("A 3 cm bruise on the left forearm")
    drawing = page.locator(".app-body-map__drawing")
    if javascript:
        assert drawing.is_visible()
        page.locator('[data-region="front_left_arm"]').click()
        assert page.get_by_label("Left arm (front)").is_checked()
        assert page.locator('[data-region="front_left_arm"].is-marked').count() == 1
        page.locator("#save-status", has_text="Draft saved").wait_for()
    else:
        assert not drawing.is_visible()
        page.get_by_label("Left arm (front)").check()
    _step(f"{name}: send")
    page.get_by_label("Yes, the pupil is safe now").check()
    if javascript:
        assert_accessible(page, f"{name}: form")
    page.screenshot(path=str(screenshots / f"{name}-form.png"), full_page=True)
    page.get_by_role("button", name="Send to the school now").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Report sent" in main and "The Designated Safeguarding Lead has been alerted" in main
    assert "Left arm (front)" in main
    reference = re.search(r"SG-\d{5}", main).group(0)
    if javascript:
        assert_accessible(page, f"{name}: receipt")
    page.screenshot(path=str(screenshots / f"{name}-receipt.png"), full_page=True)
    return reference


def test_key_worker_reports_and_dsl_follows_up(browser, tmp_path, screenshots):
    with serve_demo(tmp_path, FROZEN_NOW="2026-11-23T10:30", TWO_FACTOR_REQUIRED_ROLES=frozenset({"dsl"})) as (
        base_url,
        _app,
    ):
        _step("demo school served")
        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        with_js = _report_concern(phone.new_page(), base_url, screenshots, "phone", javascript=True)
        phone.close()
        no_js_context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        without_js = _report_concern(no_js_context.new_page(), base_url, screenshots, "no-js", javascript=False)
        no_js_context.close()
        assert with_js != without_js

        _step("DSL signs in")
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        sign_in(page, base_url, "dsl@larkspurvale.example")
        assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
        secret = page.locator("code.app-secret").inner_text()
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("networkidle")
        badge = page.locator(".app-badge").first
        assert badge.is_visible() and int(badge.inner_text().split()[0]) >= 3  # the demo's and these two
        page.get_by_role("link", name=re.compile("^Safeguarding")).first.click()
        page.wait_for_load_state("networkidle")
        assert with_js in page.inner_text("main") and without_js in page.inner_text("main")
        assert_accessible(page, "DSL inbox")
        page.screenshot(path=str(screenshots / "dsl-inbox.png"), full_page=True)
        page.get_by_role("link", name=with_js).click()
        page.wait_for_load_state("networkidle")
        main = page.inner_text("main")
        assert "phone: a bruise on the arm" in main and "My brother did it" in main and "Left arm (front)" in main
        assert "Claire Benson" in main  # who has opened it
        assert_accessible(page, "concern")
        page.get_by_label("Spoke with the pupil").check()
        page.get_by_label("What was done and said").fill("He repeated that his brother grabbed him.")
        page.get_by_role("button", name="Record it").click()
        page.wait_for_load_state("networkidle")
        page.get_by_label("Referral to children's social care (MASH)").check()
        page.get_by_label("What was done and said").fill("Referred to MASH by phone.")
        page.get_by_role("button", name="Record it").click()
        page.wait_for_load_state("networkidle")
        main = page.inner_text("main")
        assert "Spoke with the pupil" in main and "Referred to MASH by phone." in main
        page.screenshot(path=str(screenshots / "dsl-concern.png"), full_page=True)
        page.get_by_label("Outcome").fill("Children's social care are leading; monitoring weekly.")
        page.get_by_role("button", name="Close it").click()
        page.wait_for_load_state("networkidle")
        assert f"{with_js} is closed" in page.inner_text("main")
        page.get_by_role("link", name="Closed").click()
        page.wait_for_load_state("networkidle")
        assert with_js in page.inner_text("main")
        desk.close()
