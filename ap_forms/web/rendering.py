"""One helper renders a whole page, or one named block of the same template for htmx swaps."""

from __future__ import annotations

from flask import make_response, render_template
from jinja2_fragments.flask import render_block

from ap_forms.web.htmx import wants_fragment


def render(template: str, *, block: str | None = None, status: int = 200, **context):
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_form(template: str, form, *, block: str = "form", **context):
    """Re-render a form after a failed validation: 422, so htmx swaps it and tests can tell."""
    status = 422 if form.errors else 200
    return render(template, block=block, status=status, form=form, **context)
