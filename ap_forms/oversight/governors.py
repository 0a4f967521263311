"""The termly report to governors (the Board of Trustees) and the Local Authority (issue 12).

Aggregate figures only: no pupil's name, and no provider's. Any figure about fewer than 5 pupils is
shown as "fewer than 5" (a count of none stays "none": it tells nothing about a pupil), and averages
and percentages about a group of fewer than 5 pupils are not shown at all. Each generated PDF is kept
whole (`GovernorsReport`); a new one never replaces an older one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from ap_forms.extensions import db
from ap_forms.oversight import compliance
from ap_forms.oversight.models import GovernorsReport
from ap_forms.oversight.value import YearValue, bar_chart, year_value
from ap_forms.placements import registration
from ap_forms.placements.models import ACTIVE, ENDED
from ap_forms.providers.models import REGISTRATION_TYPES
from ap_forms.quality.services import TermWindow, term_windows
from ap_forms.school_calendar.services import school_year_start
from ap_forms.web import audit, clock
from ap_forms.web.pdf import render_pdf

SMALL_GROUP = 5
FEWER_THAN_5 = "fewer than 5"


def pupils(count: int) -> str:
    """A count of pupils as the report may show it."""
    if count == 0:
        return "none"
    return FEWER_THAN_5 if count < SMALL_GROUP else str(count)


def group_figure(group_size: int, value, unit: str = "") -> str:
    """An average or percentage about a group of pupils: shown only for 5 pupils or more."""
    if group_size < SMALL_GROUP:
        return f"not shown ({FEWER_THAN_5} pupils)" if group_size else "no pupils"
    return "not known" if value is None else f"{value}{unit}"


def current_term(today: date) -> TermWindow:
    """The term today is in; in a holiday, the term that ended last."""
    windows = term_windows(school_year_start(today))
    for window in windows:
        if window.start <= today <= window.end:
            return window
    ended = [w for w in windows if w.end < today]
    return ended[-1] if ended else windows[0]


@dataclass
class ReportFigures:
    term: TermWindow
    start_year: int
    year: YearValue
    rows: list  # compliance rows (every duty)

    def __post_init__(self):
        in_term = [
            v
            for v in self.year.placements
            if v.placement.start_date <= self.term.end
            and v.placement.status in (ACTIVE, ENDED)
            and (v.placement.ended_on is None or v.placement.ended_on >= self.term.start)
        ]
        self.in_term = in_term
        students = {v.placement.student_id: v.placement.student for v in in_term}
        self.pupil_count = len(students)
        self.ehcp = sum(1 for s in students.values() if s.ehcp)
        self.looked_after = sum(1 for s in students.values() if s.looked_after)
        self.full_time = sum(1 for v in in_term if registration.is_full_time(v.placement.sessions))
        self.started = sum(1 for v in in_term if self.term.start <= v.placement.start_date <= self.term.end)
        self.ended = sum(
            1 for v in in_term if v.placement.ended_on and self.term.start <= v.placement.ended_on <= self.term.end
        )
        providers = {v.placement.provider_id: v.placement.provider for v in in_term}
        self.provider_count = len(providers)
        self.by_registration = sorted(
            Counter(REGISTRATION_TYPES.get(p.registration_type, "Not recorded") for p in providers.values()).items()
        )
        with_baseline = [v for v in in_term if v.baseline is not None and v.attendance is not None]
        self.baseline_group = len(with_baseline)
        self.baseline_average = (
            round(sum(v.baseline for v in with_baseline) / len(with_baseline), 1) if with_baseline else None
        )
        self.attendance_average = (
            round(sum(v.attendance for v in with_baseline) / len(with_baseline), 1) if with_baseline else None
        )
        self.improved = sum(1 for v in with_baseline if v.attendance_change > 0)
        self.destinations = sorted(Counter(v.destination_label for v in in_term if v.placement.destination).items())
        self.term_spend = next((t for t in self.year.terms if t.name == self.term.name), None)


def figures(today: date | None = None) -> ReportFigures:
    today = today or clock.today()
    term = current_term(today)
    start_year = school_year_start(today)
    facts = compliance.load_facts(today=today)
    rows = [compliance.Row(d, d.run(facts)) for d in compliance.DUTIES]
    return ReportFigures(term, start_year, year_value(start_year, today), rows)


def build_pdf(data: ReportFigures, *, generated_by) -> bytes:
    chart = bar_chart(
        [(t.name, [("actual", t.actual), ("forecast", t.forecast)]) for t in data.year.terms], width=420, height=180
    )
    return render_pdf(
        "pdf/governors_report.html",
        data=data,
        chart=chart,
        pupils=pupils,
        group_figure=group_figure,
        labels=compliance.STATE_LABELS,
        generated_by=generated_by,
        today=clock.today(),
    )


def generate(*, actor, today: date | None = None) -> GovernorsReport:
    """Make this term's report now, and keep it (every version is kept)."""
    data = figures(today)
    title = f"Alternative provision: {data.term.name} term {data.term.start.year}"
    report = GovernorsReport(
        title=title,
        period_start=data.term.start,
        period_end=data.term.end,
        generated_by_id=actor.id,
        generated_at=clock.utcnow(),
        pdf=build_pdf(data, generated_by=actor),
    )
    db.session.add(report)
    db.session.flush()
    audit.record("governors_report_generated", "governors_report", report.id, detail=title, user=actor)
    db.session.commit()
    return report


def archive() -> list[GovernorsReport]:
    query = select(GovernorsReport).order_by(GovernorsReport.generated_at.desc(), GovernorsReport.id.desc())
    # The PDF bytes are read only when a version is downloaded.
    return list(
        db.session.scalars(query.options(defer(GovernorsReport.pdf), selectinload(GovernorsReport.generated_by)))
    )
