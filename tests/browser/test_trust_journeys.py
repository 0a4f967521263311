"""A SEND lead in the trust's second school finds a provider the first school has already cleared,
records her school's own Service Level Agreement, and places a pupil there (issue 17)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.quality.models import SIGNED_OFF, QualityVisit
from ap_forms.web import tenancy
from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, serve_demo, sign_in

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def trust_server(tmp_path_factory):
    """The demo with both schools of the trust (flask demo loads the second school after the first)."""
    from ap_forms.accounts.passwords import hash_password
    from ap_forms.demo.second_school import load_second_school

    with serve_demo(tmp_path_factory.mktemp("trust")) as (base_url, app):
        with app.app_context():
            load_second_school(hash_password(DEMO_PASSWORD))
        yield base_url, app


def _date(page, field: str, day: str, month: str, year: str) -> None:
    page.locator(f"#{field}").fill(day)
    page.locator(f"#{field}-month").fill(month)
    page.locator(f"#{field}-year").fill(year)


def _day_month_year(page, field: str, day: str, month: str, year: str) -> None:
    for part, value in (("day", day), ("month", month), ("year", year)):
        page.locator(f"#{field}-{part}").fill(value)


def _open(page, section: str) -> None:
    page.get_by_role("link", name=section).click()
    page.wait_for_load_state("networkidle")


def _save_section(page, expect: str) -> None:
    page.get_by_role("button", name="Save this section").click()
    page.wait_for_load_state("networkidle")
    assert expect in page.inner_text("main"), page.inner_text("main")[:800]


def _new_page(browser):
    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(15_000)
    return page


def test_send_lead_in_school_b_places_a_pupil_with_a_provider_school_a_cleared(browser, trust_server, screenshots):
    base_url, app = trust_server
    with app.app_context(), tenancy.all_schools():
        larkspur_visit = db.session.scalar(
            select(QualityVisit).where(QualityVisit.status == SIGNED_OFF).order_by(QualityVisit.id)
        )
        larkspur_pupils = [e.student.last_name for e in larkspur_visit.progress_entries]
        visit_id, visit_provider = larkspur_visit.id, larkspur_visit.provider.name
    assert larkspur_pupils  # the first school's visit names its pupils; the second school must not see them

    page = _new_page(browser)
    sign_in(page, base_url, "send.lead@brookvalley.example")
    assert "Brook Valley School · AP Forms" in page.inner_text("body")

    # The providers list: the trust's providers, read with Brook Valley's own agreements.
    page.get_by_role("link", name="Providers", exact=True).click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Providers are shared by the trust's schools" in main
    row = page.locator("tr", has_text="Nene Valley Motor Skills Centre")
    assert "Not cleared" in row.inner_text() and "No Service Level Agreement recorded" in row.inner_text()
    assert "Cleared" in page.locator("tr", has_text="Meadow Lane Care Farm").inner_text()
    assert_accessible(page, "providers list in the second school")
    page.screenshot(path=str(screenshots / "trust-01-providers.png"), full_page=True)

    # The provider page: Larkspur Vale's checks count here; only the agreement is Brook Valley's to add.
    page.get_by_role("link", name="Nene Valley Motor Skills Centre").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "The commissioning checks are kept once for the trust" in main
    assert "The Service Level Agreement is Brook Valley School's own" in main
    assert "No Service Level Agreement recorded" in main
    assert "Risk assessments and documentation not checked" not in main
    assert "Safeguarding checklist not completed" not in main
    assert_accessible(page, "provider page before the agreement")
    page.screenshot(path=str(screenshots / "trust-02-provider-needs-sla.png"), full_page=True)

    page.locator("#part-agreement").get_by_role("link", name=re.compile("^Add")).click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Agreed terms").fill("Two workshop mornings a week, 1 adult to 3 pupils")
    _day_month_year(page, "start_date", "1", "9", "2026")
    _day_month_year(page, "end_date", "31", "7", "2027")
    _day_month_year(page, "school_signed_on", "20", "11", "2026")
    _day_month_year(page, "provider_signed_on", "23", "11", "2026")
    page.get_by_label("Per day").check()
    page.get_by_label("Rate in pounds").fill("110")
    assert_accessible(page, "agreement form")
    page.get_by_role("button", name="Save agreement").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "No Service Level Agreement recorded" not in main and "£110.00 per day" in main
    assert "Brook Valley School's own agreement with Nene Valley Motor Skills Centre" in main
    assert "Pupils can be placed here" in main
    assert_accessible(page, "provider page after the agreement")
    page.screenshot(path=str(screenshots / "trust-03-provider-cleared.png"), full_page=True)

    # Another school's visit to a shared provider: it counts, and reads without that school's pupils.
    page.goto(f"{base_url}/providers/")
    page.get_by_role("link", name=visit_provider).click()
    page.wait_for_load_state("networkidle")
    assert "visited by Larkspur Vale School" in page.inner_text("main")
    page.goto(f"{base_url}/quality/visits/{visit_id}")
    main = page.inner_text("main")
    assert "Quality-assurance visit by Larkspur Vale School" in main
    assert "Joseph Adeyemi" in main  # who went, from the other school's staff
    assert not [name for name in larkspur_pupils if name in page.content()]
    assert_accessible(page, "another school's visit")
    page.screenshot(path=str(screenshots / "trust-04-other-schools-visit.png"), full_page=True)

    # The referral for a Brook Valley pupil, to the provider it has just agreed terms with.
    page.goto(f"{base_url}/referrals/")
    page.get_by_role("button", name="Start a referral").click()
    value = page.locator("#student_id option", has_text="Whitlock, Esme").get_attribute("value")
    page.locator("#student_id").select_option(value)
    page.get_by_role("button", name="Start the referral").click()
    page.wait_for_load_state("networkidle")
    assert "You have completed 0 of 12 sections" in page.inner_text("main")

    _open(page, "Pupil details")
    page.get_by_label("Female").check()
    _save_section(page, "You have completed 1 of 12 sections")
    _open(page, "Parents, carers and restrictions")
    page.get_by_label("Parents and carers").fill("Jess Whitlock (Mother): 07700 900305")
    page.get_by_label("No", exact=True).check()
    _save_section(page, "You have completed 2 of 12 sections")
    _open(page, "Medical needs and medication")
    page.get_by_label("Medical needs", exact=True).fill("None")
    page.get_by_label("Medication").fill("None")
    _save_section(page, "You have completed 3 of 12 sections")
    _open(page, "SEND needs and EHCP outcomes")
    page.get_by_label("EHCP outcomes this placement supports").fill("To work alongside others on a practical task")
    _save_section(page, "You have completed 4 of 12 sections")
    _open(page, "Attendance, exclusions and social care")
    page.get_by_label("Attendance before the placement (%)").fill("64")
    page.get_by_label("Suspensions in the last 12 months").fill("1")
    page.get_by_label("No social care involvement").check()
    page.locator("#looked_after-2").check()
    _save_section(page, "You have completed 5 of 12 sections")
    _open(page, "Strengths, barriers and past interventions")
    page.get_by_label("Strengths and interests").fill("Practical; takes engines apart at home")
    page.get_by_label("Barriers to learning").fill("Low confidence in classrooms")
    page.get_by_label("Effective past interventions").fill("Mentoring with a trusted adult")
    _save_section(page, "You have completed 6 of 12 sections")
    _open(page, "Reasons for alternative provision")
    page.get_by_label("To meet EHCP outcomes").check()
    _save_section(page, "You have completed 7 of 12 sections")
    _open(page, "Objectives and expected outcomes")
    page.locator("#objectives-0-objective").fill("Attend at least 85% of workshop sessions")
    page.locator("#objectives-0-measure").fill("Attendance register each half term")
    page.get_by_label("Expected academic outcomes").fill("Entry Level 3 vehicle maintenance units")
    _save_section(page, "You have completed 8 of 12 sections")
    _open(page, "Risk assessment")
    page.locator("#risks-0-hazard").fill("Workshop tools")
    page.locator("#risks-0-triggers").fill("Rushing when excited")
    page.locator("#risks-0-controls").fill("Induction; supervised tool use")
    page.locator("#risks-0-likelihood").select_option("2")
    page.locator("#risks-0-severity").select_option("3")
    _save_section(page, "You have completed 9 of 12 sections")
    _open(page, "Proposed provider and dates")
    provider = page.locator("#provider_id option", has_text="Nene Valley Motor Skills Centre").get_attribute("value")
    page.locator("#provider_id").select_option(provider)
    _date(page, "proposed_start", "4", "1", "2027")
    _date(page, "proposed_end", "16", "7", "2027")
    _date(page, "first_review_on", "8", "2", "2027")
    _save_section(page, "You have completed 10 of 12 sections")
    _open(page, "Proposed weekly timetable")
    page.locator("#sessions-0-weekday").select_option("1")
    page.locator("#sessions-0-start_time").fill("09:30")
    page.locator("#sessions-0-end_time").fill("12:00")
    page.locator("#sessions-0-activity").fill("Bike workshop")
    _save_section(page, "You have completed 11 of 12 sections")
    _open(page, "Views and agreement with parents")
    page.get_by_label("Parents' or carers' views").fill("Mrs Whitlock agrees and will drop Esme off")
    page.get_by_label("The pupil's views").fill("I want to fix bikes")
    page.get_by_label("Interim Review").check()
    _date(page, "agreed_on", "25", "11", "2026")
    _save_section(page, "You have completed every section")
    page.get_by_role("button", name="Check your answers").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Submit the referral").click()
    page.wait_for_load_state("networkidle")
    assert "Referral submitted" in page.inner_text("main")
    referral_url = page.url
    page.close()

    # Brook Valley's headteacher approves: the gate reads the trust's checks and Brook Valley's agreement.
    page = _new_page(browser)
    sign_in(page, base_url, "head@brookvalley.example")
    page.goto(referral_url)
    page.get_by_role("button", name="Approve the referral").click()
    page.wait_for_load_state("networkidle")
    assert "Cleared" in page.inner_text("main")
    page.locator("#key_worker_id").select_option(label="Priya Shah")
    page.get_by_label("Agreed cost in pounds").fill("110.00")
    page.get_by_label("per day").check()
    assert_accessible(page, "approve in the second school")
    page.get_by_role("button", name="Approve and create the placement").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Referral approved" in main and "Esme Whitlock at Nene Valley Motor Skills Centre" in main
    placement_url = page.url
    page.goto(f"{base_url}/providers/")
    page.get_by_role("link", name="Nene Valley Motor Skills Centre").click()
    page.wait_for_load_state("networkidle")
    assert "Esme Whitlock" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "trust-05-placed-in-b.png"), full_page=True)
    page.close()

    # Larkspur Vale's SEND lead: the same provider, still cleared on its own agreement, without Esme.
    page = _new_page(browser)
    sign_in(page, base_url, "send.lead@larkspurvale.example")
    page.goto(f"{base_url}/providers/")
    page.get_by_role("link", name="Nene Valley Motor Skills Centre").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Esme" not in main and "Whitlock" not in main and "£110.00 per day" not in main
    assert "Larkspur Vale School's own agreement" in main
    page.screenshot(path=str(screenshots / "trust-06-school-a-provider.png"), full_page=True)
    assert page.goto(placement_url).status == 404
    assert page.goto(referral_url).status == 404
    page.wait_for_load_state("networkidle")
    page.close()
