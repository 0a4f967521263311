from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from ap_forms.school_calendar.models import CLOSURE_KINDS, TERM_NAMES
from ap_forms.school_calendar.services import term_problems
from ap_forms.web.form_fields import GovDateField, not_before, radios, text_input


def _term_dates(name: str):
    first = GovDateField(
        f"{name} term starts",
        [InputRequired(f"Enter the day the {name} term starts")],
        invalid=f"The {name} term start must be a real date, like 1 9 2026",
    )
    last = GovDateField(
        f"{name} term ends",
        [InputRequired(f"Enter the last day of the {name} term")],
        invalid=f"The {name} term end must be a real date, like 18 12 2026",
    )
    return first, last


class SchoolYearForm(FlaskForm):
    start_year = IntegerField(
        "School year starting in",
        widget=GovTextInput(),
        description="The year of the September the school year starts, like 2027",
        validators=[
            InputRequired("Enter the year the school year starts, like 2027"),
            NumberRange(2000, 2100, "Enter a year between 2000 and 2100"),
        ],
    )
    autumn_start, autumn_end = _term_dates("Autumn")
    spring_start, spring_end = _term_dates("Spring")
    summer_start, summer_end = _term_dates("Summer")
    submit = SubmitField("Save term dates", widget=GovSubmitInput())

    def term_dates(self) -> dict:
        return {
            name: (getattr(self, f"{name.lower()}_start").data, getattr(self, f"{name.lower()}_end").data)
            for name in TERM_NAMES
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.start_year.data is None or self.start_year.errors:
            return ok
        for name, message in term_problems(self.start_year.data, self.term_dates()).items():
            getattr(self, f"{name.lower()}_start").errors.append(message)
            ok = False
        return ok

    def fill_from(self, year) -> None:
        self.start_year.data = year.start_year
        for term in year.terms:
            getattr(self, f"{term.name.lower()}_start").data = term.start_date
            getattr(self, f"{term.name.lower()}_end").data = term.end_date


class ClosureForm(FlaskForm):
    name = text_input(
        "What is it called",
        "Parents and providers see this, like 'October half-term' or 'Training day'",
        required="Enter a name for the holiday or closure, like October half-term",
        max_length=120,
        too_long="The name must be 120 characters or fewer",
    )
    kind = radios("Type", list(CLOSURE_KINDS.items()), required="Choose whether this is a holiday or a closure day")
    start = GovDateField(
        "First day",
        [InputRequired("Enter the first day without school")],
        invalid="The first day must be a real date, like 26 10 2026",
    )
    end = GovDateField(
        "Last day (leave empty for a single day)",
        [Optional(), not_before("start", "The last day must be on or after the first day")],
        invalid="The last day must be a real date, like 30 10 2026",
    )
    submit = SubmitField("Add to the calendar", widget=GovSubmitInput())
