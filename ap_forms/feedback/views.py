"""Weekly feedback, termly reports and Annual Review contributions: key worker and school pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from ap_forms.feedback import services
from ap_forms.feedback.forms import (
    ContributionForm,
    CorrectionForm,
    ReplyForm,
    TermlyReportForm,
    WeeklyFeedbackForm,
)
from ap_forms.feedback.models import ENGAGEMENT, SUBMITTED, rating_label
from ap_forms.placements.pupils import get_student_or_404
from ap_forms.placements.services import active_placements, is_finishing_only, placements_for_student
from ap_forms.school.services import get_settings
from ap_forms.web import audit, autosave, clock
from ap_forms.web.htmx import redirect
from ap_forms.web.pdf import pdf_response, render_pdf
from ap_forms.web.rendering import render, render_form
from ap_forms.web.request_args import parse_day
from ap_forms.web.roles import KEY_WORKER
from ap_forms.web.views import form_saved, found_or_404

bp = Blueprint("feedback", __name__)
SUBMITTED_SHOWN = 30  # submitted weeks listed for a key worker (about a term's worth)


def _week(text: str) -> date:
    return found_or_404(parse_day(text))


def _save_or_submit(form, save: Callable[..., object], refused_at: str) -> bool:
    """Save a draft (a weekly feedback, a termly report), or submit it when its Submit button was pressed:
    `save(values, submit=...)`. Whether it went through; a refusal is shown at the field `refused_at`."""
    return form_saved(
        form, lambda: save(form.values(), submit=bool(form.submit.data)), services.FeedbackError, fallback=refused_at
    )


@bp.get("/feedback")
def due_list():
    today = clock.today()
    items = services.due_items(current_user, today)
    provider_id = request.args.get("provider", type=int)  # from the overview's one link per provider
    if provider_id is not None:
        items = [item for item in items if item.placement.provider_id == provider_id]
    placements = [p for p in active_placements(current_user) if p.start_date <= today]
    submitted, replies = [], {}
    if current_user.role == KEY_WORKER:
        # The key worker's submitted weeks, newest first, each with the school's reply when there is one.
        submitted = list(reversed(services.submitted_feedback([p.id for p in placements])))[:SUBMITTED_SHOWN]
        replies = services.replies_for([f.id for f in submitted])
    return render(
        "feedback/due_list.html",
        items=items,
        today=today,
        placements=placements,
        this_week=services.monday_of(today),
        submitted=submitted,
        replies=replies,
        only_provider=items[0].placement.provider if provider_id is not None and items else None,
        filtered=provider_id is not None,
    )


@bp.route("/placements/<int:placement_id>/feedback/<week>", methods=["GET", "POST"])
def week(placement_id: int, week: str):
    placement = services.get_placement_or_404(current_user, placement_id)
    week_start = _week(week)
    try:
        services.check_week(placement, week_start)
    except services.FeedbackError:
        abort(404)
    versions = services.versions_of(placement, week_start)
    current = versions[0] if versions else None
    if current and current.status == SUBMITTED:
        replies = services.replies_for([v.id for v in versions])
        audit.record("weekly_feedback_viewed", "placement", placement.id, detail=f"week {week_start}", commit=True)
        return render(
            "feedback/week_submitted.html",
            placement=placement,
            week_start=week_start,
            feedback=current,
            versions=versions,
            replies=replies,
            form=CorrectionForm(),
            rating_label=rating_label,
        )
    draft = current or services.draft_for(placement, week_start, by=current_user)
    form = WeeklyFeedbackForm()
    form.set_objectives([p["objective"] for p in draft.progress] or placement.objective_list)
    if request.method == "GET":
        form.engagement.data = str(draft.engagement) if draft.engagement else None
        form.fill_progress(draft.progress)
        for name in services.TEXT_FIELDS:
            getattr(form, name).data = getattr(draft, name)
    context = {
        "placement": placement,
        "week_start": week_start,
        "draft": draft,
        "dsls": services.dsl_contacts(),
        "settings": get_settings(),
        "previous": versions[1:],
    }
    if _save_or_submit(form, partial(services.save_weekly, placement, week_start, by=current_user), "engagement"):
        if autosave.is_autosave():
            return autosave.saved()
        flash(
            "Feedback submitted. The school will see it straight away."
            if form.submit.data
            else "Draft saved. Submit it when it is complete.",
            "success",
        )
        return redirect(url_for("feedback.week", placement_id=placement.id, week=week_start.isoformat()))
    if autosave.is_autosave():
        return autosave.form_not_saved(form)
    return render_form("feedback/week_edit.html", form, **context)


@bp.post("/placements/<int:placement_id>/feedback/<week>/correct")
def correct(placement_id: int, week: str):
    placement = services.get_placement_or_404(current_user, placement_id)
    week_start = _week(week)
    form = CorrectionForm()
    target = url_for("feedback.week", placement_id=placement.id, week=week_start.isoformat())
    if not form.validate_on_submit():
        flash("Say what needs correcting before making a correction.", "error")
        return redirect(target)
    try:
        services.start_correction(placement, week_start, form.reason.data, by=current_user)
    except services.FeedbackError as error:
        flash(str(error), "error")
    return redirect(target)


@bp.get("/pupils/<int:student_id>/progress")
def progress(student_id: int):
    student = get_student_or_404(current_user, student_id)
    return _progress_page(student)


def _progress_page(student, *, failed_reply: ReplyForm | None = None, failed_id: int | None = None):
    """The progress page; after a refused reply, that week's form shows the error at the field and
    keeps what was typed (422), with the error summary linking to it."""
    placements = placements_for_student(current_user, student.id)
    ids = [p.id for p in placements]
    feedback = services.submitted_feedback(ids)
    replies = services.replies_for([f.id for f in feedback])
    audit.record("pupil_progress_viewed", "student", student.id, commit=True)
    return render(
        "feedback/progress.html",
        student=student,
        placements=placements,
        feedback=feedback,
        timeline=list(reversed(feedback)),
        replies=replies,
        objectives={p.id: services.latest_ratings(p, feedback) for p in placements},
        chart=services.engagement_chart(feedback),
        reports=services.reports_of(ids),
        contributions=services.contributions_for(ids),
        reply_form=ReplyForm(formdata=None),
        form=failed_reply,
        failed_reply=failed_reply,
        failed_id=failed_id,
        status=422 if failed_reply else 200,
        rating_label=rating_label,
        engagement_words=ENGAGEMENT,
    )


@bp.post("/feedback/<int:feedback_id>/reply")
def reply(feedback_id: int):
    feedback = services.get_feedback_or_404(current_user, feedback_id)
    form = ReplyForm()
    target = url_for("feedback.progress", student_id=feedback.placement.student_id) + f"#week-{feedback.id}"
    if form.validate_on_submit():
        try:
            services.reply(feedback, form.comment.data or "", by=current_user)
        except services.FeedbackError as error:
            flash(str(error), "error")
        else:
            flash("Feedback acknowledged. The key worker will see your reply.", "success")
        return redirect(target)
    if not form.comment.errors:
        form.comment.errors = ["The reply could not be saved. Try again."]
    return _progress_page(feedback.placement.student, failed_reply=form, failed_id=feedback.id)


@bp.route("/placements/<int:placement_id>/terms/<int:term_id>/report", methods=["GET", "POST"])
def termly_report(placement_id: int, term_id: int):
    placement = services.get_placement_or_404(current_user, placement_id, finishing=True)
    term = services.get_term_or_404(term_id)
    terms = services.terms_for_placement(placement)
    if term not in terms or (is_finishing_only(current_user, placement) and term != terms[-1]):
        abort(404)  # after the placement ends, a key worker may finish only its final report
    if request.method == "GET":
        audit.record("termly_report_viewed", "placement", placement.id, detail=term.label, commit=True)
    report = services.report_for(placement, term)
    attendance = services.term_attendance(placement, term)
    engagement = services.term_engagement(placement, term)
    if report and report.status == SUBMITTED:
        return render(
            "feedback/report_submitted.html",
            placement=placement,
            term=term,
            report=report,
            attendance=attendance,
            rating_label=rating_label,
        )
    form = TermlyReportForm()
    form.set_objectives(placement.objective_list)
    if request.method == "GET" and report:
        form.fill_progress(report.progress)
        form.recommendation.data = report.recommendation or None
        for name in services.REPORT_FIELDS:
            getattr(form, name).data = getattr(report, name)
    if _save_or_submit(form, partial(services.save_report, placement, term, by=current_user), "recommendation"):
        flash("Report submitted." if form.submit.data else "Draft saved. Submit it when it is complete.", "success")
        return redirect(url_for("feedback.termly_report", placement_id=placement.id, term_id=term.id))
    return render_form(
        "feedback/report_edit.html", form, placement=placement, term=term, attendance=attendance, engagement=engagement
    )


@bp.get("/placements/<int:placement_id>/terms/<int:term_id>/report.pdf")
def termly_pdf(placement_id: int, term_id: int):
    placement = services.get_placement_or_404(current_user, placement_id, finishing=True)
    term = services.get_term_or_404(term_id)
    report = services.report_for(placement, term)
    if report is None or (
        is_finishing_only(current_user, placement) and term not in services.terms_for_placement(placement)[-1:]
    ):
        abort(404)
    audit.record("termly_report_downloaded", "placement", placement.id, detail=term.label, commit=True)
    # After the commit (which expires what was loaded): loaded before, each mark was read again one by one.
    attendance = services.term_attendance(placement, term)
    months = attendance.by_month()
    pdf = render_pdf(
        "pdf/termly_report.html",
        placement=placement,
        term=term,
        report=report,
        attendance=attendance,
        months=months,
        engagement=services.term_engagement(placement, term),
        period=services.report_period(placement, term),
        rating_label=rating_label,
    )
    return pdf_response(pdf, f"Termly report {placement.student.full_name} {term.label}.pdf")


@bp.route("/placements/<int:placement_id>/annual-review", methods=["GET", "POST"])
def contribution(placement_id: int):
    placement = services.get_placement_or_404(current_user, placement_id, finishing=True)
    if request.method == "GET":
        audit.record("annual_review_contribution_viewed", "placement", placement.id, commit=True)
    existing = services.contributions_for([placement.id])
    form = ContributionForm(obj=existing[0] if existing and request.method == "GET" else None)
    if form.validate_on_submit():
        services.save_contribution(
            placement,
            review_date=form.review_date.data,
            progress_views=form.progress_views.data,
            recommendations=form.recommendations.data,
            by=current_user,
        )
        flash("Annual Review contribution saved. The school can include it in the review papers.", "success")
        return redirect(url_for("feedback.due_list"))
    return render_form("feedback/contribution.html", form, placement=placement)


@bp.get("/pupils/<int:student_id>/annual-review.pdf")
def contributions_pdf(student_id: int):
    student = get_student_or_404(current_user, student_id)
    placements = placements_for_student(current_user, student.id)
    contributions = services.contributions_for([p.id for p in placements])
    audit.record("annual_review_contributions_downloaded", "student", student.id, commit=True)
    pdf = render_pdf("pdf/annual_review.html", student=student, contributions=contributions, today=clock.today())
    return pdf_response(pdf, f"Annual Review contributions {student.full_name}.pdf")
