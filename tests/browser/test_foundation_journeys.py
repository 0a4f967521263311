"""A key worker and a parent sign in on phones and land on their own home pages; axe stays clean."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, sign_in

PHONE = {"width": 390, "height": 844}


def test_login_page_is_accessible(browser, live_server, screenshots):
    base_url, _ = live_server
    page = browser.new_page()
    page.goto(f"{base_url}/login")
    assert "Larkspur Vale School" in page.content()
    assert_accessible(page, "login")
    page.get_by_role("button", name="Sign in").click()  # empty form: the error summary appears
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page, "login with errors")
    page.screenshot(path=str(screenshots / "login-errors.png"), full_page=True)
    page.close()


def test_key_worker_signs_in_on_a_phone(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, "sam.fielding@meadowlanefarm.example")
    assert page.url.rstrip("/") == base_url
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Today")  # the key worker's home is today's register (issue 5)
    text = page.inner_text("main")
    assert "Your pupils from" in text
    assert "Amelia" not in text  # placed at another provider
    assert "Alfie Abbott" in text
    assert_accessible(page, "key worker home")
    page.screenshot(path=str(screenshots / "key-worker-home.png"), full_page=True)

    page.get_by_role("link", name="Alfie Abbott", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "Objectives agreed with the school" in page.inner_text("main")
    assert_accessible(page, "key worker pupil page")
    page.screenshot(path=str(screenshots / "key-worker-pupil.png"), full_page=True)

    menu = page.get_by_role("button", name="Menu")  # the navigation folds away on a phone
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    context.close()


def test_parent_sees_their_childs_week_on_a_phone(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, base_url, "karen.abbott@parents.example")
    main = page.inner_text("main")
    assert "Alfie's week at alternative provision" in main
    assert "Meadow Lane Care Farm" in main and "Sam Fielding" in main
    # A term-time week lists the sessions; a holiday week (the suite moved with AP_TEST_NOW) says why not.
    assert "09:30 to 12:00" in main or "No sessions —" in main
    assert "Grace" not in main  # another family's child
    assert_accessible(page, "parent home")
    page.screenshot(path=str(screenshots / "parent-home.png"), full_page=True)
    assert errors == []  # our scripts, htmx and GOV.UK Frontend start cleanly under the CSP

    # The idle warning appears before sign-out and "Stay signed in" keeps the session.
    warning = page.locator("#app-idle-warning")
    assert warning.is_hidden()
    page.evaluate("document.getElementById('app-idle-warning').hidden = false")
    page.get_by_role("button", name="Stay signed in").click()
    page.wait_for_timeout(300)
    assert warning.is_hidden() and errors == []
    context.close()


def test_school_overview_is_accessible(browser, live_server, screenshots):
    base_url, _ = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base_url, "office.staff@larkspurvale.example")
    assert "12 active placements" in page.inner_text("main")
    assert_accessible(page, "school overview")
    page.screenshot(path=str(screenshots / "school-overview.png"), full_page=True)
    page.close()


def test_school_pages_work_without_javascript(browser, live_server):
    base_url, _ = live_server
    # axe needs JavaScript, so this journey checks behaviour only.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base_url, "office.staff@larkspurvale.example")
    assert "12 active placements" in page.inner_text("main")
    page.get_by_role("link", name="Pupils").click()
    page.get_by_label("Search by name or UPN").fill("Abbott")
    page.get_by_role("button", name="Search").click()
    assert "1 pupil" in page.inner_text("main")
    context.close()
