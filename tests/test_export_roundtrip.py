"""Round trip (issue 10): an export re-imports into an empty database with no other argument
and gives the same recommendations, paragraphs, positions, States, themes, SDGs, affected
persons, territories and words; as CSV (with and without Excel's BOM), as the long variant
(one row per recommending State), as a Frictionless data package, and through the command
line's `coalition import FILE`.

The database holds China's third review (the real OHCHR matrix, with its Hong Kong tags) and
hand-made entries covering what a matrix lacks: recommendations of no, one and three States,
pledges, "supported in part", the State's words with quotes, commas, line breaks and Chinese,
UPR Info issues beside OHCHR themes, annotation and UPR Info ids, action categories, a Hong
Kong tag set by hand on a text that does not name it and one removed from a text that does.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import frictionless
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from coalition.exports.datapackage import datapackage_chunks
from coalition.recommendations.importers import detect_format
from coalition.recommendations.models import (
    Recommendation,
    RecommendationTerritory,
)
from coalition.recommendations.services import (
    import_file,
    paragraph_sort_key,
    text_key,
)
from coalition.reviews.models import AffectedGroup, Review, Sdg, State, Theme
from coalition.reviews.services import create_review, ensure_reference_data
from tests.conftest import clear_tables

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
WORDS = 'We accept, "in part":\nthe first clause only — 部分接受，香港特區'  # noqa: RUF001


# --- the database -----------------------------------------------------------------------------

def _theme(db: Any, kind: str, code: str, name: str) -> Theme:
    theme = db.session.scalars(select(Theme).where(Theme.kind == kind,
                                                   Theme.code == code)).first()
    if theme is None:
        theme = Theme(kind=kind, code=code, name=name)
        db.session.add(theme)
    return theme


def _group(db: Any, name: str) -> AffectedGroup:
    group = db.session.scalars(select(AffectedGroup).where(AffectedGroup.name == name)).first()
    if group is None:
        group = AffectedGroup(name=name)
        db.session.add(group)
    return group


def add(db: Any, review: Review, text: str, *, paragraph: str | None = None,
        kind: str = "recommendation", position: str = "pending", words: str = "",
        source: str | None = None, states: Iterable[str] = (), themes: Iterable[str] = (),
        issues: Iterable[str] = (), sdgs: Iterable[int] = (), affected: Iterable[str] = (),
        territories: Iterable[str] = (), annotation: str | None = None,
        upr_info_id: str | None = None, action: int | None = None) -> Recommendation:
    """A recommendation made by hand, with every link a file can carry."""
    rec = Recommendation(
        review=review, paragraph=paragraph, paragraph_sort=paragraph_sort_key(paragraph),
        text=text, text_key=text_key(text), kind=kind, position=position,
        position_words=words, position_source=source, uhri_annotation_id=annotation,
        upr_info_id=upr_info_id, action_category=action)
    rec.recommending_states = list(db.session.scalars(select(State).where(
        State.code.in_(list(states)))))
    rec.themes = ([_theme(db, "ohchr", code, code) for code in themes]
                  + [_theme(db, "upr_info", name[:120], name) for name in issues])
    rec.sdgs = list(db.session.scalars(select(Sdg).where(Sdg.number.in_(list(sdgs)))))
    rec.affected_groups = [_group(db, name) for name in affected]
    rec.territory_rows = [RecommendationTerritory(territory=t) for t in territories]
    db.session.add(rec)
    return rec


def build(db: Any) -> None:
    ensure_reference_data()
    china = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6),
                          report_symbol="A/HRC/40/6", responses_symbol="A/HRC/40/6/Add.1",
                          midterm_due=date(2021, 11, 6))
    db.session.flush()
    import_file(None, MATRIX.name, MATRIX.read_bytes(), china)
    # A Hong Kong tag removed from a text that names it, one set on a text that does not,
    # a partial acceptance in the State's own words.
    named = db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == china.id, Recommendation.paragraph == "28.343")).one()
    named.territory_rows = []
    tagged = db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == china.id, Recommendation.paragraph == "28.1")).one()
    tagged.territory_rows = [RecommendationTerritory(territory="Hong Kong"),
                             RecommendationTerritory(territory="Macao")]
    partial = db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == china.id, Recommendation.paragraph == "28.2")).one()
    partial.position, partial.position_words = "supported_in_part", WORDS

    egypt = create_review(None, "EGY", 2, session=20, review_date=date(2014, 11, 5),
                          report_symbol="A/HRC/28/16")
    add(db, egypt, "Ratify the Optional Protocol to the Convention against Torture",
        paragraph="166.1", position="noted", words="Noted", source="A/HRC/28/16/Add.1",
        states=["FRA", "DEU", "URY"], themes=["A12", "D25"], issues=["Torture and other CID"],
        sdgs=[16], affected=["persons deprived of their liberty"], annotation="ann-166-1",
        action=5)
    add(db, egypt, "Guarantee the freedom of expression, of the press, and of assembly",
        paragraph="166.2", position="supported_in_part", words=WORDS,
        states=["SWE"], themes=["D43"], sdgs=[16, 5], annotation="ann-166-2", action=4)
    add(db, egypt, "Continue the national human rights plan", paragraph="166.3",
        position="supported", words="Supported", states=[], issues=["General"])
    # Texts Excel would take for formulas, and one that starts with an apostrophe itself.
    add(db, egypt, '=HYPERLINK("http://attacker.example/","Click for the report")',
        paragraph="166.4", position="noted", words="@SUM(1+1)", states=["FRA"])
    add(db, egypt, "'Ensure' the independence of the judiciary", paragraph="166.5",
        position="supported", words="-Supported", states=["DEU"])
    add(db, egypt, "Establish a national preventive mechanism by 2016", kind="pledge",
        position="supported", words="Voluntary Pledge", source="UPR Info",
        issues=["Torture and other CID", "Detention conditions"], upr_info_id="pledge-77",
        action=5)

    france = create_review(None, "FRA", 4, session=43, review_date=date(2023, 5, 1),
                           report_symbol="A/HRC/54/5")
    # UPR Info style: no paragraph, States' names with commas and brackets.
    add(db, france, "Take further measures to combat racial profiling by the police",
        position="supported", words="Supported", source="UPR Info",
        states=["BOL", "VEN", "GBR"], issues=["Racial discrimination", "Police"],
        upr_info_id="upr-fr-4-12", action=4, affected=["people of African descent"])
    add(db, france, "Take further measures to combat racial profiling by the police",
        position="noted", words="Noted (second time)", source="UPR Info",
        states=["IRN"], upr_info_id="upr-fr-4-13")
    add(db, france, "Guarantee the rights of residents from 香港 in France, as 「居民」",
        position="pending", states=["CHN"], territories=["Hong Kong"], sdgs=[10])
    db.session.commit()


def _loaded() -> Any:
    """Every recommendation with its links, in a few queries."""
    return select(Recommendation).order_by(Recommendation.id).options(
        joinedload(Recommendation.review).joinedload(Review.state),
        selectinload(Recommendation.recommending_states),
        selectinload(Recommendation.themes), selectinload(Recommendation.sdgs),
        selectinload(Recommendation.affected_groups),
        selectinload(Recommendation.territory_rows))


def snapshot(db: Any) -> tuple[dict[Any, dict[str, Any]], dict[str, tuple[Any, ...]]]:
    """Every recommendation by (review, paragraph or kind and text), with every field the round
    trip keeps; and every review's session, date and report symbol."""
    recs: dict[Any, dict[str, Any]] = {}
    for rec in db.session.scalars(_loaded()):
        key = (rec.review.slug, rec.paragraph or (rec.kind, rec.text, rec.position))
        assert key not in recs
        recs[key] = {
            "text": rec.text,
            "paragraph": rec.paragraph,
            "kind": rec.kind,
            "position": rec.position,
            "words": rec.position_words,
            "source": rec.position_source,
            "states": {s.code for s in rec.recommending_states},
            "themes": {(t.kind, t.code) for t in rec.themes},
            "theme_names": {t.name for t in rec.themes if t.kind == "upr_info"},
            "sdgs": {s.number for s in rec.sdgs},
            "affected": {g.name for g in rec.affected_groups},
            "territories": set(rec.territories),
            "annotation_id": rec.uhri_annotation_id,
            "upr_info_id": rec.upr_info_id,
            "action_category": rec.action_category,
        }
    reviews = {r.slug: (r.session, r.review_date, r.report_symbol, r.responses_symbol,
                        r.midterm_due)
               for r in db.session.scalars(select(Review))}
    return recs, reviews


# --- the export -------------------------------------------------------------------------------

def csv_export(db: Any, long: bool = False, excel: bool = False) -> Iterator[bytes]:
    """The CSV export of every recommendation (the exports' own writer), as byte chunks."""
    from coalition.exports.services import recommendation_rows, write_csv
    from coalition.recommendations.tracker import TrackerFilters

    yield from write_csv(recommendation_rows(TrackerFilters(), None, long=long), excel=excel)


_EXPORTED: list[tuple[Any, dict[str, bytes]]] = []


@pytest.fixture
def exported(app: Any, db: Any) -> tuple[Any, dict[str, bytes]]:
    """The database's snapshot and its exports, made once per module; the database is empty
    (the `app` fixture's is, and the one the exports were made from is emptied)."""
    if _EXPORTED:
        return _EXPORTED[0]
    build(db)
    before = snapshot(db)
    files = {
        "csv": b"".join(csv_export(db)),
        "excel": b"".join(csv_export(db, excel=True)),
        "long": b"".join(csv_export(db, long=True)),
    }
    files["package"] = b"".join(datapackage_chunks(csv_export(db), query="",
                                                   filter_description="every recommendation"))
    files["long_package"] = b"".join(datapackage_chunks(csv_export(db, long=True), long=True))
    db.session.commit()
    db.session.remove()
    clear_tables()
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0
    _EXPORTED.append((before, files))
    return before, files


def test_the_database_covers_what_a_round_trip_must_keep(exported):
    (recs, reviews), _files = exported
    values = list(recs.values())
    assert len(values) == 346 + 9 and set(reviews) == {"chn-3", "egy-2", "fra-4"}
    assert {len(v["states"]) for v in values} >= {0, 1, 3}
    assert {v["kind"] for v in values} == {"recommendation", "pledge"}
    assert {v["position"] for v in values} == {"supported", "supported_in_part", "noted",
                                               "pending"}
    assert {kind for v in values for kind, _code in v["themes"]} == {"ohchr", "upr_info"}
    assert sum(1 for v in values if "Hong Kong" in v["territories"]) >= 6
    assert any(v["words"] == WORDS for v in values)
    assert any(v["annotation_id"] for v in values) and any(v["upr_info_id"] for v in values)
    assert any(v["sdgs"] for v in values) and any(v["affected"] for v in values)


def test_the_excel_csv_guards_what_excel_would_run_as_a_formula(exported):
    """OWASP's CSV injection: in the "for Excel" CSV a cell that starts with = + - @ (or an
    apostrophe) starts with an apostrophe, which Excel reads as "text"; the plain CSV keeps
    the words as they are. The round trip (below) gives the words back exactly."""
    import csv
    import io

    _before, files = exported
    excel = list(csv.DictReader(io.StringIO(files["excel"].decode("utf-8-sig"))))
    plain = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8"))))
    formula = next(r for r in plain if r["paragraph"] == "166.4")
    assert formula["recommendation"].startswith("=HYPERLINK(")
    assert formula["response_words"] == "@SUM(1+1)"
    guarded = next(r for r in excel if r["paragraph"] == "166.4")
    assert guarded["recommendation"] == "'" + formula["recommendation"]
    assert guarded["response_words"] == "'@SUM(1+1)"
    quoted = next(r for r in excel if r["paragraph"] == "166.5")
    assert quoted["recommendation"] == "''Ensure' the independence of the judiciary"
    assert quoted["response_words"] == "'-Supported"
    for row in excel:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values()), row


@pytest.mark.parametrize("name", ["csv", "excel", "long", "package", "long_package"])
def test_an_export_reimports_into_an_empty_database_identically(db, exported, name):
    before, files = exported
    data = files[name]
    filename = "recommendations.zip" if "package" in name else "recommendations.csv"
    assert detect_format(filename, data) == "coalition_export"
    report = import_file(None, filename, data)  # no review named: the file names its own
    db.session.commit()
    assert report.errors == [] and report.format == "coalition_export"
    assert report.created == len(before[0]) and report.updated == 0
    if name.startswith("long"):
        assert report.rows_merged > 0
    assert snapshot(db) == before
    # Imported again: every recommendation is found unchanged.
    again = import_file(None, filename, data)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(before[0]))


def test_the_command_line_imports_an_export_without_a_review(app, db, exported, tmp_path):
    before, files = exported
    for name in ("package", "csv"):
        path = tmp_path / ("export.zip" if name == "package" else "export.csv")
        path.write_bytes(files[name])
        result = app.test_cli_runner().invoke(args=["import", str(path)])
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert snapshot(db) == before
    assert "Created 0, updated 0, unchanged 355" in result.output


def test_the_reviews_are_created_with_their_session_date_and_symbols(db, exported):
    before, files = exported
    report = import_file(None, "recommendations.csv", files["csv"])
    db.session.commit()
    assert snapshot(db)[1] == before[1] == {
        "chn-3": (31, date(2018, 11, 6), "A/HRC/40/6", "A/HRC/40/6/Add.1", date(2021, 11, 6)),
        "egy-2": (20, date(2014, 11, 5), "A/HRC/28/16", None, None),
        "fra-4": (43, date(2023, 5, 1), "A/HRC/54/5", None, None),
    }
    assert any("CHN cycle 3 was created" in notice for notice in report.notices)


def test_the_data_package_holds_the_same_csv(exported):
    _before, files = exported
    archive = zipfile.ZipFile(io.BytesIO(files["package"]))
    assert archive.read("data/recommendations.csv") == files["csv"]
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["coalition:filter"]["rows"] == 355
    long = json.loads(zipfile.ZipFile(io.BytesIO(files["long_package"])).read(
        "datapackage.json"))
    assert long["resources"][0]["schema"]["primaryKey"] == ["recommendation_id",
                                                             "recommending_state_code"]
    assert long["coalition:filter"]["variant"] == "long"


@pytest.mark.parametrize("name", ["package", "long_package"])
def test_the_data_package_is_valid_for_frictionless(exported, tmp_path, name):
    """`frictionless validate` (its Python API and its command line) finds no error: the
    descriptor, the schema's types and constraints, the primary key, the size and the hash."""
    _before, files = exported
    path = tmp_path / f"{name}.zip"
    path.write_bytes(files[name])
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    rows = report.tasks[0].stats["rows"]
    assert report.stats["errors"] == 0 and (rows > 355 if name == "long_package" else rows == 355)
    cli = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json",
                          str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert cli.returncode == 0, cli.stdout[-2000:] + cli.stderr[-2000:]
    assert json.loads(cli.stdout)["valid"] is True


def test_frictionless_finds_a_value_the_schema_forbids(exported, tmp_path):
    """The validation above checks the rows, not only the descriptor: a position outside the
    list and a repeated recommendation_id are reported."""
    _before, files = exported
    header, first, *rest = list(csv.reader(io.StringIO(files["csv"].decode("utf-8"))))
    first[header.index("response")] = "accepted"
    out = io.StringIO(newline="")
    csv.writer(out).writerows([header, first, *rest, rest[0]])
    path = tmp_path / "broken.zip"
    path.write_bytes(b"".join(datapackage_chunks([out.getvalue().encode("utf-8")])))
    report = frictionless.validate(str(path))
    assert not report.valid
    assert {error.type for task in report.tasks for error in task.errors} == {
        "constraint-error", "primary-key"}
