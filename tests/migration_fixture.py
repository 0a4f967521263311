"""A school's rows as JSON, loaded back by reflection, and the text of the pages that show its figures.

The data-migration test (tests/test_migration_single_school.py) starts from a database captured at
revision 0012_oversight (tests/fixtures/single_school_0012.json.gz, made by
tests/capture_single_school_fixture.py), migrates it to head and checks that the same people see the
same figures on the same pages. Nothing here imports the app's models: the rows are read and written
through SQLAlchemy reflection, so the capture keeps working after the models change.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import date, datetime, time
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, MetaData, Numeric, Time, text
from sqlalchemy.engine import Connection

FIXTURE = Path(__file__).parent / "fixtures" / "single_school_0012.json.gz"
CAPTURED_AT_REVISION = "0012_oversight"
# The school's clock at capture, and in the test: a Thursday morning in the autumn term of 2026-27.
FROZEN_NOW = "2026-11-26T10:30"
TRAVEL_TO = datetime.fromisoformat(FROZEN_NOW).replace(tzinfo=ZoneInfo("Europe/London"))  # for time_machine
DEMO_PASSWORD = "demo-password-1"
SKIPPED_TABLES = {"alembic_version"}
BYTES_MARKER = "$base64"

# (demo user, page): the figures a school looks at, each seen by a person who may see it.
# Ids are the demo school's: pupil 1 is Alfie (placed at Meadow Lane Care Farm, Karen Abbott's son),
# provider 1 is Meadow Lane Care Farm, whose key worker is Sam Fielding.
HEAD = "head@larkspurvale.example"
SEND_LEAD = "send.lead@larkspurvale.example"
DSL = "dsl@larkspurvale.example"
OFFICE = "office.staff@larkspurvale.example"
KEY_WORKER = "sam.fielding@meadowlanefarm.example"
PARENT = "karen.abbott@parents.example"
PAGES: list[tuple[str, str]] = [
    (HEAD, "/"),
    (SEND_LEAD, "/pupils/"),
    (SEND_LEAD, "/pupils/1"),
    (SEND_LEAD, "/providers/"),
    (SEND_LEAD, "/providers/1"),
    (OFFICE, "/attendance/board"),
    (HEAD, "/oversight/compliance"),
    (HEAD, "/oversight/value"),
    (HEAD, "/oversight/reports"),
    (HEAD, "/oversight/ofsted"),
    (SEND_LEAD, "/feedback"),
    (SEND_LEAD, "/quality/"),
    (SEND_LEAD, "/referrals/"),
    (DSL, "/safeguarding/"),
    (HEAD, "/incidents/"),
    (KEY_WORKER, "/"),
    (PARENT, "/"),
]


def app_config(folder: Path, database_url: str) -> dict:
    """The test suite's settings (tests/conftest.py), on `database_url`, with the school's clock pinned."""
    from tests.conftest import _config

    return _config(
        folder,
        SQLALCHEMY_DATABASE_URI=database_url,
        FROZEN_NOW=FROZEN_NOW,
        DOCUMENT_STORAGE="database",
        APP_BASE_URL="http://127.0.0.1:5000",
    )


# --- Rows out and back in ------------------------------------------------------------------------


def _reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return metadata


def _to_json(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime | date | time):  # datetime before date: it is one
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {BYTES_MARKER: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict | list):
        return value  # a JSON column, already decoded
    raise TypeError(f"cannot keep {type(value).__name__} in the fixture: {value!r}")


def dump_rows(connection: Connection) -> dict[str, list[dict]]:
    """Every table's rows (alembic_version aside), in primary-key order, as JSON-safe dicts."""
    metadata = _reflect(connection)
    rows = {}
    for table in metadata.sorted_tables:
        if table.name in SKIPPED_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        result = connection.execute(table.select().order_by(*order))
        rows[table.name] = [{key: _to_json(value) for key, value in row._mapping.items()} for row in result]
    return rows


def _from_json(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(value, dict) and set(value) == {BYTES_MARKER}:
        return base64.b64decode(value[BYTES_MARKER])
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        raise ValueError(f"{column.table.name}.{column.name}: bytes must carry the {BYTES_MARKER} marker")
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Numeric):
        return Decimal(value) if isinstance(value, str) else value
    if isinstance(kind, Integer):
        return int(value)
    return value


def load_rows(connection: Connection, rows: dict[str, list[dict]]) -> None:
    """Insert `rows` (from dump_rows) into an empty database at the same revision, parents first.

    The caller commits. On PostgreSQL each table's id sequence is moved past the largest id loaded,
    so the app's next insert gets a fresh id.
    """
    metadata = _reflect(connection)
    unknown = set(rows) - set(metadata.tables)
    if unknown:
        raise ValueError(f"the database has no table for {sorted(unknown)}: is it at the captured revision?")
    for table in metadata.sorted_tables:
        table_rows = rows.get(table.name)
        if not table_rows:
            continue
        values = [{name: _from_json(table.columns[name], value) for name, value in row.items()} for row in table_rows]
        connection.execute(table.insert(), values)
    if connection.dialect.name == "postgresql":
        for table in metadata.sorted_tables:
            for column in table.primary_key.columns:
                if not isinstance(column.type, Integer):
                    continue
                sequence = connection.scalar(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                )
                if sequence:
                    connection.execute(
                        text(
                            f'SELECT setval(:sequence, COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") '
                            f'IS NOT NULL) FROM "{table.name}"'
                        ),
                        {"sequence": sequence},
                    )


def write_fixture(path: Path, captured: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(captured, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))


def read_fixture(path: Path = FIXTURE) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


# --- The pages' visible text -----------------------------------------------------------------------

_BLOCKS = {
    "address",
    "article",
    "aside",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "legend",
    "li",
    "nav",
    "ol",
    "option",
    "p",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
}
_HIDDEN = {"script", "style", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _MainText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.main_depth = 0  # open elements inside <main>, <main> itself counted
        self.hidden_depth = 0
        self.parts: list[str] = []
        self.found = False

    def handle_starttag(self, tag, attrs):
        if self.main_depth == 0:
            if tag == "main":
                self.main_depth, self.found = 1, True
            return
        if tag in _VOID:
            if tag in _BLOCKS:
                self.parts.append("\n")
            return
        self.main_depth += 1
        if tag in _HIDDEN or self.hidden_depth:
            self.hidden_depth += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if self.main_depth and tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.main_depth == 0 or tag in _VOID:
            return
        if tag == "main":  # whatever was left open inside it
            self.main_depth = self.hidden_depth = 0
            return
        self.main_depth -= 1
        if self.hidden_depth:
            self.hidden_depth -= 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.main_depth and not self.hidden_depth:
            self.parts.append(data)


def main_text(html: str) -> str:
    """The visible text of the page's <main>: a line per block (paragraph, cell, list item...), each
    line's whitespace collapsed, blank lines dropped. Hidden inputs (the CSRF token) carry no text."""
    parser = _MainText()
    parser.feed(html)
    parser.close()
    if not parser.found:
        raise ValueError("the page has no <main> element")
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def render_pages(app: Flask, pages: list[tuple[str, str]] = PAGES, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Sign in through /login as each person (one browser each) and read their pages' text, in order.

    Keys are "email url". The app's clock must already be pinned (FROZEN_NOW, and Python's time).
    """
    clients = {}
    texts = {}
    for email, url in pages:
        if email not in clients:
            client = app.test_client()
            response = client.post("/login", data={"email": email, "password": password})
            assert response.status_code in (302, 303), f"{email} could not sign in: {response.status_code}"
            assert "/login" not in response.headers["Location"], f"{email} was sent to {response.headers['Location']}"
            clients[email] = client
        response = clients[email].get(url)
        assert response.status_code == 200, f"{email} {url}: {response.status_code}"
        texts[f"{email} {url}"] = main_text(response.get_data(as_text=True))
    return texts
