"""Form fields every domain can use, with GOV.UK markup and plain-English errors."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField
from wtforms.validators import StopValidation


def strip(value):
    return value.strip() if isinstance(value, str) else value


class _DayMonthYearInput(GovDateInput):
    """GOV.UK's date input, with the day box carrying the field's id so the error summary links to it."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params["id"] = f"{field.id}-date"
        params["items"][0]["id"] = field.id
        return params


class GovDate(DateField):
    """A day/month/year date. A date like 31 February is a field error with a clear message, never a 500.

    `required_message` makes the date required with that message.
    """

    widget = _DayMonthYearInput()

    def __init__(self, label=None, validators=None, required_message: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.required_message = required_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parts = [str(v).strip() for v in valuelist]
        self.data = None
        if not any(parts):
            return
        name = self.label.text
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{name} must include a day, month and year")
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"{name} must be a real date, written in numbers, like 7 9 2026")
        if len(parts[2]) != 4:
            raise ValueError(f"The year of {name[0].lower() + name[1:]} must include 4 numbers")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{name} must be a real date") from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is None and self.required_message:
            raise StopValidation(self.required_message)
