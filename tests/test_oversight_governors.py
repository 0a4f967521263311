"""The termly report to governors and the Local Authority (issue 12): aggregate only, no pupil's name,
small groups shown as "fewer than 5", and every version kept."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.oversight.governors import FEWER_THAN_5, group_figure, pupils
from ap_forms.oversight.models import GovernorsReport
from ap_forms.students.models import Student
from tests import factories as f

NAMES = [
    ("Zebedee", "Quartermaine"),
    ("Ottilie", "Fairweather"),
    ("Barnaby", "Oyelaran"),
    ("Marisol", "Kowalczyk"),
    ("Leofric", "Abernethy"),
    ("Saoirse", "Villanueva"),
]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


def test_small_numbers_are_suppressed():
    assert [pupils(n) for n in (0, 1, 4, 5, 12)] == ["none", FEWER_THAN_5, FEWER_THAN_5, "5", "12"]
    assert group_figure(3, 88.5, "%") == "not shown (fewer than 5 pupils)"
    assert group_figure(0, None) == "no pupils"
    assert group_figure(5, 88.5, "%") == "88.5%"


def _school():
    f.make_school_year(2026)
    head, lead = f.make_user("headteacher"), f.make_user("send_lead")
    farm, forge = f.make_provider(name="Hollyhock Farm"), f.make_provider(name="Anvil Forge Workshop")
    kw_farm = f.make_user("key_worker", provider_id=farm.id, name="Keyworker Thistlewood")
    kw_forge = f.make_user("key_worker", provider_id=forge.id, name="Keyworker Brackenbury")
    for provider in (farm, forge):
        f.clear_provider(provider, on=date(2026, 9, 1), actor=lead)
    for n, (first, last) in enumerate(NAMES):
        # Six pupils: two with an EHCP (a group of fewer than 5), one looked after.
        pupil = f.make_student(
            first_name=first, last_name=last, preferred_name=first[:3] + "x", ehcp=n < 2, looked_after=n == 5
        )
        provider, kw = (farm, kw_farm) if n % 2 else (forge, kw_forge)
        placement = f.make_placement(
            pupil, provider, kw, baseline_attendance_percent=40.0 + n, start_date=date(2026, 11, 2)
        )
        f.make_mark(placement, date(2026, 11, 2), by=kw)
    return head


def test_report_has_no_pupil_names_and_suppresses_small_groups(app, auth):
    head = _school()
    app.config["FROZEN_NOW"] = "2026-11-11T10:30"
    client = auth.as_user(head)
    assert client.get("/oversight/reports").status_code == 200
    made = client.post("/oversight/reports")
    assert made.status_code in (302, 303)
    report = db.session.scalars(select(GovernorsReport)).one()
    download = client.get(f"/oversight/reports/{report.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"
    text = text_of(download.data)
    # Every pupil's names, checked against the extracted text (whole words, as names are written).
    for student in db.session.scalars(select(Student)):
        for name in filter(None, (student.first_name, student.last_name, student.preferred_name, student.upn)):
            assert not re.search(rf"\b{re.escape(name)}\b", text), name
    for name in ("Hollyhock Farm", "Anvil Forge Workshop", "Thistlewood", "Brackenbury"):
        assert name not in text
    assert "Pupils in alternative provision 6" in text
    assert "With an EHCP fewer than 5" in text
    assert "Looked after fewer than 5" in text
    assert "Providers used 2" in text
    assert "Attendance before AP (average) 42.5%" in text
    # The compliance summary counts pupils, never records: 12 weeks of feedback missing for 6 pupils.
    assert "Local Authority told of every placement Not met 6 pupils" in text
    assert "Weekly feedback from providers Not met 6 pupils" in text
    assert "Providers cleared before use Met none" in text
    assert "Term Spent Forecast Autumn" in text


def test_every_version_is_kept(app, auth):
    head = _school()
    app.config["FROZEN_NOW"] = "2026-11-11T10:30"
    client = auth.as_user(head)
    client.post("/oversight/reports")
    first = db.session.scalars(select(GovernorsReport)).one()
    first_bytes = client.get(f"/oversight/reports/{first.id}.pdf").data
    app.config["FROZEN_NOW"] = "2026-11-12T10:30"
    client.post("/oversight/reports")
    kept = db.session.scalars(select(GovernorsReport).order_by(GovernorsReport.id)).all()
    assert len(kept) == 2
    assert client.get(f"/oversight/reports/{first.id}.pdf").data == first_bytes
    page = client.get("/oversight/reports").get_data(as_text=True)
    assert len(re.findall(r'href="/oversight/reports/\d+\.pdf"', page)) == 2
    assert client.get("/oversight/reports/999999.pdf").status_code == 404


def test_a_small_school_shows_fewer_than_5(app, auth):
    f.make_school_year(2026)
    head = f.make_user("headteacher")
    provider = f.make_provider(name="Only Provider")
    kw = f.make_user("key_worker", provider_id=provider.id)
    f.clear_provider(provider, on=date(2026, 9, 1))
    f.make_placement(
        f.make_student(first_name="Wilhelmina", last_name="Drinkwater"),
        provider,
        kw,
        baseline_attendance_percent=55.0,
        start_date=date(2026, 11, 2),
    )
    app.config["FROZEN_NOW"] = "2026-11-11T10:30"
    client = auth.as_user(head)
    client.post("/oversight/reports")
    text = text_of(db.session.scalars(select(GovernorsReport)).one().pdf)
    assert "Pupils in alternative provision fewer than 5" in text
    assert "Local Authority told of every placement Not met fewer than 5 pupils" in text
    assert "Attendance before AP (average) not shown (fewer than 5 pupils)" in text
    assert "Cost per attended session not shown (fewer than 5 pupils)" in text
    assert "Wilhelmina" not in text and "Drinkwater" not in text and "55.0%" not in text
