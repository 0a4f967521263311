"""The trust's roles (issue 17): the trust safeguarding lead reads concerns and incidents in every school
(read-only, with two-factor, every opening audited in the report's school); the trust lead sees each
school's compliance board, value for money and governors' figures and the trust's total, with no pupil
named; neither reaches a school's own pages, and school staff never reach theirs."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from ap_forms.accounts import two_factor
from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.incidents.models import ReportAction, ReportOpening
from ap_forms.oversight import governors
from ap_forms.oversight.models import ApBudget
from ap_forms.oversight.trust import trust_figures, trust_group_figure, trust_pupils
from ap_forms.school.models import SchoolMembership
from ap_forms.students.models import Student
from ap_forms.web import tenancy
from ap_forms.web.audit import AuditEvent
from tests import factories as f

A_NAMES = [
    ("Zebedee", "Quartermaine"),
    ("Ottilie", "Fairweather"),
    ("Barnaby", "Oyelaran"),
    ("Marisol", "Kowalczyk"),
    ("Leofric", "Abernethy"),
    ("Saoirse", "Villanueva"),
]
B_NAMES = [("Peregrine", "Muckleston"), ("Wilhelmina", "Drinkwater")]
TODAY = date(2026, 11, 11)


@pytest.fixture
def trust(app):
    """Alder School (six pupils, a budget, a concern) and Birch School (two pupils, a concern and an
    incident), both placing pupils at one shared provider; a trust safeguarding lead and a trust lead."""
    app.config["FROZEN_NOW"] = "2026-11-11T10:30"
    a = f.first_school()
    a.name = "Alder School"
    farm = f.make_provider(name="Shared Farm")
    kw = f.make_user("key_worker", provider_id=farm.id, name="Keyworker Thistlewood")
    f.clear_provider(farm, on=date(2026, 9, 1))  # cleared once for the trust (Alder's SLA)
    b = f.make_school("Birch School")
    pupils = {}
    for school, names in ((a, A_NAMES), (b, B_NAMES)):
        with tenancy.as_school(school.id):
            f.make_school_year(2026)  # each school keeps its own calendar
        for n, (first, last) in enumerate(names):
            pupil = f.make_student(first_name=first, last_name=last, school_id=school.id, ehcp=n < 2)
            placement = f.make_placement(
                pupil, farm, kw, baseline_attendance_percent=40.0 + n, start_date=date(2026, 11, 2)
            )
            f.make_mark(placement, date(2026, 11, 2), by=kw)
            pupils.setdefault(school.id, []).append(pupil)
    db.session.add(ApBudget(start_year=2026, amount=Decimal("50000"), school_id=a.id))
    db.session.commit()
    concern_a = f.make_report("concern", kw, pupils[a.id][0], pupil_safe="yes", description="Alder bruise seen")
    concern_b = f.make_report("concern", kw, pupils[b.id][0], pupil_safe="yes", description="Birch words heard")
    incident_b = f.make_report("behaviour", kw, pupils[b.id][1], description="Birch chair thrown")
    users = {
        "trust_dsl": f.make_user("trust_dsl"),
        "trust_lead": f.make_user("trust_lead"),
        "dsl_b": f.make_user("dsl", schools=[b]),
        "head_a": f.make_user("headteacher", schools=[a]),
    }
    # Made as the accounts page makes them: members of no school.
    db.session.execute(
        delete(SchoolMembership).where(SchoolMembership.user_id.in_([users["trust_dsl"].id, users["trust_lead"].id]))
    )
    db.session.commit()
    return {"a": a, "b": b, "concern_a": concern_a, "concern_b": concern_b, "incident_b": incident_b, **users}


def _pupil_words() -> list[str]:
    with tenancy.all_schools():
        return [
            word
            for s in db.session.scalars(select(Student))
            for word in (s.first_name, s.last_name, s.preferred_name, s.upn)
            if word
        ]


# --- The trust safeguarding lead ------------------------------------------------------------------------


def test_trust_dsl_reads_concerns_in_every_school_with_the_school_named(trust, auth):
    client = auth.as_user(trust["trust_dsl"])
    assert client.get("/").headers["Location"].endswith("/trust/safeguarding/")
    page = client.get("/trust/safeguarding/").get_data(as_text=True)
    for report in (trust["concern_a"], trust["concern_b"]):
        assert f"/trust/safeguarding/{report.id}" in page
    assert "Alder School" in page and "Birch School" in page
    assert "Zebedee Quartermaine" in page and "Peregrine Muckleston" in page
    assert f"/trust/safeguarding/{trust['incident_b'].id}" not in page  # incidents are on their own tab
    incidents = client.get("/trust/safeguarding/?kinds=incidents").get_data(as_text=True)
    assert f"/trust/safeguarding/{trust['incident_b'].id}" in incidents
    one_school = client.get(f"/trust/safeguarding/?school={trust['b'].id}").get_data(as_text=True)
    assert f"/trust/safeguarding/{trust['concern_b'].id}" in one_school
    assert f"/trust/safeguarding/{trust['concern_a'].id}" not in one_school
    # Odd filters are ignored, never a 500.
    assert client.get("/trust/safeguarding/?school=999999&kinds=x&status=y").status_code == 200

    concern = client.get(f"/trust/safeguarding/{trust['concern_b'].id}")
    text = concern.get_data(as_text=True)
    assert concern.status_code == 200
    assert "Birch words heard" in text and "Birch School" in text
    # Read-only: no form, and no way to act on the concern from here.
    assert "<form" not in text.split('id="main-content"')[-1].split("</main>")[0]
    assert "/actions" not in text and "/close" not in text and "/decision" not in text
    assert client.get(f"/trust/safeguarding/{trust['incident_b'].id}").status_code == 200
    assert client.get("/trust/safeguarding/999999").status_code == 404


def test_reading_a_concern_is_recorded_and_audited_in_its_school(trust, auth):
    client = auth.as_user(trust["trust_dsl"])
    concern_b = trust["concern_b"]
    client.get(f"/trust/safeguarding/{concern_b.id}")
    with tenancy.all_schools():
        opening = db.session.scalars(select(ReportOpening).where(ReportOpening.report_id == concern_b.id)).one()
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "concern_viewed")).one()
    assert (opening.user_id, opening.role, opening.school_id) == (trust["trust_dsl"].id, "trust_dsl", trust["b"].id)
    assert (event.user_id, event.record_id, event.school_id) == (
        trust["trust_dsl"].id,
        str(concern_b.id),
        trust["b"].id,
    )
    # The school's DSL sees who read it, and it is still new to the school (nobody there has opened it).
    school_dsl = auth.as_user(trust["dsl_b"])
    inbox = school_dsl.get("/safeguarding/").get_data(as_text=True)
    assert "Trust_Dsl Person" in inbox and ">New</strong>" in inbox
    assert f"/safeguarding/{trust['concern_a'].id}" not in inbox  # another school's concern
    page = school_dsl.get(f"/safeguarding/{concern_b.id}").get_data(as_text=True)
    assert "trust dsl" in page


def test_trust_dsl_changes_nothing_and_reaches_no_school_page(trust, auth):
    client = auth.as_user(trust["trust_dsl"])
    concern, incident = trust["concern_b"], trust["incident_b"]
    pupil_id = concern.student_id
    action = {"kind": "monitoring", "taken_on": ["10", "11", "2026"], "taken_by": "Trust", "details": "Watching"}
    for path, data in [
        (f"/safeguarding/{concern.id}/actions", action),
        (f"/safeguarding/{concern.id}/close", {"outcome": "No further action"}),
        (f"/incidents/{incident.id}/actions", action),
        (f"/incidents/{incident.id}/close", {"outcome": "Done"}),
        (f"/reports/{concern.id}/decision", {"decision": "continue"}),
        (f"/pupils/{pupil_id}/safeguarding-flag", {"on": "1"}),
        ("/reports/new", {"kind": "concern"}),
        ("/oversight/reports", {}),
    ]:
        assert client.post(path, data=data).status_code == 403, path
    assert client.post(f"/trust/safeguarding/{concern.id}", data=action).status_code == 405
    for path in [
        "/safeguarding/",
        f"/safeguarding/{concern.id}",
        "/incidents/",
        "/pupils/",
        f"/pupils/{pupil_id}",
        f"/pupils/{pupil_id}/chronology",
        "/oversight/compliance",
        "/trust/",  # the trust lead's
    ]:
        assert client.get(path).status_code == 403, path
    with tenancy.all_schools():
        db.session.expire_all()
        assert db.session.scalars(select(ReportAction)).all() == []
        assert {r.status for r in (db.session.merge(concern), db.session.merge(incident))} == {"open"}


@pytest.mark.parametrize("app", [{"TWO_FACTOR_REQUIRED_ROLES": two_factor.DEFAULT_REQUIRED_ROLES}], indirect=True)
def test_trust_dsl_must_set_up_two_factor(app, client, auth):
    assert "trust_dsl" in two_factor.DEFAULT_REQUIRED_ROLES
    trust_dsl = f.make_user("trust_dsl")
    assert auth.login(trust_dsl).headers["Location"] == "/login/two-factor/setup"
    assert client.get("/trust/safeguarding/").status_code == 303  # not signed in yet


# --- The trust lead ---------------------------------------------------------------------------------


def test_trust_lead_sees_each_school_and_the_total_with_no_pupil_named(trust, auth):
    client = auth.as_user(trust["trust_lead"])
    assert client.get("/").headers["Location"].endswith("/trust/")
    response = client.get("/trust/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    main = page.split('id="main-content"')[-1]
    for word in _pupil_words():
        assert not re.search(rf"\b{re.escape(word)}\b", page), word
    assert "/pupils/" not in main and "/placements/" not in main and "/safeguarding/" not in main
    assert "Alder School" in main and "Birch School" in main and "All schools" in main

    def row(table_id: str, name: str) -> list[str]:
        table = main.split(f'id="{table_id}"')[1].split("</table>")[0]
        cells = table.split(f">{name}<")[1].split("</tr>")[0]
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]

    # The term's figures: six pupils in Alder, two in Birch (hidden), and a total that does not give Birch away.
    assert row("governors-schools", "Alder School")[:2] == ["6", "fewer than 5"]  # pupils, EHCP
    assert row("governors-schools", "Birch School")[:2] == ["fewer than 5", "fewer than 5"]
    all_row = main.split('id="governors-schools"')[1].split(">All schools<")[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", all_row, re.S)]
    assert cells[0] == "at least 7"  # 6 shown + at least 1 hidden: never "8"
    assert cells[6] == "1"  # one provider, shared by both schools, counted once
    assert "not shown" in cells[7]  # an average over both would give Birch's away
    # Value for money: Alder's budget; the trust's total needs every school's.
    assert row("value-schools", "Alder School")[0] == "£50,000.00"
    assert row("value-schools", "Birch School")[0] == "Not set"
    # The compliance board: each school's counts, and the trust's.
    assert len(row("compliance-schools", "Alder School")) == 3


def test_trust_figures_are_each_schools_own(app, trust):
    with app.test_request_context():  # the board's rows link to pages
        figures = trust_figures(TODAY)
        own_figures = {}
        for school_id, _ in tenancy.every_school():
            with tenancy.as_school(school_id):
                own_figures[school_id] = governors.figures(TODAY)
    assert [s.name for s in figures.schools] == ["Alder School", "Birch School"]
    for school in figures.schools:
        own = own_figures[school.school_id]
        assert school.pupil_count == own.pupil_count
        assert school.year.spent == own.year.spent and school.year.forecast == own.year.forecast
        assert {k: c.state for k, c in school.duties.items()} == {r.duty.key: r.state for r in own.rows}
    alder, birch = figures.schools
    assert (alder.pupil_count, birch.pupil_count) == (6, 2)
    assert figures.year.spent == alder.year.spent + birch.year.spent
    assert figures.year.forecast == alder.year.forecast + birch.year.forecast
    assert figures.budget is None and alder.budget == Decimal("50000")
    assert figures.provider_count == 1


def test_a_total_never_gives_a_hidden_school_away():
    assert trust_pupils([0, 0]) == "none"
    assert trust_pupils([2, 1]) == "fewer than 5"
    assert trust_pupils([6, 7]) == "13"
    assert trust_pupils([6, 0]) == "6"
    assert trust_pupils([6, 2]) == "at least 7"
    assert trust_pupils([3, 3]) == "at least 5"
    assert trust_pupils([10, 2, 3]) == "at least 12"
    assert trust_group_figure([6, 7], 50.0, "%") == "50.0%"
    assert trust_group_figure([6, 0], 50.0, "%") == "50.0%"
    assert trust_group_figure([6, 2], 50.0, "%").startswith("not shown")
    assert trust_group_figure([0, 0], None) == "no pupils"


# --- Nobody else reaches the trust's pages -------------------------------------------------------------


@pytest.mark.parametrize("role", ["headteacher", "send_lead", "dsl", "office", "staff", "admin"])
def test_school_staff_cannot_reach_the_trust_pages(trust, auth, role):
    client = auth.as_user(f.make_user(role))
    for path in ["/trust/", "/trust/safeguarding/", f"/trust/safeguarding/{trust['concern_a'].id}"]:
        assert client.get(path).status_code == 403, path


def test_trust_roles_menu_and_school_choice(trust, auth):
    lead = auth.as_user(trust["trust_lead"])
    page = lead.get("/trust/").get_data(as_text=True)
    assert "Trust overview" in page and ">Pupils<" not in page and "Safeguarding across the trust" not in page
    assert "All schools · AP Forms" in page  # the header names no single school
    assert lead.get("/school").headers["Location"].endswith("/")  # no school to choose
    assert lead.get("/account").status_code == 200
    dsl = auth.as_user(trust["trust_dsl"])
    page = dsl.get("/trust/safeguarding/").get_data(as_text=True)
    assert "Safeguarding across the trust" in page and "Trust overview" not in page


def test_admin_creates_trust_roles_in_no_school(trust, client, auth, smtp_server):
    auth.as_user(f.make_user("admin"))
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "Trust Safeguarding Lead" in form and "Trust lead" in form
    for email, role in [("lead@trust.example", "trust_lead"), ("tdsl@trust.example", "trust_dsl")]:
        response = client.post("/admin/users/new", data={"email": email, "name": "Trust Person", "role": role})
        assert response.status_code == 303, response.get_data(as_text=True)
        user = db.session.scalar(select(User).where(User.email == email))
        assert db.session.scalars(select(SchoolMembership).where(SchoolMembership.user_id == user.id)).all() == []
    # The trust lead at once; the trust safeguarding lead reads every school's concerns: a second person confirms.
    assert db.session.scalar(select(User.role).where(User.email == "lead@trust.example")) == "trust_lead"
    assert db.session.scalar(select(User.role).where(User.email == "tdsl@trust.example")) == "staff"
