"""Hostile and random input to every form: never a 500, and a refused form writes nothing.

Field names are read from each form's own page, so new forms are covered as they are added to
the access matrix.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ap_forms.extensions import db
from tests.conftest import Auth
from tests.test_access_matrix import CASES, _ids

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "99999999999999999999",
        "1e309",
        "NaN",
        "null",
        "None",
        "true",
        "<script>alert(1)</script>",
        "'; DROP TABLE users; --",
        '=HYPERLINK("http://x")',
        "../../etc/passwd",
        "%00",
        "\u202e\u0645\u0631\u062d\u0628\u0627",
        "😀" * 50,
        "a" * 5000,
        "2026-02-31",
        "31/02/2026",
        "1/1/1",
        "00:00",
        "25:61",
        "@",
        "a@b",
        "x" * 300 + "@example.org",
    ]
)
VALUES = st.one_of(HOSTILE, st.text(max_size=200).filter(lambda s: "\x00" not in s))


def _field_names(client, path: str) -> list[str]:
    page = client.get(path)
    if page.status_code != 200:
        return []
    names = set(re.findall(rb'name="([^"]+)"', page.data)) - {b"csrf_token"}
    return sorted(n.decode() for n in names)


def _row_counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "audit_events"
    }


def test_every_form_survives_hostile_input(app, world):
    ids = _ids(world)
    for case in [c for c in CASES if c.method == "POST" and not c.signs_out and c.allowed - c.out_of_scope]:
        role = sorted(case.allowed - case.out_of_scope)[0]
        client = app.test_client()
        Auth(client).as_user(world.users[role])
        path = case.path.format(**ids)
        names = _field_names(client, path) or ["name", "email", "password"]

        _fuzz_form(client, path, names)


def _fuzz_form(client, path: str, names: list[str]) -> None:
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.fixed_dictionaries({}, optional={n: VALUES for n in names}))
    def post_random(data):
        before = _row_counts()
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, data, response.status_code)
        if response.status_code in (400, 422):
            assert _row_counts() == before, f"{path} wrote rows for refused input {data!r}"

    post_random()


# --- Every GET page: hostile and random query strings, oversized ids ----------------------------

HUGE = "99999999999999999999999"  # more than 64 bits
MAX_ID = 2**31 - 1  # the id columns are INTEGER: 32-bit on PostgreSQL
# Query keys the views read, and keys that clash with url_for's own arguments.
QUERY_KEYS = [
    "q",
    "page",
    "status",
    "day",
    "month",
    "provider",
    "year",
    "pupil",
    "user",
    "action",
    "role",
    "show",
    "check",
    "start",
    "end",
    "next",
    "student_id",
    "placement_id",
    "endpoint",
    "_anchor",
    "_external",
    "_method",
    "_scheme",
    "values",
]
QUERY_VALUES = st.one_of(
    HOSTILE,
    st.sampled_from(
        [
            HUGE,
            str(2**63),
            str(MAX_ID + 1),
            str(MAX_ID),
            "-" + HUGE,
            "9999-12",
            "0001-01",
            "9999-12-31",
            "0001-01-01",
            "2026-13",
            "2026-11",
        ]
    ),
    st.text(max_size=40).filter(lambda s: "\x00" not in s),
)
# Each group is one request: every key in it reaches the same code (url_for, date arithmetic, id lookups).
FIXED_QUERIES = [
    {
        "student_id": "2",
        "placement_id": "1",
        "_anchor": "x",
        "endpoint": "x",
        "_external": "1",
        "_method": "x",
        "_scheme": "x",
        "values": "x",
        "month": "2026-10",
    },
    {
        "month": "9999-12",
        "day": "9999-12-31",
        "provider": HUGE,
        "year": HUGE,
        "pupil": HUGE,
        "user": HUGE,
        "page": HUGE,
        "start": "9999-12-31",
        "end": "9999-12-31",
    },
    {
        "month": "0001-01",
        "day": "0001-01-01",
        "provider": str(MAX_ID + 1),
        "pupil": str(2**63),
        "year": "-1",
        "page": "-1",
        "start": "0001-01-01",
        "end": "0001-01-01",
    },
    {
        "q": "%ff%fe",
        "status": "<script>",
        "date": "2026-02-31",
        "from": "x",
        "to": "y",
        "id": "1'",
        "check": "1",
        "show": "x" * 300,
    },
    {"a": "b" * 3000},
]


def _get_cases_by_endpoint():
    """One case per GET endpoint (the first in the matrix), signed in as a role that can see it."""
    seen, cases = set(), []
    for case in CASES:
        if case.method == "GET" and case.endpoint not in seen and case.allowed - case.out_of_scope:
            seen.add(case.endpoint)
            cases.append(case)
    return cases


def _client_for(app, world, case):
    client = app.test_client()
    # A case that everyone allowed reaches only as 404 (another pupil's record through this one's
    # address) is still signed in as an allowed role: the bounds must answer 404 there too.
    Auth(client).as_user(world.users[sorted(case.allowed - case.out_of_scope or case.allowed)[0]])
    return client


def _with_query(path: str, query: dict) -> str:
    from urllib.parse import urlencode

    return path + ("&" if "?" in path else "?") + urlencode(query)


def test_every_get_page_survives_hostile_query_strings(app, world):
    ids = _ids(world)
    failures = []
    for case in _get_cases_by_endpoint():
        client = _client_for(app, world, case)
        path = case.path.format(**ids)
        for query in FIXED_QUERIES:
            response = client.get(_with_query(path, query))
            if response.status_code >= 500:
                failures.append((_with_query(path, query), response.status_code))
    assert failures == []


def test_every_get_page_survives_random_query_strings(app, world):
    ids = _ids(world)
    for case in _get_cases_by_endpoint():
        client = _client_for(app, world, case)
        _fuzz_query(client, case.path.format(**ids))


def _fuzz_query(client, path: str) -> None:
    keys = st.one_of(st.sampled_from(QUERY_KEYS), st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s))

    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=st.dictionaries(keys, QUERY_VALUES, max_size=6))
    def get_random(query):
        response = client.get(_with_query(path, query))
        assert response.status_code < 500, (path, query, response.status_code)

    get_random()


def _oversized(path: str, value: str) -> str:
    """Every id in the path (not dates like 2026-11-23) replaced by `value`."""
    head, _, query = path.partition("?")
    head = re.sub(r"(?<=/)\d+(?=/|$|\.pdf$)", value, head)
    return head + ("?" + query if query else "")


def test_oversized_ids_answer_404_on_every_endpoint(app, world):
    """Ids beyond what the id columns hold (INTEGER: 32-bit on PostgreSQL) never reach a query; the
    largest that fits is an ordinary unknown id. Every endpoint, GET and POST, on SQLite and PostgreSQL."""
    ids = _ids(world)
    too_big = [str(MAX_ID + 1), HUGE, str(2**63), "9" * 5000]
    failures = []
    for number, case in enumerate(c for c in CASES if not c.signs_out):
        path = case.path.format(**ids)
        client = None
        for value in (str(MAX_ID), too_big[number % len(too_big)]):
            oversized = _oversized(path, value)
            if oversized == path:
                break
            client = client or _client_for(app, world, case)
            response = client.open(oversized, method=case.method, data=case.data)
            if response.status_code != 404:
                failures.append((case.method, oversized[:120], response.status_code))
    assert failures == []


# --- data protection (issue 13): the audit filter, the redaction step and the retention decisions ---------


def test_data_protection_survives_hostile_input(app, world):
    """Hostile filter values are a clear error (422), never a 500; a refused redaction or retention form
    writes nothing and downloads nothing."""
    ids = _ids(world)
    head = app.test_client()
    Auth(head).as_user(world.users["headteacher"])

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        query=st.dictionaries(
            st.sampled_from(["user", "pupil", "action", "start", "end", "page"]), QUERY_VALUES, max_size=4
        )
    )
    def audit_filter(query):
        for path in ("/audit/", "/audit/export.csv"):
            response = head.get(_with_query(path, query))
            assert response.status_code in (200, 422), (path, query, response.status_code)

    audit_filter()

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        data=st.fixed_dictionaries(
            {},
            optional={
                "redact": st.lists(VALUES, max_size=3),
                "extra_names": VALUES,
                "keep-reason": VALUES,
                "keep-review_on": st.lists(VALUES, max_size=3),
                "erase-reason": VALUES,
                "scope": VALUES,
            },
        )
    )
    def forms(data):
        before = _row_counts()
        response = head.post(f"/pupils/{ids['pupil_x']}/subject-access", data=data)
        assert response.status_code in (200, 422), (data, response.status_code)
        if response.status_code == 422:
            assert response.mimetype == "text/html"
        response = head.post(f"/retention/sen/{ids['old_pupil']}/keep", data=data)
        assert response.status_code in (303, 404, 422), (data, response.status_code)  # 404 once kept
        if response.status_code == 422:
            assert _row_counts() == before

    forms()
