"""The importer of this platform's own export (issue 10): found by its header in any column
order, with or without BOM, missing optional columns, as .xlsx or inside a data package; a row
it cannot read is named with its line and the problem, and nothing is imported."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from coalition.exports.columns import COLUMN_NAMES
from coalition.exports.datapackage import datapackage_chunks
from coalition.recommendations.importers import ImportFormatError, coalition_export, detect_format
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import ImportRefused, import_file
from coalition.reviews.models import Review
from coalition.reviews.services import get_review

CHINA = {"review": "chn-3", "state_under_review": "China", "state_under_review_code": "CHN",
         "cycle": "3", "session": "31", "review_date": "2018-11-06", "symbol": "A/HRC/40/6"}


def row(**values: str) -> dict[str, str]:
    return {**CHINA, "kind": "recommendation", "response": "supported", **values}


def export(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = COLUMN_NAMES,
           bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(name, "") for name in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


GOOD = [
    row(recommendation_id="1", paragraph="28.1", recommendation="Ratify the ICCPR",
        recommending_state="France|Germany", recommending_state_code="FRA|DEU",
        themes="A12 Acceptance of international norms|D51", sdgs="16",
        response="supported_in_part", response_words='In part, "as far as possible"'),
    row(recommendation_id="2", paragraph="28.2",
        recommendation="Guarantee freedom of expression in Hong Kong",
        recommending_state_code="SWE", territories="", issues="Freedom of expression"),
]


def test_detected_by_its_header_in_any_order_with_or_without_bom():
    data = export(GOOD)
    assert detect_format("export.csv", data) == "coalition_export"
    assert detect_format("export.csv", export(GOOD, bom=True)) == "coalition_export"
    shuffled = list(reversed(COLUMN_NAMES))
    assert detect_format("x.csv", export(GOOD, shuffled)) == "coalition_export"
    result = coalition_export.parse(export(GOOD, shuffled, bom=True))
    assert result.ok and [r.paragraph for r in result.records] == ["28.1", "28.2"]
    assert result.records[0].recommending_states == ["FRA", "DEU"]
    assert result.records[0].themes == ["A12", "D51"]
    assert result.records[0].position == "supported_in_part"
    assert result.records[0].position_words == 'In part, "as far as possible"'


def test_a_file_with_only_the_text_and_the_review_is_read():
    minimal = export([{"review": "egy-2", "recommendation": "Abolish the death penalty",
                       "recommending_state": "Bolivia (Plurinational State of)|France"}],
                     ["review", "recommendation", "recommending_state"])
    assert detect_format("x.csv", minimal) == "coalition_export"
    result = coalition_export.parse(minimal)
    assert result.ok
    rec = result.records[0]
    assert (rec.state_under_review, rec.cycle, rec.position) == ("EGY", 2, "pending")
    assert rec.recommending_states == ["BOL", "FRA"]


def test_other_formats_are_still_told_apart():
    uwazi = b"Title,Recommendation,State under Review,Recommending State,Response\r\n"
    assert detect_format("x.csv", uwazi) == "upr_info_uwazi"
    with pytest.raises(ImportFormatError, match="column"):
        coalition_export.parse(b"recommendation,recommendation_id\r\nText,1\r\n")


def test_an_xlsx_export_is_read_with_its_typed_cells():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMN_NAMES))
    values = {**GOOD[0], "recommendation_id": 1, "cycle": 3, "session": 31,
              "review_date": datetime.date(2018, 11, 6), "action_category": 5}
    sheet.append([values.get(name) for name in COLUMN_NAMES])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert detect_format("export.xlsx", data) == "coalition_export"
    result = coalition_export.parse(data)
    assert result.ok, result.errors
    assert result.records[0].action_category == 5
    assert result.reviews[("CHN", 3)].review_date == datetime.date(2018, 11, 6)


def test_the_territories_column_wins_over_the_text():
    result = coalition_export.parse(export([
        row(paragraph="1.1", recommendation="Respect the Basic Law of Hong Kong",
            territories=""),
        row(paragraph="1.2", recommendation="Ratify the CAT", territories="Hong Kong|macao"),
    ]))
    assert [r.territories for r in result.records] == [[], ["Hong Kong", "Macao"]]
    without = coalition_export.parse(export(
        [row(paragraph="1.1", recommendation="Respect the Basic Law of Hong Kong")],
        [c for c in COLUMN_NAMES if c != "territories"]))
    assert without.records[0].territories == ["Hong Kong"]


def test_the_long_variant_is_one_recommendation_per_id_or_paragraph():
    long = [row(recommendation_id="7", paragraph="28.7", recommendation="Ratify the CAT",
                recommending_state_code=code) for code in ("FRA", "DEU", "URY")]
    result = coalition_export.parse(export(long))
    assert result.ok and len(result.records) == 1 and result.rows_merged == 2
    assert result.records[0].recommending_states == ["FRA", "DEU", "URY"]
    without_id = coalition_export.parse(export(long, [c for c in COLUMN_NAMES
                                                      if c != "recommendation_id"]))
    assert without_id.records[0].recommending_states == ["FRA", "DEU", "URY"]
    assert without_id.rows_total == 3 and without_id.rows_accounted == 3


BAD = [
    (row(paragraph="1", recommendation="a", response="considered"), "unknown position"),
    (row(paragraph="2", recommendation="b", sdgs="16|18"), "'18' is not a Sustainable"),
    (row(paragraph="3", recommendation="c", recommending_state_code="FRA|XXX"),
     "unknown recommending State code 'XXX'"),
    (row(paragraph="4", recommendation="d", state_under_review_code="ZZZ", review=""),
     "unknown State under review code 'ZZZ'"),
    (row(paragraph="5", recommendation="e", territories="Tibet"), "unknown territory 'Tibet'"),
    (row(paragraph="6", recommendation="f", themes="Nothing of the kind"),
     "is not an OHCHR theme"),
    (row(paragraph="7", recommendation="g", review="chn-2", cycle=""),
     "session 31 is in cycle 3, not 2"),
    (row(paragraph="8", recommendation="h", action_category="9"),
     "action_category must be a number from 1 to 5"),
    (row(paragraph="9", recommendation="i", kind="promise"), "kind must be recommendation"),
    (row(paragraph="10", recommendation="j", review_date="06/11/2018"),
     "review_date must be a date"),
    (row(paragraph="12", recommendation="k", midterm_due="soon"), "midterm_due must be a date"),
    (row(paragraph="11", recommendation=""), "recommendation text is empty"),
    (row(paragraph="28.1", recommendation="again"),
     "paragraph 28.1 of the review is also on line 2"),
]


def test_each_bad_row_is_named_with_its_line_and_nothing_is_imported(app, db):
    data = export([GOOD[0]] + [values for values, _message in BAD])
    result = coalition_export.parse(data)
    messages = {e.source_line: e.reason for e in result.errors}
    for line, (_values, expected) in enumerate(BAD, start=3):
        assert expected in messages.get(line, ""), (line, messages.get(line))
    assert len(result.records) == 1 and len(result.errors) == len(BAD)
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "export.csv", data)
    db.session.rollback()
    assert len(refused.value.report.errors) == len(BAD)
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_skipping_the_bad_rows_imports_the_good_ones(app, db):
    data = export([BAD[0][0], GOOD[1]])
    report = import_file(None, "export.csv", data, skip_errors=True)
    db.session.commit()
    assert report.created == 1 and len(report.errors) == 1
    review = get_review("CHN", 3)
    assert (review.session, str(review.review_date), review.report_symbol) == (
        31, "2018-11-06", "A/HRC/40/6")
    rec = db.session.scalars(select(Recommendation)).one()
    assert rec.territories == [] and [t.name for t in rec.themes] == ["Freedom of expression"]


def _package(descriptor: dict[str, Any], files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor))
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_data_package_is_read_through_its_descriptor():
    package = b"".join(datapackage_chunks([export(GOOD)]))
    assert detect_format("export.zip", package) == "coalition_export"
    assert [r.paragraph for r in coalition_export.parse(package).records] == ["28.1", "28.2"]
    # A package zipped in its folder, with its CSV elsewhere than data/.
    moved = _package({"resources": [{"name": "recommendations", "path": "rows.csv"}]},
                     {"rows.csv": export(GOOD)})
    assert len(coalition_export.parse(moved).records) == 2


@pytest.mark.parametrize(("descriptor", "files", "message"), [
    ({"resources": [{"path": "../../etc/passwd.csv"}]}, {}, "is not inside the zip"),
    ({"resources": [{"path": "https://example.org/x.csv"}]}, {}, "is not inside the zip"),
    ({"resources": [{"path": "missing.csv"}]}, {}, "which the zip does not hold"),
    ({"resources": [{"path": "notes.txt", "format": "txt"}]}, {}, "no CSV resource"),
    ({"name": "no resources"}, {}, "is not readable"),
])
def test_a_broken_data_package_is_refused_with_the_reason(descriptor, files, message):
    data = _package(descriptor, files)
    assert detect_format("x.zip", data) == "coalition_export"
    with pytest.raises(ImportFormatError, match=message):
        coalition_export.parse(data)


def test_a_data_package_uploaded_on_the_web_is_previewed_then_imported(db, client, auth, world):
    from tests.test_import_flow import job_id_of, upload

    auth.login("steering@example.org")
    package = b"".join(datapackage_chunks([export(GOOD)]))
    job_id = job_id_of(upload(auth, package, "upr-recommendations.zip"))
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Coalition export" in html
    assert "Review CHN cycle 3 will be created (China)." in html
    assert "Confirm and import" in html
    auth.post(f"/imports/{job_id}/confirm")
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 2
    assert get_review("CHN", 3).report_symbol == "A/HRC/40/6"
