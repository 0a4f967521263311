"""Weight on a weak signal (issue 15): static files under content-hashed names with a year-long
immutable cache, brotli or gzip when accepted; pages compressed when the browser accepts it."""

from __future__ import annotations

import gzip
import re

import brotli

from ap_forms.web.static_files import manifest
from tests import factories


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_hashed_static_files_served_immutable_and_compressed(app, client):
    html = client.get("/login").get_data(as_text=True)
    urls = _static_urls(html)
    assert any(re.search(r"/static/css/app\.[0-9a-f]{12}\.css$", u) for u in urls), urls
    original = app.static_folder + "/css/app.css"
    css = next(u for u in urls if "/css/app." in u)
    plain = client.get(css)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    with open(original, "rb") as file:
        assert plain.data == file.read()
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in plain.headers["Vary"]
    br = client.get(css, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == plain.data
    assert len(br.data) < len(plain.data) / 3
    gz = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain.data
    # A repeat visit that does ask (a reload) gets a 304, not the file again.
    again = client.get(css, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_plain_names_still_work_but_are_revalidated_and_unknown_names_are_404(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.000000000000.css").status_code == 404
    assert client.get("/static/../ap_forms/__init__.py").status_code == 404


def test_module_imports_point_at_hashed_names(app, client):
    with app.test_request_context():
        files = manifest()
        app_js = files.by_name["js/app.js"].body.decode()
        dependency = files.by_name["vendor/govuk-frontend/govuk-frontend.min.js"].hashed
    assert dependency.rsplit("/", 1)[1] in app_js
    assert client.get("/static/" + dependency).headers["Cache-Control"].endswith("immutable")


def test_signed_in_static_files_are_still_cacheable(auth, client, app):
    auth.as_user(factories.make_user("office"))
    html = client.get("/attendance/board").get_data(as_text=True)
    css = next(u for u in _static_urls(html) if "/css/app." in u)
    assert client.get(css).headers["Cache-Control"].endswith("immutable")


def test_pages_are_compressed_only_when_accepted(auth, client):
    auth.as_user(factories.make_user("office"))
    plain = client.get("/attendance/board")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    gz = client.get("/attendance/board", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(gz.data)
    br = client.get("/attendance/board", headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.5"})
    assert br.headers["Content-Encoding"] == "br" and b"</html>" in brotli.decompress(br.data)
    refused = client.get("/attendance/board", headers={"Accept-Encoding": "br;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    assert plain.headers["Cache-Control"] == "no-store"  # pages stay private
