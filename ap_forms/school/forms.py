from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Optional, Regexp, ValidationError

from ap_forms.web.form_fields import Length, email_format, phone_field, radios, text_area, text_input


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
    submit = SubmitField("Save settings", widget=GovSubmitInput())

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
