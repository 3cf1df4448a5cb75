"""Read OHCHR's "Matrix of recommendations" (.docx), one file per State per cycle.

The matrix is one Word table: a header row ``Recommendation | Position | Full list of themes |
Assessment/comments on level of implementation``, section headings whose cells all read
``Theme: <code> <name>``, and one row per recommendation. A recommendation cell holds the
paragraph number, the text, the recommending State(s) in parentheses and a
``Source of position:`` line; the themes cell lists themes, SDGs and affected persons one a line.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import docx
from docx.opc.exceptions import PackageNotFoundError

from coalition.core.archives import ArchiveRefused, ZipLimits, open_checked_zip
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
    RowError,
    UnknownPositionError,
    find_territories,
    map_position,
)
from coalition.reviews.reference import SdgRef, ThemeRef, parse_theme_line, resolve_state

__all__ = ["FORMAT", "parse"]

FORMAT = "ohchr_matrix"

_REQUIRED_HEADERS = ("recommendation", "position", "full list of themes")
_PARAGRAPH = re.compile(r"^(?P<number>\d+\.\d+)\.?\s+")
_SOURCE_PREFIX = "source of position:"
# One parenthesised group without nested parentheses, e.g. "(New Zealand; Uruguay)".
_GROUP = re.compile(r"\(([^()]*)\)")
# "UPR of China (3rd Cycle - 31st session)" in the page header (an en dash in the file).
_PAGE_HEADER = re.compile(
    r"UPR of (?P<state>.+?)\s*\(\s*\d+\w*\s+cycle\s*[-\u2013\u2014]\s*"
    r"(?P<session>\d+)\w*\s+session",
    re.IGNORECASE,
)


def _clean(text: str) -> str:
    """NFKC and single spaces: Word cells carry non-breaking and doubled spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@dataclass(slots=True)
class _Attribution:
    text: str
    states: list[str]
    unresolved: list[str]


def _split_names(content: str) -> list[str]:
    # Grouped recommendations use "(New Zealand; Uruguay)"; commas stay, since ISO-style names
    # such as "Korea, Republic of" contain one.
    return [part.strip() for part in content.split(";") if part.strip()]


def _parse_attribution(body: str) -> _Attribution:
    """Split recommendation text from the States that made it.

    Each recommendation, and each part of a grouped one, ends with a run of parenthesised State
    names before ";", "." or the end: "... (Uruguay) (Mali);". Other parentheses belong to the
    text ("(the Paris Principles) (Niger)", "(2016-2020) (Kyrgyzstan)"), so within a run only
    groups that name States count, read backwards until one does not. The very last group of
    the cell is always an attribution: if it names no known State it is reported as unresolved
    rather than silently kept in the text.
    """
    groups = list(_GROUP.finditer(body))
    # Runs of groups separated only by whitespace.
    runs: list[list[re.Match[str]]] = []
    for group in groups:
        if runs and not body[runs[-1][-1].end() : group.start()].strip():
            runs[-1].append(group)
        else:
            runs.append([group])

    states: list[str] = []
    unresolved: list[str] = []
    cut = len(body)
    for run in runs:
        after = body[run[-1].end() :]
        is_final = not after.strip(" \t;.,")
        if not is_final and not re.match(r"\s*[;.]", after):
            continue
        run_states: list[str] = []
        run_unresolved: list[str] = []
        for position, group in enumerate(reversed(run)):
            names = _split_names(group.group(1))
            resolved = [resolve_state(name) for name in names]
            # The cell's last group is an attribution by position, whether or not it resolves.
            if not (any(resolved) or (is_final and position == 0)):
                break
            run_states[:0] = [state.code for state in resolved if state]
            run_unresolved[:0] = [n for n, s in zip(names, resolved, strict=True) if s is None]
            if is_final:
                cut = group.start()
        states.extend(run_states)
        unresolved.extend(run_unresolved)

    text = body[:cut].rstrip(" \t;.,")
    seen: set[str] = set()
    ordered = [code for code in states if not (code in seen or seen.add(code))]
    return _Attribution(text=text, states=ordered, unresolved=unresolved)


def _open(source: str | os.PathLike[str] | bytes | IO[bytes], filename: str,
          limits: ZipLimits | None) -> docx.document.Document:
    """The document, once its parts are known to unpack within `limits` (zip bombs)."""
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as file:
                source = file.read()
        stream = open_checked_zip(source, filename, limits)
        return docx.Document(stream)
    except ArchiveRefused as exc:
        raise ImportFormatError(exc.message) from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFormatError(
            "This is not a Word (.docx) file; expected OHCHR's matrix of recommendations."
        ) from exc


def _header_map(cells: list[str]) -> dict[str, int] | None:
    names = [_clean(cell).casefold() for cell in cells]
    if len(names) < len(_REQUIRED_HEADERS):
        return None
    columns = {}
    for wanted in _REQUIRED_HEADERS:
        if wanted not in names:
            return None
        columns[wanted] = names.index(wanted)
    return columns


def _review_from_page_header(document: docx.document.Document) -> tuple[str | None, int | None]:
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            match = _PAGE_HEADER.search(_clean(paragraph.text))
            if match:
                state = resolve_state(match["state"])
                return (state.code if state else None), int(match["session"])
    return None, None


def _parse_themes_cell(text: str, record: ParsedRecommendation) -> list[str]:
    """Fill themes, SDGs and affected persons; return lines that were none of those."""
    leftovers = []
    in_persons = False
    for raw in text.splitlines():
        line = _clean(raw)
        if not line:
            continue
        if line.casefold().rstrip(":") == "affected persons":
            in_persons = True
            continue
        if in_persons and line.startswith("-"):
            person = line.lstrip("-").strip()
            if person and person not in record.affected_persons:
                record.affected_persons.append(person)
            continue
        parsed = parse_theme_line(line)
        if isinstance(parsed, SdgRef):
            if parsed.number not in record.sdgs:
                record.sdgs.append(parsed.number)
        elif isinstance(parsed, ThemeRef):
            if parsed.code not in record.themes:
                record.themes.append(parsed.code)
        else:
            leftovers.append(line)
    return leftovers


def parse(source: str | os.PathLike[str] | bytes | IO[bytes], filename: str = "The file",
          limits: ZipLimits | None = None) -> ParseResult:
    """Parse an OHCHR matrix from a path, bytes or a binary file object.

    The zip is checked against `limits` (default ZipLimits()) before anything is unpacked;
    `filename` names the file in that message.

    Raises ImportFormatError if the file is not a .docx or holds no matrix table; problems with
    single rows are returned as RowErrors so the user sees all of them at once.
    """
    document = _open(source, filename, limits)
    table = None
    columns: dict[str, int] = {}
    for candidate in document.tables:
        if not candidate.rows:
            continue
        found = _header_map([cell.text for cell in candidate.rows[0].cells])
        if found is not None:
            table, columns = candidate, found
            break
    if table is None:
        raise ImportFormatError(
            "No table with the header 'Recommendation | Position | Full list of themes' was "
            "found; is this OHCHR's matrix of recommendations?"
        )

    state_code, session = _review_from_page_header(document)
    result = ParseResult(records=[], errors=[], skipped=[], format=FORMAT)
    if session is None:
        result.warnings.append((0, "page header names no review; session and State unknown"))
    seen_paragraphs: dict[str, int] = {}

    for row_number, row in enumerate(table.rows, start=1):
        if row_number == 1:
            continue
        result.rows_total += 1
        cells = [cell.text for cell in row.cells]
        cleaned = [_clean(cell) for cell in cells]
        if not any(cleaned):
            result.skipped.append((row_number, "empty row"))
            continue
        if all(cell.casefold().startswith("theme:") for cell in cleaned):
            result.skipped.append((row_number, f"section heading: {cleaned[0]}"))
            continue
        if len(cells) <= max(columns.values()):
            result.errors.append(RowError(row_number, "row has fewer cells than the header"))
            continue

        recommendation_lines = []
        position_source = None
        for raw in cells[columns["recommendation"]].splitlines():
            line = _clean(raw)
            if line.casefold().startswith(_SOURCE_PREFIX):
                position_source = line[len(_SOURCE_PREFIX) :].strip() or None
            elif line:
                recommendation_lines.append(line)
        body = " ".join(recommendation_lines)
        paragraph = None
        match = _PARAGRAPH.match(body)
        if match:
            paragraph = match["number"]
            body = body[match.end() :]

        if paragraph is not None and paragraph in seen_paragraphs:
            result.errors.append(
                RowError(
                    row_number,
                    f"paragraph {paragraph} already appears in row {seen_paragraphs[paragraph]}",
                )
            )
            continue

        try:
            position, words = map_position(cleaned[columns["position"]])
        except UnknownPositionError as exc:
            result.errors.append(RowError(row_number, str(exc)))
            continue

        attribution = _parse_attribution(body)
        if not attribution.text:
            result.errors.append(RowError(row_number, "recommendation text is empty"))
            continue
        if not attribution.states and not attribution.unresolved:
            result.errors.append(
                RowError(row_number, "no recommending State in parentheses after the text")
            )
            continue
        if paragraph is not None:
            seen_paragraphs[paragraph] = row_number

        record = ParsedRecommendation(
            source_line=row_number,
            paragraph=paragraph,
            text=attribution.text,
            recommending_states=attribution.states,
            unresolved_states=attribution.unresolved,
            position=position,
            position_words=words,
            position_source=position_source,
            territories=find_territories(body),
            session=session,
            state_under_review=state_code,
        )
        for line in _parse_themes_cell(cells[columns["full list of themes"]], record):
            result.warnings.append((row_number, f"unrecognised line in themes cell: {line!r}"))
        if attribution.unresolved:
            names = ", ".join(attribution.unresolved)
            result.warnings.append((row_number, f"recommending State(s) not recognised: {names}"))
        result.records.append(record)

    return result
