"""Demo referrals in each state of the workflow, and reviews on the demo placements (one overdue).

Everything here is invented. Dates are set around the demo's "now" (late November 2026).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import Placement, PlacementReview, ReviewProgress
from ap_forms.providers.models import Provider
from ap_forms.referrals.models import SECTIONS, Referral, ReferralSection
from ap_forms.referrals.services import add_event, new_referral, replace_rows
from ap_forms.students.models import Student
from ap_forms.web.templating import long_date

# (pupil's last name, provider, status, proposal details)
REFERRALS = [
    (
        "Abbott",
        "Meadow Lane Care Farm",
        "approved",
        {
            "reasons": ["therapeutic", "ehcp_outcomes", "reduced_timetable"],
            "strengths": "Gentle and patient with animals; remembers routines; enjoys being outdoors.",
            "barriers": "High anxiety in busy, noisy spaces; avoids written work when overwhelmed.",
            "past_interventions": "Daily check-in with a trusted adult; movement breaks; visual timetable.",
            "attendance_percent": 71,
            "suspensions_last_year": 1,
            "parent_views": "Mrs Abbott says Alfie is calmer after time outdoors and wants him to try the farm.",
            "pupil_views": '"I want to look after the goats. I don\'t like the hall at lunchtime."',
            "agreed_on": date(2026, 7, 6),
            "agreed_at_review": "annual",
            "proposed_start": date(2026, 9, 7),
            "proposed_end": date(2027, 7, 16),
            "first_review_on": date(2026, 10, 19),
            "agreed_cost": Decimal("85.00"),
            "cost_basis": "session",
        },
    ),
    (
        "Underwood",
        "Oak and Ember Forest School",
        "submitted",
        {
            "reasons": ["bespoke_curriculum", "flexibility", "other"],
            "reason_other": "Needs a small group in an outdoor setting while his confidence returns after a long absence.",
            "strengths": "Practical, curious, good at building things; kind to younger pupils.",
            "barriers": "Low confidence after long absence; struggles to stay in class for a full lesson.",
            "past_interventions": "Part-time timetable in the autumn term; mentoring with the learning mentor.",
            "attendance_percent": 48,
            "suspensions_last_year": 0,
            "parent_views": "Leo's father supports the referral and can drive him to Brigstock on Tuesdays.",
            "pupil_views": "\"I'd go if it's outside. I like making fires and dens.\"",
            "agreed_on": date(2026, 11, 18),
            "agreed_at_review": "interim",
            "proposed_start": date(2027, 1, 5),
            "proposed_end": date(2027, 7, 16),
            "first_review_on": date(2027, 2, 9),
        },
    ),
    (
        "Vaughan",
        "Kettle Street Kitchen",
        "returned",
        {
            "reasons": ["wider_development", "personalise"],
            "strengths": "Loves cooking at home; good with customers; reliable with money.",
            "barriers": "Finds maths abstract; loses focus in long written tasks.",
            "past_interventions": "Practical maths through the school café; a work-experience week.",
            "attendance_percent": 88,
            "suspensions_last_year": 0,
            "parent_views": "Lily's mother is keen: Lily wants to work in a café when she leaves school.",
            "pupil_views": '"I want to get my food hygiene certificate."',
            "agreed_on": date(2026, 11, 10),
            "agreed_at_review": "interim",
            "proposed_start": date(2027, 1, 6),
            "proposed_end": date(2027, 7, 14),
            "first_review_on": date(2027, 2, 10),
        },
    ),
    ("Walsh", "Rowan Equine Centre", "draft", {}),
]

OBJECTIVES = {
    "Meadow Lane Care Farm": [
        ("Attend at least 90% of farm sessions each half term", "Attendance register, half-termly"),
        ("Complete the animal care unit of the Level 1 land-based award", "Unit signed off by the provider"),
        ("Use a calm-down plan independently when anxious, at least 4 times in 5", "Key worker's weekly feedback"),
    ],
    "Oak and Ember Forest School": [
        ("Take part in a group activity for a whole session, 3 weeks in a row", "Key worker's weekly feedback"),
        ("Attend 80% of sessions in the first half term", "Attendance register"),
    ],
    "Kettle Street Kitchen": [
        ("Achieve the Level 1 Food Safety certificate", "Certificate awarded"),
        ("Handle money at the café till with no more than one error a session", "Till log checked weekly"),
    ],
}

RISKS = {
    "Meadow Lane Care Farm": [
        (
            "Leaving the site when anxious",
            "Loud machinery; being rushed",
            "Quiet space in the barn office; named adult at all times; gate kept shut",
            3,
            4,
        ),
        (
            "Injury from animals",
            "Sudden movements near large animals",
            "Supervised handling only; induction on animal behaviour",
            2,
            3,
        ),
    ],
    "Oak and Ember Forest School": [
        (
            "Burns from the fire",
            "Horseplay near the fire circle",
            "Fire circle rules; one-to-one at the fire; first aider on site",
            2,
            4,
        ),
    ],
    "Kettle Street Kitchen": [
        (
            "Cuts and burns in the kitchen",
            "Busy service; being rushed",
            "Supervised knife skills; oven gloves; not on the hot line during service",
            3,
            3,
        ),
    ],
}

TIMETABLES = {
    "Meadow Lane Care Farm": [
        (0, time(9, 30), time(12, 0), "Animal care"),
        (0, time(13, 0), time(15, 0), "Horticulture"),
        (2, time(9, 30), time(12, 0), "Land-based skills"),
        (2, time(13, 0), time(15, 0), "Animal care"),
    ],
    "Oak and Ember Forest School": [(1, time(9, 30), time(14, 30), "Forest school")],
    "Kettle Street Kitchen": [
        (3, time(9, 30), time(12, 0), "Catering and food hygiene"),
        (4, time(9, 30), time(12, 0), "Café front of house"),
    ],
}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def _complete(referral: Referral, student: Student, provider: Provider, details: dict) -> None:
    referral.uln = ""
    referral.gender = "male" if student.first_name in ("Alfie", "Leo", "Logan") else "female"
    referral.home_language = "English"
    referral.has_restrictions = False
    referral.medication = "None in school hours"
    referral.ehcp_outcomes = (
        "Section E: to manage anxiety in new places with a plan; to build practical "
        "skills for adulthood; to attend regularly."
    )
    referral.social_care_status = "none"
    referral.looked_after = False
    referral.expected_outcomes = (
        "Working towards an Entry Level or Level 1 practical qualification; functional "
        "English and maths applied in the setting."
    )
    for name, value in details.items():
        setattr(referral, name, value)
    referral.provider_id = provider.id
    # The rows as the form's sections save them.
    for name, columns, rows in (
        ("objectives", ("objective", "measure"), OBJECTIVES),
        ("risks", ("hazard", "triggers", "controls", "likelihood", "severity"), RISKS),
        ("sessions", ("weekday", "start_time", "end_time", "activity"), TIMETABLES),
    ):
        replace_rows(referral, name, [dict(zip(columns, row, strict=True)) for row in rows[provider.name]])


def add_demo_referrals() -> None:
    send_lead = db.session.scalar(select(User).where(User.role == "send_lead"))
    head = db.session.scalar(select(User).where(User.role == "headteacher"))
    for last_name, provider_name, status, details in REFERRALS:
        student = db.session.scalar(select(Student).where(Student.last_name == last_name))
        provider = db.session.scalar(select(Provider).where(Provider.name == provider_name))
        started = details.get("agreed_on", date(2026, 11, 26)) - timedelta(days=3)
        referral = new_referral(
            student,
            send_lead,
            at=_at(started),
            created_at=_at(started),
            updated_at=_at(started),
            medical_needs=student.medical_needs or "None",
            send_needs=student.send_needs,
            diagnoses=student.diagnoses,
            parents_carers="\n".join(
                f"{link.parent.name} ({link.relationship_to_pupil}): {link.parent.email}"
                for link in student.parent_links
            )
            or "Contact details held by the school office",
        )
        referral.status = status  # how far this one has gone: its later steps follow
        if status == "draft":
            # Part-way through: the first four sections done, the fifth autosaved as a draft.
            referral.provider_id = provider.id
            referral.sections = [
                ReferralSection(key=key, completed=True, updated_by_id=send_lead.id) for key, _, _ in SECTIONS[:4]
            ]
            referral.sections.append(
                ReferralSection(
                    key="history", completed=False, updated_by_id=send_lead.id, draft={"attendance_percent": ["57"]}
                )
            )
            referral.uln, referral.gender, referral.home_language = "", "male", "English"
            referral.has_restrictions = False
            referral.medication = "None"
            referral.ehcp_outcomes = "Section E: to take part in group activities; to travel independently."
        else:
            _complete(referral, student, provider, details)
            referral.sections = [
                ReferralSection(key=key, completed=True, updated_by_id=send_lead.id) for key, _, _ in SECTIONS
            ]
            submitted_on = details["agreed_on"] + timedelta(days=4)
            add_event(referral, "submitted", "submitted", send_lead, from_status="draft", at=_at(submitted_on))
            referral.updated_at = _at(submitted_on)
            if status == "returned":
                add_event(
                    referral,
                    "returned",
                    "returned",
                    head,
                    comment="Please add the risk of travelling to Rushden by taxi, and say who meets Lily at "
                    "the door on her first morning.",
                    from_status="submitted",
                    at=_at(submitted_on + timedelta(days=1), 15),
                )
                referral.updated_by_id, referral.updated_at = head.id, _at(submitted_on + timedelta(days=1), 15)
            if status == "approved":
                placement = db.session.scalar(select(Placement).where(Placement.student_id == student.id))
                referral.placement_id = placement.id
                approved_at = _at(submitted_on + timedelta(days=2), 11)
                add_event(referral, "approved", "approved", head, from_status="submitted", at=approved_at)
                add_event(
                    referral,
                    "placement_created",
                    "approved",
                    head,
                    comment=f"{provider.name} from {long_date(placement.start_date)}",
                    from_status="approved",
                    at=approved_at,
                )
                referral.updated_by_id, referral.updated_at = head.id, approved_at
        db.session.add(referral)
    _add_reviews(send_lead)
    db.session.commit()


def _add_reviews(send_lead: User) -> None:
    """A half-termly review held on the autumn placements, the next one booked; one is overdue."""
    placements = db.session.scalars(select(Placement).order_by(Placement.id)).all()
    for n, placement in enumerate(placements):
        if placement.start_date >= date(2026, 11, 1):
            db.session.add(PlacementReview(placement_id=placement.id, due_on=placement.start_date + timedelta(weeks=6)))
            continue
        if n == 2:  # Archie's review was due before half term ended and has not been held: overdue
            db.session.add(PlacementReview(placement_id=placement.id, due_on=date(2026, 11, 16)))
            continue
        held_on = placement.start_date + timedelta(weeks=6)
        review = PlacementReview(
            placement_id=placement.id,
            due_on=held_on,
            held_on=held_on,
            suitability="suitable",
            readiness="not_yet",
            reintegration_timeframe="Look again at the spring review.",
            decisions="Continue as agreed. Key worker to send weekly feedback by Friday.",
            recorded_by_id=send_lead.id,
            recorded_at=_at(held_on, 16),
        )
        review.progress = [
            ReviewProgress(
                position=k,
                objective=text,
                rating=("good", "some", "some")[k % 3],
                comment="Settling in well." if k == 0 else "",
            )
            for k, text in enumerate(placement.objective_list)
        ]
        db.session.add(review)
        db.session.add(PlacementReview(placement_id=placement.id, due_on=date(2026, 12, 7) + timedelta(days=n % 5)))
