"""The kinds of checklist the school keeps. A domain that needs a new kind adds it here."""

from __future__ import annotations

from dataclasses import dataclass

from ap_forms.checklists import defaults


@dataclass(frozen=True)
class ChecklistKind:
    key: str
    label: str
    purpose: str
    default_items: tuple[tuple[str, str, str], ...]  # (section, text, hint)


KINDS: dict[str, ChecklistKind] = {
    kind.key: kind
    for kind in (
        ChecklistKind(
            "safeguarding",
            "Safeguarding checklist",
            "Completed for each provider before it is commissioned, and renewed every year.",
            defaults.SAFEGUARDING_ITEMS,
        ),
        ChecklistKind(
            "ap_visit",
            "AP Checklist (quality-assurance visits)",
            "Used on every quality-assurance visit to a provider, at least three times each school year.",
            defaults.AP_VISIT_ITEMS,
        ),
    )
}


def get_kind(key: str) -> ChecklistKind | None:
    return KINDS.get(key)
