"""GOV.UK tags, rendered by GOV.UK Frontend's own `govukTag` macro once per distinct text and colour.

A status tag appears on every row of the leaders' home, the board and the compliance board; each
call of the macro imports its attribute helpers again, which cost more than the rest of the row.
The tag's HTML depends only on its text and classes, so it is kept (a bounded cache per process).
Templates write `{{ govuk_tag("Done", "govuk-tag--green") }}`.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, current_app
from markupsafe import Markup

TAG_MACRO = "govuk_frontend_jinja/components/tag/macro.html"


def govuk_tag(text: str, classes: str = "") -> Markup:
    # Markup stays Markup (the macro prints it as it is); anything else is text, escaped by the macro.
    return _rendered(current_app.jinja_env, text if isinstance(text, Markup) else str(text), classes or "")


@lru_cache(maxsize=1024, typed=True)  # typed: Markup("a &amp; b") and the text "a &amp; b" differ
def _rendered(env, text: str, classes: str) -> Markup:
    return Markup(env.get_template(TAG_MACRO).module.govukTag({"text": text, "classes": classes}))  # noqa: S704 (the macro escapes the text)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["govuk_tag"] = govuk_tag
