"""The demo school has one open safeguarding concern and one serious incident (issue 11), once."""

from __future__ import annotations

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.incidents.models import BEHAVIOUR, CONCERN, OPEN, Report
from ap_forms.school.models import School


def test_demo_has_an_open_concern_and_an_incident(runner):
    assert runner.invoke(args=["demo", "--password", "demo pass phrase"]).exit_code == 0
    assert runner.invoke(args=["demo", "--password", "demo pass phrase"]).exit_code == 0
    reports = db.session.scalars(select(Report)).all()
    assert sorted(r.kind for r in reports) == sorted([BEHAVIOUR, CONCERN])
    assert all(r.status == OPEN and r.student_id and r.submitted_at for r in reports)
    assert db.session.scalar(select(School)).dsl_phone
