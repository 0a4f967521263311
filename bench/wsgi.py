"""What `bench/run.py` serves under gunicorn: the app on the benchmark database, and beside it a bare
Flask app (no extensions, no database, no templates) whose only page is `size` bytes of HTML, the
ceiling each page is compared with in the same run.

    gunicorn -w 2 -b 127.0.0.1:8765 bench.wsgi:application   # with BENCH_DATABASE_URL set
"""

from __future__ import annotations

import os

from flask import Flask, Response

from ap_forms import create_app
from bench.generate import NOW

bare = Flask("bare")


@bare.get("/_bare/<int:size>")
def bare_page(size: int):
    body = b"<!DOCTYPE html><title>bare</title>" + b"x" * max(0, size - 34)
    return Response(body, content_type="text/html; charset=utf-8")


def bench_config(url: str) -> dict:
    """The benchmark's app settings (shared with run.py's in-process query counts). CSRF is off so the
    load generator can POST a mark without first reading a form; nothing else differs from production."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench",
        "FROZEN_NOW": NOW,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    }


app = create_app(bench_config(os.environ["BENCH_DATABASE_URL"])) if "BENCH_DATABASE_URL" in os.environ else None


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith("/_bare/"):
        return bare.wsgi_app(environ, start_response)
    return app.wsgi_app(environ, start_response)
