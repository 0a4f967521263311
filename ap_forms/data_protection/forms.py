"""Forms: the subject access request's redaction step, and the retention review's keep and erase."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField, SelectMultipleField
from wtforms.validators import ValidationError

from ap_forms.data_protection.sar import EVERYTHING, SCOPES
from ap_forms.web import clock
from ap_forms.web.form_fields import GovDateField, required_date, text_area


def _scope_offered(form, field):
    if field.data not in {value for value, _ in SCOPES}:
        field.data = EVERYTHING
        raise ValidationError("Choose which records to include")


class SubjectAccessForm(FlaskForm):
    # The checkboxes are drawn by the template, grouped by kind of person; the choices are the names found.
    redact = SelectMultipleField("Names to redact", coerce=str, validate_choice=False)
    extra_names = text_area(
        "Other names to redact (optional)",
        "One a line, as they are written in the records: for example a first name on its own, or a "
        "name typed into a report. Each is redacted wherever it appears as a whole word.",
        max_length=5000,
    )
    # The DSL's choice (concerns, allegations, what the school did, the staff flag); nobody else sees it.
    scope = RadioField(
        "Which records",
        widget=GovRadioInput(),
        choices=SCOPES,
        default=EVERYTHING,
        validate_choice=False,
        validators=[_scope_offered],
    )

    def validate_redact(self, field):
        offered = {value for value, _ in field.choices or []}
        if any(name not in offered for name in field.data or []):
            field.data = [name for name in field.data or [] if name in offered]
            raise ValidationError("Choose names to redact from the list")


class KeepForm(FlaskForm):
    reason = text_area(
        "Why keep it",
        "For example: a claim is expected, the local authority asked, an investigation is open.",
        required="Enter why the record is being kept",
        max_length=2000,
    )
    review_on = GovDateField(
        "Review it again on",
        [required_date("Enter the day to review it again")],
        invalid="The review date must be a real date, like 1 9 2027",
        description="For example, 1 9 2027. It comes back to this list on that day.",
    )

    def validate_review_on(self, field):
        today = clock.today()
        if field.data and field.data <= today:
            raise ValidationError("The review date must be in the future")
        if field.data and field.data > today.replace(year=today.year + 10, day=min(today.day, 28)):
            raise ValidationError("The review date must be within 10 years")


class EraseForm(FlaskForm):
    reason = text_area("Notes for the person who confirms (optional)", max_length=2000)
