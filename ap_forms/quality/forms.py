"""Forms for planning and recording visits. A draft may be saved half-done: fields are checked
for sense (real dates, known choices, lengths), and completeness is checked at sign-off."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from ap_forms.quality.models import ACTION_OWNERS, ANSWERS, JUDGEMENTS
from ap_forms.quality.services import MAX_ACTIONS
from ap_forms.web.form_fields import (
    GovDateField,
    Length,
    chosen_from_list,
    email_format,
    known_choice,
    optional_date,
    required_date,
)

LONG_TEXT = 5000


def _int_choices(field):
    valid = {str(value) for value, _ in field.choices}
    return [value for value in (field.data or []) if str(value) in valid]


class PlanForm(FlaskForm):
    provider = SelectField(
        "Provider",
        widget=GovSelect(),
        coerce=str,
        validators=[
            InputRequired("Choose the provider you are visiting"),
            chosen_from_list("Choose the provider you are visiting"),
        ],
    )
    visit_date = GovDateField(
        "Date of the visit",
        validators=[required_date("Enter the date of the visit")],
        description="For example, 9 12 2026",
        invalid="The date of the visit must be a real date, like 9 12 2026",
    )
    staff = SelectMultipleField("Who is going", widget=GovCheckboxesInput(), coerce=str, validate_choice=False)
    focus = TextAreaField(
        "What the visit will look at (optional)",
        widget=GovTextArea(),
        description="For example, a new pupil settling in, or last visit's actions.",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save visit plan", widget=GovSubmitInput())

    def validate_staff(self, field):
        chosen = _int_choices(field)
        if not chosen or len(chosen) != len(field.data or []):
            raise ValidationError("Choose who is going on the visit")

    def staff_ids(self) -> list[int]:
        return [int(value) for value in _int_choices(self.staff)]


def checklist_form(items, visit, formdata=None):
    """One radio group (met / partly met / not met / not seen) and a comment for each item."""

    class ChecklistSectionForm(FlaskForm):
        submit = SubmitField("Save and continue", widget=GovSubmitInput())

        def answers(self) -> dict[int, tuple[str, str]]:
            return {
                item.id: (self[f"answer_{item.id}"].data or "", self[f"comment_{item.id}"].data or "") for item in items
            }

    data = {}
    for item in items:
        setattr(
            ChecklistSectionForm,
            f"answer_{item.id}",
            RadioField(
                f"{item.position}. {item.text}",
                widget=GovRadioInput(),
                choices=list(ANSWERS.items()),
                validate_choice=False,
                description=item.hint or None,
                validators=[Optional(), known_choice("Choose met, partly met, not met or not seen")],
            ),
        )
        setattr(
            ChecklistSectionForm,
            f"comment_{item.id}",
            TextAreaField("Comment", widget=GovTextArea(), validators=[Length(max=LONG_TEXT)]),
        )
        answer = visit.answer_for(item.id)
        if answer:
            data[f"answer_{item.id}"] = answer.answer or None
            data[f"comment_{item.id}"] = answer.comment
    return ChecklistSectionForm(formdata=formdata, data=data)


def progress_form(entries, formdata=None):
    """One rating and a comment for each pupil placed at the provider."""

    class ProgressForm(FlaskForm):
        submit = SubmitField("Save and continue", widget=GovSubmitInput())

        def values(self) -> dict[int, tuple[str, str]]:
            return {e.id: (self[f"rating_{e.id}"].data or "", self[f"comment_{e.id}"].data or "") for e in entries}

    data = {}
    for entry in entries:
        setattr(
            ProgressForm,
            f"rating_{entry.id}",
            RadioField(
                f"Progress seen for {entry.student.full_name}",
                widget=GovRadioInput(),
                choices=[
                    ("met", "Objectives met"),
                    ("partly", "Partly met"),
                    ("not_met", "Not met"),
                    ("not_seen", "Not seen"),
                ],
                validate_choice=False,
                validators=[Optional(), known_choice("Choose met, partly met, not met or not seen")],
            ),
        )
        setattr(
            ProgressForm,
            f"comment_{entry.id}",
            TextAreaField(
                "What you saw, and what the pupil or key worker said",
                widget=GovTextArea(),
                validators=[Length(max=LONG_TEXT)],
            ),
        )
        data[f"rating_{entry.id}"] = entry.rating or None
        data[f"comment_{entry.id}"] = entry.comment
    return ProgressForm(formdata=formdata, data=data)


class ObservationForm(FlaskForm):
    observed_activity = StringField(
        "Activity observed",
        widget=GovTextInput(),
        description="What the session was, and who led it",
        validators=[Length(max=500)],
    )
    observation_notes = TextAreaField(
        "Observation notes",
        widget=GovTextArea(),
        description="Teaching and support, engagement, anything that stood out",
        validators=[Length(max=LONG_TEXT)],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class VoiceForm(FlaskForm):
    pupil_voice = TextAreaField(
        "Pupil voice",
        widget=GovTextArea(),
        description="What pupils said about their placement, in their words where you can",
        validators=[Length(max=LONG_TEXT)],
    )
    strengths = TextAreaField(
        "Strengths", widget=GovTextArea(), description="What the provider does well", validators=[Length(max=LONG_TEXT)]
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class JudgementForm(FlaskForm):
    judgement = RadioField(
        "Overall judgement",
        widget=GovRadioInput(),
        choices=list(JUDGEMENTS.items()),
        validate_choice=False,
        validators=[Optional(), known_choice("Choose an overall judgement")],
    )
    summary = TextAreaField(
        "Summary for the report",
        widget=GovTextArea(),
        description="A few sentences the provider will read at the top of the report",
        validators=[Length(max=LONG_TEXT)],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class ActionRowForm(Form):
    what = TextAreaField("What needs to be done", widget=GovTextArea(), validators=[Length(max=1000)])
    owner = RadioField(
        "Who will do it",
        widget=GovRadioInput(),
        choices=list(ACTION_OWNERS.items()),
        validate_choice=False,
        validators=[Optional(), known_choice("Choose the provider or the school")],
    )
    owner_name = StringField("Name (optional)", widget=GovTextInput(), validators=[Length(max=120)])
    due_on = GovDateField(
        "By when", validators=[optional_date], invalid="The date it is due by must be a real date, like 9 1 2027"
    )

    def validate_owner(self, field):
        if (self.what.data or "").strip() and not field.data:
            raise ValidationError("Choose who will do it")

    def validate_due_on(self, field):
        if (self.what.data or "").strip() and field.data is None and not field.errors:
            raise ValidationError("Enter the date it is due by")


BLANK_ACTION_ROWS = 2


class ActionsForm(FlaskForm):
    actions = FieldList(FormField(ActionRowForm), min_entries=0, max_entries=MAX_ACTIONS + BLANK_ACTION_ROWS)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def fill_from(self, visit) -> None:
        for action in visit.actions:
            self.actions.append_entry(
                {"what": action.what, "owner": action.owner, "owner_name": action.owner_name, "due_on": action.due_on}
            )
        self.add_blank_rows()

    def add_blank_rows(self) -> None:
        for _ in range(BLANK_ACTION_ROWS):
            if len(self.actions) < self.actions.max_entries:
                self.actions.append_entry()


class SignOffForm(FlaskForm):
    confirm = BooleanField(
        "I confirm this is an accurate record of the visit",
        widget=GovCheckboxInput(),
        validators=[InputRequired("Confirm the record is accurate before signing off")],
    )
    submit = SubmitField("Sign off the visit", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """CSRF only: one button (start recording, cancel a visit)."""


class SendForm(FlaskForm):
    to = StringField(
        "Send to",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the email address to send the report to"),
            email_format(),
            Length(max=254),
        ],
    )
    submit = SubmitField("Email the report", widget=GovSubmitInput())


class CompleteActionForm(FlaskForm):
    note = TextAreaField("How it was done (optional)", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Mark as done", widget=GovSubmitInput())


class RespondForm(FlaskForm):
    response = TextAreaField(
        "Your response",
        widget=GovTextArea(),
        description="Tell the school what you have done, or what you will do and when",
        validators=[InputRequired("Say what you have done, or what you will do"), Length(max=2000)],
    )
    submit = SubmitField("Send response", widget=GovSubmitInput())
