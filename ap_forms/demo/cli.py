"""`flask --app ap_forms demo`: load the fictional trust's two schools once; every run prints working sign-ins."""

from __future__ import annotations

import secrets
from datetime import date, time, timedelta

import click
from flask import Blueprint
from sqlalchemy import func, select

from ap_forms.accounts import two_factor
from ap_forms.accounts.models import User
from ap_forms.accounts.passwords import hash_password, password_problem
from ap_forms.demo import data, second_school
from ap_forms.demo.attendance_history import load_attendance_history, load_calendar
from ap_forms.demo.commissioning import load_commissioning_demo
from ap_forms.demo.quality import load_quality_demo
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, Placement, TimetableSession
from ap_forms.providers.models import Provider
from ap_forms.school.models import School
from ap_forms.school.services import add_member
from ap_forms.students.models import Carer, ParentLink, Student
from ap_forms.students.upn import make_upn
from ap_forms.web import tenancy

bp = Blueprint("demo_cli", __name__, cli_group=None)

DEMO_PARENTS = [
    # name, email, child index, relationship
    ("Karen Abbott", "karen.abbott@parents.example", 0, "Mother"),
    ("David Barker", "david.barker@parents.example", 1, "Father"),
]

# (pupil index, provider index, weekdays, AM/PM pattern, start)
PLACEMENTS = [
    (0, 0, (0, 2), "both", date(2026, 9, 7)),
    (1, 1, (1, 3), "both", date(2026, 9, 8)),
    (2, 0, (0, 1, 4), "am", date(2026, 9, 14)),
    (3, 2, (0,), "both", date(2026, 9, 7)),
    (4, 3, (2,), "pm", date(2026, 9, 9)),
    (5, 4, (3, 4), "am", date(2026, 10, 5)),
    (6, 5, (1,), "both", date(2026, 9, 8)),
    (7, 1, (0, 4), "pm", date(2026, 11, 2)),
    (8, 2, (3,), "both", date(2026, 9, 10)),
    (9, 5, (2, 4), "am", date(2026, 9, 9)),
    (10, 0, (0, 3), "both", date(2026, 11, 2)),
    (11, 4, (0, 1), "pm", date(2026, 9, 7)),
]

AM = (time(9, 30), time(12, 0))
PM = (time(13, 0), time(15, 0))


def demo_accounts() -> list[User]:
    emails = [e for _, _, e in data.STAFF] + [k[1] for k in data.KEY_WORKERS] + [p[1] for p in DEMO_PARENTS]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    order = {e: i for i, e in enumerate(emails)}
    return sorted(users, key=lambda u: order[u.email])


def load_demo(password: str) -> None:
    """Create the fictional school (only if the database holds no pupils yet)."""
    pw_hash = hash_password(password)
    school = db.session.scalar(select(School).order_by(School.id).limit(1))
    if school is None:  # a database made by create_all (the migrations make the first school)
        school = School()
        db.session.add(school)
    for field, value in data.SCHOOL.items():
        setattr(school, field, value)

    providers = [Provider(**dict(zip(data.PROVIDER_COLUMNS, row, strict=True))) for row in data.PROVIDERS]
    db.session.add_all(providers)
    db.session.flush()
    by_name = {p.name: p for p in providers}

    for role, name, email in data.STAFF:
        staff = User(email=email, name=name, role=role, password_hash=pw_hash)
        db.session.add(staff)
        db.session.flush()
        add_member(staff.id, school)
    key_workers = {}
    for name, email, provider_name, phone in data.KEY_WORKERS:
        user = User(
            email=email,
            name=name,
            role="key_worker",
            phone=phone,
            provider_id=by_name[provider_name].id,
            password_hash=pw_hash,
        )
        db.session.add(user)
        key_workers[provider_name] = user

    students = []
    for i in range(40):
        needs, diagnoses = data.NEEDS[i % len(data.NEEDS)]
        year = 7 + (i % 7)  # Years 7 to 13
        birth_year = 2026 - (year + 5) - (1 if i % 3 == 0 else 0)
        students.append(
            Student(
                first_name=data.FIRST_NAMES[i],
                last_name=data.LAST_NAMES[i],
                year_group=year,
                upn=make_upn(940, 7019, birth_year + 5, 100 + i),
                date_of_birth=date(birth_year, 1 + (i * 5) % 12, 1 + (i * 7) % 28),
                ehcp=i % 9 != 8,
                send_needs=needs,
                diagnoses=diagnoses,
                medical_needs=data.MEDICAL[i % 7],
            )
        )
    db.session.add_all(students)
    db.session.flush()

    for name, email, child, relationship in DEMO_PARENTS:
        parent = User(email=email, name=name, role="parent", password_hash=pw_hash)
        db.session.add(parent)
        db.session.flush()
        db.session.add(
            ParentLink(parent_id=parent.id, student_id=students[child].id, relationship_to_pupil=relationship)
        )
        db.session.add(
            Carer(
                student_id=students[child].id,
                name=name,
                relationship_to_pupil=relationship,
                priority=1,
                mobile_phone=f"07700 900{child:03d}",
                email=email,
                parental_responsibility=True,
                may_collect=True,
                user_id=parent.id,
            )
        )
    # Every other pupil has a parent or carer to call (numbers from Ofcom's range for drama).
    with_parent = {child for _, _, child, _ in DEMO_PARENTS}
    for i, student in enumerate(students):
        if i not in with_parent:
            db.session.add(
                Carer(
                    student_id=student.id,
                    name=f"{'Sam' if i % 2 else 'Alex'} {student.last_name}",
                    relationship_to_pupil="Mother" if i % 2 else "Father",
                    priority=1,
                    mobile_phone=f"07700 900{i:03d}",
                    home_phone=f"01536 000{i:03d}",
                    parental_responsibility=True,
                    may_collect=True,
                )
            )

    for number, (pupil, provider_index, days, pattern, start) in enumerate(PLACEMENTS):
        provider = providers[provider_index]
        # The LA and the parents were told before each start (issue 12); the newest placement's LA form is not sent.
        told = {"parents_told_on": start - timedelta(days=10), "parents_told_how": "meeting"}
        if number < len(PLACEMENTS) - 1:
            told.update(la_told_on=start - timedelta(days=5), la_told_how="portal")
        activities = data.ACTIVITIES[provider.name]
        placement = Placement(
            student=students[pupil],
            provider=provider,
            key_worker=key_workers[provider.name],
            start_date=start,
            planned_end_date=date(2027, 7, 16),
            status=ACTIVE,
            objectives="\n".join(data.OBJECTIVES[provider.name]),
            share_send_needs=True,
            share_diagnoses=pupil % 2 == 0,
            share_medical_needs=True,
            **told,
        )
        for n, day in enumerate(days):
            slots = {"both": [AM, PM], "am": [AM], "pm": [PM]}[pattern]
            for k, (start_time, end_time) in enumerate(slots):
                placement.sessions.append(
                    TimetableSession(
                        weekday=day,
                        start_time=start_time,
                        end_time=end_time,
                        activity=activities[(n + k) % len(activities)],
                        site_address=provider.address,
                    )
                )
        db.session.add(placement)
    db.session.commit()
    load_commissioning_demo()

    load_calendar()
    load_attendance_history()
    load_quality_demo()

    from ap_forms.demo.referrals import add_demo_referrals

    add_demo_referrals()

    from ap_forms.demo.feedback import add_demo_feedback

    add_demo_feedback()

    from ap_forms.demo.incidents import add_demo_incidents

    add_demo_incidents()


@bp.cli.command("demo")
@click.option("--password", default=None, help="Password for every demo account (default: random).")
@click.option("--if-empty", is_flag=True, help="Load data only into an empty database (for make run).")
def demo(password: str | None, if_empty: bool):
    """Load the fictional demo school, then print one line per demo account."""
    if password is not None and password_problem(password):
        raise click.BadParameter(password_problem(password), param_hint="--password")
    password = password or secrets.token_urlsafe(9)
    has_pupils = db.session.scalar(select(func.count(Student.id))) > 0
    if has_pupils and not demo_accounts():
        click.echo("The database already holds real data; demo data was not loaded.")
        return
    pw_hash = hash_password(password)
    first = db.session.scalar(select(School.id).order_by(School.id).limit(1))
    if not has_pupils:
        load_demo(password)
        click.echo("Loaded the demo school: 40 pupils, 6 providers, 12 active placements.")
    else:
        # Idempotent: nothing is added twice; the demo accounts get the password shown below.
        for user in demo_accounts() + second_school.accounts():
            user.password_hash = pw_hash
        db.session.commit()
        with tenancy.as_school(first):  # the first school's records, as they were loaded
            load_commissioning_demo()  # for demo schools loaded before providers had records
            load_quality_demo()  # and before quality-assurance visits
            from ap_forms.demo.incidents import add_demo_incidents

            add_demo_incidents()  # and before safeguarding reports
        click.echo("Demo data already loaded" + ("" if if_empty else "; nothing added") + ".")
    if second_school.load_second_school(pw_hash):
        click.echo(
            f"Loaded a second school of the trust, {second_school.SCHOOL['name']}: "
            f"{len(second_school.PUPILS)} pupils, sharing {len(second_school.SHARED_PROVIDERS)} providers."
        )
    everyone = demo_accounts() + second_school.accounts()
    leaders = [u for u in everyone if u.role in two_factor.DEFAULT_REQUIRED_ROLES]
    for user in leaders:
        if not user.totp_secret:
            user.totp_secret = two_factor.new_secret()
    db.session.commit()
    first_name = db.session.get(School, first).name
    click.echo(f"Demo sign-ins (password for all: {password})")
    click.echo(f" {first_name}:")
    for user in demo_accounts():
        click.echo(f"  {user.role:<12} {user.name:<18} {user.email}")
    second = second_school.accounts()
    click.echo(f" {second_school.SCHOOL['name']} (the same trust; shares two providers):")
    for user in second:
        both = (
            " (works in both schools: choose the school after signing in)"
            if user.email == second_school.BOTH_SCHOOLS[2]
            else ""
        )
        click.echo(f"  {user.role:<12} {user.name:<18} {user.email}{both}")
    click.echo("Leaders also need a code from an authenticator app (two-factor sign-in). Add the key")
    click.echo("below to your app, or print the current code with:")
    click.echo("  .venv/bin/flask --app ap_forms two-factor-code EMAIL")
    for user in leaders:
        click.echo(f"  {user.email:<34} key {user.totp_secret}")
