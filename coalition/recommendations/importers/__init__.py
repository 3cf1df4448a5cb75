"""Parsers for the files coalitions import recommendations from.

- ``ohchr_matrix``: OHCHR's "Matrix of recommendations" (.docx), one row per recommendation;
- ``upr_info``: UPR Info's (old) CSV export, one row per recommending State (merged here);
- ``upr_info_uwazi``: the CSV export of UPR Info's current database (HURIDOCS Uwazi);
- ``uhri``: an export of OHCHR's Universal Human Rights Index (.xlsx or CSV);
- ``coalition_export``: this platform's own export (CSV, .xlsx, or the data package zip).

Each returns a ``records.ParseResult`` and touches no database; ``detect_format`` picks one
from the file's content. The tabular ones read CSV in any encoding and dialect Excel writes,
and .xlsx, through ``tabular``.
"""

from __future__ import annotations

from typing import Literal

from flask_babel import gettext as _

from coalition.core.archives import ZipLimits
from coalition.recommendations.importers import coalition_export, tabular
from coalition.recommendations.importers.records import ImportFormatError

__all__ = ["ACCEPTED", "ImportFormat", "ImportFormatError", "detect_format", "format_for_header"]

ImportFormat = Literal["ohchr_matrix", "upr_info", "upr_info_uwazi", "uhri", "coalition_export"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls
_UPR_INFO_SIGNATURE = frozenset({"to", "text", "from", "response"})
_UWAZI_SIGNATURE = frozenset({"state under review", "recommending state", "response"})
_UHRI_SIGNATURE = frozenset({"text", "countries concerned"})
ACCEPTED = (
    "OHCHR's matrix of recommendations (.docx); a UPR Info CSV export (header To, Text, From, "
    "Response, ...); an export of UPR Info's current database (Title, Recommendation, State "
    "under Review, Recommending State, Response, ...); a Universal Human Rights Index export "
    "(.xlsx or CSV with Text, Countries Concerned, ...); or an export of this platform "
    "(CSV, .xlsx or data package .zip)"
)


def format_for_header(header: list[str]) -> ImportFormat | None:
    """Which tabular importer reads a file with this header row (labels normalised), if any."""
    labels = {tabular.normalise_label(cell) for cell in header}
    # First: an export of this platform also has UPR Info's column names (Uwazi's signature).
    if coalition_export.is_export_header(labels):
        return "coalition_export"
    if labels >= _UHRI_SIGNATURE:
        return "uhri"
    if labels >= _UWAZI_SIGNATURE:
        return "upr_info_uwazi"
    if labels >= _UPR_INFO_SIGNATURE:
        return "upr_info"
    return None


def detect_format(filename: str, data: bytes, limits: ZipLimits | None = None) -> ImportFormat:
    """Which importer reads a file, from its content (the name only words messages).

    ``data`` is the whole file, or at least its first few KB for a CSV; a spreadsheet needs
    the whole file, since its header row is inside the zip (checked against `limits` before
    it is unpacked). A zip with ``word/document.xml`` is a matrix; with ``xl/workbook.xml`` a
    workbook whose first row decides, as a CSV's header does.

    Raises ImportFormatError, listing what is accepted, for anything else.
    """
    name = filename or "The file"
    if data.startswith(tabular.ZIP_MAGIC):
        parts = tabular.zip_names(data)
        if "word/document.xml" in parts:
            return "ohchr_matrix"
        if coalition_export.is_package(parts):
            return "coalition_export"
        if tabular.is_xlsx(parts):
            header = tabular.read_xlsx(data, name, limits).header
            found = format_for_header(header)
            if found is None:
                raise ImportFormatError(_(
                    "The spreadsheet's first row is not a header this platform reads. "
                    "Accepted: %(accepted)s.", accepted=ACCEPTED))
            return found
        raise ImportFormatError(_("This zip archive is neither a .docx nor an .xlsx. "
                                  "Accepted: %(accepted)s.", accepted=ACCEPTED))
    if data.startswith(_OLE):
        raise ImportFormatError(_(
            "This is an old Word/Excel file (.doc/.xls): save it as .docx, .xlsx or .csv first."
        ))
    try:
        header = tabular.read_csv(data[:65536]).header
    except ImportFormatError:
        header = []
    found = format_for_header(header)
    if found is None:
        raise ImportFormatError(_("Unrecognised file. Accepted: %(accepted)s.",
                                  accepted=ACCEPTED))
    return found
