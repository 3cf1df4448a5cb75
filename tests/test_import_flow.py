"""Imports are all or nothing, explicitly (issue 8).

A file with problem rows writes nothing unless the user chooses to import the good rows and skip
the others (web: a second button on the preview; CLI: --skip-errors), and that choice, with the
skipped rows, is kept on the import's page, on the imports page and in the audit trail. A file
that names a review that does not exist yet creates it, with a notice; re-imports match rows by
the source's own identifier first; voluntary pledges have no recommending State.

The files are built here: a UPR Info CSV of five good rows and two problem rows, and small
matrices in memory.
"""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.recommendations import services, views
from coalition.recommendations.importers.records import ParsedRecommendation, ParseResult
from coalition.recommendations.models import ImportJob, Recommendation
from coalition.recommendations.services import (
    ImportRefused,
    NewReview,
    import_file,
    import_parsed,
    review_target,
)
from coalition.reviews.models import Review
from coalition.reviews.services import create_review, review_from_slug

CSV_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
EGYPT = "Egypt,African Group,,"
GOOD = [
    EGYPT + "Ratify the OP-CAT,Norway,WEOG,,Supported,5,Torture,20",
    EGYPT + "Abolish the death penalty,Italy,WEOG,,Noted,5,Death penalty,20",
    EGYPT + "Release detained journalists,Canada,WEOG,,Noted,4,Freedom of expression,20",
    EGYPT + "Protect human rights defenders,Ireland,WEOG,,Supported,4,Defenders,20",
    EGYPT + "Guarantee free assembly,Chile,GRULAC,,Supported,3,Freedom of assembly,20",
]
BAD_STATE = EGYPT + "Ratify the CED,Atlantis,WEOG,,Supported,5,Enforced disappearances,20"
BAD_POSITION = "Egypt,African Group,,End torture in custody,France,WEOG,,Maybe later,5,Torture,20"
# Lines 1 (header), 2-3 good, 4 bad, 5-6 good, 7 bad, 8 good.
PROBLEM_LINES = [4, 7]
PROBLEMS = [(4, "unknown recommending State 'Atlantis'"), (7, "unknown position 'Maybe later'")]


def csv_with_problems() -> bytes:
    lines = [CSV_HEADER, GOOD[0], GOOD[1], BAD_STATE, GOOD[2], GOOD[3], BAD_POSITION, GOOD[4]]
    return "\r\n".join(lines).encode()


def clean_csv() -> bytes:
    return "\r\n".join([CSV_HEADER, *GOOD]).encode()


MATRIX_HEADER = ["Recommendation", "Position", "Full list of themes",
                 "Assessment/comments on level of implementation"]
SOURCE = "\nSource of position: A/HRC/28/16/Add.1 - Para. 2"
THEMES = "A12 Acceptance of international norms\nAffected persons:\n- general"


def matrix_docx(rows: list[tuple[str, str]]) -> bytes:
    """A matrix-shaped .docx that does not name its review: (recommendation, position) rows."""
    document = docx.Document()
    document.add_paragraph("Thematic list of recommendations")
    table = document.add_table(rows=1, cols=4)
    for cell, value in zip(table.rows[0].cells, MATRIX_HEADER, strict=True):
        cell.text = value
    for recommendation, position in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = recommendation + SOURCE, position, THEMES
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def count(db: Any, model: Any = Recommendation) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def parsed(*records: ParsedRecommendation, fmt: str = "uhri") -> ParseResult:
    return ParseResult(records=list(records), errors=[], skipped=[], format=fmt,
                       rows_total=len(records))


def record(line: int, text: str, **values: Any) -> ParsedRecommendation:
    values.setdefault("recommending_states", ["NOR"])
    values.setdefault("position", "supported")
    values.setdefault("position_words", "Supported")
    return ParsedRecommendation(source_line=line, paragraph=None, text=text, **values)


@pytest.fixture
def china(app: Any, db: Any) -> Review:
    review = create_review(None, "CHN", 3, session=31)
    db.session.commit()
    return review


# --------------------------------------------------------------------------------------------
# The service: all or nothing
# --------------------------------------------------------------------------------------------


def test_a_file_with_problem_rows_imports_nothing_and_lists_them(db):
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "egypt.csv", csv_with_problems())
    db.session.rollback()
    report = refused.value.report
    assert report.errors == PROBLEMS
    assert report.refused and not report.skip_errors
    assert "2 rows of the file have problems, so nothing was imported" in refused.value.message
    assert count(db) == 0
    assert count(db, Review) == 0  # not even the review the file names


def test_skip_errors_imports_the_five_good_rows(db):
    report = import_file(None, "egypt.csv", csv_with_problems(), skip_errors=True)
    db.session.commit()
    assert (report.created, report.errors, report.refused) == (5, PROBLEMS, False)
    assert count(db) == 5
    texts = set(db.session.scalars(select(Recommendation.text)))
    assert "Ratify the CED" not in texts and "End torture in custody" not in texts


def test_a_preview_of_a_file_with_problems_is_marked_refused_and_lists_every_row(db):
    report = import_file(None, "egypt.csv", csv_with_problems(), dry_run=True)
    db.session.rollback()
    assert report.refused and report.errors == PROBLEMS
    assert report.created == 5
    assert [row[0] for row in report.rows["created"]] == [2, 3, 5, 6, 8]
    assert report.rows["created"][0] == [2, None, "Ratify the OP-CAT", "NOR"]
    assert report.notices == ["Review EGY cycle 2 will be created (Egypt)."]
    assert count(db) == 0 and count(db, Review) == 0


def test_the_services_own_row_problems_refuse_the_file_too(db, china):
    # A row for another State than the review chosen: found by the service, not the parser.
    data = "\r\n".join([CSV_HEADER,
                        "China,Asia-Pacific Group,,Ratify the ICCPR,Norway,WEOG,,Supported,5,"
                        "Treaties,31",
                        GOOD[0]]).encode()
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "mixed.csv", data, china)
    db.session.rollback()
    assert refused.value.report.errors == [(3, "the row is for EGY, not China")]
    assert count(db) == 0
    report = import_file(None, "mixed.csv", data, china, skip_errors=True)
    db.session.commit()
    assert report.created == 1 and count(db) == 1


def test_an_unknown_state_in_a_matrix_refuses_it(db, china):
    data = matrix_docx([("28.1 Protect journalists (Atlantis)", "Supported"),
                        ("28.2 Ratify the ICCPR (Norway)", "Supported")])
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "matrix.docx", data, china)
    db.session.rollback()
    assert refused.value.report.errors == [(2, "unknown recommending State(s): Atlantis")]
    assert count(db) == 0


def test_a_recommendation_twice_in_the_file_refuses_it_before_anything_stays(db, china):
    # Found while comparing with what the database holds, after the reviews are read.
    import_parsed(None, "first.xlsx", parsed(record(2, "Ratify the CAT",
                                                    uhri_annotation_id="a-1")), china)
    db.session.commit()
    twice = parsed(record(2, "Ratify the CAT", uhri_annotation_id="a-1"),
                   record(3, "Ratify the Convention against Torture", uhri_annotation_id="a-1"),
                   record(4, "Abolish the death penalty", uhri_annotation_id="a-2"))
    with pytest.raises(ImportRefused) as refused:
        import_parsed(None, "second.xlsx", twice, china)
    db.session.rollback()
    assert refused.value.report.errors == [(3, "the same recommendation appears twice in the "
                                               "file")]
    assert count(db) == 1


# --------------------------------------------------------------------------------------------
# Reviews named by the file or by the user
# --------------------------------------------------------------------------------------------


def test_a_file_naming_a_new_review_creates_it_with_a_notice(db):
    report = import_file(None, "egypt.csv", clean_csv())
    db.session.commit()
    assert report.notices == ["Review EGY cycle 2 was created (Egypt)."]
    review = review_from_slug("egy-2")
    assert review is not None and review.session == 20
    assert count(db) == 5
    again = import_file(None, "egypt.csv", clean_csv())
    assert again.notices == [] and again.unchanged == 5


def test_review_named_as_state_cycle_is_created_with_a_notice(db):
    data = matrix_docx([("28.1 Ratify the ICCPR (Norway)", "Supported")])
    target = review_target("egy-2")
    assert target == NewReview("EGY", 2)
    preview = import_file(None, "matrix.docx", data, target, dry_run=True)
    db.session.rollback()
    assert preview.notices == ["Review EGY cycle 2 will be created (Egypt)."]
    assert preview.created == 1 and review_from_slug("egy-2") is None
    report = import_file(None, "matrix.docx", data, target)
    db.session.commit()
    assert report.notices == ["Review EGY cycle 2 was created (Egypt)."]
    review = review_from_slug("egy-2")
    assert review is not None
    assert [r.review_id for r in db.session.scalars(select(Recommendation))] == [review.id]
    assert review_target("egy-2") == review


@pytest.mark.parametrize(("slug", "message"), [
    ("egypt", "not a review"),
    ("atl-2", "No review 'atl-2': ATL is not a State's code"),
    ("egy-12", "A UPR cycle is a number from 1 to 9"),
    ("egy-99999999999999999999", "A UPR cycle is a number from 1 to 9"),
])
def test_a_wrong_review_name_is_refused_plainly(db, slug, message):
    with pytest.raises(services.ServiceError, match=re.escape(message)):
        review_target(slug)


def test_a_record_naming_its_cycle_without_a_session_finds_its_review(db, monkeypatch):
    # Another importer may give ParsedRecommendation a `cycle`; a record carrying one is enough.
    rec = record(2, "Ratify the CAT", state_under_review="EGY")
    monkeypatch.setattr(services, "_cycle_of", lambda r: 4 if r is rec else None)
    report = import_parsed(None, "thematic.docx", parsed(rec))
    db.session.commit()
    assert report.notices == ["Review EGY cycle 4 was created (Egypt)."]
    assert review_from_slug("egy-4") is not None


# --------------------------------------------------------------------------------------------
# Source identifiers, pledges, supported in part
# --------------------------------------------------------------------------------------------


def test_reimport_matches_by_uhri_annotation_id_and_updates_the_corrected_text(db, china):
    first = import_parsed(None, "uhri.xlsx", parsed(
        record(2, "Ratify the CAT", uhri_annotation_id="ann-17", upr_info_id="u-9")), china)
    db.session.commit()
    assert first.created == 1
    corrected = import_parsed(None, "uhri.xlsx", parsed(
        record(2, "Ratify the Convention against Torture", uhri_annotation_id="ann-17")), china)
    db.session.commit()
    assert (corrected.created, corrected.updated) == (0, 1)
    assert [row[2] for row in corrected.rows["updated"]] == [
        "Ratify the Convention against Torture"]
    (rec,) = db.session.scalars(select(Recommendation)).all()
    assert rec.text == "Ratify the Convention against Torture"
    assert (rec.uhri_annotation_id, rec.upr_info_id) == ("ann-17", "u-9")
    # The same text under another annotation id is another recommendation.
    other = import_parsed(None, "uhri.xlsx", parsed(
        record(2, "Ratify the Convention against Torture", uhri_annotation_id="ann-18")), china)
    db.session.commit()
    assert other.created == 1 and count(db) == 2


def test_a_pledge_imports_without_a_recommending_state(db, china):
    pledge = record(2, "Present a mid-term report", recommending_states=[], kind="pledge",
                    position="supported", position_words="Voluntary Pledge",
                    upr_info_id="p-1")
    same_text = record(3, "Present a mid-term report", recommending_states=["NOR"])
    report = import_parsed(None, "pledges.csv", parsed(pledge, same_text, fmt="upr_info"), china)
    db.session.commit()
    assert report.errors == [] and report.created == 2
    recs = {r.kind: r for r in db.session.scalars(select(Recommendation))}
    assert recs["pledge"].recommending_states == []
    assert recs["pledge"].upr_info_id == "p-1"
    assert recs["pledge"].kind_label == "Voluntary pledge"
    assert [s.code for s in recs["recommendation"].recommending_states] == ["NOR"]
    again = import_parsed(None, "pledges.csv", parsed(pledge, same_text, fmt="upr_info"), china)
    assert (again.created, again.unchanged) == (0, 2)


def test_supported_in_part_flows_to_the_recommendation_and_the_reviews_page(
        db, client, auth, world, china):
    import_parsed(None, "uhri.xlsx", parsed(
        record(2, "Ratify the CAT", position="supported_in_part",
               position_words="Supported in part"),
        record(3, "Abolish the death penalty", position="noted", position_words="Noted")),
        china)
    db.session.commit()
    positions = dict(db.session.execute(select(Recommendation.text,
                                               Recommendation.position)).all())
    assert positions["Ratify the CAT"] == "supported_in_part"
    auth.login("viewer@example.org")
    html = client.get("/reviews").get_data(as_text=True)
    assert "Supported in part</th>" in html
    row = re.search(r'<a href="/reviews/chn-3">China</a>.*?</tr>', html, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row)[-4:] == ["0", "1", "1", "0"]


# --------------------------------------------------------------------------------------------
# The CLI
# --------------------------------------------------------------------------------------------


def test_cli_refuses_a_file_with_problems_and_exits_non_zero(app, db, tmp_path):
    path = tmp_path / "egypt.csv"
    path.write_bytes(csv_with_problems())
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "line 4: unknown recommending State 'Atlantis'" in result.output
    assert "line 7: unknown position 'Maybe later'" in result.output
    assert "2 rows of the file have problems, so nothing was imported" in result.output
    assert count(db) == 0 and count(db, Review) == 0
    (job,) = db.session.scalars(select(ImportJob)).all()  # listed on the imports page
    assert (job.status, job.error_count, job.created_count, job.skip_errors) == (
        "failed", 2, 0, False)
    assert job.finished_at is not None and job.error.startswith("2 rows of the file")


def test_cli_skip_errors_imports_the_good_rows_and_audits_the_skipped(app, db, tmp_path):
    path = tmp_path / "egypt.csv"
    path.write_bytes(csv_with_problems())
    result = app.test_cli_runner().invoke(args=["import", str(path), "--skip-errors"])
    assert result.exit_code == 0, result.output
    assert "Review EGY cycle 2 was created (Egypt)." in result.output
    assert "Created 5," in result.output and "2 with errors" in result.output
    assert "Skipped 2 row(s) with problems (--skip-errors)." in result.output
    assert count(db) == 5
    (job,) = db.session.scalars(select(ImportJob)).all()
    assert (job.status, job.skip_errors, job.created_count, job.error_count) == (
        "done", True, 5, 2)
    assert len(job.sha256) == 64 and job.format == "upr_info" and job.encoding == "ascii"
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "import.skip_errors")).all()
    assert (event.object_type, event.object_id) == ("import_job", job.id)
    assert event.changes["skipped_rows"] == [None, [
        "line 4: unknown recommending State 'Atlantis'", "line 7: unknown position 'Maybe later'"]]


def test_cli_dry_run_of_a_file_with_problems_says_what_would_happen(app, db, tmp_path):
    path = tmp_path / "egypt.csv"
    path.write_bytes(csv_with_problems())
    result = app.test_cli_runner().invoke(args=["import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Review EGY cycle 2 will be created (Egypt)." in result.output
    assert "the file would import nothing (2 row(s) with problems)" in result.output
    assert count(db) == 0 and count(db, ImportJob) == 0


def test_cli_review_option_creates_the_review(app, db, tmp_path):
    path = tmp_path / "matrix.docx"
    path.write_bytes(matrix_docx([("28.1 Ratify the ICCPR (Norway)", "Supported")]))
    result = app.test_cli_runner().invoke(args=["import", str(path), "--review", "egy-2"])
    assert result.exit_code == 0, result.output
    assert "Review EGY cycle 2 was created (Egypt)." in result.output
    review = review_from_slug("egy-2")
    assert review is not None
    assert db.session.execute(select(func.count(Recommendation.id)).where(
        Recommendation.review_id == review.id)).scalar_one() == 1
    result = app.test_cli_runner().invoke(args=["import", str(path), "--review", "atl-2"])
    assert result.exit_code == 1 and "ATL is not a State's code" in result.output


# --------------------------------------------------------------------------------------------
# The web: preview, the choice, the import's page, the imports page
# --------------------------------------------------------------------------------------------


def upload(auth: Any, data: bytes, filename: str, **fields: str) -> Any:
    return auth.post("/imports/new", data={"file": (io.BytesIO(data), filename), "review": "",
                                           **fields},
                     content_type="multipart/form-data")


def job_id_of(response: Any) -> int:
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_web_preview_lists_problems_and_offers_only_to_skip_them(db, client, auth, world):
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, csv_with_problems(), "egypt.csv"))
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Preview: nothing is saved yet" in html
    assert "Review EGY cycle 2 will be created (Egypt)." in html
    assert "As it is, this file imports nothing: 2 rows have problems" in html
    # Problem rows are the first list shown, each with its line.
    assert ("<td>4</td><td>unknown recommending State &#39;Atlantis&#39;</td>" in html)
    assert "<td>7</td><td>unknown position &#39;Maybe later&#39;</td>" in html
    assert "Import the 5 good rows and skip 2" in html
    assert ('data-confirm="Import the 5 good rows and skip the 2 problem rows?' in html)
    assert "Confirm and import" not in html
    created = client.get(f"/imports/{job_id}?outcome=created").get_data(as_text=True)
    assert re.findall(r"<tr><td>(\d+)</td><td>—</td>", created) == ["2", "3", "5", "6", "8"]
    assert "Ratify the OP-CAT" in created and "Ratify the CED" not in created
    job = db.session.get(ImportJob, job_id)
    assert (job.format, job.encoding, job.created_count, job.error_count) == (
        "upr_info", "ascii", 5, 2)
    assert count(db) == 0


def test_web_confirm_without_skipping_refuses_and_shows_the_problems(db, client, auth, world):
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, csv_with_problems(), "egypt.csv"))
    response = auth.post(f"/imports/{job_id}/confirm")  # a stale page, or a hand-made POST
    assert response.status_code == 302
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "2 rows of the file have problems, so nothing was imported" in html
    assert "Refused: the file has problem rows" in html
    assert "<td>4</td><td>unknown recommending State &#39;Atlantis&#39;</td>" in html
    assert ">Retry</button>" in html  # the file is kept: a new preview, then the choice
    assert count(db) == 0 and count(db, Review) == 0
    assert db.session.get(ImportJob, job_id).status == "failed"


def test_web_skip_choice_imports_the_good_rows_and_records_the_skipped(db, client, auth, world):
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, csv_with_problems(), "egypt.csv"))
    response = auth.post(f"/imports/{job_id}/confirm", {"skip_errors": "1"})
    assert response.status_code == 302
    assert count(db) == 5
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.skip_errors) == ("done", True)

    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "<h2>Imported</h2>" in html
    assert "skipped by choice: the 5 good recommendations were imported" in html
    assert "Skipped rows (2)" in html
    assert "<td>7</td><td>unknown position &#39;Maybe later&#39;</td>" in html
    assert "Review EGY cycle 2 was created (Egypt)." in html

    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "import.skip_errors")).all()
    assert event.object_id == job_id and event.changes["imported"] == [None, 5]
    assert event.changes["skipped_rows"][1] == [
        "line 4: unknown recommending State 'Atlantis'", "line 7: unknown position 'Maybe later'"]

    listing = client.get("/imports/").get_data(as_text=True)
    assert f'href="/imports/{job_id}">egypt.csv</a>' in listing
    assert job.sha256 in listing
    row = re.search(rf'href="/imports/{job_id}".*?</tr>', listing, re.S).group(0)
    assert re.findall(r"<td>(\d+[^<]*)</td>", row) == ["5", "0", "0", "2 skipped"]
    assert "Imported" in row and "UPR Info database export" in row


def test_a_clean_file_has_one_button_and_a_new_review_field(db, client, auth, world):
    auth.login("steering@example.org")
    data = matrix_docx([("28.1 Ratify the ICCPR (Norway)", "Supported")])
    response = upload(auth, data, "matrix.docx", new_review="EGY-2")
    job_id = job_id_of(response)
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Review EGY cycle 2 will be created (Egypt)." in html
    assert "Confirm and import" in html and "good rows and skip" not in html
    assert review_from_slug("egy-2") is None
    auth.post(f"/imports/{job_id}/confirm")
    assert review_from_slug("egy-2") is not None and count(db) == 1

    refused = upload(auth, data, "matrix.docx", new_review="atlantis")
    assert refused.status_code == 400
    assert "is not a review" in refused.get_data(as_text=True)


def test_row_lists_are_paged_keep_the_filter_and_say_how_many_more(
        db, client, auth, world, monkeypatch):
    monkeypatch.setattr(views, "IMPORT_ROWS_PER_PAGE", 2)
    monkeypatch.setattr(services, "ROWS_LISTED", 4)
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, clean_csv(), "egypt.csv"))
    first = client.get(f"/imports/{job_id}?outcome=created").get_data(as_text=True)
    assert re.findall(r"<tr><td>(\d+)</td><td>—</td>", first) == ["2", "3"]
    assert f'href="/imports/{job_id}?outcome=created&amp;page=2"' in first
    assert "Page 1 of 2 (4 in all)" in first
    assert "The first 4 are listed, and 1 more." in first
    second = client.get(f"/imports/{job_id}?outcome=created&page=2").get_data(as_text=True)
    assert re.findall(r"<tr><td>(\d+)</td><td>—</td>", second) == ["4", "5"]
    # Imported, then the same file again: all five unchanged.
    auth.post(f"/imports/{job_id}/confirm")
    again = job_id_of(upload(auth, clean_csv(), "egypt.csv"))
    unchanged = client.get(f"/imports/{again}?outcome=unchanged").get_data(as_text=True)
    assert "Unchanged (5)" in unchanged and "To create (0)" in unchanged
    assert re.findall(r"<tr><td>(\d+)</td><td>—</td>", unchanged) == ["2", "3"]


def test_imports_page_access_follows_the_import_policy(db, client, auth, world, make_user):
    auth.login("steering@example.org")
    mine = job_id_of(upload(auth, clean_csv(), "mine.csv"))
    auth.logout()
    make_user("steering2@example.org", world.steering_org, "editor")
    auth.login("steering2@example.org")
    theirs = job_id_of(upload(auth, clean_csv(), "theirs.csv"))
    listing = client.get("/imports/").get_data(as_text=True)
    assert f"/imports/{theirs}" in listing and f"/imports/{mine}" not in listing
    auth.logout()
    auth.login("coordinator@example.org")
    listing = client.get("/imports/").get_data(as_text=True)
    assert listing.index(f"/imports/{theirs}\"") < listing.index(f"/imports/{mine}\"")
    auth.logout()
    for email in ("editor@example.org", "viewer@example.org", "researcher@example.org"):
        auth.login(email)
        assert client.get("/imports/").status_code == 403
        auth.logout()
    assert client.get("/imports/").status_code in (302, 401, 403)


# --------------------------------------------------------------------------------------------
# Found by trying the import as a new user (issue 8)
# --------------------------------------------------------------------------------------------


def test_a_refused_import_does_not_say_it_created_a_review(db):
    """The report of a refused import (nothing written) said "Review EGY cycle 2 was created",
    a review that was rolled back with the rest."""
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "egypt.csv", csv_with_problems())
    db.session.rollback()
    assert review_from_slug("egy-2") is None
    assert refused.value.report.notices == []


def test_a_chosen_review_that_contradicts_the_files_cycle_is_refused(db):
    """Uploading Egypt's cycle-2 rows (session 20) into a cycle-3 review chosen by hand would
    duplicate the review under the wrong cycle: every row is a problem, nothing is written."""
    egypt3 = create_review(None, "EGY", 3, session=34)
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        import_file(None, "egypt.csv", clean_csv(), review=egypt3)
    db.session.rollback()
    assert refused.value.report.errors == [
        (line, "the file names cycle 2 of the review, not cycle 3") for line in range(2, 7)]
    assert count(db) == 0


def test_confirming_starts_the_progress_bar_empty(db, monkeypatch):
    """Found trying it: right after "Import the N good rows", the bar showed the preview's
    "N of N" (full), then dropped back and climbed again."""
    from coalition.recommendations import jobs

    job = jobs.create_job(None, "egypt.csv", clean_csv(), None)
    job.status, job.progress_done, job.progress_total = "previewed", 5, 5
    db.session.commit()
    started: list[int] = []
    monkeypatch.setattr(jobs, "start", lambda job_id, dry_run: started.append(job_id))
    assert jobs.confirm(None, job)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert started == [job.id]
    assert (job.status, job.progress_done) == ("importing", 0)


def test_pages_name_pledges_formats_and_file_level_notes_as_people_would(db, client, auth,
                                                                          world):
    """Found trying it: a pledge read "Recommendation #6268 ... Recommended by —", the imports
    pages showed the codes `uhri` / `upr_info_uwazi`, and notes on the whole file "Line 0"."""
    from coalition.recommendations.models import ImportJob

    header = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
    data = "\r\n".join([header, "Chile,GRULAC,,Create a national preventive mechanism,Chile,"
                        "GRULAC,,Voluntary Pledge,,Torture,5"]).encode()
    import_file(None, "pledges.csv", data)
    db.session.commit()
    pledge = db.session.scalars(select(Recommendation)).one()
    assert pledge.kind == "pledge"
    auth.login("steering@example.org")
    page = client.get(f"/recommendations/{pledge.id}").get_data(as_text=True)
    assert f"Voluntary pledge #{pledge.id}" in page and "Pledged by" in page
    assert "Chile itself, the State under review" in page and "Recommended by" not in page
    tracker = client.get("/tracker?kind=pledge").get_data(as_text=True)
    assert "Voluntary pledge by Chile" in tracker

    job = ImportJob(filename="uhri.xlsx", size=1, data=b"", status="previewed", format="uhri",
                    report={"filename": "uhri.xlsx", "format": "uhri", "dry_run": True,
                            "warnings": [[0, "3 row(s) of other mechanisms skipped"]]},
                    created_by_id=world.users["steering"].id)
    db.session.add(job)
    db.session.commit()
    html = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Universal Human Rights Index export" in html
    assert "The file: 3 row(s) of other mechanisms skipped" in html and "Line 0" not in html
    listing = client.get("/imports/").get_data(as_text=True)
    assert "Universal Human Rights Index export" in listing and ">uhri<" not in listing
