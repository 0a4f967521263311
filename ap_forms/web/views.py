"""Small jobs many views do the same way: a 404 for what is not there, a CSV download, the public
page where someone chooses a password from a one-time link, saving a form through a service and
carrying out a button's action."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Response, abort, flash, session, url_for

from ap_forms.extensions import db
from ap_forms.web.form_fields import apply_error
from ap_forms.web.htmx import redirect
from ap_forms.web.mail import MailError
from ap_forms.web.rendering import render_form

T = TypeVar("T")


def found_or_404(value: T | None) -> T:
    """The value a lookup found, or a 404 when it found nothing (None). For lookups that are not a
    model's primary key (use `db.get_or_404` for those): a date in the path, a row in a list."""
    if value is None:
        abort(404)
    return value


def csv_download(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """Rows as a CSV attachment that no browser or proxy keeps a copy of. Cells are written as given:
    make anything a person typed safe for spreadsheets first."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def choose_password_page(
    form,
    *,
    save: Callable[[str], object],
    refused: type[Exception],
    done: str,
    template: str,
    **context,
) -> Response:
    """The public page behind a one-time link (an account link, a carer's invitation) where someone
    chooses a password: `form` has `password` and `confirm`. A valid password is given to `save`; its
    `refused` error is shown at the password box. Once saved, whatever session the browser had is
    ended, `done` is flashed and the person goes to sign in. The page never keeps the password
    (both boxes come back blank) and is never cached: the address holds the token."""
    if form.validate_on_submit():
        try:
            save(form.password.data)
        except refused as error:
            form.password.errors = [*form.password.errors, str(error)]
        else:
            session.clear()
            flash(done, "success")
            return redirect(url_for("accounts.login"))
    form.password.data = form.confirm.data = ""
    response = render_form(template, form, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Saving a form, carrying out a button's action ---------------------------------------------------


class _Refused:
    """What `_kept` returns when the form was not kept (a service may rightly return None)."""


_REFUSED = _Refused()


def _kept(form, save: Callable[[], T], refused, fallback, rollback, unsent) -> T | _Refused:
    if not form.validate_on_submit():
        return _REFUSED
    try:
        return save()
    except refused as error:
        if rollback:
            db.session.rollback()
        apply_error(form, error, fallback=fallback)
        return _REFUSED
    except MailError:
        if unsent is None:
            raise
        db.session.rollback()
        field, message = unsent
        form[field].errors = [*form[field].errors, message]
        return _REFUSED


def form_saved(form, save: Callable[[], object], refused: type[Exception], *, fallback: str | None = None) -> bool:
    """Whether `form` was sent, valid, and `save()` took it; for a view that answers differently once
    saved (an autosave answers with the saved line, a submit redirects). A `refused` error from `save` is
    shown at the field it names (`form_fields.apply_error`: else at `fallback`, else at the first
    field), so the view shows the form again."""
    return not isinstance(_kept(form, save, refused, fallback, False, None), _Refused)


def save_form(
    form,
    save: Callable[[], T],
    *,
    refused: type[Exception],
    saved: str | Callable[[T], str],
    then: str | Callable[[T], str],
    fallback: str | None = None,
    rollback: bool = False,
    unsent: tuple[str, str] | None = None,
) -> Response | None:
    """Post/redirect/get for a form a service keeps: a valid form is given to `save`; once kept, `saved` is
    flashed and the person goes to `then` (either may be worked out from what `save` returned). None
    when the page is to be shown again: the form was not sent, not valid, or refused by the service (its
    `refused` error, shown at the field it names, else at `fallback`). `rollback` is for services that
    may have changed the session before refusing. `unsent` (field, message) is for a service that sends
    email: when the mail server does not answer, nothing is kept and the message shows at that field."""
    result = _kept(form, save, refused, fallback, rollback, unsent)
    if isinstance(result, _Refused):
        return None
    flash(saved(result) if callable(saved) else saved, "success")
    return redirect(then(result) if callable(then) else then)


def carry_out(action: Callable[[], T], *, refused: type[Exception], unsent: str, done: Callable[[T], str]) -> None:
    """A button's action that may send email: `done` (from what `action` returned) is flashed once it is
    carried out. Nothing is kept when the service refuses (its message is flashed as an error) or the
    mail server does not answer (`unsent` is)."""
    try:
        outcome = action()
    except refused as error:
        db.session.rollback()
        flash(str(error), "error")
    except MailError:
        db.session.rollback()
        flash(unsent, "error")
    else:
        flash(done(outcome), "success")
