"""The main menu: each item shows only to roles the access rules let through."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from ap_forms.web.permissions import RULES
from ap_forms.web.roles import KEY_WORKER, PARENT, TRUST_ROLES

# (endpoint, label); later domains add their own pages here.
MENU: list[tuple[str, str]] = [
    ("oversight.home", "Home"),
    ("students.pupil_list", "Pupils"),
    ("providers.provider_list", "Providers"),
    ("providers.own_provider", "Checks with the school"),
    ("checklists.index", "Checklists"),
    ("referrals.referral_list", "Referrals"),
    ("accounts.user_list", "Users"),
    ("accounts.confirmations_list", "Confirmations"),
    ("school.settings", "School settings"),
    ("school.school_list", "Schools"),
    ("audit_trail.events", "Audit log"),
    ("data_protection.retention", "Retention review"),
    ("attendance.index", "Attendance"),
    ("school_calendar.index", "School calendar"),
    ("quality.index", "Visits"),
    ("quality.actions", "Visit actions"),
    ("feedback.due_list", "Feedback due"),
    ("incidents.inbox", "Safeguarding"),
    ("incidents.incident_list", "Incidents"),
    ("incidents.start", "Report a concern"),
    ("oversight.compliance", "Oversight"),  # its pages link to value for money, reports, the Ofsted pack, census
    ("trust.overview", "Trust overview"),
    ("trust.safeguarding", "Safeguarding across the trust"),
]

# endpoint -> function(user) -> a count shown as a badge next to the menu item (0: no badge).
BADGES: dict[str, Callable] = {}

HOME_LABELS = {KEY_WORKER: "Today", PARENT: "My child"}


def can(endpoint: str) -> bool:
    """Whether the signed-in person's role may use an endpoint (for showing links and buttons)."""
    return current_user.is_authenticated and current_user.role in RULES.get(endpoint, ())


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label in MENU:
        if endpoint not in current_app.view_functions or current_user.role not in RULES.get(endpoint, ()):
            continue
        if endpoint == "oversight.home":
            if current_user.role == "admin" or current_user.role in TRUST_ROLES:
                continue  # admin's home is the user list; a trust role's its own page, in the menu
            label = HOME_LABELS.get(current_user.role, label)
        item = {"href": url_for(endpoint), "text": label, "current": request.endpoint == endpoint}
        count = BADGES[endpoint](current_user) if endpoint in BADGES else 0
        if count:
            item.pop("text")
            item["html"] = Markup(
                '{} <span class="app-badge">{}<span class="govuk-visually-hidden"> waiting</span></span>'
            ).format(escape(label), count)
        items.append(item)
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["navigation_items"] = navigation_items
    app.jinja_env.globals["can"] = can
