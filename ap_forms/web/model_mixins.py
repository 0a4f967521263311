"""Pieces the domains' models share: column mixins and label properties.

A mixin declares exactly the columns each table had before it (names, types, nullability, defaults,
indexes); the tables, and so the migrations, are the same as when every model spelt them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class IdColumn:
    """The integer primary key `id` that most tables are numbered by (listed first, as it always was)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class EmailedLinkColumns:
    """A one-time emailed link: only the token's hash is kept; it ends when used, revoked or expired.
    The columns shared by a password link (AccountLink) and a carer's invitation (CarerInvitation)."""

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    def usable_at(self, now: datetime) -> bool:
        """Whether the link still works at `now` (UTC): not used, not revoked and not expired."""
        return not (self.used_at or self.revoked_at) and self.expires_at > now


def label_property(column: str, labels: Mapping | Iterable[tuple], unknown: str | None = None) -> property:
    """A read-only property: the label of this row's `column` value in `labels` (a dict, or (value,
    label) pairs). A value without a label reads as `unknown`, or as the value itself when None."""
    by_value = labels if isinstance(labels, Mapping) else dict(labels)

    def label(self) -> str:
        value = getattr(self, column)
        return by_value.get(value, value if unknown is None else unknown)

    return property(label, doc=f"The label of `{column}`.")
