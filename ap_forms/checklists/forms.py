from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import FieldList, Form, FormField, SubmitField
from wtforms.validators import ValidationError

from ap_forms.checklists.services import MAX_ITEMS
from ap_forms.web.form_fields import text_area, text_input

BLANK_ROWS = 5


class ItemRowForm(Form):
    section = text_input("Section", max_length=120, too_long="Keep the section name to 120 characters or fewer")
    text = text_area("Item", max_length=300, too_long="Keep the item to 300 characters or fewer")
    hint = text_input("Hint (optional)", max_length=300, too_long="Keep the hint to 300 characters or fewer")

    def validate_section(self, field):
        if (self.text.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Enter the section this item belongs to")


class PublishForm(FlaskForm):
    items = FieldList(FormField(ItemRowForm), min_entries=0, max_entries=MAX_ITEMS + BLANK_ROWS)
    notes = text_area(
        "What changed, and why",
        "Shown with the version, e.g. “Added the online filtering item (KCSIE 2026)”.",
        max_length=2000,
        too_long="Keep this to 2,000 characters or fewer",
    )
    submit = SubmitField("Publish new version", widget=GovSubmitInput())

    def fill_from(self, version) -> None:
        for item in version.items:
            self.items.append_entry({"section": item.section, "text": item.text, "hint": item.hint})
        last_section = version.items[-1].section if version.items else ""
        for _ in range(BLANK_ROWS):
            self.items.append_entry({"section": last_section, "text": "", "hint": ""})
