"""The shared form pieces in ap_forms/web/form_fields.py, on plain WTForms forms (no app needed)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form, PasswordField, RadioField, SelectField
from wtforms.validators import InputRequired

from ap_forms.web.form_fields import (
    after,
    chosen_from_list,
    email_field,
    not_before,
    one_of,
    phone_field,
    reference_number,
    same_as_password,
    text_input,
)


def _post(form_class, **values):
    form = form_class(MultiDict(values))
    form.validate()
    return form


class _Dates(Form):
    start = DateField("Start")
    end = DateField("End", validators=[not_before("start", "The end must be on or after the start")])
    next_on = DateField("Next", validators=[after("start", "The next must be after the start")])


def test_not_before_allows_the_same_day_and_after_does_not():
    form = _post(_Dates, start="2026-09-07", end="2026-09-07", next_on="2026-09-07")
    assert form.errors == {"next_on": ["The next must be after the start"]}
    form = _post(_Dates, start="2026-09-07", end="2026-09-06", next_on="2026-09-08")
    assert form.errors == {"end": ["The end must be on or after the start"]}


def test_date_order_is_not_checked_while_a_date_is_missing():
    assert _post(_Dates, start="", end="2026-09-06", next_on="2026-09-01").errors.get("end") is None
    assert _post(_Dates, start="2026-09-07").errors == {}


class _Choices(Form):
    provider = SelectField("Provider", validate_choice=False, validators=[chosen_from_list("Select the provider")])
    answer = RadioField(
        "Answer", choices=[("a", "A"), ("b", "B")], validate_choice=False, validators=[one_of([("a", "A")], "Pick A")]
    )

    def __init__(self, formdata):
        super().__init__(formdata)
        self.provider.choices = [("", "Choose a provider"), ("7", "Stables")]


def test_chosen_from_list_refuses_the_blank_and_anything_not_offered():
    assert _post(_Choices, provider="7").errors == {}
    assert _post(_Choices, provider="").errors == {"provider": ["Select the provider"]}
    assert _post(_Choices, provider="8").errors == {"provider": ["Select the provider"]}


def test_one_of_allows_blank_and_clears_a_refused_choice():
    assert _post(_Choices, provider="7", answer="a").errors == {}
    assert _post(_Choices, provider="7").errors == {}
    form = _post(_Choices, provider="7", answer="b")
    assert form.errors == {"answer": ["Pick A"]}
    assert form.answer.data is None


class _Passwords(Form):
    password = PasswordField("Password")
    confirm = PasswordField("Again", validators=[InputRequired("Type the password again"), same_as_password])


def test_the_password_typed_again_must_match_once_one_is_typed():
    assert _post(_Passwords, password="correct horse", confirm="correct horse").errors == {}
    assert _post(_Passwords, password="correct horse", confirm="correct hose").errors == {
        "confirm": ["The two passwords are not the same"]
    }
    assert _post(_Passwords, password="", confirm="x").errors == {}


class _Contact(Form):
    name = text_input("Contact name", required="Enter the contact's name", max_length=10)
    phone = phone_field("Phone (optional)")
    email = email_field("Email address (optional)")
    work_email = email_field("Work email", required="Enter the work email")


def test_contact_fields_strip_and_name_themselves_in_messages():
    form = _post(_Contact, name=" Ann ", phone=" 0123 ", email="", work_email=" ann@example.org ")
    assert form.errors == {}
    assert (form.name.data, form.phone.data, form.email.data, form.work_email.data) == (
        "Ann",
        "0123",
        "",
        "ann@example.org",
    )
    form = _post(_Contact, name="x" * 11, phone="1" * 41, email="not an address", work_email="")
    assert form.errors == {
        "name": ["Contact name must be 10 characters or fewer"],
        "phone": ["Phone must be 40 characters or fewer"],
        "email": ["Enter an email address in the correct format, like name@example.org"],
        "work_email": ["Enter the work email"],
    }
    form = _post(_Contact, name="Ann", work_email="a" * 250 + "@b.org")
    assert form.errors["work_email"][-1] == "Work email must be 254 characters or fewer"


class _Reference(Form):
    ukprn = reference_number(
        "UKPRN (optional)", "8 numbers", pattern=r"^1\d{7}$", message="Enter the UKPRN as 8 numbers"
    )


def test_a_reference_number_may_be_blank_and_is_stripped_before_its_check():
    assert _post(_Reference, ukprn="").errors == {}
    form = _post(_Reference, ukprn=" 10012345 ")
    assert (form.errors, form.ukprn.data) == ({}, "10012345")
    assert _post(_Reference, ukprn="2001234").errors == {"ukprn": ["Enter the UKPRN as 8 numbers"]}
