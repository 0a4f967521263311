"""Form fields and validators every domain's forms share (GOV.UK patterns over WTForms)."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import validators as wtf_validators
from wtforms.validators import StopValidation, ValidationError

from ap_forms.web import clock


class _DateInput(GovDateInput):
    """GOV.UK's date input. govuk-frontend-wtf puts `required` on the div wrapping the three boxes,
    which is not valid HTML (a div cannot be required): leave it off; the server checks."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.get("attributes", {}).pop("required", None)
        return params


class GovDateField(DateField):
    """Day, month and year boxes. A date that does not exist (31 02 2026) is a field error, not a 500,
    and so is a year outside 1990–2100 (date arithmetic on year 9999 would overflow)."""

    def __init__(self, label: str, validators=None, *, invalid: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=_DateInput(), **kwargs)
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


def known_choice(message: str):
    """A choice from the field's list (RadioField's own check says only 'Not a valid choice')."""

    def check(form, field):
        if field.data and field.data not in {str(v) for v, _ in field.choices}:
            raise ValidationError(message)

    return check


def one_of(choices, message: str):
    """Blank, or one of `choices`; anything else is cleared (so the form does not show it back) and refused."""
    values = {value for value, _ in choices}

    def check(form, field):
        if field.data not in (None, "", "None") and field.data not in values:
            field.data = None
            raise ValidationError(message)

    return check


def chosen_from_list(message: str):
    """A choice from a list the view fills in (a provider, a pupil): not blank, and one of those offered."""

    def check(form, field):
        if field.data not in {value for value, _ in field.choices if value}:
            raise ValidationError(message)

    return check


def not_in_future(message: str):
    def check(form, field):
        if field.data and field.data > clock.today():
            raise ValidationError(message)

    return check


def past_date(label: str, hint: str = "", *, required: str | None = None, in_future: str, also=()):
    """Day, month and year boxes for something that has happened: today or earlier (`in_future` is the
    message otherwise). `required` makes it required with that message; otherwise it may be blank.
    `also` are further checks, run after those."""
    first = required_date(required) if required else optional_date
    return GovDateField(label, description=hint, validators=[first, not_in_future(in_future), *also])


def not_before(other: str, message: str):
    """A date on or after the form's `other` date (when both are given)."""

    def check(form, field):
        if field.data and form[other].data and field.data < form[other].data:
            raise ValidationError(message)

    return check


def after(other: str, message: str):
    """A date strictly after the form's `other` date (when both are given)."""

    def check(form, field):
        if field.data and form[other].data and field.data <= form[other].data:
            raise ValidationError(message)

    return check


def same_as_password(form, field):
    """The "type the password again" box: the same as the form's `password`, once one is typed."""
    if form.password.data and field.data != form.password.data:
        raise ValidationError("The two passwords are not the same")


class _DayMonthYearInput(_DateInput):
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
        # The widget shows raw_data back as day, month and year: always exactly three values.
        self.raw_data = ([str(value) for value in valuelist] + ["", "", ""])[:3]
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


def field_name(field) -> str:
    """The field's label as a name for messages: 'Description (optional)' -> 'Description'."""
    text = str(getattr(field.label, "text", "") or field.name).strip()
    for suffix in (" (optional)", "(optional)"):
        text = text.removesuffix(suffix).strip()
    return text or "This answer"


class Length(wtf_validators.Length):
    """WTForms' Length, but a message without one names the field: never 'Field cannot be longer
    than 500 characters.' with no way to tell which box is meant."""

    def __call__(self, form, field):
        if self.message is not None:
            return super().__call__(form, field)
        length = len(field.data) if field.data else 0
        if length < self.min or (self.max != -1 and length > self.max):
            name = field_name(field)
            if self.max == -1:
                raise ValidationError(f"{name} must be {self.min:,} characters or more")
            if self.min <= 0:
                raise ValidationError(f"{name} must be {self.max:,} characters or fewer")
            raise ValidationError(f"{name} must be between {self.min:,} and {self.max:,} characters")
        return None


def strip(value):
    return value.strip() if isinstance(value, str) else value


def text_input(
    label: str, hint: str = "", *, required: str | None = None, max_length: int, too_long: str | None = None
):
    """A GOV.UK one-line text input, stripped, at most `max_length` characters (`too_long` is the message
    otherwise; without it, the message names the box).

    `required` makes it required with that message."""
    validators = [wtf_validators.InputRequired(required)] if required else []
    validators.append(Length(max=max_length, message=too_long))
    return StringField(label, widget=GovTextInput(), description=hint, filters=[strip], validators=validators)


def number_input(label: str, hint: str = "", *, required: str | None = None):
    """A number or an amount of money as typed (like 0, 85.00 or 45,000), stripped: the form or the
    service reads it, so its message can say what is wrong. `required` makes it required with that message."""
    validators = [wtf_validators.InputRequired(required)] if required else []
    return StringField(label, widget=GovTextInput(), description=hint, filters=[strip], validators=validators)


def phone_field(label: str, hint: str = "", *, required: str | None = None):
    """A phone number: free text (extensions, "mornings only"), at most 40 characters."""
    return text_input(label, hint, required=required, max_length=40)


def reference_number(label: str, hint: str, *, pattern: str, message: str):
    """An optional reference number (a URN, a UKPRN, a ULN), stripped: blank, or written as `pattern` says."""
    return StringField(
        label,
        widget=GovTextInput(),
        description=hint,
        filters=[strip],
        validators=[wtf_validators.Optional(), wtf_validators.Regexp(pattern, message=message)],
    )


EMAIL_FORMAT_MESSAGE = "Enter an email address in the correct format, like name@example.org"


def email_format(message: str = EMAIL_FORMAT_MESSAGE):
    """The address looks like one; nothing is looked up (no DNS check while a form is submitted)."""
    return wtf_validators.Email(message, check_deliverability=False)


def email_field(label: str, hint: str = "", *, required: str | None = None):
    """An email address, stripped, in the correct format and at most 254 characters (the most an
    address can have). `required` makes it required with that message; otherwise it may be blank."""
    first = wtf_validators.InputRequired(required) if required else wtf_validators.Optional()
    return StringField(
        label,
        widget=GovTextInput(),
        description=hint,
        filters=[strip],
        validators=[first, email_format(), Length(max=254)],
    )


YES_NO = [("yes", "Yes"), ("no", "No")]


def radios(
    label: str,
    choices,
    *,
    required: str | None = None,
    hint: str = "",
    unknown: str | None = None,
    default: str | None = None,
) -> RadioField:
    """GOV.UK radios. `required` makes choosing one required, with that message; without it they may be
    left unchosen. A value that is not one of `choices` is refused with `unknown` (without it, with
    WTForms' own "Not a valid choice")."""
    first = wtf_validators.InputRequired(required) if required else wtf_validators.Optional()
    check = [known_choice(unknown)] if unknown else []
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices,
        description=hint,
        default=default,
        validate_choice=unknown is None,
        validators=[first, *check],
    )


def text_area(
    label: str, hint: str = "", *, required: str | None = None, max_length: int = 5000, too_long: str | None = None
):
    """A GOV.UK textarea, stripped, at most `max_length` characters (`too_long` is the message otherwise;
    without it, the message names the box).

    `required` makes it required with that message. No Optional() for optional boxes: it would stop
    a form's own checks (like "required when yes")."""
    validators = [wtf_validators.InputRequired(required)] if required else []
    validators.append(Length(max=max_length, message=too_long))
    return TextAreaField(label, widget=GovTextArea(), description=hint, filters=[strip], validators=validators)


def password_input(
    label: str, hint: str = "", *, required: str, max_length: int | None = None, too_long: str | None = None, also=()
):
    """A GOV.UK password input, never stripped (a space is part of a password). `required` is the
    message when it is empty; `max_length` (with `too_long` as the message) caps it; `also` are
    further checks, like `same_as_password`."""
    validators = [wtf_validators.InputRequired(required)]
    if max_length is not None:
        validators.append(Length(max=max_length, message=too_long))
    return PasswordField(label, widget=GovPasswordInput(), description=hint, validators=[*validators, *also])


def checkbox(label: str, hint: str = "", *, required: str | None = None) -> BooleanField:
    """A single GOV.UK checkbox, ticked or not. `required` makes ticking it required, with that message
    (a confirmation before signing something off)."""
    validators = [wtf_validators.InputRequired(required)] if required else []
    return BooleanField(label, widget=GovCheckboxInput(), description=hint, validators=validators)


def select(label: str, choices=None, *, hint: str = "", validators=()) -> SelectField:
    """A GOV.UK select of `choices` (or of choices the view fills in: a provider, a pupil). Only
    `validators` (like `chosen_from_list`, `known_choice`) or the form's own checks judge the choice,
    so the message can say what is wrong."""
    return SelectField(
        label, widget=GovSelect(), choices=choices, description=hint, validate_choice=False, validators=list(validators)
    )


def checkboxes(label: str, choices=None, *, hint: str = "") -> SelectMultipleField:
    """GOV.UK checkboxes: any number of `choices` (or choices the view fills in). The form checks what
    was ticked itself, so its message can say what is wrong."""
    return SelectMultipleField(
        label, widget=GovCheckboxesInput(), choices=choices, description=hint, validate_choice=False
    )


def progress_rows(ratings, *, max_entries: int = 20) -> FieldList:
    """One row per objective of a placement: a rating from `ratings` and an optional comment
    (weekly feedback, termly reports, placement reviews)."""

    class ProgressRow(Form):
        rating = RadioField("Progress", widget=GovRadioInput(), choices=ratings, validate_choice=False)
        comment = TextAreaField(
            "Comment (optional)", widget=GovTextArea(), filters=[strip], validators=[Length(max=2000)]
        )

    return FieldList(FormField(ProgressRow), max_entries=max_entries)


class ObjectiveRows:
    """For a form with `progress = progress_rows(...)`: one row per objective, its wording kept."""

    def set_objectives(self, objectives: list[str]) -> None:
        while len(self.progress) < len(objectives):
            self.progress.append_entry()
        self.objective_texts = objectives


def apply_error(form, error, *, fallback: str | None = None) -> None:
    """Show a service's refusal (an exception with a `field`) at that field; when it names none of the
    form's fields, at `fallback`, else at the form's first field."""
    field = getattr(form, getattr(error, "field", None) or "", None)
    if field is None or not hasattr(field, "errors"):
        field = getattr(form, fallback) if fallback else next(f for f in form if f.name not in ("csrf_token", "submit"))
    field.errors = [*field.errors, str(error)]
