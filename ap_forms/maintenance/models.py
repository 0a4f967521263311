"""Runs of the scheduled jobs: one row per (job, slot), which is also the once-only lock across hosts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ap_forms.extensions import db


class ScheduledRun(db.Model):
    __tablename__ = "scheduled_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[str] = mapped_column(String(20), primary_key=True)  # "2026-11-30" or "2026-11-30T10:10"
    host: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(255))
