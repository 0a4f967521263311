from tests import factories


def test_headteacher_reads_audit_per_pupil_and_per_user(client, auth, world):
    viewer = world.users["office"]
    auth.as_user(viewer)
    client.get(f"/pupils/{world.pupil_x.id}")
    client.get(f"/pupils/{world.pupil_y.id}")
    auth.as_user(world.users["headteacher"])
    per_pupil = client.get(f"/audit/?pupil={world.pupil_x.id}&user={viewer.id}").data.decode()
    assert "1 entry" in per_pupil and "pupil viewed" in per_pupil and viewer.name in per_pupil
    # Rows filed against the pupil's placement (feedback, reports, reviews) or referral are about them too.
    lead = type(auth)(client.application.test_client()).as_user(world.users["send_lead"])
    lead.get(f"/placements/{world.placement_x.id}")
    lead.get(f"/placements/{world.placement_y.id}")
    lead.get(f"/referrals/{world.referral_x.id}")
    everyone = client.get(f"/audit/?pupil={world.pupil_x.id}").data.decode()
    assert f"placement {world.placement_x.id}" in everyone and f"referral {world.referral_x.id}" in everyone
    assert f"placement {world.placement_y.id}" not in everyone
    per_user = client.get(f"/audit/?user={viewer.id}").data.decode()
    assert "2 entries" in per_user
    assert client.get("/audit/?user=abc&pupil=-5&page=x").status_code == 200


def test_audit_pages(client, auth):
    head = factories.make_user("headteacher")
    auth.as_user(head)
    for _ in range(60):
        client.get("/admin/users")  # refused, and audited
    first = client.get("/audit/?action=access_refused").data.decode()
    assert "60 entries" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in client.get("/audit/?action=access_refused&page=2").data.decode()
