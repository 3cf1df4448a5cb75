"""Exports of exactly what the tracker shows: rows read from the database in batches, and
writers that turn them into CSV, XLSX or JSON Lines bytes as they come (issue 10).

Row sources (generators of dicts whose keys are a columns list's names, in its order):
- `recommendation_rows(filters, reader, long=False)`: one row per recommendation matching the
  tracker filters (or, `long`, per recommendation and recommending State);
- `response_rows(filters, reader)`: one row per government response to those recommendations;
- `assessment_rows(filters, reader)`: one row per assessment of them that `reader` may read.

Memory stays flat in the number of rows: the main SELECT is streamed (`yield_per`, a server-side
cursor on PostgreSQL) BATCH rows at a time, and each batch's States, themes, SDGs, affected
persons, territories and latest visible assessment are read by a fixed number of statements
(LINK_QUERIES) over that batch's ids. Values keep their types: int, `date`, `datetime`, str,
None for empty, a list for a multi-valued column.

Writers (`write_csv`, `write_xlsx`, `write_jsonl`) take such rows and yield `bytes`; `export`
puts a source and a writer together from the names the web page and the CLI use.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ARRAY, Integer, Select, and_, any_, cast, func, literal, select
from werkzeug.datastructures import MultiDict

from coalition.access import tracker_audience, visible_assessments
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.exports.columns import (
    ASSESSMENT_COLUMNS,
    RECOMMENDATION_COLUMNS,
    RESPONSE_COLUMNS,
    SEPARATOR,
    ExportColumn,
)
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations import tracker
from coalition.recommendations.models import (
    Assessment,
    Recommendation,
    RecommendationTerritory,
    Response,
    recommendation_affected,
    recommendation_sdg,
    recommendation_theme,
    recommending_state,
)
from coalition.recommendations.tracker import TrackerFilters
from coalition.reviews.models import AffectedGroup, Review, State, Theme

BATCH = 1000  # rows per batch: ids in one IN (...) list, rows held at once
LINK_QUERIES = 6  # statements per batch of recommendations (States, themes, SDGs, ...)
CSV_FLUSH_ROWS = 200  # rows per chunk of bytes a CSV / JSON Lines writer yields
XLSX_CHUNK = 64 * 1024  # bytes per chunk of a finished XLSX file
BOM = "\ufeff".encode()

# The names the web page and the CLI use: a table and a format.
TABLES = ("recommendations", "responses", "assessments")
FORMATS = ("csv", "excel", "xlsx", "jsonl", "datapackage")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "excel": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/jsonl; charset=utf-8",
    "datapackage": "application/zip",
}
EXTENSIONS = {"csv": "csv", "excel": "csv", "xlsx": "xlsx", "jsonl": "jsonl",
              "datapackage": "zip"}

Row = dict[str, Any]


def _order(f: TrackerFilters) -> tuple[Any, ...]:
    """The tracker's order of results for `f.sort` (tracker.results_query), so an export lists
    rows as the tracker pages do."""
    rec = Recommendation
    return {
        "paragraph": (rec.review_id, rec.paragraph_sort, rec.id),
        "newest": (rec.updated_at.desc(), rec.id.desc()),
        "position": (rec.position, rec.paragraph_sort, rec.id),
        "status": (f.status_column, rec.paragraph_sort, rec.id),
    }[f.sort]


def _matching(f: TrackerFilters) -> Any:
    """The tracker's WHERE clause for `f` (search and facets), as results_query builds it."""
    return tracker.results_query(f).whereclause


def _streamed(stmt: Select[Any]) -> Iterator[Sequence[Any]]:
    """The rows of `stmt` in partitions of BATCH, streamed (a server-side cursor on
    PostgreSQL; SQLite's cursor steps through the result as it is fetched)."""
    result = db.session.execute(stmt.execution_options(yield_per=BATCH, stream_results=True))
    try:
        yield from result.partitions(BATCH)
    finally:
        result.close()


@dataclass(frozen=True)
class ReaderView:
    """What a reader may see, read once before rows stream (the reader's user object need not
    outlive the request's first moments): the tracker audience and the SQL condition on the
    assessments it may read (coalition.access.tracker_audience, visible_assessments)."""

    audience: str
    visible: Any

    @classmethod
    def of(cls, reader: Any) -> ReaderView:
        """`reader`: a user, None for an anonymous visitor, or already a ReaderView."""
        if isinstance(reader, ReaderView):
            return reader
        return cls(tracker_audience(reader), visible_assessments(reader))


def reader_filters(filters: TrackerFilters, view: ReaderView) -> TrackerFilters:
    """`filters` as the reader may apply them: the status facet and sort follow the latest
    assessment of the reader's tracker audience."""
    filters.audience = view.audience
    return filters


def resolve_reviews(args: Any) -> MultiDict[str, str]:
    """`args` with each `review` value given as a slug (`chn-3`) replaced by that review's id,
    so exports and the CLI accept both. ServiceError (field "review") for a slug that names no
    review here."""
    from coalition.reviews.services import review_from_slug

    if not isinstance(args, MultiDict):
        args = MultiDict(args)
    values = args.getlist("review")
    if all(v.strip().isdigit() or not v.strip() for v in values):
        return args
    out = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "review"])
    for value in values:
        value = value.strip()
        if value and not value.isdigit():
            _code, _dash, cycle = value.partition("-")
            # The cycle is checked first: a huge number must not reach the database.
            ok = cycle.isdigit() and len(cycle) == 1 and cycle != "0"
            review = review_from_slug(value.lower()) if ok else None
            if review is None:
                raise ServiceError(_("No review %(name)s: write the State's three-letter code "
                                     "and the cycle of a review here, e.g. chn-3.",
                                     name=repr(value[:40])), "review")
            value = str(review.id)
        out.add("review", value)
    return out


def filters_from_args(args: Any, audience: str = "coalition") -> TrackerFilters:
    """Tracker filters from URL parameters (a MultiDict or a dict; or the CLI's options),
    strictly: where the tracker
    page ignores a value it does not know with a notice, an export refuses it (ServiceError
    naming the values), since it must hold exactly the filter asked for. `audience`: the
    reader's tracker audience (coalition.access.tracker_audience); the members-only facets
    are neither applied nor checked for "public"."""
    try:
        filters = TrackerFilters.from_args(resolve_reviews(args))
    except tracker.FilterError as error:
        raise ServiceError(str(error), "filter") from error
    filters.audience = audience
    notices = tracker.strict_notices(filters)
    if notices:
        raise ServiceError(_("Nothing exported: an export holds exactly the filter asked for, "
                             "and this one has a value the tracker does not know. %(notices)s",
                             notices=" ".join(notices)), "filter")
    return filters


def slug_of(code: str, cycle: int) -> str:
    return f"{code.lower()}-{cycle}"


# --- recommendations ---------------------------------------------------------------------------

def _recommendation_select(f: TrackerFilters) -> Select[Any]:
    rec = Recommendation
    stmt = (
        select(rec.id, State.code, Review.cycle, State.name, State.regional_group,
               Review.session, Review.review_date, Review.report_symbol,
               Review.responses_symbol, Review.midterm_due, rec.paragraph,
               rec.kind, rec.text, rec.position, rec.position_words, rec.position_source,
               rec.action_category, rec.uhri_annotation_id, rec.upr_info_id,
               rec.repeated_from_id, rec.updated_at)
        .join(Review, Review.id == rec.review_id).join(State, State.id == Review.state_id)
        .order_by(*_order(f))
    )
    where = _matching(f)
    return stmt if where is None else stmt.where(where)


def _among(column: Any, ids: list[int]) -> Any:
    """`column IN ids` for a batch of ids: on PostgreSQL one array parameter (`= ANY(...)`),
    which the driver sends as is, instead of a thousand placeholders to rewrite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(cast(literal(ids, ARRAY(Integer)), ARRAY(Integer)))
    return column.in_(ids)


def _latest_assessments(ids: list[int], view: ReaderView) -> dict[int, tuple[str, date, str]]:
    """For each of `ids`, the latest assessment `reader` may read (by assessed_on, then id, as
    refresh_latest_assessment orders them): (status, assessed_on, organisation name). One
    statement, a window function over the batch's assessments."""
    ranked = (
        select(Assessment.recommendation_id, Assessment.status, Assessment.assessed_on,
               Assessment.organisation_id,
               func.row_number().over(
                   partition_by=Assessment.recommendation_id,
                   order_by=(Assessment.assessed_on.desc(), Assessment.id.desc())).label("n"))
        .where(_among(Assessment.recommendation_id, ids), view.visible)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.recommendation_id, ranked.c.status, ranked.c.assessed_on,
               Organisation.name)
        .join(Organisation, Organisation.id == ranked.c.organisation_id)
        .where(ranked.c.n == 1))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


@dataclass
class _Links:
    """A batch's many-valued columns, by recommendation id."""

    states: dict[int, list[tuple[str, str, str | None]]]
    issues: dict[int, list[str]]
    themes: dict[int, list[str]]
    sdgs: dict[int, list[int]]
    affected: dict[int, list[str]]
    territories: dict[int, list[str]]
    latest: dict[int, tuple[str, date, str]]


def _links(ids: list[int], view: ReaderView) -> _Links:
    """The link tables of one batch: LINK_QUERIES statements, whatever the batch's size."""
    def grouped(stmt: Select[Any]) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = defaultdict(list)
        for row in db.session.execute(stmt):
            out[row[0]].append(row[1] if len(row) == 2 else tuple(row[1:]))
        return out

    link, tlink = recommending_state, recommendation_theme
    states = grouped(
        select(link.c.recommendation_id, State.name, State.code, State.regional_group)
        .join(State, State.id == link.c.state_id)
        .where(_among(link.c.recommendation_id, ids))
        .order_by(link.c.recommendation_id, State.name))
    issues: dict[int, list[str]] = defaultdict(list)
    themes: dict[int, list[str]] = defaultdict(list)
    for rec_id, kind, code, name in db.session.execute(
            select(tlink.c.recommendation_id, Theme.kind, Theme.code, Theme.name)
            .join(Theme, Theme.id == tlink.c.theme_id)
            .where(_among(tlink.c.recommendation_id, ids))
            .order_by(tlink.c.recommendation_id, Theme.kind, Theme.code)):
        if kind == "ohchr":
            themes[rec_id].append(f"{code} {name}" if name and name != code else code)
        else:
            issues[rec_id].append(name)
    sdgs = grouped(
        select(recommendation_sdg.c.recommendation_id, recommendation_sdg.c.sdg_number)
        .where(_among(recommendation_sdg.c.recommendation_id, ids))
        .order_by(recommendation_sdg.c.recommendation_id, recommendation_sdg.c.sdg_number))
    affected = grouped(
        select(recommendation_affected.c.recommendation_id, AffectedGroup.name)
        .join(AffectedGroup, AffectedGroup.id == recommendation_affected.c.affected_group_id)
        .where(_among(recommendation_affected.c.recommendation_id, ids))
        .order_by(recommendation_affected.c.recommendation_id, AffectedGroup.name))
    territory = RecommendationTerritory
    territories = grouped(
        select(territory.recommendation_id, territory.territory)
        .where(_among(territory.recommendation_id, ids))
        .order_by(territory.recommendation_id, territory.territory))
    return _Links(states, issues, themes, sdgs, affected, territories,
                  _latest_assessments(ids, view))


def recommendation_rows(filters: TrackerFilters, reader: Any, long: bool = False
                        ) -> Iterator[Row]:
    """One dict per recommendation matching `filters` (search and facets, the tracker's order),
    keys RECOMMENDATION_COLUMNS' names in order; the assessment columns hold the latest
    assessment `reader` (a user, or None for an anonymous visitor) may read.

    `long`: one row per recommendation and recommending State, `recommending_state*` holding
    that one State as a one-element list; a recommendation without a State (a pledge, a source
    that did not name one) gives one row with empty lists.
    """
    view = ReaderView.of(reader)
    return _recommendation_rows(reader_filters(filters, view), view, long)


def _recommendation_rows(f: TrackerFilters, view: ReaderView, long: bool) -> Iterator[Row]:
    for batch in _streamed(_recommendation_select(f)):
        ids = [row[0] for row in batch]
        links = _links(ids, view)
        for (rec_id, code, cycle, state_name, group, session, review_date, symbol,
             responses_symbol, midterm_due, paragraph, kind, text, position, words, source,
             category, annotation, upr_info, repeated, updated) in batch:
            states = links.states.get(rec_id, [])
            latest = links.latest.get(rec_id)
            row: Row = {
                "recommendation_id": rec_id,
                "review": slug_of(code, cycle),
                "state_under_review": state_name,
                "state_under_review_code": code,
                "state_under_review_regional_group": group,
                "cycle": cycle,
                "session": session,
                "review_date": review_date,
                "symbol": symbol,
                "responses_symbol": responses_symbol,
                "midterm_due": midterm_due,
                "paragraph": paragraph,
                "kind": kind,
                "recommendation": text,
                "recommending_state": [s[0] for s in states],
                "recommending_state_code": [s[1] for s in states],
                "recommending_state_regional_group": [s[2] or "" for s in states],
                "response": position,
                "response_words": words or None,
                "response_source": source or None,
                "action_category": category,
                "issues": links.issues.get(rec_id, []),
                "themes": links.themes.get(rec_id, []),
                "sdgs": links.sdgs.get(rec_id, []),
                "affected_persons": links.affected.get(rec_id, []),
                "territories": links.territories.get(rec_id, []),
                "annotation_id": annotation,
                "upr_info_id": upr_info,
                "repeated_from": repeated,
                "assessment_status": latest[0] if latest else None,
                "assessment_date": latest[1] if latest else None,
                "assessment_organisation": latest[2] if latest else None,
                "updated_at": updated,
            }
            if not long or len(states) <= 1:
                yield row
                continue
            for name, state_code, state_group in states:
                yield {**row, "recommending_state": [name],
                       "recommending_state_code": [state_code],
                       "recommending_state_regional_group": [state_group or ""]}


# --- responses and assessments ----------------------------------------------------------------

def _of_matching(f: TrackerFilters) -> Any:
    """Recommendations matching the tracker filters, as a condition on Recommendation."""
    where = _matching(f)
    return and_(True) if where is None else where


def response_rows(filters: TrackerFilters, reader: Any) -> Iterator[Row]:
    """One dict per government response to a recommendation matching `filters`, in the
    tracker's order of recommendations then by date; keys RESPONSE_COLUMNS' names. Responses
    are the State's own public statements: every reader of the tracker gets all of them."""
    f = reader_filters(filters, ReaderView.of(reader))
    rec = Recommendation
    stmt = (
        select(Response.id, rec.id, State.code, Review.cycle, rec.paragraph, Response.kind,
               Response.responded_on, Response.position, Response.words, Response.source,
               Response.url, Response.created_at)
        .join(rec, rec.id == Response.recommendation_id)
        .join(Review, Review.id == rec.review_id).join(State, State.id == Review.state_id)
        .where(_of_matching(f))
        .order_by(*_order(f), Response.responded_on, Response.id)
    )
    return _response_rows(stmt)


def _response_rows(stmt: Select[Any]) -> Iterator[Row]:
    for batch in _streamed(stmt):
        for (response_id, rec_id, code, cycle, paragraph, kind, on, position, words, source,
             url, created) in batch:
            yield {
                "response_id": response_id, "recommendation_id": rec_id,
                "review": slug_of(code, cycle), "paragraph": paragraph, "kind": kind,
                "responded_on": on, "position": position, "words": words or None,
                "source": source or None, "url": url or None, "created_at": created,
            }


def assessment_rows(filters: TrackerFilters, reader: Any) -> Iterator[Row]:
    """One dict per assessment `reader` may read (coalition.access.visible_assessments) of a
    recommendation matching `filters`, in the tracker's order of recommendations then newest
    first; keys ASSESSMENT_COLUMNS' names. No author: who works where stays inside."""
    view = ReaderView.of(reader)
    f = reader_filters(filters, view)
    rec = Recommendation
    stmt = (
        select(Assessment.id, rec.id, State.code, Review.cycle, rec.paragraph,
               Organisation.name, Assessment.status, Assessment.assessed_on,
               Assessment.visibility, Assessment.evidence, Assessment.source_links,
               Assessment.created_at)
        .join(rec, rec.id == Assessment.recommendation_id)
        .join(Review, Review.id == rec.review_id).join(State, State.id == Review.state_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(_of_matching(f), view.visible)
        .order_by(*_order(f), Assessment.assessed_on.desc(), Assessment.id.desc())
    )
    return _assessment_rows(stmt)


def _assessment_rows(stmt: Select[Any]) -> Iterator[Row]:
    for batch in _streamed(stmt):
        for (assessment_id, rec_id, code, cycle, paragraph, organisation, status, on,
             visibility, evidence, links, created) in batch:
            yield {
                "assessment_id": assessment_id, "recommendation_id": rec_id,
                "review": slug_of(code, cycle), "paragraph": paragraph,
                "organisation": organisation, "status": status, "assessed_on": on,
                "visibility": visibility, "evidence": evidence or None,
                "source_links": [line.strip() for line in (links or "").splitlines()
                                 if line.strip()],
                "created_at": created,
            }


def count_rows(table: str, filters: TrackerFilters, reader: Any, long: bool = False) -> int:
    """How many rows `export` will write (for the CLI's progress bar): one statement."""
    view = ReaderView.of(reader)
    f = reader_filters(filters, view)
    ids = tracker.filtered_ids(f)
    if table == "responses":
        stmt = select(func.count()).where(Response.recommendation_id.in_(ids))
    elif table == "assessments":
        stmt = select(func.count()).where(Assessment.recommendation_id.in_(ids), view.visible)
    elif long:
        n_states = (select(func.count()).where(
            recommending_state.c.recommendation_id == Recommendation.id)
            .correlate(Recommendation).scalar_subquery())
        stmt = select(func.coalesce(func.sum(func.max(n_states, 1)), 0)) if (
            db.engine.dialect.name == "sqlite") else select(
            func.coalesce(func.sum(func.greatest(n_states, 1)), 0))
        stmt = stmt.select_from(Recommendation).where(Recommendation.id.in_(ids))
    else:
        stmt = select(func.count()).select_from(ids.subquery())
    return int(db.session.scalar(stmt) or 0)


# --- writers -----------------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A single value as CSV text: ISO dates and times, "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(value: Any, column: ExportColumn) -> str:
    if column.many:
        return SEPARATOR.join(_text(v) for v in value or ())
    return _text(value)


# A cell that Excel would read as a formula (OWASP, "CSV Injection"): a text typed by a member
# or a State ("=HYPERLINK(...)", "@SUM(...)") must not run when a researcher opens the file.
# The "for Excel" CSV starts such a cell with an apostrophe, which Excel takes as "this is
# text" and does not show; a cell that itself starts with an apostrophe gets one too, so the
# importer (coalition_export.unguard) removes exactly one from every cell that has one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def excel_guard(text: str) -> str:
    """`text` as a "for Excel" CSV cell: with an apostrophe before it when it starts with a
    formula character (or an apostrophe); otherwise unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Row], columns: Sequence[ExportColumn] = RECOMMENDATION_COLUMNS,
              excel: bool = False) -> Iterator[bytes]:
    """CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line
    break), UTF-8, a header of the column names; `excel` starts it with a byte order mark so
    Excel reads UTF-8, and guards the cells Excel would take for formulas (`excel_guard`).
    Multi-valued cells are joined by SEPARATOR. Yields chunks of about CSV_FLUSH_ROWS rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    head = buffer.getvalue().encode()
    yield BOM + head if excel else head
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        cells = [_cell(row[c.name], c) for c in columns]
        writer.writerow([excel_guard(cell) for cell in cells] if excel else cells)
        pending += 1
        if pending >= CSV_FLUSH_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_jsonl(rows: Iterable[Row], columns: Sequence[ExportColumn] = RECOMMENDATION_COLUMNS
                ) -> Iterator[bytes]:
    """JSON Lines: one object per row, keys in column order; multi-valued columns as arrays,
    numbers as numbers, dates and times as ISO 8601 strings, null for empty."""
    names = [c.name for c in columns]
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_value).encode
    lines: list[str] = []
    for row in rows:
        lines.append(encode({n: _json_value(row[n]) for n in names}))
        if len(lines) >= CSV_FLUSH_ROWS:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


XLSX_MAX_CHARS = 32767  # Excel's limit of characters in one cell
XLSX_MAX_ROWS = 1_048_576  # Excel's limit of rows in a sheet (the header included)
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 does not allow (C0 controls but tab, line feed and carriage return).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'),
    # Cell styles: 0 plain, 1 bold (the header), 2 a date (yyyy-mm-dd), 3 a date and time.
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="4">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    value = _XML_ILLEGAL.sub("\ufffd", value[:XLSX_MAX_CHARS])
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Chunks(io.RawIOBase):
    """A write-only, non-seekable file whose written bytes are taken out as they come: what
    zipfile writes into is yielded to the client without waiting for the whole archive."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


def write_xlsx(rows: Iterable[Row], columns: Sequence[ExportColumn] = RECOMMENDATION_COLUMNS,
               sheet: str = "recommendations", progress: Callable[[int], None] | None = None
               ) -> Iterator[bytes]:
    """An XLSX workbook (Office Open XML) of one sheet, streamed: the header row bold and
    frozen, an autofilter over every column; integers and floats as numbers, dates as dates
    (yyyy-mm-dd), times as date-times (UTC), text as inline strings (never read as a formula;
    cut at Excel's 32,767 characters); multi-valued cells joined by SEPARATOR; empty cells
    left out. Rows beyond Excel's 1,048,576 raise ValueError.

    The sheet is written row by row into a zip stream whose bytes are yielded as they come
    (about every CSV_FLUSH_ROWS rows): memory stays flat, and nothing touches the disk.
    Written by hand rather than by xlsxwriter, whose constant-memory mode took about 37 s of
    CPU for 100,000 recommendations (bench/export_speed.py); openpyxl reads it back in the
    tests."""
    letters = [_column_letter(i) for i in range(len(columns))]
    sink = _Chunks()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_xml_text(sheet[:31])}" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
        'hidden="1">{ref}</definedName></definedNames></workbook>')
    for name, text in _XLSX_STATIC.items():
        archive.writestr(name, text)
    yield sink.take()
    widths = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="'
        f'{60 if c.name in ("recommendation", "evidence", "words") else 18}" customWidth="1"/>'
        for i, c in enumerate(columns))
    header = "".join(f'<c r="{letters[i]}1" s="1" t="inlineStr"><is><t>{_xml_text(c.name)}'
                     "</t></is></c>" for i, c in enumerate(columns))
    n = 0
    # Without Zip64 (which some readers of XLSX refuse): a sheet stays under 4 GiB.
    with archive.open("xl/worksheets/sheet1.xml", "w") as part:
        part.write((
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
            f'</sheetView></sheetViews><cols>{widths}</cols><sheetData>'
            f'<row r="1">{header}</row>').encode())
        pending: list[str] = []
        for n, row in enumerate(rows, start=1):
            r = n + 1
            if r > XLSX_MAX_ROWS:
                raise ValueError("more rows than an Excel sheet holds")
            cells = [f'<row r="{r}">']
            for i, column in enumerate(columns):
                value = row[column.name]
                if column.many:
                    value = SEPARATOR.join(_text(v) for v in value or ())
                if value is None or value == "":
                    continue
                ref = f"{letters[i]}{r}"
                if isinstance(value, datetime):
                    serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH).total_seconds() / 86400
                    cells.append(f'<c r="{ref}" s="3"><v>{serial!r}</v></c>')
                elif isinstance(value, date):
                    serial = (value - _EXCEL_EPOCH.date()).days
                    cells.append(f'<c r="{ref}" s="2"><v>{serial}</v></c>')
                elif isinstance(value, bool):
                    cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, int | float):
                    cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
                else:
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                                 f"{_xml_text(str(value))}</t></is></c>")
            cells.append("</row>")
            pending.append("".join(cells))
            if len(pending) >= CSV_FLUSH_ROWS:
                part.write("".join(pending).encode())
                pending = []
                if progress is not None:
                    progress(n)
                if sink.size:
                    yield sink.take()
                    sink.size = 0
        ref = f"A1:{letters[-1]}{max(n, 1) + 1}"
        part.write(("".join(pending) + f'</sheetData><autoFilter ref="{ref}"/>'
                    "</worksheet>").encode())
    if progress is not None:
        progress(n)
    sheet_ref = "'" + sheet[:31].replace("'", "''") + "'"
    absolute = f"{sheet_ref}!$A$1:${letters[-1]}${max(n, 1) + 1}"
    archive.writestr("xl/workbook.xml", workbook.replace("{ref}", _xml_text(absolute)))
    archive.close()
    yield sink.take()


# --- putting them together ----------------------------------------------------------------------

COLUMNS = {"recommendations": RECOMMENDATION_COLUMNS, "responses": RESPONSE_COLUMNS,
           "assessments": ASSESSMENT_COLUMNS}


@dataclass
class ExportRequest:
    """What to export: `table` (TABLES), `format` (FORMATS), the tracker `filters`, `long`
    (recommendations only), for `reader` (a user, or None for an anonymous visitor)."""

    table: str
    format: str
    filters: TrackerFilters
    reader: Any
    long: bool = False

    def __post_init__(self) -> None:
        self.reader = ReaderView.of(self.reader)

    def check(self) -> None:
        """ServiceError naming the field for an unknown table or format, a long layout of
        another table than recommendations, or a data package no module provides."""
        if self.table not in TABLES:
            raise ServiceError(_("Unknown export %(name)s: choose one of %(choices)s.",
                                 name=repr(self.table[:40]), choices=", ".join(TABLES)),
                               "table")
        if self.format not in available_formats():
            raise ServiceError(_("Unknown format %(name)s: choose one of %(choices)s.",
                                 name=repr(self.format[:40]),
                                 choices=", ".join(available_formats())), "format")
        if self.long and self.table != "recommendations":
            raise ServiceError(_("The long layout (one row per recommending State) is for "
                                 "recommendations only."), "layout")

    @property
    def columns(self) -> tuple[ExportColumn, ...]:
        return COLUMNS[self.table]

    def rows(self) -> Iterator[Row]:
        if self.table == "responses":
            return response_rows(self.filters, self.reader)
        if self.table == "assessments":
            return assessment_rows(self.filters, self.reader)
        return recommendation_rows(self.filters, self.reader, long=self.long)

    def filename(self, today: date | None = None) -> str:
        """`recommendations-chn-3-2026-11-30.csv`: the table, `long` for that layout, the
        review when the filter names exactly one, the date, the format's extension."""
        parts = [self.table]
        if self.long:
            parts.append("long")
        if len(self.filters.review) == 1:
            review = db.session.get(Review, self.filters.review[0])
            if review is not None:
                parts.append(review.slug)
        parts.append((today or utcnow().date()).isoformat())
        return "-".join(parts) + "." + EXTENSIONS[self.format]

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def datapackage_writer() -> Callable[..., Any] | None:
    """The data package writer (coalition.exports.datapackage.write_datapackage) when that
    module is installed, else None (the format is then not offered)."""
    try:
        from coalition.exports.datapackage import write_datapackage  # type: ignore[import-not-found]
    except ImportError:
        return None
    return write_datapackage  # type: ignore[no-any-return]


def available_formats() -> tuple[str, ...]:
    return FORMATS if datapackage_writer() is not None else FORMATS[:-1]


def export(request: ExportRequest, progress: Callable[[int], None] | None = None
           ) -> Iterator[bytes]:
    """The bytes of the export `request` asks for, as they are written. `progress(n)` is called
    with the number of rows written so far. Raises ServiceError (see ExportRequest.check)
    before anything is read."""
    request.check()
    rows: Iterable[Row] = request.rows()
    if progress is not None and request.format != "xlsx":
        rows = _counted(rows, progress)
    columns = request.columns
    if request.format in ("csv", "excel"):
        return write_csv(rows, columns, excel=request.format == "excel")
    if request.format == "jsonl":
        return write_jsonl(rows, columns)
    if request.format == "xlsx":
        return write_xlsx(rows, columns, sheet=request.table, progress=progress)
    write_datapackage = datapackage_writer()
    assert write_datapackage is not None  # checked by request.check()
    return _datapackage_bytes(write_datapackage, request)


def _counted(rows: Iterable[Row], progress: Callable[[int], None]) -> Iterator[Row]:
    n = 0
    for n, row in enumerate(rows, start=1):
        yield row
        if n % CSV_FLUSH_ROWS == 0:
            progress(n)
    progress(n)


def _datapackage_bytes(write_datapackage: Callable[..., Any], request: ExportRequest
                       ) -> Iterator[bytes]:
    """The data package as a zip: written by the data package module into a temporary file,
    then yielded in chunks and deleted."""
    handle, path = tempfile.mkstemp(prefix="coalition-export-", suffix=".zip")
    os.close(handle)
    try:
        with open(path, "wb") as out:
            write_datapackage(request.filters, request.reader, out, long=request.long)
        with open(path, "rb") as stream:
            while chunk := stream.read(XLSX_CHUNK):
                yield chunk
    finally:
        os.unlink(path)
