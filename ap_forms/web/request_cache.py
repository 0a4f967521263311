"""Values read once per request and shared by everything that asks during it: the school's settings
and its calendar, which a page may consult a dozen times (issue 15).

`cached(name, load)` calls `load()` the first time in a request and returns the same value after;
outside a request (commands, tests calling services directly) it simply calls `load()`. The cache
is emptied at the start of every request, and a domain empties its entry when its rows change
(`forget(name)`, e.g. from a flush listener), so a page that changes the calendar reads the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, g, has_request_context

from ap_forms.web import tenancy

T = TypeVar("T")
_KEY = "_request_cache"


def cached(name: str, load: Callable[[], T]) -> T:
    if not has_request_context():
        return load()
    # Kept per school: a request that looks at another school's record (a feed's token) reads its own.
    cache = g.setdefault(_KEY, {}).setdefault(tenancy.current_school_id(), {})
    if name not in cache:
        cache[name] = load()
    return cache[name]


def forget(name: str) -> None:
    if has_request_context():
        for cache in g.get(_KEY, {}).values():
            cache.pop(name, None)


def init_app(app: Flask) -> None:
    @app.before_request
    def empty_request_cache():
        # Tests keep one app context (and so one `g`) across requests: start each request empty.
        g.pop(_KEY, None)
