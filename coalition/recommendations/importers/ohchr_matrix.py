"""Read OHCHR's "Matrix of recommendations" (.docx), one file per State per cycle.

The matrix is one Word table whose header row says which of OHCHR's layouts it is (the file
name never decides):

- 3rd cycle: ``Recommendation | Position | Full list of themes | Assessment/comments on level of
  implementation``; ``Theme: <code> <name>`` section headings; the recommendation cell holds the
  paragraph number, the text, the recommending State(s) in parentheses and a
  ``Source of position:`` line; the themes cell lists themes, SDGs and affected persons.
- older layout (2nd cycle, and many States' matrices since): ``Recommendation | Recommending
  state/s | Position | Full list of rights/affected persons``; ``Right or area: 2.1. ...``
  headings; the recommending States have a column of their own, which is what is read; the
  rights cell lists the old numbered "rights or areas" (``12.4. Death penalty``).
- 4th cycle "Thematic list": ``Recommendation and recommending State | Position of the State
  under review | Human rights themes and groups of persons | Relevant SDGs``; ``Theme: ...``
  headings; themes and groups of persons in one column, SDGs in another.

The page header names the review: ``UPR of China (3rd Cycle \u2013 31st session)`` or, in the older
layout, ``UPR of Egypt - Second Cycle`` (a cycle, no session). All cell and header text is read
as Word shows it with tracked changes accepted (see ``word``).
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from flask_babel import gettext as _

from coalition.core.archives import ArchiveRefused, ZipLimits, open_checked_zip
from coalition.recommendations.importers import word
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
    RowError,
    UnknownPositionError,
    find_territories,
    map_position,
)
from coalition.reviews.reference import (
    SdgRef,
    StateRef,
    ThemeRef,
    cycle_for_session,
    load_states,
    load_themes,
    parse_theme_line,
    resolve_state,
)

__all__ = ["FORMAT", "LAYOUTS", "Layout", "parse", "split_state_names"]

FORMAT = "ohchr_matrix"


# --------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """One of OHCHR's matrix layouts, recognised by the header row.

    ``columns`` maps a role ("recommendation", "states", "position", "themes", "sdgs") to the
    header spellings that name it, normalised by ``_header_key``; ``shown`` is the header row
    as printed, for messages.
    """

    name: str
    columns: dict[str, tuple[str, ...]]
    shown: str


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "4th-cycle thematic list",
        {
            "recommendation": ("recommendation and recommending state",
                               "recommendation and recommending states",
                               "recommendations and recommending states"),
            "position": ("position of the state under review", "position"),
            "themes": ("human rights themes and groups of persons",
                       "human rights themes and groups of persons affected"),
            "sdgs": ("relevant sdgs", "relevant sdg", "sdgs"),
        },
        "Recommendation and recommending State | Position of the State under review | "
        "Human rights themes and groups of persons | Relevant SDGs",
    ),
    Layout(
        "older layout with a recommending States column",
        {
            "recommendation": ("recommendation", "recommendations"),
            "states": ("recommending state/s", "recommending states", "recommending state(s)",
                       "recommending state"),
            "position": ("position",),
            "themes": ("full list of rights/affected persons",
                       "full list of rights / affected persons"),
        },
        "Recommendation | Recommending state/s | Position | Full list of rights/affected persons",
    ),
    Layout(
        "3rd-cycle matrix",
        {
            "recommendation": ("recommendation", "recommendations"),
            "position": ("position",),
            "themes": ("full list of themes",),
        },
        "Recommendation | Position | Full list of themes | Assessment/comments on level of "
        "implementation",
    ),
)

# Rows whose non-empty cells all start so are section headings, not recommendations.
_HEADING_PREFIXES = ("theme:", "right or area:")
_PARAGRAPH = re.compile(r"^(?P<number>\d+\.\d+)\.?\s+")
_SOURCE_PREFIX = "source of position:"
_COMMENTS_PREFIX = "comments:"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (.doc) and other OLE files
# A page header is one short line; longer text (a hostile title) is not searched in full.
_HEADER_LINE_LIMIT = 500
_PERSONS_HEADINGS = {"affected persons", "groups of persons", "persons affected",
                     "groups of persons affected"}
# The older layout's numbered "right or area": "12.4. Death penalty", "25. Right to education".
_RIGHT_OR_AREA = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+(?P<name>\D.*)$")
# The 4th cycle's SDG column: "SDG 16 - peace...", "S16 SDG 16 - ...", "Goal 16: ...", "16 - ...".
_SDG_IN_COLUMN = re.compile(
    r"^(?:S\d{1,2}\s+)?(?:SDG|Goal)\s*(?P<a>\d{1,2})\b|^(?P<b>\d{1,2})\s*[-.:\u2013\u2014]\s*\D",
    re.IGNORECASE,
)

# "UPR of China (3rd Cycle - 31st session)"; OHCHR writes an en dash (U+2013) there.
_HEADER_SESSION = re.compile(
    r"UPR of (?P<state>.+?)\s*\(\s*(?P<cycle>\d)\s*\w*\s+cycle\s*[-\u2013\u2014,]\s*"
    r"(?P<session>\d+)\s*\w*\s+session",
    re.IGNORECASE,
)
# "UPR of Egypt - Second Cycle" (the older layout: a cycle but no session).
_HEADER_CYCLE = re.compile(
    r"UPR of (?P<state>.+?)\s*[-\u2013\u2014(]\s*(?P<cycle>first|second|third|fourth|fifth|"
    r"\d)\s*(?:st|nd|rd|th)?\s+cycle\b",
    re.IGNORECASE,
)
_CYCLE_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


def _clean(text: str) -> str:
    """NFKC and single spaces: Word cells carry non-breaking and doubled spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _header_key(text: str) -> str:
    return _clean(text).casefold().strip(" :*")


# --------------------------------------------------------------------------------------------
# States: names with their own parentheses and commas, broken names, runs of groups
# --------------------------------------------------------------------------------------------


def _compact(name: str) -> str:
    """Letters only, accents folded: "Sierra Le one" and "Sierra Leone" give one key."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    return "".join(ch for ch in text if ch.isalpha() and not unicodedata.combining(ch)).casefold()


@cache
def _compact_state_names() -> frozenset[str]:
    """Compact keys of every State's UN name and of its short form before any parenthesis
    ("Bolivia" of "Bolivia (Plurinational State of)")."""
    keys = set()
    for state in load_states():
        keys.add(_compact(state.name))
        keys.add(_compact(state.name.split("(")[0].split(",")[0]))
    return frozenset(keys)


_CONNECTORS = frozenset({"of", "the", "and", "da", "de", "del", "des", "di", "du", "la", "le",
                         "les", "los", "las", "y", "et", "d'", "l'", "al", "el", "&"})


# Words of the instruments and bodies that recommendations name in parentheses, never part of a
# State's name: "(Istanbul Convention)", "(Beijing Platform for Action)", "(Paris Principles)".
_NOT_STATE_WORDS = frozenset({
    "act", "action", "agenda", "agreement", "charter", "code", "commission", "committee",
    "convention", "conventions", "council", "court", "covenant", "declaration", "goal", "goals",
    "guidelines", "initiative", "law", "plan", "platform", "principles", "programme", "protocol",
    "protocols", "rules", "statute", "strategy", "treaty",
})


def _looks_like_state(content: str) -> bool:
    """Whether a parenthesised group is written like a State's name though no State resolves.

    True for names broken by PDF-to-Word conversion ("Sierra Le one": its letters are a State's
    name) and for capitalised names of one to six words without digits or acronyms
    ("Atlantis", "Freedonia"). False for the text's own asides seen in real matrices:
    "(ICPPED)", "(OP-CAT)", "(2016\u20132020)", "(the Paris Principles)", "(No. 29)", and for
    names of instruments and bodies ("(Istanbul Convention)", ``_NOT_STATE_WORDS``).
    """
    if _compact(content) in _compact_state_names():
        return True
    words = _clean(content.replace("(", " ").replace(")", " ")).split()
    if not 1 <= len(words) <= 6 or not words[0][:1].isupper():
        return False
    if any(word_.casefold().strip(",.") in _NOT_STATE_WORDS for word_ in words):
        return False
    for word_ in words:
        if any(ch.isdigit() for ch in word_):
            return False
        letters = [ch for ch in word_ if ch.isalpha()]
        if len(letters) >= 2 and all(ch.isupper() for ch in letters):
            return False  # an acronym: CEDAW, ICCPR-OP2
        if not (word_[:1].isupper() or word_.casefold().rstrip(",") in _CONNECTORS):
            return False
    return True


def split_state_names(content: str) -> list[tuple[str, StateRef | None]]:
    """Split a list of State names and resolve each: ``[(name as written, State or None)]``.

    Names are separated by ";" and newlines, and by "," only where the comma is not part of a
    name: "Korea, Republic of" and "Bolivia, Plurinational State of" stay whole (the longest
    run of up to three comma-separated parts that resolves wins). Parts that resolve neither
    alone nor joined come back with None, so a caller can report them.
    """
    names: list[tuple[str, StateRef | None]] = []
    for piece in re.split(r"[;\n\r]", content):
        piece = _clean(piece).strip(" ,.")
        if not piece:
            continue
        state = resolve_state(piece)
        if state is not None or "," not in piece:
            names.append((piece, state))
            continue
        parts = [part.strip() for part in piece.split(",") if part.strip()]
        start = 0
        while start < len(parts):
            # No UN name holds more than two commas: a window of three parts bounds the work
            # on a hostile cell of thousands of commas.
            for end in range(min(len(parts), start + 3), start, -1):
                joined = ", ".join(parts[start:end])
                state = resolve_state(joined)
                if state is not None:
                    names.append((joined, state))
                    start = end
                    break
            else:
                names.append((parts[start], None))
                start += 1
    return names


def _group_names(content: str) -> list[tuple[str, StateRef | None]]:
    """The States one parenthesised group names ("New Zealand; Uruguay", "Korea, Republic of").

    Commas split the group only if every part then resolves, so an aside such as
    "(2016, 2020)" stays one unresolved name rather than becoming two.
    """
    pieces = split_state_names(content)
    if (len(pieces) > 1 and "," in content and ";" not in content
            and any(state is None for _name, state in pieces)):
        whole = _clean(content).strip(" ,.")
        return [(whole, resolve_state(whole))]
    return pieces


def _top_level_groups(body: str) -> list[tuple[int, int]]:
    """(start, end) of every outermost balanced "(...)" in `body`, in order.

    Nested parentheses stay inside their group ("(Bolivia (Plurinational State of))" is one
    group); a parenthesis without a partner is treated as an ordinary character.
    """
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for index, char in enumerate(body):
        if char == "(":
            stack.append(index)
        elif char == ")" and stack:
            pairs.append((stack.pop(), index + 1))
    pairs.sort()
    outermost: list[tuple[int, int]] = []
    end = -1
    for start, stop in pairs:
        if start >= end:
            outermost.append((start, stop))
            end = stop
    return outermost


def _shorten(name: str, limit: int = 120) -> str:
    """A name as reported back: a hostile cell's "name" of 100,000 characters is cut."""
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


@dataclass(slots=True)
class _Attribution:
    text: str
    states: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def _parse_attribution(body: str) -> _Attribution:
    """Split recommendation text from the States that made it.

    Each recommendation, and each part of a grouped one, ends with a run of parenthesised
    groups separated by whitespace or ";" before ";", "." or the end: "... (Uruguay) (Mali);",
    "... ICC (Chile); (Estonia); (Slovenia);". Groups may nest: "(Bolivia (Plurinational State
    of))". Other parentheses belong to the text ("(the Paris Principles) (Niger)",
    "(2016-2020) (Kyrgyzstan)"), so a run is read backwards while its groups name States. So
    that no State is dropped silently, a group counts as an attribution, resolved or reported
    as unresolved, when it is the cell's last group, is followed by ";" within the final run
    (OHCHR's separator between States), or is written like a State's name
    (``_looks_like_state``). The final run is cut from the text; earlier runs stay in it.
    """
    groups = _top_level_groups(body)
    runs: list[list[tuple[int, int]]] = []
    for group in groups:
        if runs and not body[runs[-1][-1][1] : group[0]].strip(" \t;"):
            runs[-1].append(group)
        else:
            runs.append([group])

    states: list[str] = []
    unresolved: list[str] = []
    cut = len(body)
    for run in runs:
        after = body[run[-1][1] :]
        is_final = not after.strip(" \t;.,")
        if not is_final and not re.match(r"\s*[;.]", after):
            continue
        run_states: list[str] = []
        run_unresolved: list[str] = []
        for index in range(len(run) - 1, -1, -1):
            start, stop = run[index]
            last = index == len(run) - 1
            following = after if last else body[stop : run[index + 1][0]]
            content = body[start + 1 : stop - 1]
            names = _group_names(content)
            resolved = any(state for _name, state in names)
            by_position = is_final and (last or ";" in following)
            if not names or not (resolved or by_position or _looks_like_state(content)):
                break
            run_states[:0] = [state.code for _name, state in names if state]
            run_unresolved[:0] = [_shorten(name) for name, state in names if state is None]
            if is_final:
                cut = start
        states.extend(run_states)
        unresolved.extend(run_unresolved)

    text = body[:cut].rstrip(" \t;.,")
    seen: set[str] = set()
    ordered = [code for code in states if not (code in seen or seen.add(code))]
    return _Attribution(text=text, states=ordered, unresolved=unresolved)


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------


def _open(source: str | os.PathLike[str] | bytes | IO[bytes], filename: str,
          limits: ZipLimits | None) -> docx.document.Document:
    """The document, once its parts are known to unpack within `limits` (zip bombs)."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            source = file.read()
    if isinstance(source, bytes | bytearray):
        head = bytes(source[: len(_OLE)])
    else:
        start = source.tell()
        head = source.read(len(_OLE))
        source.seek(start)
    if head == _OLE:
        raise ImportFormatError(_(
            "This is an old Word 97-2003 (.doc) file: open it in Word, save it as a Word "
            "Document (.docx) and import that."))
    try:
        stream = open_checked_zip(source, filename, limits)
        return docx.Document(stream)
    except ArchiveRefused as exc:
        raise ImportFormatError(exc.message) from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFormatError(_(
            "This is not a Word (.docx) file; expected OHCHR's matrix of recommendations."
        )) from exc


def _match_layout(cells: list[str]) -> tuple[Layout, dict[str, int]] | None:
    names = [_header_key(cell) for cell in cells]
    for layout in LAYOUTS:
        columns: dict[str, int] = {}
        for role, spellings in layout.columns.items():
            index = next((i for i, name in enumerate(names) if name in spellings), None)
            if index is None:
                break
            columns[role] = index
        else:
            if len(set(columns.values())) == len(columns):
                return layout, columns
    return None


def _find_table(document: docx.document.Document) -> tuple[dict[str, int], list[list[str]], int]:
    """The matrix table's columns by role, its rows (cell texts) and its 1-based header row.

    The header is looked for in the first three rows of each table (a title row may come
    first). Raises ImportFormatError naming every header row this importer knows.
    """
    for tbl in word.iter_tables(document.element.body):
        rows: Iterator[Any] = word.iter_rows(tbl)
        texts: list[list[str]] = []
        for tr in rows:
            texts.append(word.row_texts(tr))
            if len(texts) == 3:
                break
        for index, cells in enumerate(texts):
            found = _match_layout(cells)
            if found is not None:
                texts.extend(word.row_texts(tr) for tr in rows)
                return found[1], texts, index + 1
    expected = "; ".join(f"'{layout.shown}' ({layout.name})" for layout in LAYOUTS)
    raise ImportFormatError(_(
        "No table with a known matrix header row was found; is this OHCHR's matrix of "
        "recommendations? Expected one of these header rows: %(expected)s.", expected=expected
    ))


@dataclass(slots=True)
class _Review:
    state: str | None = None
    session: int | None = None
    cycle: int | None = None
    warnings: list[str] = field(default_factory=list)


def _review_from_text(texts: list[str]) -> _Review | None:
    """The review a page header (or title) names, or None if no line names one."""
    for raw in texts:
        for piece in raw[: _HEADER_LINE_LIMIT * 4].split("\t"):
            line = _clean(piece)[:_HEADER_LINE_LIMIT]
            match = _HEADER_SESSION.search(line) or _HEADER_CYCLE.search(line)
            if not match:
                continue
            review = _Review()
            name = match["state"].strip(" -\u2013\u2014")
            state = resolve_state(name)
            if state is None:
                review.warnings.append(_(
                    "the page header names %(name)s, which is not a known State",
                    name=repr(name)))
            else:
                review.state = state.code
            word_ = match["cycle"].casefold()
            review.cycle = int(word_) if word_.isdigit() else _CYCLE_WORDS[word_]
            if "session" in match.groupdict():
                review.session = int(match["session"])
                try:
                    by_session = cycle_for_session(review.session)
                except ValueError:
                    review.warnings.append(_(
                        "the page header's session %(session)s is in no known UPR cycle",
                        session=review.session))
                else:
                    if by_session != review.cycle:
                        review.warnings.append(_(
                            "the page header says cycle %(cycle)s but session %(session)s "
                            "belongs to cycle %(session_cycle)s", cycle=review.cycle,
                            session=review.session, session_cycle=by_session))
                        review.cycle = by_session
            else:
                review.warnings.append(_(
                    "the page header names cycle %(cycle)s but no session",
                    cycle=review.cycle))
            return review
    return None


def _review(document: docx.document.Document) -> _Review:
    found = _review_from_text(word.header_texts(document))
    if found is None:
        found = _review_from_text(word.paragraph_texts(document.element.body))
    if found is None:
        return _Review(warnings=[_("page header names no review; session and State unknown")])
    return found


# --------------------------------------------------------------------------------------------
# Themes, rights or areas, SDGs, affected persons
# --------------------------------------------------------------------------------------------


@cache
def _theme_codes_by_name() -> dict[str, str]:
    return {_clean(theme.name).casefold(): theme.code for theme in load_themes()}


def _parse_themes_cell(text: str, record: ParsedRecommendation) -> list[str]:
    """Fill themes, SDGs, affected persons (and the older layout's rights or areas); return the
    lines that were none of those.

    A numbered right or area ("12.4. Death penalty") becomes the OHCHR theme of the same name
    (themes.csv) when there is one, and otherwise an issue under its own name, so no
    classification is lost.
    """
    leftovers = []
    in_persons = False
    for raw in text.splitlines():
        line = _clean(raw)
        if not line:
            continue
        if line.casefold().rstrip(":").strip() in _PERSONS_HEADINGS:
            in_persons = True
            continue
        parsed = parse_theme_line(line)
        if isinstance(parsed, SdgRef):
            if parsed.number not in record.sdgs:
                record.sdgs.append(parsed.number)
            continue
        if isinstance(parsed, ThemeRef):
            if parsed.code not in record.themes:
                record.themes.append(parsed.code)
            continue
        area = _RIGHT_OR_AREA.match(line)
        if area and not in_persons:
            name = area["name"].strip()
            code = _theme_codes_by_name().get(name.casefold())
            if code is not None:
                if code not in record.themes:
                    record.themes.append(code)
            elif name not in record.issues:
                record.issues.append(name)
            continue
        if in_persons:
            person = line.lstrip("-\u2013\u2022 ").strip()
            if person and person not in record.affected_persons:
                record.affected_persons.append(person)
            continue
        leftovers.append(line)
    return leftovers


def _parse_sdgs_cell(text: str, record: ParsedRecommendation) -> list[str]:
    """Fill SDGs from the 4th cycle's "Relevant SDGs" column; return unread lines."""
    leftovers = []
    for raw in text.splitlines():
        line = _clean(raw)
        if not line:
            continue
        match = _SDG_IN_COLUMN.match(line)
        number = int(match["a"] or match["b"]) if match else 0
        if 1 <= number <= 17:
            if number not in record.sdgs:
                record.sdgs.append(number)
        else:
            leftovers.append(line)
    return leftovers


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _is_heading(cleaned: list[str]) -> bool:
    filled = [cell.casefold() for cell in cleaned if cell]
    return bool(filled) and all(cell.startswith(_HEADING_PREFIXES) for cell in filled)


def parse(source: str | os.PathLike[str] | bytes | IO[bytes], filename: str = "The file",
          limits: ZipLimits | None = None) -> ParseResult:
    """Parse an OHCHR matrix, in any of its ``LAYOUTS``, from a path, bytes or a binary file.

    The zip is checked against `limits` (default ZipLimits()) before anything is unpacked;
    `filename` names the file in that message. Row numbers (``source_line``) count the
    table's rows from 1, the header included, as Word shows them.

    Raises ImportFormatError if the file is not a .docx or holds no table with a known header
    row; problems with single rows are returned as RowErrors so the user sees all of them at
    once. A recommending State that does not resolve is kept in ``unresolved_states`` (the
    import service refuses such rows), never dropped.
    """
    document = _open(source, filename, limits)
    columns, rows, header_row = _find_table(document)
    review = _review(document)
    result = ParseResult(records=[], errors=[], skipped=[], format=FORMAT)
    result.warnings.extend((0, message) for message in review.warnings)
    seen_paragraphs: dict[str, int] = {}
    width = max(columns.values()) + 1

    for row_number, cells in enumerate(rows, start=1):
        if row_number <= header_row:
            continue
        result.rows_total += 1
        cleaned = [_clean(cell) for cell in cells]
        if not any(cleaned):
            result.skipped.append((row_number, _("empty row")))
            continue
        if _is_heading(cleaned):
            result.skipped.append((row_number, _("section heading: %(heading)s",
                                                 heading=cleaned[0])))
            continue
        if len(cells) < width:
            result.errors.append(RowError(row_number,
                                          _("row has fewer cells than the header")))
            continue
        record = _parse_row(row_number, cells, cleaned, columns, review, result)
        if record is None:
            continue
        if record.paragraph is not None:
            if record.paragraph in seen_paragraphs:
                result.errors.append(RowError(
                    row_number, _("paragraph %(paragraph)s already appears in row %(row)s",
                                  paragraph=record.paragraph,
                                  row=seen_paragraphs[record.paragraph])))
                continue
            seen_paragraphs[record.paragraph] = row_number
        result.records.append(record)
    return result


def _parse_row(row_number: int, cells: list[str], cleaned: list[str], columns: dict[str, int],
               review: _Review, result: ParseResult) -> ParsedRecommendation | None:
    """One recommendation row, or None after adding its RowError to `result`."""
    recommendation_lines = []
    position_source = None
    for raw in cells[columns["recommendation"]].splitlines():
        line = _clean(raw)
        if line.casefold().startswith(_SOURCE_PREFIX):
            position_source = line[len(_SOURCE_PREFIX) :].strip() or None
        elif line.casefold().startswith(_COMMENTS_PREFIX) and recommendation_lines:
            # OHCHR's note on where the position comes from, in place of a "Source of
            # position" line (Egypt 2014, 166.16: "Comments: Information sent in a post Add.1
            # letter"): it is the position's source, not the recommendation's text.
            position_source = line[len(_COMMENTS_PREFIX) :].strip() or position_source
        elif line:
            recommendation_lines.append(line)
    body = " ".join(recommendation_lines)
    paragraph = None
    match = _PARAGRAPH.match(body)
    if match:
        paragraph = match["number"]
        body = body[match.end() :]

    try:
        position, words = map_position(cleaned[columns["position"]])
    except UnknownPositionError as exc:
        result.errors.append(RowError(row_number, str(exc)))
        return None

    attribution = _parse_attribution(body)
    if not attribution.text:
        result.errors.append(RowError(row_number, _("recommendation text is empty")))
        return None
    states, unresolved = attribution.states, attribution.unresolved
    if "states" in columns:
        states, unresolved = _states_from_column(row_number, cells[columns["states"]],
                                                 attribution, result)
    if not states and not unresolved:
        result.errors.append(RowError(row_number, _(
            "no recommending State in the recommending States column or in parentheses "
            "after the text") if "states" in columns else _(
            "no recommending State in parentheses after the text")))
        return None

    record = ParsedRecommendation(
        source_line=row_number,
        paragraph=paragraph,
        text=attribution.text,
        recommending_states=states,
        unresolved_states=unresolved,
        position=position,
        position_words=words,
        position_source=position_source,
        territories=find_territories(body),
        session=review.session,
        cycle=review.cycle,
        state_under_review=review.state,
    )
    for line in _parse_themes_cell(cells[columns["themes"]], record):
        result.warnings.append((row_number, _("unrecognised line in themes cell: %(line)s",
                                              line=repr(line))))
    if "sdgs" in columns:
        for line in _parse_sdgs_cell(cells[columns["sdgs"]], record):
            result.warnings.append((row_number, _("unrecognised line in SDGs cell: %(line)s",
                                                  line=repr(line))))
    if unresolved:
        names = ", ".join(unresolved)
        result.warnings.append((row_number, _("recommending State(s) not recognised: "
                                              "%(names)s", names=names)))
    return record


def _states_from_column(row_number: int, cell: str, attribution: _Attribution,
                        result: ParseResult) -> tuple[list[str], list[str]]:
    """The older layout's recommending States: the column is the source; the text's own
    groups are only compared with it (a difference is a warning) or used if it is empty."""
    names = split_state_names(cell)
    if not names:
        if attribution.states or attribution.unresolved:
            result.warnings.append(
                (row_number, _("the recommending States column is empty; States read from "
                               "the parentheses after the text")))
        return attribution.states, attribution.unresolved
    states: list[str] = []
    for _name, state in names:
        if state is not None and state.code not in states:
            states.append(state.code)
    unresolved = [_shorten(name) for name, state in names if state is None]
    in_text = set(attribution.states)
    if in_text and not unresolved and in_text != set(states):
        result.warnings.append((
            row_number,
            _("the States after the text (%(in_text)s) differ from the recommending States "
              "column (%(in_column)s); the column is used",
              in_text=", ".join(attribution.states), in_column=", ".join(states))))
    return states, unresolved
