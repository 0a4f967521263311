"""The retention review (issue 13): records past their period at the exact boundary day (clock pinned),
keep with a reason and review date, erase only with a second person, never automatic."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from ap_forms.attendance.models import AttendanceMark, RegisterEntry
from ap_forms.data_protection import retention
from ap_forms.data_protection.models import RetentionDecision
from ap_forms.extensions import db
from ap_forms.incidents.models import Report
from ap_forms.placements.models import ENDED, Placement
from ap_forms.referrals.models import Referral
from ap_forms.students.models import Student
from ap_forms.web.audit import AuditEvent
from tests import factories as f


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _due(user, today: date) -> set[tuple[str, int]]:
    return {(i.kind, i.subject_id) for i in retention.due_items(user, today)}


def test_anniversaries_and_leap_days():
    assert retention.add_years(date(2020, 11, 26), 6) == date(2026, 11, 26)
    assert retention.add_years(date(2020, 2, 29), 6) == date(2026, 3, 1)  # kept until 1 March, never less
    assert retention.add_years(date(2020, 2, 29), 8) == date(2028, 2, 29)
    assert retention.years_before(date(2026, 3, 1), 6) == date(2020, 3, 1)
    assert retention.years_before(date(2028, 2, 29), 6) == date(2022, 2, 28)


@pytest.mark.parametrize("kind, years", [("sen", 31), ("child_protection", 25)])
def test_records_counted_from_the_date_of_birth_are_due_on_the_anniversary(app, world, kind, years):
    born = date(2026 - years, 11, 26)
    pupil = f.make_student(date_of_birth=born)
    f.make_report("concern", world.users["staff"], pupil)
    reviewer = world.users["headteacher"]
    assert (kind, pupil.id) not in _due(reviewer, date(2026, 11, 25))
    assert (kind, pupil.id) in _due(reviewer, date(2026, 11, 26))
    item = next(
        i for i in retention.due_items(reviewer, date(2026, 11, 26)) if i.subject_id == pupil.id and i.kind == kind
    )
    assert item.due_on == date(2026, 11, 26)
    born = {31: 1996, 25: 2000}[years]  # 29 February, and an anniversary year without one
    leap = f.make_student(date_of_birth=date(born, 2, 29))
    f.make_report("concern", world.users["staff"], leap)
    assert (kind, leap.id) not in _due(reviewer, date(born + years, 2, 28))
    assert (kind, leap.id) in _due(reviewer, date(born + years, 3, 1))


def test_attendance_is_due_six_years_from_each_entry(app, world):
    u, pupil = world.users, f.make_student()
    placement = f.make_placement(
        pupil,
        world.provider_a,
        u["kw_a"],
        status=ENDED,
        start_date=date(2020, 2, 3),
        planned_end_date=date(2021, 7, 16),
        ended_on=date(2021, 7, 16),
    )
    for day in (date(2020, 2, 28), date(2020, 2, 29), date(2020, 11, 26)):
        db.session.add(
            AttendanceMark(
                placement_id=placement.id,
                day=day,
                session="AM",
                status="present",
                marked_by_id=u["kw_a"].id,
                marked_at=datetime.combine(day, datetime.min.time()),
            )
        )
    db.session.commit()
    head = u["headteacher"]

    def counted(today):
        items = [i for i in retention.due_items(head, today) if i.kind == "attendance" and i.subject_id == pupil.id]
        return items[0].summary.split(" ")[0] if items else None

    assert counted(date(2026, 2, 27)) is None
    assert counted(date(2026, 2, 28)) == "1"  # 28 February 2020
    assert counted(date(2026, 3, 1)) == "2"  # and 29 February 2020, whose sixth anniversary is 1 March
    assert counted(date(2026, 11, 25)) == "2"
    assert counted(date(2026, 11, 26)) == "3"


def test_other_ap_records_are_due_six_years_after_the_placement_ends(app, world):
    pupil = f.make_student()
    ended = f.make_placement(
        pupil,
        world.provider_a,
        status=ENDED,
        start_date=date(2019, 9, 2),
        planned_end_date=date(2020, 12, 18),
        ended_on=date(2020, 11, 26),
    )
    running = f.make_placement(
        pupil, world.provider_b, start_date=date(2019, 9, 2), planned_end_date=date(2020, 7, 17)
    )  # never ended: never due
    head = world.users["headteacher"]
    assert ("ap_records", ended.id) not in _due(head, date(2026, 11, 25))
    assert ("ap_records", ended.id) in _due(head, date(2026, 11, 26))
    assert ("ap_records", running.id) not in _due(head, date(2040, 1, 1))


def test_the_page_follows_the_schools_clock_and_lists_without_changing_anything(app, world, auth):
    pupil = f.make_student(first_name="Boundary", date_of_birth=date(1995, 11, 27))
    before = {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "audit_events"
    }
    client = auth.as_user(world.users["send_lead"])
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    assert "Boundary" not in client.get("/retention/").get_data(as_text=True)
    assert client.get(f"/retention/sen/{pupil.id}").status_code == 404
    app.config["FROZEN_NOW"] = "2026-11-27T08:00"
    page = client.get("/retention/").get_data(as_text=True)
    assert "Boundary" in page and "31 years from the pupil&#39;s date of birth" in page and "IRMS" in page
    assert client.get(f"/retention/sen/{pupil.id}").status_code == 200
    after = {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "audit_events"
    }
    assert after == before  # never automatic: looking erases nothing


def test_keep_hides_it_until_the_review_date(app, world, auth):
    old, _ = f.make_old_pupil(world, pending=False)
    client = auth.as_user(world.users["send_lead"])
    app.config["FROZEN_NOW"] = "2026-11-26T10:30"
    path = f"/retention/sen/{old.id}/keep"
    refused = client.post(path, data={"keep-reason": "", "keep-review_on": ["26", "11", "2026"]})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter why the record is being kept" in body and "The review date must be in the future" in body
    assert client.post(path, data={"keep-reason": "x", "keep-review_on": ["31", "2", "2027"]}).status_code == 422
    assert client.post(path, data={"keep-reason": "x", "keep-review_on": ["1", "1", "2040"]}).status_code == 422
    assert _count(RetentionDecision) == 0
    response = client.post(path, data={"keep-reason": "A claim is expected", "keep-review_on": ["1", "9", "2027"]})
    assert response.status_code == 303
    head = world.users["headteacher"]
    assert ("sen", old.id) not in _due(head, date(2027, 8, 31))
    assert ("sen", old.id) in _due(head, date(2027, 9, 1))
    kept = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_kept"))
    assert kept.user_id == world.users["send_lead"].id and "2027-09-01" in kept.detail
    assert "A claim is expected" in client.get("/retention/").get_data(as_text=True)


def test_erasing_needs_a_second_person_and_leaves_only_what_kind_when_and_who(app, world, auth):
    old, placement = f.make_old_pupil(world, pending=False)
    placement_id, old_name = placement.id, old.full_name
    referral = f.make_referral(
        old, world.provider_a, world.users["send_lead"], status="approved", placement_id=placement.id
    )
    incident = f.make_report(
        "behaviour", world.users["kw_a"], old, provider_id=world.provider_a.id, occurred_at=datetime(2009, 3, 3, 11)
    ).id
    lead, head = world.users["send_lead"], world.users["headteacher"]
    x_marks = _count(AttendanceMark, AttendanceMark.placement_id == world.placement_x.id)
    lead_client = auth.as_user(lead)
    path = f"/retention/ap_records/{placement_id}"
    assert lead_client.post(path + "/erase/confirm").status_code == 422  # nobody asked yet
    assert lead_client.post(path + "/erase", data={"erase-reason": "Six years since it ended"}).status_code == 303
    assert lead_client.post(path + "/erase", data={}).status_code == 422  # already asked
    refused = lead_client.post(path + "/erase/confirm")
    assert refused.status_code == 422 and "A second person must confirm" in refused.get_data(as_text=True)
    assert db.session.get(Placement, placement_id) is not None  # still there
    # The DSL does not review AP records: not theirs to confirm.
    assert auth.as_user(world.users["dsl"]).post(path + "/erase/confirm").status_code == 404
    head_client = auth.as_user(head)
    assert "Erasing: waiting for a second person" in head_client.get("/retention/").get_data(as_text=True)
    assert head_client.post(path + "/erase/confirm").status_code == 303
    db.session.expire_all()
    assert db.session.get(Placement, placement_id) is None
    assert _count(AttendanceMark, AttendanceMark.placement_id == placement_id) == 0
    assert _count(RegisterEntry, RegisterEntry.placement_id == placement_id) == 0
    assert db.session.get(Report, incident) is None
    # The Referral Form is an SEN record (31 years): kept, only unlinked. The concern is child protection.
    assert db.session.get(Referral, referral.id).placement_id is None
    assert _count(Report, Report.student_id == old.id, Report.kind == "concern") == 1
    # Nothing else touched.
    assert _count(AttendanceMark, AttendanceMark.placement_id == world.placement_x.id) == x_marks
    erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_erased"))
    assert erased.user_id == head.id and erased.at is not None
    assert erased.detail.startswith("Other alternative provision records erased (") and old_name not in erased.detail
    assert f"asked by user {lead.id}" in erased.detail
    decision = db.session.scalar(select(RetentionDecision))
    assert decision.requested_by_id == lead.id and decision.confirmed_by_id == head.id
    assert head_client.get(path).status_code == 404  # gone from the review


def test_child_protection_is_reviewed_by_the_dsl_and_headteacher_only(app, world, auth):
    old, _ = f.make_old_pupil(world, pending=False)
    path = f"/retention/child_protection/{old.id}"
    assert auth.as_user(world.users["send_lead"]).get(path).status_code == 404
    assert (
        "child protection"
        not in auth.as_user(world.users["send_lead"])
        .get("/retention/")
        .get_data(as_text=True)
        .split("Retention periods")[0]
        .lower()
    )
    dsl = auth.as_user(world.users["dsl"])
    assert dsl.get(f"/retention/attendance/{old.id}").status_code == 404
    assert dsl.post(path + "/erase", data={}).status_code == 303
    head = auth.as_user(world.users["headteacher"])
    assert head.post(path + "/erase/confirm").status_code == 303
    db.session.expire_all()
    assert _count(Report, Report.student_id == old.id, Report.kind == "concern") == 0
    assert db.session.get(Student, old.id).child_protection == "none"
    assert db.session.get(Student, old.id).send_needs == "Autism"  # SEN records are another review


def test_sen_erasure_removes_the_pupil_record_when_nothing_else_is_held(app, world, auth):
    lone = f.make_student(first_name="Lone", date_of_birth=date(1990, 1, 5))
    f.make_carer(lone)
    f.make_referral(lone, world.provider_a, world.users["send_lead"])
    held, _ = f.make_old_pupil(world, pending=False)
    lone_id, held_id = lone.id, held.id
    lead = auth.as_user(world.users["send_lead"])
    for pupil_id in (lone_id, held_id):
        assert lead.post(f"/retention/sen/{pupil_id}/erase", data={}).status_code == 303
    head = auth.as_user(world.users["headteacher"])
    for pupil_id in (lone_id, held_id):
        assert head.post(f"/retention/sen/{pupil_id}/erase/confirm").status_code == 303
    db.session.expire_all()
    assert db.session.get(Student, lone_id) is None and _count(Referral, Referral.student_id == lone_id) == 0
    kept = db.session.get(Student, held_id)  # still has a placement and a concern, reviewed on their own
    assert kept is not None and kept.send_needs == "" and kept.diagnoses == "" and not kept.ehcp
    assert ("sen", held_id) not in _due(world.users["headteacher"], date(2026, 11, 26))


def test_cancelling_a_request_keeps_it_listed(app, world, auth):
    old, _ = f.make_old_pupil(world)
    head = auth.as_user(world.users["headteacher"])
    path = f"/retention/attendance/{old.id}"
    assert "waiting for a second person" in head.get("/retention/").get_data(as_text=True)
    assert head.post(path + "/erase/cancel").status_code == 303
    assert head.post(path + "/erase/cancel").status_code == 422
    assert head.get(path).status_code == 200
    assert (
        _count(
            AttendanceMark, AttendanceMark.placement_id.in_(select(Placement.id).where(Placement.student_id == old.id))
        )
        == 1
    )


def test_keep_is_refused_while_an_erasure_waits_and_a_stale_confirmation_erases_nothing(app, world, auth):
    old, placement = f.make_old_pupil(world)  # the SEND lead asked to erase the attendance and the placement
    head = auth.as_user(world.users["headteacher"])
    refused = head.post(
        f"/retention/ap_records/{placement.id}/keep",
        data={"keep-reason": "Claim", "keep-review_on": ["1", "9", "2027"]},
    )
    assert refused.status_code == 422 and "cancel that request first" in refused.get_data(as_text=True)
    # Someone cancels between the page being drawn and the confirmation: one conditional UPDATE decides.
    item = retention.get_item_or_404(world.users["headteacher"], "attendance", old.id, date(2026, 11, 26))
    db.session.execute(
        RetentionDecision.__table__.update()
        .where(RetentionDecision.id == item.pending.id)
        .values(cancelled_at=datetime(2026, 11, 26, 10), cancelled_by_id=world.users["send_lead"].id)
    )
    with pytest.raises(retention.RetentionRefused, match="confirmed or cancelled by someone else"):
        retention.confirm_erasure(item, by=world.users["headteacher"])
    db.session.rollback()
    assert _count(AttendanceMark, AttendanceMark.placement_id == placement.id) == 1
