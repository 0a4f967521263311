"""A trust's schools in one database (issue 17): each request sees one school's records, chosen once in
web/tenancy.py and pages/school_choice.py; new rows take their school; commands run per school."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ap_forms.accounts.models import User
from ap_forms.attendance.models import AttendanceMark
from ap_forms.extensions import db
from ap_forms.placements.models import Placement
from ap_forms.school.models import School, SchoolMembership
from ap_forms.students.models import Student
from ap_forms.web import tenancy
from ap_forms.web.database import update_rows
from tests import factories as f


@pytest.fixture
def two_schools(app):
    """School A (the first) and school B, a pupil placed at the same provider in each."""
    a = f.first_school()
    a.name = "Alder School"
    b = f.make_school("Birch School")
    provider = f.make_provider(name="Shared Farm")
    pupil_a = f.make_student(first_name="Ava", last_name="Alder", school_id=a.id)
    pupil_b = f.make_student(first_name="Ben", last_name="Birch", school_id=b.id)
    placement_a = f.make_placement(pupil_a, provider)
    placement_b = f.make_placement(pupil_b, provider)
    for school in (a, b):
        with tenancy.as_school(school.id):
            f.make_school_year()  # each school keeps its own calendar
    return a, b, pupil_a, pupil_b, placement_a, placement_b


def test_new_rows_take_the_school_of_the_record_they_belong_to(two_schools):
    a, b, pupil_a, pupil_b, placement_a, placement_b = two_schools
    assert (pupil_a.school_id, pupil_b.school_id) == (a.id, b.id)
    # The placement names only its pupil, the session only its placement: each takes its parent's school.
    assert (placement_a.school_id, placement_b.school_id) == (a.id, b.id)
    assert {s.school_id for s in placement_b.sessions} == {b.id}
    mark = f.make_mark(placement_b, date(2026, 11, 25), by=f.make_user("office", schools=[b]))
    assert mark.school_id == b.id


def test_outside_a_chosen_school_a_new_row_needs_one(two_schools):
    # Two schools and nothing to take a school from: refused rather than guessed.
    db.session.add(Student(first_name="No", last_name="School", year_group=9, upn="A123456789012"))
    with pytest.raises(RuntimeError, match="No school chosen for a new Student"):
        db.session.flush()
    db.session.rollback()
    with tenancy.as_school(two_schools[1].id):
        pupil = f.make_student(first_name="Cal")
    assert pupil.school_id == two_schools[1].id


def test_every_query_sees_only_the_current_school(two_schools):
    a, b, pupil_a, pupil_b, placement_a, placement_b = two_schools
    office = f.make_user("office", schools=[a, b])
    f.make_mark(placement_a, date(2026, 11, 25), by=office)
    f.make_mark(placement_b, date(2026, 11, 25), by=office)
    with tenancy.as_school(a.id):
        assert db.session.scalars(select(Student.first_name)).all() == ["Ava"]
        assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 1
        # A join reaches only this school's rows on both sides; a look-up by id finds nothing of B's.
        joined = db.session.scalars(select(Placement.id).join(Student)).all()
        assert joined == [placement_a.id]
        pupil_b_id = pupil_b.id
        db.session.expunge_all()
        assert db.session.get(Student, pupil_b_id) is None
        # Bulk statements too: the retention review's UPDATE cannot touch another school.
        assert update_rows(Student, Student.last_name != "", year_group=10) == 1
    with tenancy.all_schools():
        assert db.session.scalar(select(func.count()).select_from(Student)) == 2
    db.session.rollback()


def test_a_signed_in_person_sees_their_school_and_another_schools_id_is_404(two_schools, client, auth):
    a, b, pupil_a, pupil_b, *_ = two_schools
    lead_b = f.make_user("send_lead", schools=[b])
    auth.as_user(lead_b)
    roll = client.get("/pupils/").get_data(as_text=True)
    assert "Birch" in roll and "Alder, Ava" not in roll and "Ava" not in roll
    assert client.get(f"/pupils/{pupil_b.id}").status_code == 200
    assert client.get(f"/pupils/{pupil_a.id}").status_code == 404
    page = client.get("/").get_data(as_text=True)
    assert "Birch School · AP Forms" in page and "Change school" not in page  # one school: nothing to change


def test_someone_in_two_schools_changes_school_and_only_to_their_own(two_schools, client, auth):
    a, b, pupil_a, pupil_b, *_ = two_schools
    third = f.make_school("Cedar School")
    lead = f.make_user("send_lead", schools=[a, b])
    auth.as_user(lead)
    home = client.get("/").get_data(as_text=True)
    assert "Alder School · AP Forms" in home and "Change school" in home
    choice = client.get("/school").get_data(as_text=True)
    assert "Alder School" in choice and "Birch School" in choice and "Cedar School" not in choice

    refused = client.post("/school", data={"school": str(third.id)})
    assert refused.status_code == 422 and "Choose a school" in refused.get_data(as_text=True)
    assert client.get(f"/pupils/{pupil_b.id}").status_code == 404  # still in Alder School

    moved = client.post("/school", data={"school": str(b.id)})
    assert moved.status_code == 302
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert "You are working in Birch School." in page and "Birch School · AP Forms" in page
    assert client.get(f"/pupils/{pupil_b.id}").status_code == 200
    assert client.get(f"/pupils/{pupil_a.id}").status_code == 404


def test_staff_in_no_school_see_nothing_and_are_told_why(two_schools, client, auth):
    lead = f.make_user("send_lead")
    db.session.execute(SchoolMembership.__table__.delete().where(SchoolMembership.user_id == lead.id))
    db.session.commit()
    auth.as_user(lead)
    sent = client.get("/pupils/")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/school")
    page = client.get("/school").get_data(as_text=True)
    assert "Your account is not linked to a school" in page


def test_a_key_worker_sees_the_school_of_their_pupils(two_schools, client, auth):
    a, b, pupil_a, pupil_b, placement_a, placement_b = two_schools
    placement_a.status = "ended"
    db.session.commit()
    key_worker = f.make_user("key_worker", provider_id=placement_b.provider_id)
    auth.as_user(key_worker)
    assert client.get(f"/pupils/{pupil_b.id}").status_code == 200
    assert "Birch School · AP Forms" in client.get("/").get_data(as_text=True)


def test_a_page_before_sign_in_holds_no_schools_records(two_schools, client):
    page = client.get("/login").get_data(as_text=True)
    assert "Alder School" in page  # the first school's name, as on any single-school install
    with tenancy.as_school(tenancy._NO_SCHOOL):
        assert db.session.scalar(select(func.count()).select_from(Student)) == 0


def test_commands_run_once_for_each_school(two_schools, runner):
    result = runner.invoke(args=["attendance-alerts", "--now", "2026-11-26T10:05"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Alder School", "Birch School"]


def test_the_first_school_is_every_database_s_first(app):
    assert db.session.scalars(select(School.name)).all() == ["Your school"]


def test_create_user_joins_the_school_named(two_schools, runner):
    a, b, *_ = two_schools
    args = ["create-user", "--email", "lead@birch.example", "--name", "Bea Lead", "--role", "office"]
    made = runner.invoke(args=[*args, "--school-id", str(b.id)], input="a long pass phrase 9\na long pass phrase 9\n")
    assert made.exit_code == 0, made.output
    user_id = db.session.scalar(select(User.id).where(User.email == "lead@birch.example"))
    schools = db.session.scalars(select(SchoolMembership.school_id).where(SchoolMembership.user_id == user_id))
    assert list(schools) == [b.id]
    refused = runner.invoke(args=[*args, "--school-id", "999"], input="a long pass phrase 9\na long pass phrase 9\n")
    assert refused.exit_code == 2 and "No school has this id" in refused.output


def test_each_school_sets_its_own_register_cut_offs(two_schools, client, auth):
    from datetime import datetime

    from ap_forms.attendance.services import Cutoffs, is_past_cutoff

    a, b, *_ = two_schools
    auth.as_user(f.make_user("admin", schools=[b]))
    settings = {"name": "Birch School"}
    bad = client.post("/admin/settings", data={**settings, "attendance_cutoff_am": "25:00"})
    assert bad.status_code == 422 and "Enter the time as hours and minutes, like 10:00" in bad.get_data(as_text=True)
    backwards = client.post(
        "/admin/settings", data={**settings, "attendance_cutoff_am": "11:00", "attendance_cutoff_pm": "10:30"}
    )
    page = backwards.get_data(as_text=True)
    assert backwards.status_code == 422 and "The afternoon cut-off must be later than the morning cut-off" in page
    assert 'value="10:30"' in page  # nothing typed is lost
    saved = client.post(
        "/admin/settings", data={**settings, "attendance_cutoff_am": "9:15", "attendance_cutoff_pm": ""}
    )
    assert saved.status_code == 303
    assert 'value="09:15"' in client.get("/admin/settings").get_data(as_text=True)

    at_930 = datetime(2026, 11, 25, 9, 30)
    with tenancy.as_school(b.id):
        assert Cutoffs.for_current_school().am.isoformat() == "09:15:00"
        assert is_past_cutoff(at_930.date(), "AM", at_930)
    with tenancy.as_school(a.id):  # school A keeps the installation's 10:00
        assert Cutoffs.for_current_school().am.isoformat() == "10:00:00"
        assert not is_past_cutoff(at_930.date(), "AM", at_930)


def test_a_key_worker_with_pupils_from_two_schools_is_told_of_the_other(two_schools, autumn_day, client, auth):
    a, b, pupil_a, pupil_b, placement_a, placement_b = two_schools
    key_worker = f.make_user("key_worker", provider_id=placement_a.provider_id)
    auth.as_user(key_worker)
    home = client.get("/").get_data(as_text=True)
    # Thursday 26 November: neither pupil is due today; the last two weeks of Mondays and Wednesdays are unmarked.
    assert "Ava Alder" in home and "Ben Birch" not in home
    assert "Birch School also has pupils with you" in home and "4 earlier sessions not marked" in home
    moved = client.post("/school", data={"school": str(b.id)})
    assert moved.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Ben Birch" in home and "Ava Alder" not in home
    assert "Alder School also has pupils with you" in home


def test_a_parent_with_children_in_two_schools_sees_each(two_schools, client, auth):
    a, b, pupil_a, pupil_b, *_ = two_schools
    parent = f.make_user("parent")
    f.link_parent(parent, pupil_a)
    f.link_parent(parent, pupil_b)
    auth.as_user(parent)
    home = client.get("/").get_data(as_text=True)
    assert "Ava's week" in home and "Ben's week" not in home
    assert "You also have a child at Birch School" in home
    assert client.post("/school", data={"school": str(b.id)}).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Ben's week" in home and "You also have a child at Alder School" in home
