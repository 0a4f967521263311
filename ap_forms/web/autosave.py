"""One autosave for every form that saves a draft as it is typed.

The form (`autosave_form` in templates/_macros/forms.html) posts itself with htmx and the header
`X-Autosave: 1`, and swaps the answer into its status line (`autosave_status`, the partial
templates/web/_autosave_status.html). The view asks `is_autosave()`, saves what it can and answers
`saved()` (200, "Draft saved at 10:42.", the school's time) or `not_saved(message)` / `form_not_saved(form)`
(422, "Not saved: ...").
`keep` carries hidden fields that must change with each save (the Referral Form's version).
A plain POST (no JavaScript, or the form's own buttons) is never an autosave.
"""

from __future__ import annotations

from flask import request

from ap_forms.web import clock
from ap_forms.web.htmx import wants_fragment
from ap_forms.web.rendering import render

HEADER = "X-Autosave"
STATUS_TEMPLATE = "web/_autosave_status.html"


def is_autosave() -> bool:
    return request.method == "POST" and wants_fragment() and request.headers.get(HEADER) == "1"


def saved(*, keep: dict | None = None):
    """The status line after a save: 'Draft saved at 10:42.'"""
    return render(STATUS_TEMPLATE, saved_at=clock.now(), error=None, keep=keep or {})


def not_saved(message: str, *, keep: dict | None = None):
    """The status line after a refused save, with 422: 'Not saved: <message>'."""
    return render(STATUS_TEMPLATE, status=422, saved_at=None, error=message, keep=keep or {})


def form_not_saved(form):
    """A form that did not validate: its first message, and how to see them all."""
    return not_saved(f"{first_error(form.errors) or 'check the answers'}. Press “Save draft” to see what to fix.")


def first_error(errors) -> str:
    """The first message in a form's (possibly nested) errors, for the one-line status."""
    values = errors.values() if isinstance(errors, dict) else errors
    for value in values:
        found = value if isinstance(value, str) else first_error(value)
        if found:
            return found.rstrip(".")
    return ""
