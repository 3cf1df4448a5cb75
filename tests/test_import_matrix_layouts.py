"""OHCHR matrices in every layout and as Word edits them (issue 8, faults 1, 2, 3, 6 and 7).

The small files under fixtures/matrix/ are built by fixtures/matrix/make_fixtures.py; the Egypt
matrix is the real OHCHR file of Egypt's second-cycle review (older layout).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.recommendations.importers import ohchr_matrix
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
    map_position,
)
from coalition.recommendations.models import Recommendation, recommending_state
from coalition.recommendations.services import ImportRefused, import_file
from coalition.reviews.models import Review
from coalition.reviews.services import create_review, review_from_slug

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUTS = FIXTURES / "matrix"
EGYPT = FIXTURES / "Egypt-UPR2-2014-A-HRC-28-16-matrix.docx"


def parse(name: str) -> ParseResult:
    return ohchr_matrix.parse(LAYOUTS / name)


def by_paragraph(result: ParseResult) -> dict[str, ParsedRecommendation]:
    return {record.paragraph: record for record in result.records}


@pytest.fixture(scope="module")
def names() -> dict[str, ParsedRecommendation]:
    return by_paragraph(parse("names.docx"))


@pytest.fixture(scope="module")
def markup() -> ParseResult:
    return parse("word_markup.docx")


@pytest.fixture(scope="module")
def egypt() -> ParseResult:
    return ohchr_matrix.parse(EGYPT)


# --------------------------------------------------------------------------------------------
# Faults 1 and 2: State names with their own parentheses; States as separate groups
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("paragraph", "text", "states"), [
    ("28.1", "Guarantee equality in the law", ["IRN"]),
    ("28.2", "Ratify the Rome Statute of the ICC", ["BOL", "CHL"]),
    ("28.3", "Protect the oceans and coastal communities", ["FSM"]),
    ("28.4", "Abolish the death penalty in law", ["NLD"]),
    ("28.5", "Cooperate with the special procedures", ["VEN"]),
    # Comma forms of the same names.
    ("28.6", "Adopt a national action plan", ["KOR", "BOL"]),
    # Separate groups: the issue's example.
    ("28.7", "Ratify the Rome Statute of the ICC", ["CHL", "EST", "SVN"]),
])
def test_state_names_with_parentheses_and_separate_groups(names, paragraph, text, states):
    record = names[paragraph]
    assert record.text == text
    assert record.recommending_states == states
    assert record.unresolved_states == []


def test_bolivia_is_not_left_in_the_text(names):
    record = names["28.2"]
    assert "(Bolivia" not in record.text and "Chile" not in record.text
    assert record.recommending_states == ["BOL", "CHL"]


def test_the_texts_own_parentheses_stay_in_the_text(names):
    assert names["28.11"].text.endswith("Enforced Disappearance (ICPPED)")
    assert names["28.11"].recommending_states == ["SLE", "TGO"]
    assert names["28.12"].text == ("Implement the National Human Rights Action Plan "
                                   "(2016\u20132020)")
    assert names["28.12"].recommending_states == ["NZL", "URY", "MLI"]
    assert names["28.13"].text.endswith("against women (Istanbul Convention)")
    assert names["28.13"].recommending_states == ["AUT", "BEL"]
    assert names["28.13"].unresolved_states == []


# --------------------------------------------------------------------------------------------
# Fault 3: no State dropped silently
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("paragraph", "broken", "code", "others"), [
    ("28.8", "Sierra Le one", "SLE", []),
    ("28.9", "Bolivia (Plurinational S tate of)", "BOL", ["CHL"]),
])
def test_names_broken_by_pdf_conversion_resolve_to_the_canonical_state(names, paragraph, broken,
                                                                        code, others):
    """The resolver (coalition.reviews.reference) reads the name with its letters squashed
    together; the text is cut cleanly and the State is not lost."""
    record = names[paragraph]
    assert "(" not in record.text
    assert record.unresolved_states == []
    assert sorted(record.recommending_states) == sorted([code, *others])


def test_a_trailing_group_that_names_no_state_is_reported_not_dropped():
    from coalition.recommendations.importers.ohchr_matrix import _parse_attribution

    attribution = _parse_attribution("Ratify the Convention (Chile); (Atlantis Republic);")
    assert attribution.text == "Ratify the Convention"
    assert attribution.states == ["CHL"]
    assert attribution.unresolved == ["Atlantis Republic"]


def test_unknown_state_among_separate_groups_is_reported(names):
    record = names["28.10"]
    assert record.text == "Ratify the Convention on Cluster Munitions"
    assert record.recommending_states == ["CHL"]
    assert record.unresolved_states == ["Atlantis"]
    assert (12, "recommending State(s) not recognised: Atlantis") in parse("names.docx").warnings


def test_misspelt_state_in_a_run_is_reported_not_left_in_the_text(names):
    record = names["28.14"]
    assert record.text == "Adopt a law against torture"
    assert record.recommending_states == ["MLI"]
    assert record.unresolved_states == ["Freedonia"]


def test_unknown_state_makes_the_import_refuse_that_row(app, db):
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "names.docx", (LAYOUTS / "names.docx").read_bytes())
    db.session.rollback()
    assert (12, "unknown recommending State(s): Atlantis") in refused.value.report.errors
    report = import_file(None, "names.docx", (LAYOUTS / "names.docx").read_bytes(),
                         skip_errors=True)
    assert (12, "unknown recommending State(s): Atlantis") in report.errors
    assert (16, "unknown recommending State(s): Freedonia") in report.errors
    # Every other row is either imported or reported: none vanishes.
    assert report.created + len(report.errors) == 14
    db.session.rollback()


# --------------------------------------------------------------------------------------------
# Fault 6: what Word shows, with all changes accepted
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("paragraph", "text", "states"), [
    ("28.1", "Ratify the Rome Statute of the ICC", ["CHL"]),  # tracked insertion
    ("28.2", "Abolish the death penalty", ["SWE"]),  # deletion out, insertion in
    ("28.3", "Protect journalists", ["CHL"]),  # smart tags
    ("28.4", "Implement the recommendations of the Committee against Torture", ["DNK"]),
    ("28.5", "Ratify ILO Convention No. 189", ["PHL"]),  # w:fldSimple
    ("28.6", "Ratify the ICESCR", ["MEX"]),  # complex field: result, not instruction
    ("28.7", "Adopt a law on domestic violence", ["ESP"]),  # content control
    ("28.8", "Ensure access to education", ["PER"]),  # moveFrom out, moveTo in
    ("28.10", "Ratify the CRPD", ["GHA"]),  # a row inside a content control
    ("28.12", "Guarantee freedom of peaceful assembly", ["ISL"]),  # deleted paragraph mark
])
def test_word_markup_is_read_as_word_shows_it(markup, paragraph, text, states):
    record = by_paragraph(markup)[paragraph]
    assert record.text == text
    assert record.recommending_states == states


def test_deleted_text_rows_and_field_instructions_are_not_read(markup):
    texts = " ".join(record.text for record in markup.records)
    assert "Norway" not in texts and "Italy" not in texts and "HYPERLINK" not in texts
    assert all("NOR" not in r.recommending_states and "ITA" not in r.recommending_states
               and "FRA" not in r.recommending_states for r in markup.records)
    # The tracked-deleted row 28.9 is gone, as after "Accept all changes".
    assert "28.9" not in by_paragraph(markup)
    assert markup.rows_total == 12 and len(markup.records) == 12 and markup.errors == []


def test_tracked_position_change_and_hyperlinked_theme(markup):
    record = by_paragraph(markup)["28.11"]
    assert (record.position, record.position_words) == ("supported", "Supported")
    assert by_paragraph(markup)["28.13"].themes == ["D51"]


def test_page_header_with_smart_tag_and_page_field_names_the_review(markup):
    assert {(r.state_under_review, r.session, r.cycle) for r in markup.records} == {
        ("CHN", 31, 3)}
    assert markup.warnings == []


# --------------------------------------------------------------------------------------------
# Fault 7: layouts, from the header row
# --------------------------------------------------------------------------------------------


def test_fourth_cycle_thematic_list() -> None:
    result = parse("thematic_list_4th.docx")
    assert result.errors == [] and result.warnings == []
    assert result.skipped == [
        (2, "section heading: Theme: A12 Acceptance of international norms"),
        (5, "section heading: Theme: D43 Freedom of opinion and expression"),
    ]
    records = by_paragraph(result)
    assert list(records) == ["45.1", "45.2", "45.3", "45.4"]
    first = records["45.1"]
    assert first.text == ("Ratify the Second Optional Protocol to the International Covenant on "
                          "Civil and Political Rights")
    assert first.recommending_states == ["NLD"]
    assert first.position == "noted"
    assert first.position_source == "A/HRC/59/15/Add.1 - Para.3"
    assert first.themes == ["A12", "D23"] and first.sdgs == [16]
    assert records["45.2"].recommending_states == ["BOL", "CHL"]
    assert records["45.2"].affected_persons == ["general"]
    third = records["45.3"]
    assert (third.position, third.position_words) == ("supported_in_part", "Supported/Noted")
    assert third.sdgs == [16, 10] and third.affected_persons == ["media", "human rights defenders"]
    assert third.territories == ["Hong Kong"]
    assert records["45.4"].recommending_states == ["VEN"]
    assert {(r.state_under_review, r.session, r.cycle) for r in result.records} == {
        ("CHN", 45, 4)}


def test_older_layout_reads_the_states_column() -> None:
    result = parse("older_layout.docx")
    records = by_paragraph(result)
    assert result.skipped == [
        (2, "section heading: Right or area: 2.1. Acceptance of international norms"),
        (5, "section heading: Right or area: 12.4. Death penalty"),
    ]
    assert records["166.6"].text == "Ratify the Rome Statute of the ICC"
    assert records["166.6"].recommending_states == ["CHL", "EST", "SVN"]
    # A comma form, a name with its own parentheses, and both separators in one cell.
    assert records["166.7"].recommending_states == ["KOR", "BOL", "CHL"]
    assert records["166.7"].text == "Adopt a comprehensive anti-discrimination law"
    assert (records["166.7"].position, records["166.7"].position_words) == (
        "supported_in_part", "Supported/Noted")
    assert records["166.8"].recommending_states == ["IRN"]
    # Numbered rights or areas: the OHCHR theme of the same name, else kept as an issue.
    assert records["166.6"].themes == ["A12"] and records["166.6"].issues == ["Reservations"]
    assert records["166.8"].themes == ["D23"]
    assert records["166.9"].unresolved_states == ["Atlantis"]
    assert {(r.state_under_review, r.session, r.cycle) for r in result.records} == {
        ("EGY", None, 2)}
    assert result.warnings == [(0, "the page header names cycle 2 but no session"),
                               (7, "recommending State(s) not recognised: Atlantis")]


def test_unknown_header_names_the_headers_expected() -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse("unknown_header.docx")
    message = caught.value.message
    assert "Recommendation | Position | Full list of themes" in message
    assert "Recommendation | Recommending state/s | Position | Full list of rights/affected " \
           "persons" in message
    assert ("Recommendation and recommending State | Position of the State under review | "
            "Human rights themes and groups of persons | Relevant SDGs") in message


@pytest.mark.parametrize(("cell", "codes"), [
    ("Korea, Republic of", ["KOR"]),
    ("Korea, Republic of, Chile", ["KOR", "CHL"]),
    ("Chile, Estonia; Slovenia\nTunisia", ["CHL", "EST", "SVN", "TUN"]),
    ("Bolivia (Plurinational State of)\nIran (Islamic Republic of)", ["BOL", "IRN"]),
    ("Bolivia, Plurinational State of; Venezuela, Bolivarian Republic of", ["BOL", "VEN"]),
])
def test_state_column_splitting(cell: str, codes: list[str]) -> None:
    names = ohchr_matrix.split_state_names(cell)
    assert [state.code for _, state in names if state] == codes
    assert all(state for _, state in names)


def test_supported_noted_is_supported_in_part_keeping_the_words() -> None:
    assert map_position("Supported/Noted") == ("supported_in_part", "Supported/Noted")


# --------------------------------------------------------------------------------------------
# The real Egypt matrix (older layout)
# --------------------------------------------------------------------------------------------


def test_egypt_matrix_known_figures(egypt: ParseResult) -> None:
    assert egypt.errors == []
    assert len(egypt.records) == 300
    assert sorted(r.paragraph for r in egypt.records) == sorted(
        f"166.{n}" for n in range(1, 301))
    assert Counter(r.position_words for r in egypt.records) == {
        "Supported": 224, "Noted": 53, "Supported/Noted": 23}
    assert Counter(r.position for r in egypt.records) == {
        "supported": 224, "noted": 53, "supported_in_part": 23}
    assert sum(len(r.recommending_states) for r in egypt.records) == 321
    assert all(r.recommending_states and not r.unresolved_states for r in egypt.records)
    # 345 rows under the header: 300 recommendations and 45 "Right or area" headings.
    assert egypt.rows_total == 345 and len(egypt.skipped) == 45
    assert all(reason.startswith("section heading: Right or area: ")
               for _, reason in egypt.skipped)
    assert egypt.rows_accounted == egypt.rows_total
    assert {(r.state_under_review, r.session, r.cycle) for r in egypt.records} == {
        ("EGY", None, 2)}
    assert egypt.warnings == [(0, "the page header names cycle 2 but no session")]


def test_egypt_matrix_known_rows(egypt: ParseResult) -> None:
    records = by_paragraph(egypt)
    assert records["166.6"].text == "Ratify the Rome Statute of the ICC"
    assert records["166.6"].recommending_states == ["CHL", "EST", "SVN", "TUN", "URY"]
    assert records["166.6"].position == "noted"
    assert records["166.6"].position_source == "A/HRC/28/16/Add.1"
    assert records["166.4"].recommending_states == ["SLE", "CHL"]
    assert records["166.4"].text == "Ratify ICCPR-OP2"
    assert records["166.10"].text.endswith("Enforced Disappearance (ICPPED)")
    named = Counter(code for r in egypt.records for code in r.recommending_states)
    assert (named["BOL"], named["IRN"], named["VEN"]) == (3, 4, 3)
    # Texts never keep a trailing State group.
    assert not [r.paragraph for r in egypt.records
                if r.text.endswith(("(Bolivia", "(Plurinational State of)", ")"))
                and not r.text.endswith(("(ICPPED)", "(ICCPR-OP2)", "(OP-CAT)", "(CEDAW)",
                                         "(2000)"))]


@pytest.fixture
def egypt_review(app: Any, db: Any) -> Review:
    review = create_review(None, "EGY", 2, session=20, report_symbol="A/HRC/28/16",
                           responses_symbol="A/HRC/28/16/Add.1")
    db.session.commit()
    return review


def test_egypt_matrix_imports_exactly(db, egypt_review):
    report = import_file(None, EGYPT.name, EGYPT.read_bytes(), egypt_review)
    db.session.commit()
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (300, 0, 0)
    recs = list(db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == egypt_review.id)))
    assert sorted(r.paragraph for r in recs) == sorted(f"166.{n}" for n in range(1, 301))
    assert Counter(r.position for r in recs) == {
        "supported": 224, "noted": 53, "supported_in_part": 23}
    assert {r.position_words for r in recs if r.position == "supported_in_part"} == {
        "Supported/Noted"}
    links = db.session.execute(
        select(func.count()).select_from(recommending_state).join(
            Recommendation, Recommendation.id == recommending_state.c.recommendation_id)
        .where(Recommendation.review_id == egypt_review.id)).scalar_one()
    assert links == 321
    rome = next(r for r in recs if r.paragraph == "166.6")
    assert rome.text == "Ratify the Rome Statute of the ICC"
    assert {s.code for s in rome.recommending_states} == {"CHL", "EST", "SVN", "TUN", "URY"}


def test_fourth_cycle_matrix_creates_its_review(db):
    report = import_file(None, "thematic_list_4th.docx",
                         (LAYOUTS / "thematic_list_4th.docx").read_bytes())
    db.session.commit()
    assert report.errors == [] and report.created == 4
    review = review_from_slug("chn-4")
    assert review is not None and review.session == 45
    recs = {r.paragraph: r for r in db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == review.id))}
    assert recs["45.3"].position == "supported_in_part"
    assert [s.number for s in recs["45.3"].sdgs] == [10, 16]
    assert {s.code for s in recs["45.2"].recommending_states} == {"BOL", "CHL"}


def test_word_97_file_is_refused_with_save_as_docx() -> None:
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(ImportFormatError, match=r"\.doc\) file: open it in Word, save it as"):
        ohchr_matrix.parse(legacy)


def test_egypt_a_comments_line_is_the_positions_source_not_the_text():
    """Found trying the Egypt matrix: 166.16 kept "(Latvia); Comments: Information sent in a
    post Add.1 letter" in its text."""
    result = ohchr_matrix.parse(EGYPT.read_bytes())
    (record,) = [r for r in result.records if r.paragraph == "166.16"]
    assert record.text == "Consider the withdrawal of reservations to CEDAW Convention"
    assert record.recommending_states == ["LVA"]
    assert record.position_source == "Information sent in a post Add.1 letter"
