"""CSV files as spreadsheets save them (issue 8, fault 8) and UPR Info's voluntary pledges
(fault 4): the same rows saved each way import to identical recommendations.

Fixtures: tests/fixtures/tabular/, built by make_fixtures.py there.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from coalition.recommendations.importers import detect_format, tabular, upr_info
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
)
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import import_file

FIXTURES = Path(__file__).parent / "fixtures"
TABULAR = FIXTURES / "tabular"
HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
HONG_KONG = "Guarantee Hong Kong\u2019s people the right to \u201cpeaceful assembly\u201d"

# file -> (encoding, newline, delimiter) detected
VARIANTS = {
    "upr-info-utf8-lf.csv": ("utf-8", "\n", ","),
    "upr-info-utf8-bom-crlf.csv": ("utf-8-sig", "\r\n", ","),
    "upr-info-utf8-cr.csv": ("utf-8", "\r", ","),
    "upr-info-cp1252-crlf.csv": ("cp1252", "\r\n", ","),
    "upr-info-mac-roman-cr.csv": ("mac_roman", "\r", ","),
    "upr-info-semicolon-cp1252.csv": ("cp1252", "\r\n", ";"),
    "upr-info-sep-semicolon.csv": ("utf-8", "\r\n", ";"),
    "upr-info-sep-comma-cp1252.csv": ("cp1252", "\r\n", ","),
    "upr-info-unicode-text.txt": ("utf-16", "\r\n", "\t"),
}


def _parse(name: str) -> ParseResult:
    return upr_info.parse(TABULAR / name)


def _without_line(record: ParsedRecommendation) -> dict[str, object]:
    values = dataclasses.asdict(record)
    values.pop("source_line")
    return values


@pytest.fixture(scope="module")
def reference() -> ParseResult:
    return _parse("upr-info-utf8-lf.csv")


def test_reference_rows_read_right(reference: ParseResult) -> None:
    assert reference.errors == [] and reference.skipped == []
    assert reference.rows_total == 9 == reference.rows_accounted
    assert reference.rows_merged == 2
    first = reference.records[0]
    assert first.text == HONG_KONG + " \u2013 without exception"
    assert first.recommending_states == ["AUS", "NZL"]
    assert first.issues == ["Freedom of association", "Freedom of opinion and expression"]
    senegal = reference.records[1]
    assert senegal.text == "Bring Mr. Hiss\u00e8ne Habr\u00e9 to justice"
    assert senegal.recommending_states == ["CIV"]
    # A line break inside a quoted cell is part of the text, and the next rows' line numbers
    # count it.
    op_cat = reference.records[3]
    assert op_cat.text == "Ratify the OP-CAT and the Convention on enforced disappearances"
    assert op_cat.recommending_states == ["NOR", "PER"]
    assert [r.source_line for r in reference.records] == [2, 4, 5, 6, 10, 11, 12]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_saved_variant_gives_identical_records(name: str, reference: ParseResult) -> None:
    result = _parse(name)
    encoding, newline, delimiter = VARIANTS[name]
    assert (result.encoding, result.newline) == (encoding, newline)
    assert tabular.read_csv((TABULAR / name).read_bytes()).delimiter == delimiter
    assert result.records == reference.records
    assert result.errors == [] and result.rows_merged == reference.rows_merged
    assert detect_format(name, (TABULAR / name).read_bytes()) == "upr_info"


def test_the_same_rows_saved_as_xlsx(reference: ParseResult) -> None:
    data = (TABULAR / "upr-info.xlsx").read_bytes()
    assert detect_format("export.bin", data) == "upr_info"
    result = upr_info.parse(data)
    assert result.encoding == "xlsx"
    # Sheet rows, not physical lines: the multi-line cell is one row.
    assert [r.source_line for r in result.records] == [2, 4, 5, 6, 8, 9, 10]
    assert [_without_line(r) for r in result.records] == [
        _without_line(r) for r in reference.records]


def test_sep_line_is_read_and_noted() -> None:
    result = _parse("upr-info-sep-semicolon.csv")
    assert result.warnings == [
        (0, "Excel's 'sep=;' first line read; it is not counted in line numbers.")]


def test_windows_1252_curly_quotes_are_not_mac_roman() -> None:
    """The reported case: cp1252 was stored as "Hong Kongís people to ìpeaceful assemblyî"."""
    line = f"China,Asia,,{HONG_KONG},Australia,WEOG,,Accepted,4,Freedom of association,31"
    for newline in ("\r\n", "\n"):
        data = newline.join([HEADER, line, ""]).encode("cp1252")
        result = upr_info.parse(data)
        assert result.encoding == "cp1252"
        assert result.records[0].text == HONG_KONG
    # And the other way round: the same text saved by a Mac is Mac Roman.
    data = "\r".join([HEADER, line, ""]).encode("mac_roman")
    result = upr_info.parse(data)
    assert result.encoding == "mac_roman"
    assert result.records[0].text == HONG_KONG


@pytest.mark.parametrize("text", [
    HONG_KONG,
    "Bring Mr. Hiss\u00e8ne Habr\u00e9 to justice \u2013 now",
    "Ensure that children \u2014 including \u2018street children\u2019 \u2014 are protected",
    "Garantizar los derechos de los pa\u00edses ind\u00edgenas y la educaci\u00f3n",
    "Renforcer la soci\u00e9t\u00e9 civile \u00e0 l\u2019\u00e9cole et l\u2019\u00eele",
    "Garantir o direito \u00e0 sa\u00fade e \u00e0 educa\u00e7\u00e3o, n\u00e3o "
    "discrimina\u00e7\u00e3o",
    "St\u00e4rken Sie die Rechte der Frauen in \u00d6sterreich",
    "Consider ratifying ILO Convention No. 189 \u201cDomestic Workers\u201d (2011)",
])
@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman"])
@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_legacy_code_pages_both_directions(text: str, encoding: str, newline: str) -> None:
    data = (text + newline + text + newline).encode(encoding)
    assert tabular.detect_encoding(data) == encoding
    assert data.decode(tabular.detect_encoding(data)) == text + newline + text + newline


def test_other_scripts_are_named_by_charset_normalizer() -> None:
    # "Ratify the Convention against torture and ensure human rights", in Russian.
    text = " ".join([
        "\u0420\u0430\u0442\u0438\u0444\u0438\u0446\u0438\u0440\u043e\u0432\u0430\u0442\u044c",
        "\u041a\u043e\u043d\u0432\u0435\u043d\u0446\u0438\u044e",
        "\u043f\u0440\u043e\u0442\u0438\u0432 \u043f\u044b\u0442\u043e\u043a \u0438",
        "\u043e\u0431\u0435\u0441\u043f\u0435\u0447\u0438\u0442\u044c",
        "\u043f\u0440\u0430\u0432\u0430 \u0447\u0435\u043b\u043e\u0432\u0435\u043a\u0430",
    ])
    data = f"{HEADER}\r\nChina,Asia,,{text},France,WEOG,,Accepted,4,Torture,31\r\n".encode(
        "cp1251")
    result = upr_info.parse(data)
    assert result.encoding == "cp1251"
    assert result.records[0].text == text


def test_real_upr_info_excerpt_is_still_mac_roman() -> None:
    data = (FIXTURES / "upr-info-excerpt.csv").read_bytes()
    assert tabular.detect_encoding(data) == "mac_roman"
    # Saved again by Excel on Windows, the same rows are Windows-1252 with CRLF.
    text = data.decode("mac_roman")
    assert tabular.detect_encoding(text.replace("\r", "\r\n").encode("cp1252")) == "cp1252"


def test_utf16_without_bom_and_refusals() -> None:
    data = (HEADER + "\r\n").encode("utf-16-le")
    assert tabular.detect_encoding(data) == "utf-16-le"
    assert upr_info.parse(data).rows_total == 0
    with pytest.raises(ImportFormatError, match="binary"):
        upr_info.parse(b"To,Text\x00\x01\x02" * 10)
    with pytest.raises(ImportFormatError, match="empty"):
        upr_info.parse("\ufeff".encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Voluntary pledges
# --------------------------------------------------------------------------------------------


def test_voluntary_pledges_are_pledges_by_the_state_under_review() -> None:
    result = _parse("upr-info-pledges.csv")
    assert result.encoding == "mac_roman" and result.newline == "\r"
    assert result.errors == []
    assert result.rows_total == 6 == result.rows_accounted
    pledges = [r for r in result.records if r.kind == "pledge"]
    assert [(p.state_under_review, p.session) for p in pledges] == [
        ("CHL", 5), ("CHL", 5), ("SEN", 4), ("MEX", 4)]
    for pledge in pledges:
        assert list(pledge.recommending_states) == [] and list(pledge.unresolved_states) == []
        assert pledge.position == "supported"
        assert pledge.position_words.casefold() == "voluntary pledge"
    assert pledges[2].text == "Cr\u00e9er un m\u00e9canisme national de pr\u00e9vention"
    # The same pledge twice is one pledge.
    assert result.rows_merged == 1
    recommendation = [r for r in result.records if r.kind == "recommendation"]
    assert [r.recommending_states for r in recommendation] == [["NOR"]]


def test_pledge_naming_another_state_keeps_no_recommending_state() -> None:
    data = "\r\n".join([
        HEADER,
        "Chile,GRULAC,,Adopt a plan,Peru,GRULAC,,Voluntary Pledge,,Other,5",
    ]).encode()
    result = upr_info.parse(data)
    (pledge,) = result.records
    assert pledge.kind == "pledge" and pledge.recommending_states == []
    assert result.warnings == [(2, "a voluntary pledge is Chile's own; the From column's "
                                   "'Peru' was not recorded as a recommending State")]


def test_a_file_of_many_pledges_imports(db) -> None:
    rows = [f"Chile,GRULAC,,Pledge number {n},Chile,GRULAC,,Voluntary Pledge,,Other,5"
            for n in range(947)]
    report = import_file(None, "pledges.csv", "\r".join([HEADER, *rows]).encode("mac_roman"))
    db.session.commit()
    assert report.errors == []
    assert report.created == 947
    recs = list(db.session.scalars(select(Recommendation)))
    assert len(recs) == 947
    assert all(r.recommending_states == [] and r.position == "supported" for r in recs)
    # Stored as pledges by the State under review, which the tracker can filter on.
    assert {r.kind for r in recs} == {"pledge"}
    assert {r.review.state.code for r in recs} == {"CHL"}
