"""A date field for GOV.UK's three-box date input (day, month, year) with plain-English errors."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


class GovDateField(DateField):
    """Day, month and year boxes; an impossible date (31 2 2026) is a field error, never a 500."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, invalid_message: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.invalid_message = invalid_message or f"{label or 'The date'} must be a real date, like 27 11 2026"

    def process_formdata(self, valuelist):
        if valuelist is None:
            return
        # The widget needs exactly three boxes back, even from a hostile or partial form.
        self.raw_data = [str(part) for part in [*valuelist, "", "", ""][:3]]
        parts = [part.strip() for part in self.raw_data]
        if not any(parts):
            self.data = None
            return
        self.data = None
        if len(valuelist) > 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValueError(self.invalid_message)
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError as error:
            raise ValueError(self.invalid_message) from error
