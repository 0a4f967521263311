from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional, Regexp

from ap_forms.web.form_fields import Length, email_format


class SchoolSettingsForm(FlaskForm):
    name = StringField(
        "School name", widget=GovTextInput(), validators=[InputRequired("Enter the school's name"), Length(max=160)]
    )
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
    local_authority = StringField("Local authority", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    address = TextAreaField("Address", widget=GovTextArea(), validators=[Optional(), Length(max=500)])
    contact_email = StringField(
        "Contact email",
        widget=GovTextInput(),
        validators=[
            Optional(),
            email_format("Enter an email address in the correct format, like office@school.example"),
            Length(max=254),
        ],
    )
    contact_phone = StringField("Contact phone", widget=GovTextInput(), validators=[Optional(), Length(max=40)])
    dsl_phone = StringField(
        "Designated Safeguarding Lead's phone",
        widget=GovTextInput(),
        description="Shown first to anyone reporting a safeguarding concern.",
        validators=[Optional(), Length(max=40)],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())
