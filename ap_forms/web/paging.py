"""One page of a long list: its rows, how many rows there are in all, and which page of how many."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select

from ap_forms.extensions import db


class Page(NamedTuple):
    rows: list
    total: int
    number: int  # from 1
    pages: int  # at least 1, also for an empty list


def paginate(query, *order_by, number: int, size: int) -> Page:
    """Page `number` of `query`'s rows in `order_by` order, `size` a page; a number past either end
    gives the first or the last page."""
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    rows = db.session.scalars(query.order_by(*order_by).offset((number - 1) * size).limit(size)).all()
    return Page(rows, total, number, pages)
