"""Forms for weekly feedback, termly reports, replies and Annual Review contributions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField

from ap_forms.feedback.models import ENGAGEMENT, RATINGS, RECOMMENDATIONS
from ap_forms.web.form_fields import GovDate, ObjectiveRows, one_of, progress_rows, text_area

ENGAGEMENT_CHOICES = [(str(n), f"{n} – {words}") for n, words in ENGAGEMENT.items()]


class _WithObjectives(ObjectiveRows):
    def progress_values(self) -> list[dict]:
        return [{"rating": entry.rating.data or "", "comment": entry.comment.data or ""} for entry in self.progress]

    def fill_progress(self, progress: list[dict]) -> None:
        for entry, saved in zip(self.progress, progress, strict=False):
            entry.rating.data = saved.get("rating") or None
            entry.comment.data = saved.get("comment") or ""


class WeeklyFeedbackForm(_WithObjectives, FlaskForm):
    engagement = RadioField(
        "How engaged was the pupil this week?",
        widget=GovRadioInput(),
        choices=ENGAGEMENT_CHOICES,
        validate_choice=False,
        validators=[one_of(ENGAGEMENT_CHOICES, "Choose how engaged the pupil was, from 1 to 5")],
    )
    progress = progress_rows(RATINGS)
    behaviour = text_area("Behaviour", "What went well and anything that was difficult.")
    wellbeing = text_area("Wellbeing and mood")
    achievements = text_area("Achievements", "Anything the pupil did well or finished, however small.")
    concerns = text_area(
        "Any other concerns",
        "Not safeguarding: report a safeguarding concern or incident straight away as described above.",
    )
    next_week_plan = text_area("Plan for next week")
    save = SubmitField("Save draft", widget=GovSubmitInput())
    submit = SubmitField("Submit feedback", widget=GovSubmitInput())

    def values(self) -> dict:
        engagement = self.engagement.data if self.engagement.data in {str(n) for n in ENGAGEMENT} else None
        return {
            "engagement": engagement,
            "progress": self.progress_values(),
            **{
                name: getattr(self, name).data or ""
                for name in ("behaviour", "wellbeing", "achievements", "concerns", "next_week_plan")
            },
        }


class CorrectionForm(FlaskForm):
    reason = text_area("What needs correcting?", required="Say what needs correcting")
    submit = SubmitField("Make a correction", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    comment = text_area("Reply to the key worker (optional)", "The key worker sees this with their feedback.")
    submit = SubmitField("Acknowledge", widget=GovSubmitInput())


class TermlyReportForm(_WithObjectives, FlaskForm):
    engagement_summary = text_area("Engagement this term")
    progress = progress_rows(RATINGS)
    academic_outcomes = text_area("Progress against the expected academic outcomes")
    accreditation = text_area("Accreditation and qualifications", "Worked towards or achieved this term.")
    behaviour = text_area("Behaviour")
    strengths = text_area("Strengths")
    next_steps = text_area("Next steps")
    recommendation = RadioField(
        "Your recommendation", widget=GovRadioInput(), choices=RECOMMENDATIONS, validate_choice=False
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    submit = SubmitField("Submit report", widget=GovSubmitInput())

    def values(self) -> dict:
        return {
            "progress": self.progress_values(),
            "recommendation": self.recommendation.data or "",
            **{
                name: getattr(self, name).data or ""
                for name in (
                    "engagement_summary",
                    "academic_outcomes",
                    "accreditation",
                    "behaviour",
                    "strengths",
                    "next_steps",
                )
            },
        }


class ContributionForm(FlaskForm):
    review_date = GovDate("Date of the Annual Review (optional)")
    progress_views = text_area(
        "Views on progress towards the EHCP outcomes",
        required="Enter your views on the pupil's progress towards the EHCP outcomes",
    )
    recommendations = text_area("Recommendations", required="Enter your recommendations")
    submit = SubmitField("Save contribution", widget=GovSubmitInput())
