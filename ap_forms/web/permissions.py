"""Who may use which endpoint: the one place every endpoint's access rule is declared.

Deny by default: the gate refuses any endpoint that is not listed here, and a test walks
app.url_map and fails on any endpoint without a rule. Which *records* a role reaches is decided
by the scoped queries in each domain's services (another provider's or family's id gives 404).
"""

from ap_forms.web.roles import ADMIN, ALL_ROLES, KEY_WORKER, LEADERS, PARENT, SCHOOL_STAFF

# Reachable without signing in. The calendar feed only because the secret token in its address is
# the credential (a parent's phone cannot sign in); a revoked or unknown token answers 404.
PUBLIC_ENDPOINTS = frozenset({"accounts.login", "health.healthz", "static", "placements.calendar_feed"})

RULES: dict[str, frozenset[str]] = {
    # Everyone signed in
    "accounts.logout": ALL_ROLES,
    "oversight.home": ALL_ROLES,
    # Pupils: school staff see all; key workers only pupils placed at their provider (scoped)
    "students.pupil_list": SCHOOL_STAFF,
    "students.pupil": SCHOOL_STAFF | {KEY_WORKER},
    # Administration: accounts and school settings
    "accounts.user_list": frozenset({ADMIN}),
    "accounts.user_new": frozenset({ADMIN}),
    "accounts.user_edit": frozenset({ADMIN}),
    "accounts.user_password": frozenset({ADMIN}),
    "school.settings": frozenset({ADMIN}),
    # --- referrals (issue 4) ---
    # The Referral Form holds the most sensitive record of a pupil: headteacher and SEND lead only.
    "referrals.referral_list": LEADERS,
    "referrals.referral_new": LEADERS,
    "referrals.referral": LEADERS,
    "referrals.section": LEADERS,
    "referrals.check": LEADERS,
    "referrals.submit": LEADERS,
    "referrals.approve": LEADERS,
    "referrals.return_referral": LEADERS,
    "referrals.referral_pdf": LEADERS,
    # A placement's page for school staff; reviews and ending by the leaders of AP
    "placements.placement": SCHOOL_STAFF,
    "placements.review_new": LEADERS,
    "placements.end": LEADERS,
    # A parent's secret calendar link for their own child (scoped to their children)
    "placements.calendar_create": frozenset({PARENT}),
    "placements.calendar_revoke": frozenset({PARENT}),
}

# Kept for readability of rules above and in later domains.
__all__ = ["PUBLIC_ENDPOINTS", "RULES", "PARENT", "KEY_WORKER"]
