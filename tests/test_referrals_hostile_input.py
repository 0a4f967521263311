"""Random and hostile values in every referral and placement form: never a 500, never a half-saved answer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap_forms.extensions import db
from ap_forms.placements.models import Placement, PlacementEnding, PlacementReview
from ap_forms.referrals.models import Referral
from tests.referral_forms import post_section, valid_section_data

HOSTILE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999",
            "31",
            "1e9",
            "<script>x</script>",
            "' OR 1=1 --",
            '=HYPERLINK("x")',
            "🙂",
            "\u202e",
            "x" * 6000,
            "2026-02-31",
            "25:99",
        ]
    ),
)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _hostile(template: dict, values) -> dict:
    data, pick = {}, iter(values)
    for name, value in template.items():
        data[name] = [next(pick) for _ in value] if isinstance(value, list) else next(pick)
    return data


def _count(template: dict) -> int:
    return sum(len(v) if isinstance(v, list) else 1 for v in template.values())


@SLOW
@given(st.data())
def test_sections_never_fail(world, auth, data):
    client = auth.as_user(world.users["send_lead"])
    referral = db.session.get(Referral, world.referral_x.id)
    for key, template in valid_section_data(world.provider_a.id).items():
        values = data.draw(st.lists(HOSTILE, min_size=_count(template), max_size=_count(template)))
        payload = _hostile(template, values)
        autosave = data.draw(st.booleans())
        response = post_section(client, referral.id, key, payload, autosave=autosave)
        assert response.status_code in (200, 303, 400, 409, 422), (key, response.status_code)


@SLOW
@given(st.lists(HOSTILE, min_size=12, max_size=12))
def test_approval_review_and_end_never_fail(world, auth, values):
    referral = db.session.get(Referral, world.referral_x.id)
    referral.status = "submitted"
    db.session.commit()
    client = auth.as_user(world.users["headteacher"])
    before = db.session.query(Placement).count()
    approve = client.post(
        f"/referrals/{referral.id}/approve",
        data={
            "key_worker_id": values[0],
            "start_date": values[1:4],
            "planned_end_date": values[4:7],
            "first_review_on": values[7:10],
            "agreed_cost": values[10],
            "cost_basis": values[11],
            "share": values[:2],
        },
    )
    assert approve.status_code in (303, 400, 422)
    if approve.status_code != 303:
        assert db.session.query(Placement).count() == before

    placement = world.placement_y
    review = client.post(
        f"/placements/{placement.id}/review",
        data={
            "held_on": values[0:3],
            "next_review_on": values[3:6],
            "suitability": values[6],
            "readiness": values[7],
            "reintegration_timeframe": values[8],
            "decisions": values[9],
            "progress-0-rating": values[10],
            "progress-1-rating": values[11],
        },
    )
    assert review.status_code in (303, 400, 422)
    if review.status_code != 303:
        assert db.session.query(PlacementReview).filter_by(placement_id=placement.id).count() == 0

    end = client.post(
        f"/placements/{placement.id}/end",
        data={"kind": values[0], "reason": values[1], "ended_on": values[2:5], "details": values[5]},
    )
    assert end.status_code in (303, 400, 422)
    if end.status_code != 303:
        assert db.session.query(PlacementEnding).count() == 0
