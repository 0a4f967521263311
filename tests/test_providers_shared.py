"""Providers are the trust's (issue 17): one commissioning record for every school, each school's own
Service Level Agreement, and QA visits that count for every school without showing its pupils."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ap_forms.extensions import db
from ap_forms.providers.models import ServiceAgreement
from ap_forms.providers.services import commissioning_status, get_provider_or_404
from ap_forms.quality import services as quality
from ap_forms.web import tenancy
from tests import factories as f

VISIT_DAY = date(2026, 10, 6)


@pytest.fixture
def trust(app, autumn_day):
    """Alder School (the first) cleared a provider, with its own SLA; Birch School uses it too."""
    a = f.first_school()
    a.name = "Alder School"
    b = f.make_school("Birch School")
    for school in (a, b):
        with tenancy.as_school(school.id):
            f.make_school_year()
    provider = f.make_provider(name="Shared Farm")
    lead_a = f.make_user("send_lead", schools=[a], name="Alice Alder")
    lead_b = f.make_user("send_lead", schools=[b], name="Bob Birch")
    with tenancy.as_school(a.id):
        f.clear_provider(provider, on=date(2026, 9, 1), actor=lead_a)
    pupil_a = f.make_student(first_name="Zebedee", last_name="Quill", school_id=a.id)
    pupil_b = f.make_student(first_name="Ben", last_name="Birch", school_id=b.id)
    f.make_placement(pupil_a, provider, start_date=date(2026, 9, 7))
    f.make_placement(pupil_b, provider, start_date=date(2026, 9, 7))
    return a, b, provider, lead_a, lead_b, pupil_a, pupil_b


def _status(provider_id: int, school_id: int):
    db.session.expire_all()
    with tenancy.as_school(school_id):
        return commissioning_status(get_provider_or_404(provider_id))


def _date(prefix: str, day: date) -> dict:
    return {prefix: [str(day.day), str(day.month), str(day.year)]}


def _parts(status) -> dict[str, str]:
    return {part.key: part.state for part in status.parts}


def test_the_commissioning_record_is_the_trusts_and_the_sla_each_schools(trust):
    a, b, provider, lead_a, lead_b, *_ = trust
    status_a = _status(provider.id, a.id)
    assert status_a.is_cleared, status_a.problems
    status_b = _status(provider.id, b.id)
    parts_b = _parts(status_b)
    # Everything A checked counts for B; only B's own agreement is missing.
    assert {k: v for k, v in parts_b.items() if k != "agreement"} == {k: "cleared" for k in parts_b if k != "agreement"}
    assert parts_b["agreement"] == "not_cleared"
    assert status_b.problems == ["No Service Level Agreement recorded"]

    with tenancy.as_school(b.id):
        db.session.add(
            ServiceAgreement(
                provider_id=provider.id,
                terms="One day a week",
                start_date=date(2026, 9, 1),
                end_date=date(2027, 8, 31),
                school_signed_on=date(2026, 9, 1),
                provider_signed_on=date(2026, 9, 2),
                cost_basis="day",
                rate=Decimal("120.00"),
            )
        )
        db.session.commit()
    assert _status(provider.id, b.id).is_cleared
    # Each school still sees its own terms.
    db.session.expire_all()
    with tenancy.as_school(a.id):
        assert get_provider_or_404(provider.id).agreement.cost_basis == "session"
    db.session.expire_all()
    with tenancy.as_school(b.id):
        assert get_provider_or_404(provider.id).agreement.cost_basis == "day"


def test_each_schools_provider_pages_read_their_own_sla(trust, client, auth):
    a, b, provider, lead_a, lead_b, *_ = trust
    auth.as_user(lead_b)
    listing = client.get("/providers/").get_data(as_text=True)
    assert "Shared Farm" in listing and "No Service Level Agreement recorded" in listing
    assert "Providers are shared by the trust" in listing
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "The commissioning checks are kept once for the trust" in page
    assert "Birch School's own agreement with Shared Farm" in page
    assert "No Service Level Agreement recorded" in page
    assert "Risk assessments and documentation not checked" not in page
    saved = client.post(
        f"/providers/{provider.id}/agreement",
        data={
            "terms": "One day a week",
            **_date("start_date", date(2026, 9, 1)),
            **_date("end_date", date(2027, 8, 31)),
            **_date("school_signed_on", date(2026, 9, 1)),
            **_date("provider_signed_on", date(2026, 9, 2)),
            "cost_basis": "day",
            "rate": "120",
        },
    )
    assert saved.status_code == 303
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "No Service Level Agreement recorded" not in page and "£120.00 per day" in page
    auth.logout()
    auth.as_user(lead_a)
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "£85.00 per session" in page and "£120.00 per day" not in page
    assert "Alder School's own agreement with Shared Farm" in page
    with tenancy.all_schools():
        assert db.session.query(ServiceAgreement).count() == 2


@pytest.fixture
def visits(trust):
    """Alder signed off a visit (pupil progress, notes naming its pupil, one action each way); Birch
    has a visit it is still writing up."""
    a, b, provider, lead_a, lead_b, pupil_a, pupil_b = trust
    with tenancy.as_school(a.id):
        visit_a = f.record_visit(provider, lead_a, VISIT_DAY)
        f.complete_visit(
            visit_a,
            lead_a,
            actions=[
                ("Update the fire risk assessment", "provider", date(2026, 12, 1)),
                ("Zebedee Quill's taxi times to change", "school", date(2026, 12, 1)),
            ],
            sign=False,
        )
        quality.save_voice(visit_a, pupil_voice="Zebedee said he loves the goats", strengths="Calm", actor=lead_a)
        quality.sign_off(visit_a, actor=lead_a, today=VISIT_DAY)
    with tenancy.as_school(b.id):
        draft_b = f.record_visit(provider, lead_b, date(2026, 11, 10))
    db.session.commit()
    return visit_a, draft_b


def test_a_signed_off_visit_counts_for_every_school(trust, visits):
    a, b, provider, *_ = trust
    visit_a, draft_b = visits
    with tenancy.as_school(b.id):
        assert [v.id for v in quality.visits_for_provider(provider.id)] == [draft_b.id, visit_a.id]
        pace = quality.provider_pace(provider)
        assert len(pace.done) == 2  # A's signed-off visit and B's own draft
        assert [r.provider.name for r in quality.visit_pace()] == ["Shared Farm"]
    with tenancy.as_school(a.id):
        # B's visit is still being written up: it is B's business until signed off.
        assert [v.id for v in quality.visits_for_provider(provider.id)] == [visit_a.id]
        assert len(quality.provider_pace(provider).done) == 1
    with tenancy.as_school(b.id):
        f.complete_visit(draft_b, trust[4])
    with tenancy.as_school(a.id):
        assert [v.id for v in quality.visits_for_provider(provider.id)] == [draft_b.id, visit_a.id]
        assert len(quality.provider_pace(provider).done) == 2


def test_another_schools_visit_reads_without_its_pupils(trust, visits, client, auth):
    a, b, provider, lead_a, lead_b, pupil_a, pupil_b = trust
    visit_a, draft_b = visits
    auth.as_user(lead_b)
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert f"/quality/visits/{visit_a.id}" in page and "visited by Alder School" in page
    assert "Zebedee" not in page and "Quill" not in page
    board = client.get("/quality/").get_data(as_text=True)
    assert f"/quality/visits/{visit_a.id}" in board and "signed off by Alder School" in board
    assert "Zebedee" not in board and "Quill" not in board

    shown = client.get(f"/quality/visits/{visit_a.id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Quality-assurance visit by Alder School" in text and "Update the fire risk assessment" in text
    assert "Alice Alder" in text  # who went
    assert "Zebedee" not in text and "Quill" not in text and "goats" not in text
    assert "taxi times" not in text  # an action for the school stays with the school
    # Only the visiting school changes or sends its visit; its report (with its pupils) stays there.
    for url in ("plan", "record/observation", "sign-off", "report.pdf"):
        assert client.get(f"/quality/visits/{visit_a.id}/{url}").status_code == 404, url
    assert client.post(f"/quality/visits/{visit_a.id}/send", data={"to": "x@example.com"}).status_code in (400, 404)
    assert client.post(f"/quality/visits/{visit_a.id}/cancel").status_code in (400, 404)
    # Alder's pupil is still not Birch's to see.
    assert client.get(f"/pupils/{pupil_a.id}").status_code == 404

    auth.logout()
    auth.as_user(lead_a)
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert f"/quality/visits/{draft_b.id}" not in page  # B's draft is not shown to A
    assert client.get(f"/quality/visits/{draft_b.id}").status_code == 404
    own = client.get(f"/quality/visits/{visit_a.id}").get_data(as_text=True)
    assert "Zebedee" in own  # A's own visit page keeps its pupils


def test_both_directions_and_key_workers_still_see_only_their_visits_actions(trust, visits, client, auth):
    a, b, provider, lead_a, lead_b, pupil_a, pupil_b = trust
    visit_a, draft_b = visits
    with tenancy.as_school(b.id):
        f.complete_visit(draft_b, lead_b, sign=False)
        quality.save_voice(draft_b, pupil_voice="Ben Birch said hello", strengths="Kind", actor=lead_b)
        quality.sign_off(draft_b, actor=lead_b, today=draft_b.visit_date)
    db.session.commit()
    auth.as_user(lead_a)
    text = client.get(f"/quality/visits/{draft_b.id}").get_data(as_text=True)
    assert "Quality-assurance visit by Birch School" in text and "Ben Birch" not in text
    headteacher_b = f.make_user("headteacher", schools=[b])
    office_b = f.make_user("office", schools=[b])
    auth.logout()
    auth.as_user(headteacher_b)
    assert client.get(f"/quality/visits/{visit_a.id}").status_code == 200
    auth.logout()
    auth.as_user(office_b)
    assert client.get(f"/quality/visits/{visit_a.id}").status_code in (403, 404)


@pytest.mark.html_checker
def test_the_shared_pages_are_valid_html(trust, visits, client, auth, tmp_path):
    """The pages this changes, as a second school sees them (test_html_validity renders one school)."""
    import json
    import subprocess

    from tests.test_html_validity import _vnu_command

    command = _vnu_command()
    a, b, provider, lead_a, lead_b, pupil_a, pupil_b = trust
    visit_a, draft_b = visits
    auth.as_user(lead_b)
    folder = tmp_path / "pages"
    folder.mkdir()
    for number, url in enumerate(
        ["/providers/", f"/providers/{provider.id}", "/quality/", f"/quality/visits/{visit_a.id}"]
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        (folder / f"page-{number}.html").write_bytes(response.data)
    checker = [*command, "--errors-only", "--format", "json", "--stdout", str(folder)]
    result = subprocess.run(checker, capture_output=True, text=True, timeout=600)  # noqa: S603
    messages = [m for m in json.loads(result.stdout or "{}").get("messages", []) if m.get("type") == "error"]
    assert messages == []


def test_the_compliance_boards_visits_duty_counts_another_schools_visit(trust, app):
    from ap_forms.oversight.compliance import MET, NOT_MET, get_duty, load_facts

    a, b, provider, lead_a, lead_b, *_ = trust

    def qa_pace(school_id: int):
        db.session.expire_all()
        with app.test_request_context(), tenancy.as_school(school_id):
            return get_duty("qa_pace").run(load_facts(today=date(2026, 11, 26)))

    assert qa_pace(b.id).state == NOT_MET  # no visit this term, and it ends within four weeks
    with tenancy.as_school(a.id):
        f.complete_visit(f.record_visit(provider, lead_a, VISIT_DAY), lead_a)
    assert qa_pace(a.id).state == MET
    assert qa_pace(b.id).state == MET  # Alder's signed-off visit counts for Birch too
