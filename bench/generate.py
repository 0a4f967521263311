"""Benchmark data: a school with N active placements and several years of attendance history.

`generate(placements=200, history_years=3)` fills the app's (empty) database with providers, key
workers, the school calendar, this year's active placements and, for each earlier year, the same
number of placements that ran that year and ended, each with a mark and a register code for every
expected session (some late, some absent with a parent call). Bulk inserts: fast, no audit rows.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from ap_forms.accounts.models import User
from ap_forms.attendance.models import AttendanceMark, ParentContact, RegisterEntry
from ap_forms.attendance.services import expected_sessions
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, ENDED, Placement, TimetableSession
from ap_forms.providers.models import Provider
from ap_forms.school_calendar.models import HOLIDAY, Closure, SchoolYear, Term
from ap_forms.school_calendar.services import load_span
from ap_forms.students.models import Student
from ap_forms.students.upn import make_upn

THIS_YEAR = 2026
TODAY = date(2026, 11, 30)          # a Monday in the Autumn term
NOW = "2026-11-30T10:30"            # after the morning cut-off: the board has work to show
PASSWORD_HASH = "bench-no-sign-in"  # the benchmark signs in by writing the session
PUPILS_PER_PROVIDER = 10

AM, PM = (time(9, 30), time(12, 0)), (time(13, 0), time(15, 0))


def _school_year(start_year: int) -> SchoolYear:
    """Term dates like a real English school year (the same shape every year)."""
    year = SchoolYear(start_year=start_year)
    year.terms = [
        Term(name="Autumn", start_date=date(start_year, 9, 2), end_date=date(start_year, 12, 18)),
        Term(name="Spring", start_date=date(start_year + 1, 1, 4), end_date=date(start_year + 1, 3, 26)),
        Term(name="Summer", start_date=date(start_year + 1, 4, 12), end_date=date(start_year + 1, 7, 21)),
    ]
    year.closures = [
        Closure(kind=HOLIDAY, name="October half-term", start_date=date(start_year, 10, 26),
                end_date=date(start_year, 10, 30)),
        Closure(kind=HOLIDAY, name="February half-term", start_date=date(start_year + 1, 2, 15),
                end_date=date(start_year + 1, 2, 19)),
        Closure(kind=HOLIDAY, name="May half-term", start_date=date(start_year + 1, 5, 31),
                end_date=date(start_year + 1, 6, 4)),
    ]
    return year


def _timetable(rng: random.Random) -> list[TimetableSession]:
    days = sorted(rng.sample(range(5), rng.choice([1, 2, 2, 3])))
    pattern = rng.choice([[AM], [PM], [AM, PM]])
    return [TimetableSession(weekday=day, start_time=start, end_time=end, activity="Workshop", site_address="Site")
            for day in days for start, end in pattern]


def generate(placements: int = 200, history_years: int = 3, seed: int = 5) -> dict:
    """Fill an empty database; returns counts and the ids the benchmark uses."""
    rng = random.Random(seed)
    for start_year in range(THIS_YEAR - history_years, THIS_YEAR + 1):
        db.session.add(_school_year(start_year))
    office = User(email="office@bench.example", name="Office", role="office", password_hash=PASSWORD_HASH)
    db.session.add(office)

    provider_count = max(1, placements // PUPILS_PER_PROVIDER)
    providers, key_workers = [], []
    for n in range(provider_count):
        provider = Provider(name=f"Bench provider {n}", address=f"{n} Lane", contact_phone="01536 000 000")
        key_worker = User(email=f"kw{n}@bench.example", name=f"Key worker {n}", role="key_worker",
                          provider=provider, password_hash=PASSWORD_HASH)
        providers.append(provider)
        key_workers.append(key_worker)
    db.session.add_all(providers + key_workers)
    db.session.flush()

    serial = 0
    all_placements = []
    for start_year in range(THIS_YEAR - history_years, THIS_YEAR + 1):
        current = start_year == THIS_YEAR
        for n in range(placements):
            serial += 1
            # A valid UPN: the year-allocated digits and the serial together keep them unique.
            student = Student(first_name=f"Pupil{serial}", last_name=f"Bench{serial:06d}", year_group=7 + serial % 7,
                              upn=make_upn(940, 7019, serial // 1000, serial % 1000), date_of_birth=date(2012, 1, 1))
            provider_index = n % provider_count
            placement = Placement(
                student=student, provider=providers[provider_index], key_worker=key_workers[provider_index],
                start_date=date(start_year, 9, 7), planned_end_date=date(start_year + 1, 7, 16),
                status=ACTIVE if current else ENDED, ended_on=None if current else date(start_year + 1, 7, 16),
                objectives="Attend", baseline_attendance_percent=float(rng.randint(40, 90)))
            placement.sessions = _timetable(rng)
            db.session.add(placement)
            all_placements.append(placement)
    db.session.flush()

    # Marks, codes and parent calls for every expected session up to the last school day.
    first = date(THIS_YEAR - history_years, 9, 1)
    last = TODAY - timedelta(days=1)
    span = load_span(first, last)
    marks, entries, contacts = [], [], []
    for row in expected_sessions(all_placements, first, last, span):
        roll = rng.random()
        status = "present" if roll < 0.85 else "late" if roll < 0.9 else "absent"
        stamp = datetime.combine(row.day, row.start_time) + timedelta(minutes=20)
        marks.append({"placement_id": row.placement.id, "day": row.day, "session": row.session, "status": status,
                      "minutes_late": 10 if status == "late" else None, "absence_reason": "ill" if status == "absent"
                      else None, "note": "", "marked_by_id": row.placement.key_worker_id, "marked_at": stamp,
                      "late_reporting": False, "version": 1})
        entries.append({"placement_id": row.placement.id, "day": row.day, "session": row.session,
                        "code": "I" if status == "absent" else "B", "recorded_by_id": office.id,
                        "recorded_at": stamp + timedelta(hours=1), "mark_version": 1})
        if status == "absent":
            contacts.append({"student_id": row.placement.student_id, "day": row.day, "contact_with": "Parent",
                             "method": "phone", "outcome": "reached", "notes": "", "follow_up": "",
                             "contacted_by_id": office.id, "contacted_at": stamp + timedelta(minutes=30),
                             "recorded_at": stamp + timedelta(minutes=31)})
    for model, rows in ((AttendanceMark, marks), (RegisterEntry, entries), (ParentContact, contacts)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start:start + 5000])
    db.session.commit()
    busiest = db.session.scalar(select(User).where(User.role == "key_worker").order_by(User.id))
    return {"placements": placements, "history_years": history_years, "marks": len(marks),
            "entries": len(entries), "contacts": len(contacts), "office_id": office.id, "key_worker_id": busiest.id}
