"""Reminder emails for overdue weekly feedback and termly reports (`flask --app ap_forms send-reminders`).

Idempotent: a FeedbackReminder row (one per kind, placement and week or term) is stored only once
the email has been handed to the SMTP server, so a second run sends nothing again and a run that
could not reach the server is retried by the next one. Emails name no pupil: they link to the
key worker's home page, where the signed-in person sees who.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.feedback.models import WEEKLY, FeedbackReminder
from ap_forms.feedback.services import due_items, key_worker_emails
from ap_forms.web import clock
from ap_forms.web.links import external_url
from ap_forms.web.mail import MailError, send_email


@dataclass
class ReminderRun:
    sent: int = 0
    already_sent: int = 0
    failures: list[str] = field(default_factory=list)


class _Everyone:
    """The command acts for the whole school: every placement is in scope."""

    role = "headteacher"
    id = None
    provider_id = None


def _home_link() -> str:
    return external_url("oversight.home")


def send_reminders(today: date | None = None) -> ReminderRun:
    today = today or clock.today()
    run = ReminderRun()
    sent_before = {
        (r.kind, r.placement_id, r.period_start)
        for r in db.session.execute(
            select(FeedbackReminder.kind, FeedbackReminder.placement_id, FeedbackReminder.period_start)
        ).all()
    }
    link = _home_link()
    for item in due_items(_Everyone(), today):
        if not item.overdue:
            continue
        key = (item.kind, item.placement.id, item.period_start)
        if key in sent_before:
            run.already_sent += 1
            continue
        to = key_worker_emails(item.placement)
        what = (
            "weekly feedback for the week starting " + f"{item.period_start:%-d %B %Y}"
            if item.kind == WEEKLY
            else f"the termly report for the {item.term.label}"
        )
        subject = "Overdue: " + ("weekly feedback" if item.kind == WEEKLY else "termly report")
        if not to:
            run.failures.append(f"{subject} (placement {item.placement.id}): nobody to send it to")
            continue
        body = (
            f"Hello,\n\nThe {what} for one of the pupils placed with you was due by "
            f"{item.due_by:%A %-d %B %Y} and has not been submitted yet.\n\n"
            f"Sign in to see who and complete it: {link}\n\nThank you.\n"
        )
        try:
            send_email(to, subject, body)
        except MailError as error:
            run.failures.append(f"{subject} (placement {item.placement.id}): {error}")
            continue
        db.session.add(
            FeedbackReminder(
                kind=item.kind, placement_id=item.placement.id, period_start=item.period_start, sent_to=", ".join(to)
            )
        )
        db.session.commit()
        run.sent += 1
    return run
