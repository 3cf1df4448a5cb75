"""Opening an uploaded zip (a .docx is one) only after checking what it would unpack to.

A .docx of 64 KB can hold XML that unpacks to gigabytes (a "zip bomb"): parsing one took the
server to 1.87 GB of memory. Every place that opens an uploaded zip goes through
:func:`open_checked_zip`, which reads only the central directory (no decompression) and refuses
the file if a part, or all of them together, would unpack to more than the configured limits,
if it has too many parts, or if a large part is compressed suspiciously well.

The declared sizes are a safe bound: Python's zipfile never returns more bytes than a member's
declared size (it stops there, and a member that lies then fails its CRC check).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO, Any

# A part must be at least this large before its compression ratio counts: small XML parts
# (styles, settings) compress very well and harmlessly.
RATIO_APPLIES_FROM = 1024 * 1024


class ArchiveRefused(ValueError):
    """The archive would unpack to more than the limits allow; the message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Limits on an uploaded zip, in bytes (uncompressed) and counts.

    The defaults fit a tenfold OHCHR matrix: the 346-recommendation China matrix is 25 parts,
    1.9 MB of XML at most per part, compressed about 32 to 1.
    """

    max_member_bytes: int = 20 * 1024 * 1024
    max_total_bytes: int = 40 * 1024 * 1024
    max_members: int = 1000
    max_ratio: int = 100

    @classmethod
    def from_config(cls, config: Any) -> ZipLimits:
        """From the app config's ZIP_MAX_* keys (coalition.config)."""
        default = cls()
        return cls(
            max_member_bytes=int(config.get("ZIP_MAX_MEMBER_BYTES", default.max_member_bytes)),
            max_total_bytes=int(config.get("ZIP_MAX_TOTAL_BYTES", default.max_total_bytes)),
            max_members=int(config.get("ZIP_MAX_MEMBERS", default.max_members)),
            max_ratio=int(config.get("ZIP_MAX_RATIO", default.max_ratio)),
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def check_zip(archive: zipfile.ZipFile, filename: str, limits: ZipLimits) -> None:
    """Raise ArchiveRefused, naming `filename`, if the archive breaks a limit. Reads only the
    central directory."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ArchiveRefused(
            f"{filename} was not opened: it holds {len(members):,} parts, more than the "
            f"{limits.max_members:,} allowed.")
    total = 0
    for member in members:
        size = member.file_size
        if size > limits.max_member_bytes:
            raise ArchiveRefused(
                f"{filename} was not opened: its part {member.filename} would unpack to "
                f"{_megabytes(size)}, more than the {_megabytes(limits.max_member_bytes)} "
                "allowed for one part.")
        if size >= RATIO_APPLIES_FROM and size > limits.max_ratio * max(member.compress_size, 1):
            raise ArchiveRefused(
                f"{filename} was not opened: its part {member.filename} is compressed "
                f"{size // max(member.compress_size, 1):,} to 1, more than the "
                f"{limits.max_ratio} to 1 a document has; it looks like a zip bomb.")
        total += size
        if total > limits.max_total_bytes:
            raise ArchiveRefused(
                f"{filename} was not opened: it would unpack to more than the "
                f"{_megabytes(limits.max_total_bytes)} allowed.")


def open_checked_zip(source: bytes | IO[bytes], filename: str,
                     limits: ZipLimits | None = None) -> IO[bytes]:
    """A seekable stream of the zip `source`, after check_zip(); pass it to the library that
    reads the format (python-docx). Raises ArchiveRefused, or zipfile.BadZipFile for a file
    that is not a zip at all."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    with zipfile.ZipFile(stream) as archive:
        check_zip(archive, filename, limits or ZipLimits())
    stream.seek(0)
    return stream
