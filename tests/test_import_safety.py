"""Imports that cannot hurt anyone else's work (issue 7, items 6, 9 and 11).

Kinds:
- "writes locked out by a preview" (item 6): on SQLite a preview held the write lock, so a
  comment posted meanwhile waited 5 s and was lost with a 500;
- "a small upload that unpacks to gigabytes" (item 9): a zip bomb .docx is refused, naming the
  file, before anything is unpacked, and memory stays flat;
- "jobs stuck forever, files kept forever" (item 11): a job that stops reporting fails and can
  be retried; stored uploads are deleted after the import, a failure of the file, or an age.
"""

from __future__ import annotations

import io
import random
import re
import string
import subprocess
import sys
import textwrap
import threading
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from coalition.core.archives import ArchiveRefused, ZipLimits, check_zip, count_xml_elements
from coalition.core.database import sqlite_pragmas
from coalition.core.time import utcnow
from coalition.extensions import db as _db
from coalition.recommendations import jobs
from coalition.recommendations.models import ImportJob, Recommendation
from coalition.reviews.services import create_review
from coalition.statements import services as statements
from coalition.statements.models import Comment
from tests.conftest import AuthActions

ROOT = Path(__file__).resolve().parents[1]
MATRIX = ROOT / "tests" / "fixtures" / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n"


def upr_info_csv(rows: int) -> bytes:
    lines = [HEADER] + [
        f'China,Asia,,"Recommendation number {n}: protect the rights of everyone, '
        f'including group {n % 97}.",France,WEOG,EU,Accepted,4,Justice,31\n'
        for n in range(rows)]
    return "".join(lines).encode()


def upload(auth: AuthActions, data: bytes, filename: str, review_id: int | None = None) -> Any:
    return auth.post("/imports/new", data={
        "file": (io.BytesIO(data), filename), "review": str(review_id or "")},
        content_type="multipart/form-data")


def job_path(response: Any) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return re.sub(r"^https?://[^/]+", "", response.headers["Location"])


# --- item 6: writes locked out by a preview ---------------------------------------------------

def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app, db):
    """Kind: writes locked out by a preview. Readers never block the writer, and a second
    writer waits (30 s) instead of failing after the driver's 5 s."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def test_sqlite_reads_the_database_through_a_memory_map(app, db):
    """Issue 10: every connection maps up to SQLITE_MMAP_MIB (256 MiB) of the file, so a
    tracker search's scattered rows are read from the operating system's page cache rather
    than missed in a 2 MiB per-connection cache (bench/README.md); 0 turns it off."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA mmap_size")).scalar() == 256 * 2**20
    assert "PRAGMA mmap_size = 0" in sqlite_pragmas({"SQLITE_MMAP_MIB": 0})


def test_a_comment_posted_during_a_large_preview_is_saved(app, db, world, monkeypatch):
    """Kind: writes locked out by a preview. A 12,000-row preview runs in another thread
    against the same database and is held half-way; a viewer's comment posted then is saved,
    and the preview then finishes."""
    review = create_review(None, "CHN", 3, session=31)
    statement = statements.create_statement(
        world.users["editor"], world.org, "Joint statement", "HRC", "oral", "en", [],
        "We welcome the outcome.\n")
    job = jobs.create_job(world.users["steering"], "large.csv", upr_info_csv(12_000),
                          review.id)
    db.session.commit()
    statement_id, job_id = statement.id, job.id

    midway, go = threading.Event(), threading.Event()
    real = jobs.import_parsed

    def held(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def report(done: int, total: int) -> None:
            progress(done, total)
            if done > total // 4 and not midway.is_set():
                midway.set()  # the first 5,000 recommendations are behind us
                assert go.wait(timeout=120), "the test never let the preview go on"

        return real(*args, progress=report, **kwargs)

    monkeypatch.setattr(jobs, "import_parsed", held)
    preview = threading.Thread(target=jobs.run, args=(app, job_id, True))
    preview.start()
    try:
        assert midway.wait(timeout=120), "the preview never got half-way"
        viewer = AuthActions(app.test_client())
        viewer.login("viewer@example.org")
        response = viewer.post(f"/statements/{statement_id}/comments",
                               data={"body": "Please name the recommendations."})
    finally:
        go.set()
        preview.join(timeout=300)
    assert response.status_code == 302
    db.session.expire_all()
    assert [c.body for c in db.session.scalars(select(Comment))] == [
        "Please name the recommendations."]
    job = db.session.get(ImportJob, job_id)
    assert job.status == "previewed", job.error
    assert job.report["created"] == 12_000
    assert db.session.scalars(select(Recommendation.id)).first() is None  # a preview saves none


# --- item 9: zip bombs ----------------------------------------------------------------------------

def bomb_docx(megabytes: int, members: int = 25) -> bytes:
    """OHCHR's real matrix with its document.xml replaced by `megabytes` MB of empty
    paragraphs (a valid document: without the check, python-docx parses all of it), padded
    with empty parts up to `members` parts."""
    buffer = io.BytesIO()
    chunk = b"<w:p/>" * (1024 * 1024 // 6)
    with zipfile.ZipFile(MATRIX) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        names = [n for n in source.namelist() if n != "word/document.xml"]
        for name in names:
            archive.writestr(name, source.read(name))
        for n in range(members - len(names) - 1):
            archive.writestr(f"customXml/pad{n}.xml", "<x/>")
        with archive.open("word/document.xml", "w") as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                       b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
                       b'wordprocessingml/2006/main"><w:body>')
            for _ in range(megabytes):
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return buffer.getvalue()


def test_a_zip_bomb_upload_fails_with_a_message_naming_the_file(app, db, client, auth, world):
    """Kind: a small upload that unpacks to gigabytes. Refused before it is unpacked; the
    message names the file and the part; the file is not kept (a retry cannot mend it)."""
    data = bomb_docx(200)
    assert len(data) < 400 * 1024
    auth.login("steering@example.org")
    path = job_path(upload(auth, data, "matrix-bomb.docx"))
    page = client.get(path).get_data(as_text=True)
    assert re.search(r"matrix-bomb\.docx was not opened: its part word/document\.xml would "
                     r"unpack to 200 MB, more than the 20 MB allowed", page), page
    assert ">Retry</button>" not in page
    db.session.expire_all()
    job = db.session.scalars(select(ImportJob)).one()
    assert (job.status, job.data) == ("failed", b"")


def test_zip_limits_cover_size_ratio_members_total_and_elements_and_pass_a_real_matrix():
    """Kind: a small upload that unpacks to gigabytes. Every limit, and OHCHR's real matrix
    within them."""
    limits = ZipLimits()
    with zipfile.ZipFile(MATRIX) as archive:
        check_zip(archive, "matrix.docx", limits)  # no exception
    cases = {
        "to 1, more than the 100 to 1 a document has; it looks like a zip bomb": (
            bomb_docx(10), limits),  # 10 MB < 20 MB, but compressed ~700 to 1
        "holds 1,001 parts": (bomb_docx(0, members=1001), limits),
        "would unpack to more than the 1 MB allowed": (
            bomb_docx(2), ZipLimits(max_member_bytes=10**9, max_total_bytes=1024 * 1024,
                                    max_ratio=10**6)),
    }
    # Dense XML that compresses only modestly (random tag names) passes the sizes and the
    # ratio; its element count is what would take the memory.
    dense = io.BytesIO()
    rng = random.Random(7)
    with zipfile.ZipFile(dense, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<d>" + b"".join(
            b"<%s/>" % "".join(rng.choices(string.ascii_letters, k=4)).encode()
            for _ in range(600_000)) + b"</d>")
    with zipfile.ZipFile(dense) as archive:
        check_zip(archive, "dense.docx", limits)
        with pytest.raises(ArchiveRefused, match="more than 500,000 elements"):
            count_xml_elements(archive, "dense.docx", limits)
    with zipfile.ZipFile(MATRIX) as archive:
        assert count_xml_elements(archive, "matrix.docx", limits) == 65_138
    for expected, (data, case_limits) in cases.items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive, \
                pytest.raises(ArchiveRefused, match=re.escape(expected)):
            check_zip(archive, "upload.docx", case_limits)


def test_parsing_a_zip_bomb_keeps_memory_flat():
    """Kind: a small upload that unpacks to gigabytes. In a fresh process, the peak memory
    while the importer refuses a 500 MB bomb grows by less than 20 MB (it used to take the
    server to 1.87 GB)."""
    script = textwrap.dedent("""
        import resource, sys
        sys.path.insert(0, sys.argv[1])
        from tests.test_import_safety import bomb_docx
        from coalition.recommendations.importers import ohchr_matrix
        from coalition.recommendations.importers.records import ImportFormatError
        data = bomb_docx(500)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            ohchr_matrix.parse(data, "bomb.docx")
        except ImportFormatError as error:
            print(error.message)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("growth-kb", after - before)
    """)
    result = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True,
                            text=True, timeout=300, check=True)
    assert "bomb.docx was not opened" in result.stdout
    growth_kb = int(re.search(r"growth-kb (\d+)", result.stdout).group(1))
    assert growth_kb < 20 * 1024, result.stdout


# --- item 11: stuck jobs, kept files ------------------------------------------------------------

def stopped_job(db: Any, world: Any, status: str = "previewing", minutes: int = 11) -> int:
    """A job whose worker died `minutes` ago, half-way through."""
    job = jobs.create_job(world.users["steering"], MATRIX.name, MATRIX.read_bytes(), None)
    db.session.flush()
    job.status = status
    job.heartbeat_at = utcnow() - timedelta(minutes=minutes)
    job.created_at = utcnow() - timedelta(minutes=minutes + 1)
    db.session.commit()
    return job.id


def test_a_job_that_stops_reporting_fails_and_can_be_retried(app, db, client, auth, world):
    """Kind: jobs stuck forever. The page stopped polling "Importing..." only never; now the
    job fails after IMPORT_STALE_MINUTES, and Retry runs it again (from its preview)."""
    review = create_review(None, "CHN", 3, session=31)
    job_id = stopped_job(db, world, "importing")
    db.session.execute(update(ImportJob).values(review_id=review.id))
    fresh_id = stopped_job(db, world, "previewing", minutes=2)
    auth.login("steering@example.org")

    status = client.get(f"/imports/{job_id}/status").get_json()
    assert status["status"] == "failed"
    assert "stopped reporting 11 minutes ago" in status["error"]
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert 'id="import-progress"' not in page
    assert ">Retry</button>" in page
    # A job that reported two minutes ago is still running.
    assert client.get(f"/imports/{fresh_id}/status").get_json()["status"] == "previewing"

    assert auth.post(f"/imports/{job_id}/retry").status_code == 302
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Preview: nothing is saved yet" in page
    assert auth.post(f"/imports/{job_id}/confirm").status_code == 302
    assert "Imported" in client.get(f"/imports/{job_id}").get_data(as_text=True)


def test_the_sweep_command_fails_stopped_jobs_and_deletes_old_files(app, db, client, auth,
                                                                    world):
    """Kind: jobs stuck forever, files kept forever. `coalition imports-sweep` (cron; the
    worker runs the same every 5 minutes) fails stopped jobs and deletes files past
    IMPORT_UPLOAD_MAX_AGE_HOURS; a file younger than that is kept."""
    stopped = stopped_job(db, world, "previewing")
    old = stopped_job(db, world, "previewed", minutes=25 * 60)
    young = stopped_job(db, world, "previewed", minutes=60)
    result = app.test_cli_runner().invoke(args=["imports-sweep"])
    assert result.exit_code == 0, result.output
    assert "1 stopped import job(s) marked failed; 1 stored file(s) deleted." in result.output
    db.session.expire_all()
    by_id = {job.id: job for job in db.session.scalars(select(ImportJob))}
    assert by_id[stopped].status == "failed" and by_id[stopped].data  # kept for a retry
    assert by_id[old].data == b"" and by_id[old].upload_deleted_at is not None
    assert by_id[young].data == MATRIX.read_bytes()
    # A job without its file offers no retry, and refuses one.
    _db.session.execute(update(ImportJob).where(ImportJob.id == old).values(status="failed"))
    _db.session.commit()
    auth.login("steering@example.org")
    page = client.get(f"/imports/{old}").get_data(as_text=True)
    assert ">Retry</button>" not in page and "no longer kept" in page
    assert auth.post(f"/imports/{old}/retry").status_code == 400


def test_stored_files_are_deleted_after_the_import_and_after_a_bad_file(app, db, client, auth,
                                                                        world):
    """Kind: files kept forever. Once imported, and once refused for what it is, the upload is
    gone from the database."""
    review = create_review(None, "CHN", 3, session=31)
    db.session.commit()
    auth.login("steering@example.org")
    done = job_path(upload(auth, MATRIX.read_bytes(), MATRIX.name, review.id))
    assert auth.post(f"{done}/confirm").status_code == 302
    bad = job_path(upload(auth, b"not,a,known,header\n1,2,3,4\n", "notes.csv"))
    assert "Unrecognised file" in client.get(bad).get_data(as_text=True)
    db.session.expire_all()
    jobs_ = db.session.scalars(select(ImportJob).order_by(ImportJob.id)).all()
    assert [(j.status, j.data) for j in jobs_] == [("done", b""), ("failed", b"")]
    assert all(j.upload_deleted_at is not None for j in jobs_)


def test_a_job_reporting_through_the_queue_is_not_taken_for_stopped(app, db, client, auth,
                                                                    world):
    """Kind: jobs stuck forever. On SQLite the import's own transaction holds the write lock,
    so its heartbeat goes to the task queue's store: a job whose row looks old but whose queue
    heartbeat is fresh is still running, and its progress comes from there."""
    job_id = stopped_job(db, world, "importing", minutes=30)
    app.extensions["huey"].put(f"import-progress:{job_id}", (1200, 5000, utcnow().timestamp()))
    auth.login("steering@example.org")
    status = client.get(f"/imports/{job_id}/status").get_json()
    assert (status["status"], status["done"], status["total"]) == ("importing", 1200, 5000)


def test_sqlite_pool_serves_as_many_threads_as_the_demo_server_takes(app: Any) -> None:
    """Kind: a request waiting for a pooled connection fails with a 500. The demo's threaded
    server ran 50 requests at once on a pool of 15 (bench/load.py: 2 of 146 answered 500).
    On SQLite the pool grows; PostgreSQL runs under gunicorn's bounded workers and keeps its
    pool (5 + 10 overflow)."""
    sqlite = _db.engine.dialect.name == "sqlite"
    connections = [_db.engine.connect() for _ in range(40 if sqlite else 15)]
    try:
        assert all(c.exec_driver_sql("SELECT 1").scalar() == 1 for c in connections)
    finally:
        for c in connections:
            c.close()
