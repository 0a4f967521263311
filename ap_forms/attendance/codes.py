"""The DfE attendance codes the school register uses (School Attendance (Pupil Registration)
(England) Regulations 2024). A pupil at provision the school arranged is coded B when the
provider confirms attendance, and with the actual absence code when absent."""

from __future__ import annotations

from markupsafe import Markup

from ap_forms.attendance.models import ABSENT, ATTENDED

# (group, [(code, meaning)])
CODE_GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Attending",
        [
            ("B", "Attending other approved education off site (alternative provision)"),
            ("/", "Present in school (morning)"),
            ("\\", "Present in school (afternoon)"),
            ("L", "Late arrival before the register closed"),
        ],
    ),
    (
        "Authorised absence",
        [
            ("I", "Illness (not medical or dental appointment)"),
            ("M", "Medical or dental appointment"),
            ("C", "Leave of absence for exceptional circumstances"),
            ("C1", "Regulated performance or employment abroad"),
            ("C2", "Part-time timetable"),
            ("E", "Suspended or excluded, no alternative provision"),
            ("J1", "Interview for employment or another school"),
            ("R", "Religious observance"),
            ("S", "Study leave"),
            ("T", "Parent travelling for work"),
        ],
    ),
    (
        "Unauthorised absence",
        [
            ("G", "Holiday not granted by the school"),
            ("N", "Reason not yet established"),
            ("O", "Absent in other or unknown circumstances"),
            ("U", "Arrived after the register closed"),
        ],
    ),
    (
        "Unable to attend",
        [
            ("Q", "Lack of access arrangements"),
            ("Y1", "Transport normally provided not available"),
            ("Y2", "Widespread disruption to travel"),
            ("Y3", "Part of the school premises closed"),
            ("Y4", "Whole school site unexpectedly closed"),
            ("Y5", "In criminal justice detention"),
            ("Y6", "Public health guidance or law"),
            ("Y7", "Any other unavoidable cause"),
        ],
    ),
    (
        "Administrative",
        [
            ("X", "Not required to attend"),
            ("Z", "Prospective pupil not on the admission register"),
            ("#", "Planned whole-school closure"),
        ],
    ),
]

CODES: dict[str, str] = {code: meaning for _, codes in CODE_GROUPS for code, meaning in codes}
ATTENDING_CODES = frozenset(code for code, _ in CODE_GROUPS[0][1])
ABSENCE_CODES = frozenset(code for group, codes in CODE_GROUPS[1:4] for code, _ in codes)
ADMIN_CODES = frozenset(code for code, _ in CODE_GROUPS[4][1])

# A provider's absence reason suggests a code; the office decides.
REASON_CODES = {"ill": "I", "medical": "M", "refused": "O", "transport": "Y1", "unknown": "N"}


def suggested_code(mark) -> str | None:
    """B when the provider confirms the pupil attended; the likely absence code when absent."""
    if mark is None:
        return None
    if mark.status in ATTENDED:
        return "B"
    if mark.status == ABSENT:
        return REASON_CODES.get(mark.absence_reason or "unknown")
    return None


def code_label(code: str) -> str:
    return f"{code} – {CODES.get(code, 'Unknown code')}"


_OPTION = Markup('<option value="{0}">{0} – {1}</option>')
_SELECTED_OPTION = Markup('<option value="{0}" selected>{0} – {1}</option>')


def _option_html(code: str, meaning: str, selected: bool) -> Markup:
    return (_SELECTED_OPTION if selected else _OPTION).format(code, meaning)


# The board shows a code <select> on every row: its options are escaped once, here, rather than
# 30 times per row in Jinja (which was most of the board's rendering time).
_OPTION_GROUPS = [
    (
        Markup('<optgroup label="{0}">').format(group),
        [(code, _option_html(code, meaning, False), _option_html(code, meaning, True)) for code, meaning in codes],
    )
    for group, codes in CODE_GROUPS
]
_FIRST_OPTION = Markup('<option value="">Choose a code</option>')
_END_GROUP = Markup("</optgroup>")


def code_options(selected: str | None) -> Markup:
    """The register-code <option>s, grouped as CODE_GROUPS, with `selected` chosen."""
    parts = [_FIRST_OPTION]
    for opening, options in _OPTION_GROUPS:
        parts.append(opening)
        parts.extend(chosen if code == selected else plain for code, plain, chosen in options)
        parts.append(_END_GROUP)
    return Markup("".join(parts))  # noqa: S704 (every part is escaped Markup, built above)
