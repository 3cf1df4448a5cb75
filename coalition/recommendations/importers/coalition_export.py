"""Read this platform's own export back: CSV or .xlsx, or the Frictionless data package (zip).

An export names its reviews in its own columns (``review`` "chn-3", ``state_under_review_code``,
``cycle``, ``session``, ``review_date``, ``symbol``), so it re-imports into an empty database
with no other argument, and gives the same recommendations, paragraphs, positions, States,
themes, SDGs, affected persons, territories and words (issue 10). The columns are those of
coalition.exports.columns (RECOMMENDATION_COLUMNS), matched by name in any order; a file may
lack the optional ones. Conventions read:

- multi-valued cells joined by SEPARATOR ("|"); an empty cell is no value;
- ``themes``: OHCHR themes as "CODE Name" ("A12 Acceptance of international norms"), or the code
  alone; ``issues``: UPR Info's issue names;
- ``recommending_state_code`` (ISO alpha-3) wins over the names in ``recommending_state``;
- ``territories``, when the column is there, is taken as written (an empty cell: none); without
  it, territories are found in the text as other importers do;
- the long variant (one row per recommendation and recommending State): rows with the same
  ``recommendation_id`` are one recommendation; without that column, rows of the same review
  with the same paragraph (or, without one, the same kind, position and text) are.

A data package is a zip with ``datapackage.json``: its CSV resource is read (the one named
"recommendations", else the first CSV). Every data row is accounted for: a recommendation,
merged into one, skipped (blank) or a RowError naming the problem (an unknown position, State
code, theme, SDG or territory; a malformed number or date), so the service imports all or
nothing.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import posixpath
import re
import zipfile
from collections.abc import Callable
from datetime import date
from typing import IO

from flask_babel import gettext as _

from coalition.core.archives import ArchiveRefused, ZipLimits, open_checked_zip
from coalition.exports.columns import COLUMN_NAMES, SEPARATOR
from coalition.recommendations.importers import tabular
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
    ReviewDetails,
    RowError,
    UnknownPositionError,
    find_territories,
    map_position,
)
from coalition.recommendations.importers.upr_info import text_key
from coalition.reviews import reference

__all__ = ["FORMAT", "is_export_header", "is_package", "package_csv", "parse"]

FORMAT = "coalition_export"
# Every column by its own name (normalised when matched: "State under review code" is read).
COLUMNS: dict[str, tuple[str, ...]] = {name: (name,) for name in COLUMN_NAMES}
DESCRIPTOR = "datapackage.json"
MAX_DESCRIPTOR_BYTES = 10 * 1024 * 1024
TERRITORY_NAMES = ("Hong Kong", "Macao")  # recommendations.models.TERRITORIES

_SLUG = re.compile(r"^([A-Za-z]{3})-(\d{1,2})$")
_THEME_CODE = re.compile(r"^(?:[A-Z]\d{1,3}|S)$")
_KINDS = ("recommendation", "pledge")


def is_export_header(labels: set[str]) -> bool:
    """Whether normalised header labels are this platform's export: the recommendation's text
    and what names its review or its identifier ("recommendation id", "review", or "state under
    review code"); an Uwazi export has the text but none of those."""
    return "recommendation" in labels and bool(
        labels & {"recommendation id", "review", "state under review code"})


def is_package(names: list[str]) -> bool:
    """Whether a zip's part names are a data package's (it holds datapackage.json)."""
    return any(n == DESCRIPTOR or n.endswith("/" + DESCRIPTOR) for n in names)


def package_csv(data: bytes, filename: str = "The file",
                limits: ZipLimits | None = None) -> bytes:
    """The CSV resource of a data package zip (checked against `limits`, as spreadsheets are,
    before anything is unpacked). Raises ImportFormatError for a damaged or refused zip, a
    descriptor that is not JSON, or one naming no CSV inside the zip."""
    try:
        stream = open_checked_zip(data, filename, (limits or ZipLimits()).streamed())
    except ArchiveRefused as exc:
        raise ImportFormatError(exc.message) from exc
    except zipfile.BadZipFile as exc:
        raise ImportFormatError(_("%(filename)s is not a readable zip archive.",
                                  filename=filename)) from exc
    with zipfile.ZipFile(stream) as archive:
        names = archive.namelist()
        found = sorted((n for n in names if n == DESCRIPTOR or n.endswith("/" + DESCRIPTOR)),
                       key=len)
        if not found:
            raise ImportFormatError(_("This zip archive is not a data package: it has no "
                                      "datapackage.json."))
        info = archive.getinfo(found[0])
        try:
            if info.file_size > MAX_DESCRIPTOR_BYTES:
                raise ValueError("too large")
            descriptor = json.loads(archive.read(info).decode("utf-8-sig"))
            resources = descriptor["resources"]
            if not isinstance(resources, list):
                raise TypeError("resources is not a list")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ImportFormatError(_("The data package's datapackage.json is not readable: "
                                      "%(error)s.", error=exc)) from exc
        base = posixpath.dirname(found[0])
        candidates = [r for r in resources if isinstance(r, dict) and isinstance(
            r.get("path"), str) and (r.get("format") == "csv" or r["path"].endswith(".csv"))]
        candidates.sort(key=lambda r: r.get("name") != "recommendations")
        if not candidates:
            raise ImportFormatError(_("The data package has no CSV resource to import."))
        path = candidates[0]["path"]
        inside = posixpath.normpath(posixpath.join(base, path))
        if "://" in path or path.startswith("/") or inside.startswith("../"):
            raise ImportFormatError(_("The data package's resource %(path)s is not inside "
                                      "the zip.", path=repr(path)))
        if inside not in names:
            raise ImportFormatError(_("The data package names %(path)s, which the zip does "
                                      "not hold.", path=repr(path)))
        return archive.read(inside)


def _values(cell: str) -> list[str]:
    """The values of a multi-valued cell, in order, without repeats or blanks."""
    items: dict[str, None] = {}
    for part in cell.split(SEPARATOR):
        part = part.strip()
        if part:
            items.setdefault(part, None)
    return list(items)


class _Bad(Exception):
    """A cell this importer cannot read; the row becomes a RowError with this message."""


def _integer(value: str, what: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not value:
        return None
    if value.endswith(".0"):  # a spreadsheet's float
        value = value[:-2]
    if not value.isdigit() or not low <= int(value) <= high:
        raise _Bad(_("%(what)s must be a number from %(low)s to %(high)s, not %(value)s",
                     what=what, low=low, high=high, value=repr(value)))
    return int(value)


def _date(value: str, column: str) -> date | None:
    """An ISO date cell (a date-time's date part is taken); empty gives None."""
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad(_("%(column)s must be a date as 2018-11-06, not %(value)s", column=column,
                     value=repr(text))) from None


def _theme_code(value: str) -> str:
    """The OHCHR code of "A12 Acceptance of international norms", "A12", or a theme's name."""
    from coalition.recommendations.importers.uhri import theme_code

    if _THEME_CODE.match(value):
        return value
    head = value.split(maxsplit=1)[0]
    if _THEME_CODE.match(head):
        return head
    code = theme_code(value)
    if code is None:
        raise _Bad(_("theme %(theme)s is not an OHCHR theme (a code and a name, e.g. \"A12 "
                     "Acceptance of international norms\"); UPR Info's issues go in the issues "
                     "column", theme=repr(value)))
    return code


def _sdg(value: str) -> int:
    from coalition.recommendations.importers.uhri import parse_sdg

    number = int(value) if value.isdigit() else parse_sdg(value)
    if number is None or not 1 <= number <= 17:
        raise _Bad(_("%(sdg)s is not a Sustainable Development Goal (1 to 17)",
                     sdg=repr(value)))
    return number


def _territory(value: str) -> str:
    for name in TERRITORY_NAMES:
        if tabular.normalise_label(name) == tabular.normalise_label(value):
            return name
    raise _Bad(_("unknown territory %(name)s (known: %(known)s)", name=repr(value),
                 known=", ".join(TERRITORY_NAMES)))


def _state_code(code: str, codes: set[str], what: str) -> str:
    upper = code.strip().upper()
    if upper not in codes:
        raise _Bad(_("unknown %(what)s code %(code)s", what=what, code=repr(code.strip())))
    return upper


class _Reader:
    """Reads one row into a ParsedRecommendation (or raises _Bad)."""

    def __init__(self, columns: dict[str, int], result: ParseResult, excel: bool = False
                 ) -> None:
        self.columns = columns
        read = tabular.cell_reader(columns)
        self.cell = (lambda cells, name: unguard(read(cells, name))) if excel else read
        self.result = result
        self.codes = {ref.code for ref in reference.load_states()}
        self.review_lines: dict[tuple[str, int], int] = {}

    def review(self, line: int, cells: list[str]) -> tuple[str, int, int | None]:
        """(State code, cycle, session) of the row's review; its details noted once."""
        cell = self.cell
        slug = cell(cells, "review").strip()
        code = cell(cells, "state_under_review_code").strip()
        name = cell(cells, "state_under_review").strip()
        cycle = _integer(cell(cells, "cycle"), "cycle", 1, 9)
        session = _integer(cell(cells, "session"), "session", 1, 999)
        if slug:
            match = _SLUG.match(slug)
            if match is None:
                raise _Bad(_("%(review)s is not a review: the State's three-letter code and "
                             "the cycle, e.g. chn-3", review=repr(slug)))
            slug_code, slug_cycle = match.group(1).upper(), int(match.group(2))
            if code and code.upper() != slug_code:
                raise _Bad(_("review %(review)s is not of the State under review %(code)s",
                             review=slug, code=code))
            if cycle is not None and cycle != slug_cycle:
                raise _Bad(_("review %(review)s is not of cycle %(cycle)s", review=slug,
                             cycle=cycle))
            code, cycle = code or slug_code, slug_cycle
        if not code and name:
            state = reference.resolve_state(name)
            if state is None:
                raise _Bad(_("unknown State under review %(name)s", name=repr(name)))
            code = state.code
        if not code:
            raise _Bad(_("the row does not name its review (review, or "
                         "state_under_review_code and cycle)"))
        code = _state_code(code, self.codes, _("State under review"))
        if session is not None:
            try:
                session_cycle = reference.cycle_for_session(session)
            except ValueError:
                session_cycle = None
            if cycle is None:
                cycle = session_cycle
            elif session_cycle is not None and session_cycle != cycle:
                raise _Bad(_("session %(session)s is in cycle %(expected)s, not %(cycle)s",
                             session=session, expected=session_cycle, cycle=cycle))
        if cycle is None:
            raise _Bad(_("the row does not name its review's cycle"))
        review_date = _date(cell(cells, "review_date"), "review_date")
        midterm_due = _date(cell(cells, "midterm_due"), "midterm_due")
        symbol = " ".join(cell(cells, "symbol").split())[:40] or None
        responses = " ".join(cell(cells, "responses_symbol").split())[:40] or None
        details = ReviewDetails(session=session, review_date=review_date, report_symbol=symbol,
                                responses_symbol=responses, midterm_due=midterm_due)
        key = (code, cycle)
        known = self.result.reviews.get(key)
        if known is None:
            self.result.reviews[key] = details
            self.review_lines[key] = line
        elif known != details and any((session, review_date, symbol, responses, midterm_due)):
            self.result.warnings.append((line, _(
                "the review's session, date or symbol differs from line %(line)s; kept those "
                "of line %(line)s", line=self.review_lines[key])))
        return code, cycle, session

    def record(self, line: int, cells: list[str]) -> ParsedRecommendation:
        cell = self.cell
        code, cycle, session = self.review(line, cells)
        text = cell(cells, "recommendation").strip()
        if not text:
            raise _Bad(_("recommendation text is empty"))
        kind = cell(cells, "kind").strip().lower() or "recommendation"
        if kind not in _KINDS:
            raise _Bad(_("kind must be recommendation or pledge, not %(value)s",
                         value=repr(kind)))
        response = cell(cells, "response").strip()
        try:
            position, _words = map_position(response.replace("_", " "))
        except UnknownPositionError:
            raise _Bad(_("unknown position %(words)s (supported, supported_in_part, noted or "
                         "pending)", words=repr(response))) from None
        states: list[str] = []
        codes = _values(cell(cells, "recommending_state_code"))
        if codes:
            for value in codes:
                state = _state_code(value, self.codes, _("recommending State"))
                if state not in states:
                    states.append(state)
        else:
            for name in _values(cell(cells, "recommending_state")):
                ref = reference.resolve_state(name)
                if ref is None:
                    raise _Bad(_("unknown recommending State %(name)s", name=repr(name)))
                if ref.code not in states:
                    states.append(ref.code)
        themes: list[str] = []
        sdgs: list[int] = []
        for value in _values(cell(cells, "themes")):
            theme = _theme_code(value)
            if theme not in themes:
                themes.append(theme)
        for value in _values(cell(cells, "sdgs")):
            number = _sdg(value)
            if number not in sdgs:
                sdgs.append(number)
        if "territories" in self.columns:
            territories = list(dict.fromkeys(_territory(v)
                                             for v in _values(cell(cells, "territories"))))
        else:
            territories = find_territories(text)
        paragraph = " ".join(cell(cells, "paragraph").split())[:20] or None
        return ParsedRecommendation(
            source_line=line,
            paragraph=paragraph,
            text=text,
            recommending_states=states,
            position=position,
            position_words=cell(cells, "response_words").strip(),
            position_source=" ".join(cell(cells, "response_source").split()) or None,
            themes=themes,
            sdgs=sdgs,
            affected_persons=_values(cell(cells, "affected_persons")),
            action_category=_integer(cell(cells, "action_category"), "action_category", 1, 5),
            issues=_values(cell(cells, "issues")),
            territories=territories,
            session=session,
            cycle=cycle,
            state_under_review=code,
            kind=kind,  # type: ignore[arg-type]
            uhri_annotation_id=cell(cells, "annotation_id").strip()[:64] or None,
            upr_info_id=cell(cells, "upr_info_id").strip()[:64] or None,
        )


def _identity(rec: ParsedRecommendation, rec_id: str) -> tuple[object, ...]:
    """What rows of one recommendation share (the long variant has a row per State)."""
    if rec_id:
        return ("id", rec_id)
    review = (rec.state_under_review, rec.cycle)
    if rec.paragraph:
        return (*review, "paragraph", rec.paragraph)
    digest = hashlib.blake2b(text_key(rec.text).encode(), digest_size=16).digest()
    return (*review, "text", rec.kind, rec.position, digest)


def unguard(cell: str) -> str:
    """A cell of the "for Excel" CSV as it was before the export guarded it against formulas
    (coalition.exports.services.excel_guard): one leading apostrophe removed."""
    return cell[1:] if cell.startswith("'") else cell


def parse(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    progress: Callable[[int], None] | None = None,
    filename: str = "The file",
    limits: ZipLimits | None = None,
) -> ParseResult:
    """Parse an export of this platform (CSV, .xlsx or data package zip) from bytes, a binary
    file object or a path.

    Raises ImportFormatError for an unreadable file, a zip that is not a data package, or a
    header without the recommendation column or any column naming the review. Every data row
    is then accounted for: a recommendation, merged into one (long variant), skipped (blank)
    or a RowError with its line and the problem.
    """
    data = tabular.read_bytes(source)
    if data.startswith(tabular.ZIP_MAGIC) and is_package(tabular.zip_names(data)):
        data = package_csv(data, filename, limits)
    # The "for Excel" CSV (and only it) starts with a UTF-8 byte order mark and has its cells
    # guarded against formulas.
    excel = data.startswith(codecs.BOM_UTF8)
    table = tabular.read_table(data, filename, limits)
    what = _("an export of this platform")
    columns = tabular.match_columns(table.header, COLUMNS, ("recommendation",), what)
    if not {"review", "state_under_review_code", "state_under_review"} & set(columns):
        raise ImportFormatError(_("Not %(what)s: missing column(s) %(columns)s.", what=what,
                                  columns="review"))
    result = ParseResult(records=[], errors=[], skipped=[], format=FORMAT,
                         encoding=table.encoding, newline=table.newline)
    result.warnings.extend((0, note) for note in table.notes)
    reader = _Reader(columns, result, excel=excel)
    cell = reader.cell
    seen: dict[tuple[object, ...], ParsedRecommendation] = {}
    paragraphs: dict[tuple[object, ...], int] = {}

    for line, cells in tabular.data_rows(table, result, progress):
        try:
            rec = reader.record(line, cells)
        except _Bad as bad:
            result.errors.append(RowError(line, str(bad)))
            continue
        rec_id = cell(cells, "recommendation_id").strip()
        identity = _identity(rec, rec_id)
        existing = seen.get(identity)
        if existing is not None:
            if (existing.state_under_review, existing.cycle, existing.paragraph,
                    text_key(existing.text)) != (rec.state_under_review, rec.cycle,
                                                 rec.paragraph, text_key(rec.text)):
                result.errors.append(RowError(line, _(
                    "recommendation_id %(id)s is on line %(line)s for another recommendation",
                    id=rec_id, line=existing.source_line)))
                continue
            result.rows_merged += 1
            for state in rec.recommending_states:
                if state not in existing.recommending_states:
                    existing.recommending_states.append(state)
            if (rec.position, rec.position_words) != (existing.position,
                                                      existing.position_words):
                result.warnings.append((line, _(
                    "response %(words)s differs from %(kept)s on line %(line)s; kept the first",
                    words=repr(rec.position_words or rec.position),
                    kept=repr(existing.position_words or existing.position),
                    line=existing.source_line)))
            continue
        if rec.paragraph:
            where = (rec.state_under_review, rec.cycle, rec.paragraph)
            first = paragraphs.setdefault(where, line)
            if first != line:
                result.errors.append(RowError(line, _(
                    "paragraph %(paragraph)s of the review is also on line %(line)s",
                    paragraph=rec.paragraph, line=first)))
                continue
        seen[identity] = rec
        result.records.append(rec)

    # The long variant (rows merged): as UPR Info's export, a re-import adds the States of its
    # rows and never removes one, so an excerpt of the rows takes nothing away.
    result.states_per_row = result.rows_merged > 0
    if progress is not None:
        progress(result.rows_total)
    return result
