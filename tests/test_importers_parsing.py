"""Recommendation importers, parsing only: real OHCHR and UPR Info files, no database, no app."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import docx
import pytest

from coalition.recommendations.importers import detect_format, ohchr_matrix, upr_info
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParseResult,
    RowError,
    UnknownPositionError,
    find_territories,
    map_position,
)

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
UPR_INFO = FIXTURES / "upr-info-excerpt.csv"

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
MATRIX_HEADER = [
    "Recommendation",
    "Position",
    "Full list of themes",
    "Assessment/comments on level of implementation",
]
THEMES_CELL = (
    "A12 Acceptance of international norms\n"
    "S16 SDG 16 - peace, justice and strong institutions\n"
    "Affected persons:\n- general"
)
SOURCE = "\nSource of position: A/HRC/40/6/Add.1 - Para. 2"


@pytest.fixture(scope="module")
def matrix() -> ParseResult:
    return ohchr_matrix.parse(MATRIX)


@pytest.fixture(scope="module")
def excerpt() -> ParseResult:
    with UPR_INFO.open("rb") as handle:
        return upr_info.parse(handle)


def _by_paragraph(result: ParseResult) -> dict[str, object]:
    return {record.paragraph: record for record in result.records}


def _matrix_docx(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    """A minimal matrix-shaped .docx built in memory."""
    document = docx.Document()
    document.add_paragraph("Thematic list of recommendations")
    header = MATRIX_HEADER if header is None else header
    table = document.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=False):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _csv(*lines: str, newline: str = "\r\n", encoding: str = "utf-8") -> bytes:
    return newline.join((HEADER, *lines)).encode(encoding)


# --------------------------------------------------------------------------------------------
# OHCHR matrix: the real file
# --------------------------------------------------------------------------------------------


def test_real_matrix_counts(matrix: ParseResult) -> None:
    assert matrix.format == "ohchr_matrix"
    assert matrix.errors == []
    assert len(matrix.records) == 346
    positions = Counter(record.position for record in matrix.records)
    assert positions == {"supported": 284, "noted": 62}
    assert sorted(record.paragraph for record in matrix.records) == sorted(
        f"28.{n}" for n in range(1, 347)
    )
    assert all(record.recommending_states for record in matrix.records)
    assert all(not record.unresolved_states for record in matrix.records)


def test_real_matrix_accounts_for_every_row(matrix: ParseResult) -> None:
    # 411 table rows: the header, 64 "Theme:" section headings and 346 recommendations.
    assert matrix.rows_total == 410
    assert len(matrix.skipped) == 64
    assert all(reason.startswith("section heading: Theme: ") for _, reason in matrix.skipped)
    assert matrix.rows_accounted == matrix.rows_total
    assert matrix.warnings == []


def test_real_matrix_review_and_position_source(matrix: ParseResult) -> None:
    assert {record.session for record in matrix.records} == {31}
    assert {record.state_under_review for record in matrix.records} == {"CHN"}
    assert {record.position_source for record in matrix.records} == {"A/HRC/40/6/Add.1 - Para. 2"}
    assert {record.position_words for record in matrix.records} == {"Supported", "Noted"}


def test_real_matrix_hong_kong_paragraphs(matrix: ParseResult) -> None:
    hong_kong = {r.paragraph for r in matrix.records if "Hong Kong" in r.territories}
    assert hong_kong == {"28.14", "28.205", "28.343", "28.344", "28.345", "28.346"}
    # 28.14 names both Special Administrative Regions.
    assert _by_paragraph(matrix)["28.14"].territories == ["Hong Kong", "Macao"]


def test_real_matrix_single_recommendation(matrix: ParseResult) -> None:
    record = _by_paragraph(matrix)["28.343"]
    assert record.text == (
        "Uphold the rights, freedoms and rule of law embodied in the one country, two systems "
        "framework for Hong Kong"
    )
    assert record.recommending_states == ["AUS"]
    assert record.position == "supported"
    assert record.source_line == 209


def test_real_matrix_known_row_themes_sdgs_persons(matrix: ParseResult) -> None:
    record = _by_paragraph(matrix)["28.219"]
    assert record.recommending_states == ["GRC"]
    assert record.themes == ["A12", "D1", "D51"]
    assert record.sdgs == [16]
    assert record.affected_persons == ["general", "judges, lawyers and prosecutors"]
    assert _by_paragraph(matrix)["28.19"].sdgs == [8, 16]
    # The bare "S" theme (SDG implementation in general) names no particular goal.
    general_sdg = _by_paragraph(matrix)["28.321"]
    assert "S" in general_sdg.themes
    assert general_sdg.sdgs == []


def test_real_matrix_grouped_recommendations(matrix: ParseResult) -> None:
    paragraphs = _by_paragraph(matrix)
    # "(New Zealand); Accelerate ... (Uruguay) (Mali);"
    assert paragraphs["28.4"].recommending_states == ["NZL", "URY", "MLI"]
    assert paragraphs["28.9"].recommending_states == ["BEN", "EST", "GEO", "LVA", "MLT", "NAM"]
    assert max(len(r.recommending_states) for r in matrix.records) == 11
    # Earlier parts keep their attribution in the text; the final one is stripped.
    assert paragraphs["28.4"].text.endswith(
        "(New Zealand); Accelerate the ratification of the International Covenant on Civil "
        "and Political Rights"
    )


def test_real_matrix_parentheses_that_are_not_states(matrix: ParseResult) -> None:
    paragraphs = _by_paragraph(matrix)
    assert paragraphs["28.74"].text.endswith("Action Plan (2016\u20132020)")
    assert paragraphs["28.74"].recommending_states == ["KGZ"]
    assert paragraphs["28.19"].text == (
        "Ratify the International Labour Organization (ILO) Forced Labour Convention, 1930 "
        "(No. 29) and its 20l4 Protocol"
    )
    assert paragraphs["28.14"].recommending_states == ["NER", "PHL", "IDN"]
    assert "(the Paris Principles) (Niger);" in paragraphs["28.14"].text


def test_matrix_parses_from_bytes_and_file_objects() -> None:
    data = MATRIX.read_bytes()
    assert len(ohchr_matrix.parse(data).records) == 346
    with MATRIX.open("rb") as handle:
        assert len(ohchr_matrix.parse(handle).records) == 346


# --------------------------------------------------------------------------------------------
# OHCHR matrix: what must be refused or reported
# --------------------------------------------------------------------------------------------


def test_docx_without_the_matrix_table_is_refused() -> None:
    document = docx.Document()
    document.add_paragraph("Dear colleagues, please find the matrix attached.")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(ImportFormatError, match="Recommendation \\| Position"):
        ohchr_matrix.parse(buffer.getvalue())


def test_docx_with_another_table_is_refused() -> None:
    data = _matrix_docx([["a", "b"]], header=["Name", "Organisation"])
    with pytest.raises(ImportFormatError):
        ohchr_matrix.parse(data)


def test_text_file_is_not_a_matrix(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_text("Just some notes, renamed to .docx.\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not a Word"):
        ohchr_matrix.parse(path)


def test_duplicated_paragraph_is_a_row_error() -> None:
    data = _matrix_docx(
        [
            ["Theme: A12 Acceptance of international norms"] * 4,
            ["28.1 Ratify the ICCPR (Norway);" + SOURCE, "Supported", THEMES_CELL, ""],
            ["28.2 Abolish the death penalty (Italy) (Spain)." + SOURCE, "Noted", "", ""],
            ["28.1 Ratify the ICCPR again (Sweden);" + SOURCE, "Supported", THEMES_CELL, ""],
        ]
    )
    result = ohchr_matrix.parse(data)
    assert [r.paragraph for r in result.records] == ["28.1", "28.2"]
    assert result.errors == [RowError(5, "paragraph 28.1 already appears in row 3")]
    assert result.skipped == [(2, "section heading: Theme: A12 Acceptance of international norms")]
    assert result.records[1].recommending_states == ["ITA", "ESP"]
    assert result.records[1].text == "Abolish the death penalty"
    assert result.rows_accounted == result.rows_total == 4


def test_matrix_position_words_are_mapped_explicitly() -> None:
    data = _matrix_docx(
        [
            ["28.1 Ratify the ICCPR (New Zealand; Uruguay)" + SOURCE, "Supported in part", "", ""],
            ["28.2 Ratify the CED (Mali)" + SOURCE, "Pending", "", ""],
            ["28.3 Ratify the OP-CAT (Chile)" + SOURCE, "Considered", "", ""],
        ]
    )
    result = ohchr_matrix.parse(data)
    first, second = result.records
    assert (first.position, first.position_words) == ("supported_in_part", "Supported in part")
    assert first.recommending_states == ["NZL", "URY"]
    assert (second.position, second.position_words) == ("pending", "Pending")
    assert result.errors == [RowError(4, "unknown position 'Considered'")]


def test_matrix_unknown_state_is_kept_visible() -> None:
    data = _matrix_docx(
        [
            ["28.1 Protect journalists (Atlantis)" + SOURCE, "Supported", "", ""],
            ["28.2 Protect journalists" + SOURCE, "Supported", "", ""],
        ]
    )
    result = ohchr_matrix.parse(data)
    (record,) = result.records
    assert record.recommending_states == []
    assert record.unresolved_states == ["Atlantis"]
    assert record.text == "Protect journalists"
    assert (2, "recommending State(s) not recognised: Atlantis") in result.warnings
    assert result.errors == [RowError(3, "no recommending State in parentheses after the text")]


# --------------------------------------------------------------------------------------------
# UPR Info: the real excerpt (mac_roman, bare CR)
# --------------------------------------------------------------------------------------------


def test_excerpt_encoding_and_newlines_are_detected(excerpt: ParseResult) -> None:
    raw = UPR_INFO.read_bytes()
    assert b"\n" not in raw and raw.count(b"\r") == 38
    assert excerpt.encoding == "mac_roman"
    assert excerpt.newline == "\r"
    habre = [r for r in excerpt.records if "Habr" in r.text]
    assert len(habre) == 2
    assert all("Hiss\u00e8ne Habr\u00e9" in r.text for r in habre)
    assert all(r.position == "noted" and r.position_words == "Noted" for r in habre)


def test_excerpt_every_row_is_accounted_for(excerpt: ParseResult) -> None:
    assert excerpt.format == "upr_info"
    assert excerpt.rows_total == 38
    assert len(excerpt.records) == 31  # 28 + the three "(Unknown)" rows, kept without a State
    assert excerpt.rows_merged == 7
    assert len(excerpt.errors) == 0
    assert excerpt.skipped == []
    assert (
        excerpt.rows_total
        == len(excerpt.records) + excerpt.rows_merged + len(excerpt.errors)
        == excerpt.rows_accounted
    )


def test_excerpt_merges_one_row_per_state(excerpt: ParseResult) -> None:
    by_line = {record.source_line: record for record in excerpt.records}
    # Lines 5, 17 and 19: Slovenia, Austria and Canada to Argentina, session 1; the later two
    # end in "implemented. " with a trailing space.
    argentina = by_line[5]
    assert argentina.recommending_states == ["SVN", "AUT", "CAN"]
    assert argentina.state_under_review == "ARG"
    assert argentina.session == 1
    assert argentina.action_category == 4
    assert argentina.issues == ["Human rights defenders", "Justice"]
    # The rows disagree on the action category: kept, but a reviewer is told (22-24: the
    # "(Unknown)" recommending States, kept without one).
    assert [line for line, _ in excerpt.warnings] == [17, 19, 22, 23, 24]
    pakistan = by_line[27]
    assert pakistan.recommending_states == ["AUS", "BRA", "VAT", "NLD", "NOR"]
    assert pakistan.paragraph is None


def test_excerpt_state_names(excerpt: ParseResult) -> None:
    by_line = {record.source_line: record for record in excerpt.records}
    assert by_line[25].recommending_states == ["CIV"]  # "Cote d'Ivoire"
    assert by_line[25].state_under_review == "MUS"
    assert by_line[20].state_under_review == "CHN"
    assert by_line[20].territories == ["Hong Kong", "Macao"]


def test_excerpt_unknown_state_rows_import_without_a_state_and_say_so(
        excerpt: ParseResult) -> None:
    # UPR Info writes "&#40;Unknown&#41;" where no recommending State was recorded (the real
    # sessions 1-5 file has nine such rows, Indonesia's): the recommendation is real, so it is
    # kept, without a State, and each row is named in a warning; none is an error.
    assert excerpt.errors == []
    by_line = {record.source_line: record for record in excerpt.records}
    for line in (22, 23, 24):
        assert by_line[line].recommending_states == []
        assert (line, "UPR Info gives the recommending State as '(Unknown)': imported without "
                "a recommending State") in excerpt.warnings


# --------------------------------------------------------------------------------------------
# UPR Info: encodings, newlines, structure
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["mac_roman", "cp1252", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_accented_state_names_in_any_encoding(encoding: str, newline: str) -> None:
    data = _csv(
        "Senegal,Africa,,Bring Mr. Hiss\u00e8ne Habr\u00e9 to justice,"
        "C\u00f4te d'Ivoire,Africa,,Accepted,4,Impunity,4",
        "T\u00fcrkiye,WEOG,,Don\u2019t \u201cdetain\u201d journalists \u2013 ever,"
        "S\u00e3o Tom\u00e9 and Pr\u00edncipe,Africa,,Noted,3,Freedom of the press,5",
        newline=newline,
        encoding=encoding,
    )
    result = upr_info.parse(data)
    assert result.errors == []
    expected = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig"}.get(encoding, encoding)
    assert result.encoding == expected
    assert result.newline == newline
    first, second = result.records
    assert first.recommending_states == ["CIV"]
    assert first.text == "Bring Mr. Hiss\u00e8ne Habr\u00e9 to justice"
    assert second.state_under_review == "TUR"
    assert second.recommending_states == ["STP"]
    assert second.source_line == 3


def test_cp1252_contractions_are_not_read_as_mac_roman() -> None:
    data = _csv(
        "Chad,Africa,,Ensure the State\u2019s police don\u2019t torture,France,WEOG,,Accepted,4,"
        "Torture and other CID treatment,5",
        encoding="cp1252",
    )
    assert upr_info.detect_encoding(data) == "cp1252"


def test_missing_column_is_named() -> None:
    data = b"To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Action,Issue,Session\r\n"
    with pytest.raises(ImportFormatError, match="Response"):
        upr_info.parse(data)


def test_random_text_file_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="missing column"):
        upr_info.parse(b"Minutes of the steering committee\nAll present.\n")
    with pytest.raises(ImportFormatError):
        upr_info.parse(b"")


def test_unknown_state_is_a_row_error_with_its_line() -> None:
    data = _csv(
        "Chile,GRULAC,,Ratify the OP-CAT,Norway,WEOG,,Accepted,5,Torture,1",
        "Chile,GRULAC,,Ratify the CED,Atlantis,WEOG,,Accepted,5,Enforced disappearances,1",
        "Narnia,GRULAC,,Ratify the CED,Norway,WEOG,,Accepted,5,Enforced disappearances,1",
        "Chile,GRULAC,,Ratify the CED,Norway,WEOG,,Maybe,5,Enforced disappearances,1",
        "Chile,GRULAC,,Ratify the CED,Norway,WEOG,,Accepted,9,Enforced disappearances,1",
        "Chile,GRULAC,,Ratify the CED,Norway,WEOG,,Accepted,5,Enforced disappearances,one",
    )
    result = upr_info.parse(data)
    assert len(result.records) == 1
    assert result.errors == [
        RowError(3, "unknown recommending State 'Atlantis'"),
        RowError(4, "unknown State under review 'Narnia'"),
        RowError(5, "unknown position 'Maybe'"),
        RowError(6, "action category must be 1 to 5, not '9'"),
        RowError(7, "session is not a number: 'one'"),
    ]
    assert result.rows_total == len(result.records) + result.rows_merged + len(result.errors)


def test_line_numbers_count_physical_lines_of_multiline_cells() -> None:
    data = _csv(
        'Chile,GRULAC,,"Ratify the OP-CAT\rand the CED",Norway,WEOG,,Accepted,5,Torture,1',
        "Chile,GRULAC,,Ratify the CRPD,Atlantis,WEOG,,Accepted,5,Disabilities,1",
        newline="\r",
    )
    result = upr_info.parse(data)
    assert result.records[0].text == "Ratify the OP-CAT and the CED"
    assert result.errors == [RowError(4, "unknown recommending State 'Atlantis'")]


def test_merge_counting_and_positions() -> None:
    data = _csv(
        "Chile,GRULAC,,Ratify the OP-CAT.,Norway,WEOG,,Accepted,5,Torture,1",
        "Chile,GRULAC,,ratify the  OP-CAT ,Peru,GRULAC,,Accepted,5,Detention,1",
        "Chile,GRULAC,,Ratify the OP-CAT,Norway,WEOG,,Accepted,5,Torture,1",
        "Chile,GRULAC,,Ratify the OP-CAT,Cuba,GRULAC,,Rejected,5,Torture,1",
        "Chile,GRULAC,,Ratify the OP-CAT,Cuba,GRULAC,,Accepted,5,Torture,2",
        "Chile,GRULAC,,Ratify the OP-CAT,Atlantis,GRULAC,,Accepted,5,Torture,1",
        ",,,,,,,,,,",
    )
    result = upr_info.parse(data)
    first, noted, other_session = result.records
    assert first.recommending_states == ["NOR", "PER"]
    assert first.issues == ["Torture", "Detention"]
    # The same words answered differently are two commitments, not one.
    assert (noted.position, noted.position_words) == ("noted", "Rejected")
    assert noted.recommending_states == ["CUB"]
    assert other_session.session == 2
    assert result.rows_merged == 2
    assert len(result.errors) == 1
    assert result.skipped == [(8, "blank line")]
    assert result.rows_total == 7 == result.rows_accounted


def test_progress_is_reported() -> None:
    lines = [
        f"Chile,GRULAC,,Recommendation {n},Norway,WEOG,,Accepted,5,Other,1" for n in range(2500)
    ]
    seen: list[int] = []
    result = upr_info.parse(_csv(*lines), progress=seen.append)
    assert seen == [1000, 2000, 2500]
    assert len(result.records) == 2500


def test_upr_info_parses_paths_and_file_objects(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(UPR_INFO.read_bytes())
    assert len(upr_info.parse(path).records) == 31
    assert len(upr_info.parse(io.BytesIO(UPR_INFO.read_bytes())).records) == 31


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "position"),
    [
        ("Supported", "supported"),
        ("Accepted", "supported"),
        ("Supported in part", "supported_in_part"),
        ("Partially accepted", "supported_in_part"),
        ("Supported and already implemented", "supported"),
        ("Already implemented", "supported"),
        ("Noted", "noted"),
        ("Rejected", "noted"),
        ("Not accepted", "noted"),
        ("Pending", "pending"),
        ("", "pending"),
        ("No response", "pending"),
        ("General response", "pending"),
        (" supported ", "supported"),
    ],
)
def test_map_position_keeps_the_words(words: str, position: str) -> None:
    assert map_position(words) == (position, words.strip())


@pytest.mark.parametrize("words", ["Considered", "Supported in principle", "Yes", "Partially"])
def test_map_position_refuses_to_guess(words: str) -> None:
    with pytest.raises(UnknownPositionError):
        map_position(words)


@pytest.mark.parametrize(
    ("text", "territories"),
    [
        ("Uphold the rights ... for Hong Kong", ["Hong Kong"]),
        ("Ensure the HKSAR government protects journalists", ["Hong Kong"]),
        ("Repeal the national security law in Hong Kong SAR", ["Hong Kong"]),
        ("Apply the Convention to Macau", ["Macao"]),
        ("for the Hong Kong and Macao Special Administrative Regions", ["Hong Kong", "Macao"]),
        ("Ratify the ICCPR", []),
    ],
)
def test_find_territories(text: str, territories: list[str]) -> None:
    assert find_territories(text) == territories


def test_detect_format() -> None:
    assert detect_format("matrix.docx", MATRIX.read_bytes()[:4096]) == "ohchr_matrix"
    assert detect_format("export.csv", UPR_INFO.read_bytes()[:4096]) == "upr_info"
    assert detect_format("export.txt", ("\ufeff" + HEADER + "\r\n").encode()) == "upr_info"
    with pytest.raises(ImportFormatError):
        detect_format("notes.txt", b"Minutes of the steering committee\n")
    with pytest.raises(ImportFormatError, match="CSV"):
        detect_format("sheet.xlsx", b"PK\x03\x04rest")
    with pytest.raises(ImportFormatError, match=r"\.doc"):
        detect_format("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest")
    with pytest.raises(ImportFormatError):
        detect_format("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
