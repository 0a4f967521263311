from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import FieldList, Form, FormField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ap_forms.checklists.services import MAX_ITEMS
from ap_forms.web.form_fields import Length

BLANK_ROWS = 5


class ItemRowForm(Form):
    section = StringField(
        "Section",
        widget=GovTextInput(),
        validators=[Length(max=120, message="Keep the section name to 120 characters or fewer")],
    )
    text = TextAreaField(
        "Item", widget=GovTextArea(), validators=[Length(max=300, message="Keep the item to 300 characters or fewer")]
    )
    hint = StringField(
        "Hint (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300, message="Keep the hint to 300 characters or fewer")],
    )

    def validate_section(self, field):
        if (self.text.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Enter the section this item belongs to")


class PublishForm(FlaskForm):
    items = FieldList(FormField(ItemRowForm), min_entries=0, max_entries=MAX_ITEMS + BLANK_ROWS)
    notes = TextAreaField(
        "What changed, and why",
        widget=GovTextArea(),
        description="Shown with the version, e.g. “Added the online filtering item (KCSIE 2026)”.",
        validators=[Optional(), Length(max=2000, message="Keep this to 2,000 characters or fewer")],
    )
    submit = SubmitField("Publish new version", widget=GovSubmitInput())

    def fill_from(self, version) -> None:
        for item in version.items:
            self.items.append_entry({"section": item.section, "text": item.text, "hint": item.hint})
        last_section = version.items[-1].section if version.items else ""
        for _ in range(BLANK_ROWS):
            self.items.append_entry({"section": last_section, "text": "", "hint": ""})
