"""Which school's records a request or a command sees (issue 17): decided here once, never per view.

A trust's schools share one database. Every table whose rows belong to one school takes the
`SchoolOwned` mixin (a `school_id` column). Two session hooks then do the rest:

- every ORM SELECT, UPDATE and DELETE gets `school_id = <current school>` on each school-owned table
  it touches (`with_loader_criteria`), so another school's id answers 404 exactly as another
  provider's does, and a list can never hold another school's rows;
- every new school-owned row takes its school from the record it belongs to (a mark from its
  placement, a placement from its pupil), else from the current school.

Every request starts with no school, in which school-owned tables match nothing (deny by default);
right after the access gate, pages/school_choice.py sets the signed-in person's school. Commands run
once per school inside `as_school(id)`. Outside a request (a shell, a migration, a test's own set-up)
nothing is filtered. `all_schools()` lifts the filter on purpose, for the few places that must look
across schools (which schools a person works in, a token's owner, the visits every school counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from flask import Flask
from sqlalchemy import ForeignKey, Integer, event, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, with_loader_criteria

from ap_forms.extensions import db

# The school whose records are visible: a school's id; _NO_SCHOOL (a request before one is chosen:
# nothing); ALL (every school, on purpose); or None (outside a request: nothing is filtered).
ALL = "all"
_current: ContextVar[int | str | None] = ContextVar("current_school", default=None)
# Matches no school: what a request sees before (or without) a school being chosen.
_NO_SCHOOL = 0


class SchoolOwned:
    """A row that belongs to one school of the trust. Filled and filtered by the hooks below."""

    school_id: Mapped[int] = mapped_column(Integer, ForeignKey("schools.id"), index=True)


def current_school_id() -> int | None:
    """The chosen school's id, or None when no single school is chosen (all schools, or none yet)."""
    school = _current.get()
    return school if isinstance(school, int) and school != _NO_SCHOOL else None


@contextmanager
def as_school(school_id: int | str | None) -> Iterator[None]:
    """Run the block as the given school sees the data (ALL: every school; None: no filter)."""
    token = _current.set(school_id)
    try:
        yield
    finally:
        _current.reset(token)


def every_school() -> list[tuple[int, str]]:
    """(id, name) of each school of the trust: commands and scheduled jobs run once per school, inside
    `as_school(id)`, since each school has its own calendar, cut-offs and staff to tell."""
    return [tuple(row) for row in db.session.execute(text("SELECT id, name FROM schools ORDER BY id"))]


def all_schools():
    """Run the block across every school: only for look-ups that must (whose schools, whose token)."""
    return as_school(ALL)


def set_for_request(school_id: int | None) -> None:
    """The school chosen for this request (pages/school_choice.py); `forget_request()` ends it at teardown."""
    _current.set(school_id)


def forget_request() -> None:
    _current.set(None)


def school_to_filter() -> int | None:
    """The school id rows are filtered on now (0 in a request before one is chosen: no row), or None for
    no filter: for narrowing rows that are not school-owned (who works where) the same way."""
    school = _current.get()
    return None if school == ALL else school


def init_app(app: Flask) -> None:
    if not event.contains(Session, "do_orm_execute", only_the_current_school):
        event.listen(Session, "do_orm_execute", only_the_current_school)
        event.listen(Session, "before_flush", new_rows_take_their_school)

    @app.before_request
    def start_with_no_school() -> None:
        # The first hook of every request: until a school is chosen for it, school-owned rows match nothing.
        _current.set(_NO_SCHOOL)

    @app.teardown_request
    def end_the_requests_school(_error=None) -> None:
        forget_request()


def only_the_current_school(state) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return  # refreshing a row already loaded under the filter: nothing new can leak
    if state.execution_options.get("all_schools"):
        return
    school = school_to_filter()
    if school is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(SchoolOwned, lambda cls: cls.school_id == school, include_aliases=True)
    )


def new_rows_take_their_school(session: Session, _context, _instances) -> None:
    with session.no_autoflush:
        for row in list(session.new):
            if isinstance(row, SchoolOwned) and row.school_id is None:
                _fill_school(session, row)


def _fill_school(session: Session, row: SchoolOwned) -> None:
    row.school_id = _school_of_parent(session, row) or current_school_id() or _only_school(session, row)


def _school_of_parent(session: Session, row: SchoolOwned) -> int | None:
    """The school of the school-owned record this row hangs from (its placement, pupil, visit...)."""
    for relationship, fk_column in _parents(type(row)):
        # A parent assigned in this unit of work may not be flushed yet: it has no id to look up.
        parent = row.__dict__.get(relationship) if relationship else None
        if isinstance(parent, SchoolOwned):
            if parent.school_id is None:
                _fill_school(session, parent)
            return parent.school_id
        parent_id = getattr(row, fk_column)
        if parent_id is not None:
            table = inspect(type(row)).columns[fk_column].foreign_keys.copy().pop().column.table
            school = session.execute(select(table.c.school_id).where(table.c.id == parent_id)).scalar()
            if school is not None:
                return school
    return None


@cache
def _parents(cls: type) -> tuple[tuple[str | None, str], ...]:
    """(relationship name or None, foreign key attribute) for each school-owned table `cls` points to."""
    mapper = inspect(cls)
    found = []
    for relationship in mapper.relationships:
        target = relationship.mapper.class_
        if relationship.direction.name == "MANYTOONE" and issubclass(target, SchoolOwned):
            (column,) = relationship.local_columns
            found.append((relationship.key, mapper.get_property_by_column(column).key))
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key == "school_id" or any(key == attr.key for _, key in found):
            continue
        for fk in column.foreign_keys:
            if "school_id" in fk.column.table.c and fk.column.table.name != "schools":
                found.append((None, attr.key))
    return tuple(found)


def _only_school(session: Session, row: SchoolOwned) -> int:
    """Outside a request and a command's school (a shell, a test's set-up): the one school, if only one."""
    ids = session.execute(text("SELECT id FROM schools ORDER BY id LIMIT 2")).scalars().all()
    if len(ids) != 1:
        raise RuntimeError(f"No school chosen for a new {type(row).__name__}: run it inside as_school(id)")
    return ids[0]
