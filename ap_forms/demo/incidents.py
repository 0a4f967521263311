"""Demo reports (issue 11): one open safeguarding concern waiting for the DSL and one serious incident.

Written as Sam Fielding, the key worker at Meadow Lane Care Farm, about a pupil placed there.
No alert email is sent: the concern shows as new in the DSL's inbox and badge.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.incidents.models import BEHAVIOUR, CONCERN, OPEN, Report
from ap_forms.placements.models import ACTIVE, Placement
from ap_forms.school.models import School
from ap_forms.web import clock

KEY_WORKER = "sam.fielding@meadowlanefarm.example"
DSL_PHONE = "01536 000 199"


def add_demo_incidents() -> None:
    settings = db.session.scalar(select(School).limit(1))
    if settings is not None and not settings.dsl_phone:
        settings.dsl_phone = DSL_PHONE
    if db.session.scalar(select(Report.id).limit(1)):
        db.session.commit()
        return
    key_worker = db.session.scalar(select(User).where(User.email == KEY_WORKER))
    placement = key_worker and db.session.scalar(
        select(Placement)
        .where(Placement.provider_id == key_worker.provider_id, Placement.status == ACTIVE)
        .order_by(Placement.id)
        .limit(1)
    )
    if placement is None:
        db.session.commit()
        return
    now = clock.now().replace(second=0, microsecond=0)

    def report(kind: str, occurred_at: datetime, sent_after: timedelta, **details) -> Report:
        """An open report by the key worker about the pupil placed there, sent `sent_after` it happened."""
        return Report(
            kind=kind,
            status=OPEN,
            reporter_id=key_worker.id,
            student_id=placement.student_id,
            provider_id=placement.provider_id,
            occurred_at=occurred_at,
            submitted_at=clock.to_utc(occurred_at + sent_after),
            **details,
        )

    concern = report(
        CONCERN,
        now - timedelta(hours=2),
        timedelta(minutes=20),
        location="The feed barn",
        people_present="Tom Bell (volunteer)",
        description="While we were feeding the goats I saw a bruise on the back of the pupil's hand. When I asked "
        "if it hurt, they pulled their sleeve down and said it was nothing.",
        pupil_words="\"It's nothing. Don't tell anyone.\"",
        injuries="A round bruise, about 2 cm, yellow-green, on the back of the right hand.",
        body_marks=["front_right_hand"],
        action_taken="Stayed calm, did not ask more questions, wrote this down.",
        pupil_safe="yes",
    )
    incident = report(
        BEHAVIOUR,
        datetime.combine(now.date() - timedelta(days=6), datetime.min.time()).replace(hour=11, minute=20),
        timedelta(hours=1),
        location="The yard",
        people_present="Two other pupils; Ruth Okafor",
        description="Threw a bucket at the fence and kicked the gate after being told the tractor session was "
        "cancelled.",
        antecedents="The tractor session was cancelled at short notice.",
        physical_intervention="no",
        damage="A dented bucket.",
        parents_told="yes",
        action_taken="Quiet space for 15 minutes, then back to work.",
    )
    db.session.add_all([concern, incident])
    db.session.commit()
