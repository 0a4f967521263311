"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from ap_forms import create_app
from ap_forms.extensions import db
from tests import factories

BASE_PG_URL = os.environ.get("DATABASE_URL", "")
# With pytest-xdist each worker gets its own PostgreSQL database, so workers never empty each
# other's tables.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_URL = f"{BASE_PG_URL}_{_WORKER}" if BASE_PG_URL and _WORKER else BASE_PG_URL


# Every test runs on a pinned clock, so the real date never decides a result: a Thursday morning in
# the autumn term of 2026-27 (the school year the world fixture seeds). AP_TEST_NOW moves the whole
# suite to another moment (the README lists the days it is run on: a holiday, a Monday after
# half-term, the last day of a term). A test that counts particular sessions pins its own day with
# FROZEN_NOW or by travelling further.
TEST_NOW = datetime.fromisoformat(os.environ.get("AP_TEST_NOW", "2026-11-26T10:30")).replace(
    tzinfo=ZoneInfo("Europe/London")
)


@pytest.fixture(scope="session", autouse=True)
def pinned_clock():
    """Python's clock starts at TEST_NOW for the whole run (and ticks on from there)."""
    with time_machine.travel(TEST_NOW, tick=True):
        yield


def _config(tmp_path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": PG_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Two-factor is tested on its own (test_two_factor.py); other tests sign in with a password.
        "TWO_FACTOR_REQUIRED_ROLES": (),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: a test that sends mail starts its own SMTP server
        **extra,
    }


@pytest.fixture
def autumn_day(app):
    """For tests whose paths name days of the world's autumn term (a feedback week, a review): the app's
    clock on Thursday 26 November 2026, whatever day the suite runs on (AP_TEST_NOW)."""
    if not app.config.get("FROZEN_NOW"):
        app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    return app


@pytest.fixture(scope="session")
def _pg_schema(tmp_path_factory):
    """On PostgreSQL, build the schema once per run; tests empty the tables afterwards."""
    if not PG_URL:
        yield
        return
    if PG_URL != BASE_PG_URL:
        _create_database(PG_URL)
    app = create_app(_config(tmp_path_factory.mktemp("pg")))
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    yield


def _create_database(url: str) -> None:
    from sqlalchemy import create_engine

    name = url.rsplit("/", 1)[1]
    admin = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _empty_tables() -> None:
    db.session.rollback()
    names = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own db session and `g`.

    The test's own session is committed before and expired after, so both see the same data.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


def make_app(tmp_path, **extra):
    app = create_app(_config(tmp_path, **extra))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(tmp_path, _pg_schema, request):
    extra = getattr(request, "param", {}) or {}
    app = make_app(tmp_path, **extra)
    with app.app_context():
        if not PG_URL:
            db.create_all()
        factories.first_school()  # as the migration makes it: every database holds at least one school
        yield app
        if PG_URL:
            _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Sign in as a user: for real through /login, or quickly by writing the session."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = factories.PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def as_user(self, user):
        db.session.refresh(user)
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["signed_in_at"] = session["last_seen"] = time.time()
        return self.client

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@dataclass
class World:
    """Two providers, their key workers, two pupils with their parents, and one of each staff role."""

    provider_a: object
    provider_b: object
    pupil_x: object
    pupil_y: object
    placement_x: object
    placement_y: object
    users: dict
    pending_token: str = ""  # a form kept for the office user after their session ended
    school_year: object = None  # 2026 to 2027, with the October half-term (issue 5)
    # Providers and commissioning (issue 3): both providers are cleared; provider A also has
    # this year's checklist in progress, a site, and an evidence document each.
    checklist_a: object = None
    site_a: object = None
    document_a: object = None
    document_b: object = None
    referral_x: object = None  # issue 4: a draft Referral Form for pupil X to provider A
    # Quality-assurance visits (issue 7): at provider A a visit being recorded, one planned and one
    # signed off; provider-addressed actions from signed-off visits at A and at B.
    visit_a: object = None
    planned_visit_a: object = None
    signed_visit_a: object = None
    action_a: object = None
    action_b: object = None
    # Issue 6: kw_a's submitted weekly feedback for pupil X (week of 2 November 2026) and a draft
    # autumn termly report.
    feedback_x: object = None
    termly_report_x: object = None
    # Issue 11: reports. kw_a's concern about X and draft; kw_b's concern about Y; school staff's
    # allegation about an adult at provider A; a serious incident at A and an H&S breach at B.
    concern_x: object = None
    concern_y: object = None
    draft_x: object = None
    allegation_a: object = None
    incident_x: object = None
    hs_b: object = None


@pytest.fixture
def world(app) -> World:
    return build_world()


# The people of a world: one of each school role, then key workers, parents and a disabled account.
WORLD_STAFF_ROLES = ("headteacher", "send_lead", "dsl", "office", "staff", "admin")


def build_world(school=None, *, shared_provider: World | None = None, surname: str | None = None) -> World:
    """The world, in the first school (the default: outside a request with one school, new rows take it) or
    in `school` (issue 17): its pupils, placements, calendar, visits and reports are that school's, its
    staff members of that school only. With `shared_provider`, provider A is that world's provider (the
    trust's, already cleared: its checklist, site and document are the same records) and this school only
    adds its own service agreement; provider B is always this world's own. `surname` names its pupils."""
    if school is None:
        return _build_world(None, shared_provider, surname)
    from ap_forms.web import tenancy

    with tenancy.as_school(school.id):
        return _build_world(school, shared_provider, surname)


def _build_world(school, shared: World | None, surname: str | None) -> World:
    f = factories
    staff_of = {"schools": [school]} if school else {}
    pupil_of = {"last_name": surname} if surname else {}
    provider_a = shared.provider_a if shared else f.make_provider(name="Provider A")
    provider_b = f.make_provider(name=f"Provider B of {school.name}" if school else "Provider B")
    users = {role: f.make_user(role, **staff_of) for role in WORLD_STAFF_ROLES}
    users["kw_a"] = f.make_user("key_worker", provider_id=provider_a.id)
    users["kw_b"] = f.make_user("key_worker", provider_id=provider_b.id)
    users["parent_x"] = f.make_user("parent")
    users["parent_y"] = f.make_user("parent")
    users["disabled"] = f.make_user("office", active=False, **staff_of)
    pupil_x = f.make_student(first_name="Xavier", **pupil_of)
    pupil_y = f.make_student(first_name="Yasmin", **pupil_of)
    f.link_parent(users["parent_x"], pupil_x)
    f.link_parent(users["parent_y"], pupil_y)
    placement_x = f.make_placement(pupil_x, provider_a, users["kw_a"])
    placement_y = f.make_placement(pupil_y, provider_b, users["kw_b"])
    from ap_forms.web.resubmit import PendingSubmission

    pending_token = f"kept-form-token-{school.id}" if school else "kept-form-token"
    db.session.add(
        PendingSubmission(
            token=pending_token, user_id=users["office"].id, path="/admin/settings", fields='[["name", "x"]]'
        )
    )
    db.session.commit()
    world = World(
        provider_a,
        provider_b,
        pupil_x,
        pupil_y,
        placement_x,
        placement_y,
        users,
        pending_token=pending_token,
        school_year=f.make_school_year(2026),
    )
    if shared:
        _add_agreement(provider_a, users["send_lead"])
    else:
        f.clear_provider(provider_a, actor=users["send_lead"])
    f.clear_provider(provider_b, actor=users["send_lead"])
    if shared:
        world.checklist_a, world.site_a, world.document_a = shared.checklist_a, shared.site_a, shared.document_a
    else:
        world.checklist_a = f.start_checklist(provider_a, users["send_lead"])
        world.site_a = f.make_site(provider_a)
        world.document_a = f.make_document(provider_a, actor=users["send_lead"])
    world.document_b = f.make_document(provider_b, actor=users["kw_b"])
    world.referral_x = f.make_referral(pupil_x, provider_a, users["send_lead"])
    _add_visits(world)
    world.feedback_x, world.termly_report_x = f.make_feedback(placement_x, users["kw_a"], world.school_year)
    _add_reports(world)
    return world


def _add_agreement(provider, actor) -> None:
    """The current school's own service agreement with a provider the trust has already cleared."""
    from ap_forms.web import clock

    db.session.add(factories.agreement(provider, clock.today(), actor.id))
    db.session.commit()


def _add_reports(world: World) -> None:
    f, u = factories, world.users
    world.concern_x = f.make_report(
        "concern",
        u["kw_a"],
        world.pupil_x,
        pupil_safe="yes",
        description="Xavier said his uncle hit him",
        body_marks=["front_chest"],
    )
    world.concern_y = f.make_report("concern", u["kw_b"], world.pupil_y, pupil_safe="yes")
    world.draft_x = f.make_report("concern", u["kw_a"], world.pupil_x, status="draft")
    world.allegation_a = f.make_report(
        "allegation",
        u["staff"],
        world.pupil_x,
        subject_name="Sam Adult",
        subject_role="provider_staff",
        subject_provider_id=world.provider_a.id,
        provider_id=world.provider_a.id,
    )
    world.incident_x = f.make_report(
        "behaviour", u["kw_a"], world.pupil_x, physical_intervention="no", parents_told="yes"
    )
    world.hs_b = f.make_report("health_safety", u["kw_b"], None, location="Workshop", riddor="no")


def _add_visits(world: World) -> None:
    from datetime import date, timedelta

    f, lead = factories, world.users["send_lead"]
    today = date.today()
    world.visit_a = f.record_visit(world.provider_a, lead, today - timedelta(days=2))
    world.planned_visit_a = f.plan_visit(world.provider_a, lead, today + timedelta(days=10))
    due = today + timedelta(days=14)
    world.signed_visit_a = f.complete_visit(
        f.record_visit(world.provider_a, lead, today - timedelta(days=30)),
        lead,
        actions=[("Update the fire risk assessment", "provider", due)],
    )
    world.action_a = world.signed_visit_a.actions[0]
    signed_b = f.complete_visit(
        f.record_visit(world.provider_b, lead, today - timedelta(days=20)),
        lead,
        actions=[("Send the new staff member's DBS confirmation", "provider", due)],
    )
    world.action_b = signed_b.actions[0]


@dataclass
class SmtpServer:
    """A real SMTP server on loopback; `messages` holds what it received (email.message.EmailMessage)."""

    host: str
    port: int
    messages: list

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server(app):
    """Run aiosmtpd on a free loopback port and point the app's MAIL_* settings at it."""
    import socket
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    messages: list = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):  # noqa: ARG002
            messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    previous = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield SmtpServer("127.0.0.1", port, messages)
    controller.stop()
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = previous
