import csv
import io
from datetime import datetime

from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.web.audit import AuditEvent
from tests import factories


def test_headteacher_reads_audit_per_pupil_and_per_user(client, auth, world):
    viewer = world.users["office"]
    auth.as_user(viewer)
    client.get(f"/pupils/{world.pupil_x.id}")
    client.get(f"/pupils/{world.pupil_y.id}")
    auth.as_user(world.users["headteacher"])
    per_pupil = client.get(f"/audit/?pupil={world.pupil_x.id}&user={viewer.id}").data.decode()
    assert "1 entry" in per_pupil and "pupil viewed" in per_pupil and viewer.name in per_pupil
    # Rows filed against the pupil's placement (feedback, reports, reviews), referral or reports are about them too.
    lead = type(auth)(client.application.test_client()).as_user(world.users["send_lead"])
    lead.get(f"/placements/{world.placement_x.id}")
    lead.get(f"/placements/{world.placement_y.id}")
    lead.get(f"/referrals/{world.referral_x.id}")
    lead.get(f"/incidents/{world.incident_x.id}")
    lead.get(f"/quality/visits/{world.visit_a.id}")  # pupil X's progress was recorded on it
    everyone = client.get(f"/audit/?pupil={world.pupil_x.id}").data.decode()
    assert f"placement {world.placement_x.id}" in everyone and f"referral {world.referral_x.id}" in everyone
    assert f"incident_report {world.incident_x.id}" in everyone and f"quality_visit {world.visit_a.id}" in everyone
    assert f"quality_visit {world.visit_a.id}" not in client.get(f"/audit/?pupil={world.pupil_y.id}").data.decode()
    assert f"placement {world.placement_y.id}" not in everyone
    per_user = client.get(f"/audit/?user={viewer.id}").data.decode()
    assert "2 entries" in per_user


def test_hostile_filter_values_are_a_clear_error(client, auth, world):
    auth.as_user(world.users["headteacher"])
    for query, message in [
        ("user=abc", "Choose a person from the list"),
        ("pupil=-5", "Choose a pupil from the list"),
        (f"pupil={2**40}", "Choose a pupil from the list"),
        ("action=%3Cscript%3E", "Choose an action from the list"),
        ("start=31&start=2&start=2026", "The first day must be a real date"),
        ("start=1&start=1&start=9999", "The first day must be a real date"),
        ("start=2&start=1&start=2026&end=1&end=1&end=2026", "same as or after the first day"),
    ]:
        for path in ("/audit/", "/audit/export.csv"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 422, (path, query)
            assert message in response.get_data(as_text=True), (path, query)
    assert client.get("/audit/?page=x").status_code == 200


def test_filter_by_action_and_dates(app, client, auth, world):
    head = world.users["headteacher"]
    db.session.add_all(
        [
            AuditEvent(
                at=datetime(2026, 11, 1, 9, 0),
                user_id=head.id,
                action="pupil_viewed",
                record_type="student",
                record_id=str(world.pupil_x.id),
            ),
            # 23:30 UTC on 2 November is still 2 November in London (GMT)...
            AuditEvent(
                at=datetime(2026, 11, 2, 23, 30),
                user_id=head.id,
                action="pupil_viewed",
                record_type="student",
                record_id=str(world.pupil_x.id),
            ),
            # ... and 23:30 UTC on 1 July is 00:30 on 2 July (BST)
            AuditEvent(
                at=datetime(2026, 7, 1, 23, 30),
                user_id=head.id,
                action="pupil_viewed",
                record_type="student",
                record_id=str(world.pupil_x.id),
            ),
        ]
    )
    db.session.commit()
    auth.as_user(head)
    base = f"/audit/?action=pupil_viewed&pupil={world.pupil_x.id}"
    page = client.get(base + "&start=2&start=11&start=2026&end=2&end=11&end=2026").get_data(as_text=True)
    assert "1 entry" in page
    page = client.get(base + "&start=2&start=7&start=2026&end=2&end=7&end=2026").get_data(as_text=True)
    assert "1 entry" in page
    page = client.get(base + "&start=1&start=7&start=2026&end=1&end=7&end=2026").get_data(as_text=True)
    assert "No entries match" in page


def test_export_csv_is_filtered_safe_and_audited(app, client, auth, world):
    head = world.users["headteacher"]
    db.session.add(
        AuditEvent(
            user_id=head.id,
            action="pupil_viewed",
            record_type="student",
            record_id=str(world.pupil_x.id),
            detail='=HYPERLINK("http://x")',
        )
    )
    db.session.add(
        AuditEvent(user_id=head.id, action="pupil_viewed", record_type="student", record_id=str(world.pupil_y.id))
    )
    db.session.commit()
    auth.as_user(head)
    response = client.get(f"/audit/export.csv?pupil={world.pupil_x.id}&action=pupil_viewed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Entry", "When (UTC)", "When (school time)"]
    assert len(rows) == 2 and rows[1][8] == str(world.pupil_x.id)
    assert rows[1][10].startswith("'=HYPERLINK")  # never a live formula in a spreadsheet
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log_exported")).all()
    assert len(exported) == 1 and exported[0].user_id == head.id
    assert exported[0].record_id == str(world.pupil_x.id) and "1 rows" in exported[0].detail
    # The pupil's view shows the export about them.
    assert "audit log exported" in client.get(f"/audit/?pupil={world.pupil_x.id}").get_data(as_text=True)


def test_audit_pages(client, auth):
    head = factories.make_user("headteacher")
    auth.as_user(head)
    for _ in range(60):
        client.get("/admin/users")  # refused, and audited
    first = client.get("/audit/?action=access_refused").data.decode()
    assert "60 entries" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in client.get("/audit/?action=access_refused&page=2").data.decode()
