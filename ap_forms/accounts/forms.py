from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from ap_forms.web.form_fields import (
    checkbox,
    checkboxes,
    email_field,
    password_input,
    phone_field,
    same_as_password,
    text_input,
)
from ap_forms.web.roles import ROLE_LABELS


def _sign_in_email(hint: str = ""):
    """The address a person signs in with (to sign in, or for a forgotten password): required and at
    most 254 characters; its format is not checked."""
    return text_input("Email address", hint, required="Enter your email address", max_length=254)


class LoginForm(FlaskForm):
    email = _sign_in_email()
    password = password_input("Password", required="Enter your password", max_length=1024)
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _provider_choice(value):
    return int(value) if value not in (None, "", "None") else None


class _UserDetailsForm(FlaskForm):
    name = text_input("Full name", required="Enter the person's full name", max_length=120)
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
    phone = phone_field("Phone number (optional)", "Shown to parents for key workers.")
    schools = checkboxes(
        "Schools (school staff and administrators)",
        hint="The schools this person works in: they see only the school they are working in, and change "
        "school from the header. Key workers and parents are not members of a school.",
    )

    def set_provider_choices(self, providers) -> None:
        self.provider_id.choices = [(None, "Not a key worker")] + [(p.id, p.name) for p in providers]

    def set_school_choices(self, schools, ticked: list[int]) -> None:
        """With one school there is nothing to choose: the field goes (staff join the current school)."""
        if len(schools) < 2:
            del self.schools
            return
        self.schools.choices = [(str(school.id), school.name) for school in schools]
        if not self.is_submitted():
            self.schools.data = [str(school_id) for school_id in ticked]

    def chosen_schools(self) -> set[int] | None:
        """The ids of the schools ticked; None when the form does not ask (one school)."""
        return {int(value) for value in self.schools.data or []} if "schools" in self else None

    def validate_schools(self, field) -> None:
        known = {value for value, _ in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError("Choose schools from the list")


class UserCreateForm(_UserDetailsForm):
    email = email_field("Email address", required="Enter an email address")
    submit = SubmitField("Create account and send invitation", widget=GovSubmitInput())


class UserEditForm(_UserDetailsForm):
    active = checkbox(
        "Account is active",
        "Untick to disable the account: the person is signed out at once and cannot sign in.",
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = _sign_in_email("The address you sign in with.")
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ChoosePasswordForm(FlaskForm):
    password = password_input(
        "Choose a password",
        "At least 8 characters. Three random words make a strong password that is easy to remember.",
        required="Choose a password",
        max_length=128,
    )
    confirm = password_input(
        "Type the password again", required="Type the password again", max_length=128, also=[same_as_password]
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class TwoFactorForm(FlaskForm):
    code = text_input(
        "Code from your authenticator app",
        "6 digits, like 123456. It changes every 30 seconds.",
        required="Enter the 6-digit code from your authenticator app",
        max_length=12,
        too_long="Enter the 6-digit code, like 123456",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
