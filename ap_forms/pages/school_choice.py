"""Which school each request sees (issue 17), and the page where a person who works in several
schools changes school. The access gate decides who may use a page; this hook, run right after it,
decides whose records the page may hold (web/tenancy.py applies it to every query).

- School staff and administrators work in the schools they are members of (SchoolMembership).
- A key worker works with the schools whose pupils are placed at their provider; a parent with the
  schools of their children. Neither is a member of a school.
- The trust's roles (the trust safeguarding lead, the trust lead) are members of no school and choose
  none: their own pages (the `trust` blueprint, oversight/trust.py) see every school (`tenancy.ALL`),
  and every other page they may use (their account, signing out) sees no school at all. The access
  rules keep them off the schools' pages.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, session, url_for
from flask_login import current_user, user_logged_in
from sqlalchemy import select

from ap_forms.extensions import db
from ap_forms.placements.models import Placement
from ap_forms.placements.services import scope_placements
from ap_forms.school.forms import ChooseSchoolForm
from ap_forms.school.models import School, SchoolMembership
from ap_forms.school.views import bp
from ap_forms.students.models import ParentLink
from ap_forms.web import audit, tenancy
from ap_forms.web.rendering import render_form
from ap_forms.web.roles import KEY_WORKER, PARENT, TRUST_ROLES

SESSION_KEY = "school_id"
# Pages a member of staff who belongs to no school may still use: their account and signing out.
WITHOUT_A_SCHOOL = frozenset({"school.choose", "accounts.logout", "accounts.your_account", "static"})
# The pages that look across every school of the trust, for the trust's roles only (web/permissions.py).
TRUST_BLUEPRINT = "trust"


def school_ids_of(user) -> list[int]:
    """The schools whose records this person works with, lowest id first."""
    with tenancy.all_schools():
        if user.role == KEY_WORKER:
            query = scope_placements(select(Placement.school_id), user, finishing=True)
        elif user.role == PARENT:
            query = select(ParentLink.school_id).where(ParentLink.parent_id == user.id)
        else:
            query = select(SchoolMembership.school_id).where(SchoolMembership.user_id == user.id)
        ids = sorted(set(db.session.scalars(query)))
    if not ids and user.role in (KEY_WORKER, PARENT):
        # Nobody placed or linked yet: they see no pupil, and the first school's name and calendar.
        ids = [db.session.scalar(select(School.id).order_by(School.id).limit(1))]
    return ids


@bp.before_app_request
def work_in_the_chosen_school():
    if not current_user.is_authenticated:
        return None  # public pages: school-owned records match nothing (tenancy's default)
    if current_user.role in TRUST_ROLES:
        g.school_ids = []
        if request.blueprint == TRUST_BLUEPRINT:
            tenancy.set_for_request(tenancy.ALL)
        return None  # any other page: no school (their account, signing out)
    if not _choose_school(current_user) and request.endpoint not in WITHOUT_A_SCHOOL:
        return redirect(url_for("school.choose"))
    return None


@user_logged_in.connect
def work_in_a_school_from_sign_in(_app, user, **_extra):
    """A page rendered by the request that signs someone in (the recovery codes after setting up
    two-factor) already shows their school. The trust's roles work in none (see above)."""
    if user.role not in TRUST_ROLES:
        _choose_school(user)


def _choose_school(user) -> bool:
    """Set this request's school: the one chosen earlier in the session, else the person's first.
    False when they work in no school."""
    ids = g.school_ids = school_ids_of(user)
    if not ids:
        return False
    chosen = session.get(SESSION_KEY)
    tenancy.set_for_request(chosen if chosen in ids else ids[0])
    return True


@bp.app_context_processor
def school_choices():
    return {"works_in_several_schools": len(g.get("school_ids", ())) > 1}


@bp.route("/school", methods=["GET", "POST"])
def choose():
    if current_user.role in TRUST_ROLES:
        return redirect(url_for("oversight.home"))  # they work across the trust: no school to choose
    schools = db.session.scalars(select(School).where(School.id.in_(g.school_ids)).order_by(School.name)).all()
    form = ChooseSchoolForm()
    form.school.choices = [(str(school.id), school.name) for school in schools]
    if request.method == "GET":
        form.school.data = str(tenancy.current_school_id() or "")
    if schools and form.validate_on_submit():
        chosen = int(form.school.data)
        session[SESSION_KEY] = chosen
        audit.record("school_chosen", "school", chosen, commit=True)
        flash(f"You are working in {dict(form.school.choices)[form.school.data]}.", "success")
        return redirect(url_for("oversight.home"))
    return render_form("school/choose.html", form, schools=schools)
