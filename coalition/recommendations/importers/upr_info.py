"""Read CSV exports of UPR Info's (old) database of recommendations.

UPR Info has one row per recommending State: a recommendation made jointly (or in the same
words) by five States is five rows. Rows with the same State under review, session, text and
position are merged into one recommendation naming all five States, so counts match OHCHR's.

A row whose Response is "Voluntary Pledge" is not a recommendation but a pledge the State under
review made itself: it becomes a ``kind="pledge"`` entry with no recommending State (its From
column, empty, "(Unknown)" or the State itself, is not one), position "supported", and the
words "Voluntary Pledge" kept.

Exports come as downloaded from old tooling (legacy Mac encoding with bare CR line endings,
parentheses as HTML entities "&#40;Unknown&#41;") or as a spreadsheet saved them again
(";"-separated, UTF-16 "Unicode Text", Windows-1252, .xlsx): :mod:`.tabular` reads them all.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import IO

from flask_babel import gettext as _

from coalition.core.archives import ZipLimits
from coalition.recommendations.importers import tabular
from coalition.recommendations.importers.records import (
    ParsedRecommendation,
    ParseResult,
    Position,
    RowError,
    UnknownPositionError,
    find_territories,
    is_pledge,
    map_position,
)
from coalition.recommendations.importers.tabular import detect_encoding
from coalition.reviews.reference import resolve_state

__all__ = [
    "COLUMNS",
    "FORMAT",
    "REQUIRED_COLUMNS",
    "Merger",
    "detect_encoding",
    "detect_newline",
    "is_pledge",
    "parse",
    "position_of",
    "text_key",
    "unescape",
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
_WANTED = {column: (column,) for column in REQUIRED_COLUMNS}

_NUMERIC_ENTITY = re.compile(r"&#(?:(\d{1,7})|[xX]([0-9a-fA-F]{1,6}));")
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_NON_WORD = bytes(c for c in range(128) if not chr(c).isalnum())
_UNKNOWN_STATE = "(unknown)"
PROGRESS_EVERY = tabular.PROGRESS_EVERY
_NONE: tuple[()] = ()



def detect_newline(data: bytes) -> str:
    """The dominant line ending of 8-bit/UTF-8 bytes: ``"\\r\\n"``, ``"\\r"`` or ``"\\n"``."""
    return tabular.detect_newline_bytes(data)


@lru_cache(maxsize=256)
def position_of(words: str) -> tuple[Position, str, bool]:
    """(position, the words as written, is a pledge) for a Response cell.

    A voluntary pledge is the State's own commitment: position "supported". Raises
    UnknownPositionError for words map_position() does not know.
    """
    if is_pledge(words):
        return "supported", words.strip(), True
    position, kept = map_position(words)
    return position, kept, False


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


def unescape(value: str) -> str:
    """Decode numeric character references: UPR Info writes "(" as "&#40;"."""
    if "&#" not in value:
        return value
    return _NUMERIC_ENTITY.sub(_entity, value)


class Merger:
    """Folds rows of one recommendation (same review, session, text, position and kind) into
    the record the first of them created, and tells the reviewer where they disagree.

    Per row: ``existing = merger.find(...)``; then ``merger.merge(existing, ...)`` or
    ``merger.add(key, record)``; building a record only for new recommendations keeps
    100,000-row files cheap.
    """

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.groups: dict[tuple[object, ...], ParsedRecommendation] = {}

    @staticmethod
    def key(state: str, session: int | None, text: str, position: str,
            kind: str) -> tuple[object, ...]:
        """What rows of one recommendation share (State code, session, text_key(text),
        position, kind)."""
        # The position is part of the key: a State that answered the same words from two
        # States differently made two commitments, and merging would hide one of them. The
        # text as a 128-bit digest of its key: not a second copy of every text while a file
        # is read (memory, issue 8).
        digest = hashlib.blake2b(text_key(text).encode(), digest_size=16).digest()
        return (state, session, digest, position, kind)

    def find(self, key: tuple[object, ...]) -> ParsedRecommendation | None:
        """The record an earlier row with this key created, if any."""
        return self.groups.get(key)

    def add(self, key: tuple[object, ...], record: ParsedRecommendation) -> None:
        """A new recommendation; its territories are looked for here, once."""
        record.territories = find_territories(record.text) or _NONE  # type: ignore[assignment]
        self.groups[key] = record
        self.result.records.append(record)

    def merge(self, existing: ParsedRecommendation, start: int, states: list[str],
              unresolved: list[str], issues: list[str], action: int | None, words: str,
              upr_info_id: str | None = None) -> None:
        """Fold one more row (starting on line `start`) into `existing`: its States, unknown
        names and issues are added; a differing action category, response or UPR Info id is
        a warning, the first row's value kept."""
        result = self.result
        result.rows_merged += 1
        for code in states:
            if code not in existing.recommending_states:
                existing.recommending_states.append(code)
        for name in unresolved:
            if name not in existing.unresolved_states:
                existing.unresolved_states.append(name)
        for issue in issues:
            if issue not in existing.issues:
                existing.issues.append(issue)
        if action != existing.action_category:
            result.warnings.append((start, _(
                "action category %(action)s differs from %(kept)s on line %(line)s; kept "
                "%(kept)s", action=action, kept=existing.action_category,
                line=existing.source_line)))
        if words != existing.position_words:
            result.warnings.append((start, _(
                "response %(words)s differs from %(kept)s on line %(line)s; kept the first",
                words=repr(words), kept=repr(existing.position_words),
                line=existing.source_line)))
        if upr_info_id and upr_info_id != existing.upr_info_id:
            result.warnings.append((start, _(
                "UPR Info id %(id)s has the same text as %(kept)s on line %(line)s; merged, "
                "kept the first id", id=repr(upr_info_id), kept=repr(existing.upr_info_id),
                line=existing.source_line)))


def parse(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    progress: Callable[[int], None] | None = None,
    filename: str = "The file",
    limits: ZipLimits | None = None,
) -> ParseResult:
    """Parse a UPR Info export (CSV in any encoding/dialect, or .xlsx) from bytes, a binary
    file object or a path.

    ``progress``, if given, is called with the number of data rows read every PROGRESS_EVERY
    rows and once at the end, so a long import can report how far it has got. ``limits``
    bound an .xlsx archive (zip bombs).

    Raises ImportFormatError when the file is unreadable or the header lacks required columns.
    Every data row is then accounted for in the result: it creates a recommendation or pledge,
    is merged into one, is skipped (blank lines only) or is reported as a RowError with its
    line number.
    """
    table = tabular.read_table(tabular.read_bytes(source), filename, limits)
    header = [unescape(name) for name in table.header]
    columns = tabular.match_columns(header, _WANTED, REQUIRED_COLUMNS,
                                    _("a UPR Info export"))
    width = max(columns.values()) + 1

    result = ParseResult(records=[], errors=[], skipped=[], format=FORMAT,
                         encoding=table.encoding, newline=table.newline,
                         states_per_row=True)
    result.warnings.extend((0, note) for note in table.notes)
    merger = Merger(result)
    col_to, col_text, col_from = columns["To"], columns["Text"], columns["From"]
    col_response, col_action = columns["Response"], columns["Action"]
    col_issue, col_session = columns["Issue"], columns["Session"]
    errors = result.errors

    for start, cells in tabular.data_rows(table, result, progress):
        if len(cells) < width:
            errors.append(RowError(start, _("expected %(expected)s fields, found %(found)s",
                                            expected=len(header), found=len(cells))))
            continue

        to_name = unescape(cells[col_to]).strip()
        to_state = resolve_state(to_name)
        if to_state is None:
            errors.append(RowError(start, _("unknown State under review %(name)s",
                                            name=repr(to_name))))
            continue
        try:
            position, words, pledge = position_of(unescape(cells[col_response]))
        except UnknownPositionError as exc:
            position, words, pledge = "pending", "", False
            position_error = str(exc)
        else:
            position_error = None
        from_name = unescape(cells[col_from]).strip()
        from_codes: list[str] = []
        if pledge:
            from_state = resolve_state(from_name)
            if from_state is not None and from_state.code != to_state.code:
                result.warnings.append((start, _(
                    "a voluntary pledge is %(state)s's own; the From column's %(name)s was "
                    "not recorded as a recommending State", state=to_state.name,
                    name=repr(from_name))))
        else:
            from_state = resolve_state(from_name)
            if from_state is not None:
                from_codes.append(from_state.code)
            elif from_name.casefold() == _UNKNOWN_STATE:
                # UPR Info's own record says the recommending State is unknown (Indonesia's
                # first review has nine such rows): the recommendation is real, so it is
                # imported without a State, and the reviewer is told. Nothing is dropped.
                result.warnings.append((start, _(
                    "UPR Info gives the recommending State as '(Unknown)': imported without "
                    "a recommending State")))
            else:
                reason = (_("unknown recommending State %(name)s", name=repr(from_name))
                          if from_name else _("no recommending State given"))
                errors.append(RowError(start, reason))
                continue
        session_text = cells[col_session].strip()
        if not session_text.isdigit():
            errors.append(RowError(start, _("session is not a number: %(value)s",
                                            value=repr(session_text))))
            continue
        recommendation = " ".join(unescape(cells[col_text]).split())
        if not recommendation:
            errors.append(RowError(start, _("recommendation text is empty")))
            continue
        if position_error is not None:
            errors.append(RowError(start, position_error))
            continue
        action_text = cells[col_action].strip()
        action: int | None = None
        if action_text:
            if action_text not in {"1", "2", "3", "4", "5"}:
                errors.append(
                    RowError(start, _("action category must be 1 to 5, not %(value)s",
                                      value=repr(action_text))))
                continue
            action = int(action_text)
        # Interned: a few hundred issue names repeat over 100,000 rows (memory, issue 8).
        issues = [sys.intern(issue.strip()) for issue in unescape(cells[col_issue]).split(",")
                  if issue.strip()]
        session = int(session_text)
        kind = "pledge" if pledge else "recommendation"
        key = Merger.key(to_state.code, session, recommendation, position, kind)
        existing = merger.find(key)
        if existing is not None:
            merger.merge(existing, start, from_codes, [], issues, action, words)
            continue
        merger.add(key, ParsedRecommendation(
            source_line=start,
            paragraph=None,
            text=recommendation,
            recommending_states=from_codes,
            position=position,
            position_words=words,
            position_source="UPR Info",
            action_category=action,
            issues=issues,
            session=session,
            state_under_review=to_state.code,
            kind=kind,
            # UPR Info's old export has no themes, SDGs or affected persons: one shared empty
            # tuple instead of four empty lists per record (memory, issue 8). A tuple, so code
            # appending to one fails loudly instead of sharing it.
            themes=_NONE,  # type: ignore[arg-type]
            sdgs=_NONE,  # type: ignore[arg-type]
            affected_persons=_NONE,  # type: ignore[arg-type]
            unresolved_states=_NONE,  # type: ignore[arg-type]
        ))

    if progress is not None:
        progress(result.rows_total)
    return result
