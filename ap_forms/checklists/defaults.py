"""Default items for each kind of checklist, seeded as version 1 the first time a kind is used.

Each item is (section, text, hint). Sources: the school's AP policy and the due-diligence
templates local authorities publish for alternative provision (see shared/design/domain.md).
"""


def _by_section(sections: dict[str, list[str | tuple[str, str]]]) -> tuple[tuple[str, str, str], ...]:
    """(section, text, hint) for each item, in order; below, an item is written under its section as its text
    or as (text, hint), so the section is not repeated on every item."""
    return tuple(
        (section, *(item if isinstance(item, tuple) else (item, "")))
        for section, items in sections.items()
        for item in items
    )


SAFEGUARDING_ITEMS = _by_section(
    {
        "Safeguarding leadership and policies": [
            (
                "There is a named Designated Safeguarding Lead (DSL) with contact details, and a deputy",
                "Write the DSL's and deputy's names and phone numbers in the comment.",
            ),
            "The safeguarding and child protection policy has been seen and was reviewed in the last 12 months",
            "There is a procedure for allegations against staff and volunteers, including referral to the LADO",
            "There are complaints and whistleblowing procedures",
        ],
        "Safer recruitment and staff": [
            "A single central record of staff checks is kept up to date",
            (
                "Written confirmation has been received that every adult working with pupils has had the checks: "
                "identity, enhanced DBS with barred list, prohibition from teaching, right to work, qualifications",
                "Keeping children safe in education requires this in writing from the provider.",
            ),
            "At least one person who recruits staff has had safer recruitment training",
            (
                "Staff have had safeguarding training, with dates recorded",
                "Write the date of the most recent training in the comment.",
            ),
        ],
        "Online safety and data protection": [
            "There is an e-safety (online safety) policy, with filtering and monitoring of any devices pupils use",
            "There is a data protection policy, and pupils' information is stored securely (UK GDPR)",
        ],
        "Health, safety and premises": [
            "There is a health and safety policy and a current premises risk assessment",
            "There are risk assessments for the activities pupils take part in",
            "First aid: trained first aiders are on site during sessions and first aid kits are stocked",
            "Fire safety: a fire risk assessment, regular drills and a clear evacuation procedure",
            (
                "A current employer's liability insurance certificate has been seen",
                "Upload the certificate as evidence.",
            ),
            ("A current public liability insurance certificate has been seen", "Upload the certificate as evidence."),
        ],
        "Behaviour and care": [
            "There is a behaviour policy that includes anti-bullying",
            "There is a physical intervention (positive handling) policy, and staff who use it are trained",
            "Pupils are not allowed to leave the site unattended",
        ],
        "Attendance and communication with the school": [
            "Attendance, lateness and absence are reported to the school every day the pupil is timetabled",
            "Safeguarding concerns are reported to the school's DSL the same day",
            "Serious incidents and health and safety breaches are reported to the school urgently",
        ],
    }
)

# The AP Checklist for quality-assurance visits (quality/). The policy: visits check paperwork,
# policies and safeguarding, observe a session and check learners' progress. Pupils' progress,
# pupil voice, strengths and actions are parts of every visit record, not items here.
AP_VISIT_ITEMS = _by_section(
    {
        "Paperwork and registers": [
            ("An attendance register is kept for every session", "Look at the register for the last few weeks."),
            (
                "The register matches the attendance reported to the school",
                "Compare two or three recent days with what the school office was told.",
            ),
            "Risk assessments for each pupil placed here are in place and current",
            "Staff know each pupil's objectives and the information the school shared",
        ],
        "Policies current": [
            "Safeguarding and child protection policy, reviewed in the last 12 months",
            "E-safety (online safety) policy",
            "Data protection policy",
            "Health and safety policy",
        ],
        "Safeguarding": [
            (
                "The Designated Safeguarding Lead (or deputy) is on site or can be reached during sessions",
                "Write who the DSL is today in the comment.",
            ),
            "The single central record was seen and is up to date",
            (
                "There is written confirmation of vetting checks for every adult present today",
                "Compare the staff on site with the names on the provider's confirmation.",
            ),
            "Visitor procedures were followed: identity checked, signed in, shown safeguarding information",
        ],
        "Health and safety": [
            "The site is safe, secure and suitable for the activity",
            "The activity is risk assessed, and pupils are supervised and use protective equipment where needed",
            "First aid and emergency procedures are in place and known to staff",
        ],
        "Session observation": [
            "The activity is purposeful, well planned and matched to pupils' needs",
            "Teaching and support help pupils learn and make progress",
            "Pupils are engaged, and behaviour is managed calmly and safely",
        ],
    }
)
