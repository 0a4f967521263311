"""Small factories: each makes one valid record with sensible defaults and saves it."""

from __future__ import annotations

import functools
import itertools
from datetime import date, time, timedelta
from functools import cache

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.accounts.passwords import hash_password
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, Placement, TimetableSession
from ap_forms.providers.models import Provider
from ap_forms.school.models import School, SchoolMembership
from ap_forms.students.models import ParentLink, Student
from ap_forms.students.upn import make_upn
from ap_forms.web import clock
from ap_forms.web.roles import TRUST_ROLES

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@cache
@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # hashed once per run: Argon2 is slow on purpose


def make_provider(**kw) -> Provider:
    n = next(_seq)
    provider = Provider(
        **{
            "name": f"Provider {n}",
            "address": f"{n} Farm Lane, Kettering",
            "la_approved": True,
            "contact_name": "Contact",
            "contact_email": f"p{n}@provider.example",
            **kw,
        }
    )
    db.session.add(provider)
    db.session.commit()
    return provider


def first_school() -> School:
    """The school every database starts with (the migration makes it; create_all does not)."""
    school = db.session.scalar(select(School).order_by(School.id).limit(1))
    if school is None:
        school = School()
        db.session.add(school)
        db.session.commit()
    return school


def make_school(name: str = "Second School", **kw) -> School:
    school = School(name=name, **kw)
    db.session.add(school)
    db.session.commit()
    return school


def make_user(role: str = "office", *, schools: list[School] | None = None, **kw) -> User:
    """A user; staff and administrators are members of `schools` (default: the first school)."""
    n = next(_seq)
    user = User(
        **{
            "email": f"{role}{n}@example.org",
            "name": f"{role.title()} Person {n}",
            "role": role,
            "password_hash": password_hash(),
            **kw,
        }
    )
    db.session.add(user)
    db.session.flush()
    if role not in ("key_worker", "parent", *TRUST_ROLES):  # members of no school
        for school in schools or [first_school()]:
            db.session.add(SchoolMembership(user_id=user.id, school_id=school.id))
    db.session.commit()
    return user


def make_student(**kw) -> Student:
    n = next(_seq)
    student = Student(
        **{
            "first_name": f"Pupil{n}",
            "last_name": f"Surname{n}",
            "year_group": 9,
            "upn": make_upn(940, 7019, 15, n % 1000),
            "date_of_birth": date(2012, 3, 4),
            "ehcp": True,
            "send_needs": f"SEND needs {n}",
            "diagnoses": f"Diagnosis {n}",
            "medical_needs": f"Medical {n}",
            **kw,
        }
    )
    db.session.add(student)
    db.session.commit()
    return student


def link_parent(parent: User, student: Student, relationship: str = "Mother") -> ParentLink:
    link = ParentLink(parent_id=parent.id, student_id=student.id, relationship_to_pupil=relationship)
    db.session.add(link)
    db.session.commit()
    return link


def make_placement(
    student: Student, provider: Provider, key_worker: User | None = None, *, weekdays=(0, 2), status: str = ACTIVE, **kw
) -> Placement:
    placement = Placement(
        **{
            "student_id": student.id,
            "provider_id": provider.id,
            "key_worker_id": key_worker.id if key_worker else None,
            "start_date": date(2026, 9, 7),
            "planned_end_date": date(2027, 7, 16),
            "status": status,
            "objectives": "Attend 90% of sessions\nComplete a unit",
            **kw,
        }
    )
    for day in weekdays:
        placement.sessions.append(
            TimetableSession(
                weekday=day,
                start_time=time(9, 30),
                end_time=time(12, 0),
                activity="Animal care",
                site_address=provider.address,
            )
        )
    db.session.add(placement)
    db.session.commit()
    return placement


# --- school calendar and attendance (issue 5) ------------------------------------------------


def make_school_year(start_year: int = 2026, *, half_term: bool = True):
    """A school year with three terms (Autumn from 2 September) and, by default, the October half-term."""
    from ap_forms.school_calendar.models import HOLIDAY, Closure, SchoolYear, Term

    year = SchoolYear(start_year=start_year)
    year.terms = [
        Term(name="Autumn", start_date=date(start_year, 9, 2), end_date=date(start_year, 12, 18)),
        Term(name="Spring", start_date=date(start_year + 1, 1, 4), end_date=date(start_year + 1, 3, 25)),
        Term(name="Summer", start_date=date(start_year + 1, 4, 12), end_date=date(start_year + 1, 7, 21)),
    ]
    if half_term:
        year.closures = [
            Closure(
                kind=HOLIDAY,
                name="October half-term",
                start_date=date(start_year, 10, 26),
                end_date=date(start_year, 10, 30),
            )
        ]
    db.session.add(year)
    db.session.commit()
    return year


def make_mark(
    placement: Placement,
    day: date,
    session: str = "AM",
    status: str = "present",
    *,
    by: User,
    at: time = time(9, 45),
    **details,
):
    """A provider's mark, as if recorded at `at` on that day (through the service, so rules apply)."""
    from datetime import datetime

    from ap_forms.attendance.services import record_mark

    return record_mark(placement, day, session, status, by=by, now=datetime.combine(day, at), details=details or None)


# --- Providers and commissioning (issue 3) ---------------------------------------------------

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TINY_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def evidence_file(name: str = "evidence.pdf", data: bytes = TINY_PDF):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=BytesIO(data), filename=name, content_type="application/octet-stream")


def make_document(
    provider: Provider, topic: str = "insurance", *, actor: User | None = None, name: str = "insurance.pdf"
):
    from ap_forms.documents.services import add_document

    document = add_document(
        evidence_file(name), topic=topic, description=f"{topic} evidence", provider_id=provider.id, actor=actor
    )
    db.session.commit()
    return document


def start_checklist(provider: Provider, actor: User | None = None):
    from ap_forms.checklists.services import current_version
    from ap_forms.providers.models import SafeguardingChecklist

    checklist = SafeguardingChecklist(
        provider_id=provider.id,
        version_id=current_version("safeguarding").id,
        started_by_id=actor.id if actor else None,
    )
    db.session.add(checklist)
    db.session.commit()
    return checklist


def answer_all(checklist, answer: str = "yes", actor: User | None = None) -> None:
    from ap_forms.providers.models import SafeguardingAnswer

    for item in checklist.version.items:
        if checklist.answer_for(item.id) is None:
            db.session.add(
                SafeguardingAnswer(
                    checklist=checklist,
                    item_id=item.id,
                    answer=answer,
                    comment="" if answer == "yes" else "Because",
                    answered_by_id=actor.id if actor else None,
                )
            )
    db.session.commit()


def agreement(provider: Provider, on: date, recorded_by_id: int | None):
    """A signed Service Level Agreement for the current school (unsaved), from `on` for a year."""
    from decimal import Decimal

    from ap_forms.providers.models import ServiceAgreement
    from ap_forms.providers.services import add_years

    return ServiceAgreement(
        provider_id=provider.id,
        terms="Two sessions a week",
        start_date=on,
        end_date=add_years(on),
        school_signed_on=on,
        provider_signed_on=on,
        cost_basis="session",
        rate=Decimal("85.00"),
        recorded_by_id=recorded_by_id,
    )


def clear_provider(provider: Provider, *, on: date | None = None, actor: User | None = None) -> Provider:
    """Give a provider a complete, current commissioning record (everything done on `on`)."""

    from ap_forms.providers.models import (
        POLICY_KINDS,
        DocumentationCheck,
        ProviderPolicy,
        TrainingRecord,
        TrustPolicyRecord,
        VettingConfirmation,
    )
    from ap_forms.providers.services import add_years

    on = on or clock.today()
    by = actor.id if actor else None
    db.session.refresh(provider)
    provider.la_approved = True
    db.session.add_all(
        [
            agreement(provider, on, by),
            DocumentationCheck(provider_id=provider.id, checked_on=on, notes="All in order", recorded_by_id=by),
            *[
                ProviderPolicy(provider_id=provider.id, kind=kind, review_date=add_years(on), recorded_by_id=by)
                for kind in POLICY_KINDS
            ],
            VettingConfirmation(
                provider_id=provider.id,
                received_on=on,
                enhanced_dbs_barred=True,
                staff_names="\n".join(kw.name for kw in provider.key_workers) or "Instructor",
                recorded_by_id=by,
            ),
            TrustPolicyRecord(provider_id=provider.id, sent_on=on, acknowledged_on=on, recorded_by_id=by),
            TrainingRecord(
                provider_id=provider.id,
                attended_on=on,
                title="Safeguarding update",
                includes_safeguarding=True,
                recorded_by_id=by,
            ),
        ]
    )
    db.session.commit()
    checklist = start_checklist(provider, actor)
    answer_all(checklist, actor=actor)
    checklist.completed_on, checklist.completed_by_id = on, by
    db.session.commit()
    db.session.expire(provider)
    return provider


def make_site(provider: Provider, name: str = "Top field"):
    from ap_forms.providers.models import ProviderSite

    site = ProviderSite(provider_id=provider.id, name=name, address="Field gate, Farm Lane")
    db.session.add(site)
    db.session.commit()
    return site


# --- referrals (issue 4) -------------------------------------------------------------------------


def make_referral(
    student: Student,
    provider: Provider | None = None,
    actor: User | None = None,
    *,
    complete: bool = True,
    status: str = "draft",
    **kw,
):
    """A referral; `complete` fills every section with valid answers and marks them completed."""
    from ap_forms.referrals.models import (
        SECTIONS,
        Referral,
        ReferralEvent,
        ReferralObjective,
        ReferralRisk,
        ReferralSection,
        ReferralSession,
    )

    referral = Referral(
        student_id=student.id,
        status=status,
        version=1,
        created_by_id=actor.id if actor else None,
        updated_by_id=actor.id if actor else None,
    )
    if complete:
        values = dict(
            uln="1234567890",
            gender="female",
            home_language="English",
            parents_carers="Karen Example (Mother): 07700 900000",
            has_restrictions=False,
            medical_needs="Asthma: blue inhaler carried",
            medication="Salbutamol inhaler as needed",
            send_needs="Social, emotional and mental health",
            diagnoses="Autism",
            ehcp_outcomes="To manage anxiety in new places",
            attendance_percent=62,
            suspensions_last_year=2,
            social_care_status="none",
            looked_after=False,
            strengths="Caring with animals",
            barriers="Anxiety in busy classrooms",
            past_interventions="Small-group nurture sessions",
            reasons=["therapeutic", "ehcp_outcomes"],
            expected_outcomes="Entry Level 3 in land-based studies",
            provider_id=provider.id if provider else None,
            proposed_start=date(2026, 12, 7),
            proposed_end=date(2027, 7, 16),
            first_review_on=date(2027, 1, 25),
            parent_views="Supportive of the placement",
            pupil_views="I like the animals",
            agreed_on=date(2026, 11, 20),
            agreed_at_review="interim",
        )
        values.update(kw)
        for name, value in values.items():
            setattr(referral, name, value)
        referral.objectives = [
            ReferralObjective(
                position=0, objective="Attend at least 90% of sessions", measure="Attendance register each half term"
            ),
            ReferralObjective(
                position=1, objective="Complete the animal care unit", measure="Unit signed off by the provider"
            ),
        ]
        referral.risks = [
            ReferralRisk(
                position=0,
                hazard="Leaving the site when anxious",
                triggers="Loud noises",
                controls="Quiet space and a named adult",
                likelihood=3,
                severity=4,
            )
        ]
        referral.sessions = [
            ReferralSession(
                weekday=0, start_time=time(9, 30), end_time=time(12, 0), activity="Animal care", site_address=""
            ),
            ReferralSession(
                weekday=2,
                start_time=time(13, 0),
                end_time=time(15, 0),
                activity="Horticulture",
                site_address="Walled garden",
            ),
        ]
        referral.sections = [ReferralSection(key=key, completed=True) for key, _, _ in SECTIONS]
    else:
        for name, value in kw.items():
            setattr(referral, name, value)
    referral.events = [ReferralEvent(action="created", to_status="draft", by_id=actor.id if actor else None)]
    db.session.add(referral)
    db.session.commit()
    return referral


# --- Quality-assurance visits (issue 7) ------------------------------------------------------


def plan_visit(provider: Provider, staff: list[User] | User, visit_date: date | None = None, *, focus: str = ""):
    from ap_forms.quality.services import plan_visit as plan

    staff = staff if isinstance(staff, list) else [staff]
    return plan(
        provider, visit_date=visit_date or clock.today(), staff_ids=[u.id for u in staff], focus=focus, actor=staff[0]
    )


def record_visit(provider: Provider, lead: User, visit_date: date | None = None, *, answer: str = "met"):
    """A visit planned and started, with every checklist item answered (a draft, not signed off)."""
    from ap_forms.quality import services

    visit = plan_visit(provider, lead, visit_date or clock.today())
    services.start_recording(visit, actor=lead, today=visit.visit_date)
    services.save_answers(
        visit, {item.id: (answer, "Seen" if answer == "not_met" else "") for item in visit.version.items}, actor=lead
    )
    return visit


def complete_visit(visit, lead: User, *, actions: list[tuple[str, str, date]] = (), sign: bool = True):
    """Fill in everything a visit needs and (by default) sign it off. actions: (what, owner, due_on)."""
    from ap_forms.quality import services

    services.save_observation(visit, activity="Animal care: mucking out and feeding", notes="Calm session", actor=lead)
    services.save_progress(visit, {e.id: ("partly", "Good effort") for e in visit.progress_entries}, actor=lead)
    services.save_voice(visit, pupil_voice="I like the goats", strengths="Patient staff", actor=lead)
    services.save_actions(
        visit, [services.ActionDraft(what, owner, "", due) for what, owner, due in actions], actor=lead
    )
    services.save_judgement(visit, judgement="good", summary="A safe, well-run provision.", actor=lead)
    if sign:
        services.sign_off(visit, actor=lead, today=visit.visit_date)
    return visit


# --- Feedback from providers (issue 6) -------------------------------------------------------


def make_feedback(placement: Placement, key_worker: User, school_year, *, week: date = date(2026, 11, 2)):
    """A submitted weekly feedback for `week` and a draft termly report for the year's autumn term."""
    from ap_forms.feedback.services import save_report, save_weekly

    feedback = save_weekly(
        placement,
        week,
        {"engagement": 4, "progress": [{"rating": "good", "comment": "Came"}], "achievements": "Finished the bird box"},
        by=key_worker,
        submit=True,
        today=week + timedelta(days=5),
    )
    report = save_report(
        placement,
        school_year.term("Autumn"),
        {"strengths": "Patient with the animals", "recommendation": "continue"},
        by=key_worker,
        today=date(2026, 11, 28),
    )
    return feedback, report


# --- the roll: parents and carers, imports (issue 18) ---------------------------------------------


def make_carer(student: Student, **kw):
    from ap_forms.students.models import Carer

    n = next(_seq)
    carer = Carer(
        **{
            "student_id": student.id,
            "name": f"Carer Person {n}",
            "relationship_to_pupil": "Mother",
            "priority": 1,
            "mobile_phone": f"07700 900{n % 1000:03d}",
            "home_phone": "",
            "work_phone": "",
            "email": f"carer{n}@home.example",
            "address": "",
            "parental_responsibility": True,
            "may_collect": True,
            "do_not_contact": False,
            "do_not_contact_reason": "",
            **kw,
        }
    )
    db.session.add(carer)
    db.session.commit()
    return carer


def make_pending_import(user: User, csv_text: str = "UPN,Surname,Forename,DOB,Year\n", *, mapped: bool = True):
    import json
    import secrets

    from ap_forms.students.importing import read_csv
    from ap_forms.students.models import PendingImport
    from ap_forms.web.audit import utcnow

    headings, rows = read_csv(
        csv_text.encode()
        if csv_text.count("\n") > 1
        else (csv_text + f"{make_upn(940, 7019, 20, 1)},New,Pupil,2013-05-06,8\n").encode()
    )
    mapping = {
        "upn": "UPN",
        "last_name": "Surname",
        "first_name": "Forename",
        "date_of_birth": "DOB",
        "year_group": "Year",
    }
    pending = PendingImport(
        token=secrets.token_urlsafe(24),
        user_id=user.id,
        created_at=utcnow(),
        kind="csv",
        filename="roll.csv",
        columns=json.dumps(headings),
        rows=json.dumps(rows),
        mapping=json.dumps(mapping) if mapped else None,
    )
    db.session.add(pending)
    db.session.commit()
    return pending


def make_report(
    kind: str,
    reporter: User,
    student: Student | None = None,
    *,
    status: str = "open",
    provider_id: int | None = None,
    occurred_at=None,
    **fields,
):
    """A report (issue 11) as its reporter sent it (or a draft), without alerts."""
    from datetime import datetime

    from ap_forms.incidents.models import Report

    report = Report(
        kind=kind,
        status=status,
        reporter_id=reporter.id,
        student_id=student.id if student else None,
        provider_id=provider_id if provider_id is not None else reporter.provider_id,
        occurred_at=occurred_at or datetime(2026, 11, 20, 10, 15),
        description=fields.pop("description", f"Description of the {kind}"),
        body_marks=fields.pop("body_marks", []),
        **fields,
    )
    if status != "draft":
        report.submitted_at = datetime(2026, 11, 20, 11, 0)
    else:
        report.occurred_at = None
        report.description = ""
    db.session.add(report)
    db.session.commit()
    return report


# --- data protection (issue 13) -----------------------------------------------------------------


def make_old_pupil(world, *, pending: bool = True):
    """A pupil who left long ago: born 1 March 1994 (SEN records due 2025, child protection 2019), with a
    placement that ended on 17 July 2009 (due 2015), its attendance, a safeguarding concern, and (pending)
    erasures asked for by the SEND lead: the attendance and the placement."""
    from datetime import datetime

    from ap_forms.attendance.models import AttendanceMark, RegisterEntry
    from ap_forms.data_protection.models import ERASE, RetentionDecision
    from ap_forms.placements.models import ENDED

    u = world.users
    pupil = make_student(
        first_name="Olivia",
        date_of_birth=date(1994, 3, 1),
        left_on=date(2010, 7, 20),
        send_needs="Autism",
        child_protection="previous_cp",
    )
    placement = make_placement(
        pupil,
        world.provider_a,
        u["kw_a"],
        status=ENDED,
        start_date=date(2008, 9, 1),
        planned_end_date=date(2009, 7, 17),
        ended_on=date(2009, 7, 17),
    )
    db.session.add(
        AttendanceMark(
            placement_id=placement.id,
            day=date(2009, 1, 12),
            session="AM",
            status="present",
            marked_by_id=u["kw_a"].id,
            marked_at=datetime(2009, 1, 12, 9, 40),
        )
    )
    db.session.add(
        RegisterEntry(
            placement_id=placement.id,
            day=date(2009, 1, 12),
            session="AM",
            code="B",
            recorded_by_id=u["office"].id,
            recorded_at=datetime(2009, 1, 12, 10),
        )
    )
    db.session.commit()
    make_report("concern", u["staff"], pupil, occurred_at=datetime(2009, 2, 2, 10))
    if pending:
        for kind, subject in (("attendance", pupil.id), ("ap_records", placement.id)):
            db.session.add(
                RetentionDecision(
                    kind=kind,
                    subject_id=subject,
                    decision=ERASE,
                    reason="Past its time",
                    up_to=date(2020, 1, 1) if kind == "attendance" else None,
                    summary="test",
                    requested_by_id=u["send_lead"].id,
                )
            )
        db.session.commit()
    return pupil, placement
