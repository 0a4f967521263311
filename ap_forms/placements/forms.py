"""Forms for planning a placement, its reviews and its ending."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import StopValidation

from ap_forms.placements.models import END_REASONS, IMMEDIATE, PLANNED_END, PROGRESS, READINESS, SUITABILITY
from ap_forms.placements.timetable_form import TimetableRows
from ap_forms.web.form_fields import GovDate, ObjectiveRows, after, progress_rows, radios, text_area


class ReviewForm(ObjectiveRows, FlaskForm):
    held_on = GovDate("Date of the review", required_message="Enter the date the review was held")
    progress = progress_rows(PROGRESS)
    suitability = radios("Is the placement suitable?", SUITABILITY, required="Select whether the placement is suitable")
    suitability_notes = text_area("Why (optional)")
    readiness = radios(
        "Is the pupil ready to return to school?",
        READINESS,
        required="Select whether the pupil is ready to return to school",
    )
    reintegration_timeframe = text_area(
        "Reintegration timeframe",
        required="Enter the reintegration timeframe",
        hint="When and how the pupil could return to school, like 'phased return "
        "from January, 2 days a week', or when to look at this again.",
    )
    decisions = text_area("Decisions and actions", required="Enter the decisions made at the review")
    next_review_on = GovDate(
        "Date of the next review",
        required_message="Enter the date of the next review",
        description="Within 8 weeks: placements are reviewed at least every half term.",
        validators=[after("held_on", "The next review must be after this one")],
    )
    submit = SubmitField("Save the review", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        codes = {code for code, _ in PROGRESS}
        for n, entry in enumerate(self.progress, start=1):
            if entry.rating.data not in codes:
                entry.rating.errors = [*entry.rating.errors, f"Select the progress towards objective {n}"]
                ok = False
        return ok

    def progress_values(self) -> list[dict]:
        return [
            {"objective": text, "rating": entry.rating.data, "comment": entry.comment.data or ""}
            for entry, text in zip(self.progress, self.objective_texts, strict=False)
        ]


class EndForm(FlaskForm):
    kind = radios(
        "How is the placement ending?",
        [
            (PLANNED_END, "As planned, or agreed at a review"),
            (IMMEDIATE, "Immediate withdrawal, without notice or formal review"),
        ],
        required="Select how the placement is ending",
    )
    reason = RadioField(
        "Reason for an immediate withdrawal",
        widget=GovRadioInput(),
        choices=END_REASONS,
        validate_choice=False,
        description="Only for an immediate withdrawal. The policy allows it for a "
        "safeguarding concern or gross misconduct.",
    )
    ended_on = GovDate(
        "Last day of the placement",
        required_message="Enter the date the placement ended",
        description="Today or earlier. The timetable stops at once.",
    )
    details = text_area(
        "What happened and what was decided",
        hint="Needed for an immediate withdrawal. The family and the key worker see only that the "
        "placement ended, not why.",
    )
    submit = SubmitField("End the placement", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.kind.data == IMMEDIATE and field.data not in {code for code, _ in END_REASONS}:
            raise StopValidation("Select the reason for the immediate withdrawal")

    def validate_details(self, field):
        if self.kind.data == IMMEDIATE and not field.data:
            raise StopValidation("Describe what happened and what was decided")


class TimetableChangeForm(TimetableRows):
    """A new version of the agreed timetable, from a date; the sessions are checked as in the referral."""

    effective_from = GovDate(
        "The new timetable starts on",
        required_message="Enter the date the new timetable starts",
        description="Today or later. Sessions before this date keep the timetable agreed then.",
    )
    reason = text_area(
        "Why the timetable is changing",
        required="Enter why the timetable is changing",
        hint="For example: agreed at the review on 12 January. The key worker and parents are emailed "
        "the new timetable; this reason is kept with the old one.",
    )
    submit = SubmitField("Agree the new timetable", widget=GovSubmitInput())
