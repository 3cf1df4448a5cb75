"""Opening an uploaded zip (a .docx is one) only after checking what it would unpack to.

A .docx of 64 KB can hold XML that unpacks to gigabytes (a "zip bomb"): parsing one took the
server to 1.87 GB of memory. Every place that opens an uploaded zip goes through
:func:`open_checked_zip`, which reads the central directory and refuses the file if a part,
or all of them together, would unpack to more than the configured limits, if it has too many
parts, or if a large part is compressed suspiciously well; then it counts the XML elements,
streaming, since parsed XML costs memory by the element, not by the byte.

The declared sizes are a safe bound: Python's zipfile never returns more bytes than a member's
declared size (it stops there, and a member that lies then fails its CRC check).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace
from typing import IO, Any

from flask_babel import gettext as _

# A part must be at least this large before its compression ratio counts: small XML parts
# (styles, settings) compress very well and harmlessly.
RATIO_APPLIES_FROM = 1024 * 1024
_START_TAG = re.compile(rb"<[^/!?]")


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
    # Elements in all the XML parts together: parsed XML costs about 330 bytes of memory per
    # element in python-docx, whatever the file's size, so dense XML that compresses only
    # modestly is bounded here. The China matrix has 65,000.
    max_xml_elements: int | None = 500_000
    # A spreadsheet (.xlsx) is read row by row (openpyxl read-only), so its memory does not grow
    # with its elements: only its unpacked size is bounded, by this per sheet (and twice this in
    # all). A UHRI export of 100,000 recommendations unpacks to about 150 MB.
    max_sheet_bytes: int = 512 * 1024 * 1024

    def streamed(self) -> ZipLimits:
        """The limits for a format read as a stream (.xlsx): sizes, not element counts."""
        return replace(self, max_member_bytes=self.max_sheet_bytes,
                       max_total_bytes=2 * self.max_sheet_bytes, max_xml_elements=None)

    @classmethod
    def from_config(cls, config: Any) -> ZipLimits:
        """From the app config's ZIP_MAX_* keys (coalition.config)."""
        default = cls()
        return cls(
            max_member_bytes=int(config.get("ZIP_MAX_MEMBER_BYTES", default.max_member_bytes)),
            max_total_bytes=int(config.get("ZIP_MAX_TOTAL_BYTES", default.max_total_bytes)),
            max_members=int(config.get("ZIP_MAX_MEMBERS", default.max_members)),
            max_ratio=int(config.get("ZIP_MAX_RATIO", default.max_ratio)),
            max_xml_elements=int(config.get("ZIP_MAX_XML_ELEMENTS", default.max_xml_elements)),
            max_sheet_bytes=int(config.get("XLSX_MAX_SHEET_BYTES", default.max_sheet_bytes)),
        )


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=f"{size / (1024 * 1024):.0f}")
    return _("%(size)s bytes", size=f"{size:,}")


def check_zip(archive: zipfile.ZipFile, filename: str, limits: ZipLimits) -> None:
    """Raise ArchiveRefused, naming `filename`, if the archive breaks a limit. Reads only the
    central directory."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ArchiveRefused(
            _("%(filename)s was not opened: it holds %(parts)s parts, more than the "
              "%(limit)s allowed.", filename=filename, parts=f"{len(members):,}",
              limit=f"{limits.max_members:,}"))
    total = 0
    for member in members:
        size = member.file_size
        if size > limits.max_member_bytes:
            raise ArchiveRefused(
                _("%(filename)s was not opened: its part %(part)s would unpack to %(size)s, "
                  "more than the %(limit)s allowed for one part.", filename=filename,
                  part=member.filename, size=_megabytes(size),
                  limit=_megabytes(limits.max_member_bytes)))
        if size >= RATIO_APPLIES_FROM and size > limits.max_ratio * max(member.compress_size, 1):
            raise ArchiveRefused(
                _("%(filename)s was not opened: its part %(part)s is compressed %(ratio)s "
                  "to 1, more than the %(limit)s to 1 a document has; it looks like a zip "
                  "bomb.", filename=filename, part=member.filename,
                  ratio=f"{size // max(member.compress_size, 1):,}", limit=limits.max_ratio))
        total += size
        if total > limits.max_total_bytes:
            raise ArchiveRefused(
                _("%(filename)s was not opened: it would unpack to more than the %(limit)s "
                  "allowed.", filename=filename, limit=_megabytes(limits.max_total_bytes)))


def count_xml_elements(archive: zipfile.ZipFile, filename: str, limits: ZipLimits) -> int:
    """Count the start tags of the archive's XML parts, streaming (a chunk at a time, after
    check_zip() bounded the sizes), and raise ArchiveRefused past limits.max_xml_elements."""
    count = 0
    if limits.max_xml_elements is None:
        return count
    for member in archive.infolist():
        if not member.filename.endswith((".xml", ".rels")):
            continue
        previous = b""
        with archive.open(member) as part:
            while chunk := part.read(1024 * 1024):
                # "<" opening an element: not "</", "<!" (comments) nor "<?".
                data = previous + chunk
                count += len(_START_TAG.findall(data, 0, len(data) - 1))
                previous = data[-1:]
        if count > limits.max_xml_elements:
            raise ArchiveRefused(
                _("%(filename)s was not opened: its XML has more than %(limit)s elements, "
                  "more than a document has.", filename=filename,
                  limit=f"{limits.max_xml_elements:,}"))
    return count


def open_checked_zip(source: bytes | IO[bytes], filename: str,
                     limits: ZipLimits | None = None) -> IO[bytes]:
    """A seekable stream of the zip `source`, after check_zip(); pass it to the library that
    reads the format (python-docx). Raises ArchiveRefused, or zipfile.BadZipFile for a file
    that is not a zip at all."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    limits = limits or ZipLimits()
    with zipfile.ZipFile(stream) as archive:
        check_zip(archive, filename, limits)
        count_xml_elements(archive, filename, limits)
    stream.seek(0)
    return stream
