"""The command-line set-up: init-db, demo (idempotent) and create-user."""

from __future__ import annotations

from sqlalchemy import func, select

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.placements.models import ACTIVE, Placement
from ap_forms.providers.models import Provider
from ap_forms.students.models import Student
from ap_forms.students.upn import upn_problem
from ap_forms.web import tenancy
from tests import factories


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_a_realistic_school_once(runner, client):
    result = runner.invoke(args=["demo", "--password", "demo pass phrase"])
    assert result.exit_code == 0, result.output
    with tenancy.as_school(factories.first_school().id):  # the first school (the trust's second has its own test)
        assert _count(Student) == 40 and _count(Provider) == 6
        assert _count(Placement, Placement.status == ACTIVE) == 12
    roles = {u.role for u in db.session.scalars(select(User))}
    assert roles == {"headteacher", "send_lead", "dsl", "office", "staff", "key_worker", "parent", "admin"}
    assert len({u.provider_id for u in db.session.scalars(select(User).where(User.role == "key_worker"))}) >= 2
    assert _count(User, User.role == "parent") == 2
    lines = [line for line in result.output.splitlines() if "@" in line and " key " not in line]
    assert len(lines) == _count(User)
    assert all(upn_problem(s.upn) is None for s in db.session.scalars(select(Student)))

    again = runner.invoke(args=["demo", "--password", "another pass phrase"])
    assert again.exit_code == 0 and _count(Student) == 46 and _count(User) == len(lines)
    user = db.session.scalar(select(User).where(User.role == "parent"))
    response = client.post("/login", data={"email": user.email, "password": "another pass phrase"})
    assert response.status_code == 303


def test_demo_random_password_is_printed_and_works(runner, client):
    result = runner.invoke(args=["demo"])
    password = result.output.split("password for all: ")[1].split(")")[0]
    user = db.session.scalar(select(User).where(User.role == "office"))
    assert client.post("/login", data={"email": user.email, "password": password}).status_code == 303


def test_demo_refuses_a_weak_password(runner):
    result = runner.invoke(args=["demo", "--password", "short"])
    assert result.exit_code != 0 and _count(Student) == 0


def test_create_user(runner):
    result = runner.invoke(
        args=["create-user", "--email", "Head@School.example", "--name", "Head", "--role", "headteacher"],
        input="a good long password\na good long password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "head@school.example")).role == "headteacher"
    dup = runner.invoke(
        args=["create-user", "--email", "head@school.example", "--name", "Head", "--role", "headteacher"],
        input="a good long password\na good long password\n",
    )
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_upn_check_letter():
    assert upn_problem("A12345") is not None
    from ap_forms.students.upn import make_upn

    upn = make_upn(940, 7019, 15, 1)
    assert upn_problem(upn) is None
    wrong = ("B" if upn[0] != "B" else "C") + upn[1:]
    assert "check letter" in upn_problem(wrong)


def test_demo_sets_up_two_factor_for_leaders_and_prints_codes(runner):
    result = runner.invoke(args=["demo", "--password", "demo pass phrase"])
    leaders = db.session.scalars(select(User).where(User.role.in_(["headteacher", "dsl", "send_lead", "admin"])))
    for user in leaders:
        assert user.totp_secret and user.totp_secret in result.output
    code = runner.invoke(args=["two-factor-code", "head@larkspurvale.example"])
    assert code.exit_code == 0 and code.output.strip().isdigit() and len(code.output.strip()) == 6
    assert runner.invoke(args=["two-factor-code", "office.staff@larkspurvale.example"]).exit_code != 0
