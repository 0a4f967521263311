from __future__ import annotations

from datetime import time

from sqlalchemy import ForeignKey, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from ap_forms.extensions import db
from ap_forms.web.model_mixins import IdColumn


class School(IdColumn, db.Model):
    """One school of the trust, with its own settings. Every school-owned row points here (issue 17)."""

    __tablename__ = "schools"

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
    # When each register is due from key workers; none: the installation's default (ATTENDANCE_CUTOFF_*).
    attendance_cutoff_am: Mapped[time | None] = mapped_column(Time)
    attendance_cutoff_pm: Mapped[time | None] = mapped_column(Time)


class SchoolMembership(db.Model):
    """A member of staff works in this school (one account may work in several)."""

    __tablename__ = "school_memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True, index=True)
