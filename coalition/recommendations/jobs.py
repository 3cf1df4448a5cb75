"""Running an import job outside the request that started it.

A large file takes longer than a request may live, so the upload request stores the file in an
ImportJob row and a background thread previews or imports it. Progress goes to the job row
through its own connection (on PostgreSQL, so any worker can report it) and to this process's
memory (SQLite allows one writer at a time, and the import holds the write lock).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app
from sqlalchemy import update

from coalition.accounts.models import User
from coalition.audit import record
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.recommendations.models import ImportJob
from coalition.recommendations.services import import_file

_progress: dict[int, tuple[int, int]] = {}
_lock = threading.Lock()


def progress_of(job: ImportJob) -> tuple[int, int]:
    with _lock:
        return _progress.get(job.id, (job.progress_done, job.progress_total))


def create_job(actor: Any, filename: str, data: bytes, review_id: int | None) -> ImportJob:
    if not data:
        raise ServiceError("The file is empty.", "file")
    job = ImportJob(created_by_id=getattr(actor, "id", None), filename=filename[:255],
                    size=len(data), data=data, review_id=review_id, status="previewing")
    db.session.add(job)
    record(actor, "import.upload", job, {"file": [None, job.filename], "size": [None, job.size]})
    return job


def start(job_id: int, dry_run: bool) -> None:
    """Run the job in a thread (or inline when IMPORT_INLINE is set, as in tests)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("IMPORT_INLINE"):
        run(app, job_id, dry_run)
        return
    thread = threading.Thread(target=run, args=(app, job_id, dry_run), daemon=True,
                              name=f"import-{job_id}")
    thread.start()


def _set_status(job_id: int, **values: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def run(app: Flask, job_id: int, dry_run: bool) -> None:
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        if job is None:
            return
        actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
        share = db.engine.dialect.name != "sqlite"

        def progress(done: int, total: int) -> None:
            with _lock:
                _progress[job_id] = (done, total)
            if share:
                _set_status(job_id, progress_done=done, progress_total=total)

        try:
            report = import_file(actor, job.filename, job.data, job.review, dry_run=dry_run,
                                 progress=progress)
        except ServiceError as error:
            db.session.rollback()
            _set_status(job_id, status="failed", error=error.message, finished_at=utcnow())
        except Exception as error:
            db.session.rollback()
            app.logger.exception("Import job %s failed", job_id)
            _set_status(job_id, status="failed", finished_at=utcnow(),
                        error=f"The import failed and nothing was saved ({type(error).__name__}).")
        else:
            if dry_run:
                db.session.rollback()
                _set_status(job_id, status="previewed", report=report.to_dict())
            else:
                job = db.session.get(ImportJob, job_id)
                job.status = "done"
                job.report = report.to_dict()
                job.finished_at = utcnow()
                job.data = b""  # the recommendations are in the database now
                try:
                    db.session.commit()
                except Exception:
                    # The commit itself failed: nothing was saved, and the page must say so
                    # rather than poll an "importing" job forever.
                    db.session.rollback()
                    app.logger.exception("Import job %s could not be committed", job_id)
                    _set_status(job_id, status="failed", finished_at=utcnow(),
                                error="The import could not be saved; nothing was changed.")
        finally:
            with _lock:
                _progress.pop(job_id, None)
            db.session.remove()
