"""The SEND lead refers a pupil from start to placement; a parent reads the week on a phone (issue 4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from ap_forms.school_calendar.services import is_school_day
from ap_forms.web import clock
from tests.browser.conftest import assert_accessible, sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _save_section(page, expect_completed: str) -> None:
    page.get_by_role("button", name="Save this section").click()
    page.wait_for_load_state("networkidle")
    assert "saved and marked as completed" in page.inner_text("main"), page.inner_text("main")[:800]
    assert expect_completed in page.inner_text("main")


def _open(page, section: str) -> None:
    page.get_by_role("link", name=section).click()
    page.wait_for_load_state("networkidle")


def _date(page, field: str, day: str, month: str, year: str) -> None:
    page.locator(f"#{field}").fill(day)
    page.locator(f"#{field}-month").fill(month)
    page.locator(f"#{field}-year").fill(year)


def test_send_lead_refers_a_pupil_through_to_a_placement(browser, live_server, screenshots):
    base_url, _ = live_server
    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(15_000)
    sign_in(page, base_url, "send.lead@larkspurvale.example")
    main = page.inner_text("main")
    assert "Referrals waiting for a decision" in main and "Reviews overdue" in main
    assert "Archie Carter at Meadow Lane Care Farm" in main  # the demo's overdue review
    assert_accessible(page, "school overview with referrals and reviews")
    page.screenshot(path=str(screenshots / "referral-00-overview.png"), full_page=True)

    page.get_by_role("link", name="Referrals", exact=True).click()
    assert "4 referrals" in page.inner_text("main")
    assert_accessible(page, "referral list")
    page.screenshot(path=str(screenshots / "referral-01-list.png"), full_page=True)

    page.get_by_role("button", name="Start a referral").click()
    value = page.locator("#student_id option", has_text="Bennett, Mia").get_attribute("value")
    page.locator("#student_id").select_option(value)
    page.get_by_role("button", name="Start the referral").click()
    page.wait_for_load_state("networkidle")
    assert "You have completed 0 of 12 sections" in page.inner_text("main")
    assert_accessible(page, "task list")
    page.screenshot(path=str(screenshots / "referral-02-task-list.png"), full_page=True)

    _open(page, "Pupil details")
    assert "From the pupil record" in page.inner_text("main")
    page.get_by_label("Female").check()
    assert_accessible(page, "pupil details section")
    _save_section(page, "You have completed 1 of 12 sections")

    _open(page, "Parents, carers and restrictions")
    page.get_by_label("Parents and carers").fill("Anna Bennett (Mother): 07700 900555")
    page.get_by_label("No", exact=True).check()
    _save_section(page, "You have completed 2 of 12 sections")

    _open(page, "Medical needs and medication")
    page.get_by_label("Medication").fill("None")
    _save_section(page, "You have completed 3 of 12 sections")

    _open(page, "SEND needs and EHCP outcomes")
    page.get_by_label("EHCP outcomes this placement supports").fill("To manage change with a visual plan")
    _save_section(page, "You have completed 4 of 12 sections")

    # Per-section validation with an error summary; nothing typed is lost.
    _open(page, "Attendance, exclusions and social care")
    page.get_by_label("Attendance before the placement (%)").fill("seventy")
    page.get_by_role("button", name="Save this section").click()
    page.wait_for_load_state("networkidle")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Attendance must be a whole number from 0 to 100" in summary.inner_text()
    assert page.get_by_label("Attendance before the placement (%)").input_value() == "seventy"
    assert_accessible(page, "section with errors")
    page.screenshot(path=str(screenshots / "referral-03-section-errors.png"), full_page=True)
    page.get_by_label("Attendance before the placement (%)").fill("58")
    page.get_by_label("Suspensions in the last 12 months").fill("2")
    page.get_by_label("No social care involvement").check()
    page.locator("#looked_after-2").check()
    _save_section(page, "You have completed 5 of 12 sections")

    # Autosave: type, leave without saving, come back: the draft is there.
    _open(page, "Strengths, barriers and past interventions")
    page.get_by_label("Strengths and interests").fill("Creative; loves drawing animals")
    page.get_by_label("Strengths and interests").blur()
    page.get_by_text("Draft saved at").wait_for()
    page.screenshot(path=str(screenshots / "referral-04-autosaved.png"), full_page=True)
    page.get_by_role("link", name="Return to the task list").click()
    page.wait_for_load_state("networkidle")
    assert "In progress" in page.inner_text("main")
    _open(page, "Strengths, barriers and past interventions")
    assert page.get_by_label("Strengths and interests").input_value() == "Creative; loves drawing animals"
    page.get_by_label("Barriers to learning").fill("Anxiety about change")
    page.get_by_label("Effective past interventions").fill("Social stories before changes")
    _save_section(page, "You have completed 6 of 12 sections")

    _open(page, "Reasons for alternative provision")
    page.get_by_label("Therapeutic intervention is required").check()
    page.get_by_label("To meet EHCP outcomes").check()
    _save_section(page, "You have completed 7 of 12 sections")

    _open(page, "Objectives and expected outcomes")
    page.locator("#objectives-0-objective").fill("Attend at least 85% of sessions")
    page.locator("#objectives-0-measure").fill("Attendance register each half term")
    page.locator("#objectives-1-objective").fill("Complete two pieces for an Arts Award portfolio")
    page.locator("#objectives-1-measure").fill("Portfolio checked at each review")
    page.get_by_label("Expected academic outcomes").fill("Arts Award Discover; Entry Level 3 English")
    assert_accessible(page, "objectives section")
    _save_section(page, "You have completed 8 of 12 sections")

    _open(page, "Risk assessment")
    page.locator("#risks-0-hazard").fill("Leaving the room when overwhelmed")
    page.locator("#risks-0-triggers").fill("Unexpected changes")
    page.locator("#risks-0-controls").fill("Visual timetable; agreed quiet corner")
    page.locator("#risks-0-likelihood").select_option("3")
    page.locator("#risks-0-severity").select_option("2")
    assert_accessible(page, "risk section")
    _save_section(page, "You have completed 9 of 12 sections")

    _open(page, "Proposed provider and dates")
    provider = page.locator("#provider_id option", has_text="Rowan Equine Centre").get_attribute("value")
    page.locator("#provider_id").select_option(provider)
    _date(page, "proposed_start", "4", "1", "2027")
    _date(page, "proposed_end", "16", "7", "2027")
    _date(page, "first_review_on", "8", "2", "2027")
    assert_accessible(page, "provider section")
    _save_section(page, "You have completed 10 of 12 sections")

    _open(page, "Proposed weekly timetable")
    page.locator("#sessions-0-weekday").select_option("1")
    page.locator("#sessions-0-start_time").fill("10:00")
    page.locator("#sessions-0-end_time").fill("12:30")
    page.locator("#sessions-0-activity").fill("Art therapy")
    page.locator("#sessions-1-weekday").select_option("3")
    page.locator("#sessions-1-start_time").fill("13:00")
    page.locator("#sessions-1-end_time").fill("15:00")
    page.locator("#sessions-1-activity").fill("Music and drama")
    assert_accessible(page, "timetable section")
    page.screenshot(path=str(screenshots / "referral-05-timetable.png"), full_page=True)
    _save_section(page, "You have completed 11 of 12 sections")

    _open(page, "Views and agreement with parents")
    page.get_by_label("Parents' or carers' views").fill("Mrs Bennett agrees and will bring Mia on Tuesdays")
    page.get_by_label("The pupil's views").fill("I like painting")
    page.get_by_label("Interim Review").check()
    _date(page, "agreed_on", "25", "11", "2026")
    _save_section(page, "You have completed every section")
    page.screenshot(path=str(screenshots / "referral-06-all-done.png"), full_page=True)

    page.get_by_role("button", name="Check your answers").click()
    page.wait_for_load_state("networkidle")
    assert "Attend at least 85% of sessions" in page.inner_text("main")
    assert_accessible(page, "check your answers")
    page.screenshot(path=str(screenshots / "referral-07-check.png"), full_page=True)
    page.get_by_role("button", name="Submit the referral").click()
    page.wait_for_load_state("networkidle")
    assert "Referral submitted" in page.inner_text("main")
    assert_accessible(page, "submitted referral")
    # Separation of duties: the SEND lead who submitted it cannot approve it; the headteacher does.
    assert "You submitted this referral, so someone else must approve it" in page.inner_text("main")
    referral_url = page.url
    page.close()
    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(15_000)
    sign_in(page, base_url, "head@larkspurvale.example")
    page.goto(referral_url)

    page.get_by_role("button", name="Approve the referral").click()
    page.wait_for_load_state("networkidle")
    assert "Cleared" in page.inner_text("main")
    page.locator("#key_worker_id").select_option(label="Hannah Moss")
    page.get_by_label("Agreed cost in pounds").fill("120.00")
    page.get_by_label("per day").check()
    assert_accessible(page, "approve")
    page.screenshot(path=str(screenshots / "referral-08-approve.png"), full_page=True)
    page.get_by_role("button", name="Approve and create the placement").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Referral approved" in main and "Mia Bennett at Rowan Equine Centre" in main
    assert "Art therapy" in main and "Hannah Moss" in main and "£120.00 per day" in main
    assert re.search(r"Next review\s+Monday 8 February 2027", main)
    assert_accessible(page, "placement")
    page.screenshot(path=str(screenshots / "referral-09-placement.png"), full_page=True)
    page.wait_for_load_state("networkidle")  # let the favicon finish before closing
    page.close()


def test_overdue_review_and_ending_pages(browser, live_server, screenshots):
    base_url, _ = live_server
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, base_url, "head@larkspurvale.example")
    page.get_by_role("link", name="Archie Carter at Meadow Lane Care Farm").click()
    page.wait_for_load_state("networkidle")
    assert "is overdue" in page.inner_text("main")
    assert_accessible(page, "placement with overdue review")
    page.screenshot(path=str(screenshots / "placement-overdue.png"), full_page=True)
    page.get_by_role("button", name="Record a review").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "review form")
    page.screenshot(path=str(screenshots / "placement-review-form.png"), full_page=True)
    page.go_back()
    page.get_by_role("button", name="End the placement").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "end form")
    page.get_by_role("button", name="End the placement").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "end form with errors")
    page.screenshot(path=str(screenshots / "placement-end-errors.png"), full_page=True)

    page.goto(f"{base_url}/referrals/?status=returned")
    page.get_by_role("link", name="Lily Vaughan").click()
    page.wait_for_load_state("networkidle")
    assert "Returned with comments" in page.inner_text("main") and "taxi" in page.inner_text("main")
    assert_accessible(page, "returned referral")
    page.screenshot(path=str(screenshots / "referral-returned.png"), full_page=True)
    page.wait_for_load_state("networkidle")  # let the favicon finish before closing
    page.close()


@pytest.fixture
def term_time_monday(live_server):
    """The live app pinned to the next Monday in term, 08:00: the parent's week then has sessions."""
    base_url, app = live_server
    with app.app_context():
        day = clock.today() + timedelta(days=1)
        while day.weekday() != 0 or not is_school_day(day):
            day += timedelta(days=1)
    app.config["FROZEN_NOW"] = f"{day.isoformat()}T08:00"
    yield
    app.config.pop("FROZEN_NOW", None)


def test_parent_sees_the_week_and_subscribes_on_a_phone(browser, live_server, screenshots, term_time_monday):
    base_url, _ = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base_url, "karen.abbott@parents.example")
    main = page.inner_text("main")
    assert "Alfie's week at alternative provision" in main
    days = page.locator(".app-week__day")
    assert days.count() == 5
    monday = days.nth(0).inner_text()
    assert "Monday" in monday and "09:30 to 12:00" in monday and "Meadow Lane Farm" in monday
    assert "At school as usual" in days.nth(1).inner_text()  # Tuesday
    assert "Sam Fielding" in main and "how it is going" in main  # the next review, or one due now
    # On a phone the days stack: each card is as wide as the page.
    assert days.nth(0).bounding_box()["width"] > 300
    assert days.nth(1).bounding_box()["y"] > days.nth(0).bounding_box()["y"]
    assert_accessible(page, "parent home on a phone")
    page.screenshot(path=str(screenshots / "parent-week-phone.png"), full_page=True)

    page.get_by_role("button", name="Create a calendar link").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="Subscribe in your calendar app").is_visible()
    feed_url = page.get_by_label("Or copy this calendar address into your calendar app").input_value()
    assert feed_url.startswith(base_url + "/calendar/") and feed_url.endswith(".ics")
    assert_accessible(page, "parent home with calendar link")
    page.screenshot(path=str(screenshots / "parent-calendar-phone.png"), full_page=True)

    response = context.request.get(feed_url)  # as a calendar app would, the token is the credential
    assert response.status == 200
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    # Four agreed sessions a week, each a weekly series per term (holidays are gaps between them).
    sessions = {(e.decoded("dtstart").weekday(), e.decoded("dtstart").time()) for e in events}
    assert len(sessions) == 4 and {str(e["LOCATION"]) for e in events} == {
        "Meadow Lane Farm, Broughton Road, Kettering NN14 0ZA"
    }
    page.wait_for_load_state("networkidle")  # let the favicon finish before closing
    context.close()

    desktop = browser.new_context(viewport=DESKTOP)
    page = desktop.new_page()
    sign_in(page, base_url, "karen.abbott@parents.example")
    days = page.locator(".app-week__day")
    assert days.nth(0).bounding_box()["y"] == days.nth(4).bounding_box()["y"]  # five columns side by side
    assert_accessible(page, "parent home on a desktop")
    page.screenshot(path=str(screenshots / "parent-week-desktop.png"), full_page=True)
    page.wait_for_load_state("networkidle")  # let the favicon finish before closing
    desktop.close()


def test_a_section_saves_without_javascript(browser, live_server):
    base_url, _ = live_server
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base_url, "send.lead@larkspurvale.example")
    page.goto(f"{base_url}/referrals/?status=draft")
    page.get_by_role("link", name="Logan Walsh").click()
    assert "In progress" in page.inner_text("main")
    page.get_by_role("link", name="Attendance, exclusions and social care").click()
    assert page.get_by_label("Attendance before the placement (%)").input_value() == "57"  # the autosaved draft
    page.get_by_label("Suspensions in the last 12 months").fill("0")
    page.get_by_label("No social care involvement").check()
    page.locator("#looked_after-2").check()
    page.get_by_role("button", name="Save this section").click()
    assert "saved and marked as completed" in page.inner_text("main")
    assert "You have completed 5 of 12 sections" in page.inner_text("main")
    page.wait_for_load_state("networkidle")  # let the favicon finish before closing
    context.close()
