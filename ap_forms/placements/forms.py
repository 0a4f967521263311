from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ap_forms.web.form_fields import GovDateField, optional_date, required_date

SHARE_CHOICES = [("send_needs", "SEND needs"), ("diagnoses", "Diagnoses"), ("medical_needs", "Medical needs")]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: the field says so


class PlacementForm(FlaskForm):
    provider_id = SelectField("Provider", widget=GovSelect(), coerce=_optional_int,
                              description="Only a provider that is cleared for commissioning can be chosen.",
                              validators=[InputRequired("Choose a provider")])
    key_worker_id = SelectField("Key worker", widget=GovSelect(), coerce=_optional_int,
                                description="The person at the provider who works with the pupil.")
    start_date = GovDateField("Start date", validators=[required_date("Enter the date the placement starts")])
    planned_end_date = GovDateField("Planned end date (optional)", validators=[optional_date])
    objectives = TextAreaField("Objectives", widget=GovTextArea(),
                               description="One objective a line, as agreed at the review.",
                               validators=[InputRequired("Enter at least one objective"), Length(max=5000)])
    share = SelectMultipleField("What the key worker may see", widget=GovCheckboxesInput(), choices=SHARE_CHOICES,
                                description="Share only what the provider needs to keep the pupil safe and "
                                            "support them.")
    submit = SubmitField("Plan placement", widget=GovSubmitInput())

    def set_choices(self, providers_with_status, key_workers) -> None:
        self.provider_id.choices = [(None, "Choose a provider")] + [
            (p.id, f"{p.name} ({status.label.lower()})") for p, status in providers_with_status]
        self.key_worker_id.choices = [(None, "Not assigned yet")] + [
            (kw.id, f"{kw.name} ({kw.provider.name if kw.provider else 'no provider'})") for kw in key_workers]

    def validate_provider_id(self, field):
        if field.data is None:
            raise ValidationError("Choose a provider")

    def validate_planned_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The planned end date must be after the start date")
