"""Who may use which endpoint: the one place every endpoint's access rule is declared.

Deny by default: the gate refuses any endpoint that is not listed here, and a test walks
app.url_map and fails on any endpoint without a rule. Which *records* a role reaches is decided
by the scoped queries in each domain's services (another provider's or family's id gives 404).
"""

from ap_forms.web.roles import ADMIN, ALL_ROLES, HEADTEACHER, KEY_WORKER, PARENT, SCHOOL_STAFF

# Reachable without signing in.
# The two-factor steps check their own half-signed-in state (password passed, code pending).
PUBLIC_ENDPOINTS = frozenset({"accounts.login", "accounts.two_factor", "accounts.two_factor_setup",
                              "health.healthz", "static"})

RULES: dict[str, frozenset[str]] = {
    # Everyone signed in
    "accounts.logout": ALL_ROLES,
    "accounts.extend_session": ALL_ROLES,
    "oversight.home": ALL_ROLES,
    "resubmit.offer": ALL_ROLES,  # scoped: only the person who typed it
    # Pupils: school staff see all; key workers only pupils placed at their provider (scoped)
    "students.pupil_list": SCHOOL_STAFF,
    "students.pupil": SCHOOL_STAFF | {KEY_WORKER},
    # Administration: accounts and school settings
    "accounts.user_list": frozenset({ADMIN}),
    "accounts.user_new": frozenset({ADMIN}),
    "accounts.user_edit": frozenset({ADMIN}),
    "accounts.user_password": frozenset({ADMIN}),
    "accounts.user_two_factor_reset": frozenset({ADMIN}),
    "school.settings": frozenset({ADMIN}),
    # The audit log: the headteacher answers for who saw what
    "audit_trail.events": frozenset({HEADTEACHER}),
}

# Kept for readability of rules above and in later domains.
__all__ = ["PUBLIC_ENDPOINTS", "RULES", "PARENT", "KEY_WORKER"]
