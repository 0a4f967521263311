"""Reminders and alerts, sent by `flask --app ap_forms attendance-alerts` from cron.

Idempotent: each alert is stored (AttendanceAlert, one per kind, placement, day and session) only
once its email has been handed to the SMTP server, so running the command again sends nothing
new, and a run that could not reach the server is retried by the next one.

Emails name no pupil (they can be forwarded or read on a lock screen); they say how many and
link to the page where the person signed in sees who. Their bodies are templates/emails/attendance_*.txt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.attendance.models import (
    ABSENT,
    CUTOFF_REMINDER,
    DAY,
    NO_PARENT_CONTACT,
    SESSION_LABELS,
    UNEXPLAINED,
    UNEXPLAINED_ABSENCE,
    AttendanceAlert,
)
from ap_forms.attendance.services import (
    UNEXPLAINED_GRACE,
    Cutoffs,
    DayRegister,
    ExpectedSession,
    day_register,
    is_past_cutoff,
    is_past_end_of_day,
)
from ap_forms.extensions import db
from ap_forms.school.services import works_here
from ap_forms.web import clock
from ap_forms.web.links import external_url
from ap_forms.web.mail import MailError, email_body, send_email
from ap_forms.web.roles import DSL, KEY_WORKER, OFFICE


@dataclass
class AlertRun:
    reminders: int = 0  # emails to key workers
    unexplained: int = 0  # emails to the office
    follow_ups: int = 0  # emails to the office and DSL
    failures: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.reminders + self.unexplained + self.follow_ups


def _link(endpoint: str, **values) -> str:
    return external_url(endpoint, **values)


def _active_emails(role: str) -> list[str]:
    return list(
        db.session.scalars(
            select(User.email).where(User.role == role, User.active.is_(True), works_here(User.id)).order_by(User.email)
        ).all()
    )


def _key_worker_emails(row: ExpectedSession) -> list[str]:
    key_worker = row.placement.key_worker
    if key_worker is not None and key_worker.active:
        return [key_worker.email]
    return list(
        db.session.scalars(
            select(User.email).where(
                User.role == KEY_WORKER, User.provider_id == row.placement.provider_id, User.active.is_(True)
            )
        ).all()
    )


def _send_and_record(
    kind: str,
    rows: list[ExpectedSession],
    to: list[str],
    subject: str,
    body: str,
    run: AlertRun,
    now: datetime,
    *,
    session_of=lambda row: row.session,
) -> int:
    """How many emails went out: 1, or 0 when it could not be sent (the failure is kept in `run`)."""
    if not to:
        run.failures.append(f"{subject}: nobody to send it to")
        return 0
    try:
        send_email(to, subject, body)
    except MailError as error:
        run.failures.append(str(error))
        return 0
    sent_at = clock.to_utc(now)
    seen = set()
    for row in rows:
        key = (row.placement.id, row.day, session_of(row))
        if key in seen:
            continue
        seen.add(key)
        db.session.add(
            AttendanceAlert(
                kind=kind,
                placement_id=row.placement.id,
                day=row.day,
                session=session_of(row),
                sent_to=", ".join(to),
                sent_at=sent_at,
            )
        )
    db.session.commit()
    return 1


def _is_unexplained(row: ExpectedSession, now: datetime) -> bool:
    mark = row.mark
    if mark is None or mark.status != ABSENT:
        return False
    if mark.absence_reason == UNEXPLAINED:
        return True
    return mark.absence_reason is None and clock.to_local(mark.marked_at) <= now - UNEXPLAINED_GRACE


def _day_words(now: datetime) -> str:
    return f"{now:%A} {now.day} {now:%B}"


def run_alerts(now: datetime | None = None, cutoffs: Cutoffs | None = None) -> AlertRun:
    """Send what is due today and not sent yet: cut-off reminders, unexplained absences, follow-ups."""
    now = now or clock.now()
    cutoffs = cutoffs or Cutoffs.from_config()
    run = AlertRun()
    register = day_register(now.date(), now=now, office=True)
    if not register.is_school_day:
        return run
    remind_key_workers(register, now, cutoffs, run)
    alert_unexplained_absences(register, now, run)
    if is_past_end_of_day(now.date(), now, cutoffs):
        alert_no_parent_contact(register, now, run)
    return run


def remind_key_workers(register: DayRegister, now: datetime, cutoffs: Cutoffs, run: AlertRun) -> None:
    """Key workers whose pupils' session is not reported by the cut-off: one email per key worker
    (or per provider's key workers) and session."""
    for session, rows in register.sessions:
        if not is_past_cutoff(now.date(), session, now, cutoffs):
            continue
        waiting = [r for r in rows if not r.reported and CUTOFF_REMINDER not in r.alerts]
        by_recipients: dict[tuple[str, ...], list[ExpectedSession]] = defaultdict(list)
        for row in waiting:
            by_recipients[tuple(_key_worker_emails(row))].append(row)
        label = SESSION_LABELS[session].lower()
        for to, group in by_recipients.items():
            body = email_body(
                "attendance_not_reported",
                session=label,
                count=len(group),
                day=_day_words(now),
                cutoff=f"{cutoffs.for_session(session):%H:%M}",
                link=_link("oversight.home"),
            )
            run.reminders += _send_and_record(
                CUTOFF_REMINDER,
                group,
                list(to),
                f"Attendance not reported yet: {label} of {_day_words(now)}",
                body,
                run,
                now,
            )


def alert_unexplained_absences(register: DayRegister, now: datetime, run: AlertRun) -> None:
    """The office, about absences nobody has explained: one email for all of them."""
    unexplained = [r for r in register.rows if _is_unexplained(r, now) and UNEXPLAINED_ABSENCE not in r.alerts]
    if not unexplained:
        return
    body = email_body(
        "attendance_unexplained",
        count=len(unexplained),
        day=_day_words(now),
        link=_link("attendance.board", day=now.date().isoformat(), status="absent"),
    )
    run.unexplained += _send_and_record(
        UNEXPLAINED_ABSENCE,
        unexplained,
        _active_emails(OFFICE),
        f"Unexplained absence from provision: {_day_words(now)}",
        body,
        run,
        now,
    )


def alert_no_parent_contact(register: DayRegister, now: datetime, run: AlertRun) -> None:
    """The office and DSL, after the end of the day: absent and no parent reached (safeguarding)."""
    follow_ups = [r for r in register.rows if r.absent and not r.parent_reached and NO_PARENT_CONTACT not in r.alerts]
    if not follow_ups:
        return
    count = len({r.placement.student_id for r in follow_ups})
    body = email_body(
        "attendance_no_parent_contact",
        count=count,
        day=_day_words(now),
        link=_link("attendance.board", day=now.date().isoformat(), status="no_contact"),
    )
    recipients = sorted(set(_active_emails(OFFICE)) | set(_active_emails(DSL)))
    run.follow_ups += _send_and_record(
        NO_PARENT_CONTACT,
        follow_ups,
        recipients,
        f"Safeguarding follow-up: absence with no parent contact, {_day_words(now)}",
        body,
        run,
        now,
        session_of=lambda row: DAY,
    )
