"""Only real activity keeps a session alive: the board's own refresh is sent as background."""

from __future__ import annotations

from tests.browser.conftest import sign_in

REFRESH = """() => htmx.ajax("GET", location.pathname + location.search,
                              {source: "#board", target: "#board", swap: "outerHTML"})"""


def test_board_refresh_is_background_unless_the_person_did_something(browser, live_server):
    base_url, _ = live_server
    context = browser.new_context()
    page = context.new_page()
    errors, sent = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base_url, "office.staff@larkspurvale.example")
    page.goto(f"{base_url}/attendance/board")
    page.on(
        "request",
        lambda request: (
            sent.append(request.headers.get("x-background")) if "/attendance/board" in request.url else None
        ),
    )
    page.evaluate(REFRESH)  # as the 60-second poll does, with nobody at the keyboard
    page.keyboard.press("Shift")  # the person does something…
    page.evaluate(REFRESH)  # …so the next request counts as activity
    page.evaluate(REFRESH)  # and the one after is background again
    page.wait_for_load_state("networkidle")
    assert sent == ["1", None, "1"]
    # "Stay signed in" still works (a plain request, never marked background).
    page.evaluate("document.getElementById('app-idle-warning').hidden = false")
    with page.expect_response(lambda r: "/session/extend" in r.url) as extend:
        page.get_by_role("button", name="Stay signed in").click()
    assert extend.value.status == 204 and extend.value.request.headers.get("x-background") is None
    page.wait_for_timeout(300)
    assert page.locator("#app-idle-warning").is_hidden() and errors == []
    context.close()
