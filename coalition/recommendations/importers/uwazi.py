"""Read the CSV export of UPR Info's current database (a HURIDOCS Uwazi site).

Uwazi exports ``Title, Date added, Template``, then the template's properties by label
(Recommendation, State under Review, Recommending State, Response, Issues, Cycle, Session,
Action Category, regional-group columns, ...), then ``Geolocation, Documents, Attachments,
Published``. Columns are matched by normalised label (tabular.match_columns), in any order,
and the others are ignored. Conventions of the export:

- several values in one cell are joined by ``|`` (``France|Germany``: one recommendation made
  by both States);
- a session reads ``45 - January 2024`` and an action category ``5 - Specific action``: the
  leading number is the value;
- responses read ``Supported``, ``Noted``, ``Not Supported``, ...; ``Voluntary Pledge`` (or a
  pledge template) makes a pledge by the State under review, with no recommending State.

UPR Info's own identifier is kept in ``upr_info_id``: an ``id``/``sharedId`` column, or the
Title when it is an identifier rather than the text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import IO

from flask_babel import gettext as _

from coalition.core.archives import ZipLimits
from coalition.recommendations.importers import tabular
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
    RowError,
    UnknownPositionError,
)
from coalition.recommendations.importers.upr_info import (
    Merger,
    position_of,
    unescape,
)
from coalition.reviews.reference import cycle_for_session, resolve_state

__all__ = ["COLUMNS", "FORMAT", "SIGNATURE", "parse"]

FORMAT = "upr_info_uwazi"
# key -> labels the column may carry (normalised when compared; the first is named in errors).
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("Recommendation", "Recommendation text", "Text"),
    "state": ("State under Review", "State under review (SuR)", "SuR"),
    "from": ("Recommending State", "Recommending States", "Recommending State(s)"),
    "response": ("Response", "Position", "Response to recommendation"),
    "issues": ("Issues", "Issue", "Themes"),
    "session": ("Session", "UPR Session"),
    "cycle": ("Cycle", "UPR Cycle"),
    "action": ("Action Category", "Action"),
    "id": ("sharedId", "Shared id", "id", "Entity id", "UPR Info id"),
    "title": ("Title",),
    "template": ("Template",),
}
REQUIRED = ("state", "from", "response")
# Labels whose presence marks an Uwazi export (normalised), for detect_format.
SIGNATURE = frozenset({"state under review", "recommending state", "response"})

_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})\b")
# The first number of up to 3 digits: "45 - January 2024", "Session 45", "45th" are 45; a
# year is not one.
_ANY_NUMBER = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")
# An identifier, not a sentence: no spaces, a digit somewhere ("rec-2024-45-123", "5f3c9a1b").
_IDENTIFIER = re.compile(r"^(?=[^\s]*\d)[A-Za-z0-9][A-Za-z0-9_.:/-]{2,63}$")


def _values(cell: str) -> list[str]:
    """The values of a multi-valued cell, in order, without repeats (joined by "|")."""
    items: dict[str, None] = {}
    for part in unescape(cell).split("|"):
        part = " ".join(part.split())
        if part:
            items.setdefault(part, None)
    return list(items)


def parse(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    progress: Callable[[int], None] | None = None,
    filename: str = "The file",
    limits: ZipLimits | None = None,
) -> ParseResult:
    """Parse an Uwazi (UPR Info database) export, CSV or .xlsx, from bytes, a file or a path.

    Raises ImportFormatError when the file is unreadable or lacks the State under Review,
    Recommending State or Response column, or both Recommendation and Title. Every data row
    is then accounted for: a recommendation or pledge, merged into one (the same text, review
    and response in two rows), skipped (blank) or a RowError with its line.
    """
    table = tabular.read_table(tabular.read_bytes(source), filename, limits)
    columns = tabular.match_columns(table.header, COLUMNS, REQUIRED,
                                    _("an export of UPR Info's database"))
    if "text" not in columns and "title" not in columns:
        raise ImportFormatError(_(
            "Not an export of UPR Info's database: missing column(s) Recommendation."))
    result = ParseResult(records=[], errors=[], skipped=[], format=FORMAT,
                         encoding=table.encoding, newline=table.newline)
    result.warnings.extend((0, note) for note in table.notes)
    merger = Merger(result)
    errors = result.errors
    col_text = columns.get("text", columns.get("title"))
    assert col_text is not None
    get = columns

    cell = tabular.cell_reader(get)

    for start, cells in tabular.data_rows(table, result, progress):

        reviewed = _values(cell(cells, "state"))
        if len(reviewed) != 1:
            errors.append(RowError(start, _("no State under Review given") if not reviewed
                                   else _("several States under Review: %(names)s",
                                          names=", ".join(reviewed))))
            continue
        to_state = resolve_state(reviewed[0])
        if to_state is None:
            errors.append(RowError(start, _("unknown State under review %(name)s",
                                            name=repr(reviewed[0]))))
            continue
        text = " ".join(unescape(cells[col_text] if col_text < len(cells) else "").split())
        if not text:
            errors.append(RowError(start, _("recommendation text is empty")))
            continue
        paragraph, text = tabular.split_paragraph(text)
        try:
            position, words, pledge = position_of(" ".join(_values(cell(cells, "response"))))
        except UnknownPositionError as exc:
            errors.append(RowError(start, str(exc)))
            continue
        pledge = pledge or "pledge" in cell(cells, "template").casefold()

        states: list[str] = []
        unresolved: list[str] = []
        names = _values(cell(cells, "from"))
        for name in names:
            state = resolve_state(name)
            if state is None:
                unresolved.append(name)
            elif pledge:
                if state.code != to_state.code:
                    result.warnings.append((start, (
                        _("a voluntary pledge is %(state)s's own; %(name)s was not recorded "
                          "as a recommending State", state=to_state.name, name=repr(name)))))
            elif state.code not in states:
                states.append(state.code)
        if pledge:
            unresolved = []
        elif not names:
            errors.append(RowError(start, _("no recommending State given")))
            continue
        if unresolved:
            result.warnings.append((start, _("recommending State(s) not recognised: "
                                             "%(names)s", names=", ".join(unresolved))))

        session: int | None = None
        sessions = _values(cell(cells, "session"))
        if sessions:
            match = _ANY_NUMBER.search(sessions[0])
            if match is None:
                errors.append(RowError(start, _("session is not a number: %(value)s",
                                                value=repr(sessions[0]))))
                continue
            session = int(match.group(1))
        cycle_text = cell(cells, "cycle")
        if cycle_text.strip():
            cycle_match = _ANY_NUMBER.search(cycle_text)
            if cycle_match is None:
                errors.append(RowError(start, _("cycle is not a number: %(value)s",
                                                value=repr(cycle_text.strip()))))
                continue
            if session is not None:
                try:
                    session_cycle: int | None = cycle_for_session(session)
                except ValueError:
                    session_cycle = None
                if session_cycle is not None and session_cycle != int(cycle_match.group()):
                    errors.append(RowError(start, _(
                        "session %(session)s is in cycle %(session_cycle)s, not %(cycle)s",
                        session=session, session_cycle=session_cycle,
                        cycle=cycle_match.group())))
                    continue

        action: int | None = None
        action_text = " ".join(_values(cell(cells, "action")))
        if action_text:
            match = _LEADING_NUMBER.match(action_text)
            if match is None or not 1 <= int(match.group(1)) <= 5:
                errors.append(
                    RowError(start, _("action category must be 1 to 5, not %(value)s",
                                      value=repr(action_text))))
                continue
            action = int(match.group(1))

        upr_info_id = " ".join(cell(cells, "id").split()) or None
        if upr_info_id is None:
            title = " ".join(cell(cells, "title").split())
            if title and _IDENTIFIER.match(title):
                upr_info_id = title
        issues = _values(cell(cells, "issues"))

        kind = "pledge" if pledge else "recommendation"
        key = Merger.key(to_state.code, session, text, position, kind)
        existing = merger.find(key)
        if existing is not None and existing.paragraph == paragraph:
            merger.merge(existing, start, states, unresolved, issues, action, words,
                         upr_info_id)
            continue
        merger.add(key, ParsedRecommendation(
            source_line=start,
            paragraph=paragraph,
            text=text,
            recommending_states=states,
            unresolved_states=unresolved,
            position=position,
            position_words=words,
            position_source="UPR Info",
            action_category=action,
            issues=issues,
            session=session,
            state_under_review=to_state.code,
            kind=kind,
            upr_info_id=upr_info_id,
        ))

    if progress is not None:
        progress(result.rows_total)
    return result

