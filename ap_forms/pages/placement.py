"""The placement page: the placement, its reviews and ending, and the referral it came from.
Route on the placements blueprint."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.placements import services
from ap_forms.placements.models import DESTINATIONS, TOLD_HOW
from ap_forms.placements.views import bp
from ap_forms.referrals.answers import cost_text
from ap_forms.referrals.models import Referral
from ap_forms.web import audit, clock
from ap_forms.web.rendering import render
from ap_forms.web.roles import DSL, LEADERS


def _referral_of(placement) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.placement_id == placement.id))


@bp.get("/placements/<int:placement_id>")
def placement(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id)
    reviews = services.reviews_of(placement)
    referral = _referral_of(placement)
    audit.record("placement_viewed", "placement", placement.id, commit=True)
    return render(
        "placements/placement.html",
        placement=placement,
        reviews=reviews,
        held=[r for r in reviews if r.held_on],
        next_due=services.next_reviews_due([placement])[placement.id],
        ending=services.ending_of(placement),
        referral=referral,
        cost=cost_text(referral) if referral else "",
        can_manage=current_user.role in LEADERS,
        sees_reason=current_user.role in LEADERS | {DSL},
        today=clock.today(),
        told_how_labels=dict(TOLD_HOW),
        destination_labels=dict(DESTINATIONS),
    )
