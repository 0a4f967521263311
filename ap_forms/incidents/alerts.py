"""Alert emails about new reports, and the escalation of a concern no DSL has opened.

The emails name no pupil, no provider and no detail (they can be forwarded or read on a lock
screen): only that a report is waiting, when it came in, and a link that asks for a sign-in.

- A new concern or allegation: every active DSL and the headteacher, at once.
- A new serious incident or H&S breach: the SEND lead(s) and the headteacher.
- `flask --app ap_forms safeguarding-escalate` (cron, every few minutes): sends any new-report alert
  that could not be sent at the time, and re-sends a concern that no DSL has opened within 30 minutes
  of school-day time to the DSLs and the headteacher. Each alert is stored once sent (ReportAlert),
  so running it again sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.incidents.models import (
    ESCALATION,
    NEW_ALERT,
    OPEN,
    SAFEGUARDING_KINDS,
    Report,
    ReportAlert,
    ReportOpening,
)
from ap_forms.school.services import works_here
from ap_forms.web import audit, clock
from ap_forms.web.links import external_url
from ap_forms.web.mail import MailError, send_email
from ap_forms.web.roles import DSL, HEADTEACHER, SEND_LEAD

ESCALATE_AFTER = timedelta(minutes=30)


@dataclass
class EscalationRun:
    new_alerts: int = 0
    escalations: int = 0
    failures: list[str] = field(default_factory=list)


def _hours() -> tuple[time, time]:
    config = current_app.config
    return (
        time.fromisoformat(config.get("SCHOOL_DAY_START", "08:30")),
        time.fromisoformat(config.get("SCHOOL_DAY_END", "16:30")),
    )


def _is_school_day(day) -> bool:
    from ap_forms.school_calendar.services import get_year, is_school_day, school_year_start

    if get_year(school_year_start(day)) is None:
        return day.weekday() < 5  # no calendar for that year: every weekday counts, to be safe
    return is_school_day(day)


def in_school_hours(moment: datetime) -> bool:
    start, end = _hours()
    return _is_school_day(moment.date()) and start <= moment.time() < end


def school_time_from(moment: datetime) -> datetime:
    """The moment itself during the school day, else the start of the next school day."""
    if in_school_hours(moment):
        return moment
    start, _ = _hours()
    day = moment.date()
    if _is_school_day(day) and moment.time() < start:
        return datetime.combine(day, start)
    for _ in range(60):
        day += timedelta(days=1)
        if _is_school_day(day):
            return datetime.combine(day, start)
    return moment


def _emails(*roles: str) -> list[str]:
    return list(
        db.session.scalars(
            select(User.email)
            .where(User.role.in_(roles), User.active.is_(True), works_here(User.id))
            .order_by(User.role, User.email)
        ).all()
    )


def recipients(report: Report) -> list[str]:
    if report.kind in SAFEGUARDING_KINDS:
        return _emails(DSL, HEADTEACHER)
    return _emails(SEND_LEAD, HEADTEACHER)


def _link(report: Report) -> str:
    endpoint = "incidents.concern" if report.kind in SAFEGUARDING_KINDS else "incidents.incident"
    return external_url(endpoint, report_id=report.id)


def _what(report: Report) -> str:
    if report.kind in SAFEGUARDING_KINDS:
        return "safeguarding report"
    return "incident report"


def _message(report: Report, kind: str, now: datetime) -> tuple[str, str, bool]:
    submitted = clock.to_local(report.submitted_at)
    when = f"{submitted:%H:%M} on {submitted:%A} {submitted.day} {submitted:%B %Y}"
    out_of_hours = not in_school_hours(now)
    what = _what(report)
    if kind == ESCALATION:
        subject = f"Not opened after 30 minutes: a {what} is waiting"
        lines = [
            f"A {what} sent to AP Forms at {when} has not been opened by a Designated Safeguarding Lead "
            "within 30 minutes of the school day. It has been escalated to the headteacher.",
            "",
            f"Sign in to read it: {_link(report)}",
        ]
    else:
        subject = f"A new {what} is waiting for you"
        lines = [f"A new {what} was sent to AP Forms at {when}.", "", f"Sign in to read it: {_link(report)}"]
    if out_of_hours:
        lines += [
            "",
            "This alert was sent outside the school day. Follow the school's out-of-hours "
            "safeguarding procedure. If a child is in immediate danger, call 999.",
        ]
    lines += ["", "This email gives no names or details on purpose: they are only in AP Forms."]
    return subject, "\n".join(lines), out_of_hours


def _send(report: Report, kind: str, now: datetime) -> None:
    to = recipients(report)
    if not to:
        raise MailError("There is nobody with an account to alert.")
    subject, body, out_of_hours = _message(report, kind, now)
    send_email(to, subject, body)
    db.session.add(
        ReportAlert(
            report_id=report.id, kind=kind, sent_to=", ".join(to), out_of_hours=out_of_hours, sent_at=clock.to_utc(now)
        )
    )
    audit.record(f"report_alert_{kind}", "incident_report", report.id, detail=f"to {len(to)} people")
    db.session.commit()


def send_new_alert(report: Report, now: datetime | None = None) -> bool:
    """Alert at once; False (and logged) if the mail server would not take it: the command retries."""
    try:
        _send(report, NEW_ALERT, now or clock.now())
    except MailError as error:
        db.session.rollback()
        current_app.logger.error("Alert for report %s not sent: %s", report.id, error)
        return False
    return True


def alerts_of(report: Report) -> list[ReportAlert]:
    return list(
        db.session.scalars(
            select(ReportAlert).where(ReportAlert.report_id == report.id).order_by(ReportAlert.sent_at)
        ).all()
    )


def escalation_due(report: Report, now: datetime) -> bool:
    if report.kind not in SAFEGUARDING_KINDS or report.status != OPEN or report.submitted_at is None:
        return False
    opened_by_dsl = db.session.scalar(
        select(ReportOpening.id).where(ReportOpening.report_id == report.id, ReportOpening.role == DSL).limit(1)
    )
    if opened_by_dsl is not None:
        return False
    return in_school_hours(now) and now - school_time_from(clock.to_local(report.submitted_at)) >= ESCALATE_AFTER


def run_escalations(now: datetime | None = None) -> EscalationRun:
    now = now or clock.now()
    run = EscalationRun()
    reports = db.session.scalars(
        select(Report).where(Report.status == OPEN, Report.submitted_at.is_not(None)).order_by(Report.id)
    ).all()
    for report in reports:
        sent = {a.kind for a in alerts_of(report)}
        for kind in (NEW_ALERT, ESCALATION):
            if kind in sent or (kind == ESCALATION and not escalation_due(report, now)):
                continue
            try:
                _send(report, kind, now)
            except MailError as error:
                db.session.rollback()
                run.failures.append(f"{report.reference} ({kind}): {error}")
                continue
            if kind == NEW_ALERT:
                run.new_alerts += 1
            else:
                run.escalations += 1
    return run
