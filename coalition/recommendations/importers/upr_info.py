"""Read CSV exports of UPR Info's database of recommendations.

UPR Info has one row per recommending State: a recommendation made jointly (or in the same
words) by five States is five rows. Rows with the same State under review, session, text and
position are merged into one recommendation naming all five States, so counts match OHCHR's.

Exports come as downloaded from old tooling: legacy Mac encoding with bare CR line endings is
normal, and parentheses may arrive as HTML entities ("&#40;Unknown&#41;").
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from typing import IO

from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
    RowError,
    UnknownPositionError,
    find_territories,
    map_position,
)
from coalition.reviews.reference import resolve_state

__all__ = [
    "COLUMNS",
    "FORMAT",
    "REQUIRED_COLUMNS",
    "detect_encoding",
    "detect_newline",
    "parse",
    "text_key",
]

FORMAT = "upr_info"
COLUMNS = (
    "To",
    "To-Rgrp",
    "To-Org",
    "Text",
    "From",
    "From-Rgrp",
    "From-Org",
    "Response",
    "Action",
    "Issue",
    "Session",
)
# The columns the importer reads; the regional-group and organisation columns are derivable
# from the State and are not required.
REQUIRED_COLUMNS = ("To", "Text", "From", "Response", "Action", "Issue", "Session")

_NUMERIC_ENTITY = re.compile(r"&#(?:(\d{1,7})|[xX]([0-9a-fA-F]{1,6}));")
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_NON_WORD = bytes(c for c in range(128) if not chr(c).isalnum())
_UNKNOWN_STATE = "(unknown)"

# Scoring for the cp1252 / mac_roman decision (see detect_encoding). Both decode any byte
# string, so the question is which reading looks like text.
_LETTER_NEIGHBOURS = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[a-z])")
_CONTRACTION = re.compile(r"(?<=[A-Za-z])[\u2019](?=(?:s|t|d|ll|re|ve|m)\b)")
_GOOD_PUNCTUATION = re.compile(r"(?:^|(?<=[\s(]))[\u2018\u201c]|[\u2019\u201d](?=[\s.,;:)]|$)")
_DASH_BETWEEN_SPACES = re.compile(r"(?<= )[\u2013\u2014](?= )")


def detect_newline(data: bytes) -> str:
    """The dominant line ending: ``"\\r\\n"``, ``"\\r"`` (classic Mac) or ``"\\n"``."""
    crlf = data.count(b"\r\n")
    cr = data.count(b"\r") - crlf
    lf = data.count(b"\n") - crlf
    best = max((crlf, "\r\n"), (cr, "\r"), (lf, "\n"))
    return best[1] if best[0] else "\n"


def _plausibility(text: str) -> int:
    """How much a decoding's non-ASCII characters look like real Western European text."""
    score = 0
    score += 2 * len(_CONTRACTION.findall(text))
    score += len(_GOOD_PUNCTUATION.findall(text))
    score += len(_DASH_BETWEEN_SPACES.findall(text))
    for match in _LETTER_NEIGHBOURS.finditer(text):
        ch = match.group()
        # An accented lower-case letter inside a word ("Hissène", "Côte") is what we expect;
        # capitals, symbols and quotes inside lower-case words ("HissŽne", "CÙte") are the
        # mark of the wrong code page.
        score += 1 if ch.islower() else -1
    return score


def _lines_with_high_bytes(data: bytes, limit: int = 1 << 16) -> bytes:
    """Lines holding non-ASCII bytes, the only ones that tell code pages apart (up to limit)."""
    lines = []
    size = 0
    for line in data.splitlines():
        if not line.isascii():
            lines.append(line)
            size += len(line)
            # A few dozen accented lines settle the question; scoring a whole file would not
            # change the answer but would cost seconds on 100,000 rows.
            if size >= limit:
                break
    return b"\n".join(lines)


def detect_encoding(data: bytes) -> str:
    """Name the encoding of a UPR Info export.

    UTF-8 (with or without BOM) is unambiguous when it decodes. Otherwise the file is one of
    the two legacy 8-bit code pages such exports come in: Windows-1252 or Mac Roman. Python's
    cp1252 rejects five bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) that Mac Roman uses for letters;
    failing that, both readings are scored for plausibility. A heuristic rather than a
    dependency such as charset-normalizer, because the choice is between exactly two.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.isascii():
        return "ascii"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    # Only lines with high bytes matter, and scoring them alone keeps this fast on big files.
    sample = _lines_with_high_bytes(data)
    try:
        windows = sample.decode("cp1252")
    except UnicodeDecodeError:
        return "mac_roman"
    mac = sample.decode("mac_roman")
    return "mac_roman" if _plausibility(mac) > _plausibility(windows) else "cp1252"


def text_key(text: str) -> str:
    """What two rows' texts must share to be one recommendation.

    UPR Info's per-State rows of one recommendation differ in case, spacing and trailing
    punctuation ("OP-CAT" / "OP-CAT ."); only letters and digits are compared.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        if not text.isascii():
            return _NON_WORD.sub("", text)
    # bytes.translate is ten times faster than the regular expression, and almost every
    # recommendation is ASCII; this runs once per row of 100,000-row imports.
    return text.lower().encode("ascii").translate(None, _ASCII_NON_WORD).decode("ascii")


def _entity(match: re.Match[str]) -> str:
    code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
    # Leave anything that is not a real character as it was rather than fail the row.
    return chr(code) if 0 < code <= 0x10FFFF else match.group()


def _unescape(value: str) -> str:
    """Decode numeric character references: UPR Info writes "(" as "&#40;"."""
    if "&#" not in value:
        return value
    return _NUMERIC_ENTITY.sub(_entity, value)


def _read_bytes(source: str | os.PathLike[str] | bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read()
    data = source.read()
    if isinstance(data, str):
        raise TypeError("upr_info.parse() needs bytes or a binary file, not text")
    return data


def _header_index(header: list[str]) -> dict[str, int]:
    names = [_unescape(name).strip().lstrip("\ufeff").strip() for name in header]
    folded = {name.casefold(): index for index, name in enumerate(names)}
    missing = [column for column in REQUIRED_COLUMNS if column.casefold() not in folded]
    if missing:
        raise ImportFormatError(
            "Not a UPR Info export: missing column(s) " + ", ".join(missing) + "."
        )
    return {column: folded[column.casefold()] for column in REQUIRED_COLUMNS}


PROGRESS_EVERY = 1000
_NONE: tuple[()] = ()

_CHECK_CHUNK = 1 << 20  # bytes decoded at a time by _decoded_lines' first pass


def _decoded_lines(data: bytes, encoding: str) -> Iterator[str]:
    """The decoded lines of `data`, with their endings (CR, LF or CRLF), one at a time.

    Raises ImportFormatError, before yielding anything, if the data does not decode (only
    possible for a mislabelled BOM) or holds a NUL character (a binary file). Memory (issue 8,
    "Performance"): the whole file is never held as one str, nor in io.StringIO, which keeps
    four bytes per character (about 100 MB for a 100,000-row export, and a str of the whole
    file is two bytes per character as soon as one curly quote is in it); io.BytesIO shares
    the bytes' buffer.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), _CHECK_CHUNK):
            chunk = data[start:start + _CHECK_CHUNK]
            if "\x00" in decoder.decode(chunk, final=start + _CHECK_CHUNK >= len(data)):
                raise ImportFormatError("This is a binary file, not a UPR Info CSV export.")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"Cannot decode the file as {encoding}.") from exc
    return iter(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""))


def parse(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> ParseResult:
    """Parse a UPR Info CSV export from bytes, a binary file object or a path.

    ``progress``, if given, is called with the number of data rows read every PROGRESS_EVERY
    rows and once at the end, so a long import can report how far it has got.

    Raises ImportFormatError when the header lacks required columns. Every data row is then
    accounted for in the result: it creates a recommendation, is merged into one, is skipped
    (blank lines only) or is reported as a RowError with its line number.
    """
    data = _read_bytes(source)
    encoding = detect_encoding(data)
    newline = detect_newline(data)
    # The raw line endings go to csv; it splits on CR, LF and CRLF alike and keeps line breaks
    # inside quoted cells. Decoded a line at a time (_decoded_lines).
    reader = csv.reader(_decoded_lines(data, encoding))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError("The file is empty.") from None
    except csv.Error as exc:
        raise ImportFormatError(f"Not a readable CSV file: {exc}.") from exc
    columns = _header_index(header)
    width = max(columns.values()) + 1

    result = ParseResult(
        records=[], errors=[], skipped=[], format=FORMAT, encoding=encoding, newline=newline
    )
    groups: dict[tuple[str, int, str, bytes], ParsedRecommendation] = {}
    col_to, col_text, col_from = columns["To"], columns["Text"], columns["From"]
    col_response, col_action = columns["Response"], columns["Action"]
    col_issue, col_session = columns["Issue"], columns["Session"]

    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.rows_total += 1
            result.errors.append(RowError(line, f"unreadable CSV: {exc}"))
            line = reader.line_num + 1
            continue
        # A quoted cell may span lines; the record is reported at the line it starts on.
        start, line = line, reader.line_num + 1
        result.rows_total += 1
        if progress is not None and result.rows_total % PROGRESS_EVERY == 0:
            progress(result.rows_total)
        if not any(cell.strip() for cell in row):
            result.skipped.append((start, "blank line"))
            continue
        if len(row) < width:
            result.errors.append(
                RowError(start, f"expected {len(header)} fields, found {len(row)}")
            )
            continue

        to_name = _unescape(row[col_to]).strip()
        to_state = resolve_state(to_name)
        if to_state is None:
            result.errors.append(RowError(start, f"unknown State under review {to_name!r}"))
            continue
        from_name = _unescape(row[col_from]).strip()
        from_state = resolve_state(from_name)
        if from_state is None:
            if not from_name or from_name.casefold() == _UNKNOWN_STATE:
                reason = f"no recommending State given ({from_name!r})"
            else:
                reason = f"unknown recommending State {from_name!r}"
            result.errors.append(RowError(start, reason))
            continue
        session_text = row[col_session].strip()
        if not session_text.isdigit():
            result.errors.append(RowError(start, f"session is not a number: {session_text!r}"))
            continue
        session = int(session_text)
        recommendation = " ".join(_unescape(row[col_text]).split())
        if not recommendation:
            result.errors.append(RowError(start, "recommendation text is empty"))
            continue
        try:
            position, words = map_position(_unescape(row[col_response]))
        except UnknownPositionError as exc:
            result.errors.append(RowError(start, str(exc)))
            continue
        action_text = row[col_action].strip()
        action: int | None = None
        if action_text:
            if action_text not in {"1", "2", "3", "4", "5"}:
                result.errors.append(
                    RowError(start, f"action category must be 1 to 5, not {action_text!r}")
                )
                continue
            action = int(action_text)
        # Interned: a few hundred issue names repeat over 100,000 rows (memory, issue 8).
        issues = [sys.intern(issue.strip()) for issue in _unescape(row[col_issue]).split(",")
                  if issue.strip()]

        # The position is part of the key: a State that answered the same words from two
        # States differently made two commitments, and merging would hide one of them.
        # The text as a 128-bit digest of its key (memory, issue 8: not a second copy of every
        # text while the file is read).
        key = (to_state.code, session, position,
               hashlib.blake2b(text_key(recommendation).encode(), digest_size=16).digest())
        existing = groups.get(key)
        if existing is not None:
            result.rows_merged += 1
            if from_state.code not in existing.recommending_states:
                existing.recommending_states.append(from_state.code)
            for issue in issues:
                if issue not in existing.issues:
                    existing.issues.append(issue)
            if action != existing.action_category:
                result.warnings.append(
                    (
                        start,
                        f"action category {action} differs from {existing.action_category} "
                        f"on line {existing.source_line}; kept {existing.action_category}",
                    )
                )
            if words != existing.position_words:
                result.warnings.append(
                    (
                        start,
                        f"response {words!r} differs from {existing.position_words!r} "
                        f"on line {existing.source_line}; kept the first",
                    )
                )
            continue

        record = ParsedRecommendation(
            source_line=start,
            paragraph=None,
            text=recommendation,
            recommending_states=[from_state.code],
            position=position,
            position_words=words,
            position_source="UPR Info",
            action_category=action,
            issues=issues,
            # UPR Info has no themes, SDGs or affected persons: one shared empty tuple instead
            # of five empty lists per record (25 MB per 100,000 rows; memory, issue 8). A
            # tuple, so that code appending to them fails loudly instead of sharing the list.
            territories=find_territories(recommendation) or _NONE,  # type: ignore[arg-type]
            themes=_NONE,  # type: ignore[arg-type]
            sdgs=_NONE,  # type: ignore[arg-type]
            affected_persons=_NONE,  # type: ignore[arg-type]
            unresolved_states=_NONE,  # type: ignore[arg-type]
            session=session,
            state_under_review=to_state.code,
        )
        groups[key] = record
        result.records.append(record)

    if progress is not None:
        progress(result.rows_total)
    return result
