"""Every endpoint × every role, on own and other records: 0 unexpected allows.

Each endpoint in app.url_map needs a declared rule (web/permissions.py) AND a case here with the
roles this test expects to get in. The expectations are written out independently of the rules
module, so a wrong rule fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ap_forms.web.permissions import PUBLIC_ENDPOINTS, RULES
from tests.conftest import Auth

STAFF = {"headteacher", "send_lead", "dsl", "office", "staff"}
ALL_SIGNED_IN = STAFF | {"admin", "kw_a", "kw_b", "parent_x", "parent_y"}
ROLE_KEYS = ["anonymous", *sorted(ALL_SIGNED_IN), "disabled"]
LEADERS = {"headteacher", "send_lead"}


@dataclass
class Case:
    endpoint: str
    method: str
    path: str  # formatted with the world's ids
    allowed: set[str]
    # Roles the endpoint lets in, but whose scoped query cannot reach this record: 404.
    out_of_scope: set[str] = field(default_factory=set)
    data: dict = field(default_factory=dict)
    signs_out: bool = False  # success is a redirect to the sign-in page


CASES = [
    Case("oversight.home", "GET", "/", ALL_SIGNED_IN),
    Case("accounts.logout", "POST", "/logout", ALL_SIGNED_IN, signs_out=True),
    Case("students.pupil_list", "GET", "/pupils/", STAFF),
    Case("students.pupil", "GET", "/pupils/{pupil_x}", STAFF | {"kw_a", "kw_b"}, out_of_scope={"kw_b"}),
    Case("students.pupil", "GET", "/pupils/{pupil_y}", STAFF | {"kw_a", "kw_b"}, out_of_scope={"kw_a"}),
    Case("accounts.user_list", "GET", "/admin/users", {"admin"}),
    Case("accounts.user_new", "GET", "/admin/users/new", {"admin"}),
    Case("accounts.user_new", "POST", "/admin/users/new", {"admin"}),
    Case("accounts.user_edit", "GET", "/admin/users/{office}", {"admin"}),
    Case("accounts.user_edit", "POST", "/admin/users/{office}", {"admin"}),
    Case("accounts.user_password", "POST", "/admin/users/{office}/password", {"admin"}),
    Case("school.settings", "GET", "/admin/settings", {"admin"}),
    Case("school.settings", "POST", "/admin/settings", {"admin"}),
    # --- referrals (issue 4) ---
    Case("referrals.referral_list", "GET", "/referrals/", LEADERS),
    Case("referrals.referral_new", "GET", "/referrals/new", LEADERS),
    Case("referrals.referral_new", "POST", "/referrals/new", LEADERS),
    Case("referrals.referral", "GET", "/referrals/{referral_x}", LEADERS),
    Case("referrals.section", "GET", "/referrals/{referral_x}/sections/pupil", LEADERS),
    Case("referrals.section", "POST", "/referrals/{referral_x}/sections/pupil", LEADERS),
    Case("referrals.check", "GET", "/referrals/{referral_x}/check", LEADERS),
    Case("referrals.submit", "POST", "/referrals/{referral_x}/submit", LEADERS,
         data={"not": "a complete submission"}),
    Case("referrals.approve", "GET", "/referrals/{referral_x}/approve", LEADERS),
    Case("referrals.approve", "POST", "/referrals/{referral_x}/approve", LEADERS),
    Case("referrals.return_referral", "GET", "/referrals/{referral_x}/return", LEADERS),
    Case("referrals.return_referral", "POST", "/referrals/{referral_x}/return", LEADERS),
    Case("referrals.referral_pdf", "GET", "/referrals/{referral_x}/pdf", LEADERS),
    Case("placements.placement", "GET", "/placements/{placement_x}", STAFF),
    Case("placements.review_new", "GET", "/placements/{placement_x}/review", LEADERS),
    Case("placements.review_new", "POST", "/placements/{placement_x}/review", LEADERS),
    Case("placements.end", "GET", "/placements/{placement_x}/end", LEADERS),
    Case("placements.end", "POST", "/placements/{placement_x}/end", LEADERS),
    Case("placements.calendar_create", "POST", "/my-child/{pupil_x}/calendar", {"parent_x", "parent_y"},
         out_of_scope={"parent_y"}),
    Case("placements.calendar_create", "POST", "/my-child/{pupil_y}/calendar", {"parent_x", "parent_y"},
         out_of_scope={"parent_x"}),
    Case("placements.calendar_revoke", "POST", "/my-child/{pupil_x}/calendar/stop", {"parent_x", "parent_y"},
         out_of_scope={"parent_y"}),
    Case("placements.calendar_revoke", "POST", "/my-child/{pupil_y}/calendar/stop", {"parent_x", "parent_y"},
         out_of_scope={"parent_x"}),
]


def _ids(world) -> dict:
    ids = {"pupil_x": world.pupil_x.id, "pupil_y": world.pupil_y.id,
           "provider_a": world.provider_a.id, "provider_b": world.provider_b.id,
           "placement_x": world.placement_x.id, "placement_y": world.placement_y.id,
           "referral_x": world.referral_x.id}
    ids.update({key: user.id for key, user in world.users.items()})
    return ids


def test_every_endpoint_has_a_rule_and_a_case(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC_ENDPOINTS
    without_rule = sorted(e for e in endpoints if e not in RULES)
    assert without_rule == [], f"endpoints without an access rule: {without_rule}"
    without_case = sorted(endpoints - {c.endpoint for c in CASES})
    assert without_case == [], f"endpoints without an access-matrix case: {without_case}"
    stale_rules = sorted(set(RULES) - endpoints)
    assert stale_rules == [], f"rules for endpoints that do not exist: {stale_rules}"


def test_cases_agree_with_declared_rules():
    """The matrix's expectations and the rules module must say the same thing."""
    role_of = {"kw_a": "key_worker", "kw_b": "key_worker", "parent_x": "parent", "parent_y": "parent"}
    for case in CASES:
        declared = RULES[case.endpoint]
        expected = {role_of.get(k, k) for k in case.allowed}
        assert expected == set(declared), case.endpoint


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_access_matrix(app, world, role_key):
    ids = _ids(world)
    unexpected = []
    for case in CASES:
        client = app.test_client()
        if role_key != "anonymous":
            Auth(client).as_user(world.users[role_key])
        path = case.path.format(**ids)
        response = client.open(path, method=case.method, data=case.data)
        status = response.status_code
        if role_key in ("anonymous", "disabled"):
            ok = status in (302, 303) and "/login" in response.headers.get("Location", "")
            expected = "redirect to /login"
        elif role_key not in case.allowed:
            ok, expected = status == 403, "403"
        elif role_key in case.out_of_scope:
            ok, expected = status == 404, "404"
        else:
            location = response.headers.get("Location", "")
            ok = status < 500 and status not in (401, 403, 404) and ("/login" in location) == case.signs_out
            expected = "allowed"
        if not ok:
            unexpected.append(f"{case.method} {path}: got {status}, expected {expected}")
    assert unexpected == []


def test_malformed_ids_never_500(app, world, auth):
    auth.as_user(world.users["headteacher"])
    client = auth.client
    for path in ["/pupils/0", "/pupils/999999999", "/pupils/-1", "/pupils/abc", "/pupils/%00",
                 "/pupils/?q=%27%22%3C", "/admin/users/1", "/nope", "/pupils/1e9"]:
        assert client.get(path).status_code < 500, path
