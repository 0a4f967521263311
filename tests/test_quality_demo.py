"""The demo school shows quality-assurance visits: some providers behind pace, a signed-off visit
with actions (one overdue), a visit being recorded; loading it again adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.quality import services
from ap_forms.quality.models import DRAFT, PLANNED, SIGNED_OFF, QualityVisit


def _visits(status: str) -> list[QualityVisit]:
    return list(db.session.scalars(select(QualityVisit).where(QualityVisit.status == status)))


def test_demo_visits(runner):
    assert runner.invoke(args=["demo", "--password", "demo pass phrase"]).exit_code == 0
    signed, drafts, planned = _visits(SIGNED_OFF), _visits(DRAFT), _visits(PLANNED)
    assert len(signed) == 2 and len(drafts) == 1 and len(planned) == 2
    lead = db.session.scalar(select(User).where(User.role == "send_lead"))
    today = date.today()
    overdue = services.overdue_actions(lead, today)
    assert len(overdue) == 1 and overdue[0].provider.name == "Meadow Lane Care Farm"
    assert overdue[0].provider_response  # the key worker has replied
    meadow = next(v for v in signed if v.provider.name == "Meadow Lane Care Farm")
    assert len(meadow.progress_entries) >= 2 and all(e.rating for e in meadow.progress_entries)
    rows = services.visit_pace(today=today)
    # Harbour has no visit planned: behind pace near the end of a term, "due" earlier in it.
    harbour = next(r for r in rows if r.provider.name == "Harbour Therapeutic Arts")
    assert len(rows) == 6 and harbour.state in ("behind", "due") and not all(r.behind for r in rows)

    assert runner.invoke(args=["demo", "--password", "demo pass phrase"]).exit_code == 0
    assert db.session.scalar(select(func.count(QualityVisit.id))) == 5
