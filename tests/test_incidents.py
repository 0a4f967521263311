"""Issue 11: reporting concerns and incidents, alerts that carry no detail, escalation with the clock
pinned, the DSL's inbox, audit of reads, the flag, chronology (and its PDF), incidents and decisions."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.incidents import services
from ap_forms.incidents.models import (
    CLOSED,
    DRAFT,
    ESCALATION,
    NEW_ALERT,
    OPEN,
    Report,
    ReportAction,
    ReportAlert,
    ReportOpening,
)
from ap_forms.placements.models import ENDED, PlacementEnding
from ap_forms.web.audit import AuditEvent
from tests import factories
from tests.conftest import Auth

NOW = "2026-11-23T10:30"  # a Monday in the autumn term
pytestmark = pytest.mark.parametrize("app", [{"FROZEN_NOW": NOW}], indirect=True)


def _new_concern(client, pupil_id) -> int:
    response = client.post(f"/reports/new?pupil={pupil_id}", data={"kind": "concern"})
    assert response.status_code == 303
    return int(response.headers["Location"].split("/")[-2])


CONCERN = {
    "description": "Bruise on his arm; he said 'Dad grabbed me'",
    "pupil_words": "Dad grabbed me",
    "occurred_on": ["23", "11", "2026"],
    "occurred_time": "09:50",
    "location": "Barn",
    "people_present": "Jo Smith",
    "injuries": "Fingertip bruises, left upper arm",
    "body_marks": ["front_left_arm", "back_left_arm"],
    "action_taken": "Comforted him",
    "pupil_safe": "yes",
}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


# --- Reporting ---------------------------------------------------------------------------------


def test_key_worker_reports_a_concern_and_the_dsl_and_head_are_alerted_without_detail(app, world, auth, smtp_server):
    client = auth.as_user(world.users["kw_a"])
    page = client.get(f"/reports/new?pupil={world.pupil_x.id}")
    assert b"call 999" in page.data and page.data.index(b"call 999") < page.data.index(b'action="/reports/new')
    report_id = _new_concern(client, world.pupil_x.id)
    assert client.get(f"/reports/{report_id}/edit").status_code == 200
    # An autosave keeps the draft without sending it.
    saved = client.post(
        f"/reports/{report_id}/edit", data={"description": "He said"}, headers={"HX-Request": "true", "X-Autosave": "1"}
    )
    assert saved.status_code == 200 and b"Draft saved" in saved.data
    report = db.session.get(Report, report_id)
    assert report.status == DRAFT and report.description == "He said"
    assert smtp_server.messages == []
    # Sent: with the body marks ticked as checkboxes (no JavaScript needed).
    sent = client.post(f"/reports/{report_id}/edit", data={**CONCERN, "submit": "Send"})
    assert sent.status_code == 303 and f"/reports/{report_id}" in sent.headers["Location"]
    report = db.session.get(Report, report_id)
    assert report.status == OPEN and report.body_marks == ["front_left_arm", "back_left_arm"]
    assert report.occurred_at == datetime(2026, 11, 23, 9, 50) and report.provider_id == world.provider_a.id
    receipt = client.get(sent.headers["Location"])
    assert report.reference.encode() in receipt.data
    assert b"Designated Safeguarding Lead has been alerted" in receipt.data
    assert b"Fingertip bruises" in receipt.data

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert world.users["dsl"].email in message["To"] and world.users["headteacher"].email in message["To"]
    assert world.users["send_lead"].email not in message["To"]
    body = message.get_body(("plain",)).get_content() + message["Subject"]
    for secret in (
        "Xavier",
        world.pupil_x.last_name,
        "Provider A",
        "Dad",
        "bruise",
        "Bruise",
        "arm",
        "Barn",
        world.users["kw_a"].name,
    ):
        assert secret not in body, secret
    assert f"/safeguarding/{report_id}" in body and "outside the school day" not in body
    alert = db.session.scalar(select(ReportAlert).where(ReportAlert.report_id == report_id))
    assert alert.kind == NEW_ALERT and not alert.out_of_hours


def test_a_concern_cannot_be_sent_incomplete_and_the_draft_is_kept(app, world, auth):
    client = auth.as_user(world.users["kw_a"])
    report_id = _new_concern(client, world.pupil_x.id)
    response = client.post(f"/reports/{report_id}/edit", data={"pupil_words": "Kept words", "submit": "Send"})
    assert response.status_code == 422
    assert b"Describe what you saw or heard" in response.data and b"Say whether the pupil is safe now" in response.data
    assert b"Kept words" in response.data
    report = db.session.get(Report, report_id)
    assert report.status == DRAFT and report.pupil_words == "Kept words"


def test_a_report_that_happened_in_the_future_is_refused(app, world, auth):
    client = auth.as_user(world.users["kw_a"])
    report_id = _new_concern(client, world.pupil_x.id)
    response = client.post(
        f"/reports/{report_id}/edit", data={**CONCERN, "occurred_on": ["24", "11", "2026"], "submit": "Send"}
    )
    assert response.status_code == 422 and b"must be in the past" in response.data
    assert db.session.get(Report, report_id).status == DRAFT


def test_invalid_body_marks_and_choices_are_field_errors_and_write_nothing(app, world, auth):
    client = auth.as_user(world.users["kw_a"])
    report_id = _new_concern(client, world.pupil_x.id)
    response = client.post(
        f"/reports/{report_id}/edit", data={"description": "x", "body_marks": ["heart"], "pupil_safe": "maybe"}
    )
    assert response.status_code == 422
    assert b"Select places on the body from the list" in response.data
    assert db.session.get(Report, report_id).description == ""


def test_a_key_worker_cannot_report_about_another_providers_pupil(app, world, auth):
    client = auth.as_user(world.users["kw_a"])
    assert client.post(f"/reports/new?pupil={world.pupil_y.id}", data={"kind": "concern"}).status_code == 404
    response = client.post("/reports/new", data={"kind": "concern", "pupil": str(world.pupil_y.id)})
    assert response.status_code == 404
    assert client.post("/reports/new", data={"kind": "concern", "pupil": "abc"}).status_code == 422
    assert (
        db.session.scalar(
            select(func.count(Report.id)).where(
                Report.student_id == world.pupil_y.id, Report.reporter_id == world.users["kw_a"].id
            )
        )
        == 0
    )


def test_serious_incident_alerts_the_send_lead_and_head(app, world, auth, smtp_server):
    client = auth.as_user(world.users["kw_a"])
    response = client.post("/reports/new", data={"kind": "behaviour", "pupil": str(world.pupil_x.id)})
    report_id = int(response.headers["Location"].split("/")[-2])
    sent = client.post(
        f"/reports/{report_id}/edit",
        data={
            "description": "Threw a chair",
            "occurred_on": ["23", "11", "2026"],
            "physical_intervention": "yes",
            "intervention_type": "guide",
            "intervention_by": "Jo Smith",
            "intervention_minutes": "3",
            "parents_told": "yes",
            "submit": "Send",
        },
    )
    assert sent.status_code == 303
    message = smtp_server.messages[0]
    assert world.users["send_lead"].email in message["To"] and world.users["headteacher"].email in message["To"]
    assert world.users["dsl"].email not in message["To"]
    assert "chair" not in message.get_body(("plain",)).get_content()
    receipt = client.get(f"/reports/{report_id}")
    assert b"SEND lead and the headteacher have been alerted" in receipt.data


def test_physical_intervention_needs_which_and_by_whom(app, world, auth):
    client = auth.as_user(world.users["kw_a"])
    response = client.post("/reports/new", data={"kind": "behaviour", "pupil": str(world.pupil_x.id)})
    report_id = int(response.headers["Location"].split("/")[-2])
    response = client.post(
        f"/reports/{report_id}/edit",
        data={
            "description": "Threw a chair",
            "occurred_on": ["23", "11", "2026"],
            "physical_intervention": "yes",
            "parents_told": "no",
            "submit": "Send",
        },
    )
    assert response.status_code == 422 and b"Enter who used the physical intervention" in response.data


def test_a_mail_server_that_is_down_loses_nothing(app, world, auth):
    client = auth.as_user(world.users["kw_a"])
    report_id = _new_concern(client, world.pupil_x.id)
    assert client.post(f"/reports/{report_id}/edit", data={**CONCERN, "submit": "Send"}).status_code == 303
    assert db.session.get(Report, report_id).status == OPEN
    assert db.session.scalar(select(func.count(ReportAlert.id))) == 0  # the command retries it


# --- Allegations about adults ------------------------------------------------------------------------


def test_an_allegation_about_provider_a_staff_is_invisible_to_provider_a(app, world, auth, smtp_server):
    kw_b = auth.as_user(world.users["kw_b"])
    response = kw_b.post("/reports/new", data={"kind": "allegation", "pupil": ""})
    report_id = int(response.headers["Location"].split("/")[-2])
    sent = kw_b.post(
        f"/reports/{report_id}/edit",
        data={
            "subject_name": "Pat Example",
            "subject_role": "school_staff",
            "description": "Shouted at a pupil",
            "occurred_on": ["20", "11", "2026"],
            "submit": "Send",
        },
    )
    assert sent.status_code == 303
    assert "Pat" not in smtp_server.messages[0].get_body(("plain",)).get_content()

    kw_a = Auth(app.test_client()).as_user(world.users["kw_a"])
    for path in ("/", "/reports/", f"/pupils/{world.pupil_x.id}", "/providers/mine"):
        page = kw_a.get(path)
        assert b"Sam Adult" not in page.data and world.allegation_a.reference.encode() not in page.data, path
    assert kw_a.get(f"/reports/{world.allegation_a.id}").status_code == 404
    assert kw_a.get(f"/reports/{world.allegation_a.id}/edit").status_code == 404
    # The SEND lead reads incidents, never allegations.
    lead = Auth(app.test_client()).as_user(world.users["send_lead"])
    assert b"Sam Adult" not in lead.get("/incidents/").data
    assert lead.get(f"/incidents/{world.allegation_a.id}").status_code == 404
    # The DSL does.
    dsl = Auth(app.test_client()).as_user(world.users["dsl"])
    page = dsl.get(f"/safeguarding/{world.allegation_a.id}")
    assert page.status_code == 200 and b"Sam Adult" in page.data


# --- Escalation -------------------------------------------------------------------------------------


def _sent_concern(world, submitted_local: str) -> Report:
    report = factories.make_report("concern", world.users["kw_a"], world.pupil_x, pupil_safe="yes")
    from ap_forms.web import clock

    report.submitted_at = clock.to_utc(datetime.fromisoformat(submitted_local))
    db.session.add(ReportAlert(report_id=report.id, kind=NEW_ALERT, sent_to="dsl", sent_at=report.submitted_at))
    # The world's other reports are already alerted and opened, so only this one is in play.
    for other in db.session.scalars(select(Report).where(Report.id != report.id)).all():
        if not db.session.scalar(select(ReportAlert.id).where(ReportAlert.report_id == other.id)):
            db.session.add(ReportAlert(report_id=other.id, kind=NEW_ALERT, sent_to="x", sent_at=report.submitted_at))
            db.session.add(ReportAlert(report_id=other.id, kind=ESCALATION, sent_to="x", sent_at=report.submitted_at))
    db.session.commit()
    return report


def _escalations(report) -> int:
    return db.session.scalar(
        select(func.count(ReportAlert.id)).where(ReportAlert.report_id == report.id, ReportAlert.kind == ESCALATION)
    )


def test_unopened_concern_is_escalated_after_30_minutes_once(app, world, runner, smtp_server):
    report = _sent_concern(world, "2026-11-23T10:00")
    result = runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T10:29"])
    assert result.exit_code == 0 and smtp_server.messages == [] and _escalations(report) == 0
    result = runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T10:30"])
    assert result.exit_code == 0, result.output
    assert "1 escalation" in result.output and _escalations(report) == 1
    message = smtp_server.messages[0]
    assert world.users["headteacher"].email in message["To"] and world.users["dsl"].email in message["To"]
    text = message.get_body(("plain",)).get_content()
    assert "escalated to the headteacher" in text and "Xavier" not in text and "Provider A" not in text
    # Idempotent.
    runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T10:45"])
    assert len(smtp_server.messages) == 1 and _escalations(report) == 1


def test_a_concern_a_dsl_opened_is_not_escalated(app, world, auth, runner, smtp_server):
    report = _sent_concern(world, "2026-11-23T10:00")
    auth.as_user(world.users["dsl"]).get(f"/safeguarding/{report.id}")
    runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T11:00"])
    assert smtp_server.messages == [] and _escalations(report) == 0


def test_the_headteacher_opening_it_does_not_stop_the_escalation(app, world, auth, runner, smtp_server):
    report = _sent_concern(world, "2026-11-23T10:00")
    auth.as_user(world.users["headteacher"]).get(f"/safeguarding/{report.id}")
    runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T11:00"])
    assert _escalations(report) == 1


def test_out_of_hours_concern_waits_for_the_school_day_and_its_alert_says_so(app, world, auth, runner, smtp_server):
    app.config["FROZEN_NOW"] = "2026-11-23T19:05"
    client = auth.as_user(world.users["kw_a"])
    report_id = _new_concern(client, world.pupil_x.id)
    assert client.post(f"/reports/{report_id}/edit", data={**CONCERN, "submit": "Send"}).status_code == 303
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "outside the school day" in text and "999" in text
    report = db.session.get(Report, report_id)
    _sent_concern(world, "2026-11-23T10:00")  # mark the world's reports as dealt with
    db.session.execute(
        ReportAlert.__table__.delete().where(ReportAlert.report_id == report.id, ReportAlert.kind == ESCALATION)
    )
    db.session.commit()
    runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T20:00"])
    runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-24T08:45"])
    assert _escalations(report) == 0
    runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-24T09:00"])
    assert _escalations(report) == 1


def test_the_command_sends_alerts_the_mail_server_missed(app, world, runner, smtp_server):
    result = runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    alerted = db.session.scalar(select(func.count(ReportAlert.id)).where(ReportAlert.kind == NEW_ALERT))
    assert alerted == 5  # every sent report of the world; the draft is never alerted
    again = runner.invoke(args=["safeguarding-escalate", "--now", "2026-11-23T10:05"])
    assert "Sent 0 delayed" in again.output


# --- The DSL's inbox ---------------------------------------------------------------------------------


def test_dsl_opens_records_actions_and_closes_with_every_read_audited(app, world, auth):
    client = auth.as_user(world.users["dsl"])
    home = client.get("/")
    assert b"app-badge" in home.data  # concerns waiting to be opened
    inbox = client.get("/safeguarding/")
    assert world.concern_x.reference.encode() in inbox.data and b"Nobody yet" in inbox.data
    assert world.incident_x.reference.encode() not in inbox.data
    page = client.get(f"/safeguarding/{world.concern_x.id}")
    assert b"Xavier said his uncle hit him" in page.data and b"Chest" in page.data
    client.get(f"/safeguarding/{world.concern_x.id}")
    reads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "concern_viewed", AuditEvent.record_id == str(world.concern_x.id))
    ).all()
    assert len(reads) == 2 and {r.user_id for r in reads} == {world.users["dsl"].id}
    head = Auth(app.test_client()).as_user(world.users["headteacher"])
    page = head.get(f"/safeguarding/{world.concern_x.id}")
    assert world.users["dsl"].name.encode() in page.data  # who has opened it
    assert (
        db.session.scalar(select(func.count(ReportOpening.id)).where(ReportOpening.report_id == world.concern_x.id))
        == 3
    )

    bad = client.post(
        f"/safeguarding/{world.concern_x.id}/actions",
        data={"kind": "decision", "taken_on": ["23", "11", "2026"], "details": "No further action"},
    )
    assert bad.status_code == 422 and b"Enter the reasons for the decision" in bad.data
    for kind, details in (("spoke_pupil", "Xavier repeated it"), ("mash", "Referred to MASH, ref 123")):
        done = client.post(
            f"/safeguarding/{world.concern_x.id}/actions",
            data={"kind": kind, "taken_on": ["23", "11", "2026"], "taken_by": "Dee DSL", "details": details},
        )
        assert done.status_code == 303
    assert client.post(f"/safeguarding/{world.concern_x.id}/close", data={"outcome": ""}).status_code == 422
    closed = client.post(f"/safeguarding/{world.concern_x.id}/close", data={"outcome": "Social care leading"})
    assert closed.status_code == 303
    report = db.session.get(Report, world.concern_x.id)
    assert report.status == CLOSED and report.outcome == "Social care leading"
    assert [a.kind for a in report.actions] == ["spoke_pupil", "mash", "closed"]
    # The reporter sees what they reported, not the follow-up.
    receipt = Auth(app.test_client()).as_user(world.users["kw_a"]).get(f"/reports/{world.concern_x.id}")
    assert b"Xavier said his uncle hit him" in receipt.data
    assert b"MASH" not in receipt.data and b"Social care leading" not in receipt.data


def test_nobody_else_reads_concern_details(app, world):
    for role in ("send_lead", "office", "staff", "kw_a", "kw_b", "parent_x", "admin"):
        client = Auth(app.test_client()).as_user(world.users[role])
        for path in (
            "/",
            f"/pupils/{world.pupil_x.id}",
            "/incidents/",
            "/reports/",
            "/safeguarding/",
            f"/safeguarding/{world.concern_x.id}",
        ):
            page = client.get(path)
            assert b"uncle hit him" not in page.data, (role, path)


def test_the_flag_shows_staff_a_flag_and_nothing_more(app, world, auth):
    staff = Auth(app.test_client()).as_user(world.users["staff"])
    assert b"has a safeguarding record" not in staff.get(f"/pupils/{world.pupil_x.id}").data
    client = auth.as_user(world.users["dsl"])
    assert client.post(f"/pupils/{world.pupil_x.id}/safeguarding-flag", data={"on": "1"}).status_code == 303
    page = staff.get(f"/pupils/{world.pupil_x.id}")
    assert b"has a safeguarding record: speak to the DSL" in page.data and b"uncle" not in page.data
    assert client.post(f"/pupils/{world.pupil_x.id}/safeguarding-flag", data={"on": "x"}).status_code == 400
    client.post(f"/pupils/{world.pupil_x.id}/safeguarding-flag", data={"on": "0"})
    assert b"has a safeguarding record" not in staff.get(f"/pupils/{world.pupil_x.id}").data


# --- Chronology ---------------------------------------------------------------------------------------


def test_chronology_is_in_date_order_filterable_and_exports_a_pdf(app, world, auth):
    lead = world.users["headteacher"]
    placement = world.placement_x
    services.add_action(
        world.concern_x,
        kind="monitoring",
        taken_on=date(2026, 11, 21),
        taken_by="DSL",
        details="Weekly check-ins",
        by=lead,
    )
    late = factories.make_report(
        "behaviour",
        world.users["kw_a"],
        world.pupil_x,
        occurred_at=datetime(2026, 11, 22, 9),
        description="Ran off site",
    )
    client = auth.as_user(world.users["dsl"])
    page = client.get(f"/pupils/{world.pupil_x.id}/chronology")
    assert page.status_code == 200
    entries = services.chronology(world.pupil_x.id)
    whens = [e.when for e in entries]
    assert whens == sorted(whens)
    titles = [e.title for e in entries]
    assert titles[0].startswith("Placement started") and entries[0].when.date() == placement.start_date
    assert any(late.reference in t for t in titles)
    text = page.data.decode()
    assert text.index(world.concern_x.reference) < text.index("Weekly check-ins") < text.index(late.reference)
    only = client.get(f"/pupils/{world.pupil_x.id}/chronology?kind=behaviour").data.decode()
    assert late.reference in only and world.concern_x.reference not in only
    pdf = client.get(f"/pupils/{world.pupil_x.id}/chronology.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = _text(pdf.data)
    assert "Chronology: Xavier" in words and world.concern_x.reference in words and "Ran off site" in words
    assert words.index(world.concern_x.reference) < words.index("Ran off site")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "chronology_downloaded")) == 1


# --- Incidents and decisions ---------------------------------------------------------------------------


def test_send_lead_lists_incidents_records_follow_up_and_continues_with_a_review(app, world, auth):
    client = auth.as_user(world.users["send_lead"])
    listing = client.get(f"/incidents/?provider={world.provider_a.id}")
    assert world.incident_x.reference.encode() in listing.data and world.hs_b.reference.encode() not in listing.data
    assert world.concern_x.reference.encode() not in listing.data
    provider_page = client.get(f"/providers/{world.provider_a.id}")
    assert b"1 serious incident" in provider_page.data
    page = client.get(f"/incidents/{world.incident_x.id}")
    assert page.status_code == 200
    assert (
        client.post(
            f"/reports/{world.incident_x.id}/decision", data={"decision": "continue", "reason": "Settled since"}
        ).status_code
        == 422
    )
    done = client.post(
        f"/reports/{world.incident_x.id}/decision",
        data={"decision": "continue", "reason": "Settled since", "review_on": ["4", "12", "2026"]},
    )
    assert done.status_code == 303
    action = db.session.scalar(select(ReportAction).where(ReportAction.report_id == world.incident_x.id))
    assert action.kind == "continued" and action.review_on == date(2026, 12, 4)
    assert db.session.get(type(world.placement_x), world.placement_x.id).status != ENDED


def test_headteacher_withdraws_the_placement_at_once_from_a_concern(app, world, auth, smtp_server):
    client = auth.as_user(world.users["headteacher"])
    assert client.get(f"/reports/{world.concern_x.id}/decision").status_code == 200
    done = client.post(
        f"/reports/{world.concern_x.id}/decision",
        data={"decision": "withdraw", "reason": "Risk to the pupil at the provider"},
    )
    assert done.status_code == 303
    placement = db.session.get(type(world.placement_x), world.placement_x.id)
    assert placement.status == ENDED and placement.ended_on == date(2026, 11, 23)
    ending = db.session.scalar(select(PlacementEnding).where(PlacementEnding.placement_id == placement.id))
    assert ending.kind == "immediate" and ending.reason == "safeguarding"
    assert world.concern_x.reference in ending.details
    # The ending flow tells people: the DSL and headteacher, the key worker and the family.
    for who in ("dsl", "headteacher", "kw_a", "parent_x"):
        assert smtp_server.to(world.users[who].email), who
    family = smtp_server.to(world.users["parent_x"].email)[0].get_content()
    assert "Risk to the pupil" not in family and world.concern_x.reference not in family
    # The key worker sees that it ended (the placements' own flow), and nothing about why.
    home = Auth(app.test_client()).as_user(world.users["kw_a"]).get("/")
    assert b"the placement ended on" in home.data and b"Risk to the pupil" not in home.data
    # A DSL cannot withdraw a placement; the SEND lead cannot reach a concern.
    dsl = Auth(app.test_client()).as_user(world.users["dsl"])
    assert dsl.get(f"/reports/{world.concern_x.id}/decision").status_code == 403


def test_incident_counts_feed_the_visit_agenda(app, world, auth):
    client = auth.as_user(world.users["send_lead"])
    page = client.get(f"/quality/visits/{world.visit_a.id}")
    assert b"For the agenda:" in page.data and b"1 serious incident" in page.data
