"""Email through SMTP: received by a real local server; a clear, logged error when it is down."""

from __future__ import annotations

import logging

import pytest

from ap_forms.web.mail import MailError, send_email


def test_an_email_reaches_the_smtp_server(app, smtp_server):
    send_email(
        ["office@school.example", "dsl@school.example"],
        "Attendance\nnot reported",
        "Plain text body",
        "<p>HTML body</p>",
    )
    [message] = smtp_server.messages
    assert message["To"] == "office@school.example, dsl@school.example"
    assert message["Subject"] == "Attendance not reported"  # no header injection through a line break
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message.get_body(("plain",)).get_content().strip() == "Plain text body"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"


def test_one_address_as_a_string(app, smtp_server):
    send_email("kw@provider.example", "Hello", "Body")
    assert smtp_server.to("kw@provider.example")


def test_an_unreachable_server_raises_a_clear_error_and_logs_it(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    with caplog.at_level(logging.ERROR), pytest.raises(MailError, match="mail server 127.0.0.1:1"):
        send_email("x@example.org", "Subject", "Body")
    assert "not sent" in caplog.text


def test_no_recipient_is_an_error(app):
    with pytest.raises(MailError, match="no recipient"):
        send_email([], "Subject", "Body")


def test_a_mail_error_in_a_request_is_a_503_page_not_a_500(app):
    with app.test_request_context("/"):
        response = app.make_response(app.handle_user_exception(MailError("The email could not be sent")))
    assert response.status_code == 503
    assert b"The email could not be sent" in response.data
