"""Evidence files: PDF, PNG or JPEG only, checked by their first bytes, kept outside static/.

The file's *content* decides its type (a renamed .exe is refused whatever its name says). Files
are stored with random names (in the database, or under app.config["UPLOAD_FOLDER"]: see
ap_forms/documents/storage.py), and only ever sent back through a gated endpoint (see
ap_forms/documents), as a download, never rendered in our origin.
Each file may be up to UPLOAD_MAX_BYTES, checked by the form (422, everything else typed is kept;
app.js checks the size in the browser first). The request as a whole is capped by the larger
MAX_CONTENT_LENGTH: above it, `refuse_too_large` sends the person back to the form with a message.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, request, send_file
from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError

from ap_forms.web.htmx import is_htmx

# content type -> (magic bytes at the start of the file, file name endings people use)
ALLOWED_TYPES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}
EXTENSION_FOR = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
TYPE_MESSAGE = "The selected file must be a PDF, PNG or JPEG"
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


class UploadRejected(ValueError):
    """The file cannot be accepted; the message is written for the person who chose it."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES") or 10 * 1024 * 1024)


def size_words(size: int) -> str:
    """'10 MB' (or '512 KB' for small limits)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(size // 1024, 1)} KB"


def too_large_message() -> str:
    return f"The selected file must be smaller than {size_words(max_upload_bytes())}"


def refuse_too_large():
    """A request over MAX_CONTENT_LENGTH (its fields cannot be read): back to the page it came from,
    with the reason, instead of a dead-end error page. None when there is no page of ours to go back to."""
    referrer = urlsplit(request.referrer or "")
    if request.method != "POST" or referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    flash(f"{too_large_message()}. Nothing was saved: choose a smaller file and send the form again.", "error")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = back
        return response
    return redirect(back, code=303)


def sniff_type(head: bytes) -> str | None:
    """The allowed content type these first bytes belong to, or None."""
    for content_type, (magic, _) in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def clean_filename(name: str | None) -> str:
    """A display name: no folders, no control characters, at most 120 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-120:] or "document"


def check_upload(file: FileStorage) -> str:
    """Check a chosen file without storing it; return its content type or raise UploadRejected."""
    if not isinstance(file, FileStorage) or not file.filename:
        raise UploadRejected("Select a file")
    name = clean_filename(file.filename).lower()
    if not name.endswith(tuple(ext for _, exts in ALLOWED_TYPES.values() for ext in exts)):
        raise UploadRejected(TYPE_MESSAGE)
    stream = file.stream
    start = stream.tell()
    head = stream.read(16)
    stream.seek(0, 2)
    size = stream.tell() - start
    stream.seek(start)
    if size == 0:
        raise UploadRejected("The selected file is empty")
    if size > max_upload_bytes():
        raise UploadRejected(too_large_message())
    content_type = sniff_type(head)
    if content_type is None or not name.endswith(ALLOWED_TYPES[content_type][1]):
        raise UploadRejected(TYPE_MESSAGE)
    return content_type


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)  # readable by the service account only
    return folder


def stored_path(stored_name: str) -> Path:
    """Where a stored file lives; refuses any name we did not generate (no path tricks)."""
    if not _STORED_NAME.match(stored_name or ""):
        raise FileNotFoundError(stored_name)
    return upload_folder() / stored_name


def accept_upload(file: FileStorage) -> tuple[StoredFile, bytes]:
    """Check the file and read it; give it a new random name (not yet stored). Raises UploadRejected."""
    content_type = check_upload(file)
    data = file.stream.read()
    return StoredFile(
        stored_name=secrets.token_hex(16),
        original_name=clean_filename(file.filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    ), data


def write_stored(stored_name: str, data: bytes) -> None:
    """Write a file into UPLOAD_FOLDER under a name we generated."""
    path = stored_path(stored_name)
    # O_EXCL: never overwrite; 0600 from the start (never briefly readable by others).
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(data)


def store_upload(file: FileStorage) -> StoredFile:
    """Check the file, then write it into UPLOAD_FOLDER under a random name. Raises UploadRejected."""
    stored, data = accept_upload(file)
    write_stored(stored.stored_name, data)
    return stored


def delete_stored(stored_name: str) -> None:
    """Remove a stored file (e.g. when the database write that needed it failed)."""
    try:
        stored_path(stored_name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass


def send_stored(stored_name: str, *, download_name: str, content_type: str):
    """Send a file from UPLOAD_FOLDER as a download (never shown inline in our origin), not cached."""
    path = stored_path(stored_name)
    if not path.is_file():
        raise FileNotFoundError(stored_name)
    return send_data(path.read_bytes(), download_name=download_name, content_type=content_type)


def send_data(data: bytes, *, download_name: str, content_type: str):
    """Send a document's bytes as a download (never shown inline in our origin), not cached."""
    stem = clean_filename(download_name).rsplit(".", 1)[0] if "." in download_name else clean_filename(download_name)
    # Files are small (UPLOAD_MAX_BYTES, 10 MB): read them whole, so no file handle outlives the request.
    response = send_file(
        BytesIO(data),
        mimetype=content_type,
        as_attachment=True,
        download_name=stem + EXTENSION_FOR.get(content_type, ""),
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class EvidenceFile:
    """WTForms validator for an optional (or required) evidence upload: type, size, not empty."""

    def __init__(self, required: bool = False, message: str = "Select a file"):
        self.required = required
        self.message = message

    def __call__(self, form, field):
        file = field.data
        if not isinstance(file, FileStorage) or not file.filename:
            if self.required:
                raise ValidationError(self.message)
            field.data = None
            return
        try:
            check_upload(file)
        except UploadRejected as error:
            raise ValidationError(str(error)) from None
