"""The data package's descriptor (issue 10): licence (configurable), sources, created date,
filter, every field's type and description; and the zip streams with flat memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

import frictionless

from coalition.exports.columns import COLUMN_NAMES, RECOMMENDATION_COLUMNS
from coalition.exports.datapackage import (
    DEFAULT_LICENCE,
    datapackage_chunks,
    licence_from_config,
    table_schema,
    write_datapackage_csv,
)

CREATED = datetime(2026, 11, 30, 14, 5, 9, 123456, tzinfo=UTC)


def rows(count: int, long: bool = False) -> Iterator[list[str]]:
    for n in range(1, count + 1):
        values = {name: "" for name in COLUMN_NAMES}
        china = n % 2
        values.update(
            recommendation_id=str(n), review="chn-3" if china else "fra-4",
            state_under_review="China" if china else "France",
            state_under_review_code="CHN" if china else "FRA",
            cycle="3" if china else "4", session="31" if china else "43",
            review_date="2018-11-06" if china else "2023-05-01",
            symbol="A/HRC/40/6" if china else "A/HRC/54/5", paragraph=f"28.{n}",
            kind="recommendation", recommendation=f'Text {n}, "quoted"\nover two lines 香港',
            recommending_state="Germany|Uruguay", recommending_state_code="DEU|URY",
            response="supported_in_part", sdgs="16|5", updated_at="2026-11-30T14:05:09+00:00",
            annotation_id=f"a{n}" if n == 3 else "", upr_info_id=f"u{n}" if n == 4 else "")
        yield [values[name] for name in COLUMN_NAMES]


def csv_bytes(count: int, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMN_NAMES)
    writer.writerows(rows(count))
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def package(data: bytes, **options) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(datapackage_chunks([data], **options))))
    return json.loads(archive.read("datapackage.json")), archive


def test_the_descriptor_says_what_a_researcher_needs():
    data = csv_bytes(6)
    descriptor, archive = package(data, query="review=chn-3&q=hong+kong",
                                  filter_description="China, cycle 3; search: hong kong",
                                  created=CREATED)
    assert archive.namelist() == ["data/recommendations.csv", "datapackage.json"]
    assert archive.read("data/recommendations.csv") == data
    assert descriptor["created"] == "2026-11-30T14:05:09Z"
    assert descriptor["coalition:filter"] == {
        "query": "review=chn-3&q=hong+kong", "description": "China, cycle 3; search: hong kong",
        "variant": "wide", "rows": 6}
    assert descriptor["licenses"] == [{"name": "CC-BY-4.0",
                                       "path": "https://creativecommons.org/licenses/by/4.0/",
                                       "title": "Creative Commons Attribution 4.0 International"}]
    assert "United Nations documents" in descriptor["description"]
    sources = {s["title"]: s["path"] for s in descriptor["sources"]}
    report = ("Report of the Working Group on the Universal Periodic Review: China, UPR cycle "
              "3, session 31 (A/HRC/40/6)")
    assert sources[report] == ("https://documents.un.org/api/symbol/access?s=A/HRC/40/6"
                               "&l=en&t=pdf")
    assert sources["OHCHR, Universal Periodic Review: China"].endswith("/upr/cn-index")
    assert sources["OHCHR, Universal Periodic Review: France"].endswith("/upr/fr-index")
    assert "UPR Info, database of UPR recommendations" in sources
    assert "OHCHR, Universal Human Rights Index" in sources
    resource = descriptor["resources"][0]
    assert resource["path"] == "data/recommendations.csv" and resource["encoding"] == "utf-8"
    assert resource["bytes"] == len(data) and resource["hash"].startswith("sha256:")


def test_every_field_has_its_type_and_description():
    schema = table_schema()
    assert [f["name"] for f in schema["fields"]] == list(COLUMN_NAMES)
    for column, described in zip(RECOMMENDATION_COLUMNS, schema["fields"], strict=True):
        assert described["type"] == column.type
        assert described["description"].startswith(column.description)
        assert ('joined by "|"' in described["description"]) == column.many
    assert schema["primaryKey"] == ["recommendation_id"]
    long = table_schema(long=True)
    assert long["primaryKey"] == ["recommendation_id", "recommending_state_code"]
    state = next(f for f in long["fields"] if f["name"] == "recommending_state_code")
    assert "one recommending State per row" in state["description"]


def test_the_licence_is_the_coalitions_choice():
    licence = licence_from_config({"DATA_LICENSE": "ODbL-1.0",
                                   "DATA_LICENSE_URL": "https://opendatacommons.org/licenses/odbl/",
                                   "DATA_LICENSE_TITLE": "Open Data Commons ODbL"})
    descriptor, _archive = package(csv_bytes(1), licence=licence)
    assert descriptor["licenses"][0]["name"] == "ODbL-1.0"
    assert licence.note == DEFAULT_LICENCE.note  # the UN texts' note is kept
    assert licence_from_config({}) == DEFAULT_LICENCE


def test_a_bom_and_line_breaks_split_across_chunks_are_read(tmp_path):
    data = csv_bytes(5, bom=True)
    one_byte_chunks = [data[i:i + 1] for i in range(len(data))]
    path = tmp_path / "package.zip"
    write_datapackage_csv(one_byte_chunks, path)
    descriptor = json.loads(zipfile.ZipFile(path).read("datapackage.json"))
    assert descriptor["coalition:filter"]["rows"] == 5
    assert len(descriptor["sources"]) == 6  # two reports, two OHCHR pages, UPR Info, UHRI
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


def test_a_column_outside_the_contract_is_described_as_text():
    descriptor, _archive = package(b"recommendation_id,secret\r\n1,x\r\n")
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert fields[1] == {"name": "secret", "type": "string",
                         "description": "Not a documented column."}


def test_the_zip_streams_with_flat_memory():
    """The first bytes leave before the CSV is read to its end, and 20,000 rows (about 8 MB
    of CSV) cost no more memory than 2,000."""
    consumed = []

    def chunks(count: int) -> Iterator[bytes]:
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(COLUMN_NAMES)
        for n, row in enumerate(rows(count), start=1):
            writer.writerow(row)
            if n % 500 == 0:
                consumed.append(n)
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode("utf-8")

    stream = datapackage_chunks(chunks(20_000))
    next(stream)
    assert consumed == [500]

    def peak(count: int) -> int:
        tracemalloc.start()
        total = sum(len(part) for part in datapackage_chunks(chunks(count)))
        _current, highest = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert total > 0
        return highest

    small, large = peak(2_000), peak(20_000)
    assert large < small + 2 * 1024 * 1024, (small, large)


def test_the_filter_is_described_in_words_and_as_the_trackers_query(app, db):
    from sqlalchemy import select

    from coalition.exports.datapackage import describe_filters
    from coalition.recommendations.tracker import TrackerFilters
    from coalition.reviews.models import Theme
    from coalition.reviews.services import create_review

    review = create_review(None, "CHN", 3, session=31)
    db.session.flush()
    theme = db.session.scalars(select(Theme).where(Theme.code == "A12")).one()
    filters = TrackerFilters(q="hong kong", review=[review.id], theme=[theme.id],
                             position=["noted", "supported_in_part"], territory=["Hong Kong"])
    query, words = describe_filters(filters)
    assert query == (f"q=hong+kong&review=chn-3&theme={theme.id}&position=noted"
                     "&position=supported_in_part&territory=Hong+Kong")
    assert words == ('search: "hong kong"; review: chn-3; theme or issue: A12 Acceptance of '
                     "international norms; position: noted or supported_in_part; territory: "
                     "Hong Kong")
    assert describe_filters(TrackerFilters()) == ("", "")
