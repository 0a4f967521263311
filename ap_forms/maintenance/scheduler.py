"""`flask --app ap_forms scheduler`: the scheduled commands, without hand-written cron lines.

Why a loop of our own rather than APScheduler or cron: the jobs are four idempotent commands, each
due at simple times of the school's day; "on school days" needs the school calendar in the
database (cron cannot ask it); and "once, whichever host gets there first" is one row in the
database, which every host already shares. So one small loop wakes each minute, asks which jobs are
due, and claims each due run by inserting (job, slot) into `scheduled_runs`, whose primary key lets
exactly one host win; the others skip it. Run the scheduler on every host, or on one: either way
each job runs once per slot. A run missed while no scheduler was up is caught up within its slot
(daily jobs: any time later that day).

| job | when (school time) | slot |
|---|---|---|
| start-placements | school days, from 06:00 | the day |
| send-reminders | school days, from 07:00 | the day |
| attendance-alerts | school days, every 10 minutes 08:00–17:00 | the 10 minutes |
| safeguarding-escalate | every day, every 5 minutes | the 5 minutes |
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.exc import IntegrityError

from ap_forms.extensions import db
from ap_forms.maintenance.models import ScheduledRun
from ap_forms.web import clock, tenancy

log = logging.getLogger("ap_forms.scheduler")


def _start_placements(now: datetime) -> str:
    from ap_forms.placements.services import start_due_placements

    return f"started {len(start_due_placements(now.date()))} placement(s)"


def _send_reminders(now: datetime) -> str:
    from ap_forms.feedback.reminders import send_reminders

    run = send_reminders(now.date())
    return f"sent {run.sent} reminder(s)" + (f"; not sent: {len(run.failures)}" if run.failures else "")


def _attendance_alerts(now: datetime) -> str:
    from ap_forms.attendance.alerts import run_alerts

    run = run_alerts(now)
    return f"sent {run.sent} alert(s)" + (f"; not sent: {len(run.failures)}" if run.failures else "")


def _safeguarding_escalate(now: datetime) -> str:
    from ap_forms.incidents.alerts import run_escalations

    run = run_escalations(now)
    return f"sent {run.new_alerts} delayed alert(s), {run.escalations} escalation(s)" + (
        f"; not sent: {len(run.failures)}" if run.failures else ""
    )


def _daily_from(start: time) -> Callable[[datetime], str | None]:
    return lambda now: now.date().isoformat() if now.time() >= start else None


def _every(minutes: int, start: time = time(0, 0), end: time = time(23, 59)) -> Callable[[datetime], str | None]:
    def slot(now: datetime) -> str | None:
        if not start <= now.time() <= end:
            return None
        return now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0).isoformat(
            timespec="minutes"
        )

    return slot


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], str]
    slot: Callable[[datetime], str | None]  # the slot `now` falls in, or None when the job is not due
    school_days_only: bool = True


JOBS = [
    Job("start-placements", _start_placements, _daily_from(time(6, 0))),
    Job("send-reminders", _send_reminders, _daily_from(time(7, 0))),
    Job("attendance-alerts", _attendance_alerts, _every(10, time(8, 0), time(17, 0))),
    Job("safeguarding-escalate", _safeguarding_escalate, _every(5), school_days_only=False),
]


def host_name() -> str:
    return socket.gethostname()[:100]


def claim(job: str, slot: str, host: str) -> bool:
    """Take this run for this host; False when another scheduler already has it."""
    db.session.add(ScheduledRun(job=job, slot=slot, host=host, started_at=clock.utcnow()))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _finish(job: str, slot: str, outcome: str) -> None:
    db.session.rollback()  # whatever the job left unfinished
    row = db.session.get(ScheduledRun, (job, slot))
    row.finished_at = clock.utcnow()
    row.outcome = outcome[:255]
    db.session.commit()


def _run_for_school(job: Job, slot: str, now: datetime, school_id: int) -> str:
    try:
        with tenancy.as_school(school_id):
            return job.run(now)
    except Exception as error:  # one job failing never stops the others or the scheduler
        db.session.rollback()
        log.exception("scheduled job %s (%s) failed", job.name, slot)
        return f"failed: {type(error).__name__}"


def tick(now: datetime | None = None, host: str | None = None) -> list[tuple[str, str]]:
    """Run every job due at `now` (school time) that no scheduler has run in this slot. Returns what ran."""
    from ap_forms.school_calendar.services import is_school_day

    now = now or clock.now()
    host = host or host_name()
    schools = tenancy.every_school()
    school_days = set()  # each school has its own calendar
    for school_id, _name in schools:
        with tenancy.as_school(school_id):
            if is_school_day(now.date()):
                school_days.add(school_id)
    ran = []
    for job in JOBS:
        slot = job.slot(now)
        if slot is None or (job.school_days_only and not school_days) or not claim(job.name, slot, host):
            continue
        outcomes = []
        for school_id, name in schools:
            if job.school_days_only and school_id not in school_days:
                continue
            outcome = _run_for_school(job, slot, now, school_id)
            outcomes.append(f"{name}: {outcome}" if len(schools) > 1 else outcome)
        outcome = "; ".join(outcomes)
        log.info("scheduled job %s (%s): %s", job.name, slot, outcome)
        _finish(job.name, slot, outcome)
        ran.append((job.name, outcome))
    db.session.remove()
    return ran
