"""Weekly feedback, termly reports, Annual Review contributions, what is due, and reminders.

All writes go through here. Records are reached through the placement's scoped query
(placements.services.scope_placements): a key worker reaches only their provider's placements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ap_forms.accounts.models import User
from ap_forms.extensions import db
from ap_forms.feedback.models import (
    DRAFT,
    RATINGS,
    RECOMMENDATIONS,
    SUBMITTED,
    TERMLY,
    WEEKLY,
    AnnualReviewContribution,
    FeedbackReminder,
    FeedbackReply,
    TermlyReport,
    WeeklyFeedback,
)
from ap_forms.placements.models import ACTIVE, ENDED, Placement
from ap_forms.placements.services import KEY_WORKER_FINISHING_PERIOD, is_finishing_only, scope_placements
from ap_forms.school.services import works_here
from ap_forms.school_calendar.models import Term
from ap_forms.school_calendar.services import CalendarSpan, load_span
from ap_forms.web import audit, clock
from ap_forms.web.clock import utcnow
from ap_forms.web.database import delete_rows

WEEKLY_LOOK_BACK = timedelta(weeks=8)  # older missing weeks are for the placement review, not a reminder
TERMLY_DUE_AFTER = timedelta(days=14)  # a termly report is due within two weeks of the term's end
TEXT_FIELDS = ("behaviour", "wellbeing", "achievements", "concerns", "next_week_plan")
REPORT_FIELDS = ("engagement_summary", "academic_outcomes", "accreditation", "behaviour", "strengths", "next_steps")


class FeedbackError(ValueError):
    """A request that cannot be carried out; the message is shown to the user."""


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def placement_end(placement: Placement) -> date | None:
    return placement.ended_on or (placement.planned_end_date if placement.status == ENDED else None)


def get_placement_or_404(user, placement_id: int, *, finishing: bool = False) -> Placement:
    """The placement, scoped; `finishing=True` only for the final termly report and Annual Review pages."""
    query = (
        scope_placements(select(Placement), user, finishing=finishing)
        .where(Placement.id == placement_id)
        .options(selectinload(Placement.student), selectinload(Placement.provider))
    )
    return db.first_or_404(query)


# --- weekly feedback ---------------------------------------------------------------------------


def versions_of(placement: Placement, week_start: date) -> list[WeeklyFeedback]:
    """Every version of one week's feedback, newest first."""
    return list(
        db.session.scalars(
            select(WeeklyFeedback)
            .where(WeeklyFeedback.placement_id == placement.id, WeeklyFeedback.week_start == week_start)
            .order_by(WeeklyFeedback.version.desc())
        ).all()
    )


def current_version(placement: Placement, week_start: date) -> WeeklyFeedback | None:
    versions = versions_of(placement, week_start)
    return versions[0] if versions else None


def check_week(placement: Placement, week_start: date, today: date | None = None) -> None:
    today = today or clock.today()
    if week_start.weekday() != 0:
        raise FeedbackError("A week's feedback starts on a Monday")
    if week_start > today:
        raise FeedbackError("You cannot write feedback for a week that has not started")
    end = placement_end(placement)
    if week_start + timedelta(days=4) < placement.start_date or (end and week_start > end):
        raise FeedbackError("The placement was not running that week")


def blank_progress(placement: Placement) -> list[dict]:
    return [{"objective": text, "rating": "", "comment": ""} for text in placement.objective_list]


def draft_for(placement: Placement, week_start: date, *, by, today: date | None = None) -> WeeklyFeedback:
    """The draft of a week to edit: the open draft, or a new one (nothing saved until edited)."""
    check_week(placement, week_start, today)
    current = current_version(placement, week_start)
    if current and current.status == DRAFT:
        return current
    if current:
        raise FeedbackError("This week's feedback has been submitted. Make a correction to change it.")
    return WeeklyFeedback(
        placement_id=placement.id,
        week_start=week_start,
        version=1,
        status=DRAFT,
        progress=blank_progress(placement),
        author_id=by.id,
    )


def _clean_progress(placement_objectives: list[str], progress: list[dict]) -> list[dict]:
    valid = {value for value, _ in RATINGS}
    cleaned = []
    for index, objective in enumerate(placement_objectives):
        given = progress[index] if index < len(progress) else {}
        rating = given.get("rating") or ""
        cleaned.append(
            {
                "objective": objective,
                "rating": rating if rating in valid else "",
                "comment": (given.get("comment") or "").strip(),
            }
        )
    return cleaned


def _record_week_event(action: str, feedback: WeeklyFeedback, *, by, version: bool = True) -> None:
    """Audit something done to a week's feedback (on the placement's record), and commit it with the change."""
    detail = f"week {feedback.week_start.isoformat()}"
    if version:
        detail += f" version {feedback.version}"
    audit.record(action, "placement", feedback.placement_id, detail=detail, user=by, commit=True)


def save_weekly(
    placement: Placement, week_start: date, values: dict, *, by, submit: bool = False, today: date | None = None
) -> WeeklyFeedback:
    """Save the week's draft (autosave or Save), or submit it. Submitting needs the engagement score."""
    feedback = draft_for(placement, week_start, by=by, today=today)
    engagement = values.get("engagement")
    if engagement not in (None, ""):
        engagement = int(engagement)
        if not 1 <= engagement <= 5:
            raise FeedbackError("Choose how engaged the pupil was, from 1 to 5")
        feedback.engagement = engagement
    objectives = [p["objective"] for p in feedback.progress] or placement.objective_list
    feedback.progress = _clean_progress(objectives, values.get("progress") or [])
    for name in TEXT_FIELDS:
        if name in values:
            setattr(feedback, name, (values.get(name) or "").strip())
    feedback.author_id = by.id
    feedback.updated_at = utcnow()
    if submit:
        if feedback.engagement is None:
            raise FeedbackError("Choose how engaged the pupil was this week")
        feedback.status = SUBMITTED
        feedback.submitted_at = utcnow()
    db.session.add(feedback)
    _record_week_event("weekly_feedback_submitted" if submit else "weekly_feedback_saved", feedback, by=by)
    return feedback


def start_correction(placement: Placement, week_start: date, reason: str, *, by) -> WeeklyFeedback:
    """A new draft version copying the submitted one; the submitted version is kept unchanged."""
    current = current_version(placement, week_start)
    if current is None or current.status != SUBMITTED:
        raise FeedbackError("Only submitted feedback can be corrected")
    if not reason.strip():
        raise FeedbackError("Say what needs correcting")
    correction = WeeklyFeedback(
        placement_id=placement.id,
        week_start=week_start,
        version=current.version + 1,
        status=DRAFT,
        engagement=current.engagement,
        progress=[dict(p) for p in current.progress],
        correction_reason=reason.strip(),
        author_id=by.id,
        **{name: getattr(current, name) for name in TEXT_FIELDS},
    )
    db.session.add(correction)
    _record_week_event("weekly_feedback_correction_started", correction, by=by)
    return correction


def submitted_feedback(placement_ids: list[int]) -> list[WeeklyFeedback]:
    """The latest submitted version of each week, oldest week first."""
    rows = db.session.scalars(
        select(WeeklyFeedback)
        .where(WeeklyFeedback.placement_id.in_(placement_ids), WeeklyFeedback.status == SUBMITTED)
        .options(selectinload(WeeklyFeedback.author), selectinload(WeeklyFeedback.placement))
        .order_by(WeeklyFeedback.week_start, WeeklyFeedback.version)
    ).all()
    latest: dict[tuple[int, date], WeeklyFeedback] = {}
    for row in rows:
        latest[(row.placement_id, row.week_start)] = row
    return sorted(latest.values(), key=lambda f: (f.week_start, f.placement_id))


def replies_for(feedback_ids: list[int]) -> dict[int, list[FeedbackReply]]:
    replies: dict[int, list[FeedbackReply]] = {}
    if not feedback_ids:
        return replies
    for reply in db.session.scalars(
        select(FeedbackReply)
        .where(FeedbackReply.feedback_id.in_(feedback_ids))
        .options(selectinload(FeedbackReply.author))
        .order_by(FeedbackReply.created_at)
    ).all():
        replies.setdefault(reply.feedback_id, []).append(reply)
    return replies


def reply(feedback: WeeklyFeedback, comment: str, *, by) -> FeedbackReply:
    if feedback.status != SUBMITTED:
        raise FeedbackError("Only submitted feedback can be acknowledged")
    row = FeedbackReply(feedback_id=feedback.id, author_id=by.id, comment=comment.strip())
    db.session.add(row)
    _record_week_event("weekly_feedback_acknowledged", feedback, by=by, version=False)
    return row


def get_feedback_or_404(user, feedback_id: int) -> WeeklyFeedback:
    query = (
        select(WeeklyFeedback)
        .join(Placement, WeeklyFeedback.placement_id == Placement.id)
        .where(WeeklyFeedback.id == feedback_id)
    )
    return db.first_or_404(scope_placements(query, user))


@dataclass
class ObjectiveStatus:
    objective: str
    rating: str
    comment: str
    week_start: date | None


def latest_ratings(placement: Placement, feedback: list[WeeklyFeedback]) -> list[ObjectiveStatus]:
    """Each objective with its most recent rating from submitted weekly feedback."""
    statuses = []
    for objective in placement.objective_list:
        found = ObjectiveStatus(objective, "", "", None)
        for row in feedback:
            if row.placement_id != placement.id:
                continue
            for item in row.progress or []:
                if item.get("objective") == objective and item.get("rating"):
                    found = ObjectiveStatus(objective, item["rating"], item.get("comment", ""), row.week_start)
        statuses.append(found)
    return statuses


def engagement_chart(feedback: list[WeeklyFeedback], width: int = 600, height: int = 200) -> dict:
    """Points for an SVG line chart of engagement (1–5) by week; the page also shows a table."""
    points = [(f.week_start, f.engagement) for f in feedback if f.engagement]
    left, right, top, bottom = 40, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    coords = []
    for index, (week, score) in enumerate(points):
        x = left + (plot_w * index / (len(points) - 1) if len(points) > 1 else plot_w / 2)
        y = top + plot_h * (5 - score) / 4
        coords.append({"x": round(x, 1), "y": round(y, 1), "week": week, "score": score})
    gridlines = [{"score": s, "y": round(top + plot_h * (5 - s) / 4, 1)} for s in range(1, 6)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "points": coords,
        "gridlines": gridlines,
        "path": " ".join(f"{c['x']},{c['y']}" for c in coords),
        "bottom": height - bottom,
    }


# --- what is due -------------------------------------------------------------------------------


@dataclass
class DueItem:
    kind: str  # WEEKLY or TERMLY
    placement: Placement
    period_start: date  # the Monday, or the term's first day
    due_by: date
    overdue: bool
    term: Term | None = None
    draft: bool = False

    @property
    def label(self) -> str:
        if self.kind == WEEKLY:
            return f"Weekly feedback for the week of {self.period_start:%-d %B %Y}"
        return f"Termly report for {self.term.label}"


def _running_between(placement: Placement, start: date, end: date) -> bool:
    finished = placement_end(placement)
    return placement.start_date <= end and (finished is None or finished >= start)


def due_items(user, today: date | None = None, *, placements: list[Placement] | None = None) -> list[DueItem]:
    """Weekly feedback and termly reports due or overdue for the placements this user reaches.

    A week (Monday to Friday) needs feedback once it has started, if the placement ran in it and the
    school was open; it is overdue after the following Monday. A term needs a report once it has
    ended, if the placement ran during it (starting or ending mid-term included); it is overdue two
    weeks after the term's last day.
    """
    today = today or clock.today()
    if placements is None:
        placements = _due_list_placements(user, today)
    placements = [p for p in placements if p.status in (ACTIVE, ENDED)]
    if not placements:
        return []
    first_week = monday_of(today - WEEKLY_LOOK_BACK)
    span = load_span(first_week - timedelta(days=400), today)
    handed_in = _handed_in([p.id for p in placements], first_week)
    # Terms ended in the last half year: an older missing report is for the placement review.
    ended_terms = [t for t in span.terms if today - timedelta(days=183) <= t.end_date < today]

    items: list[DueItem] = []
    for placement in placements:
        if is_finishing_only(user, placement, today):
            items += _final_report_due(placement, span, handed_in, today)
        else:
            items += _weeks_due(placement, first_week, span, handed_in, today)
            items += _terms_due(placement, ended_terms, handed_in, today)
    return sorted(items, key=lambda i: (not i.overdue, i.due_by, i.placement.student.last_name))


def _due_list_placements(user, today: date) -> list[Placement]:
    query = (
        scope_placements(select(Placement), user, finishing=True, today=today)
        .where(Placement.status.in_((ACTIVE, ENDED)))
        .options(joinedload(Placement.student), joinedload(Placement.provider), joinedload(Placement.key_worker))
    )
    return list(db.session.scalars(query).all())


@dataclass(frozen=True)
class _HandedIn:
    """What is submitted, or started as a draft: (placement id, week start) and (placement id, term id)."""

    submitted_weeks: set[tuple[int, date]]
    draft_weeks: set[tuple[int, date]]
    submitted_reports: set[tuple[int, int]]
    draft_reports: set[tuple[int, int]]


def _handed_in(ids: list[int], first_week: date) -> _HandedIn:
    weekly_rows = db.session.execute(
        select(WeeklyFeedback.placement_id, WeeklyFeedback.week_start, WeeklyFeedback.status).where(
            WeeklyFeedback.placement_id.in_(ids), WeeklyFeedback.week_start >= first_week
        )
    ).all()
    report_rows = db.session.execute(
        select(TermlyReport.placement_id, TermlyReport.term_id, TermlyReport.status).where(
            TermlyReport.placement_id.in_(ids)
        )
    ).all()
    return _HandedIn(
        submitted_weeks={(r.placement_id, r.week_start) for r in weekly_rows if r.status == SUBMITTED},
        draft_weeks={(r.placement_id, r.week_start) for r in weekly_rows if r.status == DRAFT},
        submitted_reports={(r.placement_id, r.term_id) for r in report_rows if r.status == SUBMITTED},
        draft_reports={(r.placement_id, r.term_id) for r in report_rows if r.status == DRAFT},
    )


def _final_report_due(placement: Placement, span: CalendarSpan, handed_in: _HandedIn, today: date) -> list[DueItem]:
    """Ended: the key worker may only finish the final termly report, within the set period."""
    final = final_term(placement, span.terms, today)
    if final is None or (placement.id, final.id) in handed_in.submitted_reports:
        return []
    due_by = placement.ended_on + KEY_WORKER_FINISHING_PERIOD if placement.ended_on else today
    return [
        DueItem(
            TERMLY,
            placement,
            final.start_date,
            due_by,
            today > due_by,
            final,
            draft=(placement.id, final.id) in handed_in.draft_reports,
        )
    ]


def _weeks_due(
    placement: Placement, first_week: date, span: CalendarSpan, handed_in: _HandedIn, today: date
) -> list[DueItem]:
    """Each week since `first_week` that the placement ran in and the school was open, not yet submitted."""
    items = []
    week = max(first_week, monday_of(placement.start_date))
    while week <= today:
        friday = week + timedelta(days=4)
        key = (placement.id, week)
        if (
            key not in handed_in.submitted_weeks
            and _running_between(placement, week, friday)
            and span.school_days(max(week, placement.start_date), friday)
        ):
            due_by = week + timedelta(days=7)
            items.append(DueItem(WEEKLY, placement, week, due_by, today > due_by, draft=key in handed_in.draft_weeks))
        week += timedelta(days=7)
    return items


def _terms_due(placement: Placement, ended_terms: list[Term], handed_in: _HandedIn, today: date) -> list[DueItem]:
    """Each recently ended term the placement ran in, with no submitted report."""
    items = []
    for term in ended_terms:
        key = (placement.id, term.id)
        if key not in handed_in.submitted_reports and _running_between(placement, term.start_date, term.end_date):
            due_by = term.end_date + TERMLY_DUE_AFTER
            items.append(
                DueItem(
                    TERMLY,
                    placement,
                    term.start_date,
                    due_by,
                    today > due_by,
                    term,
                    draft=key in handed_in.draft_reports,
                )
            )
    return items


# --- termly reports ----------------------------------------------------------------------------


def get_term_or_404(term_id: int) -> Term:
    term = db.session.get(Term, term_id)
    if term is None:
        abort(404)
    return term


def report_for(placement: Placement, term: Term) -> TermlyReport | None:
    return db.session.scalar(
        select(TermlyReport).where(TermlyReport.placement_id == placement.id, TermlyReport.term_id == term.id)
    )


def report_period(placement: Placement, term: Term) -> tuple[date, date]:
    """The part of the term the placement ran in (a placement may start or end mid-term)."""
    finished = placement_end(placement)
    return max(term.start_date, placement.start_date), min(term.end_date, finished or term.end_date)


def term_attendance(placement: Placement, term: Term, today: date | None = None):
    """The placement's attendance for the term, from the register."""
    from ap_forms.attendance.services import build_record

    start, end = report_period(placement, term)
    return build_record([placement], start, end, today=today)


def term_engagement(placement: Placement, term: Term) -> list[WeeklyFeedback]:
    start, end = report_period(placement, term)
    return [f for f in submitted_feedback([placement.id]) if start - timedelta(days=6) <= f.week_start <= end]


def save_report(
    placement: Placement, term: Term, values: dict, *, by, submit: bool = False, today: date | None = None
) -> TermlyReport:
    today = today or clock.today()
    if not _running_between(placement, term.start_date, term.end_date):
        raise FeedbackError("The placement was not running in this term")
    if term.start_date > today:
        raise FeedbackError("This term has not started yet")
    report = report_for(placement, term)
    if report and report.status == SUBMITTED:
        raise FeedbackError("This report has been submitted and cannot be changed")
    if report is None:
        report = TermlyReport(placement_id=placement.id, term_id=term.id, progress=[])
        db.session.add(report)
    for name in REPORT_FIELDS:
        if name in values:
            setattr(report, name, (values.get(name) or "").strip())
    recommendation = values.get("recommendation") or ""
    if recommendation and recommendation in dict(RECOMMENDATIONS):
        report.recommendation = recommendation
    report.progress = _clean_progress(placement.objective_list, values.get("progress") or [])
    report.author_id = by.id
    report.updated_at = utcnow()
    if submit:
        if not report.recommendation:
            raise FeedbackError("Choose your recommendation for the placement")
        report.status = SUBMITTED
        report.submitted_at = utcnow()
    audit.record(
        "termly_report_submitted" if submit else "termly_report_saved",
        "placement",
        placement.id,
        detail=term.label,
        user=by,
    )
    db.session.commit()
    return report


def reports_of(placement_ids: list[int]) -> list[TermlyReport]:
    return list(
        db.session.scalars(
            select(TermlyReport)
            .where(TermlyReport.placement_id.in_(placement_ids))
            .options(selectinload(TermlyReport.term).selectinload(Term.school_year))
            .order_by(TermlyReport.term_id)
        ).all()
    )


def final_term(placement: Placement, terms, today: date) -> Term | None:
    """The last term (started by today) in which the placement ran: its final termly report."""
    running = [t for t in terms if t.start_date <= today and _running_between(placement, t.start_date, t.end_date)]
    return max(running, key=lambda t: t.start_date) if running else None


def terms_for_placement(placement: Placement, today: date | None = None) -> list[Term]:
    """Terms (started by today) in which the placement ran: the terms a report can be written for."""
    today = today or clock.today()
    span = load_span(placement.start_date, today)
    return [t for t in span.terms if t.start_date <= today and _running_between(placement, t.start_date, t.end_date)]


# --- Annual Review contributions ---------------------------------------------------------------


def contributions_for(placement_ids: list[int]) -> list[AnnualReviewContribution]:
    return list(
        db.session.scalars(
            select(AnnualReviewContribution)
            .where(AnnualReviewContribution.placement_id.in_(placement_ids))
            .options(
                selectinload(AnnualReviewContribution.author),
                selectinload(AnnualReviewContribution.placement).selectinload(Placement.provider),
            )
            .order_by(AnnualReviewContribution.updated_at.desc())
        ).all()
    )


def save_contribution(
    placement: Placement, *, review_date: date | None, progress_views: str, recommendations: str, by
) -> AnnualReviewContribution:
    existing = contributions_for([placement.id])
    contribution = existing[0] if existing else AnnualReviewContribution(placement_id=placement.id)
    contribution.review_date = review_date
    contribution.progress_views = progress_views.strip()
    contribution.recommendations = recommendations.strip()
    contribution.author_id = by.id
    contribution.updated_at = utcnow()
    db.session.add(contribution)
    audit.record("annual_review_contribution_saved", "placement", placement.id, user=by)
    db.session.commit()
    return contribution


# --- who to tell -------------------------------------------------------------------------------


def key_worker_emails(placement: Placement) -> list[str]:
    if placement.key_worker is not None and placement.key_worker.active:
        return [placement.key_worker.email]
    return list(
        db.session.scalars(
            select(User.email).where(
                User.role == "key_worker", User.provider_id == placement.provider_id, User.active.is_(True)
            )
        ).all()
    )


def dsl_contacts() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == "dsl", User.active.is_(True), works_here(User.id)).order_by(User.name)
        ).all()
    )


def erase_feedback(placement_ids) -> dict[str, int]:
    """Delete the placements' weekly feedback (with replies), reminders sent, termly reports and Annual Review
    contributions, children first (the retention review); how many of each went."""
    feedback = select(WeeklyFeedback.id).where(WeeklyFeedback.placement_id.in_(placement_ids))
    delete_rows(FeedbackReply, FeedbackReply.feedback_id.in_(feedback))
    counts = {"weekly feedback versions": delete_rows(WeeklyFeedback, WeeklyFeedback.placement_id.in_(placement_ids))}
    delete_rows(FeedbackReminder, FeedbackReminder.placement_id.in_(placement_ids))
    counts["termly reports"] = delete_rows(TermlyReport, TermlyReport.placement_id.in_(placement_ids))
    counts["Annual Review contributions"] = delete_rows(
        AnnualReviewContribution, AnnualReviewContribution.placement_id.in_(placement_ids)
    )
    return counts
