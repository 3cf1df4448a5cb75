"""A recommendations export as a Frictionless data package (issue 10).

The package is a zip holding the CSV export (``data/recommendations.csv``, exactly the bytes
the CSV writer produced) and ``datapackage.json``, a Data Package (v1, "tabular-data-package"
profile, which v2 readers accept too) describing it:

- ``name``, ``title``, ``description``, ``created`` (ISO 8601, UTC);
- ``licenses``: the coalition's data licence (DATA_LICENSE* settings, default CC-BY-4.0), with
  the note that the texts of recommendations and of States' responses are United Nations
  documents, not covered by it;
- ``sources``: the reviews' Working Group reports (document symbol, link to the UN's document
  system), OHCHR's UPR page of each State reviewed, and UPR Info's database and OHCHR's
  Universal Human Rights Index when rows came from them;
- ``coalition:filter``: the tracker's query string and a human description of the filter;
- one resource, the CSV, with its size and SHA-256, dialect, encoding and a Table Schema built
  from coalition.exports.columns.RECOMMENDATION_COLUMNS (every field's type and description;
  multi-valued fields say their separator; primary key ``recommendation_id``, or
  ``recommendation_id`` + ``recommending_state_code`` in the long variant).

Everything but the CSV is read from the CSV itself while it streams into the zip (the reviews
and the sources the rows name), so the writer takes any iterable of CSV byte chunks, e.g.
``coalition.exports.services.csv_chunks(...)``; memory stays flat whatever the row count.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote

from coalition.exports.columns import RECOMMENDATION_COLUMNS, SEPARATOR, ExportColumn

__all__ = [
    "CSV_PATH",
    "DEFAULT_LICENCE",
    "DESCRIPTOR_PATH",
    "Licence",
    "datapackage_chunks",
    "describe",
    "describe_filters",
    "licence_from_config",
    "table_schema",
    "write_datapackage",
    "write_datapackage_csv",
]

CSV_PATH = "data/recommendations.csv"
DESCRIPTOR_PATH = "datapackage.json"
RESOURCE_NAME = "recommendations"
PACKAGE_NAME = "upr-recommendations"

# Links to the sources. A UN document by its symbol (the UN's Official Document System serves
# any symbol, in any of the six languages); OHCHR's UPR page of a State by its ISO alpha-2 code.
UN_DOCUMENT_URL = "https://documents.un.org/api/symbol/access?s={symbol}&l=en&t=pdf"
OHCHR_UPR_STATE_URL = "https://www.ohchr.org/en/hr-bodies/upr/{alpha2}-index"
OHCHR_UPR_URL = "https://www.ohchr.org/en/hr-bodies/upr/upr-main"
UPR_INFO_URL = "https://upr-info-database.uwazi.io/"
UHRI_URL = "https://uhri.ohchr.org/"

# Closed lists the schema checks (the keys exported, never their translated labels).
_ENUMS: dict[str, list[str]] = {
    "kind": ["recommendation", "pledge"],
    "response": ["supported", "supported_in_part", "noted", "pending"],
    "assessment_status": ["not_implemented", "partially", "fully", "regressed", "unclear"],
}
_RANGES: dict[str, tuple[int, int]] = {"cycle": (1, 9), "action_category": (1, 5)}
# The long variant holds one recommending State per row in these columns.
LONG_SINGLE = ("recommending_state", "recommending_state_code",
               "recommending_state_regional_group")


@dataclass(frozen=True, slots=True)
class Licence:
    """The data licence: `name` an SPDX identifier ("CC-BY-4.0"), `path` its URL, `title`
    its full name, `note` what it does not cover (written into the package's description)."""

    name: str = "CC-BY-4.0"
    path: str = "https://creativecommons.org/licenses/by/4.0/"
    title: str = "Creative Commons Attribution 4.0 International"
    note: str = ("The texts of recommendations and of States' responses are quoted from "
                 "United Nations documents (copyright United Nations); the licence covers "
                 "this platform's data about them (positions tracked, themes, territories, "
                 "assessments), not those texts.")


DEFAULT_LICENCE = Licence()


def licence_from_config(config: Mapping[str, Any]) -> Licence:
    """The licence the app's settings name: DATA_LICENSE (SPDX id), DATA_LICENSE_URL,
    DATA_LICENSE_TITLE and DATA_LICENSE_NOTE; each missing one keeps the default's."""
    return Licence(
        name=config.get("DATA_LICENSE") or DEFAULT_LICENCE.name,
        path=config.get("DATA_LICENSE_URL") or DEFAULT_LICENCE.path,
        title=config.get("DATA_LICENSE_TITLE") or DEFAULT_LICENCE.title,
        note=config.get("DATA_LICENSE_NOTE") or DEFAULT_LICENCE.note,
    )


def _field(column: ExportColumn, long: bool) -> dict[str, Any]:
    descriptor: dict[str, Any] = {"name": column.name, "type": column.type,
                                  "description": column.description}
    if column.type in {"date", "datetime"}:
        descriptor["format"] = "default"  # ISO 8601
    if column.many and long and column.name in LONG_SINGLE:
        descriptor["description"] = (
            f"{column.description} Long variant: one recommending State per row (a "
            "recommendation made by three States is three rows); empty for a pledge or a "
            "recommendation whose recommending State is not known.")
    elif column.many:
        descriptor["description"] = (
            f"{column.description} Several values are joined by \"{SEPARATOR}\" in one cell "
            "(no value contains it); an empty cell means none.")
        descriptor["coalition:separator"] = SEPARATOR
    constraints: dict[str, Any] = {}
    if column.name == "recommendation_id":
        constraints["required"] = True
    if column.name in _ENUMS:
        constraints["enum"] = _ENUMS[column.name]
    if column.name in _RANGES:
        constraints["minimum"], constraints["maximum"] = _RANGES[column.name]
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def table_schema(long: bool = False, columns: Iterable[str] | None = None) -> dict[str, Any]:
    """The Table Schema of an export: a field per column (in `columns` order, names of
    RECOMMENDATION_COLUMNS; default all of them), missing value "" (an empty cell),
    and the primary key (recommendation_id; in the long variant recommendation_id and
    recommending_state_code)."""
    by_name = {c.name: c for c in RECOMMENDATION_COLUMNS}
    names = list(columns) if columns is not None else list(by_name)
    for name in names:  # a column the contract lacks: described, not refused mid-download
        by_name.setdefault(name, ExportColumn(name, "string", "Not a documented column."))
    key = ["recommendation_id", "recommending_state_code"] if long else ["recommendation_id"]
    schema: dict[str, Any] = {
        "fields": [_field(by_name[name], long) for name in names],
        "missingValues": [""],
    }
    if all(name in names for name in key):
        schema["primaryKey"] = key
    return schema


@dataclass(slots=True)
class _Scan:
    """What the package's descriptor needs from the CSV rows, gathered while they stream."""

    header: list[str] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0
    sha256: Any = field(default_factory=hashlib.sha256)
    line_terminator: str = "\r\n"
    bom: bool = False
    # slug -> (State name, State code, cycle, session, report symbol)
    reviews: dict[str, tuple[str, str, str, str, str]] = field(default_factory=dict)
    uhri: bool = False
    upr_info: bool = False


def _scanned(chunks: Iterable[bytes], scan: _Scan) -> Iterator[bytes]:
    """The chunks unchanged, while their rows are read into `scan` (hash, size, reviews,
    sources). Rows are parsed a chunk at a time, once complete: a line ends a row when the
    quotes before it are balanced (a quoted cell may hold line breaks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending: list[str] = []  # lines of a row not complete yet
    quotes = 0  # parity of the quotes in `pending`
    columns: dict[str, int] = {}

    def rows_of(lines: list[str]) -> None:
        nonlocal columns
        for row in csv.reader(lines):
            if not scan.header:
                scan.header = [cell.lstrip("\ufeff").strip() for cell in row]
                columns = {name: i for i, name in enumerate(scan.header)}
                continue
            if any(row):
                scan.rows += 1
                _note_row(row, columns, scan)

    carry = ""  # the start of a line whose line break has not arrived yet

    def feed(text: str, final: bool = False) -> None:
        nonlocal pending, quotes, carry
        parts = (carry + text).split("\n")
        carry = "" if final else parts.pop()
        complete: list[str] = []
        for index, part in enumerate(parts):
            line = part if final and index == len(parts) - 1 else part + "\n"
            if not line:
                continue
            pending.append(line)
            quotes = (quotes + line.count('"')) % 2
            if quotes == 0:
                complete.extend(pending)
                pending = []
        if final and pending:
            complete.extend(pending)
            pending = []
        if complete:
            if not scan.header and complete[0].endswith("\n") and not complete[0].endswith(
                    "\r\n"):
                scan.line_terminator = "\n"
            rows_of(complete)

    first = True
    for chunk in chunks:
        if not chunk:
            continue
        if first:
            scan.bom = chunk.startswith(codecs.BOM_UTF8)
            first = False
        scan.bytes += len(chunk)
        scan.sha256.update(chunk)
        feed(decoder.decode(chunk))
        yield chunk
    feed(decoder.decode(b"", final=True), final=True)


def _note_row(row: list[str], columns: dict[str, int], scan: _Scan) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    slug = cell("review")
    if slug and slug not in scan.reviews:
        scan.reviews[slug] = (cell("state_under_review"), cell("state_under_review_code"),
                              cell("cycle"), cell("session"), cell("symbol"))
    if not scan.uhri and (cell("annotation_id")
                          or "Universal Human Rights Index" in cell("response_source")):
        scan.uhri = True
    if not scan.upr_info and (cell("upr_info_id") or "UPR Info" in cell("response_source")):
        scan.upr_info = True


def _alpha2(code: str) -> str | None:
    try:
        import pycountry
    except ImportError:  # pragma: no cover - a dependency of the project
        return None
    country = pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None
    return country.alpha_2.lower() if country is not None else None


def _sources(scan: _Scan, reviews: Any) -> list[dict[str, str]]:
    """The documents the rows come from: each review's report and OHCHR's page of the State,
    the addenda (responses) of `reviews` given, UPR Info and UHRI when rows came from them."""
    sources: list[dict[str, str]] = []
    if callable(reviews):
        reviews = reviews(list(scan.reviews))
    extra = {getattr(r, "slug", None): r for r in reviews}
    for slug, (state, code, cycle, session, symbol) in sorted(scan.reviews.items()):
        what = f"{state or code or slug}, UPR cycle {cycle}" + (
            f", session {session}" if session else "")
        if symbol:
            sources.append({
                "title": f"Report of the Working Group on the Universal Periodic Review: "
                         f"{what} ({symbol})",
                "path": UN_DOCUMENT_URL.format(symbol=quote(symbol, safe="/")),
            })
        review = extra.get(slug)
        responses = getattr(review, "responses_symbol", None) if review is not None else None
        if responses:
            sources.append({
                "title": f"Views on conclusions and/or recommendations, voluntary commitments "
                         f"and replies presented by the State under review: {what} "
                         f"({responses})",
                "path": UN_DOCUMENT_URL.format(symbol=quote(responses, safe="/")),
            })
        alpha2 = _alpha2(code)
        sources.append({
            "title": f"OHCHR, Universal Periodic Review: {state or code or slug}",
            "path": OHCHR_UPR_STATE_URL.format(alpha2=alpha2) if alpha2 else OHCHR_UPR_URL,
        })
    if scan.upr_info:
        sources.append({"title": "UPR Info, database of UPR recommendations",
                        "path": UPR_INFO_URL})
    if scan.uhri:
        sources.append({"title": "OHCHR, Universal Human Rights Index", "path": UHRI_URL})
    if not sources:
        sources.append({"title": "OHCHR, Universal Periodic Review", "path": OHCHR_UPR_URL})
    # The same page once (a State reviewed in several cycles has one OHCHR page).
    unique: dict[str, dict[str, str]] = {}
    for source in sources:
        unique.setdefault(source["path"], source)
    return list(unique.values())


def describe(scan: _Scan, *, long: bool, query: str, filter_description: str,
             licence: Licence, created: datetime, title: str | None,
             reviews: Any = ()) -> dict[str, Any]:
    """The datapackage.json descriptor of a scanned CSV (see the module's docstring)."""
    columns = [name for name in scan.header if name]
    stamp = created.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    variant = "long" if long else "wide"
    description = (
        "Recommendations of the Universal Periodic Review (UPR) of the UN Human Rights "
        "Council and the positions of the States under review, as tracked by the coalition, "
        + ("one row per recommendation and recommending State (long variant). "
           if long else "one row per recommendation. ")
        + f"Filter: {filter_description or 'none (every recommendation)'}. "
        + licence.note)
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": title or "UPR recommendations and responses",
        "description": description,
        "created": stamp,
        "keywords": ["Universal Periodic Review", "UPR", "human rights", "recommendations"],
        "licenses": [{"name": licence.name, "path": licence.path, "title": licence.title}],
        "sources": _sources(scan, reviews),
        "coalition:filter": {
            "query": query,
            "description": filter_description,
            "variant": variant,
            "rows": scan.rows,
        },
        "resources": [{
            "profile": "tabular-data-resource",
            "name": RESOURCE_NAME,
            "path": CSV_PATH,
            "title": "UPR recommendations" + (" (long: one row per recommending State)"
                                              if long else ""),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": scan.bytes,
            "hash": f"sha256:{scan.sha256.hexdigest()}",
            "dialect": {"delimiter": ",", "quoteChar": "\"", "doubleQuote": True,
                        "lineTerminator": scan.line_terminator, "header": True},
            "schema": table_schema(long, columns),
        }],
    }


class _Sink(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken away as they are written: what lets
    zipfile stream an archive (it then writes data descriptors after each member)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def datapackage_chunks(csv_chunks: Iterable[bytes], *, long: bool = False, query: str = "",
                       filter_description: str = "", licence: Licence | None = None,
                       created: datetime | None = None, title: str | None = None,
                       reviews: Any = (), compresslevel: int = 6) -> Iterator[bytes]:
    """The data package zip of a CSV export, as byte chunks, streaming: each CSV chunk is
    compressed and handed on as it arrives, then datapackage.json and the zip's directory.

    `csv_chunks`: the CSV export's bytes (header row of COLUMN_NAMES or a subset of them, then
    rows), UTF-8 with or without BOM. `long`: the long variant (one row per recommending State).
    `query`: the tracker's query string of the filter; `filter_description`: the same in words.
    `reviews`: optional Review objects (``slug``, ``responses_symbol``) adding the States'
    responses documents to the sources, or a callable given the slugs the rows name that
    returns them. `created` defaults to now (UTC). A column outside
    RECOMMENDATION_COLUMNS is described as a string ("Not a documented column."): an error
    found after the rows have left would break the download.
    """
    sink = _Sink()
    scan = _Scan()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=compresslevel) as archive:
        info = zipfile.ZipInfo(CSV_PATH, date_time=_zip_time(created))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            for chunk in _scanned(csv_chunks, scan):
                member.write(chunk)
                if sink.parts:
                    yield sink.take()
        descriptor = describe(scan, long=long, query=query,
                              filter_description=filter_description,
                              licence=licence or DEFAULT_LICENCE,
                              created=created or datetime.now(UTC), title=title,
                              reviews=reviews)
        meta = zipfile.ZipInfo(DESCRIPTOR_PATH, date_time=_zip_time(created))
        meta.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(meta, json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
    yield sink.take()


def _zip_time(created: datetime | None) -> tuple[int, int, int, int, int, int]:
    moment = (created or datetime.now(UTC)).astimezone(UTC)
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
            moment.second)


def write_datapackage_csv(csv_chunks: Iterable[bytes],
                          out: IO[bytes] | str | os.PathLike[str], **options: Any) -> None:
    """datapackage_chunks() written to `out`, a binary file or a path."""
    if isinstance(out, str | os.PathLike):
        with open(out, "wb") as handle:
            for chunk in datapackage_chunks(csv_chunks, **options):
                handle.write(chunk)
        return
    for chunk in datapackage_chunks(csv_chunks, **options):
        out.write(chunk)


def write_datapackage(filters: Any, reader: Any, out: IO[bytes] | str | os.PathLike[str], *,
                      long: bool = False, licence: Licence | None = None) -> None:
    """The data package of the recommendations `filters` (TrackerFilters) select, as `reader`
    (a user, None, or the exports' ReaderView) may see them, written to `out` (a binary file or
    a path): the CSV of coalition.exports.services.write_csv(recommendation_rows(...)), the
    filter described (describe_filters), the licence from the app's DATA_LICENSE* settings, and
    the reviews' responses documents among the sources. Needs an app context."""
    from flask import current_app

    from coalition.exports.services import recommendation_rows, write_csv

    query, description = describe_filters(filters)
    write_datapackage_csv(
        write_csv(recommendation_rows(filters, reader, long=long)), out, long=long,
        query=query, filter_description=description,
        licence=licence or licence_from_config(current_app.config), reviews=reviews_named)


def reviews_named(slugs: list[str]) -> list[Any]:
    """The reviews with these slugs ("chn-3"), for the sources (their responses symbols)."""
    from coalition.reviews.services import review_from_slug

    return [review for slug in slugs if (review := review_from_slug(slug)) is not None]


def describe_filters(filters: Any) -> tuple[str, str]:
    """(the tracker's query string, the filter in English words) of TrackerFilters: reviews
    as slugs (chn-3), themes, groups of affected persons and organisations by name; ("", "")
    for no filter."""
    from urllib.parse import urlencode

    from sqlalchemy import select

    from coalition.extensions import db
    from coalition.organisations.models import Organisation
    from coalition.reviews.models import AffectedGroup, Review, Theme

    def names(model: Any, ids: list[int], label: Any) -> dict[int, str]:
        if not ids:
            return {}
        return {row.id: label(row) for row in db.session.scalars(
            select(model).where(model.id.in_(ids)))}

    reviews = names(Review, filters.review, lambda r: r.slug)
    themes = names(Theme, filters.theme, lambda t: t.label)
    affected = names(AffectedGroup, filters.affected, lambda g: g.name)
    from coalition.recommendations.tracker import LEAD_WORDS, MEMBER_FACETS

    lead_ids = [int(v) for v in getattr(filters, "lead", []) if v not in LEAD_WORDS]
    organisations = names(Organisation, [*filters.assessed_by, *lead_ids], lambda o: o.name)
    leads = {"none": "no lead organisation", "any": "any lead organisation",
             **{str(i): name for i, name in organisations.items()}}
    shown = {"review": reviews, "theme": themes, "affected": affected,
             "assessed_by": organisations, "lead": leads}
    # The members-only facets are not applied for the public audience: not described either.
    hidden = MEMBER_FACETS if getattr(filters, "audience", "") == "public" else ()
    args = {k: v for k, v in filters.args().items() if k not in hidden}
    if "review" in args:
        args["review"] = [reviews.get(i, str(i)) for i in filters.review]
    query = urlencode(args, doseq=True)
    words = {"q": "search", "review": "review", "cycle": "cycle", "state": "State",
             "group": "regional group", "theme": "theme or issue", "sdg": "SDG",
             "affected": "affected persons", "position": "position",
             "category": "action category", "territory": "territory",
             "status": "implementation status", "assessed_by": "assessed by",
             "kind": "kind", "repeated": "repeated from an earlier cycle",
             "lead": "lead organisation"}
    parts = []
    if filters.q:
        parts.append(f'search: "{filters.q}"')
    for name in filters.FACETS:
        values = getattr(filters, name)
        if values and name not in hidden:
            labels = [shown.get(name, {}).get(v, str(v)) for v in values]
            parts.append(f"{words.get(name, name)}: {' or '.join(labels)}")
    return query, "; ".join(parts)
