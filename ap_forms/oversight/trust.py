"""The trust's pages (issue 17): one deployment serves a trust's schools, and two roles look across them.

- The trust lead: the trust overview, each school's compliance board, value for money and governors'
  report figures, and the trust's total. Each school's figures are the school's own pages' computations
  (`governors.figures`: the compliance board, `value.year_value`, the term's figures), run inside
  `tenancy.as_school(id)` for each school of the trust. Aggregate only: no pupil (nor anything that
  identifies one) below the school level, with the governors' report's rule for small groups; a total
  never lets a school's hidden figure be worked out (`trust_pupils`).
- The trust safeguarding lead: concerns, allegations and incidents in every school, each row naming its
  school, and a report's page, read-only (no form; acting on a concern is the school DSL's). Every opening
  is recorded and audited in the report's school, as the school DSL's is, so the school sees who read it.

pages/school_choice.py gives these pages every school (`tenancy.ALL`); web/permissions.py keeps the
trust's roles on these pages (and their own account).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, request
from flask_login import current_user

from ap_forms.incidents import alerts
from ap_forms.incidents import services as incidents
from ap_forms.incidents.models import BODY_REGIONS, CLOSED, INCIDENT_KINDS, OPEN, SAFEGUARDING_KINDS
from ap_forms.oversight import compliance, governors
from ap_forms.oversight.value import TermSpend, YearValue
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.rendering import render

bp = Blueprint("trust", __name__, url_prefix="/trust")

# The header's name on the trust's pages: they are about every school, not the first one.
ALL_SCHOOLS = SimpleNamespace(name="All schools", contact_phone="", contact_email="")


# --- Figures (the trust lead) --------------------------------------------------------------------


def trust_pupils(counts: list[int]) -> str:
    """The trust's total of a count of pupils, given each school's. A school's count under 5 is shown as
    "fewer than 5" (governors.pupils), so the exact total would give it away (the total less the others):
    while any school's count is hidden, the total says only what the shown figures already say."""
    total = sum(counts)
    if total < governors.SMALL_GROUP:
        return governors.pupils(total)
    hidden = [n for n in counts if 0 < n < governors.SMALL_GROUP]
    if not hidden:
        return str(total)
    at_least = total - sum(hidden) + len(hidden)  # each hidden school has at least one
    return f"at least {max(at_least, governors.SMALL_GROUP)}"


def trust_group_figure(groups: list[int], value, unit: str = "") -> str:
    """An average or percentage over every school's pupils: not shown while a school's own is hidden
    (a group of 1 to 4), since with the others' it would give that school's away."""
    if any(0 < n < governors.SMALL_GROUP for n in groups):
        return f"not shown (a school has {governors.FEWER_THAN_5} pupils)"
    return governors.group_figure(sum(groups), value, unit)


def _average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


@dataclass
class DutyCell:
    """One duty in one school: its state and how many pupils (or which providers) need attention."""

    state: str
    pupils: int
    providers: frozenset[str]  # the providers' pages (a provider is the trust's: counted once in total)


@dataclass
class SchoolFigures:
    """One school's figures, as plain numbers: nothing here names or points to a pupil."""

    school_id: int
    name: str
    duties: dict[str, DutyCell]
    year: YearValue  # kept for its totals (spent, forecast, attendance); its placements are never shown
    budget: Decimal | None
    pupils_in_year: int
    # This term (the governors' report)
    pupil_count: int
    ehcp: int
    looked_after: int
    full_time: int
    started: int
    ended: int
    provider_ids: frozenset[int]
    baseline: list[float] = field(default_factory=list)
    at_provision: list[float] = field(default_factory=list)
    improved: int = 0

    def duty_counts(self) -> dict[str, int]:
        return {state: sum(1 for c in self.duties.values() if c.state == state) for state in compliance.STATE_LABELS}

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.year.forecast


def school_figures(school_id: int, name: str, today) -> SchoolFigures:
    """One school's figures, computed as the school's own pages compute them (run it as that school)."""
    data = governors.figures(today)
    duties = {
        row.duty.key: DutyCell(
            row.state,
            row.outcome.pupils,
            frozenset() if row.duty.about_pupils else frozenset(i.url for i in row.outcome.items),
        )
        for row in data.rows
    }
    with_baseline = [v for v in data.in_term if v.baseline is not None and v.attendance is not None]
    return SchoolFigures(
        school_id=school_id,
        name=name,
        duties=duties,
        year=data.year,
        budget=data.year.budget.amount if data.year.budget else None,
        pupils_in_year=len({v.placement.student_id for v in data.year.placements}),
        pupil_count=data.pupil_count,
        ehcp=data.ehcp,
        looked_after=data.looked_after,
        full_time=data.full_time,
        started=data.started,
        ended=data.ended,
        provider_ids=frozenset(v.placement.provider_id for v in data.in_term),
        baseline=[v.baseline for v in with_baseline],
        at_provision=[v.attendance for v in with_baseline],
        improved=data.improved,
    )


@dataclass
class TrustFigures:
    schools: list[SchoolFigures]

    @property
    def year(self) -> YearValue:
        """The trust's year: every school's placements and spend by term, summed by the same rules."""
        first = self.schools[0].year
        terms = [
            TermSpend(
                t.name,
                t.start,
                t.end,
                sum((s.year.terms[n].actual for s in self.schools if n < len(s.year.terms)), Decimal(0)),
                sum((s.year.terms[n].forecast for s in self.schools if n < len(s.year.terms)), Decimal(0)),
            )
            for n, t in enumerate(first.terms)
        ]
        placements = [p for s in self.schools for p in s.year.placements]
        return YearValue(first.start_year, first.today, placements, terms, None)

    @property
    def budget(self) -> Decimal | None:
        """The schools' budgets added up; None unless every school has set one."""
        if any(s.budget is None for s in self.schools):
            return None
        return sum((s.budget for s in self.schools), Decimal(0))

    def duty_state(self, key: str) -> str:
        states = {s.duties[key].state for s in self.schools if key in s.duties}
        return (
            compliance.NOT_MET
            if compliance.NOT_MET in states
            else compliance.DUE_SOON
            if compliance.DUE_SOON in states
            else compliance.MET
        )

    def duty_counts(self) -> dict[str, int]:
        states = [self.duty_state(d.key) for d in compliance.DUTIES]
        return {state: states.count(state) for state in compliance.STATE_LABELS}

    def duty_pupils(self, key: str) -> str:
        return trust_pupils([s.duties[key].pupils for s in self.schools if key in s.duties])

    def duty_providers(self, key: str) -> int:
        return len(frozenset().union(*(s.duties[key].providers for s in self.schools if key in s.duties)))

    def schools_in(self, key: str, state: str) -> list[str]:
        return [s.name for s in self.schools if key in s.duties and s.duties[key].state == state]

    def total(self, name: str) -> str:
        return trust_pupils([getattr(s, name) for s in self.schools])

    @property
    def provider_count(self) -> int:
        return len(frozenset().union(*(s.provider_ids for s in self.schools)))

    def averages(self) -> tuple[str, str]:
        groups = [len(s.baseline) for s in self.schools]
        baseline = [b for s in self.schools for b in s.baseline]
        at_provision = [a for s in self.schools for a in s.at_provision]
        return (
            trust_group_figure(groups, _average(baseline), "%"),
            trust_group_figure(groups, _average(at_provision), "%"),
        )

    def improved(self) -> str:
        groups = [len(s.baseline) for s in self.schools]
        if sum(groups) < governors.SMALL_GROUP or any(0 < n < governors.SMALL_GROUP for n in groups):
            return trust_group_figure(groups, None)
        return trust_pupils([s.improved for s in self.schools])


def trust_figures(today=None) -> TrustFigures:
    """Each school's figures, each computed as that school (its calendar, placements, budget and board)."""
    today = today or clock.today()
    schools = []
    for school_id, name in tenancy.every_school():
        with tenancy.as_school(school_id):
            schools.append(school_figures(school_id, name, today))
    return TrustFigures(schools)


@bp.get("/")
def overview():
    today = clock.today()
    figures = trust_figures(today)
    audit.record("trust_overview_viewed", "trust", None, commit=True)
    return render(
        "oversight/trust_overview.html",
        figures=figures,
        year=figures.year,
        term=governors.current_term(today),
        duties=compliance.DUTIES,
        groups=compliance.GROUPS,
        labels=compliance.STATE_LABELS,
        tags=compliance.STATE_TAGS,
        pupils=governors.pupils,
        group_figure=governors.group_figure,
        trust_pupils=trust_pupils,
        trust_group_figure=trust_group_figure,
        average=_average,
        school=ALL_SCHOOLS,
    )


# --- Safeguarding across the trust (the trust safeguarding lead) -----------------------------------------

WHICH_KINDS = {"concerns": SAFEGUARDING_KINDS, "incidents": INCIDENT_KINDS}


def _school_names() -> dict[int, str]:
    return dict(tenancy.every_school())


@bp.get("/safeguarding/")
def safeguarding():
    status = request.args.get("status", OPEN)
    status = status if status in (OPEN, CLOSED) else OPEN
    kinds = request.args.get("kinds", "concerns")
    kinds = kinds if kinds in WHICH_KINDS else "concerns"
    names = _school_names()
    school_id = request.args.get("school", "")
    school_id = int(school_id) if school_id.isdigit() and int(school_id) in names else None
    reports = incidents.reports_for(current_user, WHICH_KINDS[kinds], status=status)
    if school_id is not None:
        reports = [r for r in reports if r.school_id == school_id]
    openings = {r.id: incidents.openings_of(r) for r in reports}
    return render(
        "oversight/trust_safeguarding.html",
        reports=reports,
        which=status,
        kinds=kinds,
        school_id=school_id,
        names=names,
        openings=openings,
        school=ALL_SCHOOLS,
    )


@bp.get("/safeguarding/<int:report_id>")
def report(report_id: int):
    """A concern's (or an incident's) page, to read: what was reported, what the school has done, who opened it."""
    found = incidents.get_report_or_404(current_user, report_id, SAFEGUARDING_KINDS | INCIDENT_KINDS)
    # Recorded in the report's school, as the school's own DSL's opening is: its audit log shows it.
    with tenancy.as_school(found.school_id):
        incidents.record_opening(found, current_user)
    return render(
        "oversight/trust_report.html",
        report=found,
        school_name=_school_names().get(found.school_id, ""),
        openings=incidents.openings_of(found),
        sent_alerts=alerts.alerts_of(found),
        regions=BODY_REGIONS,
        action_url=None,  # read-only: incidents/_follow_up.html shows no form
        school=ALL_SCHOOLS,
    )
