"""`flask scheduler` (issue 14): the scheduled commands on school days, each run once across hosts."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.maintenance import scheduler
from ap_forms.maintenance.models import ScheduledRun
from tests import factories as f
from tests.conftest import make_app

MONDAY = datetime(2026, 11, 30)  # a school day in the autumn term
SATURDAY = datetime(2026, 11, 28)


@pytest.fixture
def calls(monkeypatch):
    """Each job records that it ran (the real commands have tests of their own)."""
    ran: list[tuple[str, datetime]] = []
    jobs = [
        scheduler.Job(
            job.name, lambda now, name=job.name: ran.append((name, now)) or "done", job.slot, job.school_days_only
        )
        for job in scheduler.JOBS
    ]
    monkeypatch.setattr(scheduler, "JOBS", jobs)
    return ran


def test_what_runs_when(app, calls):
    f.make_school_year(2026)
    assert [n for n, _ in scheduler.tick(MONDAY.replace(hour=5, minute=55), "a")] == ["safeguarding-escalate"]
    assert [n for n, _ in scheduler.tick(MONDAY.replace(hour=7, minute=2), "a")] == [
        "start-placements",
        "send-reminders",
        "safeguarding-escalate",
    ]
    assert [n for n, _ in scheduler.tick(MONDAY.replace(hour=7, minute=3), "a")] == []  # same slots: done
    assert [n for n, _ in scheduler.tick(MONDAY.replace(hour=10, minute=7), "a")] == [
        "attendance-alerts",
        "safeguarding-escalate",
    ]
    assert [n for n, _ in scheduler.tick(MONDAY.replace(hour=17, minute=30), "a")] == ["safeguarding-escalate"]
    assert [n for n, _ in scheduler.tick(SATURDAY.replace(hour=10, minute=7), "a")] == ["safeguarding-escalate"]
    slots = db.session.scalars(select(ScheduledRun.slot).where(ScheduledRun.job == "attendance-alerts")).all()
    assert slots == ["2026-11-30T10:00"]


def test_a_failing_job_is_recorded_and_the_others_still_run(app, monkeypatch):
    f.make_school_year(2026)

    def broken(now):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(
        scheduler, "JOBS", [scheduler.Job("start-placements", broken, scheduler.JOBS[0].slot), *scheduler.JOBS[1:2]]
    )
    ran = dict(scheduler.tick(MONDAY.replace(hour=7, minute=0), "a"))
    assert ran["start-placements"] == "failed: RuntimeError" and ran["send-reminders"].startswith("sent 0")
    row = db.session.get(ScheduledRun, ("start-placements", "2026-11-30"))
    assert row.outcome == "failed: RuntimeError" and row.finished_at is not None


def test_two_schedulers_at_the_same_moment_run_each_job_once(app, tmp_path, calls):
    """Two hosts (two apps on one database) tick at the same minute, in parallel: every job runs once."""
    f.make_school_year(2026)
    other_host = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    moment = MONDAY.replace(hour=8, minute=0)
    start = threading.Barrier(2)
    results: dict[str, list] = {}

    def run(host_app, host):
        with host_app.app_context():
            start.wait()
            results[host] = scheduler.tick(moment, host)

    threads = [threading.Thread(target=run, args=(a, h)) for a, h in ((app, "host-a"), (other_host, "host-b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with other_host.app_context():
        db.engine.dispose()  # the other host's connections (this test's own app closes its own)
    expected = ["start-placements", "send-reminders", "attendance-alerts", "safeguarding-escalate"]
    assert sorted(name for name, _ in calls) == sorted(expected)
    assert sorted(n for host in results.values() for n, _ in host) == sorted(expected)
    rows = db.session.scalars(select(ScheduledRun)).all()
    assert len(rows) == 4 and all(r.outcome == "done" for r in rows)


def test_the_command_runs_what_is_due_once(app, runner, calls):
    f.make_school_year(2026)
    app.config["FROZEN_NOW"] = "2026-11-30T10:05"
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "attendance-alerts: done" in result.output and "safeguarding-escalate: done" in result.output
    assert "send-reminders: done" in result.output
    again = runner.invoke(args=["scheduler", "--once"])
    assert "done" not in again.output
