"""Forms: the four kinds of report, the kind chooser, and the school's follow-up."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import Length, ValidationError

from ap_forms.incidents.models import (
    ALLEGATION,
    BEHAVIOUR,
    BODY_REGIONS,
    CONCERN,
    CONCERN_ACTIONS,
    HEALTH_SAFETY,
    INCIDENT_ACTIONS,
    INTERVENTIONS,
    KINDS,
    SAFE_NOW,
    SUBJECT_ROLES,
    YES_NO,
)
from ap_forms.web.form_fields import GovDate, checkboxes, not_in_future, one_of, strip, text_area

_area = partial(text_area, max_length=10000)  # what a reporter writes may be long
TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _text(label: str, hint: str = "", max_length: int = 200):
    return StringField(
        label,
        widget=GovTextInput(),
        description=hint,
        filters=[strip],
        validators=[Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")],
    )


def _radio(label: str, choices, message: str, hint: str = ""):
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices,
        validate_choice=False,
        description=hint,
        validators=[one_of(choices, message)],
    )


class _ReportForm(FlaskForm):
    occurred_on = GovDate("Date it happened")
    occurred_time = _text("Time (optional)", "Use the 24-hour clock, like 14:30", max_length=5)
    location = _text("Where did it happen?", max_length=500)
    save = SubmitField("Save draft", widget=GovSubmitInput())
    submit = SubmitField("Send to the school now", widget=GovSubmitInput())

    TEXT = ()
    CHOICES = ()

    def validate_occurred_time(self, field):
        if field.data and not TIME.match(field.data):
            raise ValidationError("Enter the time like 14:30")

    def occurred_at(self) -> datetime | None:
        if self.occurred_on.data is None:
            return None
        match = TIME.match(self.occurred_time.data or "")
        hour, minute = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        return datetime.combine(self.occurred_on.data, datetime.min.time()).replace(hour=hour, minute=minute)

    def values(self) -> dict:
        values = {"occurred_at": self.occurred_at(), "location": self.location.data or ""}
        for name in self.TEXT:
            values[name] = getattr(self, name).data or ""
        for name in self.CHOICES:
            value = getattr(self, name).data
            values[name] = value if value not in (None, "None") else ""
        return values

    def fill(self, report) -> None:
        if report.occurred_at:
            self.occurred_on.data = report.occurred_at.date()
            self.occurred_time.data = (
                "" if report.occurred_at.time() == datetime.min.time() else report.occurred_at.strftime("%H:%M")
            )
        self.location.data = report.location
        for name in (*self.TEXT, *self.CHOICES):
            getattr(self, name).data = getattr(report, name) or ("" if name in self.TEXT else None)


class ConcernForm(_ReportForm):
    TEXT = ("description", "pupil_words", "people_present", "injuries", "action_taken")
    CHOICES = ("pupil_safe",)
    description = _area(
        "What did you see or hear?", "Facts, not opinions. Write down exactly what happened, as soon as you can."
    )
    pupil_words = _area("What did the pupil say? (optional)", "Use the pupil's own words where you can.")
    people_present = _area("Who else was there? (optional)")
    injuries = _area(
        "Describe any injury or mark (optional)",
        "Where it is, its size, shape and colour. Do not photograph it and do not examine the pupil.",
    )
    body_marks = checkboxes("Mark where on the body (optional)", BODY_REGIONS)
    action_taken = _area("What have you done so far? (optional)")
    pupil_safe = _radio("Is the pupil safe now?", SAFE_NOW, "Select whether the pupil is safe now")

    def validate_body_marks(self, field):
        allowed = {value for value, _ in BODY_REGIONS}
        if any(v not in allowed for v in field.data or []):
            field.data = [v for v in field.data or [] if v in allowed]
            raise ValidationError("Select places on the body from the list")

    def values(self) -> dict:
        return {**super().values(), "body_marks": list(dict.fromkeys(self.body_marks.data or []))}

    def fill(self, report) -> None:
        super().fill(report)
        self.body_marks.data = list(report.body_marks or [])


class AllegationForm(_ReportForm):
    TEXT = ("subject_name", "description", "people_present", "action_taken")
    CHOICES = ("subject_role",)
    subject_name = _text("Who is the adult?", "Their name, or what you know about who they are.")
    subject_role = _radio("Who do they work for?", SUBJECT_ROLES, "Select who the adult is")
    description = _area("What happened or what was said?", "Facts, not opinions. Do not ask the adult about it.")
    people_present = _area("Who else was there? (optional)")
    action_taken = _area("What have you done so far? (optional)")


class BehaviourForm(_ReportForm):
    TEXT = ("description", "antecedents", "people_present", "injuries", "intervention_by", "damage", "action_taken")
    CHOICES = ("physical_intervention", "intervention_type", "parents_told")
    description = _area("What happened?")
    antecedents = _area("What happened before? (optional)", "What led up to it: triggers, changes, the setting.")
    people_present = _area("Who was involved? (optional)", "Pupils, staff and anyone else.")
    injuries = _area("Injuries (optional)", "To anyone, and any first aid given.")
    physical_intervention = _radio(
        "Was physical intervention used?", YES_NO, "Select whether physical intervention was used"
    )
    intervention_type = _radio("Which physical intervention?", INTERVENTIONS, "Select which physical intervention")
    intervention_by = _text("Who used it?", max_length=200)
    intervention_minutes = _text("For how many minutes? (optional)", max_length=4)
    damage = _area("Damage to property (optional)")
    action_taken = _area("What have you done so far? (optional)")
    parents_told = _radio(
        "Have the parents or carers been told?", YES_NO, "Select whether the parents or carers have been told"
    )

    def validate_intervention_minutes(self, field):
        if field.data and (not field.data.isdigit() or not 0 <= int(field.data) <= 600):
            raise ValidationError("Enter the minutes as a number from 0 to 600")

    def values(self) -> dict:
        minutes = self.intervention_minutes.data
        return {**super().values(), "intervention_minutes": int(minutes) if minutes and minutes.isdigit() else None}

    def fill(self, report) -> None:
        super().fill(report)
        self.intervention_minutes.data = "" if report.intervention_minutes is None else str(report.intervention_minutes)


class HealthSafetyForm(_ReportForm):
    TEXT = ("description", "who_affected", "injuries", "action_taken")
    CHOICES = ("riddor",)
    description = _area("What happened?", "The breach, accident or near miss.")
    who_affected = _area("Who was affected? (optional)")
    injuries = _area("Injuries (optional)", "And any first aid given.")
    action_taken = _area("What did you do straight away? (optional)")
    riddor = _radio(
        "Is it RIDDOR-reportable?",
        [*YES_NO, ("not_sure", "Not sure")],
        "Select whether it is RIDDOR-reportable",
        hint="Serious injuries, some diseases and dangerous occurrences must be reported to the HSE.",
    )


FORMS = {CONCERN: ConcernForm, ALLEGATION: AllegationForm, BEHAVIOUR: BehaviourForm, HEALTH_SAFETY: HealthSafetyForm}


class StartForm(FlaskForm):
    kind = _radio("What do you need to report?", list(KINDS.items()), "Select what you are reporting")
    pupil = RadioField("Who is it about?", widget=GovRadioInput(), choices=[], validate_choice=False)
    submit = SubmitField("Continue", widget=GovSubmitInput())


class _ActionForm(FlaskForm):
    taken_on = GovDate(
        "When", required_message="Enter the date", validators=[not_in_future("The date must be today or in the past")]
    )
    taken_by = _text("Who", "Who did it, for example the DSL's name.")
    details = _area("What was done and said", max_length=5000)
    reason = _area("Reasons (for a decision)", max_length=5000)
    submit = SubmitField("Record it", widget=GovSubmitInput())

    def validate_kind(self, field):
        if field.data not in {value for value, _ in self.kind.choices}:
            field.data = None
            raise ValidationError("Select what was done")

    def validate_details(self, field):
        if not field.data:
            raise ValidationError("Enter what was done and said")

    def validate_reason(self, field):
        if self.kind.data == "decision" and not field.data:
            raise ValidationError("Enter the reasons for the decision")


class ConcernActionForm(_ActionForm):
    kind = RadioField("What was done", widget=GovRadioInput(), choices=CONCERN_ACTIONS, validate_choice=False)


class IncidentActionForm(_ActionForm):
    kind = RadioField("What was done", widget=GovRadioInput(), choices=INCIDENT_ACTIONS, validate_choice=False)


class CloseForm(FlaskForm):
    outcome = _area("Outcome", "What was decided and what happens now.", max_length=5000)
    submit = SubmitField("Close it", widget=GovSubmitInput())

    def validate_outcome(self, field):
        if not field.data:
            raise ValidationError("Enter the outcome before closing")


class FlagForm(FlaskForm):
    on = RadioField("Flag", choices=[("1", "On"), ("0", "Off")], validate_choice=False)

    def validate_on(self, field):
        if field.data not in ("1", "0"):
            raise ValidationError("Choose whether to show the flag")


DECISIONS = [("withdraw", "Withdraw the placement at once"), ("continue", "Continue the placement, with a review")]


class DecisionForm(FlaskForm):
    decision = _radio("What have you decided?", DECISIONS, "Select what you have decided")
    review_on = GovDate("Review date", description="For a decision to continue.")
    reason = _area(
        "Reasons", "They are recorded with the report (and, for a withdrawal, on the placement).", max_length=5000
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def validate_decision(self, field):
        if not field.data:
            raise ValidationError("Select what you have decided")

    def validate_reason(self, field):
        if not field.data:
            raise ValidationError("Enter the reasons for the decision")

    def validate_review_on(self, field):
        if self.decision.data == "continue" and field.data is None and not field.errors:
            raise ValidationError("Enter the date of the review")
