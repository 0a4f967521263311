"""Each role's home page, the school's overview, and oversight: compliance, value for money, reports, census."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Blueprint, abort, flash, g, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ap_forms.attendance.forms import mark_forms
from ap_forms.attendance.services import day_register, missing_marks
from ap_forms.extensions import db
from ap_forms.feedback.models import WEEKLY
from ap_forms.feedback.services import DueItem, due_items
from ap_forms.oversight import census, governors, ofsted_pack
from ap_forms.oversight import compliance as compliance_rules
from ap_forms.oversight import value as value_for_money
from ap_forms.oversight.forms import BudgetForm, PlacementRecordsForm
from ap_forms.oversight.models import ApBudget, GovernorsReport
from ap_forms.placements import registration
from ap_forms.placements.models import ACTIVE, PLANNED
from ap_forms.placements.services import (
    KEY_WORKER_FINISHING_PERIOD,
    active_feeds,
    active_placements,
    get_placement_or_404,
    next_reviews_due,
    overdue_reviews,
    recently_ended,
)
from ap_forms.providers.models import Provider
from ap_forms.providers.services import load_providers, statuses_for
from ap_forms.quality.services import overdue_actions, visit_pace
from ap_forms.referrals.services import awaiting_decision
from ap_forms.school.models import School
from ap_forms.school_calendar.services import load_span, school_year_start
from ap_forms.students.services import children_of
from ap_forms.web import audit, clock, tenancy
from ap_forms.web.htmx import redirect
from ap_forms.web.pdf import pdf_response
from ap_forms.web.permissions import RULES
from ap_forms.web.rendering import render, render_form
from ap_forms.web.request_args import arg_day
from ap_forms.web.roles import ADMIN, KEY_WORKER, PARENT, TRUST_DSL, TRUST_LEAD
from ap_forms.web.views import csv_download

bp = Blueprint("oversight", __name__)


@bp.get("/")
def home():
    role = current_user.role
    today = clock.now().date()
    if role == ADMIN:
        return redirect(url_for("accounts.user_list"))
    if role == TRUST_DSL:
        return redirect(url_for("trust.safeguarding"))
    if role == TRUST_LEAD:
        return redirect(url_for("trust.overview"))
    if role == KEY_WORKER:
        # A key worker's home page IS today's register: sign in, "All present", done.
        now = clock.now()
        register = day_register(now.date(), user=current_user, now=now)
        placements = active_placements(current_user, statuses=(ACTIVE, PLANNED))
        return render(
            "oversight/home_key_worker.html",
            placements=placements,
            register=register,
            forms=mark_forms(register.rows),
            today=now.date(),
            missing=missing_marks(current_user, now.date()),
            previous_day=register.previous_day,
            next_day=register.next_day,
            ended=recently_ended(current_user, today),
            feedback_due=due_items(current_user, today),
            finishing_period=KEY_WORKER_FINISHING_PERIOD,
            other_schools=_other_schools_today(now),
        )
    if role == PARENT:
        placements = active_placements(current_user, statuses=(ACTIVE, PLANNED))
        return render(
            "oversight/home_parent.html",
            children=children_of(current_user),
            placements=placements,
            ended=recently_ended(current_user, today),
            reviews_due=next_reviews_due(placements),
            feeds=active_feeds(current_user),
            today=today,
            week=_school_week(today),
            other_schools=[
                db.session.get(School, i) for i in g.get("school_ids", ()) if i != tenancy.current_school_id()
            ],
        )
    return _school_overview(today)


def _other_schools_today(now) -> list[tuple[School, dict[str, int], int]]:
    """A key worker whose pupils come from several schools works in one at a time (each school has its
    own calendar and cut-offs): for each other school, today's totals and earlier sessions left unmarked,
    so no register is missed."""
    others = []
    for school_id in g.get("school_ids", ()):
        if school_id == tenancy.current_school_id():
            continue
        with tenancy.as_school(school_id):
            totals = day_register(now.date(), user=current_user, now=now).totals
            unmarked = sum(count for _day, count in missing_marks(current_user, now.date()))
        if totals["expected"] or unmarked:
            others.append((db.session.get(School, school_id), totals, unmarked))
    return others


def _school_week(today):
    """Monday to Friday of this week (next week at a weekend), each with why there is no school, if so."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() >= 5:
        monday += timedelta(days=7)
    span = load_span(monday - timedelta(days=35), monday + timedelta(days=42))
    return [(day, span.why_not_school_day(day)) for day in (monday + timedelta(days=n) for n in range(5))]


def _school_overview(today):
    placements = active_placements(current_user)
    # Every provider's status, computed from its record: a lapse is flagged here, never acted on.
    providers = load_providers()
    statuses = statuses_for(providers)
    by_provider = defaultdict(list)  # one pass: a trust's hundreds of providers times its placements was quadratic
    for placement in placements:
        by_provider[placement.provider_id].append(placement)
    lapsed = [(p, statuses[p.id], by_provider[p.id]) for p in providers if not statuses[p.id].is_cleared]
    lapsed_with_pupils = [row for row in lapsed if row[2]]
    attention = [(p, statuses[p.id]) for p in providers if statuses[p.id].state != "cleared"]
    # Quality-assurance visits behind pace and overdue visit actions, for those who read visits.
    sees_visits = current_user.role in RULES["quality.index"]
    today = clock.today()
    visits_behind = [r for r in visit_pace(today=today) if r.in_use and r.behind] if sees_visits else []
    overdue = overdue_actions(current_user, today) if sees_visits else []
    return render(
        "oversight/home_school.html",
        placements=placements,
        statuses=statuses,
        lapsed_with_pupils=lapsed_with_pupils,
        attention=attention,
        sees_visits=sees_visits,
        visits_behind=visits_behind,
        overdue_actions=overdue,
        today=today,
        overdue_reviews=overdue_reviews(current_user, today, placements),
        awaiting=awaiting_decision(current_user),
        feedback_overdue=overdue_by_provider(
            [i for i in due_items(current_user, today, placements=placements) if i.overdue]
        ),
    )


@dataclass
class ProviderOverdue:
    """One provider's overdue weekly feedback and termly reports, for one line on the overview."""

    provider: Provider
    weekly: int = 0
    termly: int = 0
    pupils: list[str] = field(default_factory=list)
    oldest_due: date | None = None

    @property
    def total(self) -> int:
        return self.weekly + self.termly


def overdue_by_provider(items: list[DueItem]) -> list[ProviderOverdue]:
    """Overdue items grouped by provider (most overdue first): counts and pupils, not a link per week."""
    rows: dict[int, ProviderOverdue] = {}
    for item in items:
        row = rows.setdefault(item.placement.provider_id, ProviderOverdue(provider=item.placement.provider))
        if item.kind == WEEKLY:
            row.weekly += 1
        else:
            row.termly += 1
        name = item.placement.student.full_name
        if name not in row.pupils:
            row.pupils.append(name)
        if row.oldest_due is None or item.due_by < row.oldest_due:
            row.oldest_due = item.due_by
    return sorted(rows.values(), key=lambda r: (-r.total, r.provider.name))


# --- The compliance board (issue 12) -------------------------------------------------------------


@bp.get("/oversight/compliance")
def compliance():
    facts = compliance_rules.load_facts()
    rows = compliance_rules.board(current_user.role, facts)
    groups = [(g, [r for r in rows if r.duty.group == g]) for g in compliance_rules.GROUPS]
    counts = {state: sum(1 for r in rows if r.state == state) for state in compliance_rules.STATE_LABELS}
    return render(
        "oversight/compliance.html",
        groups=[(g, rs) for g, rs in groups if rs],
        counts=counts,
        facts=facts,
        labels=compliance_rules.STATE_LABELS,
        tags=compliance_rules.STATE_TAGS,
    )


@bp.get("/oversight/compliance/<key>")
def compliance_duty(key: str):
    found = compliance_rules.get_duty(key)
    if found is None or current_user.role not in found.readers:
        abort(404)  # a row this role does not see is, for them, not there
    facts = compliance_rules.load_facts()
    outcome = found.run(facts)
    audit.record("compliance_viewed", "duty", key, commit=True)
    return render(
        "oversight/compliance_duty.html",
        duty=found,
        outcome=outcome,
        facts=facts,
        labels=compliance_rules.STATE_LABELS,
        tags=compliance_rules.STATE_TAGS,
    )


@bp.route("/placements/<int:placement_id>/records", methods=["GET", "POST"])
def placement_records(placement_id: int):
    """When and how the LA and the parents were told of the placement; suspensions during; destination."""
    placement = get_placement_or_404(current_user, placement_id)
    form = PlacementRecordsForm(obj=placement if request.method == "GET" else None)
    if request.method == "GET":
        form.suspensions_during.data = "" if placement.suspensions_during is None else str(placement.suspensions_during)
    if form.validate_on_submit():
        changed = []
        values = {
            "la_told_on": form.la_told_on.data,
            "la_told_how": form.la_told_how.data or "",
            "parents_told_on": form.parents_told_on.data,
            "parents_told_how": form.parents_told_how.data or "",
            "suspensions_during": form.suspensions_value,
            "destination": form.destination.data or "",
        }
        for name, value in values.items():
            if getattr(placement, name) != value:
                setattr(placement, name, value)
                changed.append(name)
        audit.record("placement_records_saved", "placement", placement.id, fields=changed, commit=True)
        flash("Saved.", "success")
        return redirect(url_for("placements.placement", placement_id=placement.id))
    return render_form("oversight/placement_records.html", form, placement=placement)


# --- Value for money, outcomes and the budget (issue 12) -----------------------------------------


@bp.get("/oversight/value")
def value():
    year = value_for_money.year_value(today=clock.today())
    term_chart = value_for_money.bar_chart(
        [(t.name, [("actual", t.actual), ("forecast", t.forecast)]) for t in year.terms]
    )
    audit.record("value_for_money_viewed", "school_year", year.start_year, commit=True)
    return render("oversight/value.html", year=year, term_chart=term_chart)


@bp.route("/oversight/value/budget", methods=["GET", "POST"])
def budget():
    start_year = school_year_start(clock.today())
    label = f"{start_year} to {start_year + 1}"
    current = db.session.scalar(select(ApBudget).where(ApBudget.start_year == start_year))
    form = BudgetForm()
    if request.method == "GET" and current is not None:
        form.amount.data, form.notes.data = f"{current.amount:.2f}", current.notes
    if form.validate_on_submit():
        value_for_money.set_budget(start_year, form.amount_value, form.notes.data or "", actor=current_user)
        flash(f"The AP budget for {label} is £{form.amount_value:,.2f}.", "success")
        return redirect(url_for("oversight.value"))
    return render_form("oversight/budget.html", form, label=label)


# --- The termly report to governors and the Local Authority (issue 12) -----------------------------


@bp.route("/oversight/reports", methods=["GET", "POST"])
def reports():
    if request.method == "POST":
        report = governors.generate(actor=current_user, today=clock.today())
        flash(f"Made “{report.title}”. It is kept below with the earlier reports.", "success")
        return redirect(url_for("oversight.reports"))
    return render("oversight/reports.html", reports=governors.archive(), term=governors.current_term(clock.today()))


@bp.get("/oversight/reports/<int:report_id>.pdf")
def report_pdf(report_id: int):
    report = db.get_or_404(GovernorsReport, report_id)
    audit.record("governors_report_downloaded", "governors_report", report.id, commit=True)
    made = clock.to_local(report.generated_at)
    return pdf_response(report.pdf, f"{report.title} made {made.isoformat(timespec='minutes')}.pdf")


# --- The Ofsted pack and the school census (issue 12) --------------------------------------------------


@bp.get("/oversight/ofsted")
def ofsted():
    """What inspectors ask on the first call: providers in use, pupils placed and their hours, attendance."""
    today = clock.today()
    year = value_for_money.year_value(today=today)
    current = [v for v in year.placements if v.placement.status == ACTIVE]
    providers = {
        v.placement.provider_id: v.placement.provider
        for v in year.placements
        if v.placement.status in (ACTIVE, PLANNED)
    }
    pace = {row.provider.id: row for row in visit_pace(today=today)}
    incidents = ofsted_pack.incident_counts(year.start_year)
    audit.record("ofsted_pack_viewed", "school_year", year.start_year, commit=True)
    return render(
        "oversight/ofsted.html",
        year=year,
        current=current,
        providers=sorted(providers.values(), key=lambda p: p.name),
        pace=pace,
        incidents=incidents,
        statuses=statuses_for(providers.values(), today),
        hours=registration.weekly_hours,
        full_time=registration.FULL_TIME_HOURS,
        today=today,
    )


def _census_day() -> tuple[date, list[tuple[str, date]]]:
    start_year = school_year_start(clock.today())
    days = census.census_days(start_year - 1) + census.census_days(start_year)
    asked = arg_day("day")
    if asked in [d for _, d in days]:
        return asked, days
    upcoming = [d for _, d in days if d >= clock.today()]
    return (upcoming[0] if upcoming else days[-1][1]), days


@bp.get("/oversight/census")
def census_check():
    day, days = _census_day()
    rows = census.census_rows(day)
    problems = [p for row in rows for p in row.problems()]
    return render("oversight/census.html", day=day, days=days, rows=rows, problems=problems)


@bp.get("/oversight/census.csv")
def census_export():
    day, _ = _census_day()
    rows = census.census_rows(day)
    table = census.export_rows(rows)
    audit.record("census_exported", "census", None, detail=f"{day.isoformat()}: {len(rows)} placements", commit=True)
    return csv_download(table, f"ap-census-{day.isoformat()}.csv")
