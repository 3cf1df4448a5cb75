"""Uploaded files kept by the platform (evidence of advocacy actions, issue 11; submissions,
issue 12): checked by their content, not their name, and stored outside the web root.

- `check_request_size(max_bytes)`: refuse a request whose declared body is already too large,
  before anything of it is read.
- `store(stream, filename, max_bytes, files_dir)`: read the upload in chunks into a temporary
  file in `files_dir` (never more than `max_bytes` + 1 bytes), refuse it if it is empty, too
  large, an executable, or not one of ACCEPTED (by its bytes), then rename it to its SHA-256
  (`files_dir/ab/abcdef...`). A refused upload leaves nothing behind.
- `safe_filename(name)`: the uploader's name without any path, for display and download.
- `path_of(sha256, files_dir)`, `discard(stored)`.
- Shared by every kind of kept file (evidence, submission files): `KeptFileColumns` (the
  columns of a row naming a kept file), `store_attached` (keep, then attach a row; discard
  the bytes if attaching fails), `commit_or_discard` (commit the request; on failure remove
  the file it kept), `download` (the response: attachment, RFC 6266 name, nosniff, no-store)
  and `discard_unreferenced` (after a row is removed, drop bytes no row names any more).

Every refusal is a FileRefused (a ServiceError naming the form field, with `status` 400 or 413).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from flask import abort, current_app, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ForeignKey, Integer, String, exists, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from coalition.accounts.models import User

T = TypeVar("T")

CHUNK = 64 * 1024
# What may be uploaded: media type -> how people name the kind.
ACCEPTED = {
    "application/pdf": _l("PDF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _l(
        "Word document (.docx)"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _l(
        "Excel workbook (.xlsx)"),
    "application/vnd.oasis.opendocument.text": _l("OpenDocument text (.odt)"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "text/plain": _l("Plain text (UTF-8)"),
}
# The first bytes of programs: never accepted, whatever the file is called.
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                    b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
# The OOXML main part each accepted Office type declares in [Content_Types].xml.
OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
CONTENT_TYPES_MAX = 1024 * 1024  # bytes of [Content_Types].xml read, at most
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
NAME_MAX = 255


class FileRefused(ServiceError):
    """An upload that is not kept; `status` is the HTTP status to answer (400 or 413)."""

    def __init__(self, message: str, field: str | None = "file", status: int = 400) -> None:
        super().__init__(message, field)
        self.status = status


@dataclass(frozen=True)
class StoredFile:
    """A kept upload: its display name, media type, size in bytes, SHA-256 (hex), where it
    lies, and whether this upload wrote it (False: the same bytes were already kept)."""

    filename: str
    media_type: str
    size: int
    sha256: str
    path: Path
    created: bool


def files_dir() -> Path:
    """The configured folder of kept files (config FILES_DIR, default instance/files)."""
    configured = current_app.config.get("FILES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "files"


def max_bytes(setting: str = "EVIDENCE_MAX_BYTES") -> int:
    """The configured upper limit of one file, in bytes (default 20 MB)."""
    return int(current_app.config.get(setting) or 20 * 1024 * 1024)


def size_label(size: int) -> str:
    """'20 MB', '512 KB', '12 bytes' / '12 位元組' (decimal-free, in the reader's language)."""
    from coalition.i18n import number

    if size >= 1024 * 1024:
        return f"{number(size // (1024 * 1024))} MB"
    if size >= 1024:
        return f"{number(size // 1024)} KB"
    return ngettext("%(num)s byte", "%(num)s bytes", size)


def check_request_size(limit: int, overhead: int = 64 * 1024) -> None:
    """Refuse (FileRefused, 413) a request whose Content-Length already says it carries more
    than `limit` bytes (plus `overhead` for the form's other fields), before reading it."""
    length = request.content_length
    if length is not None and length > limit + overhead:
        raise FileRefused(_("The file is larger than %(limit)s, the most this site accepts.",
                            limit=size_label(limit)), status=413)


def safe_filename(name: str | None, fallback: str = "file") -> str:
    """The last part of an uploaded file's name, without any path (either slash), control
    characters or leading dots, NFC-normalised, at most 255 characters; `fallback` when
    nothing is left. "../../etc/passwd.pdf" -> "passwd.pdf"; "C:\\\\x\\\\報告.pdf" -> "報告.pdf"."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = _CONTROL.sub("", text).strip().lstrip(".").strip()
    if len(text) > NAME_MAX:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 \
            else text[:NAME_MAX]
    return text or fallback


def _zip_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    if part.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        return "application/vnd.oasis.opendocument.text"
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as part:
                    types = part.read(CONTENT_TYPES_MAX)
                for main, media_type in OOXML_MAIN.items():
                    if main in types:
                        return media_type
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    return None


def _is_text(path: Path) -> bool:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _TEXT_CONTROL.search(text)


def _not_accepted(accept: Mapping[str, Any]) -> FileRefused:
    return FileRefused(_("This kind of file is not accepted. Accepted: %(kinds)s.",
                         kinds=", ".join(str(label) for label in accept.values())))


def sniff(path: Path, accept: Mapping[str, Any] | None = None) -> str:
    """The media type of the file at `path`, from its bytes (one of `accept`, default
    ACCEPTED). Raises FileRefused for an empty file, a program, or any other kind."""
    media_type = _sniff(path)
    if accept is not None and media_type not in accept:
        raise _not_accepted(accept)
    return media_type


def _sniff(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head:
        raise FileRefused(_("The file is empty."))
    if head.startswith(EXECUTABLE_MAGIC):
        raise FileRefused(_("This file is a program, not a document, whatever its name says: "
                            "it is not accepted."))
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        media_type = _zip_type(path)
        if media_type:
            return media_type
    elif _is_text(path):
        return "text/plain"
    raise _not_accepted(ACCEPTED)


def path_of(sha256: str, folder: Path | None = None) -> Path:
    """Where the file with this SHA-256 (64 hex digits) is kept. ValueError for anything else
    (never a path from outside)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise ValueError("not a SHA-256")
    return (folder or files_dir()) / sha256[:2] / sha256


def store(stream: IO[bytes], filename: str | None, limit: int,
          folder: Path | None = None, accept: Mapping[str, Any] | None = None) -> StoredFile:
    """Keep an uploaded file: read `stream` in chunks into a temporary file beside the kept
    ones (at most `limit` + 1 bytes are read), check it (`sniff`, against `accept` when
    given: a narrower list of media types than ACCEPTED), and rename it to its SHA-256.
    Raises FileRefused (413 beyond `limit`; 400 empty, program, other kinds); the temporary
    file is removed whatever happens."""
    folder = folder or files_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(prefix=".upload-", dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FileRefused(_("The file is larger than %(limit)s, the most this "
                                        "site accepts.", limit=size_label(limit)), status=413)
                digest.update(chunk)
                out.write(chunk)
        media_type = sniff(temp, accept)
        sha = digest.hexdigest()
        target = path_of(sha, folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        created = not target.exists()
        if created:
            os.replace(temp, target)
        return StoredFile(safe_filename(filename), media_type, size, sha, target, created)
    finally:
        temp.unlink(missing_ok=True)


def discard(stored: StoredFile | None) -> None:
    """Remove a file this upload wrote (after the transaction that would have named it
    failed); a file that was already kept stays."""
    if stored is not None and stored.created:
        stored.path.unlink(missing_ok=True)


# --- shared by every kind of kept file (evidence files, submission files) --------------------

class KeptFileColumns:
    """The columns of a row that names a kept file: the uploader's name with any path removed
    (shown and offered on download), the media type found by `sniff`, the size, the SHA-256
    the bytes are kept under (two rows with the same bytes share them), who uploaded it and
    when. Every model using it is asked by `discard_unreferenced` before bytes are removed."""

    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def uploaded_by(cls) -> Mapped[User | None]:
        return relationship("User")

    @property
    def size_label(self) -> str:
        return size_label(self.size)


def store_attached(stream: IO[bytes], filename: str | None, limit: int,
                   attach: Callable[[StoredFile], T],
                   accept: Mapping[str, Any] | None = None) -> tuple[T, StoredFile]:
    """Keep an upload (`store`), then `attach(stored)` (add and audit the row naming it);
    if attaching fails, the bytes this upload wrote are removed and the error goes on."""
    stored = store(stream, filename, limit, accept=accept)
    try:
        return attach(stored), stored
    except Exception:
        discard(stored)
        raise


def commit_or_discard(stored: StoredFile | None) -> None:
    """Commit the request's transaction now, so that a failed commit removes the file this
    request kept (no file is left behind by a failed upload)."""
    from coalition.extensions import db

    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(stored)
        raise


def download(kept: KeptFileColumns) -> Response:
    """The kept file as an attachment of its stored media type (never sniffed by the browser,
    never cached by a shared cache); the name is the uploader's, as RFC 6266 `filename*`
    (UTF-8) beside an ASCII `filename` fallback. 404 when the bytes are gone."""
    try:
        path = path_of(kept.sha256)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=kept.media_type, as_attachment=True,
                         download_name=safe_filename(kept.filename), max_age=0,
                         conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def is_referenced(sha256: str) -> bool:
    """Does any row of any model with KeptFileColumns still name these bytes?"""
    from coalition.extensions import db

    models = [m for m in _subclasses(KeptFileColumns) if hasattr(m, "__table__")]
    return any(db.session.scalar(select(exists().where(m.sha256 == sha256)))
               for m in models)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def discard_unreferenced(sha256: str, folder: Path | None = None) -> bool:
    """Remove the kept bytes of `sha256` if no row names them any more (call after the
    commit that removed a row); True when removed."""
    if is_referenced(sha256):
        return False
    try:
        path = path_of(sha256, folder)
    except ValueError:
        return False
    existed = path.is_file()
    path.unlink(missing_ok=True)
    return existed
