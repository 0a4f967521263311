"""The demo trust's second school (issue 17): Brook Valley School, which uses two of the providers
Larkspur Vale School has already checked. The commissioning record is the trust's, so Brook Valley
agrees only its own Service Level Agreements; its staff, pupils, placements and calendar are its own.

Loaded once, after the first school (its rows are made inside `as_school`), by `flask demo`; the first
school's records are not touched. Every name, address and number here is invented.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.demo import data
from ap_forms.demo.attendance_history import load_calendar
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, Placement, TimetableSession
from ap_forms.providers.models import Provider, ServiceAgreement
from ap_forms.school.models import School, SchoolMembership
from ap_forms.school_calendar.services import school_year_start, year_bounds
from ap_forms.students.models import Carer, Student
from ap_forms.students.upn import make_upn
from ap_forms.web import clock, tenancy

SCHOOL = {
    "name": "Brook Valley School",
    "dfe_number": "9407021",
    "urn": "149991",
    "local_authority": "North Northamptonshire Council",
    "address": "Brook Valley Road\nCorby\nNN17 0ZY",
    "contact_email": "office@brookvalley.example",
    "contact_phone": "01536 000 300",
    "dsl_phone": "01536 000 399",
}

# The two providers Brook Valley shares with Larkspur Vale, and its own agreed rate with each.
SHARED_PROVIDERS = {
    "Meadow Lane Care Farm": ("session", "88.00"),
    "Rowan Equine Centre": ("day", "125.00"),
}

STAFF = [
    # role, name, email: members of Brook Valley School only
    ("headteacher", "Imogen Hart", "head@brookvalley.example"),
    ("send_lead", "Tariq Osei", "send.lead@brookvalley.example"),
    ("office", "Megan Lloyd", "office.staff@brookvalley.example"),
]
# A member of both schools' staff: signs in once and changes school from the header.
BOTH_SCHOOLS = ("staff", "Nadia Fraser", "n.fraser@brookvalley.example")

PUPILS = [
    # first name, last name, year group, provider (None: no placement yet)
    ("Kai", "Pemberton", 9, "Meadow Lane Care Farm"),
    ("Nell", "Ashworth", 10, "Meadow Lane Care Farm"),
    ("Reuben", "Clarke", 8, "Meadow Lane Care Farm"),
    ("Tilly", "Okonjo", 11, "Rowan Equine Centre"),
    ("Milo", "Hargreaves", 9, "Rowan Equine Centre"),
    ("Esme", "Whitlock", 10, None),
]
SESSION_DAYS = {"Meadow Lane Care Farm": (1, 3), "Rowan Equine Centre": (2,)}
AM = (time(9, 30), time(12, 0))
START = date(2026, 9, 14)


def accounts() -> list[User]:
    """Brook Valley's demo accounts, in the order they are printed."""
    emails = [e for _, _, e in STAFF] + [BOTH_SCHOOLS[2]]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    order = {e: i for i, e in enumerate(emails)}
    return sorted(users, key=lambda u: order[u.email])


def load_second_school(pw_hash: str, today: date | None = None) -> bool:
    """Add Brook Valley School, once (skipped when a school of that name exists). True if added."""
    if db.session.scalar(select(School.id).where(School.name == SCHOOL["name"])):
        return False
    first = db.session.scalar(select(School).order_by(School.id).limit(1))
    school = School(**SCHOOL)
    db.session.add(school)
    db.session.flush()
    for role, name, email in STAFF:
        user = User(email=email, name=name, role=role, password_hash=pw_hash)
        db.session.add(user)
        db.session.flush()
        db.session.add(SchoolMembership(user_id=user.id, school_id=school.id))
    role, name, email = BOTH_SCHOOLS
    both = User(email=email, name=name, role=role, password_hash=pw_hash)
    db.session.add(both)
    db.session.flush()
    db.session.add_all([SchoolMembership(user_id=both.id, school_id=s.id) for s in (first, school)])

    with tenancy.as_school(school.id):
        _load_records(school, today or clock.today())
    db.session.commit()
    return True


def _load_records(school: School, today: date) -> None:
    lead = db.session.scalar(select(User).where(User.email == "send.lead@brookvalley.example"))
    providers = {
        p.name: p for p in db.session.scalars(select(Provider).where(Provider.name.in_(list(SHARED_PROVIDERS))))
    }
    year_start, _ = year_bounds(school_year_start(today))
    for provider_name, (basis, rate) in SHARED_PROVIDERS.items():
        db.session.add(
            ServiceAgreement(
                provider=providers[provider_name],
                terms=data.SLA_TERMS,
                start_date=year_start,
                end_date=date(year_start.year + 1, 7, 31),
                school_signed_on=year_start - timedelta(days=6),
                provider_signed_on=year_start - timedelta(days=4),
                cost_basis=basis,
                rate=Decimal(rate),
                recorded_by_id=lead.id,
            )
        )
    for i, (first_name, last_name, year, provider_name) in enumerate(PUPILS):
        needs, diagnoses = data.NEEDS[(i + 3) % len(data.NEEDS)]
        birth_year = 2026 - (year + 5)
        pupil = Student(
            first_name=first_name,
            last_name=last_name,
            year_group=year,
            upn=make_upn(940, 7021, birth_year + 5, 200 + i),
            date_of_birth=date(birth_year, 1 + (i * 4) % 12, 2 + (i * 5) % 26),
            ehcp=True,
            send_needs=needs,
            diagnoses=diagnoses,
            medical_needs=data.MEDICAL[(i + 2) % len(data.MEDICAL)],
        )
        db.session.add(pupil)
        db.session.add(
            Carer(
                student=pupil,
                name=f"{'Jess' if i % 2 else 'Rob'} {last_name}",
                relationship_to_pupil="Mother" if i % 2 else "Father",
                priority=1,
                mobile_phone=f"07700 900{300 + i:03d}",
                parental_responsibility=True,
                may_collect=True,
            )
        )
        if provider_name is None:
            continue
        provider = providers[provider_name]
        key_worker = provider.key_workers[0] if provider.key_workers else None
        placement = Placement(
            student=pupil,
            provider=provider,
            key_worker=key_worker,
            start_date=START + timedelta(days=SESSION_DAYS[provider_name][0]),
            planned_end_date=date(2027, 7, 16),
            status=ACTIVE,
            objectives="\n".join(data.OBJECTIVES[provider_name]),
            share_send_needs=True,
            share_medical_needs=True,
            parents_told_on=START - timedelta(days=10),
            parents_told_how="meeting",
            la_told_on=START - timedelta(days=5),
            la_told_how="portal",
        )
        activities = data.ACTIVITIES[provider_name]
        for n, day in enumerate(SESSION_DAYS[provider_name]):
            placement.sessions.append(
                TimetableSession(
                    weekday=day,
                    start_time=AM[0],
                    end_time=AM[1],
                    activity=activities[n % len(activities)],
                    site_address=provider.address,
                )
            )
        db.session.add(placement)
    load_calendar()  # the same term dates as the first school, kept as Brook Valley's own
