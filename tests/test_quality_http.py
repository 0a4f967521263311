"""Quality-assurance visits through HTTP, as the SEND lead, the DSL and a key worker use them."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import func, select

from ap_forms.extensions import db
from ap_forms.quality import services
from ap_forms.quality.models import DRAFT, PLANNED, SIGNED_OFF, QualityVisit, VisitAction
from ap_forms.web.audit import AuditEvent
from tests import factories as f

AUTOSAVE = {"HX-Request": "true", "X-Autosave": "1"}


def _date(name: str, day: date) -> dict:
    return {name: [str(day.day), str(day.month), str(day.year)]}


def _visit(visit_id: int) -> QualityVisit:
    db.session.expire_all()
    return services.get_visit_or_404(visit_id)


def _section(visit, key: str) -> str:
    return f"/quality/visits/{visit.id}/record/{key}"


# --- Planning ------------------------------------------------------------------------------


def test_send_lead_plans_a_visit(client, auth, world):
    lead = world.users["send_lead"]
    auth.as_user(lead)
    page = client.get(f"/quality/visits/new?provider={world.provider_a.id}")
    assert page.status_code == 200 and b"Who is going" in page.data
    day = date.today() + timedelta(days=7)
    response = client.post(
        "/quality/visits/new",
        data={
            "provider": str(world.provider_b.id),
            **_date("visit_date", day),
            "staff": [str(lead.id), str(world.users["staff"].id)],
            "focus": "New pupil settling in",
        },
    )
    assert response.status_code == 303
    visit = db.session.scalar(
        select(QualityVisit).where(QualityVisit.provider_id == world.provider_b.id, QualityVisit.status == PLANNED)
    )
    assert visit.visit_date == day and visit.focus == "New pupil settling in"
    assert sorted(visit.staff_names) == sorted([lead.name, world.users["staff"].name])
    listing = client.get("/quality/").get_data(as_text=True)
    assert f"{day.day} {day:%b %Y}</a> planned:" in listing


def test_planning_errors_keep_what_was_typed(client, auth, world):
    auth.as_user(world.users["send_lead"])
    before = db.session.scalar(select(func.count(QualityVisit.id)))
    response = client.post(
        "/quality/visits/new", data={"provider": "", **{"visit_date": ["31", "2", "2027"]}, "focus": "Kept text"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the provider you are visiting" in body
    assert "The date of the visit must be a real date" in body
    assert "Choose who is going on the visit" in body
    assert "Kept text" in body
    response = client.post(
        "/quality/visits/new",
        data={
            "provider": str(world.provider_a.id),
            "staff": [str(world.users["kw_a"].id)],
            **_date("visit_date", date.today()),
        },
    )
    assert response.status_code == 422 and "Choose who is going" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(QualityVisit.id))) == before


def test_cancel_a_planned_visit(client, auth, world):
    auth.as_user(world.users["send_lead"])
    assert client.post(f"/quality/visits/{world.planned_visit_a.id}/cancel").status_code == 303
    assert _visit(world.planned_visit_a.id).status == "cancelled"
    # A visit being recorded cannot be cancelled.
    client.post(f"/quality/visits/{world.visit_a.id}/cancel")
    assert _visit(world.visit_a.id).status == DRAFT


# --- Recording on the day ------------------------------------------------------------------


def test_record_a_visit_section_by_section_with_autosave_and_plain_saves(client, auth, world):
    lead = world.users["send_lead"]
    auth.as_user(lead)
    visit = f.plan_visit(world.provider_a, lead, date.today())
    assert client.post(f"/quality/visits/{visit.id}/start").headers["Location"].endswith(_section(visit, "checklist-1"))
    visit = _visit(visit.id)
    assert [e.student_id for e in visit.progress_entries] == [world.pupil_x.id]

    page = client.get(_section(visit, "checklist-1")).get_data(as_text=True)
    assert "An attendance register is kept for every session" in page and 'data-hx-post="' in page
    assert "part 1 of 10" in page
    items = visit.version.sections[0][1]

    # An autosave answers with just the status line.
    saved = client.post(
        _section(visit, "checklist-1"),
        headers=AUTOSAVE,
        data={f"answer_{items[0].id}": "met", f"comment_{items[0].id}": "Register seen for 3 weeks"},
    )
    assert saved.status_code == 200 and "Draft saved at" in saved.get_data(as_text=True)
    assert "<html" not in saved.get_data(as_text=True)
    assert _visit(visit.id).answer_for(items[0].id).comment == "Register seen for 3 weeks"

    # A bad value is not saved, and says so.
    refused = client.post(_section(visit, "checklist-1"), headers=AUTOSAVE, data={f"answer_{items[1].id}": "maybe"})
    assert refused.status_code == 422
    assert "Not saved: Choose met, partly met, not met or not seen" in refused.get_data(as_text=True)
    assert _visit(visit.id).answer_for(items[1].id) is None

    # A plain POST (no JavaScript) saves and moves on to the next part.
    plain = client.post(
        _section(visit, "checklist-1"),
        data={f"answer_{i.id}": "partly" for i in items} | {f"comment_{items[0].id}": "Register seen"},
    )
    assert plain.status_code == 303 and plain.headers["Location"].endswith(_section(visit, "checklist-2"))
    # "Save draft" stays on the page.
    stay = client.post(
        _section(visit, "observation"),
        data={"observed_activity": "Feeding the goats", "observation_notes": "Calm", "stay": "1"},
    )
    assert stay.headers["Location"].endswith(_section(visit, "observation"))
    visit = _visit(visit.id)
    assert visit.observed_activity == "Feeding the goats"
    overview = client.get(f"/quality/visits/{visit.id}").get_data(as_text=True)
    assert "Paperwork and registers" in overview and "4 of 4 answered" in overview

    entry = visit.progress_entries[0]
    progress = client.get(_section(visit, "progress")).get_data(as_text=True)
    assert "Xavier" in progress and "Attend 90% of sessions" in progress
    client.post(
        _section(visit, "progress"), data={f"rating_{entry.id}": "met", f"comment_{entry.id}": "Led the feeding round"}
    )
    assert _visit(visit.id).progress_entries[0].comment == "Led the feeding round"

    due = date.today() + timedelta(days=30)
    response = client.post(
        _section(visit, "actions"),
        data={
            "actions-0-what": "Send the updated fire risk assessment",
            "actions-0-owner": "provider",
            **_date("actions-0-due_on", due),
            "actions-1-what": "",
            "actions-1-owner": "",
        },
    )
    assert response.status_code == 303
    assert [(a.what, a.due_on) for a in _visit(visit.id).actions] == [("Send the updated fire risk assessment", due)]
    bad = client.post(
        _section(visit, "actions"),
        data={"actions-0-what": "No date", "actions-0-owner": "school", "actions-0-due_on": ["31", "2", "2027"]},
    )
    assert bad.status_code == 422 and "The date it is due by must be a real date" in bad.get_data(as_text=True)
    assert "No date" in bad.get_data(as_text=True)
    assert len(_visit(visit.id).actions) == 1


def test_section_pages_answer_404_for_unknown_parts_and_redirect_when_not_recording(client, auth, world):
    auth.as_user(world.users["send_lead"])
    assert client.get(_section(world.visit_a, "checklist-99")).status_code == 404
    assert client.get(_section(world.visit_a, "nonsense")).status_code == 404
    assert client.get(_section(world.planned_visit_a, "checklist-1")).status_code == 303


def test_a_future_visit_cannot_be_started(client, auth, world):
    auth.as_user(world.users["send_lead"])
    client.post(f"/quality/visits/{world.planned_visit_a.id}/start")
    assert _visit(world.planned_visit_a.id).status == PLANNED
    page = client.get(f"/quality/visits/{world.planned_visit_a.id}").get_data(as_text=True)
    assert "Record it on the day" in page and "You can start recording on the day" in page


# --- Sign-off: read-only -------------------------------------------------------------------


def test_sign_off_shows_what_is_missing_then_the_visit_is_read_only(client, auth, world):
    lead = world.users["send_lead"]
    auth.as_user(lead)
    visit = world.visit_a
    check = client.get(f"/quality/visits/{visit.id}/sign-off").get_data(as_text=True)
    assert "Say which activity you observed" in check and "Choose an overall judgement" in check
    refused = client.post(f"/quality/visits/{visit.id}/sign-off", data={"confirm": "y"})
    assert refused.status_code == 422 and "The visit is not complete" in refused.get_data(as_text=True)
    fragment = client.get(f"/quality/visits/{visit.id}/sign-off", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "Choose an overall judgement" in fragment.get_data(as_text=True)

    f.complete_visit(_visit(visit.id), lead, sign=False)
    assert client.post(f"/quality/visits/{visit.id}/sign-off", data={}).status_code == 422
    assert client.post(f"/quality/visits/{visit.id}/sign-off", data={"confirm": "y"}).status_code == 303
    visit = _visit(visit.id)
    assert visit.status == SIGNED_OFF and visit.signed_off_by_id == lead.id

    page = client.get(f"/quality/visits/{visit.id}").get_data(as_text=True)
    assert "signed off and can no longer be changed" in page
    assert "/record/" not in page and "<textarea" not in page.split('id="send"')[0]
    # Every way of changing it is refused and nothing changes.
    first_item = visit.version.items[0]
    assert client.get(_section(visit, "checklist-1")).status_code == 303
    client.post(_section(visit, "checklist-1"), data={f"answer_{first_item.id}": "not_met"})
    client.post(_section(visit, "judgement"), data={"judgement": "inadequate"})
    client.post(f"/quality/visits/{visit.id}/plan", data={**_date("visit_date", date.today()), "staff": [str(lead.id)]})
    client.post(f"/quality/visits/{visit.id}/sign-off", data={"confirm": "y"})
    after = _visit(visit.id)
    assert after.answer_for(first_item.id).answer == "met" and after.overall_judgement == "good"
    assert after.visit_date == visit.visit_date


# --- The report ----------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_visit_report_pdf(client, auth, world):
    auth.as_user(world.users["dsl"])
    response = client.get(f"/quality/visits/{world.signed_visit_a.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = " ".join(_pdf_text(response.data).split())
    for expected in (
        "Quality-assurance visit report",
        "Provider A",
        "Overall judgement Good",
        "Paperwork and registers",
        "The register matches the attendance reported to the school",
        "Session observation",
        "Animal care: mucking out and feeding",
        "Xavier",
        "Attend 90% of sessions",
        "Partly met",
        "I like the goats",
        "Patient staff",
        "Update the fire risk assessment",
        "Signed off by",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert "DRAFT" not in text
    if os.environ.get("SCREENSHOT_DIR"):  # to look at it
        Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["SCREENSHOT_DIR"]) / "quality-visit-report.pdf").write_bytes(response.data)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "quality_visit_exported"))

    draft = client.get(f"/quality/visits/{world.visit_a.id}/report.pdf")
    assert "DRAFT, not signed off" in _pdf_text(draft.data)


def test_send_the_report_to_the_provider(client, auth, world, smtp_server):
    auth.as_user(world.users["send_lead"])
    page = client.get(f"/quality/visits/{world.signed_visit_a.id}").get_data(as_text=True)
    assert world.provider_a.contact_email in page
    response = client.post(f"/quality/visits/{world.signed_visit_a.id}/send", data={"to": "manager@farm.example"})
    assert response.status_code == 303
    [message] = smtp_server.to("manager@farm.example")
    assert "Quality-assurance visit report: Provider A" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Update the fire risk assessment" in _pdf_text(attachment.get_content())
    assert _visit(world.signed_visit_a.id).sent_to == "manager@farm.example"
    assert (
        client.post(f"/quality/visits/{world.signed_visit_a.id}/send", data={"to": "not an email"}).status_code == 422
    )


def test_send_fails_plainly_when_the_mail_server_is_down(client, auth, world):
    auth.as_user(world.users["send_lead"])
    response = client.post(
        f"/quality/visits/{world.signed_visit_a.id}/send", data={"to": "a@b.example"}, follow_redirects=True
    )
    assert response.status_code == 200 and "The report could not be sent" in response.get_data(as_text=True)
    assert _visit(world.signed_visit_a.id).sent_at is None


# --- Actions: the school tracks, the key worker responds -----------------------------------


def test_key_worker_sees_and_answers_only_their_providers_actions(client, auth, world):
    auth.as_user(world.users["kw_a"])
    listing = client.get("/quality/actions").get_data(as_text=True)
    assert "Update the fire risk assessment" in listing
    assert "DBS confirmation" not in listing
    home = client.get("/providers/mine").get_data(as_text=True)
    assert "Update the fire risk assessment" in home
    response = client.post(f"/quality/actions/{world.action_a.id}/respond", data={"response": ""})
    assert response.status_code == 422 and "Say what you have done" in response.get_data(as_text=True)
    client.post(f"/quality/actions/{world.action_a.id}/respond", data={"response": "Booked with the fire officer"})
    db.session.expire_all()
    assert db.session.get(VisitAction, world.action_a.id).provider_response == "Booked with the fire officer"
    # The key worker cannot mark it done, nor reach the visit itself.
    assert client.post(f"/quality/actions/{world.action_a.id}/complete").status_code == 403
    assert client.get(f"/quality/visits/{world.signed_visit_a.id}").status_code == 403

    auth.as_user(world.users["send_lead"])
    page = client.get(f"/quality/actions/{world.action_a.id}").get_data(as_text=True)
    assert "Booked with the fire officer" in page
    client.post(f"/quality/actions/{world.action_a.id}/complete", data={"note": "Seen"})
    db.session.expire_all()
    assert db.session.get(VisitAction, world.action_a.id).completed_on == date.today()
    assert "Update the fire risk assessment" not in client.get("/quality/actions").get_data(as_text=True)
    assert "Update the fire risk assessment" in client.get("/quality/actions?show=all").get_data(as_text=True)


def test_overdue_actions_show_on_the_overview_and_the_providers_page(client, auth, world):
    action = db.session.get(VisitAction, world.action_a.id)
    action.due_on = date.today() - timedelta(days=3)
    db.session.commit()
    auth.as_user(world.users["headteacher"])
    overview = client.get("/").get_data(as_text=True)
    assert "Overdue actions from visits" in overview and "Update the fire risk assessment" in overview
    provider_page = client.get(f"/providers/{world.provider_a.id}").get_data(as_text=True)
    assert "1 overdue action from visits" in provider_page
    assert "DBS confirmation" not in provider_page  # provider B's
    # The office sees neither: visits are for the headteacher, SEND lead and DSL.
    auth.as_user(world.users["office"])
    assert "Overdue actions from visits" not in client.get("/").get_data(as_text=True)


def test_behind_pace_providers_are_highlighted(client, auth, world):
    auth.as_user(world.users["send_lead"])
    page = client.get("/quality/").get_data(as_text=True)
    assert "The pace:" in page and "one visit by the end of each term" in page
    # Provider A has visits this term; provider B had one signed off 20 days ago: both on track.
    assert "behind pace" not in page.split('id="pace"')[1].split("<table")[0]
    assert client.get("/quality/?year=2025").status_code == 200
    assert client.get("/quality/?year=abc").status_code == 200


# --- Pupils' progress ----------------------------------------------------------------------


def test_progress_seen_on_visits_on_the_pupil_page(client, auth, world):
    auth.as_user(world.users["staff"])
    page = client.get(f"/pupils/{world.pupil_x.id}").get_data(as_text=True)
    section = page.split('id="visit-progress"')[1]
    assert "Good effort" in section and "Partly met" in section and "Provider A" in section
    assert "See the visit" not in section  # staff cannot open visits
    auth.as_user(world.users["send_lead"])
    assert "See the visit" in client.get(f"/pupils/{world.pupil_x.id}").get_data(as_text=True)
    auth.as_user(world.users["kw_a"])
    assert "Progress seen on visits" not in client.get(f"/pupils/{world.pupil_x.id}").get_data(as_text=True)


def test_visit_pages_are_audited(client, auth, world):
    auth.as_user(world.users["dsl"])
    client.get(f"/quality/visits/{world.signed_visit_a.id}")
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quality_visit_viewed"))
    assert row.record_id == str(world.signed_visit_a.id) and row.role == "dsl"


def test_a_visit_cannot_be_planned_before_this_school_year(app, client, auth, world):
    app.config["FROZEN_NOW"] = "2026-11-23T10:30"
    lead = world.users["send_lead"]
    auth.as_user(lead)
    before = db.session.scalar(select(func.count(QualityVisit.id)))
    for typed in (date(2020, 11, 23), date(2026, 8, 31)):
        response = client.post(
            "/quality/visits/new",
            data={
                "provider": str(world.provider_a.id),
                **_date("visit_date", typed),
                "staff": [str(lead.id)],
                "focus": "Typed focus",
            },
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert "The visit date must be in this school year, on or after 1 September 2026" in body
        assert "Typed focus" in body
    assert db.session.scalar(select(func.count(QualityVisit.id))) == before
    # The first day of the school year (a visit that already happened) is accepted.
    response = client.post(
        "/quality/visits/new",
        data={"provider": str(world.provider_a.id), **_date("visit_date", date(2026, 9, 1)), "staff": [str(lead.id)]},
    )
    assert response.status_code == 303
