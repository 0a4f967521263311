"""Hostile input on every new form of issue 11 (test_bad_input.py covers them too, among all forms):
never a 500, and a refused form writes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap_forms.extensions import db
from ap_forms.incidents.models import Report
from tests.conftest import Auth
from tests.test_access_matrix import CASES, _ids
from tests.test_bad_input import VALUES, _field_names, _fuzz_form

pytestmark = pytest.mark.parametrize("app", [{"FROZEN_NOW": "2026-11-23T10:30"}], indirect=True)


def test_every_incidents_form_survives_hostile_input(app, world):
    ids = _ids(world)
    for case in [
        c for c in CASES if c.endpoint.startswith("incidents.") and c.method == "POST" and c.allowed - c.out_of_scope
    ]:
        role = sorted(case.allowed - case.out_of_scope)[0]
        client = app.test_client()
        Auth(client).as_user(world.users[role])
        path = case.path.format(**ids)
        _fuzz_form(client, path, _field_names(client, path) or ["description"])


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["concern", "allegation", "behaviour", "health_safety"]),
    data=st.dictionaries(
        st.sampled_from(
            [
                "description",
                "pupil_words",
                "occurred_on",
                "occurred_time",
                "location",
                "body_marks",
                "pupil_safe",
                "subject_role",
                "subject_name",
                "physical_intervention",
                "intervention_type",
                "intervention_minutes",
                "parents_told",
                "riddor",
                "submit",
            ]
        ),
        VALUES,
    ),
    autosave=st.booleans(),
)
def test_report_forms_never_fail_and_never_half_send(app, world, kind, data, autosave):
    client = Auth(app.test_client()).as_user(world.users["kw_a"])
    started = client.post(f"/reports/new?pupil={world.pupil_x.id}", data={"kind": kind})
    assert started.status_code == 303
    report_id = int(started.headers["Location"].split("/")[-2])
    headers = {"HX-Request": "true", "X-Autosave": "1"} if autosave else {}
    response = client.post(f"/reports/{report_id}/edit", data=data, headers=headers)
    assert response.status_code in (200, 303, 422), response.status_code
    report = db.session.get(Report, report_id)
    if report.status != "draft":
        assert "submit" in data and not autosave and report.description and report.occurred_at
