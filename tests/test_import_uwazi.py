"""The export of UPR Info's current database (HURIDOCS Uwazi): columns matched by label in any
order, multiple values joined by "|", "45 - January 2024" sessions, pledges, UPR Info's ids.

Fixtures: tests/fixtures/tabular/uwazi-export*.csv, built by make_fixtures.py there.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coalition.recommendations.importers import detect_format, uwazi
from coalition.recommendations.importers.records import ImportFormatError, RowError
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import ImportRefused, import_file
from coalition.reviews.models import Review

TABULAR = Path(__file__).parent / "fixtures" / "tabular"
EXPORT = TABULAR / "uwazi-export.csv"
REORDERED = TABULAR / "uwazi-export-reordered.csv"
HEADER = ("Title,Date added,Template,Recommendation,State under Review,Recommending State,"
          "Response,Issues,Cycle,Session,Action Category,Geolocation,Documents,Attachments,"
          "Published")


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows, ""]).encode()


def test_export_is_detected_and_read() -> None:
    data = EXPORT.read_bytes()
    assert detect_format("export.csv", data) == "upr_info_uwazi"
    result = uwazi.parse(data)
    assert result.format == "upr_info_uwazi" and result.encoding == "utf-8"
    assert result.errors == [] and result.rows_total == 5 == result.rows_accounted
    first, noted, hong_kong, pledge, chile = result.records
    # "France|Germany": one recommendation made by both.
    assert first.text == "Ratify the Optional Protocol to the ICESCR"
    assert first.recommending_states == ["FRA", "DEU"]
    assert (first.state_under_review, first.session, first.action_category) == ("CHN", 45, 5)
    assert first.issues == ["International instruments", "Economic, social and cultural rights"]
    assert (noted.position, noted.position_words) == ("noted", "Not Supported")
    assert hong_kong.territories == ["Hong Kong"]
    assert (chile.state_under_review, chile.session, chile.action_category) == ("CHL", 43, 3)
    assert pledge.kind == "pledge" and pledge.recommending_states == []
    assert (pledge.position, pledge.position_words) == ("supported", "Voluntary Pledge")
    # The Titles are texts, not ids.
    assert all(r.upr_info_id is None for r in result.records)


def test_unknown_recommending_state_is_kept_visible() -> None:
    result = uwazi.parse(EXPORT.read_bytes())
    hong_kong = result.records[2]
    assert hong_kong.recommending_states == ["CAN"]
    assert hong_kong.unresolved_states == ["Atlantis"]
    assert (4, "recommending State(s) not recognised: Atlantis") in result.warnings


def test_columns_in_any_order_with_extras_and_ids() -> None:
    plain = uwazi.parse(EXPORT.read_bytes())
    moved = uwazi.parse(REORDERED.read_bytes())
    assert moved.encoding == "utf-8-sig"
    assert [r.upr_info_id for r in moved.records] == [f"upr-45-{n:04d}" for n in range(1, 6)]
    strip = [dataclasses.replace(r, upr_info_id=None) for r in moved.records]
    assert strip == plain.records


def test_title_that_is_an_id_is_kept() -> None:
    result = uwazi.parse(_csv(
        "UPR-45-CHN-0012,2024-03-01,Recommendation,Abolish the death penalty,China,Italy,"
        "Noted,Death penalty,4,45 - January 2024,5 - Specific action,,,,Published"))
    (record,) = result.records
    assert record.upr_info_id == "UPR-45-CHN-0012"
    assert record.text == "Abolish the death penalty"


def test_row_problems_are_reported_with_their_lines() -> None:
    result = uwazi.parse(_csv(
        "x,,Recommendation,Abolish the death penalty,Narnia,Italy,Noted,,4,45 - Jan,,,,,",
        "x,,Recommendation,Abolish the death penalty,China,Italy,Maybe,,4,45 - Jan,,,,,",
        "x,,Recommendation,Abolish the death penalty,China,,Noted,,4,45 - Jan,,,,,",
        "x,,Recommendation,Abolish the death penalty,China,Italy,Noted,,3,45 - Jan,,,,,",
        "x,,Recommendation,Abolish the death penalty,China,Italy,Noted,,4,45,9 - Odd,,,,",
        "x,,Recommendation,Abolish the death penalty,China|Chile,Italy,Noted,,4,45,,,,,",
        ",,,,,,,,,,,,,,",
    ))
    assert result.errors == [
        RowError(2, "unknown State under review 'Narnia'"),
        RowError(3, "unknown position 'Maybe'"),
        RowError(4, "no recommending State given"),
        RowError(5, "session 45 is in cycle 4, not 3"),
        RowError(6, "action category must be 1 to 5, not '9 - Odd'"),
        RowError(7, "several States under Review: China, Chile"),
    ]
    assert result.skipped == [(8, "blank line")]
    assert result.rows_total == 7 == result.rows_accounted


def test_same_text_twice_is_merged_with_a_warning_on_ids() -> None:
    data = "\n".join([
        "sharedId,Recommendation,State under Review,Recommending State,Response,Session",
        "a1,Ratify the OP-CAT,Chile,France,Supported,43 - May 2023",
        "a2,Ratify the OP-CAT.,Chile,Peru|France,Supported,43 - May 2023",
    ]).encode()
    result = uwazi.parse(data)
    (record,) = result.records
    assert record.recommending_states == ["FRA", "PER"] and record.upr_info_id == "a1"
    assert result.rows_merged == 1
    assert result.warnings == [(3, "UPR Info id 'a2' has the same text as 'a1' on line 2; "
                                   "merged, kept the first id")]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ImportFormatError, match="Recommending State"):
        uwazi.parse(b"Title,State under Review,Response\nx,China,Noted\n")
    with pytest.raises(ImportFormatError, match="Recommendation"):
        uwazi.parse(b"State under Review,Recommending State,Response\nChina,Italy,Noted\n")


def test_export_imports_and_creates_its_reviews(db) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "uwazi.csv", REORDERED.read_bytes())
    db.session.rollback()
    assert refused.value.report.errors == [(4, "unknown recommending State(s): Atlantis")]
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0
    report = import_file(None, "uwazi.csv", REORDERED.read_bytes(), skip_errors=True)
    db.session.commit()
    assert report.format == "upr_info_uwazi"
    # With the choice to skip, the row naming "Atlantis" is reported by line; the others written.
    assert report.errors == [(4, "unknown recommending State(s): Atlantis")]
    assert report.created == 4
    reviews = {(r.state.code, r.cycle) for r in db.session.scalars(select(Review))}
    assert reviews == {("CHN", 4), ("CHL", 4)}
    texts = {r.text for r in db.session.scalars(select(Recommendation))}
    assert "Adopt a national action plan on human rights" in texts


def test_export_saved_as_xlsx_reads_the_same() -> None:
    import csv
    import io

    import openpyxl

    rows = list(csv.reader(io.StringIO(EXPORT.read_text("utf-8"), newline="")))
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert detect_format("export.xlsx", data) == "upr_info_uwazi"
    assert uwazi.parse(data).records == uwazi.parse(EXPORT.read_bytes()).records


@pytest.mark.parametrize(("session", "expected"), [
    ("45 - January 2024", 45), ("Session 45", 45), ("45th session", 45), ("45", 45)])
def test_session_words(session: str, expected: int) -> None:
    data = "\n".join([
        "Recommendation,State under Review,Recommending State,Response,Session,Cycle",
        f"Ratify the OP-CAT,Chile,France,Supported,{session},Cycle 4",
    ]).encode()
    (record,) = uwazi.parse(data).records
    assert record.session == expected
