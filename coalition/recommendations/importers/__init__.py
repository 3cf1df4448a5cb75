"""Parsers for the files coalitions import recommendations from.

- ``ohchr_matrix``: OHCHR's "Matrix of recommendations" (.docx), one row per recommendation;
- ``upr_info``: UPR Info's CSV export, one row per recommending State (merged here).

Both return a ``records.ParseResult`` and touch no database; ``detect_format`` picks one.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from coalition.recommendations.importers.records import ImportFormatError

__all__ = ["ImportFormat", "ImportFormatError", "detect_format"]

ImportFormat = Literal["ohchr_matrix", "upr_info"]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls
_UPR_INFO_SIGNATURE = {"to", "text", "from", "response"}


def detect_format(filename: str, head_bytes: bytes) -> ImportFormat:
    """Which importer reads a file, from its name and first bytes (a few KB are plenty).

    Raises ImportFormatError, with a message a user can act on, for anything else. The content
    decides, not the extension alone: browsers and users rename files freely.
    """
    name = (filename or "").casefold()
    if head_bytes.startswith(_ZIP):
        if name.endswith(".docx"):
            return "ohchr_matrix"
        if name.endswith((".xlsx", ".xls")):
            raise ImportFormatError(
                "Spreadsheets are not read directly: save the UPR Info sheet as CSV."
            )
        raise ImportFormatError(
            "This is a zip archive; expected OHCHR's matrix (.docx) or a UPR Info CSV export."
        )
    if head_bytes.startswith(_OLE):
        raise ImportFormatError(
            "This is an old Word/Excel file (.doc/.xls): save it as .docx or .csv first."
        )
    if b"\x00" not in head_bytes:
        first_line = _first_line(head_bytes)
        try:
            header = next(csv.reader(io.StringIO(first_line)), [])
        except csv.Error:
            header = []
        names = {cell.strip().casefold() for cell in header}
        if names >= _UPR_INFO_SIGNATURE:
            return "upr_info"
    raise ImportFormatError(
        "Unrecognised file: expected OHCHR's matrix of recommendations (.docx) or a UPR Info "
        "CSV export (header To,To-Rgrp,To-Org,Text,From,...)."
    )


def _first_line(head: bytes) -> str:
    # The header is ASCII in every known export, so a lenient decode is enough here; the
    # importer does the real encoding detection on the whole file.
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for separator in ("\r", "\n"):
        text = text.split(separator, 1)[0]
    return text
