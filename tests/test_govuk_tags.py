"""govuk_tag: GOV.UK Frontend's own tag markup, rendered once per distinct text and colour."""

from __future__ import annotations

from flask import render_template_string
from markupsafe import Markup

from ap_forms.web.govuk_tags import govuk_tag


def test_govuk_tag_is_the_govuk_macro_output(app):
    with app.test_request_context():
        by_macro = render_template_string(
            '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
            '{{ govukTag({"text": "Due soon", "classes": "govuk-tag--yellow"}) }}'
        )
        assert render_template_string('{{ govuk_tag("Due soon", "govuk-tag--yellow") }}') == by_macro
        assert 'class="govuk-tag govuk-tag--yellow"' in by_macro and "Due soon" in by_macro


def test_govuk_tag_escapes_its_text_and_allows_no_colour(app):
    with app.test_request_context():
        html = str(govuk_tag("<script>x</script>"))
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert 'class="govuk-tag"' in html
        assert str(govuk_tag(Markup("a &amp; b"))).count("&amp;amp;") == 0
        assert str(govuk_tag("a &amp; b")).count("&amp;amp;") == 1  # text is escaped, once
