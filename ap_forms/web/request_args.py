"""Ids, dates and months read from URLs and query strings: input that cannot be right is treated as
absent (a 404 for a path, the default for a query), never a 500.

- `<int:...>` in every route is `IdConverter`: bounded to what every id column can hold (INTEGER,
  32-bit on PostgreSQL; SQLite's is 64-bit), so /pupils/99999999999999999999999 or /pupils/2147483648
  answers 404 on SQLite and PostgreSQL alike instead of an overflow error from the database.
- `arg_id`, `parse_day`, `arg_day` and `arg_month` read query values within the same bounds as the
  date fields on forms (years 1990–2100), so date arithmetic (the next day, the next month) cannot
  overflow.
- `url_with_query` builds a link to the current page with its query string changed. Query keys are
  only ever put into the query string, never passed to `url_for` as arguments, so keys such as
  `student_id`, `endpoint`, `_anchor` or `_external` cannot clash with it.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, request, url_for
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # id columns are INTEGER: 32-bit on PostgreSQL (SQLite's 64-bit range is wider)
FIRST_YEAR, LAST_YEAR = 1990, 2100  # as GovDateField on forms


class IdConverter(IntegerConverter):
    """Flask's `int` converter, bounded to what the database can hold: anything larger does not match."""

    def __init__(
        self,
        map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,  # noqa: A002
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)

    def to_python(self, value: str):
        if len(value.lstrip("-")) > len(str(MAX_ID)):  # never convert thousands of digits
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: their rules pick the converter up when they are added."""
    app.url_map.converters["int"] = IdConverter


def parse_id(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def arg_id(name: str, source=None) -> int | None:
    """A positive id from the query string (or `source`, e.g. request.form), or None."""
    return parse_id((request.args if source is None else source).get(name))


def _in_range(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def parse_day(text: str | None) -> date | None:
    """An ISO date (2026-11-23) within the years the app handles, or None."""
    try:
        value = date.fromisoformat(text) if text and len(text) <= 10 else None
    except ValueError:
        return None
    return value if value and _in_range(value) else None


def arg_day(name: str, source=None) -> date | None:
    return parse_day((request.args if source is None else source).get(name))


def parse_month(text: str | None) -> date | None:
    """'2026-11' as the first of that month, within the years the app handles, or None."""
    try:
        value = datetime.strptime(text, "%Y-%m").date() if text and len(text) <= 7 else None
    except ValueError:
        return None
    return value if value and _in_range(value) else None


def arg_month(name: str) -> date | None:
    return parse_month(request.args.get(name))


def url_with_query(**changes) -> str:
    """The current page with its query string changed (a value of None removes the key)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    base = url_for(request.endpoint, **(request.view_args or {}))
    query = urlencode(args, doseq=True)
    return f"{base}?{query}" if query else base
