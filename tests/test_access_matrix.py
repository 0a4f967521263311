"""Every endpoint × every role, on own and other records: 0 unexpected allows.

Each endpoint in app.url_map needs a declared rule (web/permissions.py) AND a case here with the
roles this test expects to get in. The expectations are written out independently of the rules
module, so a wrong rule fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter

import pytest

from ap_forms.web.permissions import PUBLIC_ENDPOINTS, RULES
from tests.conftest import Auth

STAFF = {"headteacher", "send_lead", "dsl", "office", "staff"}
TRUST = {"trust_dsl", "trust_lead"}  # issue 17: members of no school; only their own pages and these
ALL_SIGNED_IN = STAFF | {"admin", "kw_a", "kw_b", "parent_x", "parent_y"} | TRUST
ROLE_KEYS = ["anonymous", *sorted(ALL_SIGNED_IN), "disabled"]
ATTENDANCE_OFFICE = {"office", "headteacher", "send_lead", "dsl"}
LEADERS = {"headteacher", "send_lead"}
PROVIDER_READERS = LEADERS | {"dsl"}
LEADERS = {"headteacher", "send_lead"}
ROLL_KEEPERS = {"admin", "send_lead", "office"}
RETENTION = {"headteacher", "send_lead", "dsl"}


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
    Case("resubmit.offer", "GET", "/resubmit/{pending_token}", ALL_SIGNED_IN, out_of_scope=ALL_SIGNED_IN - {"office"}),
    Case("accounts.logout", "POST", "/logout", ALL_SIGNED_IN, signs_out=True),
    Case("accounts.extend_session", "POST", "/session/extend", ALL_SIGNED_IN),
    Case("students.pupil_list", "GET", "/pupils/", STAFF | {"admin"}),
    Case("students.pupil_list", "GET", "/pupils/?q=x&year=9&status=in_ap&page=2", STAFF | {"admin"}),
    Case("students.pupil", "GET", "/pupils/{pupil_x}", STAFF | {"kw_a", "kw_b"}, out_of_scope={"kw_b"}),
    Case("students.pupil", "GET", "/pupils/{pupil_y}", STAFF | {"kw_a", "kw_b"}, out_of_scope={"kw_a"}),
    Case("accounts.user_list", "GET", "/admin/users", {"admin"}),
    Case("accounts.user_new", "GET", "/admin/users/new", {"admin"}),
    Case("accounts.user_new", "POST", "/admin/users/new", {"admin"}),
    Case("accounts.user_edit", "GET", "/admin/users/{office}", {"admin"}),
    Case("accounts.user_edit", "POST", "/admin/users/{office}", {"admin"}),
    Case("accounts.user_send_link", "POST", "/admin/users/{office}/send-link", {"admin"}),
    Case("accounts.confirmations_list", "GET", "/admin/confirmations", {"admin", "headteacher"}),
    # No request with this id is waiting for anyone: 404 for the roles the rule lets in.
    Case(
        "accounts.confirmation_decide",
        "POST",
        "/admin/confirmations/999999",
        {"admin", "headteacher"},
        out_of_scope={"admin", "headteacher"},
        data={"decision": "confirm"},
    ),
    Case("accounts.your_account", "GET", "/account", ALL_SIGNED_IN),
    # Everyone may change school, among their own schools only (tests/test_schools.py).
    Case("school.choose", "GET", "/school", ALL_SIGNED_IN),
    Case("school.choose", "POST", "/school", ALL_SIGNED_IN, data={"school": "1"}),
    Case("accounts.new_recovery_codes", "POST", "/account/recovery-codes", ALL_SIGNED_IN),
    # Nobody's session has this id: each person can end only their own.
    Case("accounts.end_session", "POST", "/account/sessions/999999/end", ALL_SIGNED_IN, out_of_scope=ALL_SIGNED_IN),
    Case("accounts.user_end_sessions", "POST", "/admin/users/{office}/end-sessions", {"admin"}),
    Case("accounts.user_two_factor_reset", "POST", "/admin/users/{office}/two-factor/reset", {"admin"}),
    Case("school.settings", "GET", "/admin/settings", {"admin"}),
    Case("school.settings", "POST", "/admin/settings", {"admin"}),
    Case("school.school_list", "GET", "/admin/schools", {"admin"}),
    Case("school.school_new", "GET", "/admin/schools/new", {"admin"}),
    Case("school.school_new", "POST", "/admin/schools/new", {"admin"}),
    Case("audit_trail.events", "GET", "/audit/?pupil={pupil_x}", {"headteacher"}),
    Case(
        "audit_trail.events",
        "GET",
        "/audit/?user={office}&action=pupil_viewed&start=1&start=9&start=2026",
        {"headteacher"},
    ),
    Case("audit_trail.export", "GET", "/audit/export.csv?pupil={pupil_x}", {"headteacher"}),
    # --- data protection (issue 13) ---
    Case("data_protection.subject_access", "GET", "/pupils/{pupil_x}/subject-access", {"headteacher", "dsl"}),
    Case(
        "data_protection.subject_access",
        "POST",
        "/pupils/{pupil_x}/subject-access",
        {"headteacher", "dsl"},
        data={"redact": []},
    ),
    # Retention: the headteacher and SEND lead review attendance, SEN and AP records; the headteacher and DSL
    # child protection records (another kind answers 404). The old pupil's items are all past their period.
    Case("data_protection.retention", "GET", "/retention/", RETENTION),
    Case("data_protection.retention_item", "GET", "/retention/attendance/{old_pupil}", RETENTION, out_of_scope={"dsl"}),
    Case(
        "data_protection.retention_item",
        "GET",
        "/retention/child_protection/{old_pupil}",
        RETENTION,
        out_of_scope={"send_lead"},
    ),
    Case(
        "data_protection.retention_item", "GET", "/retention/sen/{pupil_x}", RETENTION, out_of_scope=RETENTION
    ),  # not due: a pupil born in 2012
    Case(
        "data_protection.retention_keep",
        "POST",
        "/retention/sen/{old_pupil}/keep",
        RETENTION,
        out_of_scope={"dsl"},
        data={"keep-reason": "Claim expected", "keep-review_on": ["1", "9", "2027"]},
    ),
    Case(
        "data_protection.retention_erase",
        "POST",
        "/retention/child_protection/{old_pupil}/erase",
        RETENTION,
        out_of_scope={"send_lead"},
    ),
    Case(
        "data_protection.retention_cancel",
        "POST",
        "/retention/attendance/{old_pupil}/erase/cancel",
        RETENTION,
        out_of_scope={"dsl"},
    ),
    Case(
        "data_protection.retention_confirm",
        "POST",
        "/retention/ap_records/{old_placement}/erase/confirm",
        RETENTION,
        out_of_scope={"dsl"},
    ),
    # --- school_calendar and attendance (issue 5) ---
    Case("school_calendar.index", "GET", "/calendar/", STAFF | {"admin"}),
    Case("school_calendar.year", "GET", "/calendar/{school_year}", STAFF | {"admin"}),
    Case("school_calendar.year_new", "GET", "/calendar/new", {"admin", "office"}),
    Case("school_calendar.year_new", "POST", "/calendar/new", {"admin", "office"}),
    Case("school_calendar.year_edit", "GET", "/calendar/{school_year}/edit", {"admin", "office"}),
    Case("school_calendar.year_edit", "POST", "/calendar/{school_year}/edit", {"admin", "office"}),
    Case("school_calendar.closure_new", "GET", "/calendar/{school_year}/closures/new", {"admin", "office"}),
    Case("school_calendar.closure_new", "POST", "/calendar/{school_year}/closures/new", {"admin", "office"}),
    Case("attendance.index", "GET", "/attendance/", STAFF | {"kw_a", "kw_b", "parent_x", "parent_y"}),
    Case("attendance.register", "GET", "/attendance/register?day=2026-11-23", {"kw_a", "kw_b"}),
    Case(
        "attendance.mark",
        "POST",
        "/attendance/register/{placement_x}/2026-11-23/AM",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "attendance.mark",
        "POST",
        "/attendance/register/{placement_y}/2026-11-23/AM",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_a"},
    ),
    Case("attendance.mark_all", "POST", "/attendance/register/all-present", {"kw_a", "kw_b"}),
    Case("attendance.board", "GET", "/attendance/board", ATTENDANCE_OFFICE),
    Case("attendance.record_suggested", "POST", "/attendance/board/codes", ATTENDANCE_OFFICE),
    Case("attendance.session", "GET", "/attendance/sessions/{placement_x}/2026-11-23/AM", ATTENDANCE_OFFICE),
    Case("attendance.record_code", "POST", "/attendance/sessions/{placement_x}/2026-11-23/AM/code", ATTENDANCE_OFFICE),
    Case(
        "attendance.parent_contact",
        "POST",
        "/attendance/sessions/{placement_x}/2026-11-23/AM/contacts",
        ATTENDANCE_OFFICE,
    ),
    Case("attendance.export", "GET", "/attendance/export", ATTENDANCE_OFFICE),
    Case(
        "attendance.pupil_record",
        "GET",
        "/attendance/pupils/{pupil_x}",
        STAFF | {"kw_a", "kw_b", "parent_x", "parent_y"},
        out_of_scope={"kw_b", "parent_y"},
    ),
    Case(
        "attendance.pupil_record",
        "GET",
        "/attendance/pupils/{pupil_y}",
        STAFF | {"kw_a", "kw_b", "parent_x", "parent_y"},
        out_of_scope={"kw_a", "parent_x"},
    ),
    Case(
        "attendance.placement_record",
        "GET",
        "/attendance/placements/{placement_x}",
        STAFF | {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "attendance.placement_record",
        "GET",
        "/attendance/placements/{placement_y}",
        STAFF | {"kw_a", "kw_b"},
        out_of_scope={"kw_a"},
    ),
    # Last: it removes the world's half-term.
    Case("school_calendar.closure_delete", "POST", "/calendar/closures/{closure}/delete", {"admin", "office"}),
    # --- providers (issue 3) ---
    Case("providers.provider_list", "GET", "/providers/", PROVIDER_READERS),
    Case("providers.provider_new", "GET", "/providers/new", LEADERS),
    Case("providers.provider_new", "POST", "/providers/new", LEADERS),
    Case("providers.provider", "GET", "/providers/{provider_a}", PROVIDER_READERS),
    Case("providers.provider_edit", "GET", "/providers/{provider_a}/details", LEADERS),
    Case("providers.provider_edit", "POST", "/providers/{provider_a}/details", LEADERS),
    Case("providers.site_new", "GET", "/providers/{provider_a}/sites/new", LEADERS),
    Case("providers.site_new", "POST", "/providers/{provider_a}/sites/new", LEADERS),
    Case("providers.site_remove", "POST", "/providers/{provider_a}/sites/{site_a}/remove", LEADERS),
    Case("providers.agreement", "GET", "/providers/{provider_a}/agreement", LEADERS),
    Case("providers.agreement", "POST", "/providers/{provider_a}/agreement", LEADERS),
    Case("providers.documentation", "GET", "/providers/{provider_a}/documentation", LEADERS),
    Case("providers.documentation", "POST", "/providers/{provider_a}/documentation", LEADERS),
    Case("providers.policy", "GET", "/providers/{provider_a}/policies/e_safety", LEADERS),
    Case("providers.policy", "POST", "/providers/{provider_a}/policies/e_safety", LEADERS),
    Case("providers.vetting", "GET", "/providers/{provider_a}/vetting", LEADERS),
    Case("providers.vetting", "POST", "/providers/{provider_a}/vetting", LEADERS),
    Case("providers.staff_change", "GET", "/providers/{provider_a}/staff-change", LEADERS),
    Case("providers.staff_change", "POST", "/providers/{provider_a}/staff-change", LEADERS),
    Case("providers.trust_policy", "GET", "/providers/{provider_a}/trust-policy", LEADERS),
    Case("providers.trust_policy", "POST", "/providers/{provider_a}/trust-policy", LEADERS),
    Case("providers.training", "GET", "/providers/{provider_a}/training", LEADERS),
    Case("providers.training", "POST", "/providers/{provider_a}/training", LEADERS),
    Case("providers.evidence", "GET", "/providers/{provider_a}/evidence", LEADERS),
    Case("providers.evidence", "POST", "/providers/{provider_a}/evidence", LEADERS),
    Case("providers.checklist_start", "POST", "/providers/{provider_a}/safeguarding", LEADERS),
    Case("providers.checklist", "GET", "/providers/{provider_a}/safeguarding/{checklist_a}", PROVIDER_READERS),
    Case(
        "providers.checklist_answer",
        "POST",
        "/providers/{provider_a}/safeguarding/{checklist_a}/items/{item_a}",
        LEADERS,
    ),
    Case(
        "providers.checklist_sign_off", "POST", "/providers/{provider_a}/safeguarding/{checklist_a}/sign-off", LEADERS
    ),
    Case("providers.checklist_pdf", "GET", "/providers/{provider_a}/safeguarding/{checklist_a}/pdf", PROVIDER_READERS),
    Case("providers.own_provider", "GET", "/providers/mine", {"kw_a", "kw_b"}),
    Case("providers.own_evidence", "POST", "/providers/mine/evidence", {"kw_a", "kw_b"}),
    Case(
        "documents.download",
        "GET",
        "/documents/{document_a}",
        PROVIDER_READERS | {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "documents.download",
        "GET",
        "/documents/{document_b}",
        PROVIDER_READERS | {"kw_a", "kw_b"},
        out_of_scope={"kw_a"},
    ),
    Case("checklists.index", "GET", "/checklists/", {"admin", "send_lead", "headteacher"}),
    Case("checklists.version", "GET", "/checklists/safeguarding/1", {"admin", "send_lead", "headteacher"}),
    Case("checklists.publish", "GET", "/checklists/safeguarding/publish", {"admin", "send_lead"}),
    Case("checklists.publish", "POST", "/checklists/safeguarding/publish", {"admin", "send_lead"}),
    Case("placements.placement_start", "POST", "/placements/{placement_x}/start", LEADERS),
    Case("placements.timetable", "GET", "/placements/{placement_x}/timetable", LEADERS),
    Case("placements.timetable", "POST", "/placements/{placement_x}/timetable", LEADERS),
    # --- referrals (issue 4) ---
    Case("referrals.referral_list", "GET", "/referrals/", LEADERS | {"dsl"}),
    Case("referrals.referral_new", "GET", "/referrals/new", LEADERS),
    Case("referrals.referral_new", "POST", "/referrals/new", LEADERS),
    Case("referrals.referral", "GET", "/referrals/{referral_x}", LEADERS | {"dsl"}),
    Case("referrals.section", "GET", "/referrals/{referral_x}/sections/pupil", LEADERS),
    Case("referrals.section", "POST", "/referrals/{referral_x}/sections/pupil", LEADERS),
    Case("referrals.check", "GET", "/referrals/{referral_x}/check", LEADERS),
    Case("referrals.submit", "POST", "/referrals/{referral_x}/submit", LEADERS, data={"not": "a complete submission"}),
    Case("referrals.approve", "GET", "/referrals/{referral_x}/approve", LEADERS),
    Case("referrals.approve", "POST", "/referrals/{referral_x}/approve", LEADERS),
    Case("referrals.return_referral", "GET", "/referrals/{referral_x}/return", LEADERS),
    Case("referrals.return_referral", "POST", "/referrals/{referral_x}/return", LEADERS),
    Case("referrals.referral_pdf", "GET", "/referrals/{referral_x}/pdf", LEADERS | {"dsl"}),
    Case("placements.placement", "GET", "/placements/{placement_x}", STAFF),
    Case("placements.review_new", "GET", "/placements/{placement_x}/review", LEADERS),
    Case("placements.review_new", "POST", "/placements/{placement_x}/review", LEADERS),
    Case("placements.end", "GET", "/placements/{placement_x}/end", LEADERS),
    Case("placements.end", "POST", "/placements/{placement_x}/end", LEADERS),
    Case(
        "placements.calendar_create",
        "POST",
        "/my-child/{pupil_x}/calendar",
        {"parent_x", "parent_y"},
        out_of_scope={"parent_y"},
    ),
    Case(
        "placements.calendar_create",
        "POST",
        "/my-child/{pupil_y}/calendar",
        {"parent_x", "parent_y"},
        out_of_scope={"parent_x"},
    ),
    Case(
        "placements.calendar_revoke",
        "POST",
        "/my-child/{pupil_x}/calendar/stop",
        {"parent_x", "parent_y"},
        out_of_scope={"parent_y"},
    ),
    Case(
        "placements.calendar_revoke",
        "POST",
        "/my-child/{pupil_y}/calendar/stop",
        {"parent_x", "parent_y"},
        out_of_scope={"parent_x"},
    ),
    # --- quality (issue 7) ---
    Case("quality.index", "GET", "/quality/", PROVIDER_READERS),
    Case("quality.visit_new", "GET", "/quality/visits/new?provider={provider_a}", LEADERS),
    Case("quality.visit_new", "POST", "/quality/visits/new", LEADERS),
    Case("quality.visit", "GET", "/quality/visits/{visit_a}", PROVIDER_READERS),
    Case("quality.visit", "GET", "/quality/visits/{signed_visit_a}", PROVIDER_READERS),
    Case("quality.visit_pdf", "GET", "/quality/visits/{signed_visit_a}/report.pdf", PROVIDER_READERS),
    Case("quality.visit_edit", "GET", "/quality/visits/{planned_visit_a}/plan", LEADERS),
    Case("quality.visit_edit", "POST", "/quality/visits/{planned_visit_a}/plan", LEADERS),
    Case("quality.visit_section", "GET", "/quality/visits/{visit_a}/record/checklist-1", LEADERS),
    Case("quality.visit_section", "POST", "/quality/visits/{visit_a}/record/checklist-1", LEADERS),
    Case("quality.visit_section", "GET", "/quality/visits/{visit_a}/record/progress", LEADERS),
    Case("quality.visit_section", "POST", "/quality/visits/{visit_a}/record/progress", LEADERS),
    Case("quality.visit_section", "POST", "/quality/visits/{visit_a}/record/observation", LEADERS),
    Case("quality.visit_section", "POST", "/quality/visits/{visit_a}/record/voice", LEADERS),
    Case("quality.visit_section", "POST", "/quality/visits/{visit_a}/record/actions", LEADERS),
    Case("quality.visit_section", "POST", "/quality/visits/{visit_a}/record/judgement", LEADERS),
    Case("quality.visit_sign_off", "GET", "/quality/visits/{visit_a}/sign-off", LEADERS),
    Case("quality.visit_sign_off", "POST", "/quality/visits/{visit_a}/sign-off", LEADERS),
    Case(
        "quality.visit_send",
        "POST",
        "/quality/visits/{signed_visit_a}/send",
        LEADERS,
        data={"to": "provider@example.org"},
    ),
    Case("quality.actions", "GET", "/quality/actions", PROVIDER_READERS | {"kw_a", "kw_b"}),
    Case(
        "quality.action",
        "GET",
        "/quality/actions/{action_a}",
        PROVIDER_READERS | {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "quality.action",
        "GET",
        "/quality/actions/{action_b}",
        PROVIDER_READERS | {"kw_a", "kw_b"},
        out_of_scope={"kw_a"},
    ),
    Case(
        "quality.action_respond",
        "POST",
        "/quality/actions/{action_a}/respond",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
        data={"response": "Booked for next week"},
    ),
    Case(
        "quality.action_respond", "POST", "/quality/actions/{action_b}/respond", {"kw_a", "kw_b"}, out_of_scope={"kw_a"}
    ),
    Case("quality.action_complete", "POST", "/quality/actions/{action_a}/complete", LEADERS),
    # Last: these change the visits' state.
    Case("quality.visit_start", "POST", "/quality/visits/{visit_a}/start", LEADERS),
    Case("quality.visit_cancel", "POST", "/quality/visits/{planned_visit_a}/cancel", LEADERS),
    # --- feedback (issue 6) ---
    Case("feedback.due_list", "GET", "/feedback", STAFF | {"kw_a", "kw_b"}),
    Case(
        "feedback.week", "GET", "/placements/{placement_x}/feedback/2026-11-23", {"kw_a", "kw_b"}, out_of_scope={"kw_b"}
    ),
    Case(
        "feedback.week",
        "POST",
        "/placements/{placement_x}/feedback/2026-11-23",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
        data={"engagement": "3", "behaviour": "Settled"},
    ),
    Case(
        "feedback.week", "GET", "/placements/{placement_x}/feedback/2026-11-02", {"kw_a", "kw_b"}, out_of_scope={"kw_b"}
    ),
    Case(
        "feedback.correct",
        "POST",
        "/placements/{placement_x}/feedback/2026-11-02/correct",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
        data={"reason": "Wrong score"},
    ),
    Case("feedback.progress", "GET", "/pupils/{pupil_x}/progress", STAFF),
    Case("feedback.reply", "POST", "/feedback/{feedback_x}/reply", LEADERS | {"dsl"}, data={"comment": "Thank you"}),
    Case(
        "feedback.termly_report",
        "GET",
        "/placements/{placement_x}/terms/{autumn}/report",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "feedback.termly_report",
        "POST",
        "/placements/{placement_x}/terms/{autumn}/report",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
        data={"strengths": "Kind"},
    ),
    Case(
        "feedback.termly_pdf",
        "GET",
        "/placements/{placement_x}/terms/{autumn}/report.pdf",
        STAFF | {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "feedback.contribution",
        "GET",
        "/placements/{placement_x}/annual-review",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
    ),
    Case(
        "feedback.contribution",
        "POST",
        "/placements/{placement_x}/annual-review",
        {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
        data={"progress_views": "Good progress", "recommendations": "Continue"},
    ),
    Case("feedback.contributions_pdf", "GET", "/pupils/{pupil_x}/annual-review.pdf", LEADERS),
    # --- the roll, parents and carers, imports (issue 18): key workers and parents never get in ---
    Case("students.pupil_new", "GET", "/pupils/new", ROLL_KEEPERS),
    Case("students.pupil_new", "POST", "/pupils/new", ROLL_KEEPERS),
    Case("students.pupil_edit", "GET", "/pupils/{pupil_x}/edit", ROLL_KEEPERS),
    Case("students.pupil_edit", "POST", "/pupils/{pupil_x}/edit", ROLL_KEEPERS),
    Case("students.pupil_leave", "GET", "/pupils/{pupil_x}/leave", ROLL_KEEPERS),
    Case("students.pupil_leave", "POST", "/pupils/{pupil_x}/leave", ROLL_KEEPERS),
    Case("carers.family", "GET", "/pupils/{pupil_x}/family", ROLL_KEEPERS),
    Case("carers.carer_new", "GET", "/pupils/{pupil_x}/carers/new", ROLL_KEEPERS),
    Case("carers.carer_new", "POST", "/pupils/{pupil_x}/carers/new", ROLL_KEEPERS),
    Case("carers.carer_edit", "GET", "/pupils/{pupil_x}/carers/{carer_x}", ROLL_KEEPERS),
    Case("carers.carer_edit", "POST", "/pupils/{pupil_x}/carers/{carer_x}", ROLL_KEEPERS),
    # Another pupil's carer through this pupil's address: 404 for everyone
    Case("carers.carer_edit", "GET", "/pupils/{pupil_x}/carers/{carer_y}", ROLL_KEEPERS, out_of_scope=ROLL_KEEPERS),
    Case("carers.carer_invite", "POST", "/pupils/{pupil_x}/carers/{carer_x}/invite", ROLL_KEEPERS),
    Case(
        "carers.carer_invite",
        "POST",
        "/pupils/{pupil_y}/carers/{carer_x}/invite",
        ROLL_KEEPERS,
        out_of_scope=ROLL_KEEPERS,
    ),
    Case("carers.carer_unlink", "POST", "/pupils/{pupil_x}/carers/{carer_x}/unlink", ROLL_KEEPERS),
    Case("pupil_import.upload", "GET", "/pupils/import", ROLL_KEEPERS),
    Case("pupil_import.upload", "POST", "/pupils/import", ROLL_KEEPERS),
    # A pending upload belongs to the office user who uploaded it: anyone else gets 404
    Case(
        "pupil_import.columns",
        "GET",
        "/pupils/import/{import_token}/columns",
        ROLL_KEEPERS,
        out_of_scope={"admin", "send_lead"},
    ),
    Case(
        "pupil_import.columns",
        "POST",
        "/pupils/import/{import_token}/columns",
        ROLL_KEEPERS,
        out_of_scope={"admin", "send_lead"},
    ),
    Case(
        "pupil_import.preview",
        "GET",
        "/pupils/import/{import_token}",
        ROLL_KEEPERS,
        out_of_scope={"admin", "send_lead"},
    ),
    Case(
        "pupil_import.confirm",
        "POST",
        "/pupils/import/{import_token}/confirm",
        ROLL_KEEPERS,
        out_of_scope={"admin", "send_lead"},
    ),
    # --- incidents (issue 11) ---
    # Reporting: school staff and key workers (a key worker only about pupils placed with them).
    Case("incidents.start", "GET", "/reports/new", STAFF | {"kw_a", "kw_b"}),
    Case("incidents.start", "GET", "/reports/new?pupil={pupil_x}", STAFF | {"kw_a", "kw_b"}, out_of_scope={"kw_b"}),
    Case("incidents.start", "GET", "/reports/new?pupil={pupil_y}", STAFF | {"kw_a", "kw_b"}, out_of_scope={"kw_a"}),
    Case(
        "incidents.start",
        "POST",
        "/reports/new?pupil={pupil_x}",
        STAFF | {"kw_a", "kw_b"},
        out_of_scope={"kw_b"},
        data={"kind": "concern"},
    ),
    Case("incidents.mine", "GET", "/reports/", STAFF | {"kw_a", "kw_b"}),
    # A draft is its reporter's alone; a sent report is read back only by its reporter.
    Case("incidents.edit", "GET", "/reports/{draft_x}/edit", STAFF | {"kw_a", "kw_b"}, out_of_scope=STAFF | {"kw_b"}),
    Case(
        "incidents.edit",
        "POST",
        "/reports/{draft_x}/edit",
        STAFF | {"kw_a", "kw_b"},
        out_of_scope=STAFF | {"kw_b"},
        data={"description": "He said"},
    ),
    Case("incidents.receipt", "GET", "/reports/{concern_x}", STAFF | {"kw_a", "kw_b"}, out_of_scope=STAFF | {"kw_b"}),
    Case("incidents.receipt", "GET", "/reports/{concern_y}", STAFF | {"kw_a", "kw_b"}, out_of_scope=STAFF | {"kw_a"}),
    # An allegation about an adult at provider A: never readable by provider A (nor anyone but its reporter).
    Case(
        "incidents.receipt",
        "GET",
        "/reports/{allegation_a}",
        STAFF | {"kw_a", "kw_b"},
        out_of_scope=STAFF - {"staff"} | {"kw_a", "kw_b"},
    ),
    # The DSL's inbox: the DSL and the headteacher only; an incident is not a concern (404).
    Case("incidents.inbox", "GET", "/safeguarding/", {"dsl", "headteacher"}),
    Case("incidents.concern", "GET", "/safeguarding/{concern_x}", {"dsl", "headteacher"}),
    Case("incidents.concern", "GET", "/safeguarding/{allegation_a}", {"dsl", "headteacher"}),
    Case(
        "incidents.concern",
        "GET",
        "/safeguarding/{incident_x}",
        {"dsl", "headteacher"},
        out_of_scope={"dsl", "headteacher"},
    ),
    Case(
        "incidents.concern",
        "GET",
        "/safeguarding/{draft_x}",
        {"dsl", "headteacher"},
        out_of_scope={"dsl", "headteacher"},
    ),
    Case(
        "incidents.concern_action",
        "POST",
        "/safeguarding/{concern_x}/actions",
        {"dsl", "headteacher"},
        data={"kind": "monitoring", "taken_on": ["20", "11", "2026"], "taken_by": "DSL", "details": "Watching"},
    ),
    Case(
        "incidents.concern_action",
        "POST",
        "/safeguarding/{incident_x}/actions",
        {"dsl", "headteacher"},
        out_of_scope={"dsl", "headteacher"},
    ),
    Case("incidents.flag", "POST", "/pupils/{pupil_x}/safeguarding-flag", {"dsl", "headteacher"}, data={"on": "1"}),
    Case("incidents.chronology", "GET", "/pupils/{pupil_x}/chronology", {"dsl", "headteacher"}),
    Case("incidents.chronology_pdf", "GET", "/pupils/{pupil_x}/chronology.pdf", {"dsl", "headteacher"}),
    # Incidents: the SEND lead and the headteacher; a concern is not an incident (404).
    Case("incidents.incident_list", "GET", "/incidents/", LEADERS),
    Case("incidents.incident", "GET", "/incidents/{incident_x}", LEADERS),
    Case("incidents.incident", "GET", "/incidents/{hs_b}", LEADERS),
    Case("incidents.incident", "GET", "/incidents/{concern_x}", LEADERS, out_of_scope=LEADERS),
    Case("incidents.incident", "GET", "/incidents/{allegation_a}", LEADERS, out_of_scope=LEADERS),
    Case(
        "incidents.incident_action",
        "POST",
        "/incidents/{incident_x}/actions",
        LEADERS,
        data={"kind": "spoke_provider", "taken_on": ["20", "11", "2026"], "taken_by": "Lead", "details": "Called"},
    ),
    Case("incidents.incident_action", "POST", "/incidents/{concern_x}/actions", LEADERS, out_of_scope=LEADERS),
    Case("incidents.decision", "GET", "/reports/{incident_x}/decision", LEADERS),
    Case("incidents.decision", "GET", "/reports/{concern_x}/decision", LEADERS, out_of_scope={"send_lead"}),
    Case("incidents.decision", "POST", "/reports/{incident_x}/decision", LEADERS, data={"decision": "continue"}),
    # --- oversight (issue 12) ---
    # The compliance board: the leaders of AP; the DSL only the safeguarding rows (any other row: 404).
    Case("oversight.compliance", "GET", "/oversight/compliance", LEADERS | {"dsl"}),
    Case("oversight.compliance_duty", "GET", "/oversight/compliance/la_told", LEADERS | {"dsl"}, out_of_scope={"dsl"}),
    Case("oversight.compliance_duty", "GET", "/oversight/compliance/attendance_reported", LEADERS | {"dsl"}),
    Case(
        "oversight.compliance_duty",
        "GET",
        "/oversight/compliance/concerns_opened",
        LEADERS | {"dsl"},
        out_of_scope={"send_lead"},
    ),
    Case("oversight.placement_records", "GET", "/placements/{placement_x}/records", LEADERS),
    Case(
        "oversight.placement_records",
        "POST",
        "/placements/{placement_x}/records",
        LEADERS,
        data={"la_told_on": ["20", "11", "2026"], "la_told_how": "email"},
    ),
    Case("oversight.value", "GET", "/oversight/value", LEADERS),
    Case("oversight.budget", "GET", "/oversight/value/budget", {"headteacher"}),
    Case("oversight.budget", "POST", "/oversight/value/budget", {"headteacher"}, data={"amount": "45000"}),
    Case("oversight.reports", "GET", "/oversight/reports", LEADERS),
    Case("oversight.report_pdf", "GET", "/oversight/reports/{governors_report}.pdf", LEADERS),
    Case("oversight.reports", "POST", "/oversight/reports", LEADERS),
    Case("oversight.ofsted", "GET", "/oversight/ofsted", LEADERS),
    Case("oversight.census_check", "GET", "/oversight/census", LEADERS),
    Case("oversight.census_check", "GET", "/oversight/census?day=2026-10-01", LEADERS),
    Case("oversight.census_export", "GET", "/oversight/census.csv?day=2026-10-01", LEADERS),
    # --- the trust (issue 17) ---
    # The trust safeguarding lead reads concerns and incidents in every school (read-only: no POST at all).
    Case("trust.safeguarding", "GET", "/trust/safeguarding/", {"trust_dsl"}),
    Case("trust.safeguarding", "GET", "/trust/safeguarding/?kinds=incidents&status=closed&school=1", {"trust_dsl"}),
    Case("trust.report", "GET", "/trust/safeguarding/{concern_x}", {"trust_dsl"}),
    Case("trust.report", "GET", "/trust/safeguarding/{incident_x}", {"trust_dsl"}),
    Case("trust.report", "GET", "/trust/safeguarding/{draft_x}", {"trust_dsl"}, out_of_scope={"trust_dsl"}),
    # The trust lead: each school's figures and the trust's, aggregate only.
    Case("trust.overview", "GET", "/trust/", {"trust_lead"}),
    # Last: these close the reports.
    Case(
        "incidents.concern_close",
        "POST",
        "/safeguarding/{concern_x}/close",
        {"dsl", "headteacher"},
        data={"outcome": "No further action"},
    ),
    Case(
        "incidents.incident_close",
        "POST",
        "/incidents/{incident_x}/close",
        LEADERS,
        data={"outcome": "Risk assessment updated"},
    ),
]


def _ids(world) -> dict:
    ids = {
        "pupil_x": world.pupil_x.id,
        "pupil_y": world.pupil_y.id,
        "provider_a": world.provider_a.id,
        "provider_b": world.provider_b.id,
        "placement_x": world.placement_x.id,
        "placement_y": world.placement_y.id,
        "referral_x": world.referral_x.id,
    }
    if "trust_dsl" not in world.users:  # issue 17: the trust's roles, members of no school
        from tests import factories

        for role in sorted(TRUST):
            world.users[role] = factories.make_user(role)
    ids.update({key: user.id for key, user in world.users.items()})
    ids["pending_token"] = world.pending_token
    ids.update(feedback_x=world.feedback_x.id, autumn=world.school_year.term("Autumn").id)
    ids.update(school_year=world.school_year.id, closure=world.school_year.closures[0].id)
    ids.update(
        checklist_a=world.checklist_a.id,
        item_a=world.checklist_a.version.items[0].id,
        site_a=world.site_a.id,
        document_a=world.document_a.id,
        document_b=world.document_b.id,
    )
    ids.update(
        visit_a=world.visit_a.id,
        planned_visit_a=world.planned_visit_a.id,
        signed_visit_a=world.signed_visit_a.id,
        action_a=world.action_a.id,
        action_b=world.action_b.id,
    )
    if not getattr(world, "carer_x", None):  # issue 18: made once per world
        from tests import factories

        world.carer_x = factories.make_carer(world.pupil_x)
        world.carer_y = factories.make_carer(world.pupil_y)
        world.pending_import = factories.make_pending_import(world.users["office"])
    ids.update(carer_x=world.carer_x.id, carer_y=world.carer_y.id, import_token=world.pending_import.token)
    if not getattr(world, "old_pupil", None):  # issue 13: records past their retention period
        from tests import factories

        world.old_pupil, world.old_placement = factories.make_old_pupil(world)
    ids.update(old_pupil=world.old_pupil.id, old_placement=world.old_placement.id)
    if not getattr(world, "governors_report", None):  # issue 12: one kept report
        from datetime import date

        from ap_forms.extensions import db
        from ap_forms.oversight.models import GovernorsReport
        from tests import factories

        world.governors_report = GovernorsReport(
            title="Autumn term 2026",
            period_start=date(2026, 9, 2),
            period_end=date(2026, 12, 18),
            pdf=factories.TINY_PDF,
        )
        db.session.add(world.governors_report)
        db.session.commit()
    ids["governors_report"] = world.governors_report.id
    ids.update(
        concern_x=world.concern_x.id,
        concern_y=world.concern_y.id,
        draft_x=world.draft_x.id,
        allegation_a=world.allegation_a.id,
        incident_x=world.incident_x.id,
        hs_b=world.hs_b.id,
    )
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
def test_access_matrix(autumn_day, app, world, role_key):
    ids = _ids(world)
    unexpected = []
    for case in CASES:
        client = app.test_client()
        if role_key != "anonymous":
            Auth(client).as_user(world.users[role_key])
        path = case.path.format(**ids)
        response = client.open(path, method=case.method, data=case.data)
        if wrong := _check(case, _expected(case, role_key), response):
            unexpected.append(f"{case.method} {path}: {wrong}")
    assert unexpected == []


# What a request should get: a redirect to sign in, 403, 404, allowed, or (a list or filter page given another
# school's id) 404 or a page without that school's record.
LOGIN, REFUSED, NOT_FOUND, ALLOWED, NOT_LISTED = "redirect to /login", "403", "404", "allowed", "404 or not listed"


def _expected(case: Case, role_key: str) -> str:
    """The answer for a role on its own school's records."""
    if role_key in ("anonymous", "disabled"):
        return LOGIN
    if role_key not in case.allowed:
        return REFUSED
    return NOT_FOUND if role_key in case.out_of_scope else ALLOWED


def _check(case: Case, expected: str, response, *, hidden: str = "") -> str:
    """'' when the response is what was expected; else what went wrong. `hidden`: text (another school's
    pupils' surname) that no page allowed to this request may hold."""
    status, location = response.status_code, response.headers.get("Location", "")
    allowed = status < 500 and status not in (401, 403, 404) and ("/login" in location) == case.signs_out
    if expected == LOGIN:
        ok = status in (302, 303) and "/login" in location
    elif expected == REFUSED:
        ok = status == 403
    elif expected == NOT_FOUND:
        ok = status == 404
    elif expected == NOT_LISTED:
        ok = status == 404 or allowed
    else:
        ok = allowed
    if not ok:
        return f"got {status}, expected {expected}"
    if hidden and status == 200 and hidden.encode() in response.get_data():
        return f"got {status} showing {hidden!r}, another school's pupils"
    return ""


def test_malformed_ids_never_500(app, world, auth):
    auth.as_user(world.users["headteacher"])
    client = auth.client
    for path in [
        "/pupils/0",
        "/pupils/999999999",
        "/pupils/-1",
        "/pupils/abc",
        "/pupils/%00",
        "/pupils/?q=%27%22%3C",
        "/admin/users/1",
        "/nope",
        "/pupils/1e9",
    ]:
        assert client.get(path).status_code < 500, path


# --- Need to know (issue 10): which roles see which parts of a pupil's record --------------------------
# The same table is in the README's access notes.
NEED_TO_KNOW = {
    # role: (SEND needs and diagnoses, medical needs and medication, referrals with child-protection status)
    "headteacher": (True, True, True),
    "send_lead": (True, True, True),
    "dsl": (True, True, True),
    "staff": (True, True, False),
    "office": (False, True, False),
}


@pytest.mark.parametrize("role_key", sorted(NEED_TO_KNOW))
def test_need_to_know_on_the_pupil_page(app, world, auth, role_key):
    from ap_forms.extensions import db
    from tests import factories as f

    pupil = world.pupil_x
    pupil.send_needs, pupil.diagnoses, pupil.medical_needs = "Dyslexia-NEED", "ADHD-DIAGNOSIS", "Asthma-MEDICAL"
    referral = f.make_referral(
        pupil,
        world.provider_a,
        world.users["send_lead"],
        status="approved",
        medication="Inhaler-MEDICATION",
        social_care_status="child_protection",
        placement_id=world.placement_x.id,
    )
    db.session.commit()
    sees_send, sees_medical, sees_referrals = NEED_TO_KNOW[role_key]
    client = auth.as_user(world.users[role_key])
    page = client.get(f"/pupils/{pupil.id}").get_data(as_text=True)
    assert ("Dyslexia-NEED" in page) is sees_send and ("ADHD-DIAGNOSIS" in page) is sees_send
    assert ("Asthma-MEDICAL" in page) is sees_medical and ("Inhaler-MEDICATION" in page) is sees_medical
    assert (f"/referrals/{referral.id}" in page) is sees_referrals
    summary = client.get(f"/referrals/{referral.id}")
    assert summary.status_code == (200 if sees_referrals else 403)
    if sees_referrals:
        assert "Child protection plan" in summary.get_data(as_text=True)
    # Replying to a provider's feedback speaks for the school: staff and the office only read it.
    progress = client.get(f"/pupils/{pupil.id}/progress").get_data(as_text=True)
    assert ("/reply" in progress) is (role_key in {"headteacher", "send_lead", "dsl"})


# --- The school dimension (issue 17): every endpoint × role × own and other school -------------------------
# A second world of the same shape in Birch School: its own pupils (surname Birchwood), placements, referral,
# calendar, visits and reports, staff who are members of Birch School only, parents of its pupils, a key
# worker at its own provider B and one at provider A, which both schools use (the trust's provider).
#
# Each of the first school's people asks for each of Birch School's records, through every case whose address
# names one: a role the endpoint refuses keeps its 403; a role it lets in gets 404 (another school's id answers
# as another provider's does), or, where the id is only a list's filter, a page without Birch School's pupils;
# no page anyone of the first school is allowed holds a Birchwood. Then Birch School's own people go through
# every case against their own records and get in exactly as the first school's do: the test can tell.

# Placeholders naming the trust's records (a provider and its commissioning record, kept once for every
# school), with the provider each belongs to. Any other placeholder names a school's record, or a person's.
TRUST_RECORDS = {
    "provider_a": "provider_a",
    "site_a": "provider_a",
    "checklist_a": "provider_a",
    "item_a": "provider_a",
    "document_a": "provider_a",
    "provider_b": "provider_b",
    "document_b": "provider_b",
}
# Endpoints through which a role reaches another school's records on purpose: endpoint -> role keys, which then
# get what they get on their own school's records (the trust safeguarding lead reads every school's reports).
ACROSS_SCHOOLS: dict[str, set[str]] = {"trust.report": {"trust_dsl"}}
# Another school's record some pages may show, read-only and without its pupils: a QA visit signed off at a
# provider both schools use counts for the trust's provider record (issue 17). 404, or a page without them.
SHARED_READS = {("GET", "/quality/visits/{signed_visit_a}")}
BIRCH = "Birchwood"  # Birch School's pupils' surname: on no page the first school's people see


def _placeholders(path: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(path) if name}


def _across_expected(case: Case, role_key: str, person, other) -> str:
    """What the first school's `person` should get asking for the `other` world's record through `case`."""
    expected = _expected(case, role_key)
    if expected in (LOGIN, REFUSED) or role_key in ACROSS_SCHOOLS.get(case.endpoint, ()):
        return expected
    school_records = _placeholders(case.path) - set(TRUST_RECORDS)
    if (case.method, case.path) in SHARED_READS:
        return NOT_LISTED
    if school_records:
        return NOT_LISTED if not school_records & _placeholders(case.path.split("?")[0]) else NOT_FOUND
    # Only the trust's records: as on the first school's own, but a key worker reaches only their provider's.
    if person.role == "key_worker":
        providers = {getattr(other, TRUST_RECORDS[name]).id for name in _placeholders(case.path)}
        if providers != {person.provider_id}:
            return NOT_FOUND
    return expected


@pytest.fixture
def birch(app, world):
    """Birch School and its world; the first school's world is complete first (as the plain matrix has it)."""
    from ap_forms.web import tenancy
    from tests import factories
    from tests.conftest import build_world

    _ids(world)
    school = factories.make_school("Birch School")
    other = build_world(school, shared_provider=world, surname=BIRCH)
    with tenancy.as_school(school.id):
        ids = _ids(other)
    return school, other, ids


def _sign_in(app, user, school=None):
    """A client signed in as `user`, working in `school` when they work in several (as if chosen at /school)."""
    from ap_forms.pages.school_choice import SESSION_KEY, school_ids_of

    client = app.test_client()
    Auth(client).as_user(user)
    if school is not None and len(school_ids_of(user)) > 1:
        with client.session_transaction() as session:
            session[SESSION_KEY] = school.id
    return client


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_access_matrix_across_schools(autumn_day, app, world, birch, role_key):
    school, other, ids = birch
    unexpected = []
    # The first school's people on Birch School's records: nothing of Birch School's gets through.
    person = world.users.get(role_key)
    for case in CASES:
        names = _placeholders(case.path)
        if not names or (case.method == "POST" and names <= set(TRUST_RECORDS)):
            continue  # changing the trust's own record is for every school's leaders: the plain matrix has it
        path = case.path.format(**ids)
        client = _sign_in(app, person) if person else app.test_client()
        response = client.open(path, method=case.method, data=case.data)
        hidden = "" if role_key in ACROSS_SCHOOLS.get(case.endpoint, ()) else BIRCH
        if wrong := _check(case, _across_expected(case, role_key, person, other), response, hidden=hidden):
            unexpected.append(f"first school's {role_key}: {case.method} {path}: {wrong}")
    # Birch School's own people on its records: let in exactly as the first school's are on theirs.
    for case in CASES:
        client = _sign_in(app, other.users[role_key], school) if role_key != "anonymous" else app.test_client()
        path = case.path.format(**ids)
        response = client.open(path, method=case.method, data=case.data)
        if wrong := _check(case, _expected(case, role_key), response):
            unexpected.append(f"Birch School's {role_key}: {case.method} {path}: {wrong}")
    assert not unexpected, f"{len(unexpected)} unexpected:\n" + "\n".join(unexpected)


def test_a_key_worker_at_a_provider_both_schools_use_works_in_the_school_they_choose(autumn_day, app, world, birch):
    """Provider A has pupils from both schools. Its key worker sees the first school's (the lowest id) until
    they choose Birch School at /school; then Birch School's, and the first school's ids answer 404."""
    school, other, ids = birch
    kw = world.users["kw_a"]
    client = _sign_in(app, kw)
    ours = {"pupil": world.pupil_x.id, "placement": world.placement_x.id, "action": world.action_a.id}
    theirs = {"pupil": other.pupil_x.id, "placement": other.placement_x.id, "action": other.action_a.id}
    paths = [
        "/pupils/{pupil}",
        "/attendance/pupils/{pupil}",
        "/attendance/placements/{placement}",
        "/placements/{placement}/feedback/2026-11-23",
        "/quality/actions/{action}",
        "/reports/new?pupil={pupil}",
    ]

    def statuses(ids: dict) -> list[int]:
        return [client.get(path.format(**ids)).status_code for path in paths]

    register = client.get("/attendance/register?day=2026-11-23").get_data(as_text=True)
    assert "Xavier" in register and BIRCH not in register
    assert statuses(ours) == [200] * len(paths)
    assert statuses(theirs) == [404] * len(paths)
    assert client.post(f"/attendance/register/{other.placement_x.id}/2026-11-23/AM").status_code == 404

    choice = client.get("/school").get_data(as_text=True)
    assert "Birch School" in choice
    assert client.post("/school", data={"school": str(school.id)}).status_code == 302
    register = client.get("/attendance/register?day=2026-11-23").get_data(as_text=True)
    assert BIRCH in register
    assert statuses(theirs) == [200] * len(paths)
    assert statuses(ours) == [404] * len(paths)
    assert client.post(f"/attendance/register/{world.placement_x.id}/2026-11-23/AM").status_code == 404
    assert BIRCH in client.get(f"/pupils/{other.pupil_x.id}").get_data(as_text=True)

    # A key worker whose provider only the first school uses cannot choose Birch School.
    only_ours = _sign_in(app, world.users["kw_b"])
    assert only_ours.post("/school", data={"school": str(school.id)}).status_code == 422
    assert only_ours.get(f"/pupils/{other.pupil_y.id}").status_code == 404
