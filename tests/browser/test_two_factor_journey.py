"""The headteacher's first sign-in: set up an authenticator app, then land on the overview."""

from __future__ import annotations

import pyotp

from tests.browser.conftest import assert_accessible, serve_demo, sign_in


def test_headteacher_sets_up_two_factor(browser, tmp_path, screenshots):
    with serve_demo(tmp_path, TWO_FACTOR_REQUIRED_ROLES=frozenset({"headteacher"})) as (base_url, _):
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        sign_in(page, base_url, "head@larkspurvale.example")
        assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
        assert page.get_by_role("img", name="QR code to add AP Forms to your authenticator app").is_visible()
        assert_accessible(page, "two-factor setup")
        page.screenshot(path=str(screenshots / "two-factor-setup.png"), full_page=True)
        secret = page.locator("code.app-secret").inner_text()
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
        assert page.locator(".app-recovery-codes code").count() == 10
        assert_accessible(page, "recovery codes")
        page.screenshot(path=str(screenshots / "recovery-codes.png"), full_page=True)
        page.get_by_role("button", name="I have kept my codes safe: continue").click()
        page.wait_for_load_state("networkidle")
        assert "Alternative provision overview" in page.inner_text("main")
        page.close()
