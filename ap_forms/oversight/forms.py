"""Forms for oversight: what the school told the LA and the parents, outcomes, and the AP budget."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import ValidationError

from ap_forms.placements.models import DESTINATIONS, PARENTS_TOLD_HOW, TOLD_HOW
from ap_forms.web.form_fields import GovDate, not_in_future, number_input, text_area

MAX_BUDGET = Decimal("99999999.99")


def _told_how(label: str, choices=TOLD_HOW):
    return RadioField(label, widget=GovRadioInput(), choices=choices, validate_choice=False)


class PlacementRecordsForm(FlaskForm):
    """When and how the Local Authority and the parents were told; suspensions during; destination."""

    la_told_on = GovDate(
        "Date the Local Authority was told (optional)",
        validators=[not_in_future("The date the Local Authority was told must be today or in the past")],
    )
    la_told_how = _told_how("How the Local Authority was told")
    parents_told_on = GovDate(
        "Date the parents were told (optional)",
        description="They were told why, when it starts, how long it lasts, the provider and "
        "where, and how it will be reviewed.",
        validators=[not_in_future("The date the parents were told must be today or in the past")],
    )
    parents_told_how = _told_how("How the parents were told", PARENTS_TOLD_HOW)
    suspensions_during = number_input("Suspensions during the placement (optional)", "A number, like 0 or 2.")
    destination = RadioField(
        "Where the pupil went after the placement (optional)",
        widget=GovRadioInput(),
        choices=DESTINATIONS,
        validate_choice=False,
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def _check_how(self, date_field, how_field, who: str) -> None:
        if how_field.data and how_field.data not in dict(how_field.choices):
            raise ValidationError(f"Select how {who} were told")
        if date_field.data and not how_field.data:
            raise ValidationError(f"Select how {who} were told")
        if how_field.data and not date_field.data and not date_field.errors:
            raise ValidationError(f"Enter the date {who} were told, or clear how")

    def validate_la_told_how(self, field):
        self._check_how(self.la_told_on, field, "the Local Authority")

    def validate_parents_told_how(self, field):
        self._check_how(self.parents_told_on, field, "the parents")

    def validate_suspensions_during(self, field):
        if field.data and (not re.fullmatch(r"\d{1,3}", field.data)):
            raise ValidationError("Suspensions during the placement must be a whole number from 0 to 999")

    def validate_destination(self, field):
        if field.data and field.data not in dict(DESTINATIONS):
            raise ValidationError("Select where the pupil went after the placement")

    @property
    def suspensions_value(self) -> int | None:
        return int(self.suspensions_during.data) if self.suspensions_during.data else None


class BudgetForm(FlaskForm):
    amount = number_input("Budget for alternative provision this school year", "In pounds, like 45000 or 45,000.00.")
    notes = text_area("Notes (optional)", max_length=2000)
    submit = SubmitField("Save the budget", widget=GovSubmitInput())

    def validate_amount(self, field):
        text = (field.data or "").replace(",", "").removeprefix("£").strip()
        if not text:
            raise ValidationError("Enter the budget for alternative provision")
        if not re.fullmatch(r"\d{1,8}(\.\d{1,2})?", text):
            raise ValidationError("The budget must be an amount in pounds, like 45000 or 45000.50")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError("The budget must be an amount in pounds, like 45000 or 45000.50") from None
        if value > MAX_BUDGET:
            raise ValidationError("The budget must be less than £100,000,000")
        self.amount_value = value
