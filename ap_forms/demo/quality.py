"""The demo school's quality-assurance visits this school year: one signed off with actions (one
overdue), one being recorded, some planned, and two providers behind pace.

Dates are relative to today (kept inside the current school year) so the story is the same
whenever the demo is loaded.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.providers.models import Provider
from ap_forms.quality import services
from ap_forms.quality.models import QualityVisit
from ap_forms.school_calendar.services import school_year_start
from ap_forms.web import clock

COMMENTS = {
    "An attendance register is kept for every session": "Paper register in the office, signed at each session.",
    "The register matches the attendance reported to the school": "Checked three days against the school's board: one late mark on a Monday was reported as present.",
    "The Designated Safeguarding Lead (or deputy) is on site or can be reached during sessions": "Ruth Okafor (DSL) on site all morning.",
}


def _day(today: date, days_ago: int) -> date:
    """A day in the past, but not before this school year began."""
    first = date(school_year_start(today), 9, 3)
    return max(today - timedelta(days=days_ago), min(first, today))


def _provider(name: str) -> Provider:
    return db.session.scalar(select(Provider).where(Provider.name == name))


def _answer_all(visit, lead, *, exceptions: dict[int, tuple[str, str]] | None = None, upto: int | None = None):
    answers = {}
    for item in visit.version.items:
        if upto is not None and item.position > upto:
            break
        answers[item.id] = (exceptions or {}).get(item.position, ("met", COMMENTS.get(item.text, "")))
    services.save_answers(visit, answers, actor=lead)


def load_quality_demo(today: date | None = None) -> None:
    """Add the demo visits (once: skipped if any visit exists)."""
    if db.session.scalar(select(func.count(QualityVisit.id))):
        return
    today = today or clock.today()
    lead = db.session.scalar(select(User).where(User.role == "send_lead").order_by(User.id))
    head = db.session.scalar(select(User).where(User.role == "headteacher").order_by(User.id))
    if lead is None or head is None:
        return

    # Meadow Lane Care Farm: signed off, with actions (one overdue, one done, one open).
    meadow = _provider("Meadow Lane Care Farm")
    visit = services.plan_visit(
        meadow,
        visit_date=_day(today, 40),
        staff_ids=[lead.id, head.id],
        focus="First visit of the year; two pupils started in September.",
        actor=lead,
    )
    services.start_recording(visit, actor=lead, today=visit.visit_date)
    _answer_all(
        visit,
        lead,
        exceptions={
            2: ("partly", "Checked three days against the school's board: one late arrival was reported as present."),
            14: ("not_met", "Two pupils used the strimmer without eye protection; goggles were in the shed."),
        },
    )
    services.save_observation(
        visit,
        activity="Animal care: morning feeding round and mucking out, led by Sam Fielding",
        notes="Clear routine on a whiteboard by the barn. Pupils knew the jobs "
        "and took turns. Sam gave calm, short instructions and praised effort.",
        actor=lead,
    )
    services.save_progress(
        visit,
        {
            e.id: (
                ("met" if n == 0 else "partly"),
                "Led the feeding round and explained it to a visitor."
                if n == 0
                else "Settling in; used the calm-down plan once with a prompt.",
            )
            for n, e in enumerate(visit.progress_entries)
        },
        actor=lead,
    )
    services.save_voice(
        visit,
        pupil_voice="“I like the goats best. Sam lets me do the gate.” “It is better than school because it is quiet.”",
        strengths="Calm, consistent adults; a visual routine; pupils trusted with real jobs.",
        actor=lead,
    )
    services.save_actions(
        visit,
        [
            services.ActionDraft(
                "Make eye protection part of the strimmer risk assessment and check it is worn",
                "provider",
                "Sam Fielding",
                today - timedelta(days=7),
            ),
            services.ActionDraft(
                "Report lateness as late, not present, in the daily attendance",
                "provider",
                "Sam Fielding",
                _day(today, 20),
            ),
            services.ActionDraft(
                "Send the provider the updated pupil risk assessments",
                "school",
                "Joseph Adeyemi",
                today + timedelta(days=21),
            ),
        ],
        actor=lead,
    )
    services.save_judgement(
        visit,
        judgement="good",
        summary="A calm, well-organised setting where pupils are "
        "engaged and making progress. Two safety and recording points to put right.",
        actor=lead,
    )
    services.sign_off(visit, actor=lead, today=visit.visit_date)
    services.respond_to_action(
        visit.actions[0],
        response="Goggles ordered; risk assessment being rewritten.",
        actor=db.session.scalar(select(User).where(User.provider_id == meadow.id)),
    )
    services.complete_action(
        visit.actions[1],
        note="Lateness now reported as late (checked on the board).",
        actor=lead,
        today=_day(today, 18),
    )

    # Nene Valley: a signed-off visit, no actions.
    nene = _provider("Nene Valley Motor Skills Centre")
    visit = services.plan_visit(nene, visit_date=_day(today, 55), staff_ids=[lead.id], actor=lead)
    services.start_recording(visit, actor=lead, today=visit.visit_date)
    _answer_all(visit, lead)
    services.save_observation(
        visit,
        activity="Bike workshop: fixing a puncture",
        notes="Good use of demonstration and then independent practice.",
        actor=lead,
    )
    services.save_progress(
        visit,
        {e.id: ("partly", "Completed the puncture repair with one prompt.") for e in visit.progress_entries},
        actor=lead,
    )
    services.save_voice(
        visit, pupil_voice="“I want to fix my own bike.”", strengths="Expert, patient instructor.", actor=lead
    )
    services.save_judgement(visit, judgement="good", summary="Safe, purposeful workshop sessions.", actor=lead)
    services.sign_off(visit, actor=lead, today=visit.visit_date)

    # Rowan Equine Centre: being recorded (yesterday's visit, half done).
    rowan = _provider("Rowan Equine Centre")
    visit = services.plan_visit(rowan, visit_date=_day(today, 1), staff_ids=[lead.id], actor=lead)
    services.start_recording(visit, actor=lead, today=visit.visit_date)
    _answer_all(visit, lead, upto=9)
    services.save_observation(visit, activity="Grooming and tacking up in the indoor arena", notes="", actor=lead)

    # Oak and Ember: planned before the end of term. Kettle Street: planned only for next term.
    services.plan_visit(
        _provider("Oak and Ember Forest School"),
        visit_date=today + timedelta(days=7),
        staff_ids=[lead.id],
        focus="Follow up the new site at base camp.",
        actor=lead,
    )
    services.plan_visit(
        _provider("Kettle Street Kitchen"), visit_date=today + timedelta(days=45), staff_ids=[lead.id], actor=lead
    )
    # Harbour Therapeutic Arts: nothing planned (behind pace).
