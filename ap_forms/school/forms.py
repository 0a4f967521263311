import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Optional, Regexp, ValidationError

from ap_forms.web.form_fields import Length, email_format, phone_field, radios, text_area, text_input

TIME_OF_DAY = r"^([01]?\d|2[0-3]):[0-5]\d$"


class SchoolSettingsForm(FlaskForm):
    name = text_input("School name", required="Enter the school's name", max_length=160)
    dfe_number = StringField(
        "DfE number",
        widget=GovTextInput(),
        description="7 digits, like 9287012",
        validators=[Optional(), Regexp(r"^\d{3}/?\d{4}$", message="Enter the DfE number as 7 digits, like 9287012")],
    )
    urn = StringField(
        "URN",
        widget=GovTextInput(),
        description="Unique reference number, 6 digits",
        validators=[Optional(), Regexp(r"^\d{6}$", message="Enter the URN as 6 digits")],
    )
    local_authority = text_input("Local authority", max_length=120)
    address = text_area("Address", max_length=500)
    contact_email = StringField(
        "Contact email",
        widget=GovTextInput(),
        validators=[
            Optional(),
            email_format("Enter an email address in the correct format, like office@school.example"),
            Length(max=254),
        ],
    )
    contact_phone = phone_field("Contact phone")
    dsl_phone = phone_field(
        "Designated Safeguarding Lead's phone", "Shown first to anyone reporting a safeguarding concern."
    )
    attendance_cutoff_am = StringField(
        "Morning register cut-off",
        widget=GovTextInput(),
        description="When key workers must have marked the morning register, as a 24-hour time like 10:00. "
        "Leave blank for the usual time.",
        validators=[Optional(), Regexp(TIME_OF_DAY, message="Enter the time as hours and minutes, like 10:00")],
    )
    attendance_cutoff_pm = StringField(
        "Afternoon register cut-off",
        widget=GovTextInput(),
        description="As a 24-hour time like 14:00. Leave blank for the usual time.",
        validators=[Optional(), Regexp(TIME_OF_DAY, message="Enter the time as hours and minutes, like 14:00")],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate_attendance_cutoff_pm(self, field):
        am, pm = self.attendance_cutoff_am.data, field.data
        if am and pm and re.fullmatch(TIME_OF_DAY, am) and re.fullmatch(TIME_OF_DAY, pm) and pm.zfill(5) <= am.zfill(5):
            raise ValidationError("The afternoon cut-off must be later than the morning cut-off")

    def validate_name(self, field) -> None:
        if not field.data:  # only spaces: stripped to nothing
            raise ValidationError("Enter the school's name")


class NewSchoolForm(SchoolSettingsForm):
    """A new school of the trust: the same settings, the name required and not another school's."""

    submit = SubmitField("Add school", widget=GovSubmitInput())


class ChooseSchoolForm(FlaskForm):
    """Which of their schools a person who works in several is working in now."""

    school = radios("Which school are you working in?", [], required="Choose a school", unknown="Choose a school")
    submit = SubmitField("Continue", widget=GovSubmitInput())
