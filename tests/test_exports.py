"""Exports of the tracker (issue 10): exactly the filtered rows, every column, the formats'
promises (typed XLSX cells, frozen header, autofilter, BOM, RFC 4180, JSON arrays), the long
layout, what each role may read, bad input, the command line and the docs.

Expected values come from the real China matrix parsed in Python (tests/test_tracker.py's
fixtures) and from the tracker page itself, so both databases are checked against one truth.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from coalition.exports import docs, services
from coalition.exports.columns import (
    ASSESSMENT_COLUMNS,
    COLUMN_NAMES,
    RECOMMENDATION_COLUMNS,
    RESPONSE_COLUMNS,
)
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import add_assessment, add_response, import_file
from coalition.reviews.models import Review, Theme
from coalition.reviews.services import create_review
from tests.test_tracker import HONG_KONG, MATRIX, TOTAL_RE, parsed  # noqa: F401

CHN = "chn-3"


@pytest.fixture
def china(app: Any, db: Any) -> Review:
    review = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6),
                           report_symbol="A/HRC/40/6", responses_symbol="A/HRC/40/6/Add.1")
    db.session.commit()
    return review


@pytest.fixture
def imported(db: Any, china: Review) -> Review:
    report = import_file(None, MATRIX.name, MATRIX.read_bytes(), china)
    db.session.commit()
    assert report.created == 346
    return china


@pytest.fixture
def member(auth: Any, world: Any) -> Any:
    auth.login("viewer@example.org")
    return auth


def rec_by_paragraph(db: Any, paragraph: str) -> Recommendation:
    return db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == paragraph)).one()


def download(client: Any, path: str) -> Any:
    """GET an export, reading the streamed body inside the request's context (as a server
    does: the test client's FreshContextClient runs each request in its own context)."""
    return client.get(path, buffered=True)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def jsonl_rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def tracker_total(client: Any, query: str) -> int:
    page = client.get(f"/tracker?{query}").get_data(as_text=True)
    match = TOTAL_RE.search(page)
    assert match, page[:500]
    return int(match.group(1))


def theme_id(db: Any, code: str) -> int:
    return db.session.scalars(select(Theme.id).where(Theme.code == code)).one()


# --- exactly the filter ------------------------------------------------------------------------

def test_export_holds_exactly_the_tracker_rows(client, member, imported, db, parsed):  # noqa: F811
    queries = [
        "",
        "q=hong+kong",
        "position=noted",
        f"theme={theme_id(db, 'A12')}&position=supported",
        "group=African&group=Asia-Pacific&q=the",
        "territory=Hong+Kong",
        "state=FRA&state=DEU",
        "sort=newest&position=noted&group=African",
    ]
    for query in queries:
        response = download(client, f"/exports/recommendations?{query}")
        assert response.status_code == 200, query
        rows = csv_rows(response.data)
        assert len(rows) == tracker_total(client, query), query
        assert len({r["recommendation_id"] for r in rows}) == len(rows)
    hong_kong = csv_rows(download(client, "/exports/recommendations?q=hong+kong").data)
    assert {r["paragraph"] for r in hong_kong} == HONG_KONG
    # The tracker's order: review, then paragraph number (28.9 before 28.10).
    every = csv_rows(download(client, "/exports/recommendations").data)
    def number(paragraph: str) -> tuple[int, ...]:
        return tuple(int(part) for part in paragraph.split("."))

    assert [r["paragraph"] for r in every] == sorted((r.paragraph for r in parsed.records),
                                                     key=number)


def test_review_slug_and_filename(client, member, imported):
    response = download(client, f"/exports/recommendations?review={CHN}&territory=Hong+Kong")
    assert response.status_code == 200
    assert {r["paragraph"] for r in csv_rows(response.data)} == HONG_KONG
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="recommendations-chn-3-\d{4}-\d\d-\d\d\.csv"',
                        disposition), disposition
    assert response.mimetype == "text/csv"
    response = download(client, f"/exports/recommendations?review={imported.id}&format=xlsx"
                        "&layout=long")
    assert 'filename="recommendations-long-chn-3-' in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.xlsx"')


# --- columns and values -----------------------------------------------------------------------

@pytest.fixture
def detailed(db: Any, imported: Review) -> Recommendation:
    """28.14: three recommending States, OHCHR themes, SDG 16, affected persons, both
    territories; given a response in the State's own words and a public assessment."""
    rec = rec_by_paragraph(db, "28.14")
    add_response(None, rec, "legco", "noted", date(2021, 3, 17),
                 words='We do not accept "this", as said', source="LegCo paper, 3")
    world_org = None
    from coalition.organisations.services import create_organisation

    world_org = create_organisation(None, name="Assessing Organisation")
    add_assessment(None, rec, world_org, "partially", date(2021, 1, 1), visibility="public")
    db.session.commit()
    return rec


def test_columns_and_values(client, member, detailed):
    rows = jsonl_rows(download(client, "/exports/recommendations?format=jsonl&q=hong+kong").data)
    assert all(list(row) == list(COLUMN_NAMES) for row in rows)
    row = next(r for r in rows if r["paragraph"] == "28.14")
    assert row["recommendation_id"] == detailed.id
    assert row["review"] == CHN and row["cycle"] == 3 and row["session"] == 31
    assert row["state_under_review"] == "China" and row["state_under_review_code"] == "CHN"
    assert row["state_under_review_regional_group"] == "Asia-Pacific"
    assert row["review_date"] == "2018-11-06" and row["symbol"] == "A/HRC/40/6"
    assert row["recommending_state"] == ["Indonesia", "Niger", "Philippines"]
    assert row["recommending_state_code"] == ["IDN", "NER", "PHL"]
    assert row["recommending_state_regional_group"] == ["Asia-Pacific", "African",
                                                        "Asia-Pacific"]
    assert "A12 Acceptance of international norms" in row["themes"]
    assert row["sdgs"] == [16]
    assert row["territories"] == ["Hong Kong", "Macao"]
    assert row["affected_persons"] and all(isinstance(v, str) for v in row["affected_persons"])
    assert row["response"] == "noted"
    assert row["response_words"] == 'We do not accept "this", as said'
    assert row["kind"] == "recommendation" and "Migrant Workers" in row["recommendation"]
    assert row["assessment_status"] == "partially" and row["assessment_date"] == "2021-01-01"
    assert row["assessment_organisation"] == "Assessing Organisation"
    assert datetime.fromisoformat(row["updated_at"])

    csv_row = next(r for r in csv_rows(download(
        client, "/exports/recommendations?q=hong+kong").data) if r["paragraph"] == "28.14")
    assert list(csv_row) == list(COLUMN_NAMES)
    assert csv_row["recommending_state"] == "Indonesia|Niger|Philippines"
    assert csv_row["recommending_state_code"] == "IDN|NER|PHL"
    assert csv_row["territories"] == "Hong Kong|Macao"
    assert csv_row["sdgs"] == "16" and csv_row["cycle"] == "3"
    assert csv_row["response_words"] == 'We do not accept "this", as said'
    assert csv_row["review_date"] == "2018-11-06"
    assert csv_row["repeated_from"] == "" and csv_row["annotation_id"] == ""


def test_csv_is_rfc_4180_and_excel_gets_a_bom(client, member, detailed):
    plain = download(client, "/exports/recommendations?q=hong+kong").data
    excel = download(client, "/exports/recommendations?q=hong+kong&format=excel").data
    assert excel.startswith(b"\xef\xbb\xbf") and not plain.startswith(b"\xef\xbb\xbf")
    assert excel[3:] == plain
    assert plain.startswith(b"recommendation_id,review,") and b"\r\n" in plain
    # A quote is doubled inside a quoted field; commas are quoted.
    assert b'"We do not accept ""this"", as said"' in plain


def test_xlsx_typed_cells_frozen_header_autofilter(client, member, detailed):
    response = download(client, "/exports/recommendations?q=hong+kong&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(COLUMN_NAMES))}7"
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMN_NAMES)
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet[2:7]]
    assert len(rows) == 6
    row = next(r for r in rows if r["paragraph"] == "28.14")
    assert row["recommendation_id"] == detailed.id and isinstance(row["cycle"], int)
    assert row["session"] == 31
    assert row["review_date"] == datetime(2018, 11, 6)
    cell = sheet.cell(row=2, column=header.index("review_date") + 1)
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert row["assessment_date"] == datetime(2021, 1, 1)
    assert isinstance(row["updated_at"], datetime)
    assert row["recommending_state"] == "Indonesia|Niger|Philippines"
    assert row["territories"] == "Hong Kong|Macao"


def test_long_layout_one_row_per_state(client, member, imported, db):
    pledge = Recommendation(review_id=imported.id, paragraph="99.1", paragraph_sort=99_000_001,
                            text="We pledge to report on time.", text_key="pledge-1",
                            kind="pledge", position="supported")
    db.session.add(pledge)
    db.session.commit()
    wide = jsonl_rows(download(client, "/exports/recommendations?format=jsonl").data)
    long = jsonl_rows(download(client,
                               "/exports/recommendations?format=jsonl&layout=long").data)
    assert len(long) == sum(max(1, len(r["recommending_state"])) for r in wide)
    assert len(long) > len(wide) == 347
    assert all(len(r["recommending_state"]) <= 1 for r in long)
    by_rec = [r for r in long if r["paragraph"] == "28.14"]
    assert [r["recommending_state"][0] for r in by_rec] == ["Indonesia", "Niger", "Philippines"]
    assert [r["recommending_state_code"][0] for r in by_rec] == ["IDN", "NER", "PHL"]
    assert {r["recommendation"] for r in by_rec} == {by_rec[0]["recommendation"]}
    pledges = [r for r in long if r["paragraph"] == "99.1"]
    assert len(pledges) == 1 and pledges[0]["recommending_state"] == []
    assert pledges[0]["kind"] == "pledge"
    long_csv = csv_rows(download(client, "/exports/recommendations?layout=long").data)
    assert len(long_csv) == len(long)
    assert next(r for r in long_csv if r["paragraph"] == "99.1")["recommending_state"] == ""
    assert services.count_rows("recommendations", services.filters_from_args({}), None,
                               long=True) == len(long)


def test_responses_and_assessments_exports(client, member, detailed):
    rows = csv_rows(download(client, "/exports/responses?q=hong+kong").data)
    assert list(rows[0]) == [c.name for c in RESPONSE_COLUMNS]
    mine = [r for r in rows if r["words"].startswith("We do not accept")]
    assert len(mine) == 1
    assert mine[0]["recommendation_id"] == str(detailed.id) and mine[0]["review"] == CHN
    assert mine[0]["paragraph"] == "28.14" and mine[0]["responded_on"] == "2021-03-17"
    assert mine[0]["kind"] == "legco" and mine[0]["position"] == "noted"
    # Responses of other recommendations are not in a filtered export.
    assert {r["paragraph"] for r in rows} <= HONG_KONG
    found = jsonl_rows(download(client, "/exports/assessments?format=jsonl&q=hong+kong").data)
    assert [list(r) for r in found] == [[c.name for c in ASSESSMENT_COLUMNS]]
    assert found[0]["status"] == "partially" and found[0]["assessed_on"] == "2021-01-01"
    assert found[0]["organisation"] == "Assessing Organisation"
    assert found[0]["visibility"] == "public" and found[0]["source_links"] == []
    book = openpyxl.load_workbook(io.BytesIO(download(
        client, "/exports/assessments?format=xlsx").data))
    assert book.active.max_row == 2 and book.active["G2"].value == datetime(2021, 1, 1)
    # The long layout is for recommendations: other tables ignore it.
    assert download(client, "/exports/responses?layout=long").status_code == 200


# --- who sees what ------------------------------------------------------------------------------

@pytest.fixture
def assessed(db: Any, world: Any, imported: Review) -> Recommendation:
    """28.343 assessed three times: by world.org for itself (latest), by world.other for the
    coalition, and by world.other publicly (earliest)."""
    rec = rec_by_paragraph(db, "28.343")
    add_assessment(None, rec, world.other, "not_implemented", date(2021, 1, 1),
                   visibility="public")
    add_assessment(None, rec, world.other, "partially", date(2021, 2, 1),
                   visibility="coalition")
    add_assessment(None, rec, world.org, "fully", date(2021, 3, 1), visibility="organisation")
    db.session.commit()
    return rec


# role: (latest status seen, organisation, statuses of the assessments export)
SEEN = {
    "coordinator": ("fully", "Owning Organisation", ["fully", "partially", "not_implemented"]),
    "viewer": ("fully", "Owning Organisation", ["fully", "partially", "not_implemented"]),
    "editor": ("fully", "Owning Organisation", ["fully", "partially", "not_implemented"]),
    "other_viewer": ("partially", "Other Organisation", ["partially", "not_implemented"]),
    "steering": ("partially", "Other Organisation", ["partially", "not_implemented"]),
    "researcher": ("not_implemented", "Other Organisation", ["not_implemented"]),
    "anonymous": ("not_implemented", "Other Organisation", ["not_implemented"]),
}


@pytest.mark.parametrize("role", list(SEEN))
def test_each_role_exports_what_it_may_read(app, client, auth, world, assessed, role):
    app.config["PUBLIC_TRACKER"] = role == "anonymous"
    if role != "anonymous":
        auth.login(world.users[role].email)
    status, organisation, statuses = SEEN[role]
    for fmt in ("csv", "jsonl", "xlsx"):
        response = download(client, f"/exports/recommendations?format={fmt}&q=hong+kong")
        assert response.status_code == 200, (role, fmt)
        if fmt == "csv":
            rows = csv_rows(response.data)
        elif fmt == "jsonl":
            rows = jsonl_rows(response.data)
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
            header = [c.value for c in sheet[1]]
            rows = [dict(zip(header, (c.value for c in r), strict=True))
                    for r in sheet.iter_rows(min_row=2)]
        row = next(r for r in rows if r["paragraph"] == "28.343")
        assert (row["assessment_status"], row["assessment_organisation"]) == (
            status, organisation), (role, fmt)
        others = [r for r in rows if r["paragraph"] != "28.343"]
        assert all(not r["assessment_status"] for r in others)
    found = jsonl_rows(download(client, "/exports/assessments?format=jsonl").data)
    assert [r["status"] for r in found] == statuses, role
    body = download(client, "/exports/assessments").get_data(as_text=True)
    if "fully" not in statuses:
        assert "fully" not in body and "organisation" not in body.split("\r\n", 1)[1]


def test_who_may_download(app, client, auth, world, imported):
    app.config["PUBLIC_TRACKER"] = False
    response = download(client, "/exports/recommendations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("loner@example.org")
    assert download(client, "/exports/recommendations").status_code == 403
    assert download(client, "/exports/assessments").status_code == 403
    auth.logout()
    app.config["PUBLIC_TRACKER"] = True
    assert download(client, "/exports/recommendations").status_code == 200


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, words", [
    ("format=pdf", "Unknown format"),
    ("format=XLSX", "Unknown format"),
    ("position=nope", "does not know"),
    ("state=12345", "does not know"),
    ("state=ZZZ", "does not know"),
    ("sort=recent", "does not know"),
    ("review=xyz-9", "No review"),
    ("review=chn-99999999999", "No review"),
    ("review=99999999999", "2147483647"),
    ("theme=abc", "does not know"),
])
def test_bad_input_is_a_400_naming_it(client, member, imported, query, words):
    response = download(client, f"/exports/recommendations?{query}")
    assert response.status_code == 400, query
    assert words in response.get_data(as_text=True), query


def test_unknown_export_is_a_404(client, member):
    assert download(client, "/exports/statements").status_code == 404


# --- the page's control ---------------------------------------------------------------------------

def test_download_control_carries_the_filter(client, member, imported):
    page = client.get("/tracker?q=hong+kong&position=noted&territory=Hong+Kong").get_data(
        as_text=True)
    form = page[page.index('class="export-form"'):]
    form = form[:form.index("</form>")]
    assert 'action="/exports/recommendations"' in page
    assert '<input type="hidden" name="q" value="hong kong">' in form
    assert '<input type="hidden" name="position" value="noted">' in form
    assert '<input type="hidden" name="territory" value="Hong Kong">' in form
    for value in ("csv", "excel", "xlsx", "jsonl"):
        assert f'<option value="{value}">' in form
    assert ("datapackage" in form) == (services.datapackage_writer() is not None)
    review_page = client.get(f"/reviews/{CHN}").get_data(as_text=True)
    assert f'<input type="hidden" name="review" value="{imported.id}">' in review_page


# The Download control's labels in Traditional Chinese (as /work/wt/tr/exports.po gives them
# to the catalogue).
ZH = {"Download": "下載", "Download recommendations": "下載建議",
      "One row per recommending State": "每個提出建議的國家一行",
      "Excel workbook (XLSX)": "Excel 活頁簿（XLSX）"}  # noqa: RUF001


def test_download_control_in_both_languages(app, db, db_url, world, imported, tmp_path,
                                            monkeypatch, request):
    """Every label of the control is marked: in English by default, and in Chinese from a
    catalogue that holds them (a copy of the project's with these strings added)."""
    import shutil

    from babel.messages.pofile import read_po, write_po

    from coalition import create_app
    from coalition.i18n import catalogue
    from tests.conftest import AuthActions, FreshContextClient, base_config, dispose_engine

    copy = tmp_path / "translations"
    shutil.copytree(catalogue.TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(catalogue, "TRANSLATIONS_DIR", copy)
    path = catalogue.po_path("zh_Hant")
    with path.open("rb") as handle:
        po = read_po(handle, locale="zh_Hant")
    for english, chinese in ZH.items():
        po.add(english, chinese)
    with path.open("wb") as handle:
        write_po(handle, po)
    catalogue.compile_catalogues()
    other = create_app(base_config(db_url, BABEL_TRANSLATION_DIRECTORIES=str(copy)))
    other.test_client_class = FreshContextClient
    # This second app has its own engine: close its connections when the test ends (left to
    # the garbage collector, an open PostgreSQL connection fails a later test).
    request.addfinalizer(lambda: dispose_engine(other))
    client = other.test_client()
    AuthActions(client).login("viewer@example.org")
    english = client.get("/tracker", headers={"Accept-Language": "en"}).get_data(as_text=True)
    world.users["viewer"].locale = "zh_Hant"
    db.session.commit()
    chinese = client.get("/tracker", headers={"Accept-Language": "zh-HK"}).get_data(
        as_text=True)
    assert '<html lang="zh-Hant">' in chinese
    for label, translated in ZH.items():
        assert f">{label}<" in english or f"> {label}<" in english, label
        assert translated in chinese and f">{label}<" not in chinese, label


# --- memory and statements -------------------------------------------------------------------

def bulk_recommendations(db: Any, review: Review, count: int, start: int = 0) -> None:
    """`count` recommendations, each with one recommending State, by bulk inserts."""
    from coalition.core.time import utcnow
    from coalition.recommendations.models import recommending_state
    from coalition.reviews.models import State

    states = db.session.scalars(select(State.id).order_by(State.id).limit(40)).all()
    now = utcnow()
    rows = [{"review_id": review.id, "paragraph": f"9.{n}", "paragraph_sort": n,
             "text": f"Recommendation number {n} about the rights of everyone, at length.",
             "text_key": f"k{n}", "kind": "recommendation", "position": "supported",
             "position_words": "", "created_at": now, "updated_at": now}
            for n in range(start, start + count)]
    db.session.execute(Recommendation.__table__.insert(), rows)
    ids = db.session.scalars(select(Recommendation.id).where(
        Recommendation.paragraph_sort >= start)).all()
    db.session.execute(recommending_state.insert(), [
        {"recommendation_id": i, "state_id": states[i % len(states)]} for i in ids])
    db.session.commit()


def exported_peak(review_filter: Any) -> tuple[int, int]:
    import tracemalloc

    request = services.ExportRequest("recommendations", "csv", review_filter, None)
    tracemalloc.start()
    size = 0
    for chunk in services.export(request):
        size += len(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, size


def test_memory_is_flat_in_the_row_count(app, db, china):
    bulk_recommendations(db, china, 2_000)
    filters = services.filters_from_args({})
    small_peak, small_size = exported_peak(filters)
    bulk_recommendations(db, china, 18_000, start=2_000)
    db.session.expire_all()
    filters = services.filters_from_args({})
    large_peak, large_size = exported_peak(filters)
    assert large_size > 9 * small_size
    # Ten times the rows, about the same peak (a batch of rows and its links).
    assert large_peak < small_peak * 1.5 + 512 * 1024, (small_peak, large_peak)


def test_statements_per_batch_are_fixed(app, db, china, monkeypatch):
    from tests.test_tracker import counting_statements

    monkeypatch.setattr(services, "BATCH", 100)
    bulk_recommendations(db, china, 250)
    filters = services.filters_from_args({})

    def statements(table: str, fmt: str) -> int:
        request = services.ExportRequest(table, fmt, services.filters_from_args({}), None)
        with counting_statements(db.engine) as sent:
            for _chunk in services.export(request):
                pass
        return len(sent)

    # One streamed SELECT, then LINK_QUERIES per batch of 100: 3 batches.
    assert statements("recommendations", "csv") == 1 + 3 * services.LINK_QUERIES
    assert statements("recommendations", "xlsx") == 1 + 3 * services.LINK_QUERIES
    assert statements("responses", "jsonl") == 1
    assert statements("assessments", "csv") == 1
    assert services.count_rows("recommendations", filters, None) == 250


# --- the command line ---------------------------------------------------------------------------

def test_cli_export(app, db, imported, world, assessed, tmp_path):
    from coalition.exports.commands import export_command

    runner = app.test_cli_runner()
    out = tmp_path / "hk.csv"
    result = runner.invoke(export_command, ["--review", CHN, "--territory", "Hong Kong",
                                            "--all-assessments", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = csv_rows(out.read_bytes())
    assert {r["paragraph"] for r in rows} == HONG_KONG
    # As the coordinator on request: world.org's own assessment is the latest.
    assert next(r for r in rows if r["paragraph"] == "28.343")["assessment_status"] == "fully"
    assert "6 rows written" in result.output

    # By default only what the public may read: the private assessment stays home.
    out = tmp_path / "public.csv"
    result = runner.invoke(export_command, ["--review", CHN, "--territory", "Hong Kong",
                                            "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = csv_rows(out.read_bytes())
    assert next(r for r in rows if r["paragraph"] == "28.343")["assessment_status"] != "fully"

    out = tmp_path / "hk.xlsx"
    result = runner.invoke(export_command, ["--format", "xlsx", "--q", "hong kong", "--as",
                                            "researcher@example.org", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row == 7
    status = [c.value for c in sheet[1]].index("assessment_status")
    assert {r[status].value for r in sheet.iter_rows(min_row=2)} == {"not_implemented", None}

    out = tmp_path / "long.jsonl"
    result = runner.invoke(export_command, ["--format", "jsonl", "--long", "--review", CHN,
                                            "--position", "noted", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert all(r["response"] == "noted" for r in jsonl_rows(out.read_bytes()))

    out = tmp_path / "excel.csv"
    result = runner.invoke(export_command, ["--excel", "--table", "assessments",
                                            "--as", "viewer@example.org", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")

    for args, words in ((["--review", "xyz-9"], "No review"),
                        (["--position", "nope"], "does not know"),
                        (["--as", "nobody@example.org"], "No active account"),
                        (["--as", "loner@example.org"], "may not read the tracker"),
                        (["--as", "viewer@example.org", "--all-assessments"], "exclude"),
                        (["--table", "responses", "--long"], "recommendations only")):
        result = runner.invoke(export_command, [*args, "-o", str(tmp_path / "bad.csv")])
        assert result.exit_code != 0 and words in result.output, (args, result.output)
        assert not (tmp_path / "bad.csv").exists()


# --- the docs -----------------------------------------------------------------------------------

def test_docs_list_every_column():
    assert docs.main(["--check"]) == 0
    text = docs.DOC.read_text(encoding="utf-8")
    for columns in (RECOMMENDATION_COLUMNS, RESPONSE_COLUMNS, ASSESSMENT_COLUMNS):
        for column in columns:
            assert f"| `{column.name}` | {column.type} |" in text
    for word in ("`|`", "long", "BOM", "coalition export", "/exports/recommendations",
                 "PUBLIC_TRACKER", "visible_assessments"):
        assert word in text
