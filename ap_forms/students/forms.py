"""Forms for the roll: a pupil, leaving, a parent or carer, an invitation's password, an import."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ap_forms.students.models import CHILD_PROTECTION, GENDERS
from ap_forms.students.upn import upn_problem
from ap_forms.web.form_fields import (
    GovDate,
    checkbox,
    email_field,
    known_choice,
    not_in_future,
    password_input,
    phone_field,
    radios,
    same_as_password,
    select,
    strip,
    text_area,
    text_input,
)


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def _limit(limit: int, what: str):
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


YEAR_CHOICES = [("", "Choose a year group"), ("0", "Reception")] + [(str(y), f"Year {y}") for y in range(1, 15)]


class PupilForm(FlaskForm):
    first_name = StringField(
        "First name (legal)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[InputRequired("Enter the pupil's first name"), _limit(80, "First name")],
    )
    last_name = text_input("Last name", required="Enter the pupil's last name", max_length=80)
    preferred_name = text_input(
        "Preferred name (optional)", "The name the pupil likes to be called, if different.", max_length=80
    )
    date_of_birth = GovDate(
        "Date of birth",
        required_message="Enter the pupil's date of birth",
        description="For example, 27 3 2012",
        validators=[not_in_future("Date of birth must be in the past")],
    )
    year_group = select(
        "Year group",
        YEAR_CHOICES,
        validators=[
            InputRequired("Choose the pupil's year group"),
            known_choice("Choose the pupil's year group from the list"),
        ],
    )
    upn = StringField(
        "UPN (Unique Pupil Number)",
        widget=GovTextInput(),
        filters=[_upper],
        description="13 characters from the school's information system, like A940701219001.",
        validators=[InputRequired("Enter the pupil's UPN"), Length(max=20, message="Enter a UPN of 13 characters")],
    )
    uln = StringField(
        "ULN (Unique Learner Number, optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="10 digits, for pupils aged 14 and over.",
        validators=[Optional()],
    )
    gender = radios("Gender", GENDERS, unknown="Choose the pupil's gender from the list")
    contact_restrictions = text_area(
        "Contact restrictions (optional)",
        "Who must not collect or contact the pupil, and why (for example, a court order).",
        max_length=2000,
    )
    ehcp = checkbox("The pupil has an EHCP (Education, Health and Care Plan)")
    send_needs = text_area("SEND needs (optional)", max_length=4000)
    diagnoses = text_area("Diagnoses (optional)", max_length=2000)
    medical_needs = text_area("Medical needs (optional)", max_length=2000)
    medication = text_area("Medication (optional)", "What, how much, when, and who gives it.", max_length=2000)
    looked_after = checkbox("The pupil is looked after by the local authority")
    child_protection = radios(
        "Child protection status",
        CHILD_PROTECTION,
        required="Choose the child protection status",
        unknown="Choose the child protection status from the list",
        default="none",
    )
    submit = SubmitField("Save pupil", widget=GovSubmitInput())

    def __init__(self, *args, keep: tuple[str, ...] = (), student_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.student_id = student_id
        for name in list(self._fields):
            if name not in keep and name not in ("csrf_token", "submit"):
                del self[name]

    def validate_upn(self, field):
        problem = upn_problem(field.data or "")
        if problem:
            raise ValidationError(problem)
        from ap_forms.students.roll import upn_taken

        if upn_taken(field.data, except_id=self.student_id):
            raise ValidationError("Another pupil already has this UPN. Each pupil's UPN is unique")

    def validate_uln(self, field):
        if field.data and not re.fullmatch(r"\d{10}", field.data):
            raise ValidationError("Enter a ULN of 10 digits, like 1234567890, or leave it blank")

    def values(self) -> dict:
        out = {}
        for name, field in self._fields.items():
            if name in ("csrf_token", "submit"):
                continue
            value = field.data
            if name == "year_group":
                value = int(value)
            elif isinstance(field, (StringField, RadioField)):  # a radio left unchosen is None
                value = value or ""
            out[name] = value
        return out


class LeaveForm(FlaskForm):
    left_on = GovDate(
        "Date the pupil left", required_message="Enter the date the pupil left", description="For example, 18 12 2026"
    )
    leaving_destination = text_input(
        "Where the pupil went",
        "The new school or setting, or 'Not known'.",
        required="Enter where the pupil went, or 'Not known'",
        max_length=160,
    )
    submit = SubmitField("Record that the pupil has left", widget=GovSubmitInput())


PRIORITY_CHOICES = [(str(n), f"{n}") for n in range(1, 7)]


class CarerForm(FlaskForm):
    name = text_input("Full name", required="Enter the parent or carer's full name", max_length=120)
    relationship_to_pupil = StringField(
        "Relationship to the pupil",
        widget=GovTextInput(),
        filters=[strip],
        description="For example, mother, father, foster carer, grandparent.",
        validators=[InputRequired("Enter their relationship to the pupil"), _limit(40, "Relationship")],
    )
    priority = select(
        "Contact order",
        PRIORITY_CHOICES,
        hint="1 is called first.",
        validators=[known_choice("Choose the contact order from the list")],
    )
    mobile_phone = phone_field("Mobile phone (optional)")
    home_phone = phone_field("Home phone (optional)")
    work_phone = phone_field("Work phone (optional)")
    email = email_field("Email address (optional)", "Needed to invite them to make an account.")
    address = text_area("Address (optional)", max_length=500)
    parental_responsibility = checkbox("Has parental responsibility")
    may_collect = checkbox("May collect the pupil")
    do_not_contact = checkbox("Must not be contacted")
    do_not_contact_reason = TextAreaField(
        "Why they must not be contacted",
        widget=GovTextArea(),
        filters=[strip],
        description="Required when they must not be contacted.",
        validators=[_limit(1000, "The reason")],
    )
    submit = SubmitField("Save parent or carer", widget=GovSubmitInput())

    def validate_do_not_contact_reason(self, field):
        if self.do_not_contact.data and not field.data:
            raise ValidationError("Say why this person must not be contacted (for example, a court order)")

    def values(self) -> dict:
        out = {name: field.data for name, field in self._fields.items() if name not in ("csrf_token", "submit")}
        out["priority"] = int(out["priority"] or 1)
        for name, value in out.items():
            if value is None:
                out[name] = ""
        return out


class AcceptInvitationForm(FlaskForm):
    password = password_input(
        "Choose a password",
        "At least 8 characters. Three random words are easy to remember and hard to guess.",
        required="Choose a password",
        max_length=1024,
        too_long="Password must be 1,024 characters or fewer",
    )
    confirm = password_input("Type the password again", required="Type the password again", also=[same_as_password])
    submit = SubmitField("Make my account", widget=GovSubmitInput())


class ImportUploadForm(FlaskForm):
    file = FileField(
        "File from the school's information system",
        widget=GovFileInput(),
        description="A CSV export of pupils (with a heading row), or a Common Transfer File (CTF, .xml). Up to 5 MB.",
    )
    submit = SubmitField("Upload and preview", widget=GovSubmitInput())

    def validate_file(self, field):
        data = field.data
        if data is None or not getattr(data, "filename", ""):
            raise ValidationError("Choose a CSV or CTF file to upload")


def mapping_form(columns: list[str], fields: list[tuple[str, str]]):
    """One select per field of ours, listing the CSV's own column headings."""
    choices = [("", "Not in this file")] + [(c, c) for c in columns]

    class MappingForm(FlaskForm):
        submit = SubmitField("Preview the import", widget=GovSubmitInput())

    for name, label in fields:
        setattr(
            MappingForm, name, select(label, choices, validators=[known_choice(f"Choose a column for {label.lower()}")])
        )
    return MappingForm()
