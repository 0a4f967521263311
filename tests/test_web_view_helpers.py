"""The view helpers in web/views.py: 404 for nothing found, CSV downloads, choosing a password."""

from __future__ import annotations

import csv
import io

import pytest
from flask import get_flashed_messages, session
from flask_wtf import FlaskForm
from jinja2 import ChoiceLoader, DictLoader
from werkzeug.exceptions import NotFound
from wtforms import PasswordField

from ap_forms.web.views import choose_password_page, csv_download, found_or_404


def test_found_or_404_passes_anything_found_through():
    assert found_or_404(0) == 0  # falsy is still found
    assert found_or_404("") == ""
    row = object()
    assert found_or_404(row) is row


def test_found_or_404_answers_404_for_nothing(app):
    with app.test_request_context(), pytest.raises(NotFound):
        found_or_404(None)


def test_csv_download_is_an_attachment_never_cached(app):
    with app.test_request_context():
        response = csv_download([["Name", "Note"], ["Ann", 'said "hi", then left']], "people-2026-11-23.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="people-2026-11-23.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["Name", "Note"],
        ["Ann", 'said "hi", then left'],
    ]


class _PasswordForm(FlaskForm):
    password = PasswordField("Password")
    confirm = PasswordField("Confirm")


class _Refused(Exception):
    pass


@pytest.fixture
def password_template(app):
    app.jinja_loader = ChoiceLoader(
        [DictLoader({"choose.html": "{{ who }}|{{ form.password.data }}|{{ form.password.errors|join }}"})]
        + [app.jinja_loader]
    )
    app.jinja_env.cache = {}  # the loader was looked up when the environment was made


def _page(save, **context):
    return choose_password_page(
        _PasswordForm(),
        save=save,
        refused=_Refused,
        done="Saved. Sign in.",
        template="choose.html",
        **context,
    )


def test_choose_password_page_shows_blank_boxes_and_is_never_cached(app, password_template):
    with app.test_request_context("/link/token"):
        response = _page(lambda password: None, who="Ann")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Ann||"
    assert response.headers["Cache-Control"] == "no-store"


def test_choose_password_page_saves_ends_the_session_and_goes_to_sign_in(app, password_template):
    saved = []
    with app.test_request_context("/link/token", method="POST", data={"password": "long enough", "confirm": "x"}):
        session["_user_id"] = "7"
        response = _page(saved.append, who="Ann")
        assert "_user_id" not in session
        assert get_flashed_messages(with_categories=True) == [("success", "Saved. Sign in.")]
    assert saved == ["long enough"]
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/login")


def test_choose_password_page_shows_a_refusal_at_the_password_box(app, password_template):
    def refuse(password):
        raise _Refused("Choose a longer password")

    with app.test_request_context("/link/token", method="POST", data={"password": "short", "confirm": "short"}):
        session["_user_id"] = "7"
        response = _page(refuse, who="Ann")
        assert session["_user_id"] == "7"
    assert response.status_code == 422
    assert response.get_data(as_text=True) == "Ann||Choose a longer password"  # the password is not shown back
    assert response.headers["Cache-Control"] == "no-store"
