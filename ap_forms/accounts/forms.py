from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired

from ap_forms.web.form_fields import Length, email_field, same_as_password, strip
from ap_forms.web.roles import ROLE_LABELS


class LoginForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password"), Length(max=1024)]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _provider_choice(value):
    return int(value) if value not in (None, "", "None") else None


class _UserDetailsForm(FlaskForm):
    name = StringField(
        "Full name", widget=GovTextInput(), validators=[InputRequired("Enter the person's full name"), Length(max=120)]
    )
    role = RadioField(
        "Role", widget=GovRadioInput(), choices=list(ROLE_LABELS.items()), validators=[InputRequired("Choose a role")]
    )
    provider_id = SelectField(
        "Provider (key workers only)",
        widget=GovSelect(),
        coerce=_provider_choice,
        description="The provider this key worker works for. They will only see pupils placed there.",
        validate_choice=True,
    )
    phone = StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        description="Shown to parents for key workers.",
        validators=[Length(max=40)],
    )

    def set_provider_choices(self, providers) -> None:
        self.provider_id.choices = [(None, "Not a key worker")] + [(p.id, p.name) for p in providers]


class UserCreateForm(_UserDetailsForm):
    email = email_field("Email address", required="Enter an email address")
    submit = SubmitField("Create account and send invitation", widget=GovSubmitInput())


class UserEditForm(_UserDetailsForm):
    active = BooleanField(
        "Account is active",
        widget=GovCheckboxInput(),
        description="Untick to disable the account: the person is signed out at once and cannot sign in.",
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        description="The address you sign in with.",
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        "Choose a password",
        widget=GovPasswordInput(),
        description="At least 8 characters. Three random words make a strong password that is easy to remember.",
        validators=[InputRequired("Choose a password"), Length(max=128)],
    )
    confirm = PasswordField(
        "Type the password again",
        widget=GovPasswordInput(),
        validators=[InputRequired("Type the password again"), Length(max=128), same_as_password],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class TwoFactorForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        filters=[strip],
        description="6 digits, like 123456. It changes every 30 seconds.",
        validators=[
            InputRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=12, message="Enter the 6-digit code, like 123456"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
