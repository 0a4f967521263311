from __future__ import annotations

from datetime import date

from flask import Blueprint, url_for
from flask_login import current_user

from ap_forms.placements.models import ACTIVE, PLANNED
from ap_forms.placements.services import (
    active_feeds,
    active_placements,
    next_reviews_due,
    overdue_reviews,
    recently_ended,
)
from ap_forms.referrals.services import awaiting_decision
from ap_forms.students.services import children_of
from ap_forms.web.htmx import redirect
from ap_forms.web.rendering import render
from ap_forms.web.roles import ADMIN, KEY_WORKER, PARENT

bp = Blueprint("oversight", __name__)


@bp.get("/")
def home():
    role = current_user.role
    today = date.today()
    if role == ADMIN:
        return redirect(url_for("accounts.user_list"))
    if role == KEY_WORKER:
        placements = active_placements(current_user, statuses=(ACTIVE, PLANNED))
        return render("oversight/home_key_worker.html", placements=placements,
                      ended=recently_ended(current_user, today))
    if role == PARENT:
        placements = active_placements(current_user, statuses=(ACTIVE, PLANNED))
        return render("oversight/home_parent.html", children=children_of(current_user),
                      placements=placements, ended=recently_ended(current_user, today),
                      reviews_due=next_reviews_due(placements), feeds=active_feeds(current_user), today=today)
    placements = active_placements(current_user)
    return render("oversight/home_school.html", placements=placements,
                  overdue_reviews=overdue_reviews(current_user, today, placements),
                  awaiting=awaiting_decision(current_user))
