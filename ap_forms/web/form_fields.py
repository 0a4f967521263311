"""Form fields and validators every domain's forms share (GOV.UK patterns over WTForms)."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField
from wtforms.validators import StopValidation, ValidationError


class GovDateField(DateField):
    """Day, month and year boxes. A date that does not exist (31 02 2026) is a field error, not a 500,
    and so is a year outside 1990–2100 (date arithmetic on year 9999 would overflow)."""

    def __init__(self, label: str, validators=None, *, invalid: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.invalid_message = invalid or f"{label} must be a real date, like 7 9 2026"

    def process_formdata(self, valuelist):
        # The widget shows raw_data back as day, month and year: always exactly three values.
        self.raw_data = ([str(value) for value in valuelist] + ["", "", ""])[:3]
        if not valuelist or not any((value or "").strip() for value in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([(value or "").strip() for value in valuelist])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None
        if not 1990 <= self.data.year <= 2100:
            self.data = None
            raise ValueError(self.invalid_message)


def optional_date(form, field):
    """Optional() for three boxes: blank means no date, but a half-typed date is still checked."""
    if not any((value or "").strip() for value in (field.raw_data or [])):
        field.errors[:] = []
        raise StopValidation()


def required_date(message: str):
    """InputRequired() for three boxes, with a message saying what to enter."""
    def check(form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(message)
    return check


def not_in_future(message: str):
    def check(form, field):
        if field.data and field.data > date.today():
            raise ValidationError(message)
    return check
