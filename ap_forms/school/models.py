from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ap_forms.extensions import db
from ap_forms.web.model_mixins import IdColumn


class SchoolSettings(IdColumn, db.Model):
    """One row: the school this installation serves."""

    __tablename__ = "school_settings"

    name: Mapped[str] = mapped_column(String(160), default="Your school")
    dfe_number: Mapped[str] = mapped_column(String(8), default="")
    urn: Mapped[str] = mapped_column(String(10), default="")
    local_authority: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    # The last column mapping used to import a CSV from the information system (JSON).
    import_mapping: Mapped[str] = mapped_column(Text, default="")
    # The Designated Safeguarding Lead's phone: shown first on every safeguarding report form.
    dsl_phone: Mapped[str] = mapped_column(String(40), default="")
