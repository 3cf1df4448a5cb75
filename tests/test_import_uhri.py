"""Exports of OHCHR's Universal Human Rights Index (UHRI), .xlsx and the same saved as CSV:
only the UPR recommendations are imported, the rows of other mechanisms counted as skipped.

Fixtures: tests/fixtures/tabular/uhri-export.{xlsx,csv}, built by make_fixtures.py there.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from coalition.core.archives import ZipLimits
from coalition.core.errors import ServiceError
from coalition.recommendations.importers import detect_format, uhri
from coalition.recommendations.importers.records import ImportFormatError, RowError
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import ImportRefused, import_file
from coalition.reviews.models import Review

TABULAR = Path(__file__).parent / "fixtures" / "tabular"
XLSX = TABULAR / "uhri-export.xlsx"
CSV = TABULAR / "uhri-export.csv"
SKIPPED = "3 row(s) of other mechanisms skipped, only UPR recommendations are imported " \
          "(Treaty Bodies: 2, Special Procedures: 1)"


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _without_line(records: list) -> list[dict[str, object]]:
    return [{k: v for k, v in dataclasses.asdict(r).items() if k != "source_line"}
            for r in records]


def test_xlsx_export_is_detected_and_read() -> None:
    data = XLSX.read_bytes()
    assert detect_format("download", data) == "uhri"
    result = uhri.parse(data)
    assert result.format == "uhri" and result.encoding == "xlsx"
    assert result.errors == []
    assert result.rows_total == 6 == result.rows_accounted
    assert len(result.records) == 3
    assert result.skipped == [(4, "not a UPR recommendation (Treaty Bodies)"),
                              (5, "not a UPR recommendation (Special Procedures)"),
                              (7, "not a UPR recommendation (Treaty Bodies)")]
    assert result.warnings[0] == (0, SKIPPED)
    hong_kong, health, defenders = result.records
    assert hong_kong.source_line == 2
    assert hong_kong.paragraph == "28.343"
    # The trailing "(Australia);" names the row's recommending State: not part of the text.
    assert hong_kong.text == "Uphold the rights and freedoms of the people of Hong Kong"
    assert hong_kong.recommending_states == ["AUS"]
    assert (hong_kong.state_under_review, hong_kong.session) == ("CHN", 31)
    assert (hong_kong.position, hong_kong.position_words) == ("supported", "Supported")
    assert hong_kong.themes == ["D43", "D44"] and hong_kong.sdgs == [16]
    assert hong_kong.affected_persons == ["General"]
    assert hong_kong.uhri_annotation_id == "a1b2c3d4-0001"
    assert hong_kong.territories == ["Hong Kong"]
    assert hong_kong.position_source == "Universal Human Rights Index (A/HRC/40/6)"
    # One value a line, "- " prefixed; themes by name map to OHCHR's codes.
    assert health.recommending_states == ["NZL", "URY", "MLI"]
    assert health.themes == ["E41", "F4"] and health.sdgs == [3, 10]
    assert health.affected_persons == ["Persons with disabilities", "Children"]
    assert health.issues == ["Climate finance"]
    assert (3, "theme 'Climate finance' is not in OHCHR's list of themes; kept as an issue") \
        in result.warnings
    assert defenders.unresolved_states == ["Atlantis"]
    assert defenders.recommending_states == ["CAN"]


def test_csv_saved_from_the_sheet_gives_the_same_recommendations() -> None:
    data = CSV.read_bytes()
    assert detect_format("export.csv", data) == "uhri"
    from_csv, from_xlsx = uhri.parse(data), uhri.parse(XLSX.read_bytes())
    assert from_csv.encoding == "utf-8-sig"
    assert _without_line(from_csv.records) == _without_line(from_xlsx.records)
    assert len(from_csv.skipped) == 3 and from_csv.warnings[0] == (0, SKIPPED)
    # CSV lines count the line breaks inside list cells.
    assert [r.source_line for r in from_csv.records] == [2, 4, 13]


@pytest.mark.parametrize("header", ["UPR Recommending States", "UPR Reccomending States",
                                    "upr_recommending_states"])
def test_both_spellings_of_recommending(header: str) -> None:
    data = _xlsx([["Text", "Countries Concerned", "Type", "UPR Session", "UPR Position",
                   header, "Id"],
                  ["140.7 Ratify the OP-ICESCR", "Slovenia", "UPR", "48 ", "Supported",
                   "- Maldives\n- Portugal", 77]])
    (record,) = uhri.parse(data).records
    assert record.recommending_states == ["MDV", "PRT"]
    assert (record.paragraph, record.session, record.uhri_annotation_id) == ("140.7", 48, "77")


def test_without_a_type_column_rows_with_upr_data_are_upr() -> None:
    data = (b"Text,Countries Concerned,UPR Session,UPR Position,UPR Recommending States\r\n"
            b"Ratify the CED,Chile,5,Noted,- Norway\r\n"
            b"Ratify the CED,Chile,,,\r\n")
    result = uhri.parse(data)
    assert [r.recommending_states for r in result.records] == [["NOR"]]
    assert result.skipped == [
        (3, "not a UPR recommendation (no UPR session, position or recommending State)")]


def test_row_problems_are_reported_with_their_rows() -> None:
    data = _xlsx([
        ["Text", "Countries Concerned", "Mechanism", "UPR Session", "UPR Position",
         "UPR Recommending States"],
        ["Ratify", "Narnia", "UPR", 31, "Supported", "- France"],
        ["Ratify", "China\nChile", "UPR", 31, "Supported", "- France"],
        ["Ratify", "China", "UPR", 31, "Perhaps", "- France"],
        ["Ratify", "China", "UPR", 31, "Supported", ""],
        [None, None, None, None, None, None],
    ])
    result = uhri.parse(data)
    assert result.errors == [
        RowError(2, "unknown State under review 'Narnia'"),
        RowError(3, "several countries concerned: China, Chile"),
        RowError(4, "unknown position 'Perhaps'"),
        RowError(5, "no recommending State given"),
    ]
    assert result.rows_total == 5 == result.rows_accounted


def test_sdg_and_theme_lines() -> None:
    assert uhri.parse_sdg("SDG 16 - peace, justice and strong institutions") == 16
    assert uhri.parse_sdg("Goal 5") == 5
    assert uhri.parse_sdg("4 - QUALITY EDUCATION") == 4
    assert uhri.parse_sdg("S16 SDG 16 - peace") == 16
    assert uhri.parse_sdg("SDG 18") is None and uhri.parse_sdg("Poverty") is None
    assert uhri.theme_code("D51 Administration of justice & fair trial") == "D51"
    assert uhri.theme_code("D51 - Administration of justice & fair trial") == "D51"
    assert uhri.theme_code("Administration of justice and fair trial") == "D51"
    assert uhri.theme_code("Right to health - General") == "E41"
    assert uhri.theme_code("Climate finance") is None


def test_workbook_is_checked_before_it_is_unpacked() -> None:
    data = XLSX.read_bytes()
    # Read row by row: the unpacked size of a sheet is bounded, not its element count (a UHRI
    # export of 17,000+ rows has more elements than a .docx may).
    assert uhri.parse(data, limits=ZipLimits(max_xml_elements=10)).records
    with pytest.raises(ImportFormatError, match="more than the 100 bytes allowed for one part"):
        uhri.parse(data, limits=ZipLimits(max_sheet_bytes=100))
    with pytest.raises(ImportFormatError, match="more than the 100 bytes allowed for one part"):
        detect_format("export.xlsx", data, ZipLimits(max_sheet_bytes=100))
    # A sheet that would unpack to 30 MB from a few KB: a zip bomb, refused.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(data)) as original:
            for item in original.infolist():
                archive.writestr(item, original.read(item.filename))
        archive.writestr("xl/worksheets/sheet2.xml", b" " * (30 * 1024 * 1024))
    with pytest.raises(ImportFormatError, match=r"zip bomb|allowed"):
        uhri.parse(buffer.getvalue())


def test_spreadsheet_of_another_kind_is_refused() -> None:
    data = _xlsx([["Name", "Budget"], ["Office", 12]])
    with pytest.raises(ImportFormatError, match="Accepted: OHCHR's matrix"):
        detect_format("budget.xlsx", data)
    with pytest.raises(ImportFormatError, match="missing column"):
        uhri.parse(data)


def test_uhri_export_imports_and_creates_its_review(db) -> None:
    # The fixture has one row naming an unknown State: all-or-nothing refuses the file unless
    # the user chooses to skip it.
    with pytest.raises(ImportRefused):
        import_file(None, "uhri.xlsx", XLSX.read_bytes())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0
    report = import_file(None, "uhri.xlsx", XLSX.read_bytes(), skip_errors=True)
    db.session.commit()
    assert report.format == "uhri"
    assert report.encoding == "xlsx"
    assert len(report.skipped) == 3
    assert report.errors == [(6, "unknown recommending State(s): Atlantis")]
    assert report.created == 2
    (review,) = db.session.scalars(select(Review))
    assert (review.state.code, review.cycle, review.session) == ("CHN", 3, 31)
    recs = {r.paragraph: r for r in db.session.scalars(select(Recommendation))}
    assert {s.code for s in recs["28.344"].recommending_states} == {"NZL", "URY", "MLI"}
    assert {s.number for s in recs["28.344"].sdgs} == {3, 10}


def test_unreadable_workbook_is_a_clear_message(db) -> None:
    with pytest.raises(ServiceError, match=r"not a readable \.xlsx|neither"):
        import_file(None, "broken.xlsx", XLSX.read_bytes()[:-200])
