"""Each school of the trust has its own name, calendar, staff and DSLs (issue 17): the system administrator
adds schools and says which schools each member of staff works in; every list of staff (the user list,
DSLs, headteachers who confirm, the office emailed, people picked for a visit) holds only the current
school's members."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ap_forms.accounts import services as accounts
from ap_forms.accounts.models import GRANT_ROLE, User
from ap_forms.attendance import services as attendance
from ap_forms.extensions import db
from ap_forms.incidents import alerts as incident_alerts
from ap_forms.incidents import services as incidents
from ap_forms.placements import services as placements
from ap_forms.quality import services as quality
from ap_forms.school.models import School, SchoolMembership
from ap_forms.school_calendar import services as calendar
from ap_forms.school_calendar.models import SchoolYear
from ap_forms.web import tenancy
from ap_forms.web.audit import AuditEvent
from tests import factories as f


@pytest.fixture
def schools(app):
    a = f.first_school()
    a.name = "Alder School"
    db.session.commit()
    return a, f.make_school("Birch School")


def _members(user: User) -> set[int]:
    return set(db.session.scalars(select(SchoolMembership.school_id).where(SchoolMembership.user_id == user.id)))


def _switch(client, school: School) -> None:
    assert client.post("/school", data={"school": str(school.id)}).status_code == 302


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- adding a school -----------------------------------------------------------------------------


def test_the_admin_lists_the_schools_with_their_staff_and_adds_one(schools, client, auth):
    a, b = schools
    admin = f.make_user("admin", schools=[a])
    f.make_user("office", schools=[a, b])
    f.make_user("dsl", schools=[b])
    auth.as_user(admin)
    page = client.get("/admin/schools").get_data(as_text=True)
    assert "Alder School" in page and "Birch School" in page and "2 schools" in page
    assert 'href="/admin/schools"' in page  # in the admin's menu
    assert ">2</td>" in page  # Alder: the admin and the office; Birch: the office and the DSL

    added = client.post(
        "/admin/schools/new", data={"name": "  Cedar School ", "local_authority": "Northshire", "dfe_number": "9287012"}
    )
    assert added.status_code in (302, 303)
    cedar = db.session.scalar(select(School).where(School.name == "Cedar School"))
    assert cedar.local_authority == "Northshire" and cedar.dfe_number == "9287012"
    assert _members(admin) == {a.id, cedar.id}  # so they can change to it and set it up
    with tenancy.as_school(cedar.id):
        assert db.session.scalars(select(SchoolYear)).all() == []  # no calendar yet
    assert db.session.scalars(select(SchoolMembership.user_id).where(SchoolMembership.school_id == cedar.id)).all() == [
        admin.id
    ]
    [event] = _audit("school_added")
    assert event.record_id == str(cedar.id) and event.user_id == admin.id and "name" in event.fields
    assert "Cedar School added" in client.get("/admin/schools").get_data(as_text=True)

    # The admin changes to the new school: its own name, and its own (empty) settings.
    _switch(client, cedar)
    settings = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="Cedar School"' in settings and "Cedar School · AP Forms" in settings


def test_a_new_school_needs_a_name_no_other_school_has(schools, client, auth):
    a, b = schools
    auth.as_user(f.make_user("admin", schools=[a]))
    empty = client.post("/admin/schools/new", data={"name": "   ", "local_authority": "Northshire"})
    assert empty.status_code == 422 and "Enter the school&#39;s name" in empty.get_data(as_text=True)
    assert 'value="Northshire"' in empty.get_data(as_text=True)  # nothing typed is lost
    taken = client.post("/admin/schools/new", data={"name": " birch school ", "urn": "123456"})
    body = taken.get_data(as_text=True)
    assert taken.status_code == 422 and "Another school of the trust has this name" in body
    assert 'value="123456"' in body
    renamed = client.post("/admin/settings", data={"name": "Birch School"})
    assert renamed.status_code == 422 and "Another school of the trust has this name" in renamed.get_data(as_text=True)
    assert client.post("/admin/settings", data={"name": "alder school"}).status_code == 303  # its own name
    bad = client.post("/admin/schools/new", data={"name": "Cedar", "dfe_number": "12"})
    assert bad.status_code == 422 and "Enter the DfE number as 7 digits" in bad.get_data(as_text=True)
    assert db.session.scalar(select(School).where(School.name.in_(["Cedar", "birch school"]))) is None
    assert _audit("school_added") == []


def test_only_the_admin_reaches_the_schools(schools, client, auth):
    auth.as_user(f.make_user("headteacher"))
    assert client.get("/admin/schools").status_code == 403
    assert client.post("/admin/schools/new", data={"name": "Sneaky"}).status_code == 403
    assert db.session.scalar(select(School).where(School.name == "Sneaky")) is None


# --- which schools a member of staff works in --------------------------------------------------


def test_with_one_school_the_user_form_asks_nothing_and_staff_join_it(app, client, auth, smtp_server):
    admin = f.make_user("admin")
    auth.as_user(admin)
    assert "Schools (school staff" not in client.get("/admin/users/new").get_data(as_text=True)
    sent = client.post("/admin/users/new", data={"email": "o@school.example", "name": "Olive Office", "role": "office"})
    assert sent.status_code == 303
    user = accounts.find_by_email("o@school.example")
    assert _members(user) == {f.first_school().id}


def test_the_admin_chooses_the_schools_of_a_new_member_of_staff(schools, client, auth, smtp_server):
    a, b = schools
    auth.as_user(f.make_user("admin", schools=[a]))
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "Schools (school staff and administrators)" in form
    assert f'value="{a.id}" checked' in form and f'value="{b.id}" checked' not in form  # the current school

    none = client.post("/admin/users/new", data={"email": "s@school.example", "name": "Sam Staff", "role": "staff"})
    body = none.get_data(as_text=True)
    assert none.status_code == 422 and "Choose at least one school this person works in" in body
    assert 'value="Sam Staff"' in body and 'value="s@school.example"' in body
    assert accounts.find_by_email("s@school.example") is None

    unknown = client.post(
        "/admin/users/new",
        data={"email": "s@school.example", "name": "Sam Staff", "role": "staff", "schools": ["999999"]},
    )
    assert unknown.status_code == 422 and "Choose schools from the list" in unknown.get_data(as_text=True)

    made = client.post(
        "/admin/users/new",
        data={"email": "s@school.example", "name": "Sam Staff", "role": "staff", "schools": [str(a.id), str(b.id)]},
    )
    assert made.status_code == 303
    staff = accounts.find_by_email("s@school.example")
    assert _members(staff) == {a.id, b.id}
    assert "schools" in _audit("user_created")[-1].fields

    # Key workers and parents are members of no school, whatever is ticked.
    provider = f.make_provider(name="Shared Farm")
    kw = client.post(
        "/admin/users/new",
        data={
            "email": "k@farm.example",
            "name": "Kit Worker",
            "role": "key_worker",
            "provider_id": str(provider.id),
            "schools": [str(b.id)],
        },
    )
    assert kw.status_code == 303
    assert _members(accounts.find_by_email("k@farm.example")) == set()


def test_editing_a_member_of_staff_changes_their_schools_and_is_audited(schools, client, auth):
    a, b = schools
    admin = f.make_user("admin", schools=[a, b])
    office = f.make_user("office", schools=[a])
    auth.as_user(admin)
    page = client.get(f"/admin/users/{office.id}").get_data(as_text=True)
    assert f'value="{a.id}" checked' in page and f'value="{b.id}" checked' not in page
    details = {"name": office.name, "role": "office", "active": "y"}

    cleared = client.post(f"/admin/users/{office.id}", data=details)
    assert cleared.status_code == 422 and "Choose at least one school" in cleared.get_data(as_text=True)
    assert _members(office) == {a.id}

    moved = client.post(f"/admin/users/{office.id}", data={**details, "schools": [str(b.id)]})
    assert moved.status_code == 303
    assert _members(office) == {b.id}
    assert _audit("user_updated")[-1].fields == "schools"
    # Now of Birch only: from Alder the admin no longer reaches them; from Birch they do.
    assert client.get(f"/admin/users/{office.id}").status_code == 404
    _switch(client, b)
    assert client.get(f"/admin/users/{office.id}").status_code == 200

    # A member of staff who becomes a key worker leaves every school.
    provider = f.make_provider(name="Shared Farm")
    client.post(
        f"/admin/users/{office.id}",
        data={**details, "role": "key_worker", "provider_id": str(provider.id), "schools": [str(b.id)]},
    )
    assert _members(office) == set() and db.session.get(User, office.id).role == "key_worker"


def test_the_admin_cannot_take_themselves_out_of_the_school_they_work_in(schools, client, auth):
    a, b = schools
    admin = f.make_user("admin", schools=[a, b])
    auth.as_user(admin)
    refused = client.post(
        f"/admin/users/{admin.id}", data={"name": admin.name, "role": "admin", "active": "y", "schools": [str(b.id)]}
    )
    assert refused.status_code == 422 and "take yourself out of the school" in refused.get_data(as_text=True)
    assert _members(admin) == {a.id, b.id}


# --- each school's staff -----------------------------------------------------------------------


@pytest.fixture
def people(schools):
    """Staff of Alder, of Birch and of both; a key worker; a parent of each school's pupil, and one of none."""
    a, b = schools
    provider = f.make_provider(name="Shared Farm")
    pupil_a = f.make_student(first_name="Ava", school_id=a.id)
    pupil_b = f.make_student(first_name="Ben", school_id=b.id)
    people = {
        "admin": f.make_user("admin", name="Ada Admin", schools=[a]),
        "alder_office": f.make_user("office", name="Alma Alder", schools=[a]),
        "birch_office": f.make_user("office", name="Bea Birch", schools=[b]),
        "both_dsl": f.make_user("dsl", name="Bo Both", schools=[a, b]),
        "key_worker": f.make_user("key_worker", name="Kit Worker", provider_id=provider.id),
        "parent_a": f.make_user("parent", name="Pat Alder"),
        "parent_b": f.make_user("parent", name="Pip Birch"),
        "parent_none": f.make_user("parent", name="Poppy Nobody"),
    }
    f.link_parent(people["parent_a"], pupil_a)
    f.link_parent(people["parent_b"], pupil_b)
    return people


def test_the_user_list_holds_the_schools_people_only(people, client, auth):
    auth.as_user(people["admin"])
    page = client.get("/admin/users").get_data(as_text=True)
    for shown in ("Ada Admin", "Alma Alder", "Bo Both", "Kit Worker", "Pat Alder", "Poppy Nobody"):
        assert shown in page
    assert "Bea Birch" not in page and "Pip Birch" not in page
    assert "Staff who work only in another of the trust" in page
    assert "Bea Birch" not in client.get("/admin/users?role=office").get_data(as_text=True)


def test_another_schools_member_of_staff_answers_404_to_the_admin(people, client, auth):
    auth.as_user(people["admin"])
    for person in ("birch_office", "parent_b"):
        user = people[person]
        assert client.get(f"/admin/users/{user.id}").status_code == 404
        assert client.post(f"/admin/users/{user.id}", data={"name": "X", "role": "office"}).status_code == 404
        assert client.post(f"/admin/users/{user.id}/send-link").status_code == 404
        assert client.post(f"/admin/users/{user.id}/end-sessions").status_code == 404
        assert client.post(f"/admin/users/{user.id}/two-factor/reset").status_code == 404
    assert db.session.get(User, people["birch_office"].id).name == "Bea Birch"
    for person in ("alder_office", "both_dsl", "key_worker", "parent_a", "parent_none"):
        assert client.get(f"/admin/users/{people[person].id}").status_code == 200


def test_every_list_of_staff_holds_only_the_current_schools(people, schools):
    a, b = schools
    birch_head = f.make_user("headteacher", name="Hal Birch", schools=[b])
    alder_head = f.make_user("headteacher", name="Hana Alder", schools=[a])
    with tenancy.as_school(a.id):
        assert [u.name for u in incidents.dsl_users()] == ["Bo Both"]
        assert incident_alerts._emails("dsl", "headteacher") == [people["both_dsl"].email, alder_head.email]
        assert [u.name for u in quality.school_staff()] == ["Alma Alder", "Bo Both", "Hana Alder"]
        assert [u.name for u in placements._staff_with("office")] == ["Alma Alder"]
        assert [u.name for u in accounts._active_headteachers()] == ["Hana Alder"]
    with tenancy.as_school(b.id):
        assert [u.name for u in quality.school_staff()] == ["Bea Birch", "Bo Both", "Hal Birch"]
        assert incident_alerts._emails("headteacher") == [birch_head.email]
    # Before a school is chosen (a public page), nobody's; outside any request (a shell), everyone's.
    with tenancy.as_school(tenancy._NO_SCHOOL):
        assert incidents.dsl_users() == []
    assert len(quality.school_staff()) == 5


def test_attendance_alerts_tell_each_schools_own_office(people, schools, runner, smtp_server):
    a, b = schools
    key_worker = people["key_worker"]
    monday = date(2026, 11, 23)
    for school in (a, b):
        with tenancy.as_school(school.id):
            f.make_school_year()
            placement = f.make_placement(f.make_student(), key_worker.provider, key_worker)
            attendance.record_mark(placement, monday, "AM", "absent", by=key_worker, now=datetime(2026, 11, 23, 9, 40))
    result = runner.invoke(args=["attendance-alerts", "--now", "2026-11-23T09:55"])
    assert result.exit_code == 0, result.output
    assert result.output.count("1 unexplained-absence alert(s)") == 2
    # One email each to Alder's office and Birch's, each about its own pupil (and never the other office).
    offices = sorted(m["To"] for m in smtp_server.messages if "absence" in m["Subject"].lower())
    assert offices == sorted([people["alder_office"].email, people["birch_office"].email])


def test_a_headteacher_confirms_leader_requests_only_within_their_school(people, schools, client, auth, smtp_server):
    a, b = schools
    birch_head = f.make_user("headteacher", name="Hal Birch", schools=[b])
    alder_head = f.make_user("headteacher", name="Hana Alder", schools=[a])
    with tenancy.as_school(a.id):
        request = accounts.ask_second_person(
            people["alder_office"], GRANT_ROLE, actor=people["admin"], role="send_lead"
        )
        db.session.commit()
        assert accounts.confirmers(request) == [alder_head]
    with tenancy.as_school(b.id):
        assert accounts.confirmers(request) == []
    auth.as_user(birch_head)
    assert "Alma Alder" not in client.get("/admin/confirmations").get_data(as_text=True)
    refused = client.post(f"/admin/confirmations/{request.id}", data={"decision": "confirm"})
    assert refused.status_code == 404
    assert db.session.get(User, people["alder_office"].id).role == "office"
    auth.as_user(alder_head)
    assert "Alma Alder" in client.get("/admin/confirmations").get_data(as_text=True)


# --- each school's own settings, calendar and cut-offs ---------------------------------------


def test_each_school_keeps_its_own_settings_and_calendar(schools, client, auth):
    a, b = schools
    admin = f.make_user("admin", schools=[a, b])
    with tenancy.as_school(a.id):
        alder_year = f.make_school_year()
    with tenancy.as_school(b.id):
        birch_year = f.make_school_year(half_term=False)
    auth.as_user(admin)

    # Alder's settings page edits Alder only.
    client.post("/admin/settings", data={"name": "Alder Academy", "local_authority": "Westshire"})
    db.session.expire_all()
    assert (db.session.get(School, a.id).name, db.session.get(School, b.id).name) == ("Alder Academy", "Birch School")
    assert db.session.get(School, b.id).local_authority == ""
    alder_calendar = client.get(f"/calendar/{alder_year.id}").get_data(as_text=True)
    assert "October half-term" in alder_calendar and "Alder Academy · AP Forms" in alder_calendar
    assert client.get(f"/calendar/{birch_year.id}").status_code == 404

    _switch(client, b)
    settings = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="Birch School"' in settings and "Westshire" not in settings
    client.post("/admin/settings", data={"name": "Birch College", "local_authority": "Eastshire"})
    birch_calendar = client.get(f"/calendar/{birch_year.id}").get_data(as_text=True)
    assert "Birch College · AP Forms" in birch_calendar and "October half-term" not in birch_calendar
    assert client.get(f"/calendar/{alder_year.id}").status_code == 404
    assert client.post(f"/calendar/{alder_year.id}/closures/new", data={"name": "X"}).status_code == 404
    added = client.post(
        f"/calendar/{birch_year.id}/closures/new",
        data={"name": "Birch training day", "kind": "closure", "start": ["6", "11", "2026"]},
    )
    assert added.status_code == 303
    db.session.expire_all()
    assert (db.session.get(School, a.id).local_authority, db.session.get(School, b.id).local_authority) == (
        "Westshire",
        "Eastshire",
    )
    with tenancy.as_school(a.id):
        assert calendar.is_school_day(date(2026, 11, 6)) and not calendar.is_school_day(date(2026, 10, 27))
    with tenancy.as_school(b.id):
        assert not calendar.is_school_day(date(2026, 11, 6)) and calendar.is_school_day(date(2026, 10, 27))
