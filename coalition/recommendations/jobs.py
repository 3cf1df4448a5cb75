"""Running an import job in the background worker (coalition.tasks, Huey).

The upload request stores the file in an ImportJob row and enqueues a preview (a dry run);
the confirmation enqueues the import. The worker process parses the file, outside any write
transaction, and reports progress and a heartbeat:

- to the job row, in short transactions of their own (on PostgreSQL always; on SQLite except
  while the import itself holds the write lock);
- to the task queue's key-value store (SQLite file or Redis), which any process can read and
  which no database lock holds up.

A job whose heartbeat is older than IMPORT_STALE_MINUTES has stopped (its worker died) and is
marked failed; the job's page offers "Retry" while the file is kept. The file is deleted once
the import is done, when the file itself is at fault (a retry cannot mend it), and in any case
after IMPORT_UPLOAD_MAX_AGE_HOURS (the periodic sweep, or `coalition imports-sweep` from cron).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import defer, selectinload

from coalition.access import is_coordinator
from coalition.accounts.models import User
from coalition.audit import record
from coalition.core.errors import ServiceError
from coalition.core.time import as_utc, utcnow
from coalition.extensions import db
from coalition.i18n import translated
from coalition.recommendations.models import ImportJob
from coalition.recommendations.services import (
    ImportRefused,
    ImportReport,
    import_parsed,
    parse_file,
    review_target,
)
from coalition.tasks import background, periodic

logger = logging.getLogger(__name__)

RUNNING = ("previewing", "importing")
# Huey retries a run that failed unexpectedly (a lost database connection, say) this many
# more times, this many seconds apart; a file that cannot be read is not retried.
RUN_RETRIES = 2
RUN_RETRY_DELAY = 30
# Progress reaches the row at most this often (seconds): enough for the page and the
# heartbeat, few enough writes not to compete with the users'.
HEARTBEAT_EVERY = 2.0


class _Retry(Exception):
    """An attempt failed for a reason a later attempt may not meet; Huey runs it again."""


def _huey() -> Any:
    return current_app.extensions["huey"]


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def _kv_progress(job_id: int) -> tuple[int, int, float] | None:
    try:
        value = _huey().get(_progress_key(job_id), peek=True)
    except Exception:  # the queue being unreachable must not break the job's page
        logger.warning("Cannot read import %s progress from the task queue", job_id)
        return None
    return tuple(value) if value else None  # type: ignore[return-value]


def progress_of(job: ImportJob) -> tuple[int, int]:
    """(done, total) recommendations of a running job, from the freshest report."""
    shared = _kv_progress(job.id)
    if shared is not None and job.status in RUNNING:
        return shared[0], shared[1]
    return job.progress_done, job.progress_total


def last_heartbeat(job: ImportJob) -> datetime | None:
    """When the job last reported (the row's heartbeat, or the queue's if fresher)."""
    beat = as_utc(job.heartbeat_at)
    shared = _kv_progress(job.id)
    if shared is not None:
        kv_beat = datetime.fromtimestamp(shared[2], tz=UTC)
        beat = max(beat, kv_beat) if beat else kv_beat
    return beat


def can_retry(job: ImportJob) -> bool:
    """A failed job whose file is still stored."""
    return job.status == "failed" and job.upload_deleted_at is None


def create_job(actor: Any, filename: str, data: bytes, review_id: int | None,
               new_review: str | None = None) -> ImportJob:
    """Store an uploaded file as a job waiting for its preview, with its SHA-256.

    `new_review` ("egy-2") names a review that the import creates if it does not exist yet;
    ServiceError if it is malformed or names an unknown State. The caller commits.
    """
    if not data:
        raise ServiceError(_("The file is empty."), "file")
    if new_review:
        try:  # a malformed name or an unknown State is refused now, on the form's field
            review_target(new_review)
        except ServiceError as error:
            raise ServiceError(error.message, "new_review") from error
    job = ImportJob(created_by_id=getattr(actor, "id", None), filename=filename[:255],
                    size=len(data), data=data, review_id=review_id, status="previewing",
                    heartbeat_at=utcnow(), sha256=hashlib.sha256(data).hexdigest(),
                    new_review=(new_review or "").strip().lower() or None)
    db.session.add(job)
    record(actor, "import.upload", job, {"file": [None, job.filename], "size": [None, job.size],
                                         "sha256": [None, job.sha256]})
    return job


def start_cli_job(actor: Any, filename: str, data: bytes, report_format: str,
                  encoding: str | None, skip_errors: bool) -> ImportJob:
    """The job row of an import run from the command line, so that it is listed on the imports
    page with its hash, format and counts like a web import; the file itself is not kept."""
    job = ImportJob(created_by_id=getattr(actor, "id", None), filename=filename[:255],
                    size=len(data), data=b"", status="importing", heartbeat_at=utcnow(),
                    sha256=hashlib.sha256(data).hexdigest(), format=report_format,
                    encoding=encoding, skip_errors=skip_errors, upload_deleted_at=utcnow())
    db.session.add(job)
    record(actor, "import.upload", job, {"file": [None, job.filename], "size": [None, job.size],
                                         "sha256": [None, job.sha256]})
    return job


def counts_of(report: ImportReport) -> dict[str, Any]:
    """The job columns that carry a report's counts (see ImportJob.created_count)."""
    return {"created_count": report.created, "updated_count": report.updated,
            "unchanged_count": report.unchanged, "error_count": len(report.errors),
            "report": report.to_dict()}


def listed_for(user: Any) -> Select[tuple[ImportJob]]:
    """The imports `user` may open, newest first, for the imports page: a coordinator's, all;
    anyone else's, their own (the rule of access.py's "import.view"). Neither the stored
    file nor the report is loaded: the page shows the job's own columns."""
    query = (select(ImportJob).options(defer(ImportJob.report), defer(ImportJob.data),
                                       selectinload(ImportJob.created_by))
             .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()))
    if not is_coordinator(user):
        query = query.where(ImportJob.created_by_id == getattr(user, "id", None))
    return query


def start(job_id: int, dry_run: bool) -> None:
    """Enqueue the preview (dry run) or the import of a committed job."""
    run_job.delay(job_id, dry_run)


def run(app: Flask, job_id: int, dry_run: bool) -> None:
    """Run a job now, in this process, and wait for it (tests; a command that waits)."""
    with app.app_context():
        try:
            run_job(job_id, dry_run)
        finally:
            db.session.remove()


def confirm(actor: Any, job: ImportJob, skip_errors: bool = False) -> bool:
    """Start the import of a previewed job; False if it is not waiting for confirmation.

    `skip_errors`: the user chose to import the good rows and skip the problem rows (kept on
    the job; the import audits the rows it skipped). Without it a file with problem rows
    imports nothing. Compare-and-set: of two confirmations racing, exactly one starts the
    import.
    """
    started = db.session.execute(
        update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "previewed")
        # The preview's progress (all done) is not the import's: start the bar empty.
        .values(status="importing", heartbeat_at=utcnow(), error=None, attempts=0,
                skip_errors=skip_errors, progress_done=0)).rowcount
    if started != 1:
        db.session.rollback()
        return False
    # Not audited itself: the import records what it changed, review by review, and the rows
    # it skipped.
    db.session.commit()
    start(job.id, dry_run=False)
    return True


def retry(actor: Any, job: ImportJob) -> bool:
    """Run a failed job again from its preview (the user then confirms again); False if it is
    not failed or its file is gone. Compare-and-set, like confirm()."""
    restarted = db.session.execute(
        update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "failed",
                                ImportJob.upload_deleted_at.is_(None))
        .values(status="previewing", error=None, report=None, finished_at=None,
                progress_done=0, progress_total=0, heartbeat_at=utcnow(), skip_errors=False,
                created_count=None, updated_count=None, unchanged_count=None,
                error_count=None)).rowcount
    if restarted != 1:
        db.session.rollback()
        return False
    record(actor, "import.retry", job, {"status": ["failed", "previewing"]})
    db.session.commit()
    start(job.id, dry_run=True)
    return True


def _set(job_id: int, **values: Any) -> None:
    """Write to the job row in a transaction of its own (short, whatever the session does)."""
    with db.engine.begin() as conn:
        conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def _delete_upload(**values: Any) -> dict[str, Any]:
    return {**values, "data": b"", "upload_deleted_at": utcnow()}


@background("imports.run", retries=RUN_RETRIES, retry_delay=RUN_RETRY_DELAY, context=True)
def run_job(job_id: int, dry_run: bool, task: Any = None) -> None:
    """Preview (dry run) or import one job, in the worker.

    A file that cannot be imported (ServiceError: unreadable, a zip bomb, no review) fails the
    job at once and deletes the file. Anything else fails this attempt: Huey retries it
    (RUN_RETRIES), and the last attempt fails the job, keeping the file for a retry by hand.
    """
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status not in RUNNING:
        return  # deleted, or finished by an earlier attempt
    expected = "previewing" if dry_run else "importing"
    if job.status != expected:
        return
    attempts = job.attempts + 1
    filename, review_id, created_by_id = job.filename, job.review_id, job.created_by_id
    skip_errors, new_review = job.skip_errors, job.new_review
    data = job.data
    # The report is written now, in the worker, and read later on the import's page: its
    # messages are in the uploader's language (the CLI, with no uploader, stays in English).
    uploader = db.session.get(User, created_by_id) if created_by_id else None
    locale = str(uploader.locale) if uploader is not None and uploader.locale else "en"
    # End the read transaction: the parse below holds no lock, and on SQLite the heartbeat
    # must be able to write.
    db.session.rollback()
    _set(job_id, attempts=attempts, heartbeat_at=utcnow(), error=None)
    huey = _huey()
    share_row = dry_run or db.engine.dialect.name != "sqlite"
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = utcnow()
        huey.put(_progress_key(job_id), (done, total, now.timestamp()))
        if share_row and (now.timestamp() - last[0] >= HEARTBEAT_EVERY or done >= total):
            last[0] = now.timestamp()
            _set(job_id, progress_done=done, progress_total=total, heartbeat_at=now)

    try:
        with translated(locale):
            _run_parsed(job_id, filename, data, review_id, created_by_id, new_review,
                        dry_run, skip_errors, attempts, task, progress)
    finally:
        huey.delete(_progress_key(job_id))


def _run_parsed(job_id: int, filename: str, data: bytes, review_id: int | None,
                created_by_id: int | None, new_review: Any, dry_run: bool, skip_errors: bool,
                attempts: int, task: Any,
                progress: Callable[[int, int], None]) -> None:
    """run_job()'s parse and import, with the messages in the current locale."""
    try:
        result = parse_file(filename, data)
        del data
        _set(job_id, format=result.format, encoding=result.encoding)
        progress(0, len(result.records))
        actor = db.session.get(User, created_by_id) if created_by_id else None
        job = db.session.get(ImportJob, job_id)
        review = job.review if review_id else (
            review_target(new_review) if new_review else None)
        report = import_parsed(actor, filename, result, review, dry_run=dry_run,
                               progress=progress, skip_errors=skip_errors, job=job)
        if dry_run:
            db.session.rollback()
            _set(job_id, status="previewed", heartbeat_at=utcnow(), **counts_of(report))
        else:
            job = db.session.get(ImportJob, job_id)
            job.status = "done"
            for name, value in counts_of(report).items():
                setattr(job, name, value)
            job.finished_at = utcnow()
            job.heartbeat_at = utcnow()
            # The recommendations are in the database now.
            job.data = b""
            job.upload_deleted_at = utcnow()
            db.session.commit()
    except ImportRefused as refused:
        # All or nothing: the problem rows are on the page; the file is kept, so that
        # "Retry" previews it again and the user may choose to skip them.
        db.session.rollback()
        _set(job_id, status="failed", error=refused.message, finished_at=utcnow(),
             **counts_of(refused.report))
    except ServiceError as error:
        db.session.rollback()
        _set(job_id, **_delete_upload(status="failed", error=error.message,
                                      finished_at=utcnow()))
    except Exception as error:
        db.session.rollback()
        left = getattr(task, "retries", 0)
        logger.exception("Import job %s, attempt %s failed", job_id, attempts)
        what = _("attempt %(attempt)s stopped with %(error)s", attempt=attempts,
                 error=type(error).__name__)
        if left:
            _set(job_id, error=_("The import failed (%(what)s); it will be tried again "
                                 "in %(seconds)s s.", what=what, seconds=RUN_RETRY_DELAY),
                 heartbeat_at=utcnow() + timedelta(seconds=RUN_RETRY_DELAY))
            raise _Retry(what) from error
        _set(job_id, status="failed", finished_at=utcnow(),
             error=_("The import failed and nothing was saved (%(what)s, the last). "
                     "Retry, or try another file.", what=what))


# --- stopped jobs and stored files ------------------------------------------------------------

def expire_if_stale(job: ImportJob, now: datetime | None = None) -> bool:
    """Mark a running job whose heartbeat is too old as failed (its worker died); True if it
    was. Compare-and-set on the heartbeat seen, so a job that just reported is left alone."""
    if job.status not in RUNNING:
        return False
    now = now or utcnow()
    beat = last_heartbeat(job) or as_utc(job.created_at)
    limit = timedelta(minutes=current_app.config["IMPORT_STALE_MINUTES"])
    if beat is None or now - beat <= limit:
        return False
    minutes = int((now - beat).total_seconds() // 60)
    marked = db.session.execute(
        update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == job.status,
                                ImportJob.heartbeat_at.is_(None) if job.heartbeat_at is None
                                else ImportJob.heartbeat_at == job.heartbeat_at)
        .values(status="failed", finished_at=now,
                error=_("The import stopped reporting %(minutes)s minutes ago (its worker "
                        "stopped); nothing was saved. Retry, or try another file.",
                        minutes=minutes))).rowcount
    db.session.commit()
    if marked:
        logger.warning("Import job %s stopped reporting; marked failed", job.id)
    db.session.refresh(job)
    return bool(marked)


def sweep(now: datetime | None = None) -> tuple[int, int]:
    """Fail the jobs that stopped reporting and delete stored files past their time.

    Returns (jobs marked failed, files deleted). Files go once IMPORT_UPLOAD_MAX_AGE_HOURS old
    (any job not running), and at once for a job that is done.
    """
    now = now or utcnow()
    stale = 0
    for job in db.session.scalars(select(ImportJob).where(ImportJob.status.in_(RUNNING))).all():
        stale += expire_if_stale(job, now)
    cutoff = now - timedelta(hours=current_app.config["IMPORT_UPLOAD_MAX_AGE_HOURS"])
    deleted = db.session.execute(
        update(ImportJob).where(
            ImportJob.upload_deleted_at.is_(None), ImportJob.status.not_in(RUNNING),
            or_(ImportJob.status == "done", ImportJob.created_at < cutoff))
        .values(data=b"", upload_deleted_at=now)).rowcount
    db.session.commit()
    return stale, deleted


@periodic("imports.sweep", minute="*/5")
def sweep_task() -> None:
    stale, deleted = sweep()
    if stale or deleted:
        logger.info("Import sweep: %s stopped jobs failed, %s stored files deleted", stale,
                    deleted)
