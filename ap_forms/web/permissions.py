"""Who may use which endpoint: the one place every endpoint's access rule is declared.

Deny by default: the gate refuses any endpoint that is not listed here, and a test walks
app.url_map and fails on any endpoint without a rule. Which *records* a role reaches is decided
by the scoped queries in each domain's services (another provider's or family's id gives 404).
"""

from ap_forms.web.roles import (
    ADMIN,
    ALL_ROLES,
    DSL,
    HEADTEACHER,
    KEY_WORKER,
    LEADERS,
    OFFICE,
    PARENT,
    SCHOOL_STAFF,
    SEND_LEAD,
    TRUST_DSL,
    TRUST_LEAD,
)

# Reachable without signing in.
# The two-factor steps check their own half-signed-in state (password passed, code pending).
# The calendar feed only because the secret token in its address is the credential (a parent's
# phone cannot sign in); a revoked or unknown token answers 404.
# A carer's invitation link likewise: its one-time token is the credential (72 hours, single use).
PUBLIC_ENDPOINTS = frozenset(
    {
        "accounts.login",
        "accounts.two_factor",
        "accounts.two_factor_setup",
        "health.healthz",
        "health.readyz",
        "static",
        "placements.calendar_feed",
        "carers.invitation",
        "accounts.forgot_password",
        "accounts.choose_password",
    }
)

# The people who keep the school's roll (issue 18): add and edit pupils, parents and carers, import,
# invite. The office edits basic and contact details only; which fields is decided in students/roll.py.
ROLL_KEEPERS = frozenset({ADMIN, SEND_LEAD, OFFICE})

# The other groups the rules below are written in (LEADERS and SCHOOL_STAFF are in web/roles.py).
# The leaders of AP with the DSL, who reads most of what they keep.
LEADERS_AND_DSL = LEADERS | {DSL}
# The office with them: who run the attendance board and record register codes.
REGISTER_KEEPERS = LEADERS_AND_DSL | {OFFICE}
# Safeguarding concerns and allegations: the DSL and the headteacher, nobody else.
SAFEGUARDING_LEADS = frozenset({DSL, HEADTEACHER})
# Admin and the office keep the school calendar (every school role reads it).
CALENDAR_KEEPERS = frozenset({ADMIN, OFFICE})

RULES: dict[str, frozenset[str]] = {
    # Everyone signed in
    "accounts.logout": ALL_ROLES,
    "accounts.extend_session": ALL_ROLES,
    "accounts.your_account": ALL_ROLES,
    "accounts.new_recovery_codes": ALL_ROLES,
    "accounts.end_session": ALL_ROLES,
    "oversight.home": ALL_ROLES,
    "school.choose": ALL_ROLES,  # only among the person's own schools (pages/school_choice.py)
    "resubmit.offer": ALL_ROLES,  # scoped: only the person who typed it
    # Pupils: school staff see all; key workers only pupils placed at their provider (scoped)
    "students.pupil_list": SCHOOL_STAFF | {ADMIN},  # admin finds pupils to edit; the pupil page is not theirs
    "students.pupil": SCHOOL_STAFF | {KEY_WORKER},
    # The roll (issue 18): key workers and parents never reach these pages
    "students.pupil_new": ROLL_KEEPERS,
    "students.pupil_edit": ROLL_KEEPERS,
    "students.pupil_leave": ROLL_KEEPERS,
    "carers.family": ROLL_KEEPERS,
    "carers.carer_new": ROLL_KEEPERS,
    "carers.carer_edit": ROLL_KEEPERS,
    "carers.carer_invite": ROLL_KEEPERS,
    "carers.carer_unlink": ROLL_KEEPERS,
    "pupil_import.upload": ROLL_KEEPERS,
    "pupil_import.columns": ROLL_KEEPERS,  # a pending upload is scoped to the person who uploaded it
    "pupil_import.preview": ROLL_KEEPERS,
    "pupil_import.confirm": ROLL_KEEPERS,
    # Administration: accounts and school settings
    "accounts.user_list": frozenset({ADMIN}),
    "accounts.user_new": frozenset({ADMIN}),
    "accounts.user_edit": frozenset({ADMIN}),
    "accounts.user_send_link": frozenset({ADMIN}),
    "accounts.user_end_sessions": frozenset({ADMIN}),
    # A change to a leader's account waits for the headteacher (or, for the headteacher's, another admin).
    "accounts.confirmations_list": frozenset({HEADTEACHER, ADMIN}),
    "accounts.confirmation_decide": frozenset({HEADTEACHER, ADMIN}),
    "accounts.user_two_factor_reset": frozenset({ADMIN}),
    "school.settings": frozenset({ADMIN}),  # the current school's own settings
    # The trust's schools: the system administrator lists them and adds one (issue 17).
    "school.school_list": frozenset({ADMIN}),
    "school.school_new": frozenset({ADMIN}),
    # The audit log: the headteacher answers for who saw what
    "audit_trail.events": frozenset({HEADTEACHER}),
    "audit_trail.export": frozenset({HEADTEACHER}),  # the export is itself audited
    # --- data protection (issue 13) ---
    # A subject access request: the headteacher, or the DSL (only the DSL may include safeguarding records).
    "data_protection.subject_access": frozenset({HEADTEACHER, DSL}),
    # The retention review: the headteacher and SEND lead review attendance, SEN and other AP records; the
    # headteacher and DSL child protection records (scoped by kind in data_protection.retention: 404).
    # Erasing needs a second of them to confirm.
    "data_protection.retention": LEADERS_AND_DSL,
    "data_protection.retention_item": LEADERS_AND_DSL,
    "data_protection.retention_keep": LEADERS_AND_DSL,
    "data_protection.retention_erase": LEADERS_AND_DSL,
    "data_protection.retention_confirm": LEADERS_AND_DSL,
    "data_protection.retention_cancel": LEADERS_AND_DSL,
    # --- school_calendar and attendance (issue 5) ---
    # The calendar: every school role reads it; admin and the office keep it.
    "school_calendar.index": SCHOOL_STAFF | {ADMIN},
    "school_calendar.year": SCHOOL_STAFF | {ADMIN},
    "school_calendar.year_new": CALENDAR_KEEPERS,
    "school_calendar.year_edit": CALENDAR_KEEPERS,
    "school_calendar.closure_new": CALENDAR_KEEPERS,
    "school_calendar.closure_delete": CALENDAR_KEEPERS,
    # Key workers mark their own provider's pupils (scoped); the office (and leads, DSL) run the board.
    "attendance.index": SCHOOL_STAFF | {KEY_WORKER, PARENT},
    "attendance.register": frozenset({KEY_WORKER}),
    "attendance.mark": frozenset({KEY_WORKER}),
    "attendance.mark_all": frozenset({KEY_WORKER}),
    "attendance.board": REGISTER_KEEPERS,
    "attendance.record_suggested": REGISTER_KEEPERS,
    "attendance.session": REGISTER_KEEPERS,
    "attendance.record_code": REGISTER_KEEPERS,
    "attendance.parent_contact": REGISTER_KEEPERS,
    "attendance.export": REGISTER_KEEPERS,
    # Records: school staff; key workers for placements at their provider; parents their own child.
    "attendance.pupil_record": SCHOOL_STAFF | {KEY_WORKER, PARENT},
    "attendance.placement_record": SCHOOL_STAFF | {KEY_WORKER},
    # --- providers (issue 3) ---
    # Headteacher and SEND lead keep the register; the DSL reads it; key workers see only their own
    # provider's checks (providers.own_*) and its documents (scoped in documents.services).
    "providers.provider_list": LEADERS_AND_DSL,
    "providers.provider": LEADERS_AND_DSL,
    "providers.checklist": LEADERS_AND_DSL,
    "providers.checklist_pdf": LEADERS_AND_DSL,
    "providers.provider_new": LEADERS,
    "providers.provider_edit": LEADERS,
    "providers.site_new": LEADERS,
    "providers.site_remove": LEADERS,
    "providers.agreement": LEADERS,
    "providers.documentation": LEADERS,
    "providers.policy": LEADERS,
    "providers.vetting": LEADERS,
    "providers.staff_change": LEADERS,
    "providers.trust_policy": LEADERS,
    "providers.training": LEADERS,
    "providers.evidence": LEADERS,
    "providers.checklist_start": LEADERS,
    "providers.checklist_answer": LEADERS,
    "providers.checklist_sign_off": LEADERS,
    "providers.own_provider": frozenset({KEY_WORKER}),
    "providers.own_evidence": frozenset({KEY_WORKER}),
    "documents.download": LEADERS | {DSL, KEY_WORKER},
    "checklists.index": frozenset({ADMIN, SEND_LEAD, HEADTEACHER}),
    "checklists.version": frozenset({ADMIN, SEND_LEAD, HEADTEACHER}),
    "checklists.publish": frozenset({ADMIN, SEND_LEAD}),
    # Every placement comes from an approved referral (referrals.approve); the commissioning gate stands in
    # front of approving and starting (providers.services.ensure_provider_cleared).
    "placements.placement_start": LEADERS,
    "placements.timetable": LEADERS,
    # --- referrals (issue 4) ---
    # The Referral Form holds the most sensitive record of a pupil (SEND, health, child-protection status):
    # the headteacher and SEND lead write and decide; the DSL reads it. Approval is by the headteacher or a
    # leader other than the one who submitted it (referrals.services.approval_refused).
    "referrals.referral_list": LEADERS_AND_DSL,
    "referrals.referral_new": LEADERS,
    "referrals.referral": LEADERS_AND_DSL,
    "referrals.section": LEADERS,
    "referrals.check": LEADERS,
    "referrals.submit": LEADERS,
    "referrals.approve": LEADERS,
    "referrals.return_referral": LEADERS,
    "referrals.referral_pdf": LEADERS_AND_DSL,
    # A placement's page for school staff; reviews and ending by the leaders of AP
    "placements.placement": SCHOOL_STAFF,
    "placements.review_new": LEADERS,
    "placements.end": LEADERS,
    # A parent's secret calendar link for their own child (scoped to their children)
    "placements.calendar_create": frozenset({PARENT}),
    "placements.calendar_revoke": frozenset({PARENT}),
    # --- quality (issue 7) ---
    # Visits hold pupils' progress and safeguarding findings: the headteacher, SEND lead and DSL read
    # them; the headteacher and SEND lead plan and record them. Key workers see only the actions
    # addressed to their own provider from signed-off visits (scoped in quality.services).
    "quality.index": LEADERS_AND_DSL,
    "quality.visit": LEADERS_AND_DSL,
    "quality.visit_pdf": LEADERS_AND_DSL,
    "quality.visit_new": LEADERS,
    "quality.visit_edit": LEADERS,
    "quality.visit_cancel": LEADERS,
    "quality.visit_start": LEADERS,
    "quality.visit_section": LEADERS,
    "quality.visit_sign_off": LEADERS,
    "quality.visit_send": LEADERS,
    "quality.actions": LEADERS | {DSL, KEY_WORKER},
    "quality.action": LEADERS | {DSL, KEY_WORKER},
    "quality.action_complete": LEADERS,
    "quality.action_respond": frozenset({KEY_WORKER}),
    # --- feedback (issue 6) ---
    # Key workers write for placements at their provider (scoped); school staff read and reply.
    # Parents see none of it.
    "feedback.due_list": SCHOOL_STAFF | {KEY_WORKER},
    "feedback.week": frozenset({KEY_WORKER}),
    "feedback.correct": frozenset({KEY_WORKER}),
    "feedback.termly_report": frozenset({KEY_WORKER}),
    "feedback.contribution": frozenset({KEY_WORKER}),
    "feedback.termly_pdf": SCHOOL_STAFF | {KEY_WORKER},
    "feedback.progress": SCHOOL_STAFF,
    # Acknowledging and replying speaks for the school: the leaders of AP and the DSL; staff and the
    # office read (need to know, issue 10).
    "feedback.reply": LEADERS_AND_DSL,
    "feedback.contributions_pdf": LEADERS,
    # --- incidents (issue 11) ---
    # Anyone who works with a pupil reports (key workers only pupils placed with them, scoped); a
    # reporter reads back only their own reports (scoped in incidents.services).
    "incidents.start": SCHOOL_STAFF | {KEY_WORKER},
    "incidents.mine": SCHOOL_STAFF | {KEY_WORKER},
    "incidents.edit": SCHOOL_STAFF | {KEY_WORKER},
    "incidents.receipt": SCHOOL_STAFF | {KEY_WORKER},
    # Safeguarding concerns and allegations: the DSL and the headteacher, nobody else.
    "incidents.inbox": SAFEGUARDING_LEADS,
    "incidents.concern": SAFEGUARDING_LEADS,
    "incidents.concern_action": SAFEGUARDING_LEADS,
    "incidents.concern_close": SAFEGUARDING_LEADS,
    "incidents.flag": SAFEGUARDING_LEADS,
    "incidents.chronology": SAFEGUARDING_LEADS,
    "incidents.chronology_pdf": SAFEGUARDING_LEADS,
    # Serious incidents and H&S breaches: the SEND lead and the headteacher; withdrawing a placement
    # is theirs as in placements.end (the SEND lead reaches only incidents, scoped).
    "incidents.incident_list": LEADERS,
    "incidents.incident": LEADERS,
    "incidents.incident_action": LEADERS,
    "incidents.incident_close": LEADERS,
    "incidents.decision": LEADERS,
    # --- oversight (issue 12) ---
    # The compliance board: the headteacher and SEND lead; the DSL sees only the safeguarding rows
    # (a row the role does not see answers 404, in oversight.compliance.Duty.readers).
    "oversight.compliance": LEADERS_AND_DSL,
    "oversight.compliance_duty": LEADERS_AND_DSL,
    "oversight.placement_records": LEADERS,
    # Value for money: the leaders of AP, who manage the budget; the headteacher sets it (the policy).
    "oversight.value": LEADERS,
    "oversight.budget": frozenset({HEADTEACHER}),
    # The termly report to governors and the LA (aggregate only): the headteacher reports; the SEND lead too.
    "oversight.reports": LEADERS,
    "oversight.report_pdf": LEADERS,
    # What inspectors ask on the first call, and the census items (pupils' names and reasons): the leaders.
    "oversight.ofsted": LEADERS,
    "oversight.census_check": LEADERS,
    "oversight.census_export": LEADERS,
    # --- the trust (issue 17) ---
    # The trust's roles are members of no school: they reach only these pages and the everyone-signed-in
    # ones above, never a school's own pages (pages/school_choice.py gives these pages every school).
    # The trust safeguarding lead reads concerns, allegations and incidents in every school, and changes
    # none (no POST here: acting on a concern is the school DSL's); every opening is recorded and audited.
    "trust.safeguarding": frozenset({TRUST_DSL}),
    "trust.report": frozenset({TRUST_DSL}),
    # The trust lead: the compliance board, value for money and the governors' figures of each school and
    # in total; aggregate only (no pupil below the school level).
    "trust.overview": frozenset({TRUST_LEAD}),
}

# Kept for readability of rules above and in later domains.
__all__ = ["PUBLIC_ENDPOINTS", "RULES", "PARENT", "KEY_WORKER"]
