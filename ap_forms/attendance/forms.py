from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import Field, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ap_forms.attendance.codes import CODE_GROUPS
from ap_forms.attendance.models import ABSENCE_REASONS, CONTACT_METHODS, CONTACT_OUTCOMES, MARK_LABELS, SESSIONS
from ap_forms.web import clock
from ap_forms.web.form_fields import GovDateField, not_before, radios, text_area, text_input


class TimeOfDayField(StringField):
    """A time typed as 09:50 (phones show a time picker); a wrong time is a field error, never a 500."""

    def __init__(self, label=None, validators=None, *, invalid_message: str, **kwargs):
        super().__init__(label, validators, widget=GovTextInput(), **kwargs)
        self.invalid_message = invalid_message
        self.time = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.time = None
        text = (self.data or "").strip().replace(".", ":")
        if not text:
            return
        for pattern in ("%H:%M", "%H:%M:%S", "%H%M"):
            try:
                self.time = datetime.strptime(text, pattern).time()
                return
            except ValueError:
                continue
        raise ValueError(self.invalid_message)

    def process_data(self, value):
        self.time = value
        self.data = value.strftime("%H:%M") if value else ""


class MarkForm(FlaskForm):
    """A key worker's mark for one session: a tap on a status, optionally with details."""

    class Meta:
        # Many of these forms share a page, each with its own prefix; the app-wide CSRF protection
        # checks the page's plain `csrf_token` field (or htmx's X-CSRFToken header) instead.
        csrf = False

    status = HiddenField(validators=[InputRequired("Choose present, late, absent, left early or not expected")])
    details = HiddenField()
    arrived_at = TimeOfDayField(
        "Arrived at",
        [Optional()],
        description="For example, 09:50",
        invalid_message="Enter the arrival time like 09:50",
    )
    minutes_late = IntegerField(
        "Or minutes late",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(0, 360, "Enter minutes late between 0 and 360")],
    )
    left_at = TimeOfDayField(
        "Left at", [Optional()], description="For example, 11:15", invalid_message="Enter the time they left like 11:15"
    )
    absence_reason = radios("Reason", list(ABSENCE_REASONS.items()))
    note = text_area(
        "Note for the school (optional)", max_length=500, too_long="The note must be 500 characters or fewer"
    )

    def validate_status(self, field: Field) -> None:
        if field.data not in MARK_LABELS:
            raise ValidationError("Choose present, late, absent, left early or not expected")

    def detail_values(self) -> dict | None:
        if not self.details.data:
            return None
        return {
            "arrived_at": self.arrived_at.time,
            "minutes_late": self.minutes_late.data,
            "left_at": self.left_at.time,
            "absence_reason": self.absence_reason.data or None,
            "note": self.note.data or "",
        }


class AllPresentForm(FlaskForm):
    session = HiddenField(validators=[InputRequired("Reload the page and try again: the session is missing")])
    day = HiddenField(validators=[InputRequired("Reload the page and try again: the day is missing")])

    def validate_session(self, field: Field) -> None:
        if field.data not in SESSIONS:
            raise ValidationError("Choose the morning or afternoon")


def _code_choices() -> list:
    choices = [("", "Choose a code")]
    for _, codes in CODE_GROUPS:
        choices.extend((code, f"{code} – {meaning}") for code, meaning in codes)
    return choices


class CodeForm(FlaskForm):
    """The school register code for a session; changing a recorded code needs a reason."""

    code = SelectField(
        "Register code",
        widget=GovSelect(),
        choices=_code_choices(),
        validators=[InputRequired("Choose a register code")],
    )
    reason = text_input(
        "Reason for the change",
        "Needed when you change a code already recorded. The original is kept.",
        max_length=300,
        too_long="The reason must be 300 characters or fewer",
    )
    submit = SubmitField("Record code", widget=GovSubmitInput())

    def validate_code(self, field: Field) -> None:
        from ap_forms.attendance.codes import CODES

        if field.data not in CODES:
            raise ValidationError("Choose a register code from the list")


class ParentContactForm(FlaskForm):
    contact_with = text_input(
        "Who did you contact",
        "Name and relationship, like Karen Abbott (mother)",
        required="Enter who you contacted",
        max_length=120,
        too_long="Who you contacted must be 120 characters or fewer",
    )
    contacted_at = TimeOfDayField(
        "Time of the contact",
        [InputRequired("Enter the time of the contact, like 10:20")],
        description="For example, 10:20",
        invalid_message="Enter the time of the contact like 10:20",
    )
    method = radios("How", list(CONTACT_METHODS.items()), required="Choose how you contacted them")
    outcome = radios("What happened", list(CONTACT_OUTCOMES.items()), required="Choose what happened")
    notes = text_area("What you were told (optional)", max_length=2000)
    follow_up = text_input("Follow-up (optional)", "Like 'Call again at 2pm' or 'Home visit tomorrow'", max_length=300)
    submit = SubmitField("Save parent contact", widget=GovSubmitInput())


class DateRangeForm(FlaskForm):
    """From and to dates, for records and the export (sent with GET, so no CSRF token)."""

    class Meta:
        csrf = False

    start = GovDateField(
        "From",
        [InputRequired("Enter the first day of the range")],
        invalid="The first day must be a real date, like 1 9 2026",
    )
    end = GovDateField(
        "To",
        [
            InputRequired("Enter the last day of the range"),
            not_before("start", "The last day must be the same as or after the first day"),
        ],
        invalid="The last day must be a real date, like 27 11 2026",
    )

    def validate_end(self, field: Field) -> None:
        if field.data and self.start.data and (field.data - self.start.data).days > 366 * 7:
            raise ValidationError("Choose a range of 7 years or less")


# --- the prefixed forms behind each row (many share a page) ---------------------------------


def mark_form(row, formdata=None) -> MarkForm:
    """The form behind one pupil's card on the register (prefixed: many share a page)."""
    mark = row.mark
    data = {}
    if mark is not None:
        data = {
            "status": mark.status,
            "arrived_at": mark.arrived_at,
            "minutes_late": mark.minutes_late,
            "left_at": mark.left_at,
            "absence_reason": mark.absence_reason,
            "note": mark.note,
        }
    return MarkForm(formdata=formdata, prefix=f"m{row.placement.id}{row.session}-", data=data)


def mark_forms(rows) -> dict:
    return {row.key: mark_form(row) for row in rows}


def contact_form(row, formdata=None, now: datetime | None = None) -> ParentContactForm:
    now = now or clock.now()
    return ParentContactForm(
        formdata=formdata,
        prefix=f"c{row.placement.id}{row.session}-",
        data={"contacted_at": now.time().replace(second=0, microsecond=0)},
    )


def code_form(row, formdata=None) -> CodeForm:
    code = row.entry.code if row.entry else (row.suggested_code or "")
    return CodeForm(formdata=formdata, prefix=f"r{row.placement.id}{row.session}-", data={"code": code})
