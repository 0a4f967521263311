"""Email through the school's SMTP server (MAIL_* settings). Never printed, never silently lost.

`send_email` raises MailError with a plain message when the server cannot be reached or refuses
the message; the error is logged. A web request that lets it escape gets a 503 page that says
what happened (not a 500); batch jobs catch it and try again on their next run.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app


class MailError(RuntimeError):
    """The email could not be handed to the SMTP server."""


def _one_line(text: str) -> str:
    # Header values never carry line breaks (no header injection through a pupil's name).
    return " ".join(str(text).split())


def email_body(template: str, **context) -> str:
    """A plain-text email body from templates/emails/<template>.txt (not HTML-escaped). Rendered without
    the request's context processors, so the commands run from cron can use it too."""
    return current_app.jinja_env.get_template(f"emails/{template}.txt").render(**context)


def send_email(
    to: list[str] | str,
    subject: str,
    text_body: str,
    html_body: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Send one email to one or more addresses, with any (filename, bytes, mimetype) attachments;
    raise MailError if it could not be sent."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("The email has no recipient.")
    message = EmailMessage()
    message["From"] = _one_line(current_app.config["MAIL_DEFAULT_SENDER"])
    message["To"] = ", ".join(_one_line(address) for address in recipients)
    message["Subject"] = _one_line(subject)
    message["Message-ID"] = make_msgid(domain="ap-forms.invalid")
    message.set_content(text_body)
    if html_body:
        message.add_alternative(html_body, subtype="html")
    for filename, content, mimetype in attachments or []:
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=_one_line(filename))
    _hand_to_server(message)


def _hand_to_server(message: EmailMessage) -> None:
    """Give the message to the SMTP server (MAIL_* settings); MailError, logged, if it does not take it."""
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    try:
        with smtplib.SMTP(host, port, timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error(
            "Email %r to %s not sent: SMTP server %s:%s: %s", message["Subject"], message["To"], host, port, error
        )
        raise MailError(
            f"The email could not be sent: the mail server {host}:{port} "
            f"did not accept it ({error.__class__.__name__})."
        ) from error


def init_app(app: Flask) -> None:
    @app.errorhandler(MailError)
    def mail_error(error: MailError):
        from ap_forms.web.errors import _page

        return _page(
            503,
            "The email could not be sent",
            "The mail server could not be reached. Nothing else was lost; try again in a few "
            "minutes, or tell the school office.",
        )
