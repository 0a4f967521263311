"""Static files for a weak signal (issue 15): content-hashed names, a year-long immutable cache,
gzip and brotli.

Flask's own static route with a digest, rather than WhiteNoise: the app has a handful of static
files (about 300 KB) and no build step to forget, so the digests are worked out when the app first
needs a static URL (a SHA-256 of each file: about a millisecond) and each file is compressed once
per worker the first time it is asked for, then kept in memory. Nothing generated is committed or
deployed, and a changed file gets a new name the moment the app restarts (at once in debug mode).

`url_for('static', filename='css/app.css')` gives `/static/css/app.<digest>.css` (relative imports
inside our JavaScript modules are rewritten to hashed names too, so a repeat visit asks for
nothing). A hashed name is served with `Cache-Control: public, max-age=31536000, immutable`, as
brotli or gzip when the browser accepts it; a plain name still works, revalidated each time.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import Flask, Response, abort, current_app, request

from ap_forms.web import request_cache

try:  # brotli is optional: gzip alone when it is missing
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

DIGEST_LENGTH = 12
YEAR = 365 * 24 * 3600
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".map", ".html"}
IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}/[^"']+)\2""")


@dataclass
class StaticFile:
    name: str  # as written in templates: css/app.css
    hashed: str  # css/app.0123456789ab.css
    body: bytes
    digest: str
    _encoded: dict = field(default_factory=dict)

    def encoded(self, encoding: str) -> bytes | None:
        """The body in `encoding` ("br" or "gzip"), made once; None when that would not be smaller."""
        if PurePosixPath(self.name).suffix not in COMPRESSIBLE:
            return None
        if encoding not in self._encoded:
            if encoding == "br" and brotli is not None:
                data = brotli.compress(self.body, quality=11)
            elif encoding == "gzip":
                data = gzip.compress(self.body, compresslevel=9, mtime=0)
            else:
                data = None
            self._encoded[encoding] = data if data is not None and len(data) < len(self.body) else None
        return self._encoded[encoding]


def _hashed_name(name: str, digest: str) -> str:
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class Manifest:
    """Every file under the static folder by plain and by hashed name."""

    def __init__(self, folder: Path):
        raw = {str(p.relative_to(folder).as_posix()): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        digests = {name: hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH] for name, body in raw.items()}
        self.by_name: dict[str, StaticFile] = {}
        for name, body in raw.items():
            if name.endswith(".js"):
                body = self._rewrite_imports(name, body, digests)
            digest = hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH]
            self.by_name[name] = StaticFile(name, _hashed_name(name, digest), body, digest)
        self.by_hashed = {f.hashed: f for f in self.by_name.values()}

    @staticmethod
    def _rewrite_imports(name: str, body: bytes, digests: dict[str, str]) -> bytes:
        """`import … from "../vendor/x.js"` → the hashed name, so the module graph is cached too."""
        here = PurePosixPath(name).parent
        text = body.decode("utf-8")

        def swap(match: re.Match) -> str:
            target = str(PurePosixPath(*_normalise(here / match.group(3))))
            if target not in digests:
                return match.group(0)
            relative = PurePosixPath(match.group(3)).with_name(
                PurePosixPath(_hashed_name(target, digests[target])).name
            )
            return f"{match.group(1)}{match.group(2)}{relative}{match.group(2)}"

        return IMPORT.sub(swap, text).encode("utf-8")


def _normalise(path: PurePosixPath) -> list[str]:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return parts


def manifest() -> Manifest:
    app = current_app._get_current_object()
    if app.debug:  # `flask run --debug`: an edited file is picked up at the next request
        return request_cache.cached("static_manifest", lambda: Manifest(Path(app.static_folder)))
    found = app.extensions.get("static_manifest")
    if found is None:
        found = app.extensions["static_manifest"] = Manifest(Path(app.static_folder))
    return found


def accepts(encoding: str) -> bool:
    """Whether the request's Accept-Encoding allows `encoding` (not refused with q=0)."""
    header = request.headers.get("Accept-Encoding", "")
    for part in header.split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() == encoding:
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def serve_static(filename: str):
    files = manifest()
    found = files.by_hashed.get(filename)
    immutable = found is not None
    if found is None:
        found = files.by_name.get(filename)
    if found is None:
        abort(404)
    body, encoding = found.body, None
    for candidate in ("br", "gzip"):
        data = found.encoded(candidate) if accepts(candidate) else None
        if data is not None:
            body, encoding = data, candidate
            break
    mimetype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype in ("application/javascript", "text/javascript"):
        mimetype += "; charset=utf-8"
    response = Response(body, content_type=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"{found.digest}-{encoding or 'identity'}")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if immutable else "no-cache"
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.view_functions["static"] = serve_static

    @app.url_defaults
    def hashed_static_names(endpoint, values):
        if endpoint == "static" and "filename" in values:
            found = manifest().by_name.get(values["filename"])
            if found is not None:
                values["filename"] = found.hashed
