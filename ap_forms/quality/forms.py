"""Forms for planning and recording visits. A draft may be saved half-done: fields are checked
for sense (real dates, known choices, lengths), and completeness is checked at sign-off."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import FieldList, Form, FormField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from ap_forms.quality.models import ACTION_OWNERS, ANSWERS, JUDGEMENTS
from ap_forms.quality.services import MAX_ACTIONS
from ap_forms.web.form_fields import (
    GovDateField,
    Length,
    checkbox,
    checkboxes,
    chosen_from_list,
    email_format,
    optional_date,
    radios,
    required_date,
    text_area,
    text_input,
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
    staff = checkboxes("Who is going")
    focus = text_area(
        "What the visit will look at (optional)",
        "For example, a new pupil settling in, or last visit's actions.",
        max_length=2000,
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
            radios(
                f"{item.position}. {item.text}",
                list(ANSWERS.items()),
                hint=item.hint or None,
                unknown="Choose met, partly met, not met or not seen",
            ),
        )
        setattr(ChecklistSectionForm, f"comment_{item.id}", text_area("Comment", max_length=LONG_TEXT))
        answer = visit.answer_for(item.id)
        if answer:
            data[f"answer_{item.id}"] = answer.answer or None
            data[f"comment_{item.id}"] = answer.comment
    return ChecklistSectionForm(formdata=formdata, data=data)


PROGRESS_SEEN = [("met", "Objectives met"), ("partly", "Partly met"), ("not_met", "Not met"), ("not_seen", "Not seen")]


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
            radios(
                f"Progress seen for {entry.student.full_name}",
                PROGRESS_SEEN,
                unknown="Choose met, partly met, not met or not seen",
            ),
        )
        setattr(
            ProgressForm,
            f"comment_{entry.id}",
            text_area("What you saw, and what the pupil or key worker said", max_length=LONG_TEXT),
        )
        data[f"rating_{entry.id}"] = entry.rating or None
        data[f"comment_{entry.id}"] = entry.comment
    return ProgressForm(formdata=formdata, data=data)


class ObservationForm(FlaskForm):
    observed_activity = text_input("Activity observed", "What the session was, and who led it", max_length=500)
    observation_notes = text_area(
        "Observation notes", "Teaching and support, engagement, anything that stood out", max_length=LONG_TEXT
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class VoiceForm(FlaskForm):
    pupil_voice = text_area(
        "Pupil voice", "What pupils said about their placement, in their words where you can", max_length=LONG_TEXT
    )
    strengths = text_area("Strengths", "What the provider does well", max_length=LONG_TEXT)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class JudgementForm(FlaskForm):
    judgement = radios("Overall judgement", list(JUDGEMENTS.items()), unknown="Choose an overall judgement")
    summary = text_area(
        "Summary for the report",
        "A few sentences the provider will read at the top of the report",
        max_length=LONG_TEXT,
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class ActionRowForm(Form):
    what = text_area("What needs to be done", max_length=1000)
    owner = radios("Who will do it", list(ACTION_OWNERS.items()), unknown="Choose the provider or the school")
    owner_name = text_input("Name (optional)", max_length=120)
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
    confirm = checkbox(
        "I confirm this is an accurate record of the visit",
        required="Confirm the record is accurate before signing off",
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
    note = text_area("How it was done (optional)", max_length=2000)
    submit = SubmitField("Mark as done", widget=GovSubmitInput())


class RespondForm(FlaskForm):
    response = text_area(
        "Your response",
        "Tell the school what you have done, or what you will do and when",
        required="Say what you have done, or what you will do",
        max_length=2000,
    )
    submit = SubmitField("Send response", widget=GovSubmitInput())
