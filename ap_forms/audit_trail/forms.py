"""The audit log's filter: person, pupil, action and a date range (sent with GET, so no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import Field, SelectField
from wtforms.validators import ValidationError

from ap_forms.web.form_fields import GovDateField, optional_date


def _from_list(message: str):
    """A choice not offered on the page (typed into the address bar) is a field error, never a 500."""

    def check(form, field):
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError(message)

    return check


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    user = SelectField(
        "Person", widget=GovSelect(), validate_choice=False, validators=[_from_list("Choose a person from the list")]
    )
    pupil = SelectField(
        "Pupil", widget=GovSelect(), validate_choice=False, validators=[_from_list("Choose a pupil from the list")]
    )
    action = SelectField(
        "Action", widget=GovSelect(), validate_choice=False, validators=[_from_list("Choose an action from the list")]
    )
    start = GovDateField(
        "From",
        [optional_date],
        invalid="The first day must be a real date, like 1 9 2026",
        description="The school's days, for example 1 9 2026. Leave blank for no limit.",
    )
    end = GovDateField("To", [optional_date], invalid="The last day must be a real date, like 27 11 2026")

    def validate_end(self, field: Field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The last day must be the same as or after the first day")
