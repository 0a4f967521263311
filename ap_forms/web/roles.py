"""The roles people sign in with, and the groups the access rules are written in."""

HEADTEACHER = "headteacher"
SEND_LEAD = "send_lead"
DSL = "dsl"
OFFICE = "office"
STAFF = "staff"
KEY_WORKER = "key_worker"
PARENT = "parent"
ADMIN = "admin"
# The trust's roles (issue 17): they work across all the trust's schools and are members of none.
TRUST_DSL = "trust_dsl"
TRUST_LEAD = "trust_lead"

ROLE_LABELS = {
    HEADTEACHER: "Headteacher",
    SEND_LEAD: "SEND & Inclusion Lead",
    DSL: "Designated Safeguarding Lead",
    OFFICE: "School office",
    STAFF: "School staff",
    KEY_WORKER: "Provider key worker",
    PARENT: "Parent or carer",
    ADMIN: "System administrator",
    TRUST_DSL: "Trust Safeguarding Lead",
    TRUST_LEAD: "Trust lead",
}
ALL_ROLES = frozenset(ROLE_LABELS)
# The trust safeguarding lead reads concerns and incidents in every school (never changes them); the trust
# lead reads the schools' aggregate figures (never a pupil). Neither reaches an ordinary school page.
TRUST_ROLES = frozenset({TRUST_DSL, TRUST_LEAD})

# School staff who may read pupils' placements. Admin is deliberately not here: managing
# accounts gives no right to read pupil records.
SCHOOL_STAFF = frozenset({HEADTEACHER, SEND_LEAD, DSL, OFFICE, STAFF})
LEADERS = frozenset({HEADTEACHER, SEND_LEAD})

# Need to know (issue 10): which school roles see which parts of a pupil's record. The README's access
# notes carry the same table, and tests/test_access_matrix.py checks it.
# SEND needs and diagnoses: the people who teach, plan for or safeguard the pupil; not the office.
SEES_SEND = frozenset({HEADTEACHER, SEND_LEAD, DSL, STAFF})
# Medical needs and medication: the office too (it calls parents and deals with first aid).
SEES_MEDICAL = SEES_SEND | {OFFICE}
# Child-protection status and why a placement was withdrawn: the headteacher, SEND lead and DSL.
SEES_CHILD_PROTECTION = frozenset({HEADTEACHER, SEND_LEAD, DSL})
