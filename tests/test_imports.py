"""Importing recommendations: the service, the web upload with preview and confirm, the CLI.

The real OHCHR matrix of China's 2018 review and UPR Info's excerpt go through the one import
service; small matrices built here in memory stand in for corrected and broken files.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import func, select, text

from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from coalition.recommendations import services
from coalition.recommendations.models import ImportJob, Recommendation, Response
from coalition.recommendations.services import import_file
from coalition.reviews.models import Review
from coalition.reviews.services import create_review, review_from_slug

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
UPR_INFO = FIXTURES / "upr-info-excerpt.csv"
HONG_KONG = {"28.14", "28.205", "28.343", "28.344", "28.345", "28.346"}

MATRIX_HEADER = ["Recommendation", "Position", "Full list of themes",
                 "Assessment/comments on level of implementation"]
SOURCE = "\nSource of position: A/HRC/40/6/Add.1 - Para. 2"
THEMES = ("A12 Acceptance of international norms\n"
          "S16 SDG 16 - peace, justice and strong institutions\n"
          "Affected persons:\n- general")
CSV_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def matrix_docx(rows: list[tuple[str, str, str]]) -> bytes:
    """A matrix-shaped .docx: (recommendation cell, position, themes cell) per row."""
    document = docx.Document()
    document.add_paragraph("Thematic list of recommendations")
    table = document.add_table(rows=1, cols=4)
    for cell, value in zip(table.rows[0].cells, MATRIX_HEADER, strict=True):
        cell.text = value
    for recommendation, position, themes in rows:
        cells = table.add_row().cells
        cells[0].text = recommendation
        cells[1].text = position
        cells[2].text = themes
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def table_counts(db: Any) -> dict[str, int]:
    """Rows in every table, the search index included."""
    counts = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
              for t in db.metadata.sorted_tables}
    if db.engine.dialect.name == "sqlite":
        counts["recommendation_fts"] = db.session.execute(
            text("SELECT count(*) FROM recommendation_fts")).scalar_one()
    return counts


def recs_by_paragraph(db: Any, review: Review) -> dict[str, Recommendation]:
    return {r.paragraph: r for r in db.session.scalars(
        select(Recommendation).where(Recommendation.review_id == review.id))}


@pytest.fixture
def china(app: Any, db: Any) -> Review:
    review = create_review(None, "CHN", 3, session=31, report_symbol="A/HRC/40/6",
                           responses_symbol="A/HRC/40/6/Add.1")
    db.session.commit()
    return review


# --------------------------------------------------------------------------------------------
# The import service
# --------------------------------------------------------------------------------------------


def test_real_matrix_imports_exactly_and_reimport_changes_nothing(db, china):
    data = MATRIX.read_bytes()
    report = import_file(None, MATRIX.name, data, china)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (346, 0, 0)
    assert report.errors == []
    assert report.rows_total == report.created + report.rows_merged + len(report.skipped)

    db.session.expire_all()
    recs = recs_by_paragraph(db, china)
    assert len(recs) == 346
    assert Counter(r.position for r in recs.values()) == {"supported": 284, "noted": 62}
    assert {r.position_words for r in recs.values()} == {"Supported", "Noted"}
    # A grouped recommendation keeps every recommending State, in the file's order by name.
    assert {s.code for s in recs["28.9"].recommending_states} == {
        "BEN", "EST", "GEO", "LVA", "MLT", "NAM"}
    assert {s.code for s in recs["28.4"].recommending_states} == {"NZL", "URY", "MLI"}
    # One row's themes, SDGs and affected persons.
    row = recs["28.219"]
    assert [s.code for s in row.recommending_states] == ["GRC"]
    assert [t.code for t in row.themes] == ["A12", "D1", "D51"]
    assert [s.number for s in row.sdgs] == [16]
    assert [g.name for g in row.affected_groups] == ["general", "judges, lawyers and prosecutors"]
    assert row.position_source == "A/HRC/40/6/Add.1 - Para. 2"
    # The six Hong Kong recommendations, and only those, carry the territory.
    assert {p for p, r in recs.items() if "Hong Kong" in r.territories} == HONG_KONG
    assert recs["28.14"].territories == ["Hong Kong", "Macao"]
    assert recs["28.343"].text.startswith("Uphold the rights, freedoms and rule of law")
    # The file's position is the first response of every recommendation.
    assert db.session.execute(select(func.count(Response.id))).scalar_one() == 346

    before = table_counts(db)
    last_event = db.session.execute(select(func.max(AuditEvent.id))).scalar_one()
    again = import_file(None, MATRIX.name, data, china)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 346)
    assert again.errors == [] and again.changes == []
    after = table_counts(db)
    assert after == {**before, "audit_event": before["audit_event"] + 1}
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_event))
    assert event.action == "recommendations.import"
    assert event.changes["created"] == [None, 0] and event.changes["updated"] == [None, 0]


def test_matrix_naming_its_review_creates_it(db):
    report = import_file(None, MATRIX.name, MATRIX.read_bytes())
    db.session.commit()
    review = review_from_slug("chn-3")
    assert review is not None and review.session == 31
    assert report.created == 346
    assert db.session.execute(select(func.count(Recommendation.id)).where(
        Recommendation.review_id == review.id)).scalar_one() == 346


def test_corrected_file_updates_position_and_audits_the_change(db, china):
    original = matrix_docx([
        ("28.1 Ratify the ICCPR (Australia);" + SOURCE, "Supported", THEMES),
        ("28.2 Abolish the death penalty (Italy) (Spain)." + SOURCE, "Noted", THEMES),
        ("28.3 Protect journalists in Hong Kong (Canada)." + SOURCE, "Supported", THEMES),
    ])
    first = import_file(None, "matrix.docx", original, china)
    db.session.commit()
    assert first.created == 3

    corrected = matrix_docx([
        ("28.1 Ratify the ICCPR (Australia);" + SOURCE, "Noted", THEMES),
        ("28.2 Abolish the death penalty (Italy) (Spain) (France)." + SOURCE, "Noted", THEMES),
        ("28.3 Protect journalists in Hong Kong (Canada)." + SOURCE, "Supported", THEMES),
    ])
    report = import_file(None, "matrix-corrected.docx", corrected, china)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)

    db.session.expire_all()
    recs = recs_by_paragraph(db, china)
    assert recs["28.1"].position == "noted" and recs["28.1"].position_words == "Noted"
    assert {s.code for s in recs["28.2"].recommending_states} == {"ITA", "ESP", "FRA"}
    assert recs["28.3"].position == "supported"

    def updates(rec: Recommendation) -> list[AuditEvent]:
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "recommendation", AuditEvent.object_id == rec.id,
            AuditEvent.action == "recommendation.update")))

    (event,) = updates(recs["28.1"])
    assert event.changes["position"] == ["supported", "noted"]
    (event,) = updates(recs["28.2"])
    assert event.changes["recommending_states"] == [["ESP", "ITA"], ["ESP", "FRA", "ITA"]]
    assert updates(recs["28.3"]) == []


def test_upr_info_excerpt_accounts_for_every_row(db):
    data = UPR_INFO.read_bytes()
    # The real excerpt imports whole: no row is a problem (the three "(Unknown)" recommending
    # States are kept as recommendations without a State, each named in a warning).
    report = import_file(None, UPR_INFO.name, data)
    db.session.commit()
    assert report.format == "upr_info" and report.encoding == "mac_roman"
    assert report.rows_total == 38
    assert report.rows_total == (report.created + report.rows_merged + len(report.errors)
                                 + len(report.skipped))
    assert report.rows_merged == 7 and report.created == 31
    assert report.errors == []

    db.session.expire_all()
    recs = list(db.session.scalars(select(Recommendation)))
    assert len(recs) == report.created
    merged = [r for r in recs if len(r.recommending_states) > 1]
    assert merged, "rows of one recommendation by several States must merge"
    argentina = next(r for r in recs if r.text.startswith(
        "Continue its efforts to improve the protection of victims and witnesses"))
    assert {s.code for s in argentina.recommending_states} == {"SVN", "AUT", "CAN"}
    assert argentina.review.state.code == "ARG" and argentina.review.cycle == 1
    # No State is counted twice on one recommendation; the three "(Unknown)" rows have none.
    assert sum(len(r.recommending_states) for r in recs) == report.rows_total - 3
    assert sum(1 for r in recs if not r.recommending_states) == 3
    assert len(report.reviews) == db.session.execute(
        select(func.count(Review.id))).scalar_one()

    again = import_file(None, UPR_INFO.name, data)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 31)


def test_an_excerpt_of_a_upr_info_file_adds_states_and_never_removes_one(db):
    """Found trying the tracker as a new user: importing a filtered excerpt of rows already
    imported (one row per recommending State) took Canada and Germany off a recommendation
    Slovenia, Canada and Germany made. A missing row is not a withdrawal."""
    import_file(None, UPR_INFO.name, UPR_INFO.read_bytes())
    db.session.commit()
    text = "Continue its efforts to improve the protection of victims and witnesses"
    header, *rows = UPR_INFO.read_bytes().split(b"\r")
    slovenia_only = [row for row in rows if text.encode() in row and b"Slovenia" in row]
    assert len(slovenia_only) == 1
    report = import_file(None, "excerpt.csv", b"\r".join([header, *slovenia_only]))
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    argentina = db.session.scalars(select(Recommendation).where(
        Recommendation.text.startswith(text))).one()
    assert {s.code for s in argentina.recommending_states} == {"SVN", "AUT", "CAN"}


def test_csv_with_a_missing_column_is_refused_naming_it(db, china):
    before = table_counts(db)
    data = (b"To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue\r\n"
            b"Chile,GRULAC,,Ratify the OP-CAT,Norway,WEOG,,Accepted,5,Torture\r\n")
    with pytest.raises(ServiceError, match="Session") as refused:
        import_file(None, "export.csv", data)
    assert refused.value.field == "file"
    db.session.rollback()
    assert table_counts(db) == before


def test_unknown_state_is_a_row_error_with_its_line(db):
    data = "\r\n".join((
        CSV_HEADER,
        "Chile,GRULAC,,Ratify the OP-CAT,Norway,WEOG,,Accepted,5,Torture,1",
        "Chile,GRULAC,,Ratify the CED,Atlantis,WEOG,,Accepted,5,Enforced disappearances,1",
    )).encode()
    report = import_file(None, "export.csv", data, skip_errors=True)
    db.session.commit()
    assert report.created == 1
    assert report.errors == [(3, "unknown recommending State 'Atlantis'")]
    texts = list(db.session.scalars(select(Recommendation.text)))
    assert texts == ["Ratify the OP-CAT"]


def test_unknown_state_in_a_matrix_is_a_row_error(db, china):
    data = matrix_docx([
        ("28.1 Protect journalists (Atlantis)" + SOURCE, "Supported", THEMES),
        ("28.2 Ratify the ICCPR (Norway)" + SOURCE, "Supported", THEMES),
    ])
    report = import_file(None, "matrix.docx", data, china, skip_errors=True)
    db.session.commit()
    assert report.created == 1
    assert (2, "unknown recommending State(s): Atlantis") in report.errors
    assert list(recs_by_paragraph(db, china)) == ["28.2"]


def test_duplicated_paragraph_is_a_row_error(db, china):
    data = matrix_docx([
        ("28.1 Ratify the ICCPR (Norway);" + SOURCE, "Supported", THEMES),
        ("28.2 Abolish the death penalty (Italy)." + SOURCE, "Noted", THEMES),
        ("28.1 Ratify the ICCPR again (Sweden);" + SOURCE, "Supported", THEMES),
    ])
    report = import_file(None, "matrix.docx", data, china, skip_errors=True)
    db.session.commit()
    assert report.created == 2
    assert report.errors == [(4, "paragraph 28.1 already appears in row 2")]
    recs = recs_by_paragraph(db, china)
    assert sorted(recs) == ["28.1", "28.2"]
    assert recs["28.1"].text == "Ratify the ICCPR"


def _docx_without_table() -> bytes:
    document = docx.Document()
    document.add_paragraph("Dear colleagues, the matrix will follow.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("matrix.docx", _docx_without_table(), "Recommendation | Position"),
    ("notes.txt", b"Minutes of the steering committee\nAll present.\n", "Unrecognised file"),
    ("notes.docx", b"Minutes renamed to .docx\n", "Unrecognised file"),
    ("sheet.xlsx", b"PK\x03\x04" + b"\x00" * 100, "neither a .docx nor an .xlsx"),
])
def test_files_that_are_no_import_format_are_refused(db, china, filename, data, message):
    before = table_counts(db)
    with pytest.raises(ServiceError, match=re.escape(message)):
        import_file(None, filename, data, china)
    db.session.rollback()
    assert table_counts(db) == before


def test_matrix_not_naming_its_review_needs_one(db):
    data = matrix_docx([("28.1 Ratify the ICCPR (Norway);" + SOURCE, "Supported", THEMES)])
    with pytest.raises(ServiceError, match="choose the review"):
        import_file(None, "matrix.docx", data)


def _fail_after_first_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    original = services._Importer.insert_batch

    def insert_then_fail(self: Any, review: Review, batch: list[Any]) -> None:
        original(self, review, batch)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services._Importer, "insert_batch", insert_then_fail)


# --------------------------------------------------------------------------------------------
# The CLI
# --------------------------------------------------------------------------------------------


def test_cli_import_dry_run_then_import(app, db, china):
    runner = app.test_cli_runner()
    before = table_counts(db)
    result = runner.invoke(args=["import", str(MATRIX), "--review", "chn-3", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would create 346, updated 0, unchanged 0" in result.output
    assert "Dry run: nothing was saved." in result.output
    db.session.expire_all()
    assert table_counts(db) == before

    result = runner.invoke(args=["import", str(MATRIX), "--review", "chn-3"])
    assert result.exit_code == 0, result.output
    assert "Created 346, updated 0, unchanged 0; 410 rows read" in result.output
    assert "64 skipped, 0 with errors" in result.output
    db.session.expire_all()
    assert db.session.execute(select(func.count(Recommendation.id)).where(
        Recommendation.review_id == china.id)).scalar_one() == 346

    result = runner.invoke(args=["import", str(MATRIX), "--review", "chn-3"])
    assert result.exit_code == 0, result.output
    assert "Created 0, updated 0, unchanged 346" in result.output


def test_cli_refuses_unknown_review_and_bad_files(app, db, tmp_path):
    runner = app.test_cli_runner()
    before = table_counts(db)
    result = runner.invoke(args=["import", str(MATRIX), "--review", "atl-3"])
    assert result.exit_code != 0
    assert "No review 'atl-3'" in result.output
    notes = tmp_path / "notes.txt"
    notes.write_text("Minutes of the steering committee\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(notes)])
    assert result.exit_code != 0 and "Unrecognised file" in result.output
    db.session.expire_all()
    assert table_counts(db) == before


def test_cli_reports_row_errors_with_lines(app, db, tmp_path):
    path = tmp_path / "t3-export.csv"
    path.write_bytes("\r\n".join((
        CSV_HEADER,
        "Chile,GRULAC,,Ratify the OP-CAT,Norway,WEOG,,Accepted,5,Torture,1",
        "Chile,GRULAC,,Ratify the CED,Atlantis,WEOG,,Accepted,5,Enforced disappearances,1",
    )).encode())
    result = app.test_cli_runner().invoke(args=["import", str(path), "--skip-errors"])
    assert result.exit_code == 0, result.output
    assert "Created 1," in result.output and "1 with errors" in result.output
    assert "line 3: unknown recommending State 'Atlantis'" in result.output


def test_fatal_error_midway_leaves_the_database_as_it_was(app, db, monkeypatch):
    before = table_counts(db)
    _fail_after_first_batch(monkeypatch)
    # Without --review the import would also create the review: that must go too.
    result = app.test_cli_runner().invoke(args=["import", str(MATRIX)])
    assert isinstance(result.exception, RuntimeError)
    db.session.expire_all()
    assert table_counts(db) == before
    assert review_from_slug("chn-3") is None


# --------------------------------------------------------------------------------------------
# The web upload: preview, confirm, done
# --------------------------------------------------------------------------------------------


@pytest.fixture
def inline(app: Any) -> Any:
    app.config["IMPORT_INLINE"] = True
    return app


def upload(auth: Any, data: bytes, filename: str, review: Review | None = None) -> Any:
    return auth.post("/imports/new", data={
        "file": (io.BytesIO(data), filename), "review": str(review.id) if review else ""},
        content_type="multipart/form-data")


def count_of(html: str, name: str) -> int:
    match = re.search(rf'id="count-{name}">(\d+)<', html)
    assert match, f"no count of {name} on the page"
    return int(match.group(1))


def test_web_import_preview_confirm_done(inline, db, client, auth, world, china):
    auth.login("steering@example.org")
    response = upload(auth, MATRIX.read_bytes(), MATRIX.name, china)
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert re.search(r"/imports/\d+$", job_url)

    preview = client.get(job_url)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Preview: nothing is saved yet" in html
    assert re.search(r"To create</th><td[^>]*>346<", html)
    assert count_of(html, "errors") == 0
    db.session.expire_all()
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 0

    job_id = int(job_url.rsplit("/", 1)[1])
    confirmed = auth.post(f"/imports/{job_id}/confirm")
    assert confirmed.status_code == 302
    done = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "<h2>Imported</h2>" in done
    assert count_of(done, "created") == 346
    assert "Open the tracker" in done

    status = client.get(f"/imports/{job_id}/status").get_json()
    assert status["status"] == "done"

    tracker = client.get(f"/tracker?review={china.id}").get_data(as_text=True)
    assert "<strong>346</strong> recommendations" in tracker
    db.session.expire_all()
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 346

    again = auth.post(f"/imports/{job_id}/confirm")
    assert again.status_code == 400
    assert "not waiting for confirmation" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 346


def test_web_reimport_previews_nothing_to_change(inline, db, client, auth, world, china):
    import_file(None, MATRIX.name, MATRIX.read_bytes(), china)
    db.session.commit()
    auth.login("steering@example.org")
    response = upload(auth, MATRIX.read_bytes(), MATRIX.name, china)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (count_of(html, "created"), count_of(html, "updated"),
            count_of(html, "unchanged")) == (0, 0, 346)


def test_web_import_shows_row_errors_with_lines(inline, db, client, auth, world, china):
    data = matrix_docx([
        ("28.1 Ratify the ICCPR (Norway);" + SOURCE, "Supported", THEMES),
        ("28.1 Ratify the ICCPR again (Sweden);" + SOURCE, "Supported", THEMES),
    ])
    auth.login("steering@example.org")
    response = upload(auth, data, "matrix.docx", china)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert count_of(html, "created") == 1 and count_of(html, "errors") == 1
    assert "<td>3</td><td>paragraph 28.1 already appears in row 2</td>" in html


def test_web_import_of_a_bad_file_fails_and_saves_nothing(inline, db, client, auth, world):
    auth.login("steering@example.org")
    before = table_counts(db)
    response = upload(auth, b"Minutes of the steering committee\n", "notes.txt")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unrecognised file" in page and "Nothing was saved" in page
    assert "Confirm and import" not in page
    db.session.expire_all()
    after = table_counts(db)
    assert after.pop("import_job") == before.pop("import_job") + 1
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"}


def test_web_import_fatal_error_rolls_everything_back(inline, db, client, auth, world,
                                                      monkeypatch):
    auth.login("steering@example.org")
    response = upload(auth, MATRIX.read_bytes(), MATRIX.name)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    before = table_counts(db)
    _fail_after_first_batch(monkeypatch)
    auth.post(f"/imports/{job_id}/confirm")
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "The import failed and nothing was saved" in page
    db.session.expire_all()
    assert table_counts(db) == before
    assert db.session.get(ImportJob, job_id).status == "failed"


def test_only_the_steering_committee_imports(inline, db, client, auth, world, china):
    for email in ("editor@example.org", "admin@example.org", "researcher@example.org"):
        auth.login(email)
        assert client.get("/imports/new").status_code == 403
        response = upload(auth, MATRIX.read_bytes(), MATRIX.name, china)
        assert response.status_code == 403
        auth.logout()
    db.session.expire_all()
    assert db.session.execute(select(func.count(ImportJob.id))).scalar_one() == 0
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 0


def test_someone_elses_import_job_is_not_shown(inline, db, client, auth, world, make_user,
                                               china):
    auth.login("steering@example.org")
    response = upload(auth, MATRIX.read_bytes(), MATRIX.name, china)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    make_user("steering2@example.org", world.steering_org, "editor")
    auth.login("steering2@example.org")
    assert client.get(f"/imports/{job_id}").status_code == 403
    assert auth.post(f"/imports/{job_id}/confirm").status_code == 403
    db.session.expire_all()
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 0


def test_oversized_upload_is_refused_with_413(inline, db, client, auth, world, china):
    auth.login("steering@example.org")
    inline.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # The multipart body is built here: werkzeug's test client would spool a large one to an
    # unclosed temporary file.
    boundary = "t3boundary"
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{auth.csrf('/imports/new')}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"'
        f"\r\nContent-Type: text/csv\r\n\r\n".encode(),
        CSV_HEADER.encode() + b"\r\n" + b"x" * (2 * 1024 * 1024),
        f"\r\n--{boundary}--\r\n".encode(),
    ])
    response = client.post("/imports/new", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(select(func.count(ImportJob.id))).scalar_one() == 0


def test_reimport_after_a_later_response_changes_nothing(db, china):
    data = MATRIX.read_bytes()
    import_file(None, MATRIX.name, data, china)
    db.session.commit()
    rec = recs_by_paragraph(db, china)["28.344"]
    services.add_response(None, rec, "legco", "noted", date(2021, 3, 17),
                          "The Government will not legislate.", "LegCo paper")
    db.session.commit()
    again = import_file(None, MATRIX.name, data, china)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 346), again.changes
    db.session.expire_all()
    rec = recs_by_paragraph(db, china)["28.344"]
    assert (rec.position, rec.position_words) == ("noted", "The Government will not legislate.")


def test_each_review_import_event_counts_its_own_recommendations(db):
    import_file(None, UPR_INFO.name, UPR_INFO.read_bytes(), skip_errors=True)
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "recommendations.import")))
    assert len(events) == 6
    for event in events:
        created = db.session.execute(select(func.count(Recommendation.id)).where(
            Recommendation.review_id == event.object_id)).scalar_one()
        assert event.changes["created"] == [None, created], event.object_label
