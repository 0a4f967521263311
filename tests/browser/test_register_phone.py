"""The key worker's register on a phone with a bad signal (issue 10): a mark that could not be
sent stays pending and is sent when the signal returns; "All present" never turns it into
"Present"; the counts follow each mark; the page fits 390 px with 44 px targets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ap_forms.attendance.models import AttendanceMark
from ap_forms.extensions import db
from ap_forms.school_calendar.services import is_school_day
from ap_forms.web import clock
from tests.browser.conftest import assert_accessible, sign_in

PHONE = {"width": 390, "height": 844}
KEY_WORKER = "sam.fielding@meadowlanefarm.example"  # Meadow Lane: Alfie, Archie and Finley on Mondays
PUPILS = ("Alfie Abbott", "Archie Carter", "Finley Kendall")


def _monday(app, nth: int, *, after_school_week: bool = False) -> date:
    """The nth Monday in term after today (the journeys in test_attendance_journeys use the first);
    with `after_school_week`, only a Monday whose previous Friday was a school day (so earlier days
    can have marks missing, whichever day the suite runs on)."""
    with app.app_context():
        day, found = clock.today(), 0
        while True:
            day += timedelta(days=1)
            if (
                day.weekday() == 0
                and is_school_day(day)
                and (not after_school_week or is_school_day(day - timedelta(days=3)))
            ):
                found += 1
                if found == nth:
                    return day


@pytest.fixture
def frozen(live_server):
    base_url, app = live_server

    def _freeze(day: date, at: str) -> None:
        app.config["FROZEN_NOW"] = f"{day.isoformat()}T{at}"

    yield base_url, app, _freeze
    app.config.pop("FROZEN_NOW", None)


def _card(page, name: str, session: str = "AM"):
    return page.locator(f"#session-{session} li.app-mark-card", has_text=name)


def _marks(app, day: date, session: str = "AM") -> dict[str, str]:
    with app.app_context():
        marks = db.session.scalars(
            select(AttendanceMark).where(AttendanceMark.day == day, AttendanceMark.session == session)
        ).all()
        result = {m.placement.student.full_name: m.status for m in marks}
        db.session.remove()
    return result


def test_an_absence_tapped_with_no_signal_is_never_saved_as_present(browser, frozen, screenshots):
    base_url, app, freeze = frozen
    day = _monday(app, 2)
    freeze(day, "09:40")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, KEY_WORKER)
    morning = page.locator("#session-AM")
    count = morning.locator("[data-app-count]")
    expect(count).to_have_text("3 not marked yet this morning")

    # One tap on Alfie: the "All present" count follows at once.
    _card(page, "Alfie Abbott").get_by_role("button", name="Present").click()
    expect(_card(page, "Alfie Abbott")).to_contain_text("Saved: Present")
    expect(count).to_have_text("2 not marked yet this morning")

    # No signal: Finley is absent. The tap fails, and the page keeps it, saying so.
    context.set_offline(True)
    finley = _card(page, "Finley Kendall")
    finley.get_by_role("button", name="Absent").click()
    expect(finley.locator(".app-status--error")).to_contain_text(
        "Not saved: no connection. Absent will be sent when the signal returns."
    )
    expect(count).to_have_text("1 not marked yet this morning")
    expect(morning.locator("[data-app-pending-note]")).to_have_text(
        '1 mark not yet saved — not included in "All present".'
    )
    page.screenshot(path=str(screenshots / "register-1-pending-offline.png"), full_page=True)

    # The signal returns: the pending absence is sent by itself; then "All present" for the rest.
    context.set_offline(False)
    expect(finley).to_contain_text("Saved: Absent")
    expect(finley.locator(".app-status--error")).to_have_count(0)
    morning.get_by_role("button", name="All present").click()
    expect(page.locator("#register")).to_contain_text("1 pupil marked present.")
    assert "Absent" in _card(page, "Finley Kendall").inner_text()
    assert _marks(app, day) == {"Alfie Abbott": "present", "Archie Carter": "present", "Finley Kendall": "absent"}
    page.screenshot(path=str(screenshots / "register-2-back-online.png"), full_page=True)
    context.close()


def test_all_present_leaves_out_a_mark_still_waiting_and_sends_it_later(browser, frozen, screenshots):
    base_url, app, freeze = frozen
    day = _monday(app, 3)
    freeze(day, "09:40")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, KEY_WORKER)
    finley = _card(page, "Finley Kendall")
    placement_id = finley.get_attribute("data-app-placement")
    context.set_offline(True)
    finley.get_by_role("button", name="Absent").click()
    expect(finley).to_contain_text("Not saved: no connection")

    # The phone says it is online, but Finley's mark still cannot get through (a weak signal).
    blocked = f"**/attendance/register/{placement_id}/**"
    page.route(blocked, lambda route: route.abort())
    context.set_offline(False)
    morning = page.locator("#session-AM")
    morning.get_by_role("button", name="All present").click()
    register = page.locator("#register")
    expect(register).to_contain_text("2 pupils marked present.")
    expect(register).to_contain_text("1 mark not yet saved — not included: Finley Kendall.")
    expect(_card(page, "Finley Kendall")).to_contain_text("Not saved: no connection. Absent will be sent")
    expect(morning.locator("[data-app-pending-note]")).to_contain_text("1 mark not yet saved")
    assert _marks(app, day) == {"Alfie Abbott": "present", "Archie Carter": "present"}  # Finley: nothing yet
    page.screenshot(path=str(screenshots / "register-3-all-present-leaves-out-pending.png"), full_page=True)

    # The signal gets through; the next tap anywhere sends Finley's absence.
    page.unroute(blocked)
    page.get_by_role("heading", level=1).click()
    expect(_card(page, "Finley Kendall")).to_contain_text("Saved: Absent")
    expect(morning.locator("[data-app-pending-note]")).to_have_text("")
    assert _marks(app, day) == {"Alfie Abbott": "present", "Archie Carter": "present", "Finley Kendall": "absent"}
    context.close()


def _assert_tall(locator, what: str) -> None:
    for i in range(locator.count()):
        item = locator.nth(i)
        if not item.is_visible():
            continue
        box = item.bounding_box()
        assert box["height"] >= 44, f"{what} {item.inner_text()!r} is {box['height']}px tall"


def _assert_fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} scrolls sideways: {width}px wide"


def test_register_fits_a_phone_with_today_first_and_44px_targets(browser, frozen, screenshots):
    base_url, app, freeze = frozen
    day = _monday(app, 4, after_school_week=True)
    freeze(day, "10:30")  # past the morning cut-off, nothing marked
    page = browser.new_page(viewport=PHONE)
    sign_in(page, base_url, KEY_WORKER)
    expect(page.locator("#session-AM .app-cutoff")).to_contain_text(
        "It is past 10:00, the time the school needs the morning marks by"
    )
    _assert_fits(page, "the register")
    page.screenshot(path=str(screenshots / "phone-1-register-past-cut-off.png"))
    page.screenshot(path=str(screenshots / "phone-2-register-full.png"), full_page=True)
    # Today's two registers come first; earlier days' missing marks are one collapsed line after them.
    backlog = page.locator("#marks-missing")
    assert page.locator("#session-PM").bounding_box()["y"] < backlog.bounding_box()["y"]
    assert backlog.get_attribute("open") is None
    backlog.locator("summary").click()
    _assert_tall(page.locator("#register button:visible, #register summary, #register a"), "register target")
    _assert_tall(page.locator("#marks-missing summary, #marks-missing a"), "backlog link")
    _card(page, "Alfie Abbott").locator("summary").click()  # "Left early or not expected"
    _card(page, "Alfie Abbott").get_by_role("button", name="Late").click()
    expect(_card(page, "Alfie Abbott")).to_contain_text("Saved: Late")
    _assert_tall(_card(page, "Alfie Abbott").locator("button:visible"), "card button")
    assert_accessible(page, "register on a phone")

    menu = page.get_by_role("button", name="Menu")
    _assert_tall(menu, "menu button")
    menu.click()
    _assert_tall(page.locator(".govuk-service-navigation__link"), "menu link")
    _assert_tall(page.get_by_role("button", name="Sign out"), "sign-out")
    page.screenshot(path=str(screenshots / "phone-3-menu.png"))

    for path, name in [("/attendance/", "attendance"), (None, "pupil")]:
        if path is None:
            page.goto(base_url + "/")
            path = page.locator("a[href^='/pupils/']").first.get_attribute("href")
        page.goto(base_url + path)
        _assert_fits(page, f"the {name} page")
        page.screenshot(path=str(screenshots / f"phone-4-{name}.png"), full_page=True)
    page.close()


def test_the_phone_menu_is_collapsed_from_the_first_paint(browser, live_server):
    """GOV.UK Frontend collapses the menu behind "Menu" when its script runs, after the first paint;
    the page must not paint the whole menu open and then jump (Lighthouse's layout shift, issue 15).
    While the script is still on its way, the page is laid out as it is once the script has run; if
    the script never arrives, the menu is shown open (not a dead button)."""
    base_url, _app = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, KEY_WORKER)
    top = "document.querySelector('body > .govuk-width-container').getBoundingClientRect().top"
    after_script = page.evaluate(top)
    expect(page.locator(".govuk-service-navigation__toggle")).to_be_visible()
    expect(page.locator(".govuk-service-navigation__list")).to_be_hidden()

    page.route("**/govuk-frontend.min.*.js", lambda route: None)  # on its way, never arriving
    page.goto(base_url + "/", wait_until="commit")
    page.wait_for_selector("body > .govuk-width-container")
    assert page.evaluate(top) == after_script
    expect(page.locator(".govuk-service-navigation__toggle")).to_be_visible()
    page.unroute("**/govuk-frontend.min.*.js")

    page.route("**/govuk-frontend.min.*.js", lambda route: route.abort())  # failed to load
    page.goto(base_url + "/")
    expect(page.locator(".govuk-service-navigation__list")).to_be_visible()
    expect(page.get_by_role("link", name="Sign out").or_(page.get_by_role("button", name="Sign out"))).to_be_visible()
    context.close()
