"""The provider register through HTTP, as the SEND lead, the DSL and key workers use it."""

from __future__ import annotations

import html
from contextlib import contextmanager
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from ap_forms.documents.models import Document
from ap_forms.extensions import db
from ap_forms.providers.models import Provider, SafeguardingAnswer, SafeguardingChecklist, ServiceAgreement
from ap_forms.providers.services import commissioning_status
from ap_forms.web.audit import AuditEvent
from tests import factories


@contextmanager
def count_queries():
    counter = {"n": 0}

    def count(*args):  # noqa: ARG001
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _date(prefix: str, day: date) -> dict:
    return {prefix: [str(day.day), str(day.month), str(day.year)]}


def _audit(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _text(response) -> str:
    """The page as a person reads it (HTML entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def lead(world, auth):
    auth.as_user(world.users["send_lead"])
    return auth.client


# --- The register ---------------------------------------------------------------------------


def test_provider_list_shows_computed_status_and_filters(lead, world):
    factories.make_provider(name="Unchecked Stables", la_approved=False)
    page = _text(lead.get("/providers/"))
    assert "Provider A" in page and "Unchecked Stables" in page and "3 providers" in page
    assert "Not Ofsted registered and not on the local authority" in page
    only = _text(lead.get("/providers/?status=not_cleared"))
    assert "Unchecked Stables" in only and "Provider A" not in only and "1 provider" in only
    empty = _text(lead.get("/providers/?status=expiring"))
    assert "No providers are expiring soon" in empty
    assert lead.get("/providers/?status=<script>").status_code == 200
    fragment = lead.get("/providers/?status=cleared", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"Provider A" in fragment.data


def test_provider_list_queries_do_not_grow_with_providers(lead, world):
    lead.get("/providers/")
    with count_queries() as few:
        lead.get("/providers/")
    for n in range(6):
        factories.clear_provider(factories.make_provider(name=f"Extra {n}"))
    with count_queries() as many:
        assert b"Extra 5" in lead.get("/providers/").data
    assert many["n"] == few["n"]


def test_dsl_reads_the_register_but_cannot_change_it(client, auth, world):
    auth.as_user(world.users["dsl"])
    page = _text(client.get(f"/providers/{world.provider_a.id}"))
    assert "Commissioning record" in page and "Add a provider" not in page
    assert f"/providers/{world.provider_a.id}/agreement" not in page
    assert client.get(f"/providers/{world.provider_a.id}/agreement").status_code == 403


def test_adding_a_provider_validates_each_field(lead):
    response = lead.post("/providers/new", data={})
    page = _text(response)
    assert response.status_code == 422
    for legend in (
        "<legend",
        "Registration type",
        "Latest Ofsted judgement",
        "Date of the latest inspection",
        "Is the provider on the local authority's approved provider list?",
    ):
        assert legend in page  # radios and dates keep their question
    for message in (
        "Enter the provider's name",
        "Choose the provider's registration type",
        "Choose yes if the provider is on the approved list",
        "Enter the provider's main address",
        "Enter the contact's email address",
    ):
        assert message in page
    bad = lead.post(
        "/providers/new",
        data={
            "name": "Brook Farm",
            "registration_type": "ofsted_other",
            "ofsted_urn": "12",
            "ofsted_judgement": "good",
            **_date("ofsted_judgement_date", date(2026, 1, 1)) | {"ofsted_judgement_date": ["31", "2", "2026"]},
            "la_approved": "no",
            "address": "Brook Lane",
            "contact_name": "Sam",
            "contact_email": "not-an-email",
            "contact_phone": "01536 000 000",
        },
    )
    page = _text(bad)
    assert bad.status_code == 422
    assert "Enter the Ofsted URN as it appears on the report" in page
    assert "Date of the latest inspection must be a real date" in page
    assert "Enter an email address in the correct format" in page
    assert 'value="Brook Farm"' in page  # nothing typed is lost
    assert db.session.scalar(select(func.count(Provider.id)).where(Provider.name == "Brook Farm")) == 0


def test_adding_and_changing_a_provider(lead, world):
    data = {
        "name": "Brook Farm",
        "registration_type": "ofsted_other",
        "ofsted_urn": "ey123456",
        "ofsted_judgement": "good",
        **_date("ofsted_judgement_date", date(2025, 3, 14)),
        "la_approved": "no",
        "address": "Brook Lane\nKettering",
        "contact_name": "Sam Brook",
        "contact_email": "sam@brook.example",
        "contact_phone": "01536 000 000",
    }
    response = lead.post("/providers/new", data=data)
    assert response.status_code == 303
    provider = db.session.scalar(select(Provider).where(Provider.name == "Brook Farm"))
    assert provider.ofsted_urn == "EY123456" and provider.ofsted_judgement_date == date(2025, 3, 14)
    assert not provider.la_approved and provider.registration_type == "ofsted_other"
    assert _audit("provider_created")[0].record_id == str(provider.id)
    page = _text(lead.get(response.headers["Location"]))
    assert "Brook Farm" in page and "Not cleared" in page and "No Service Level Agreement recorded" in page

    duplicate = lead.post("/providers/new", data={**data, "name": "provider a"})
    assert duplicate.status_code == 422 and b"There is already a provider with this name" in duplicate.data

    changed = lead.post(
        f"/providers/{provider.id}/details",
        data={**data, "ofsted_urn": "", "ofsted_judgement": "", "la_approved": "yes"},
    )
    assert changed.status_code == 303
    db.session.refresh(provider)
    assert provider.ofsted_urn is None and provider.ofsted_judgement == "" and provider.la_approved
    assert "la_approved" in _audit("provider_updated")[0].fields


def test_sites_are_added_and_removed(lead, world):
    pid = world.provider_a.id
    assert lead.post(f"/providers/{pid}/sites/new", data={}).status_code == 422
    assert (
        lead.post(
            f"/providers/{pid}/sites/new", data={"site_name": "Stables", "site_address": "Rowan Lane"}
        ).status_code
        == 303
    )
    assert "Stables" in _text(lead.get(f"/providers/{pid}"))
    assert lead.post(f"/providers/{pid}/sites/{world.site_a.id}/remove").status_code == 303
    assert "Top field" not in _text(lead.get(f"/providers/{pid}"))


# --- The commissioning record, part by part -------------------------------------------------


def test_agreement_form_validates_and_saves_with_evidence(lead, world):
    pid = world.provider_a.id
    base = {
        "terms": "Two sessions a week",
        **_date("start_date", date(2026, 9, 1)),
        **_date("end_date", date(2026, 8, 1)),
        "cost_basis": "session",
        "rate": "abc",
    }
    response = lead.post(f"/providers/{pid}/agreement", data=base)
    page = _text(response)
    assert response.status_code == 422
    assert "The end date must be on or after the start date" in page
    assert "Enter the rate in pounds, like 85 or 85.50" in page

    htmx = lead.post(f"/providers/{pid}/agreement", data=base, headers={"HX-Request": "true"})
    assert htmx.status_code == 422 and b"<html" not in htmx.data and b"govuk-error-summary" in htmx.data

    good = {
        **base,
        **_date("end_date", date(2027, 7, 31)),
        **_date("school_signed_on", date(2026, 8, 20)),
        **_date("provider_signed_on", date(2026, 8, 22)),
        "rate": "£92.5",
        "evidence": (BytesIO(factories.TINY_PDF), "Signed SLA.pdf"),
    }
    assert lead.post(f"/providers/{pid}/agreement", data=good, content_type="multipart/form-data").status_code == 303
    sla = db.session.scalar(select(ServiceAgreement).where(ServiceAgreement.provider_id == pid))
    assert (sla.end_date, str(sla.rate), sla.recorded_by_id) == (
        date(2027, 7, 31),
        "92.50",
        world.users["send_lead"].id,
    )
    document = db.session.scalar(select(Document).where(Document.topic == "agreement"))
    assert document.original_name == "Signed SLA.pdf" and document.content_type == "application/pdf"
    assert "92.50" in _text(lead.get(f"/providers/{pid}/agreement"))  # the form shows what is saved


def test_dates_in_the_future_and_impossible_dates_are_field_errors(lead, world):
    pid = world.provider_a.id
    future = date.today() + timedelta(days=3)
    response = lead.post(f"/providers/{pid}/documentation", data={**_date("checked_on", future), "notes": "x"})
    assert response.status_code == 422 and b"The date checked must be today or in the past" in response.data
    for day in (["30", "2", "2026"], ["1", "13", "2026"], ["1", "1", "99999"], ["", "3", "2026"], ["x", "y", "z"]):
        response = lead.post(f"/providers/{pid}/documentation", data={"checked_on": day, "notes": "x"})
        assert response.status_code == 422, day
        assert b"Date checked must be a real date" in response.data, day
    response = lead.post(f"/providers/{pid}/documentation", data={"notes": "x"})
    assert b"Enter the date the risk assessments and documentation were checked" in response.data


def test_each_part_form_saves(lead, world):
    pid = world.provider_a.id
    today = date.today()
    posts = [
        ("documentation", {**_date("checked_on", today), "notes": "Risk assessments seen"}),
        ("policies/health_safety", {**_date("review_date", today + timedelta(days=200))}),
        (
            "vetting",
            {
                **_date("received_on", today),
                "staff_names": "A Person\nB Person",
                "enhanced_dbs_barred": "y",
                "confirmed_by": "Manager",
            },
        ),
        ("staff-change", {**_date("changed_on", today), "note": "New instructor"}),
        ("trust-policy", {**_date("sent_on", today - timedelta(days=3)), **_date("acknowledged_on", today)}),
        (
            "training",
            {**_date("attended_on", today), "title": "Safeguarding refresher", "includes_safeguarding": "yes"},
        ),
    ]
    for path, data in posts:
        response = lead.post(f"/providers/{pid}/{path}", data=data)
        assert response.status_code == 303, (path, response.data[:2000])
    provider = db.session.get(Provider, pid)
    assert provider.documentation_check.notes == "Risk assessments seen"
    assert provider.policy("health_safety").review_date == today + timedelta(days=200)
    assert provider.latest_vetting.staff == ["A Person", "B Person"]
    assert provider.staff_changed_on == today and provider.staff_change_note == "New instructor"
    assert provider.trust_policy.acknowledged_on == today
    assert provider.latest_safeguarding_training.title == "Safeguarding refresher"
    # The new confirmation does not name the provider's key worker: the status says so.
    assert f"does not name {world.users['kw_a'].name}" in " ".join(commissioning_status(provider).problems)
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {
        "documentation_check_saved",
        "policy_saved",
        "vetting_confirmation_added",
        "provider_staff_changed",
        "trust_policy_saved",
        "training_added",
    } <= actions


def test_trust_policy_cannot_be_acknowledged_before_it_was_sent(lead, world):
    today = date.today()
    response = lead.post(
        f"/providers/{world.provider_a.id}/trust-policy",
        data={**_date("sent_on", today), **_date("acknowledged_on", today - timedelta(days=2))},
    )
    assert response.status_code == 422
    assert b"The date acknowledged must be on or after the date it was sent" in response.data


# --- Evidence uploads and downloads ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00 this is a program", "must be a PDF, PNG or JPEG"),
        ("photo.pdf", factories.TINY_PNG, "must be a PDF, PNG or JPEG"),  # the name and the content disagree
        ("notes.txt", b"%PDF-1.4 but called txt", "must be a PDF, PNG or JPEG"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_evidence_must_be_a_real_pdf_or_image(lead, world, name, data, message):
    response = lead.post(
        f"/providers/{world.provider_a.id}/evidence",
        content_type="multipart/form-data",
        data={"topic": "insurance", "file": (BytesIO(data), name)},
    )
    assert response.status_code == 422 and message.encode() in response.data
    assert db.session.scalar(select(func.count(Document.id))) == 2  # only the world's two


def test_evidence_upload_requires_a_file_and_a_topic(lead, world):
    response = lead.post(f"/providers/{world.provider_a.id}/evidence", data={"topic": "nonsense"})
    assert response.status_code == 422
    assert b"Select the document to upload" in response.data and b"Not a valid choice" in response.data


def test_uploaded_evidence_is_stored_outside_static_and_downloads_are_gated_and_audited(lead, world, app):
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    response = lead.post(
        f"/providers/{world.provider_a.id}/evidence",
        content_type="multipart/form-data",
        data={
            "topic": "insurance",
            "description": "Public liability",
            "file": (BytesIO(jpeg), "../../certificate.JPEG"),
        },
    )
    assert response.status_code == 303
    document = db.session.scalar(select(Document).where(Document.description == "Public liability"))
    assert document.original_name == "certificate.JPEG" and document.content_type == "image/jpeg"
    from ap_forms.documents.models import DocumentBlob

    # In the database by default (DOCUMENT_STORAGE), so every host sees it; never under static/.
    assert db.session.get(DocumentBlob, document.stored_name).data == jpeg
    assert not (Path(app.config["UPLOAD_FOLDER"]) / document.stored_name).exists()
    assert "certificate" not in document.stored_name

    download = lead.get(f"/documents/{document.id}")
    assert download.status_code == 200 and download.data == jpeg
    assert download.mimetype == "image/jpeg"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "no-store"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    event = _audit("document_downloaded")[0]
    assert event.record_id == str(document.id) and event.user_id == world.users["send_lead"].id


def test_a_12_mb_file_is_refused_in_the_form_with_the_topic_and_description_kept(lead, world):
    """Over the 10 MB limit but under the request cap: the form's own check answers (422), at the field."""
    from werkzeug.test import EnvironBuilder

    url = f"/providers/{world.provider_a.id}/evidence"
    builder = EnvironBuilder(
        path=url,
        method="POST",
        content_type="multipart/form-data",
        data={
            "topic": "insurance",
            "description": "Public liability, valid to March 2027",
            "file": (BytesIO(factories.TINY_PDF + b"0" * (12 * 1024 * 1024)), "big.pdf"),
        },
    )
    environ = builder.get_environ()
    try:
        response = lead.open(environ)
    finally:
        builder.close()
        environ["wsgi.input"].close()  # the 12 MB body is spooled to a temporary file
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The selected file must be smaller than 10 MB" in html
    assert 'id="file-error"' in html and 'href="#file"' in html  # at the field, and in the summary
    assert 'value="Public liability, valid to March 2027"' in html
    assert '<option value="insurance" selected' in html
    assert db.session.scalar(select(Document).where(Document.description.like("Public liability, valid%"))) is None


@pytest.mark.parametrize("app", [{"MAX_CONTENT_LENGTH": 2048, "UPLOAD_MAX_BYTES": 1024}], indirect=True)
def test_a_request_over_the_cap_goes_back_to_the_form_with_the_reason(lead, world):
    url = f"/providers/{world.provider_a.id}/evidence"
    big = {"topic": "insurance", "file": (BytesIO(factories.TINY_PDF + b"0" * 4096), "big.pdf")}
    response = lead.post(
        url, content_type="multipart/form-data", data=big, headers={"Referer": f"http://localhost{url}"}
    )
    assert response.status_code == 303 and response.headers["Location"] == url
    page = lead.get(url).get_data(as_text=True)
    assert "The selected file must be smaller than 1 KB" in page and "Upload evidence" in page
    # With no page of ours to go back to, the short error page.
    response = lead.post(
        url,
        content_type="multipart/form-data",
        data={"topic": "insurance", "file": (BytesIO(factories.TINY_PDF + b"0" * 4096), "big.pdf")},
    )
    assert response.status_code == 413 and b"That file is too large" in response.data


# --- Key workers: their own provider, read-only --------------------------------------------


def test_key_worker_sees_what_the_school_still_needs(client, auth, world):
    provider = world.provider_a
    provider.trust_policy.acknowledged_on = None
    db.session.add(
        SafeguardingAnswer(
            checklist_id=world.checklist_a.id,
            answer="no",
            comment="Ask for the certificate",
            item_id=world.checklist_a.version.items[14].id,
        )
    )
    db.session.commit()
    auth.as_user(world.users["kw_a"])
    page = _text(client.get("/providers/mine"))
    assert "Provider A" in page and "Not cleared" in page
    assert "Provider has not acknowledged the Trust Safeguarding and Child Protection Policy" in page
    assert "employer's liability insurance" in page and "Ask for the certificate" in page
    assert "/agreement" not in page and "Change" not in page  # read-only
    assert world.document_a.original_name in page and "Provider B" not in page


def test_key_worker_uploads_evidence_for_their_own_provider_only(client, auth, world):
    auth.as_user(world.users["kw_b"])
    response = client.post(
        "/providers/mine/evidence",
        content_type="multipart/form-data",
        data={
            "topic": "insurance",
            "file": (BytesIO(factories.TINY_PDF), "insurance.pdf"),
            "provider_id": world.provider_a.id,
        },
    )
    assert response.status_code == 303
    document = db.session.scalar(select(Document).order_by(Document.id.desc()))
    assert document.provider_id == world.provider_b.id and document.uploaded_by_id == world.users["kw_b"].id
    assert client.get(f"/documents/{document.id}").status_code == 200
    assert client.get(f"/documents/{world.document_a.id}").status_code == 404
    bad = client.post("/providers/mine/evidence", data={"topic": "insurance"})
    assert bad.status_code == 422 and b"Select the document to upload" in bad.data


def test_key_worker_without_a_provider_gets_404(client, auth):
    auth.as_user(factories.make_user("key_worker"))
    assert client.get("/providers/mine").status_code == 404


# --- The safeguarding checklist -------------------------------------------------------------


def _item_post(client, world, item, data, **kw):
    path = f"/providers/{world.provider_a.id}/safeguarding/{world.checklist_a.id}/items/{item.id}"
    prefixed = {f"item-{item.id}-{key}": value for key, value in data.items()}
    return client.post(path, data=prefixed, **kw)


def test_answering_the_checklist_item_by_item(lead, world):
    items = world.checklist_a.version.items
    page = _text(lead.get(f"/providers/{world.provider_a.id}/safeguarding/{world.checklist_a.id}"))
    assert "0 of 22 items answered" in page and items[0].text in page

    missing = _item_post(lead, world, items[0], {"answer": "no"}, headers={"HX-Request": "true"})
    assert missing.status_code == 422 and b"<html" not in missing.data
    assert b"Say what is missing and what the provider will do about it" in missing.data

    saved = _item_post(
        lead,
        world,
        items[0],
        {"answer": "yes", "comment": "DSL: Jo Bloggs 07700 900000"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and b"Saved." in saved.data
    assert b'data-hx-swap-oob="true"' in saved.data and b"1 of 22 items answered" in saved.data

    plain = _item_post(
        lead,
        world,
        items[1],
        {"answer": "na", "comment": "Not needed", "evidence": (BytesIO(factories.TINY_PDF), "policy.pdf")},
        content_type="multipart/form-data",
    )
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#item-{items[1].id}")
    answers = db.session.scalars(
        select(SafeguardingAnswer).where(SafeguardingAnswer.checklist_id == world.checklist_a.id)
    ).all()
    assert {(a.item_id, a.answer) for a in answers} == {(items[0].id, "yes"), (items[1].id, "na")}
    assert next(a for a in answers if a.item_id == items[1].id).document.original_name == "policy.pdf"

    error_page = _item_post(lead, world, items[2], {"answer": "maybe"})
    assert error_page.status_code == 422 and b"There is a problem" in error_page.data


def test_sign_off_needs_every_item_answered_and_none_answered_no(lead, world):
    checklist = world.checklist_a
    path = f"/providers/{world.provider_a.id}/safeguarding/{checklist.id}/sign-off"
    assert b"Confirm you are satisfied" in lead.post(path, data={}).data
    response = lead.post(path, data={"confirm": "y"})
    assert response.status_code == 422 and b"22 items still to answer" in response.data

    factories.answer_all(checklist)
    answer = checklist.answer_for(checklist.version.items[5].id)
    answer.answer, answer.comment = "no", "Letter not received yet"
    db.session.commit()
    response = lead.post(path, data={"confirm": "y"})
    assert response.status_code == 422 and b"1 item is answered No" in response.data

    answer.answer = "yes"
    db.session.commit()
    assert lead.post(path, data={"confirm": "y"}).status_code == 303
    db.session.refresh(checklist)
    assert checklist.completed_on == date.today() and checklist.completed_by_id == world.users["send_lead"].id
    assert _audit("safeguarding_checklist_signed_off")
    # Signed off: the answers can no longer change.
    late = _item_post(lead, world, checklist.version.items[0], {"answer": "no", "comment": "x"})
    assert late.status_code == 303 and checklist.answer_for(checklist.version.items[0].id).answer == "yes"
    page = _text(lead.get(f"/providers/{world.provider_a.id}"))
    assert "Renew by" in page and "Start this year" not in page
    for signed in world.provider_a.safeguarding_checklists:
        signed.completed_on = date.today() - timedelta(days=340)  # renewal falls due within 30 days
    db.session.commit()
    assert "Start this year's checklist" in _text(lead.get(f"/providers/{world.provider_a.id}"))


def test_starting_a_checklist_uses_the_current_version_and_resumes_a_draft(lead, world):
    provider = world.provider_b
    response = lead.post(f"/providers/{provider.id}/safeguarding")
    assert response.status_code == 303
    checklist = db.session.scalar(
        select(SafeguardingChecklist).where(
            SafeguardingChecklist.provider_id == provider.id, SafeguardingChecklist.completed_on.is_(None)
        )
    )
    assert checklist.version.number == 1 and response.headers["Location"].endswith(f"/{checklist.id}")
    again = lead.post(f"/providers/{provider.id}/safeguarding")
    assert again.headers["Location"] == response.headers["Location"]


def test_checklist_pdf_lists_answers_with_school_name_and_page_numbers(lead, world):
    from pypdf import PdfReader

    checklist = world.checklist_a
    factories.answer_all(checklist)
    answer = checklist.answer_for(checklist.version.items[0].id)
    answer.comment = "DSL is Morgan Lee, 07700 900111"
    db.session.commit()
    response = lead.get(f"/providers/{world.provider_a.id}/safeguarding/{checklist.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="Safeguarding-checklist-Provider-A-draft.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    text = " ".join(" ".join(pages).split())
    assert len(pages) >= 2
    assert all("Your school" in page for page in pages)  # the school's name heads every page
    assert f"Page 1 of {len(pages)}" in text and f"Page {len(pages)} of {len(pages)}" in text
    assert "Provider A" in text and "DRAFT" in text and "Morgan Lee" in text
    assert "Safer recruitment and staff" in text and "Not signed off" in text
    assert _audit("safeguarding_checklist_exported")[0].record_id == str(checklist.id)


def test_signed_off_checklist_pdf_names_who_signed_it(lead, world):
    from pypdf import PdfReader

    signed = world.provider_b.signed_off_checklist
    response = lead.get(f"/providers/{world.provider_b.id}/safeguarding/{signed.id}/pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages).split())
    assert f"Signed off by {world.users['send_lead'].name}" in text and "DRAFT" not in text


def test_ids_that_do_not_belong_together_answer_404(lead, world):
    a, b = world.provider_a.id, world.provider_b.id
    checklist, item = world.checklist_a.id, world.checklist_a.version.items[0].id
    other_item = world.provider_b.signed_off_checklist.version.items[0].id + 10_000
    for method, path in [
        ("GET", "/providers/999999"),
        ("GET", f"/providers/{a}/policies/nonsense"),
        ("GET", f"/providers/{b}/safeguarding/{checklist}"),
        ("GET", f"/providers/{b}/safeguarding/{checklist}/pdf"),
        ("POST", f"/providers/{b}/safeguarding/{checklist}/items/{item}"),
        ("POST", f"/providers/{a}/safeguarding/{checklist}/items/{other_item}"),
        ("POST", f"/providers/{b}/safeguarding/{checklist}/sign-off"),
        ("POST", f"/providers/{b}/sites/{world.site_a.id}/remove"),
        ("GET", "/checklists/nonsense/1"),
        ("GET", "/checklists/safeguarding/99"),
        ("GET", "/checklists/nonsense/publish"),
        ("GET", "/documents/999999"),
        ("POST", "/placements/999999/start"),
        ("GET", "/pupils/999999/placements/new"),
    ]:
        assert lead.open(path, method=method).status_code == 404, path
