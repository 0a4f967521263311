"""Daily attendance in the browser: a key worker marks the morning on a phone (all present, one
late, one absent), the office sees it on the board and records codes and a parent call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ap_forms.school_calendar.services import is_school_day
from ap_forms.web import clock
from tests.browser.conftest import assert_accessible, sign_in

PHONE = {"width": 390, "height": 844}
KEY_WORKER = "sam.fielding@meadowlanefarm.example"  # Meadow Lane: Alfie, Archie and Finley on Mondays
OFFICE = "office.staff@larkspurvale.example"


@pytest.fixture
def monday_morning(live_server):
    """Freeze the live app on the next Monday in term, 09:40 (the demo's history ends yesterday)."""
    base_url, app = live_server
    with app.app_context():
        day = clock.today() + timedelta(days=1)
        while day.weekday() != 0 or not is_school_day(day):
            day += timedelta(days=1)
    app.config["FROZEN_NOW"] = f"{day.isoformat()}T09:40"
    yield base_url, app, day
    app.config.pop("FROZEN_NOW", None)


def _row(board, name: str):
    """A pupil's morning row on the office board."""
    return board.locator("tr", has_text=name).filter(has_text="AM ·")


def _card(page, name: str, session: str = "AM"):
    return page.locator(f"#session-{session} li.app-mark-card", has_text=name)


def test_key_worker_marks_the_morning_and_office_follows_up(browser, monday_morning, screenshots):
    base_url, app, day = monday_morning
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()

    # Tap 1: sign in. The home page is today's register.
    sign_in(page, base_url, KEY_WORKER)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    for name in ("Alfie Abbott", "Archie Carter", "Finley Kendall"):
        assert "Not marked yet" in _card(page, name).inner_text()
    assert_accessible(page, "key worker's register")
    page.screenshot(path=str(screenshots / "attendance-1-today-before.png"), full_page=True)

    # Tap 2: all present. Done on a normal day.
    all_present = page.locator("#session-AM").get_by_role("button", name="All present")
    assert all_present.bounding_box()["height"] >= 56  # a big target for gloved thumbs
    all_present.click()
    expect(page.locator("#register")).to_contain_text("3 pupils marked present")
    for name in ("Alfie Abbott", "Archie Carter", "Finley Kendall"):
        assert "Marked by Sam Fielding at 09:40" in _card(page, name).inner_text()

    # Exceptions: Archie arrived late, Finley is not here after all.
    archie = _card(page, "Archie Carter")
    archie.get_by_role("button", name="Late").click()
    expect(archie).to_contain_text("Saved: Late")
    archie.get_by_label("Arrived at").fill("09:55")
    archie.get_by_role("button", name="Save details").click()
    expect(archie).to_contain_text("Late: 25 minutes, arrived 09:55")

    finley = _card(page, "Finley Kendall")
    finley.get_by_role("button", name="Absent").click()
    expect(finley).to_contain_text("Saved: Absent")
    finley.get_by_label("Ill", exact=True).check()
    finley.get_by_label("Note for the school (optional)").fill("Mum texted: sick bug")
    finley.get_by_role("button", name="Save details").click()
    expect(finley).to_contain_text("Absent: Ill, Mum texted: sick bug")
    assert_accessible(page, "register after marking")
    page.screenshot(path=str(screenshots / "attendance-2-today-marked.png"), full_page=True)

    # No signal: the tap fails, and the page says so instead of pretending.
    context.set_offline(True)
    alfie_pm = _card(page, "Alfie Abbott", "PM")
    alfie_pm.get_by_role("button", name="Present").click()
    expect(alfie_pm.locator(".app-status--error")).to_contain_text("Not saved: no connection")
    assert "Not marked yet" in alfie_pm.inner_text()
    page.screenshot(path=str(screenshots / "attendance-3-no-connection.png"), full_page=True)
    context.set_offline(False)
    context.close()

    # The office, after the cut-off, on a desktop.
    app.config["FROZEN_NOW"] = f"{day.isoformat()}T10:30"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base_url, OFFICE)
    page.goto(f"{base_url}/attendance/board")
    board = page.locator("#board")
    finley_row = _row(board, "Finley Kendall")
    assert "Absent" in finley_row.inner_text() and "Parent not reached yet" in finley_row.inner_text()
    assert "Late" in _row(board, "Archie Carter").inner_text()
    assert "Not reported" in board.inner_text()  # other providers have not reported: past the cut-off
    assert_accessible(page, "office board")
    page.screenshot(path=str(screenshots / "attendance-4-board.png"), full_page=True)

    # Code B for everyone confirmed attending, then Finley's actual absence code.
    page.get_by_role("button", name="Record code B for").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded code B")
    expect(_row(board, "Archie Carter").locator(".app-code")).to_have_text("B")
    finley_row = _row(board, "Finley Kendall")
    finley_row.get_by_label("Register code for Finley Kendall").select_option("I")
    finley_row.get_by_role("button", name="Record code").click()
    expect(finley_row.locator(".app-code")).to_have_text("I")

    # The call home, recorded without leaving the board.
    finley_row.get_by_text("Record parent contact").click()
    finley_row.get_by_label("Who did you contact").fill("Mrs Kendall (mother)")
    finley_row.get_by_label("Phone call").check()
    finley_row.get_by_label("Spoke to them: reason given").check()
    finley_row.get_by_label("What you were told (optional)").fill("Sick bug, back on Thursday")
    finley_row.get_by_role("button", name="Save parent contact").click()
    expect(finley_row).to_contain_text("Mrs Kendall (mother)")
    assert "Spoke to them: reason given" in finley_row.inner_text()
    assert "Parent not reached yet" not in finley_row.inner_text()
    assert_accessible(page, "office board after recording")
    page.screenshot(path=str(screenshots / "attendance-5-board-recorded.png"), full_page=True)
    page.close()


def test_key_worker_marks_without_javascript(browser, monday_morning):
    base_url, app, day = monday_morning
    app.config["FROZEN_NOW"] = f"{day.isoformat()}T13:20"
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base_url, KEY_WORKER)
    card = _card(page, "Finley Kendall", "PM")
    card.get_by_role("button", name="Present").click()
    page.wait_for_load_state("networkidle")
    assert "Marked by Sam Fielding at 13:20" in _card(page, "Finley Kendall", "PM").inner_text()
    context.close()


def test_parent_sees_their_childs_attendance(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, "karen.abbott@parents.example")
    page.get_by_role("link", name="See Alfie's attendance").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Alfie's attendance" in main and "attended" in main and "Grace" not in main
    assert_accessible(page, "parent's attendance page")
    page.screenshot(path=str(screenshots / "attendance-6-parent.png"), full_page=True)
    context.close()


def test_school_calendar_page(browser, live_server, screenshots):
    base_url, _ = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base_url, OFFICE)
    page.get_by_role("link", name="School calendar").click()
    page.get_by_role("link", name="2026 to 2027").click()
    assert "October half-term" in page.inner_text("main")
    assert_accessible(page, "school year")
    page.screenshot(path=str(screenshots / "calendar-year.png"), full_page=True)
    page.close()
