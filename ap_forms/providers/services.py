"""The commissioning gate: may the school place a pupil with this provider?

Minimal version for the referrals branch: a provider counts as cleared when it is on the local
authority's approved list or has an Ofsted URN. The providers branch replaces this module with the
full commissioning record (SLA, risk assessments, policies, vetting, safeguarding checklist),
keeping exactly this API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CLEARED, EXPIRING, NOT_CLEARED = "cleared", "expiring", "not_cleared"
LABELS = {CLEARED: "Cleared", EXPIRING: "Expiring soon", NOT_CLEARED: "Not cleared"}


@dataclass(frozen=True)
class CommissioningStatus:
    state: str
    problems: list[str] = field(default_factory=list)
    expiring: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def is_cleared(self) -> bool:
        return self.state != NOT_CLEARED


class ProviderNotCleared(Exception):
    """The provider may not be commissioned yet; `problems` says what is missing."""

    def __init__(self, problems: list[str]):
        super().__init__("The provider is not cleared: " + "; ".join(problems))
        self.problems = problems


def commissioning_status(provider, today: date | None = None) -> CommissioningStatus:  # noqa: ARG001
    if provider.la_approved or provider.ofsted_urn:
        return CommissioningStatus(CLEARED)
    return CommissioningStatus(NOT_CLEARED, problems=[
        "Not Ofsted registered and not on the North Northamptonshire approved provider list",
    ])


def ensure_provider_cleared(provider, today: date | None = None) -> None:
    status = commissioning_status(provider, today)
    if not status.is_cleared:
        raise ProviderNotCleared(status.problems)
