"""Reminders and alerts, sent by `flask --app ap_forms attendance-alerts` from cron.

Idempotent: each alert is stored (AttendanceAlert, one per kind, placement, day and session) only
once its email has been handed to the SMTP server, so running the command again sends nothing
new, and a run that could not reach the server is retried by the next one.

Emails name no pupil (they can be forwarded or read on a lock screen); they say how many and
link to the page where the person signed in sees who.
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
    ExpectedSession,
    day_register,
    is_past_cutoff,
    is_past_end_of_day,
)
from ap_forms.extensions import db
from ap_forms.web import clock
from ap_forms.web.links import external_url
from ap_forms.web.mail import MailError, send_email
from ap_forms.web.roles import DSL, KEY_WORKER, OFFICE


@dataclass
class AlertRun:
    reminders: int = 0          # emails to key workers
    unexplained: int = 0        # emails to the office
    follow_ups: int = 0         # emails to the office and DSL
    failures: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.reminders + self.unexplained + self.follow_ups


def _link(endpoint: str, **values) -> str:
    return external_url(endpoint, **values)


def _active_emails(role: str) -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.role == role, User.active.is_(True))
                                   .order_by(User.email)).all())


def _key_worker_emails(row: ExpectedSession) -> list[str]:
    key_worker = row.placement.key_worker
    if key_worker is not None and key_worker.active:
        return [key_worker.email]
    return list(db.session.scalars(select(User.email).where(
        User.role == KEY_WORKER, User.provider_id == row.placement.provider_id, User.active.is_(True))).all())


def _send_and_record(kind: str, rows: list[ExpectedSession], to: list[str], subject: str, body: str,
                     run: AlertRun, now: datetime, *, session_of=lambda row: row.session) -> bool:
    if not to:
        run.failures.append(f"{subject}: nobody to send it to")
        return False
    try:
        send_email(to, subject, body)
    except MailError as error:
        run.failures.append(str(error))
        return False
    sent_at = clock.to_utc(now)
    seen = set()
    for row in rows:
        key = (row.placement.id, row.day, session_of(row))
        if key in seen:
            continue
        seen.add(key)
        db.session.add(AttendanceAlert(kind=kind, placement_id=row.placement.id, day=row.day,
                                       session=session_of(row), sent_to=", ".join(to), sent_at=sent_at))
    db.session.commit()
    return True


def _is_unexplained(row: ExpectedSession, now: datetime) -> bool:
    mark = row.mark
    if mark is None or mark.status != ABSENT:
        return False
    if mark.absence_reason == UNEXPLAINED:
        return True
    return mark.absence_reason is None and clock.to_local(mark.marked_at) <= now - UNEXPLAINED_GRACE


def run_alerts(now: datetime | None = None, cutoffs: Cutoffs | None = None) -> AlertRun:
    """Send what is due today and not sent yet: cut-off reminders, unexplained absences, follow-ups."""
    now = now or clock.now()
    cutoffs = cutoffs or Cutoffs.from_config()
    run = AlertRun()
    register = day_register(now.date(), now=now, office=True)
    if not register.is_school_day:
        return run
    day_words = f"{now:%A} {now.day} {now:%B}"

    # 1. Key workers whose pupils' session is not reported by the cut-off.
    for session, rows in register.sessions:
        if not is_past_cutoff(now.date(), session, now, cutoffs):
            continue
        waiting = [r for r in rows if not r.reported and CUTOFF_REMINDER not in r.alerts]
        by_recipients: dict[tuple[str, ...], list[ExpectedSession]] = defaultdict(list)
        for row in waiting:
            by_recipients[tuple(_key_worker_emails(row))].append(row)
        for to, group in by_recipients.items():
            count = len(group)
            pupils = "1 pupil" if count == 1 else f"{count} pupils"
            body = (f"Hello,\n\nThe school has not had your {SESSION_LABELS[session].lower()} attendance for "
                    f"{pupils} today ({day_words}). The cut-off was {cutoffs.for_session(session):%H:%M}.\n\n"
                    f"Please mark today's register now: {_link('oversight.home')}\n\n"
                    "If a pupil has not arrived, mark them absent so the school can contact home.\n\n"
                    "Thank you,\nThe school office")
            if _send_and_record(CUTOFF_REMINDER, group, list(to),
                                f"Attendance not reported yet: {SESSION_LABELS[session].lower()} of {day_words}",
                                body, run, now):
                run.reminders += 1

    # 2. The office, about absences nobody has explained.
    unexplained = [r for r in register.rows if _is_unexplained(r, now) and UNEXPLAINED_ABSENCE not in r.alerts]
    if unexplained:
        count = len(unexplained)
        body = (f"{count} absence{'s' if count != 1 else ''} from provision today ({day_words}) "
                f"{'have' if count != 1 else 'has'} no reason from home.\n\n"
                f"See who and record your contact with parents: "
                f"{_link('attendance.board', day=now.date().isoformat(), status='absent')}\n")
        if _send_and_record(UNEXPLAINED_ABSENCE, unexplained, _active_emails(OFFICE),
                            f"Unexplained absence from provision: {day_words}", body, run, now):
            run.unexplained += 1

    # 3. The office and DSL, after the end of the day: absent and no parent reached (safeguarding).
    if is_past_end_of_day(now.date(), now, cutoffs):
        follow_ups = [r for r in register.rows if r.absent and not r.parent_reached
                      and NO_PARENT_CONTACT not in r.alerts]
        if follow_ups:
            count = len({r.placement.student_id for r in follow_ups})
            body = (f"{count} pupil{'s' if count != 1 else ''} absent from provision today ({day_words}) "
                    f"{'have' if count != 1 else 'has'} no parent or carer contact recorded. "
                    "This needs a safeguarding follow-up today.\n\n"
                    f"{_link('attendance.board', day=now.date().isoformat(), status='no_contact')}\n")
            recipients = sorted(set(_active_emails(OFFICE)) | set(_active_emails(DSL)))
            if _send_and_record(NO_PARENT_CONTACT, follow_ups, recipients,
                                f"Safeguarding follow-up: absence with no parent contact, {day_words}",
                                body, run, now, session_of=lambda row: DAY):
                run.follow_ups += 1
    return run
