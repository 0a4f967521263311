"""Benchmark data: `generate(scale=N)` fills the app's (empty) database through its models.

Scale 1 is about one school: 60 pupils in AP with 12 providers (a key worker each), the school's
leaders, office and a parent, and ``history_years`` (default 3) earlier years in which as many
placements ran and ended. Every placement has a mark and a register code for every expected session
(some late, some absent with a parent call), weekly feedback for every school week it ran, a termly
report for each finished term, incidents; every provider has quality-assurance visits each year.
Scale N is N such schools of the trust in one database (issue 17): each its own School row,
calendar, staff (members of it), parent, pupils, placements and history, with its own providers
after two that every school uses (the trust's providers are shared; each school keeps its own
placements, visits and records). Every school draws the same random shape, so the measured school
(the middle one: the first at scale 1, the tenth at scale 20) shows the same pages at any scale.
Bulk inserts (Core `insert()`, which skips the session hook that fills `school_id`, so each row is
given its school here): fast, no audit rows.

    .venv/bin/python bench/generate.py --scale 1 [--years 3]   # into BENCH_DATABASE_URL or bench/out/bench.db
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

if __name__ == "__main__":  # run as a script from a clean clone
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from ap_forms.accounts.models import User  # noqa: E402
from ap_forms.attendance.models import AttendanceMark, ParentContact, RegisterEntry  # noqa: E402
from ap_forms.attendance.services import expected_sessions  # noqa: E402
from ap_forms.extensions import db  # noqa: E402
from ap_forms.feedback.models import SUBMITTED, TermlyReport, WeeklyFeedback  # noqa: E402
from ap_forms.incidents.models import BEHAVIOUR, CLOSED, CONCERN, OPEN, Report  # noqa: E402
from ap_forms.placements.models import ACTIVE, ENDED, Placement, TimetableSession  # noqa: E402
from ap_forms.providers.models import Provider  # noqa: E402
from ap_forms.quality.models import PLANNED as VISIT_PLANNED  # noqa: E402
from ap_forms.quality.models import SIGNED_OFF, QualityVisit, VisitStaff  # noqa: E402
from ap_forms.school.models import School, SchoolMembership  # noqa: E402
from ap_forms.school_calendar.models import HOLIDAY, Closure, SchoolYear, Term  # noqa: E402
from ap_forms.school_calendar.services import load_span  # noqa: E402
from ap_forms.students.models import Carer, ParentLink, Student  # noqa: E402
from ap_forms.students.upn import make_upn  # noqa: E402
from ap_forms.web import tenancy  # noqa: E402

THIS_YEAR = 2026
TODAY = date(2026, 11, 30)  # a Monday in the Autumn term
NOW = "2026-11-30T10:30"  # after the morning cut-off: the board has work to show
PASSWORD_HASH = "bench-no-sign-in"  # the benchmark signs in by writing the session
PLACEMENTS_PER_SCALE = 60  # one school's pupils in AP
PUPILS_PER_PROVIDER = 5  # so 12 providers for each 60 placements
SHARED_PROVIDERS = 2  # of each school's providers, used by every school of the trust (issue 17)
STAFF = (("office", "Office"), ("headteacher", "Headteacher"), ("send_lead", "SEND lead"), ("dsl", "DSL"))

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
        Closure(
            kind=HOLIDAY,
            name="October half-term",
            start_date=date(start_year, 10, 26),
            end_date=date(start_year, 10, 30),
        ),
        Closure(
            kind=HOLIDAY,
            name="February half-term",
            start_date=date(start_year + 1, 2, 15),
            end_date=date(start_year + 1, 2, 19),
        ),
        Closure(
            kind=HOLIDAY,
            name="May half-term",
            start_date=date(start_year + 1, 5, 31),
            end_date=date(start_year + 1, 6, 4),
        ),
    ]
    return year


def _timetable(rng: random.Random) -> list[TimetableSession]:
    days = sorted(rng.sample(range(5), rng.choice([1, 2, 2, 3])))
    pattern = rng.choice([[AM], [PM], [AM, PM]])
    return [
        TimetableSession(weekday=day, start_time=start, end_time=end, activity="Workshop", site_address="Site")
        for day in days
        for start, end in pattern
    ]


def _bulk(model, rows: list[dict], school_id: int) -> None:
    # A bulk insert skips the session's hooks, which give every new row its school: name it here.
    for row in rows:
        row["school_id"] = school_id
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(model), rows[start : start + 5000])


def generate(
    scale: int = 1,
    history_years: int = 3,
    seed: int = 5,
    placements: int | None = None,
    pupils_per_provider: int = PUPILS_PER_PROVIDER,
    shared_providers: int = SHARED_PROVIDERS,
) -> dict:
    """Fill an empty database with `scale` schools of one shape; returns the counts (all schools) and the
    ids (people, pupil, placement, term) of the measured school, the middle one (the first at scale 1)."""
    per_school = placements or PLACEMENTS_PER_SCALE
    provider_count = max(1, per_school // pupils_per_provider)
    measured = (scale + 1) // 2
    totals: dict[str, int] = {}
    trust: list[tuple[int, int]] = []  # (provider id, key worker id) of the providers every school uses
    info: dict = {}
    for number in range(1, scale + 1):
        # Every school draws the same random shape, so the measured school's pages are the same at any scale.
        school_info, counts, made = _one_school(
            number, random.Random(seed), per_school, provider_count, history_years, trust
        )
        if number == 1:
            trust = made[: min(shared_providers, provider_count)]
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        if number == measured:
            info = school_info
        db.session.commit()
        db.session.expunge_all()  # each school's objects are done with: keep the unit of work small
    if db.engine.dialect.name == "postgresql":
        # A database in use has its planner statistics (autovacuum gathers them); a bulk load has none
        # until then, and the planner then guesses a few rows per school and nests loops over hundreds.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {
        "scale": scale,
        "schools": scale,
        "placements": per_school * scale,
        "placements_per_school": per_school,
        "providers": totals.pop("providers"),
        "shared_providers": len(trust) if scale > 1 else 0,
        "history_years": history_years,
        **totals,
        **info,
    }


def _school(number: int) -> School:
    # A migrated database has its first school already; one made by create_all (the tests') has none.
    school = (db.session.scalar(select(School).order_by(School.id).limit(1)) if number == 1 else None) or School()
    suffix = "" if number == 1 else f" {number}"
    details = {
        "name": f"Bench School{suffix}",
        "dfe_number": f"940{7018 + number}",
        "urn": str(99999 + number),
        "local_authority": "Bench",
        "address": f"{number} School Lane",
        "dsl_phone": "01536 000 199",
    }
    for field, value in details.items():
        setattr(school, field, value)
    db.session.add(school)
    db.session.flush()
    return school


def _one_school(
    number: int,
    rng: random.Random,
    placements: int,
    provider_count: int,
    history_years: int,
    trust: list[tuple[int, int]],
) -> tuple[dict, dict, list[tuple[int, int]]]:
    """School `number` (1 is the first): its calendar, staff, parent, own providers (after the trust's
    shared ones), pupils, placements and their history. Returns its ids, its counts and its providers."""
    school = _school(number)
    with tenancy.as_school(school.id):  # the session hook gives every new ORM row this school
        return _fill_school(school, number, rng, placements, provider_count, history_years, trust)


def _fill_school(
    school: School,
    number: int,
    rng: random.Random,
    placements: int,
    provider_count: int,
    history_years: int,
    trust: list[tuple[int, int]],
) -> tuple[dict, dict, list[tuple[int, int]]]:
    email = "bench.example" if number == 1 else f"s{number}.bench.example"
    years = {}
    for start_year in range(THIS_YEAR - history_years, THIS_YEAR + 1):
        years[start_year] = _school_year(start_year)
        db.session.add(years[start_year])
    staff = {
        role: User(email=f"{role}@{email}", name=name, role=role, password_hash=PASSWORD_HASH) for role, name in STAFF
    }
    parent = User(email=f"parent@{email}", name="Parent", role="parent", password_hash=PASSWORD_HASH)
    db.session.add_all([*staff.values(), parent])
    db.session.flush()
    db.session.add_all(SchoolMembership(user_id=user.id, school_id=school.id) for user in staff.values())
    office = staff["office"]

    # The trust's shared providers first (made by the first school), then this school's own.
    made = list(trust)
    first_own = db.session.scalar(select(func.count(Provider.id)))
    own = []
    for n in range(first_own, first_own + provider_count - len(trust)):
        provider = Provider(name=f"Bench provider {n}", address=f"{n} Lane", contact_phone="01536 000 000")
        key_worker = User(
            email=f"kw{n}@bench.example",
            name=f"Key worker {n}",
            role="key_worker",
            provider=provider,
            password_hash=PASSWORD_HASH,
        )
        own.append((provider, key_worker))
    db.session.add_all([item for pair in own for item in pair])
    db.session.flush()
    made += [(provider.id, key_worker.id) for provider, key_worker in own]

    serial = 0
    all_placements = []
    for start_year in range(THIS_YEAR - history_years, THIS_YEAR + 1):
        current = start_year == THIS_YEAR
        for n in range(placements):
            serial += 1
            # A valid UPN: the school's number, the year-allocated digits and the serial keep them unique.
            student = Student(
                first_name=f"Pupil{serial}",
                last_name=f"Bench{serial:06d}",
                year_group=7 + serial % 7,
                upn=make_upn(940, 7018 + number, serial // 1000, serial % 1000),
                date_of_birth=date(2012, 1, 1),
                ehcp=True,
                send_needs="SEMH",
                medical_needs="",
            )
            student.carers = [
                Carer(
                    name=f"Carer {serial}",
                    relationship_to_pupil="Mother",
                    priority=1,
                    mobile_phone="07700 900000",
                    parental_responsibility=True,
                    may_collect=True,
                )
            ]
            provider_id, key_worker_id = made[n % provider_count]
            placement = Placement(
                student=student,
                provider_id=provider_id,
                key_worker_id=key_worker_id,
                start_date=date(start_year, 9, 7),
                planned_end_date=date(start_year + 1, 7, 16),
                status=ACTIVE if current else ENDED,
                ended_on=None if current else date(start_year + 1, 7, 16),
                objectives="Attend every session\nFinish a unit award",
                share_send_needs=True,
                baseline_attendance_percent=float(rng.randint(40, 90)),
            )
            placement.sessions = _timetable(rng)
            if current and n == 0:  # the parent's child, marked in the benchmark: Monday and Wednesday
                placement.sessions = [
                    TimetableSession(
                        weekday=day, start_time=start, end_time=end, activity="Workshop", site_address="Site"
                    )
                    for day in (0, 2)
                    for start, end in (AM, PM)
                ]
            db.session.add(placement)
            all_placements.append(placement)
    db.session.flush()
    current_placements = [p for p in all_placements if p.status == ACTIVE]
    # The parent's child: the busiest key worker's first pupil this year.
    child = current_placements[0]
    db.session.add(ParentLink(parent_id=parent.id, student_id=child.student_id, relationship_to_pupil="Mother"))
    child.student.carers[0].user_id = parent.id

    # Marks, codes and parent calls for every expected session up to the last school day.
    first = date(THIS_YEAR - history_years, 9, 1)
    last = TODAY - timedelta(days=1)
    span = load_span(first, last)
    marks, entries, contacts = [], [], []
    for row in expected_sessions(all_placements, first, last, span):
        roll = rng.random()
        status = "present" if roll < 0.85 else "late" if roll < 0.9 else "absent"
        stamp = datetime.combine(row.day, row.start_time) + timedelta(minutes=20)
        marks.append(
            {
                "placement_id": row.placement.id,
                "day": row.day,
                "session": row.session,
                "status": status,
                "minutes_late": 10 if status == "late" else None,
                "absence_reason": "ill" if status == "absent" else None,
                "note": "",
                "marked_by_id": row.placement.key_worker_id,
                "marked_at": stamp,
                "late_reporting": False,
                "version": 1,
            }
        )
        entries.append(
            {
                "placement_id": row.placement.id,
                "day": row.day,
                "session": row.session,
                "code": "I" if status == "absent" else "B",
                "recorded_by_id": office.id,
                "recorded_at": stamp + timedelta(hours=1),
                "mark_version": 1,
            }
        )
        if status == "absent":
            contacts.append(
                {
                    "student_id": row.placement.student_id,
                    "day": row.day,
                    "contact_with": "Parent",
                    "method": "phone",
                    "outcome": "reached",
                    "notes": "",
                    "follow_up": "",
                    "contacted_by_id": office.id,
                    "contacted_at": stamp + timedelta(minutes=30),
                    "recorded_at": stamp + timedelta(minutes=31),
                }
            )
    _bulk(AttendanceMark, marks, school.id)
    _bulk(RegisterEntry, entries, school.id)
    _bulk(ParentContact, contacts, school.id)

    # Weekly feedback for every school week a placement ran (up to last week), a termly report for
    # every finished term, and a serious incident and a concern for one placement in five a year.
    feedback, reports, incidents = [], [], []
    this_monday = TODAY - timedelta(days=TODAY.weekday())
    for n, placement in enumerate(all_placements):
        end = min(placement.ended_on or this_monday, this_monday) - timedelta(days=1)
        week = placement.start_date - timedelta(days=placement.start_date.weekday())
        while week + timedelta(days=4) <= end:
            if span.school_days(week, week + timedelta(days=4)) and rng.random() < 0.92:
                stamp = datetime.combine(week + timedelta(days=4), time(15, 30))
                feedback.append(
                    {
                        "placement_id": placement.id,
                        "week_start": week,
                        "version": 1,
                        "status": SUBMITTED,
                        "engagement": rng.randint(2, 5),
                        "progress": [{"rating": "good", "comment": ""}, {"rating": "some", "comment": ""}],
                        "behaviour": "Settled quickly.",
                        "wellbeing": "Cheerful.",
                        "achievements": "Finished the task.",
                        "concerns": "",
                        "next_week_plan": "Carry on.",
                        "correction_reason": "",
                        "author_id": placement.key_worker_id,
                        "updated_at": stamp,
                        "submitted_at": stamp,
                    }
                )
            week += timedelta(days=7)
        for term in years[placement.start_date.year].terms:
            # Finished terms; and the child's report for this term, already written (the PDF page).
            if placement.start_date < term.end_date < TODAY or (placement is child and term.name == "Autumn"):
                stamp = datetime.combine(term.end_date, time(12))
                reports.append(
                    {
                        "placement_id": placement.id,
                        "term_id": term.id,
                        "status": SUBMITTED,
                        "engagement_summary": "Engagement has grown steadily.",
                        "progress": [{"rating": "good", "comment": ""}, {"rating": "some", "comment": ""}],
                        "academic_outcomes": "Unit award",
                        "accreditation": "",
                        "behaviour": "Good",
                        "strengths": "Patient and careful.",
                        "next_steps": "Start a Level 1 unit.",
                        "recommendation": "continue",
                        "author_id": placement.key_worker_id,
                        "updated_at": stamp,
                        "submitted_at": stamp,
                    }
                )
        if n % 5 == 0:
            when = datetime.combine(placement.start_date + timedelta(days=30 + n % 40), time(11, 20))
            is_current = placement.status == ACTIVE
            for kind in (BEHAVIOUR, CONCERN):
                incidents.append(
                    {
                        "kind": kind,
                        "status": OPEN if is_current and kind == CONCERN else CLOSED,
                        "reporter_id": placement.key_worker_id,
                        "student_id": placement.student_id,
                        "provider_id": placement.provider_id,
                        "occurred_at": when,
                        "location": "The yard",
                        "description": "Threw a bucket at the fence.",
                        "body_marks": [],
                        "created_at": when,
                        "updated_at": when,
                        "submitted_at": when + timedelta(hours=1),
                        "closed_at": None if is_current and kind == CONCERN else when + timedelta(days=3),
                    }
                )
    _bulk(WeeklyFeedback, feedback, school.id)
    _bulk(TermlyReport, reports, school.id)
    _bulk(Report, incidents, school.id)

    # Three quality-assurance visits a year for each provider: signed off when past, planned ahead.
    lead = staff["send_lead"]
    visits = 0
    for start_year in years:
        for day in (date(start_year, 10, 14), date(start_year + 1, 2, 3), date(start_year + 1, 6, 16)):
            for provider_id, _ in made:
                past = day < TODAY
                visit = QualityVisit(
                    provider_id=provider_id,
                    visit_date=day,
                    status=SIGNED_OFF if past else VISIT_PLANNED,
                    planned_by_id=lead.id,
                    overall_judgement="good" if past else "",
                    overall_summary="Safe, purposeful sessions." if past else "",
                    signed_off_on=day if past else None,
                    signed_off_by_id=lead.id if past else None,
                )
                visit.visitors = [VisitStaff(user_id=lead.id)]
                db.session.add(visit)
                visits += 1
    db.session.flush()
    busiest_id = made[0][1]
    report = db.session.scalar(
        select(TermlyReport).where(TermlyReport.placement_id == child.id).order_by(TermlyReport.id)
    )
    counts = {
        "providers": len(made) - len(trust),
        "marks": len(marks),
        "entries": len(entries),
        "contacts": len(contacts),
        "feedback": len(feedback),
        "reports": len(reports),
        "incidents": len(incidents),
        "visits": visits,
    }
    ids = {
        "school_id": school.id,
        "users": {role: user.id for role, user in staff.items()} | {"parent": parent.id, "key_worker": busiest_id},
        "office_id": office.id,
        "key_worker_id": busiest_id,
        "student_id": child.student_id,
        "placement_id": child.id,
        "report": [report.placement_id, report.term_id] if report else None,
    }
    return ids, counts, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="how many schools (each 60 pupils in AP)")
    parser.add_argument("--years", type=int, default=3, help="earlier school years of history")
    args = parser.parse_args()
    from bench.run import make_app  # the same database set-up as the benchmark

    app = make_app(f"bench-s{args.scale}")
    with app.app_context():
        info = generate(scale=args.scale, history_years=args.years)
    (Path(__file__).parent / "out" / f"info-s{args.scale}.json").write_text(json.dumps(info))
    print({k: v for k, v in info.items() if k != "users"})
    print("Database:", os.environ.get("BENCH_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"])


if __name__ == "__main__":
    main()
