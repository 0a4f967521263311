"""The headteacher reads the compliance board on a laptop and follows a row to the records behind it; the DSL
sees only the safeguarding rows; value for money, the governors' reports, the Ofsted pack and the census
check are axe-clean too (issue 12)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, serve_demo, sign_in

LAPTOP = {"width": 1280, "height": 900}
HEAD = "head@larkspurvale.example"
DSL = "dsl@larkspurvale.example"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own demo school: it makes a governors' report."""
    with serve_demo(tmp_path_factory.mktemp("oversight-live")) as served:
        yield served


def _go(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _look(page, shots, name: str) -> None:
    assert_accessible(page, name)
    page.screenshot(path=str(shots / f"oversight-{name}.png"), full_page=True)


def test_headteacher_reads_the_compliance_board(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, base_url, HEAD)
    page.get_by_role("link", name="Oversight").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Compliance with the AP policy").is_visible()
    board = page.inner_text("main")
    for title in (
        "Providers cleared before use",
        "Local Authority told of every placement",
        "Attendance reported for every expected session today and yesterday",
        "Safeguarding concerns opened by a DSL the same day",
    ):
        assert title in board
    assert "not met" in page.inner_text("#compliance-summary")
    _look(page, screenshots, "1-board")

    # A row leads to exactly the records behind it, each a link to its own page.
    page.locator("#duty-la_told th a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Local Authority told of every placement").is_visible()
    records = page.locator("main table tbody tr")
    assert records.count() >= 1
    _look(page, screenshots, "2-duty")
    records.first.locator("a").click()
    page.wait_for_load_state("networkidle")
    assert "/placements/" in page.url
    page.get_by_role("link", name="Record who was told, and outcomes").click()
    page.wait_for_load_state("networkidle")
    _look(page, screenshots, "3-records-form")

    for path, name in (
        ("/oversight/value", "4-value"),
        ("/oversight/reports", "5-reports"),
        ("/oversight/ofsted", "6-ofsted"),
        ("/oversight/census", "7-census"),
    ):
        _go(page, base_url + path)
        _look(page, screenshots, name)
    _go(page, base_url + "/oversight/reports")
    page.get_by_role("button", name="Make this term’s report").click()
    page.wait_for_load_state("networkidle")
    assert "(PDF)" in page.inner_text("main")
    _look(page, screenshots, "8-report-made")
    context.close()


def test_dsl_sees_the_safeguarding_rows_only(browser, live_server, screenshots):
    base_url, _ = live_server
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, base_url, DSL)
    _go(page, f"{base_url}/oversight/compliance")
    board = page.inner_text("main")
    assert "Parents contacted for every absence" in board and "Safeguarding concerns followed up" in board
    assert "Local Authority told" not in board and "Value for money" not in page.content()
    _look(page, screenshots, "9-dsl-board")
    context.close()
