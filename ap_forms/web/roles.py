"""The roles people sign in with, and the groups the access rules are written in."""

HEADTEACHER = "headteacher"
SEND_LEAD = "send_lead"
DSL = "dsl"
OFFICE = "office"
STAFF = "staff"
KEY_WORKER = "key_worker"
PARENT = "parent"
ADMIN = "admin"

ROLE_LABELS = {
    HEADTEACHER: "Headteacher",
    SEND_LEAD: "SEND & Inclusion Lead",
    DSL: "Designated Safeguarding Lead",
    OFFICE: "School office",
    STAFF: "School staff",
    KEY_WORKER: "Provider key worker",
    PARENT: "Parent or carer",
    ADMIN: "System administrator",
}
ALL_ROLES = frozenset(ROLE_LABELS)

# School staff who may read pupils' placements. Admin is deliberately not here: managing
# accounts gives no right to read pupil records.
SCHOOL_STAFF = frozenset({HEADTEACHER, SEND_LEAD, DSL, OFFICE, STAFF})
LEADERS = frozenset({HEADTEACHER, SEND_LEAD})
