"""Subject access requests (issue 13): a pupil with data in every domain, the zip opened and its contents
checked against the database, redaction of third parties' names, and safeguarding records (DSL only)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ap_forms.attendance.models import (
    AttendanceMark,
    MarkChange,
    ParentContact,
    RegisterAmendment,
    RegisterEntry,
)
from ap_forms.extensions import db
from ap_forms.feedback.models import AnnualReviewContribution, FeedbackReply, TermlyReport, WeeklyFeedback
from ap_forms.incidents.models import Report, ReportAction, SafeguardingFlag
from ap_forms.placements.models import PlacementEnding, PlacementReview, ReviewProgress
from ap_forms.quality.models import ProgressEntry
from ap_forms.referrals.models import Referral, ReferralEvent, ReferralObjective, ReferralRisk
from ap_forms.students.models import StudentChange
from ap_forms.web.audit import AuditEvent
from tests import factories as f


@pytest.fixture
def full_pupil(world):
    """Pupil X with something in every domain, and third parties named in the text."""
    u, x, p = world.users, world.pupil_x, world.placement_x
    db.session.add(
        StudentChange(
            student_id=x.id,
            at=datetime(2026, 9, 1, 9),
            by_id=u["office"].id,
            action="edited",
            changes=json.dumps({"medical_needs": ["", "Asthma"]}),
        )
    )
    world.carer = f.make_carer(x, name="Maria Carer")
    mark = f.make_mark(p, date(2026, 11, 23), "AM", "absent", by=u["kw_a"], absence_reason="ill")
    db.session.add(
        MarkChange(
            mark_id=mark.id,
            status="present",
            note="first tap",
            marked_at=datetime(2026, 11, 23, 9),
            marked_by_id=u["kw_a"].id,
            replaced_by_id=u["kw_a"].id,
            replaced_at=datetime(2026, 11, 23, 9, 50),
        )
    )
    entry = RegisterEntry(
        placement_id=p.id,
        day=date(2026, 11, 23),
        session="AM",
        code="I",
        recorded_by_id=u["office"].id,
        recorded_at=datetime(2026, 11, 23, 10),
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(
        RegisterAmendment(
            entry_id=entry.id,
            old_code="O",
            new_code="I",
            reason="Mum rang: ill",
            amended_by_id=u["office"].id,
            amended_at=datetime(2026, 11, 23, 11),
        )
    )
    db.session.add(
        ParentContact(
            student_id=x.id,
            day=date(2026, 11, 23),
            contacted_at=datetime(2026, 11, 23, 10, 5),
            contacted_by_id=u["office"].id,
            contact_with="Maria Carer",
            method="phone",
            outcome="reached",
            notes="Ill with a cold",
            recorded_at=datetime(2026, 11, 23, 10, 6),
        )
    )
    # Another pupil named by a key worker in free text: their name is found and offered for redaction.
    world.feedback_x.concerns = f"Argued with {world.pupil_y.full_name} at lunch"
    db.session.add(FeedbackReply(feedback_id=world.feedback_x.id, author_id=u["send_lead"].id, comment="Thanks"))
    db.session.add(
        AnnualReviewContribution(
            placement_id=p.id,
            review_date=date(2026, 12, 10),
            progress_views="Growing in confidence",
            recommendations="Continue",
            author_id=u["kw_a"].id,
        )
    )
    review = PlacementReview(
        placement_id=p.id,
        due_on=date(2026, 10, 19),
        held_on=date(2026, 10, 19),
        suitability="suitable",
        decisions="Carry on",
        recorded_by_id=u["send_lead"].id,
        recorded_at=datetime(2026, 10, 19, 15),
    )
    db.session.add(review)
    db.session.flush()
    db.session.add(ReviewProgress(review_id=review.id, position=1, objective="Attend 90%", rating="good"))
    db.session.add(
        PlacementEnding(
            placement_id=world.placement_y.id,
            ended_on=date(2026, 11, 20),
            kind="planned",
            recorded_by_id=u["send_lead"].id,
        )
    )  # pupil Y's: never in X's request
    # An earlier placement of X's, at provider B, that ended.
    world.earlier_x = f.make_placement(
        x,
        world.provider_b,
        u["kw_b"],
        status="ended",
        start_date=date(2025, 9, 8),
        planned_end_date=date(2026, 7, 17),
        ended_on=date(2026, 7, 17),
    )
    db.session.add(
        PlacementEnding(
            placement_id=world.earlier_x.id,
            ended_on=date(2026, 7, 17),
            kind="planned",
            recorded_by_id=u["send_lead"].id,
        )
    )
    db.session.add(
        ReportAction(
            report_id=world.incident_x.id,
            kind="spoke_provider",
            taken_on=date(2026, 11, 21),
            taken_by="Provider manager Pat Jones",
            details="Called",
            recorded_by_id=u["send_lead"].id,
        )
    )
    db.session.add(
        ReportAction(
            report_id=world.concern_x.id,
            kind="mash",
            taken_on=date(2026, 11, 21),
            taken_by="DSL",
            details="Referred to MASH",
            recorded_by_id=u["dsl"].id,
        )
    )
    db.session.add(SafeguardingFlag(student_id=x.id, set_by_id=u["dsl"].id))
    db.session.commit()
    return world


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _open(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    tables = {}
    for name in archive.namelist():
        if name.startswith("csv/"):
            rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            tables[name.split("-", 1)[1].removesuffix(".csv")] = rows
    pdf_name = next(n for n in archive.namelist() if n.endswith(".pdf"))
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(pdf_name))).pages)
    return archive, tables, " ".join(pdf_text.split())  # words wrapped in narrow columns joined again


def test_headteacher_downloads_everything_held_checked_against_the_database(app, full_pupil, auth):
    world = full_pupil
    x, p = world.pupil_x, world.placement_x
    client = auth.as_user(world.users["headteacher"])
    page = client.get(f"/pupils/{x.id}/subject-access")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in (
        "Maria Carer",
        world.users["kw_a"].name,
        world.users["office"].name,
        world.pupil_y.full_name,
        "Provider manager Pat Jones",
    ):
        assert f'value="{name}"' in html, name
    assert "Only the Designated Safeguarding Lead can include them" in html
    # No ticks: released without redaction (the person producing it decided so).
    archive, tables, pdf = _open(client.post(f"/pupils/{x.id}/subject-access", data={}))
    names = archive.namelist()
    assert "README.txt" in names and "documents/README.txt" in names
    assert f"by {world.users['headteacher'].name} (Headteacher)" in archive.read("README.txt").decode()
    # One CSV per kind of record; each has exactly the rows the database holds about this pupil.
    placements = [p.id, world.earlier_x.id]
    expected = {
        "pupil-record": 18,
        "pupil-record-changes": _count(StudentChange, StudentChange.student_id == x.id),
        "parents-and-carers": len(x.carers),
        "referrals": _count(Referral, Referral.student_id == x.id),
        "referral-objectives": _count(ReferralObjective, ReferralObjective.referral_id == world.referral_x.id),
        "referral-risks": _count(ReferralRisk, ReferralRisk.referral_id == world.referral_x.id),
        "referral-history": _count(ReferralEvent, ReferralEvent.referral_id == world.referral_x.id),
        "placements": 2,
        "timetables": len(p.sessions) + len(world.earlier_x.sessions),
        "placement-reviews": _count(PlacementReview, PlacementReview.placement_id.in_(placements)),
        "placement-endings": 1,
        "attendance-marks": _count(AttendanceMark, AttendanceMark.placement_id.in_(placements)),
        "attendance-mark-history": _count(MarkChange),
        "register-codes": _count(RegisterEntry, RegisterEntry.placement_id.in_(placements)),
        "register-code-amendments": _count(RegisterAmendment),
        "contact-with-home": _count(ParentContact, ParentContact.student_id == x.id),
        "weekly-feedback": _count(WeeklyFeedback, WeeklyFeedback.placement_id.in_(placements)),
        "feedback-replies": _count(FeedbackReply),
        "termly-reports": _count(TermlyReport, TermlyReport.placement_id.in_(placements)),
        "annual-review-contributions": 1,
        "visit-progress": _count(ProgressEntry, ProgressEntry.student_id == x.id),
        "incidents": _count(Report, Report.student_id == x.id, Report.kind.in_(["behaviour", "health_safety"])),
        "incidents-actions": 1,
    }
    assert {k: len(v) - 1 for k, v in tables.items()} == expected
    assert all(n >= 1 for n in expected.values()), "the fixture must put data in every domain"
    # Values match the database, and nothing about another pupil is there.
    assert ["Unique pupil number (UPN)", x.upn] in tables["pupil-record"]
    assert tables["register-codes"][1][3:5] == ["I", "O"]
    assert tables["register-code-amendments"][1][3:6] == ["O", "I", "Mum rang: ill"]
    assert tables["attendance-mark-history"][1][3].startswith("Present")
    assert tables["referrals"][1][0] == str(world.referral_x.id)
    assert world.pupil_y.upn not in "".join(
        archive.read(n).decode("utf-8-sig", "replace") for n in names if n.endswith((".csv", ".txt"))
    )
    # Safeguarding records are the DSL's to include: never in the headteacher's download.
    assert not any(k.startswith("safeguarding") for k in tables)
    assert "uncle" not in pdf and "Referred to MASH" not in pdf
    # The PDF is readable and carries the same records.
    assert f"Subject access request: {x.full_name}" in pdf and x.upn in pdf
    assert "Mum rang: ill" in pdf and "Growing in confidence" in pdf and "Maria Carer" in pdf
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_access_produced")).all()
    assert len(rows) == 1 and rows[0].record_id == str(x.id) and "safeguarding not included" in rows[0].detail


def test_redaction_applies_to_the_pdf_and_every_csv(app, full_pupil, auth):
    world = full_pupil
    x, kw = world.pupil_x, world.users["kw_a"]
    client = auth.as_user(world.users["headteacher"])
    response = client.post(
        f"/pupils/{x.id}/subject-access",
        data={"redact": ["Maria Carer", kw.name, world.pupil_y.full_name], "extra_names": "Pat Jones\n\nx"},
    )
    archive, tables, pdf = _open(response)
    everything = pdf + "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist() if n.endswith((".csv",)))
    for name in ("Maria Carer", kw.name, world.pupil_y.full_name, "Pat Jones"):
        assert name not in everything, name
    assert "[redacted]" in pdf
    assert tables["parents-and-carers"][1][0] == "[redacted]"
    assert tables["contact-with-home"][1][3] == "[redacted]"
    assert tables["weekly-feedback"][1][9] == "Argued with [redacted] at lunch"
    assert tables["incidents-actions"][1][3] == "Provider manager [redacted]"
    assert tables["attendance-marks"][1][5] == "[redacted]"
    # Names not ticked stay; a one-letter line is not a name (it would redact every "x").
    assert world.users["office"].name in everything and x.full_name in pdf
    assert "4 names redacted" in db.session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "subject_access_produced")
    )


def test_only_the_dsl_can_include_safeguarding_records(app, full_pupil, auth):
    world = full_pupil
    x = world.pupil_x
    head = auth.as_user(world.users["headteacher"])
    _, tables, _ = _open(head.post(f"/pupils/{x.id}/subject-access", data={"scope": "with_safeguarding"}))
    assert not any(k.startswith("safeguarding") for k in tables)  # the choice is the DSL's: ignored
    assert head.post(f"/pupils/{x.id}/subject-access", data={"scope": "<b>", "redact": ["x"]}).status_code == 422
    assert not any(k.startswith("safeguarding") for k in tables)
    dsl = auth.as_user(world.users["dsl"])
    assert "Safeguarding records only" in dsl.get(f"/pupils/{x.id}/subject-access").get_data(as_text=True)
    _, tables, pdf = _open(
        dsl.post(f"/pupils/{x.id}/subject-access", data={"scope": "with_safeguarding", "redact": ["Sam Adult"]})
    )
    concerns = _count(Report, Report.student_id == x.id, Report.kind.in_(["concern", "allegation"]))
    assert len(tables["safeguarding-records"]) - 1 == concerns == 3  # two sent, one draft
    assert len(tables["safeguarding-records-actions"]) - 1 == 1 and len(tables["safeguarding-flag"]) - 1 == 1
    assert "Xavier said his uncle hit him" in pdf and "Sam Adult" not in pdf
    # The DSL may also produce the safeguarding records alone, with the pupil record saying whose they are.
    _, tables, _ = _open(dsl.post(f"/pupils/{x.id}/subject-access", data={"scope": "safeguarding_only"}))
    assert sorted(tables) == [
        "pupil-record",
        "safeguarding-flag",
        "safeguarding-records",
        "safeguarding-records-actions",
    ]
    assert dsl.post(f"/pupils/{x.id}/subject-access", data={"scope": "all"}).status_code == 422
    details = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "subject_access_produced").order_by(AuditEvent.id)
    ).all()
    assert details[0].endswith("safeguarding not included") and details[1].endswith("safeguarding included")
    assert details[2].endswith("safeguarding records only")


def test_hostile_redaction_input_is_a_clear_error(app, full_pupil, auth):
    client = auth.as_user(full_pupil.users["headteacher"])
    path = f"/pupils/{full_pupil.pupil_x.id}/subject-access"
    response = client.post(path, data={"redact": ["Somebody Not Listed"], "extra_names": "Kept Name"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose names to redact from the list" in body and "Kept Name" in body
    response = client.post(path, data={"extra_names": "y" * 5001})
    assert response.status_code == 422 and "5,000 characters or fewer" in response.get_data(as_text=True)
    assert _count(AuditEvent, AuditEvent.action == "subject_access_produced") == 0
    assert client.get("/pupils/2147483647/subject-access").status_code == 404


def test_time_of_production_is_the_schools_clock_and_the_producer_may_redact_themselves(app, full_pupil, auth):
    app.config["FROZEN_NOW"] = "2026-11-30T09:40"
    head = full_pupil.users["headteacher"]
    client = auth.as_user(head)
    response = client.post(f"/pupils/{full_pupil.pupil_x.id}/subject-access", data={"extra_names": head.name})
    assert "2026-11-30" in response.headers["Content-Disposition"]
    archive, _, pdf = _open(response)
    readme = archive.read("README.txt").decode()
    # Redacting your own name removes it from the release too: the role stands in.
    assert "Produced 30 Nov 2026 at 09:40 by Headteacher." in readme
    assert head.name not in readme and head.name not in pdf and "by Headteacher" in pdf
