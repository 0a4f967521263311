"""The demo trust's second school (issue 17): Brook Valley School shares two providers with the first,
has its own staff, pupils, placements, calendar and agreements, is loaded once, and leaves the first
school's records as they were."""

from __future__ import annotations

from sqlalchemy import func, select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import Placement
from ap_forms.providers.models import Provider, ServiceAgreement
from ap_forms.providers.services import commissioning_status, get_provider_or_404
from ap_forms.school.models import School, SchoolMembership
from ap_forms.school_calendar.models import SchoolYear
from ap_forms.students.models import Student
from ap_forms.web import tenancy

SCHOOL_OWNED = (Student, Placement, ServiceAgreement, SchoolYear)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in SCHOOL_OWNED}


def _school(name: str) -> School:
    return db.session.scalar(select(School).where(School.name == name))


def test_the_demo_has_a_second_school_sharing_two_providers(runner):
    result = runner.invoke(args=["demo", "--password", "demo pass phrase"])
    assert result.exit_code == 0, result.output
    first, brook = _school("Larkspur Vale School"), _school("Brook Valley School")
    assert first.id < brook.id
    with tenancy.as_school(first.id):
        first_counts = _counts()
    assert first_counts == {"Student": 40, "Placement": 13, "ServiceAgreement": 6, "SchoolYear": 2}
    with tenancy.as_school(brook.id):
        assert _counts() == {"Student": 6, "Placement": 5, "ServiceAgreement": 2, "SchoolYear": 2}
        used = db.session.scalars(select(Provider.name).join(Placement).distinct()).all()
        assert sorted(used) == ["Meadow Lane Care Farm", "Rowan Equine Centre"]
        for name in used:  # cleared by the first school's checks and Brook Valley's own agreement
            provider = get_provider_or_404(db.session.scalar(select(Provider.id).where(Provider.name == name)))
            assert commissioning_status(provider).is_cleared
        db.session.expire_all()
    members = {
        u.email: sorted(
            m.school_id for m in db.session.scalars(select(SchoolMembership).where(SchoolMembership.user_id == u.id))
        )
        for u in db.session.scalars(select(User).where(User.email.like("%@brookvalley.example")))
    }
    assert members == {
        "head@brookvalley.example": [brook.id],
        "send.lead@brookvalley.example": [brook.id],
        "office.staff@brookvalley.example": [brook.id],
        "n.fraser@brookvalley.example": [first.id, brook.id],
    }
    # The sign-ins say which school each account belongs to.
    output = result.output
    assert output.index(" Larkspur Vale School:") < output.index("head@larkspurvale.example")
    assert output.index(" Brook Valley School (") < output.index("send.lead@brookvalley.example")
    assert "n.fraser@brookvalley.example (works in both schools" in output

    again = runner.invoke(args=["demo", "--password", "another pass phrase"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(School.id))) == 2
    with tenancy.as_school(first.id):
        assert _counts() == first_counts
    with tenancy.as_school(brook.id):
        assert _counts()["Student"] == 6


def test_brook_valleys_send_lead_sees_only_brook_valley(runner, client, auth):
    assert runner.invoke(args=["demo", "--password", "demo pass phrase"]).exit_code == 0
    auth.as_user(db.session.scalar(select(User).where(User.email == "send.lead@brookvalley.example")))
    roll = client.get("/pupils/").get_data(as_text=True)
    assert "Pemberton" in roll and "Abbott" not in roll
    page = client.get("/").get_data(as_text=True)
    assert "Brook Valley School · AP Forms" in page
    auth.logout()
    auth.as_user(db.session.scalar(select(User).where(User.email == "n.fraser@brookvalley.example")))
    assert "Change school" in client.get("/").get_data(as_text=True)
