"""The fictional school's people and places. Every name, address and number here is invented."""

SCHOOL = {
    "name": "Larkspur Vale School",
    "dfe_number": "9407019",
    "urn": "149990",
    "local_authority": "North Northamptonshire Council",
    "address": "1 Larkspur Lane\nKettering\nNN15 0ZZ",
    "contact_email": "office@larkspurvale.example",
    "contact_phone": "01536 000 100",
    "dsl_phone": "01536 000 199",
}

PROVIDER_COLUMNS = ("name", "address", "ofsted_urn", "la_approved", "contact_name", "contact_email", "contact_phone")
PROVIDERS = [
    (
        "Meadow Lane Care Farm",
        "Meadow Lane Farm, Broughton Road, Kettering NN14 0ZA",
        "2712001",
        True,
        "Ruth Okafor",
        "hello@meadowlanefarm.example",
        "01536 000 201",
    ),
    (
        "Nene Valley Motor Skills Centre",
        "Unit 4, Riverside Industrial Estate, Wellingborough NN8 0ZB",
        None,
        True,
        "Dev Sandhu",
        "info@nenevalleymotors.example",
        "01933 000 202",
    ),
    (
        "Oak and Ember Forest School",
        "Fermyn Woods Clearing, Brigstock NN14 0ZC",
        None,
        True,
        "Alys Pryce",
        "wild@oakandember.example",
        "01536 000 203",
    ),
    (
        "Harbour Therapeutic Arts",
        "The Old Chapel, 12 Market Street, Corby NN17 0ZD",
        "2712004",
        False,
        "Niamh Doyle",
        "studio@harbourarts.example",
        "01536 000 204",
    ),
    (
        "Kettle Street Kitchen",
        "3 Kettle Street, Rushden NN10 0ZE",
        None,
        True,
        "Tomasz Nowak",
        "learn@kettlestreet.example",
        "01933 000 205",
    ),
    (
        "Rowan Equine Centre",
        "Rowan Stables, Harrington Road, Desborough NN14 0ZF",
        "2712006",
        True,
        "Grace Whitfield",
        "office@rowanequine.example",
        "01536 000 206",
    ),
]

# For the school census (issue 12): a UKPRN, or the type of setting, for providers that are not schools.
# Oak and Ember Forest School has neither yet, so the census check has something to list.
CENSUS_IDS = {
    "Meadow Lane Care Farm": (None, "OTH"),
    "Nene Valley Motor Skills Centre": ("10081234", ""),
    "Kettle Street Kitchen": (None, "WBP"),
    "Rowan Equine Centre": (None, "OTH"),
}

# Site where sessions happen (usually the provider's address), and the activities offered.
ACTIVITIES = {
    "Meadow Lane Care Farm": ["Animal care", "Horticulture", "Land-based skills"],
    "Nene Valley Motor Skills Centre": ["Motor vehicle maintenance", "Bike workshop"],
    "Oak and Ember Forest School": ["Forest school", "Bushcraft and fire safety"],
    "Harbour Therapeutic Arts": ["Art therapy", "Music and drama"],
    "Kettle Street Kitchen": ["Catering and food hygiene", "Café front of house"],
    "Rowan Equine Centre": ["Equine-assisted learning", "Stable management"],
}

KEY_WORKERS = [
    # name, email, provider, phone
    ("Sam Fielding", "sam.fielding@meadowlanefarm.example", "Meadow Lane Care Farm", "07700 900101"),
    ("Priya Shah", "priya.shah@nenevalleymotors.example", "Nene Valley Motor Skills Centre", "07700 900102"),
    ("Owen Price", "owen.price@oakandember.example", "Oak and Ember Forest School", "07700 900103"),
    ("Bea Hughes", "bea.hughes@harbourarts.example", "Harbour Therapeutic Arts", "07700 900104"),
    ("Luca Romano", "luca.romano@kettlestreet.example", "Kettle Street Kitchen", "07700 900105"),
    ("Hannah Moss", "hannah.moss@rowanequine.example", "Rowan Equine Centre", "07700 900106"),
]

STAFF = [
    # role, name, email
    ("headteacher", "Margaret Ellison", "head@larkspurvale.example"),
    ("send_lead", "Joseph Adeyemi", "send.lead@larkspurvale.example"),
    ("dsl", "Claire Benson", "dsl@larkspurvale.example"),
    ("office", "Paula Grant", "office.staff@larkspurvale.example"),
    ("staff", "Ravi Mistry", "r.mistry@larkspurvale.example"),
    ("admin", "Chris Tanner", "it.admin@larkspurvale.example"),
]

FIRST_NAMES = [
    "Alfie",
    "Amelia",
    "Archie",
    "Ava",
    "Charlie",
    "Chloe",
    "Daniel",
    "Ella",
    "Ethan",
    "Evie",
    "Finley",
    "Freya",
    "George",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Jacob",
    "Kai",
    "Layla",
    "Leo",
    "Lily",
    "Logan",
    "Maisie",
    "Mason",
    "Mia",
    "Noah",
    "Olivia",
    "Oscar",
    "Poppy",
    "Reuben",
    "Rosie",
    "Samuel",
    "Sienna",
    "Theo",
    "Tyler",
    "Willow",
    "Zach",
    "Zara",
    "Ibrahim",
]
LAST_NAMES = [
    "Abbott",
    "Barker",
    "Carter",
    "Dawson",
    "Ellis",
    "Fletcher",
    "Gibson",
    "Hayward",
    "Ingram",
    "Jarvis",
    "Kendall",
    "Lowe",
    "Marsh",
    "Nolan",
    "Osborne",
    "Pearce",
    "Quinn",
    "Rahman",
    "Sutton",
    "Turner",
    "Underwood",
    "Vaughan",
    "Walsh",
    "Yates",
    "Akhtar",
    "Bennett",
    "Coleman",
    "Doherty",
    "Evans",
    "Foster",
    "Griffin",
    "Holt",
    "Iqbal",
    "Jennings",
    "Kowalski",
    "Lambert",
    "Mensah",
    "Norris",
    "Owusu",
    "Patel",
]

NEEDS = [
    ("Social, emotional and mental health; anxiety in busy spaces", "Autism; generalised anxiety disorder"),
    ("Communication and interaction; sensory processing difficulties", "Autism; sensory processing disorder"),
    ("Social, emotional and mental health; attachment needs", "Attachment disorder"),
    ("Attention and impulse control; needs movement breaks", "ADHD"),
    ("Demand avoidance; needs choices and low-demand language", "Autism (PDA profile)"),
    ("Cognition and learning; literacy well below age", "Dyslexia; ADHD"),
    ("Oppositional behaviour under pressure; responds to calm routine", "ODD; ADHD"),
]

MEDICAL = [
    "",
    "",
    "Asthma: blue inhaler carried",
    "",
    "Epilepsy: care plan in medical room",
    "",
    "Nut allergy: adrenaline pen carried",
]

OBJECTIVES = {
    "Meadow Lane Care Farm": [
        "Attend at least 90% of farm sessions each half term",
        "Complete the animal care unit of the Level 1 land-based award",
        "Use a calm-down plan independently when anxious, at least 4 times in 5",
    ],
    "Nene Valley Motor Skills Centre": [
        "Complete 3 workshop units towards the Entry Level 3 vehicle maintenance certificate",
        "Follow workshop safety rules without reminders for a half term",
        "Work alongside a peer on a shared task for 30 minutes",
    ],
    "Oak and Ember Forest School": [
        "Take part in a group activity for a whole session, 3 weeks in a row",
        "Light and manage a fire safely under supervision",
    ],
    "Harbour Therapeutic Arts": [
        "Name and describe feelings using the feelings wheel in every session",
        "Complete a portfolio piece for the Arts Award Discover",
    ],
    "Kettle Street Kitchen": [
        "Achieve the Level 1 Food Safety certificate",
        "Serve customers at the café counter with support for a full session",
    ],
    "Rowan Equine Centre": [
        "Groom and tack up a pony with minimal prompts",
        "Arrive on time for 9 in 10 sessions",
    ],
}

# School calendar: (start year, {term: (first day, last day)}, [(kind, name, first day, last day)])
SCHOOL_YEARS = [
    (
        2025,
        {
            "Autumn": ("2025-09-03", "2025-12-19"),
            "Spring": ("2026-01-05", "2026-03-27"),
            "Summer": ("2026-04-13", "2026-07-22"),
        },
        [
            ("holiday", "October half-term", "2025-10-27", "2025-10-31"),
            ("holiday", "February half-term", "2026-02-16", "2026-02-20"),
            ("holiday", "Early May bank holiday", "2026-05-04", "2026-05-04"),
            ("holiday", "May half-term", "2026-05-25", "2026-05-29"),
        ],
    ),
    (
        2026,
        {
            "Autumn": ("2026-09-02", "2026-12-18"),
            "Spring": ("2027-01-04", "2027-03-25"),
            "Summer": ("2027-04-12", "2027-07-21"),
        },
        [
            ("closure", "Training day", "2026-09-02", "2026-09-02"),
            ("closure", "Training day", "2026-10-23", "2026-10-23"),
            ("holiday", "October half-term", "2026-10-26", "2026-10-30"),
            ("holiday", "February half-term", "2027-02-15", "2027-02-19"),
            ("holiday", "Early May bank holiday", "2027-05-03", "2027-05-03"),
            ("holiday", "May half-term", "2027-05-31", "2027-06-04"),
        ],
    ),
]

# Attendance before each placement (from the referral), by pupil index.
BASELINE_ATTENDANCE = {
    0: 58.0,
    1: 71.5,
    2: 64.0,
    3: 49.0,
    4: 80.0,
    5: 62.5,
    6: 75.0,
    7: 55.0,
    8: 68.0,
    9: 83.0,
    10: 60.0,
    11: 72.0,
    12: 41.0,
}

# How likely each pupil is to attend a session at provision, by pupil index (default 0.9).
ATTENDANCE_LIKELIHOOD = {0: 0.93, 3: 0.75, 7: 0.8, 12: 0.6}

ABSENCE_NOTES = {
    "ill": ["Mum rang: temperature", "Sick bug", "Migraine"],
    "medical": ["Dentist appointment", "CAMHS appointment"],
    "refused": ["Would not get in the taxi", "Said he was too tired"],
    "transport": ["Taxi did not arrive"],
    "family": ["Family funeral"],
    "unknown": [""],
}
# Commissioning record of each demo provider: registration, Ofsted judgement (with the inspection
# date), extra sites, and how current its checks are ("cleared", "expiring" soon, or "lapsed").
COMMISSIONING = {
    "Meadow Lane Care Farm": {
        "registration": "ofsted_other",
        "judgement": ("good", "2025-05-14"),
        "sites": [("Top field polytunnels", "Meadow Lane Farm (top gate), Broughton Road, Kettering NN14 0ZA")],
        "state": "cleared",
        "rate": ("session", "85.00"),
    },
    "Nene Valley Motor Skills Centre": {
        "registration": "unregistered",
        "judgement": None,
        "sites": [],
        "state": "cleared",
        "rate": ("day", "165.00"),
    },
    "Oak and Ember Forest School": {
        "registration": "unregistered",
        "judgement": None,
        "sites": [("Base camp", "Fermyn Woods car park, Brigstock NN14 0ZC")],
        "state": "cleared",
        "rate": ("session", "70.00"),
    },
    "Harbour Therapeutic Arts": {
        "registration": "independent_school",
        "judgement": ("requires_improvement", "2024-02-07"),
        "sites": [],
        "state": "lapsed",
        "rate": ("session", "95.00"),
    },
    "Kettle Street Kitchen": {
        "registration": "unregistered",
        "judgement": None,
        "sites": [],
        "state": "expiring",
        "rate": ("term", "1450.00"),
    },
    "Rowan Equine Centre": {
        "registration": "ofsted_other",
        "judgement": ("outstanding", "2023-10-03"),
        "sites": [("Indoor arena", "Rowan Stables (arena entrance), Harrington Road, Desborough NN14 0ZF")],
        "state": "cleared",
        "rate": ("session", "90.00"),
    },
}

# Other adults at each provider named on its written confirmation of vetting checks.
PROVIDER_STAFF = {
    "Meadow Lane Care Farm": ["Ruth Okafor", "Tom Bell"],
    "Nene Valley Motor Skills Centre": ["Dev Sandhu"],
    "Oak and Ember Forest School": ["Alys Pryce", "Morgan Reid"],
    "Harbour Therapeutic Arts": ["Niamh Doyle"],
    "Kettle Street Kitchen": ["Tomasz Nowak", "Ella Fitch"],
    "Rowan Equine Centre": ["Grace Whitfield", "Jo Marsh"],
}

SLA_TERMS = (
    "Sessions as set out in each pupil's agreed timetable, staffed at no more than 1 adult to 3 pupils. "
    "Daily attendance reported to the school office by 10:00 and 14:00. Safeguarding concerns reported "
    "to the school's DSL the same day. Half a term's notice on either side."
)
