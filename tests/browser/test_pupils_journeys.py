"""Issue 18 in a browser: the office adds a parent to a pupil and invites them; the invitation email
arrives at a local SMTP server; the parent follows the link, chooses a password and signs in."""

from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller

from tests.browser.conftest import assert_accessible, serve_demo, sign_in


def _smtp():
    messages: list = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):  # noqa: ARG002
            messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port, messages


def test_office_invites_a_parent_who_signs_in(browser, tmp_path, screenshots):
    controller, port, messages = _smtp()
    try:
        with serve_demo(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port) as (base_url, app):
            app.config["APP_BASE_URL"] = base_url  # emailed links come from APP_BASE_URL only
            page = browser.new_page()
            sign_in(page, base_url, "office.staff@larkspurvale.example")
            page.goto(f"{base_url}/pupils/?q=Carter")
            page.get_by_role("link", name=re.compile(r"^Carter, ")).first.click()
            page.wait_for_load_state("networkidle")
            name = page.get_by_role("heading", level=1).inner_text()
            page.get_by_role("link", name=re.compile("details, parents and carers")).click()
            page.wait_for_load_state("networkidle")
            assert_accessible(page, "family page")
            page.get_by_role("link", name="Add a parent or carer").click()
            page.wait_for_load_state("networkidle")
            page.get_by_role("button", name="Save parent or carer").click()  # empty: errors, axe still clean
            page.wait_for_load_state("networkidle")
            assert page.get_by_text("There is a problem").is_visible()
            assert_accessible(page, "carer form with errors")
            page.get_by_label("Full name").fill("Morgan Carter")
            page.get_by_label("Relationship to the pupil").fill("Mother")
            page.get_by_label("Mobile phone (optional)").fill("07700 900555")
            page.get_by_label("Email address (optional)").fill("morgan.carter@home.example")
            page.get_by_label("Has parental responsibility").check()
            page.get_by_role("button", name="Save parent or carer").click()
            page.wait_for_load_state("networkidle")
            assert "Morgan Carter added" in page.inner_text("main")
            page.get_by_role("button", name=re.compile("Invite to make an account.*Morgan Carter")).click()
            page.wait_for_load_state("networkidle")
            assert "Invitation sent to morgan.carter@home.example" in page.inner_text("main")
            page.screenshot(path=str(screenshots / "family-invited.png"), full_page=True)
            page.close()

            for _ in range(50):
                if messages:
                    break
                time.sleep(0.1)
            [message] = [m for m in messages if "morgan.carter@home.example" in m["To"]]
            body = message.get_body(("plain",)).get_content()
            assert "Larkspur Vale School" in body and name.split()[0] not in body
            link = re.search(r"(http://127\.0\.0\.1:\d+/invitations/\S+)", body).group(1)

            parent = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            parent.goto(link)
            assert "morgan.carter@home.example" in parent.inner_text("main")
            assert_accessible(parent, "invitation page")
            parent.get_by_label("Choose a password").fill("river lantern meadow")
            parent.get_by_label("Type the password again").fill("river lantern meadow")
            parent.get_by_role("button", name="Make my account").click()
            parent.wait_for_load_state("networkidle")
            assert "Your account is ready" in parent.inner_text("main")
            sign_in(parent, base_url, "morgan.carter@home.example", "river lantern meadow")
            assert parent.url.rstrip("/") == base_url
            assert name.split()[0] in parent.inner_text("main")  # their child's name on their home page
            parent.screenshot(path=str(screenshots / "parent-first-sign-in.png"), full_page=True)
            parent.goto(link)  # the link works once
            assert "This link no longer works" in parent.inner_text("main")
            parent.context.close()
    finally:
        controller.stop()


def test_roll_pages_are_accessible(browser, live_server, screenshots):
    base_url, _ = live_server
    page = browser.new_page()
    sign_in(page, base_url, "send.lead@larkspurvale.example")
    for path in ("/pupils/", "/pupils/new", "/pupils/import"):
        page.goto(base_url + path)
        assert_accessible(page, path)
    page.goto(base_url + "/pupils/new")
    page.get_by_role("button", name="Save pupil").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page, "add a pupil with errors")
    page.screenshot(path=str(screenshots / "pupil-new-errors.png"), full_page=True)
    page.close()
