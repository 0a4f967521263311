"""Issue 13: an account from the admin's invitation email to the person's first sign-in, in a browser."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller

from tests.browser.conftest import assert_accessible, serve_demo, sign_in


def test_invitation_from_email_to_first_sign_in(browser, tmp_path, screenshots):
    messages: list = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):  # noqa: ARG002
            messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with serve_demo(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port) as (base_url, app):
            app.config["APP_BASE_URL"] = base_url  # links in emails point at this server
            admin = browser.new_page(viewport={"width": 1024, "height": 900})
            sign_in(admin, base_url, "it.admin@larkspurvale.example")
            admin.goto(f"{base_url}/admin/users/new")
            admin.get_by_label("Email address").fill("new.teacher@larkspurvale.example")
            admin.get_by_label("Full name").fill("Nia Teacher")
            admin.get_by_label("School staff").check()
            assert_accessible(admin, "create an account")
            admin.screenshot(path=str(screenshots / "invite-create.png"), full_page=True)
            admin.get_by_role("button", name="Create account and send invitation").click()
            admin.get_by_text("an invitation emailed to new.teacher@larkspurvale.example").wait_for()
            admin.close()

            [message] = [m for m in messages if m["To"] == "new.teacher@larkspurvale.example"]
            link = re.search(r"https?://\S+/account/password/\S+", message.get_body(("plain",)).get_content()).group(0)
            assert link.startswith(base_url)

            phone = browser.new_page(viewport={"width": 390, "height": 844})  # the person, on a phone
            phone.goto(link)
            assert phone.get_by_role("heading", level=1).inner_text() == "Make your account"
            assert_accessible(phone, "make your account")
            phone.get_by_label("Choose a password").fill("Summer2026!")
            phone.get_by_label("Type the password again").fill("Summer2026!")
            phone.get_by_role("button", name="Save password").click()
            phone.wait_for_load_state("networkidle")
            assert "too common" in phone.inner_text("main")
            assert_accessible(phone, "password refused")
            phone.screenshot(path=str(screenshots / "invite-refused.png"), full_page=True)
            phone.get_by_label("Choose a password").fill("kettle orchard lantern")
            phone.get_by_label("Type the password again").fill("kettle orchard lantern")
            phone.get_by_role("button", name="Save password").click()
            phone.wait_for_load_state("networkidle")
            assert "Your password is saved" in phone.inner_text("main")
            sign_in(phone, base_url, "new.teacher@larkspurvale.example", "kettle orchard lantern")
            assert "/login" not in phone.url
            phone.goto(f"{base_url}/account")
            assert "Where you are signed in" in phone.inner_text("main") and "This device" in phone.inner_text("main")
            assert_accessible(phone, "your account")
            phone.screenshot(path=str(screenshots / "your-account.png"), full_page=True)
            phone.close()
    finally:
        controller.stop()
