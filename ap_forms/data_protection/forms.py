"""Forms: the subject access request's redaction step, and the retention review's keep and erase."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextArea
from wtforms import BooleanField, SelectMultipleField, TextAreaField
from wtforms.validators import ValidationError

from ap_forms.web.form_fields import Length, strip


class SubjectAccessForm(FlaskForm):
    # The checkboxes are drawn by the template, grouped by kind of person; the choices are the names found.
    redact = SelectMultipleField("Names to redact", coerce=str, validate_choice=False)
    extra_names = TextAreaField(
        "Other names to redact (optional)", widget=GovTextArea(), filters=[strip],
        description="One a line, as they are written in the records: for example a first name on its own, or a "
                    "name typed into a report. Each is redacted wherever it appears as a whole word.",
        validators=[Length(max=5000)])
    include_safeguarding = BooleanField("Include the pupil's safeguarding records (concerns, allegations, what "
                                        "the school did, the staff flag)", widget=GovCheckboxInput())

    def validate_redact(self, field):
        offered = {value for value, _ in field.choices or []}
        if any(name not in offered for name in field.data or []):
            field.data = [name for name in field.data or [] if name in offered]
            raise ValidationError("Choose names to redact from the list")
