"""Demo weekly feedback, a termly report and an Annual Review contribution (issue 6).

Several weeks of feedback for each active placement, with some weeks missing so the school
overview and key workers' home pages show overdue feedback.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.feedback.models import FeedbackReply, WeeklyFeedback
from ap_forms.feedback.services import (
    check_week,
    monday_of,
    save_contribution,
    save_report,
    save_weekly,
    terms_for_placement,
)
from ap_forms.placements.models import ACTIVE, Placement
from ap_forms.school_calendar.services import school_days
from ap_forms.web import clock

WEEKS_BACK = 6
BEHAVIOUR = [
    "Settled quickly and followed instructions.",
    "Needed reminders in the afternoon but calmed with a break.",
    "Worked well alongside the others.",
    "Left the group once, came back after ten minutes.",
]
WELLBEING = [
    "Cheerful and chatty.",
    "Tired on arrival; perked up after breakfast.",
    "Quiet but content.",
    "Anxious about a change of room; reassured.",
]
ACHIEVEMENTS = [
    "Finished the first practical task without help.",
    "Helped a new pupil find their way round.",
    "Completed a written log of the week's work.",
    "Stayed for the whole session every day.",
]


def add_demo_feedback(today: date | None = None) -> None:
    today = today or clock.today()
    if db.session.scalar(select(WeeklyFeedback.id).limit(1)):
        return
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.status == ACTIVE)
        .options(selectinload(Placement.key_worker))
        .order_by(Placement.id)
    ).all()
    send_lead = db.session.scalar(select(User).where(User.role == "send_lead").order_by(User.id))
    this_week = monday_of(today)
    for n, placement in enumerate(placements):
        if placement.key_worker is None:
            continue
        for back in range(WEEKS_BACK, 0, -1):
            week = this_week - timedelta(weeks=back)
            # Every third placement misses a week, and some the last week: overdue on the home pages.
            if (n % 3 == 0 and back == 3) or (n % 4 == 1 and back == 1):
                continue
            try:
                check_week(placement, week, today)
            except ValueError:
                continue
            if not school_days(week, week + timedelta(days=4)):
                continue  # half-term
            score = min(5, 2 + (WEEKS_BACK - back + n) % 4)
            progress = [
                {"rating": ("some", "good", "good", "achieved")[(back + i) % 4] if back < 5 else "some", "comment": ""}
                for i, _ in enumerate(placement.objective_list)
            ]
            k = (n + back) % 4
            feedback = save_weekly(
                placement,
                week,
                {
                    "engagement": score,
                    "progress": progress,
                    "behaviour": BEHAVIOUR[k],
                    "wellbeing": WELLBEING[k],
                    "achievements": ACHIEVEMENTS[k],
                    "concerns": "",
                    "next_week_plan": "Carry on with the current unit.",
                },
                by=placement.key_worker,
                submit=True,
                today=today,
            )
            if send_lead and back == 2 and n % 2 == 0:
                db.session.add(
                    FeedbackReply(
                        feedback_id=feedback.id,
                        author_id=send_lead.id,
                        comment="Thank you, this is really encouraging.",
                    )
                )
        db.session.commit()
    if placements and placements[0].key_worker:
        first = placements[0]
        terms = terms_for_placement(first, today)
        if terms:
            save_report(
                first,
                terms[-1],
                {
                    "engagement_summary": "Engagement has grown steadily since September.",
                    "strengths": "Patient and careful with practical work.",
                    "next_steps": "Start a Level 1 unit award.",
                    "recommendation": "continue",
                    "progress": [{"rating": "good", "comment": ""} for _ in first.objective_list],
                },
                by=first.key_worker,
                today=today,
            )
        save_contribution(
            first,
            review_date=None,
            progress_views="Good progress towards the outcome on managing emotions: fewer walk-outs "
            "each half term. Working towards an entry-level qualification.",
            recommendations="Continue two days a week, with a phased return to school in the summer term.",
            by=first.key_worker,
        )
