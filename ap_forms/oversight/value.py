"""Value for money and outcomes (issue 12): what each placement costs, what it achieves, and the budget.

The policy asks that provision "represent excellent value for money resulting in improved indicators
(improved attendance and engagement, reduction in exclusion, a high-quality curriculum, successful
outcomes, effective transition, and appropriate destinations)".

Cost. Each placement is charged at the rate agreed when its referral was approved (`agreed_cost` and
`cost_basis`), else at its provider's Service Level Agreement rate. A *delivered* session is an
expected session (school day × timetable, AM/PM as the register counts them) that has happened and
that the provider did not report as "not expected"; absences count, as the provider was booked.
Per session: rate × sessions; per day: × days with a session; per week: × weeks (Monday to Sunday)
with a session; per term: × terms with a session; for the whole placement: the rate once, in the term
of its first session. The forecast adds the sessions still to come this school year on the agreed
timetable (to the planned end, or 31 August).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select

from ap_forms.attendance.models import NOT_EXPECTED, SESSIONS
from ap_forms.attendance.services import Summary, _attach_records, counted_rows, expected_sessions, timetable_for
from ap_forms.extensions import db
from ap_forms.feedback.models import SUBMITTED, TermlyReport, WeeklyFeedback
from ap_forms.oversight.models import ApBudget
from ap_forms.placements.models import ACTIVE, DESTINATIONS, ENDED, PLANNED, Placement, PlacementEnding
from ap_forms.placements.services import with_timetable_history
from ap_forms.providers.models import ServiceAgreement
from ap_forms.quality.services import TermWindow, term_windows
from ap_forms.referrals.models import COST_BASES, Referral
from ap_forms.referrals.services import referrals_by_placement
from ap_forms.school_calendar.services import load_span, school_year_start, year_bounds
from ap_forms.web import audit, clock

PENNY = Decimal("0.01")
SESSION, DAY, WEEK, TERM, WHOLE = "session", "day", "week", "term", "placement"
BASIS_LABELS = dict(COST_BASES)  # the bases a referral's cost can be agreed on


def money(value: Decimal | int | float) -> Decimal:
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


# --- Cost arithmetic (pure: tested on hand-made examples) --------------------------------------------

Slot = tuple[date, str]  # (day, "AM" or "PM")


def allocate(basis: str, rate: Decimal, slots: Iterable[Slot], term_of: Callable[[date], str]) -> dict[str, Decimal]:
    """The cost of these delivered sessions, by term: {term name: £}."""
    slots = sorted(set(slots))
    by_term: dict[str, Decimal] = defaultdict(Decimal)
    if not slots or rate is None:
        return {}
    if basis == WHOLE:
        by_term[term_of(slots[0][0])] += rate
        return dict(by_term)
    units: set = set()
    for day, session in slots:
        unit = {SESSION: (day, session), DAY: day, WEEK: day - timedelta(days=day.weekday()), TERM: term_of(day)}.get(
            basis
        )
        if unit is None:
            raise ValueError(f"unknown cost basis {basis!r}")
        if unit not in units:
            units.add(unit)
            by_term[term_of(day)] += rate
    return {term: money(value) for term, value in by_term.items()}


def cost_of(basis: str, rate: Decimal, slots: Iterable[Slot], term_of: Callable[[date], str]) -> Decimal:
    return money(sum(allocate(basis, rate, slots, term_of).values(), Decimal(0)))


def per_attended(cost: Decimal, attended: int) -> Decimal | None:
    return money(cost / attended) if attended else None


def trend(scores: list[int], window: int = 4) -> tuple[float | None, float | None, str]:
    """Engagement (1–5 each week, oldest first): the first and the latest `window` weeks' averages, and the word."""
    if not scores:
        return None, None, "No weekly feedback yet"
    first = round(sum(scores[:window]) / len(scores[:window]), 1)
    latest = round(sum(scores[-window:]) / len(scores[-window:]), 1)
    if len(scores) <= window:
        return first, latest, "Too early to tell"
    if latest - first >= 0.5:
        return first, latest, "Improving"
    if first - latest >= 0.5:
        return first, latest, "Falling"
    return first, latest, "Steady"


# --- One placement's value ------------------------------------------------------------------------------


@dataclass
class PlacementValue:
    placement: Placement
    rate: Decimal | None
    basis: str
    delivered: list[Slot]
    summary: Summary
    cost_by_term: dict[str, Decimal]
    forecast_by_term: dict[str, Decimal]
    baseline: float | None
    engagement: tuple[float | None, float | None, str]
    accreditations: list[str] = field(default_factory=list)
    ending: PlacementEnding | None = None
    suspensions_before: int | None = None  # in the year before, from the referral

    @property
    def cost(self) -> Decimal:
        return money(sum(self.cost_by_term.values(), Decimal(0)))

    @property
    def forecast(self) -> Decimal:
        return money(sum(self.forecast_by_term.values(), Decimal(0)))

    @property
    def attended(self) -> int:
        return self.summary.attended

    @property
    def cost_per_attended(self) -> Decimal | None:
        return per_attended(self.cost, self.attended)

    @property
    def attendance(self) -> float | None:
        return self.summary.percent

    @property
    def attendance_change(self) -> float | None:
        if self.attendance is None or self.baseline is None:
            return None
        return round(self.attendance - self.baseline, 1)

    @property
    def rate_label(self) -> str:
        return (
            f"£{self.rate:,.2f} {BASIS_LABELS.get(self.basis, '')}".strip()
            if self.rate is not None
            else "No rate recorded"
        )

    @property
    def destination_label(self) -> str:
        return dict(DESTINATIONS).get(self.placement.destination, "")


@dataclass
class TermSpend:
    name: str
    start: date
    end: date
    actual: Decimal
    forecast: Decimal


@dataclass
class YearValue:
    start_year: int
    today: date
    placements: list[PlacementValue]
    terms: list[TermSpend]
    budget: ApBudget | None

    @property
    def label(self) -> str:
        return f"{self.start_year} to {self.start_year + 1}"

    @property
    def spent(self) -> Decimal:
        return money(sum((p.cost for p in self.placements), Decimal(0)))

    @property
    def forecast(self) -> Decimal:
        return money(sum((t.forecast for t in self.terms), Decimal(0)))

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else money(self.budget.amount - self.forecast)

    @property
    def attended(self) -> int:
        return sum(p.attended for p in self.placements)

    @property
    def delivered(self) -> int:
        return sum(len(p.delivered) for p in self.placements)

    @property
    def cost_per_attended(self) -> Decimal | None:
        return per_attended(self.spent, self.attended)

    @property
    def attendance(self) -> float | None:
        total = Summary()
        for p in self.placements:
            for name in ("expected", "present", "late", "left_early", "absent", "not_expected", "not_reported"):
                setattr(total, name, getattr(total, name) + getattr(p.summary, name))
        return total.percent

    @property
    def with_baseline(self) -> list[PlacementValue]:
        return [p for p in self.placements if p.baseline is not None and p.attendance is not None]

    @property
    def baseline_average(self) -> float | None:
        rows = self.with_baseline
        return round(sum(p.baseline for p in rows) / len(rows), 1) if rows else None

    @property
    def attendance_average(self) -> float | None:
        rows = self.with_baseline
        return round(sum(p.attendance for p in rows) / len(rows), 1) if rows else None

    @property
    def improved(self) -> int:
        return sum(1 for p in self.with_baseline if p.attendance_change > 0)

    @property
    def suspensions_before(self) -> int:
        return sum(p.suspensions_before for p in self.placements if p.suspensions_before is not None)

    @property
    def suspensions_during(self) -> int:
        return sum(
            p.placement.suspensions_during for p in self.placements if p.placement.suspensions_during is not None
        )

    @property
    def destinations(self) -> list[tuple[str, int]]:
        counts = defaultdict(int)
        for p in self.placements:
            if p.placement.destination:
                counts[p.destination_label] += 1
        return sorted(counts.items())


def _term_of(windows: list[TermWindow]) -> Callable[[date], str]:
    def term_of(day: date) -> str:
        for window in windows:
            if window.start <= day <= window.end:
                return window.name
        # Between the calendar's terms: count it in the term that ended last.
        earlier = [w for w in windows if w.end < day]
        return (earlier[-1] if earlier else windows[0]).name

    return term_of


def _rate(placement: Placement, referral: Referral | None, agreement: ServiceAgreement | None):
    if referral is not None and referral.agreed_cost is not None and referral.cost_basis:
        return referral.agreed_cost, referral.cost_basis
    if agreement is not None:
        return agreement.rate, agreement.cost_basis
    return None, SESSION


def year_value(start_year: int | None = None, today: date | None = None) -> YearValue:
    """Every placement running in the school year: cost, attendance, outcomes; spend by term with forecast.

    A fixed number of queries whatever the number of placements."""
    today = today or clock.today()
    start_year = school_year_start(today) if start_year is None else start_year
    first, last = year_bounds(start_year)
    windows = term_windows(start_year)
    term_of = _term_of(windows)
    placements = list(
        db.session.scalars(
            with_timetable_history(select(Placement))
            .where(
                Placement.status.in_((PLANNED, ACTIVE, ENDED)),
                Placement.start_date <= last,
                or_(Placement.ended_on.is_(None), Placement.ended_on >= first),
            )
            .order_by(Placement.start_date, Placement.id)
        )
    )
    ids = [p.id for p in placements]
    referrals = referrals_by_placement(ids)
    agreements = {
        a.provider_id: a
        for a in db.session.scalars(
            select(ServiceAgreement).where(
                ServiceAgreement.provider_id.in_(sorted({p.provider_id for p in placements}))
            )
        )
    }
    endings = {
        e.placement_id: e
        for e in db.session.scalars(select(PlacementEnding).where(PlacementEnding.placement_id.in_(ids)))
    }
    weekly = defaultdict(dict)
    for fb in db.session.scalars(
        select(WeeklyFeedback)
        .where(
            WeeklyFeedback.placement_id.in_(ids),
            WeeklyFeedback.status == SUBMITTED,
            WeeklyFeedback.engagement.is_not(None),
        )
        .order_by(WeeklyFeedback.week_start, WeeklyFeedback.version)
    ):
        weekly[fb.placement_id][fb.week_start] = fb.engagement  # the latest version of each week wins
    accreditations = defaultdict(list)
    for report in db.session.scalars(
        select(TermlyReport)
        .where(TermlyReport.placement_id.in_(ids), TermlyReport.status == SUBMITTED, TermlyReport.accreditation != "")
        .order_by(TermlyReport.term_id)
    ):
        accreditations[report.placement_id].append(report.accreditation)

    span = load_span(first, last)
    past_end = min(today, last)
    running = [p for p in placements if p.status in (ACTIVE, ENDED)]
    rows = expected_sessions(running, first, past_end, span) if past_end >= first else []
    _attach_records(rows, first, past_end, with_entries=True)
    happened = defaultdict(list)
    for row in counted_rows(rows, today):
        happened[row.placement.id].append(row)
    future_days = span.school_days(max(first, today), last)  # today's sessions not yet reported are still to come

    values = []
    for placement in placements:
        rate, basis = _rate(placement, referrals.get(placement.id), agreements.get(placement.provider_id))
        done = happened[placement.id]
        summary = Summary()
        for row in done:
            summary.add(row.outcome)
        delivered = [(r.day, r.session) for r in done if r.outcome != NOT_EXPECTED]
        projected = []
        if placement.status in (PLANNED, ACTIVE):
            end = min(placement.planned_end_date or last, last)
            counted = {(r.day, r.session) for r in done}
            projected = [
                (day, s)
                for day in future_days
                if placement.start_date <= day <= end
                for s in SESSIONS
                if (day, s) not in counted and timetable_for(placement, day, s)
            ]
        referral = referrals.get(placement.id)
        baseline = placement.baseline_attendance_percent
        if baseline is None and referral is not None and referral.attendance_percent is not None:
            baseline = float(referral.attendance_percent)
        scores = [score for _, score in sorted(weekly[placement.id].items())]
        value = PlacementValue(
            placement=placement,
            rate=rate,
            basis=basis,
            delivered=delivered,
            summary=summary,
            cost_by_term=allocate(basis, rate, delivered, term_of) if rate is not None else {},
            forecast_by_term=allocate(basis, rate, delivered + projected, term_of) if rate is not None else {},
            baseline=baseline,
            engagement=trend(scores),
            accreditations=accreditations[placement.id],
            ending=endings.get(placement.id),
            suspensions_before=referral.suspensions_last_year if referral is not None else None,
        )
        values.append(value)

    terms = [
        TermSpend(
            w.name,
            w.start,
            w.end,
            actual=money(sum((v.cost_by_term.get(w.name, Decimal(0)) for v in values), Decimal(0))),
            forecast=money(sum((v.forecast_by_term.get(w.name, Decimal(0)) for v in values), Decimal(0))),
        )
        for w in windows
    ]
    budget = db.session.scalar(select(ApBudget).where(ApBudget.start_year == start_year))
    return YearValue(start_year, today, values, terms, budget)


def set_budget(start_year: int, amount: Decimal, notes: str, *, actor) -> ApBudget:
    budget = db.session.scalar(select(ApBudget).where(ApBudget.start_year == start_year))
    old = None if budget is None else budget.amount
    values = {"amount": money(amount), "notes": notes, "set_by_id": actor.id, "set_at": clock.utcnow()}
    if budget is None:
        budget = ApBudget(start_year=start_year, **values)
        db.session.add(budget)
    else:
        for name, value in values.items():
            setattr(budget, name, value)
    db.session.flush()
    audit.record(
        "ap_budget_set",
        "ap_budget",
        budget.id,
        fields=["amount", "notes"],
        detail=f"{start_year}: {'none' if old is None else f'£{old:,.2f}'} to £{budget.amount:,.2f}",
        user=actor,
    )
    db.session.commit()
    return budget


# --- Charts: server-rendered SVG (readable in PDFs), always with the data table beside them ------------


@dataclass
class Bar:
    label: str
    value: Decimal
    x: float
    y: float
    width: float
    height: float
    kind: str


def bar_chart(
    groups: list[tuple[str, list[tuple[str, Decimal]]]],
    *,
    width: int = 560,
    height: int = 220,
    line: Decimal | None = None,
) -> dict:
    """Grouped bars: [(group label, [(series, value)])] scaled to the largest value (or `line`)."""
    top = max([v for _, series in groups for _, v in series] + [line or 0, Decimal(1)])
    left, bottom, chart_h = 10, 30, height - 50
    slot = (width - left * 2) / max(len(groups), 1)
    series_count = max((len(s) for _, s in groups), default=1)
    bar_w = min(40, (slot - 16) / series_count)
    bars, labels = [], []
    for i, (label, series) in enumerate(groups):
        x0 = left + i * slot + (slot - bar_w * series_count) / 2
        for j, (kind, value) in enumerate(series):
            h = float(value) / float(top) * chart_h
            bars.append(Bar(label, value, x0 + j * bar_w, 10 + chart_h - h, bar_w - 2, h, kind))
        labels.append((label, left + i * slot + slot / 2, height - bottom + 18))
    line_y = None if line is None else 10 + chart_h - float(line) / float(top) * chart_h
    return {"width": width, "height": height, "bars": bars, "labels": labels, "line_y": line_y, "axis_y": 10 + chart_h}
