"""Other people's writes while an import runs (issue 7, item 6), on SQLite.

    python bench/import_writes.py [--rows 120000]

Builds a SQLite database in a temporary folder from the migrations, stores a generated UPR
Info CSV of --rows rows as an import job, and runs its preview (dry run), then its import, in
this process (coalition.recommendations.jobs.run, as the worker does). Meanwhile a second
thread writes a row every 0.5 s through its own connection, as a person posting a comment
would, and records how long each write waited and whether it failed ("database is locked").
Prints one line per run: the job's status, its duration, the writes made, the longest wait
and the failures. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=120_000)
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from bench.generate import write_csv
    from coalition import create_app
    from coalition.core.database import rebuild_from_migrations
    from coalition.extensions import db
    from coalition.recommendations import jobs
    from coalition.recommendations.models import ImportJob

    folder = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    csv = write_csv(folder / "import.csv", args.rows)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}"})
    rebuild_from_migrations(app)
    with app.app_context():
        db.session.execute(text("CREATE TABLE bench_probe (id INTEGER PRIMARY KEY, t TEXT)"))
        job = jobs.create_job(None, csv.name, csv.read_bytes(), None)
        db.session.commit()
        job_id = job.id

    def probe(stop: threading.Event, waits: list[float], failures: list[str]) -> None:
        with app.app_context():
            while not stop.is_set():
                start = time.monotonic()
                try:
                    with db.engine.begin() as conn:
                        conn.execute(text("INSERT INTO bench_probe (t) VALUES ('comment')"))
                    waits.append(time.monotonic() - start)
                except Exception as error:  # the figure is whether this happens
                    failures.append(f"after {time.monotonic() - start:.1f} s: "
                                    f"{str(error).splitlines()[0][:60]}")
                time.sleep(0.5)

    print(f"{args.rows:,} rows, SQLite, busy timeout "
          f"{app.config['SQLITE_BUSY_TIMEOUT_SECONDS']:.0f} s")
    for dry_run in (True, False):
        if not dry_run:
            with app.app_context():
                db.session.execute(text("UPDATE import_job SET status = 'importing'"))
                db.session.commit()
        stop, waits, failures = threading.Event(), [], []
        thread = threading.Thread(target=probe, args=(stop, waits, failures))
        thread.start()
        start = time.monotonic()
        jobs.run(app, job_id, dry_run)
        elapsed = time.monotonic() - start
        stop.set()
        thread.join()
        with app.app_context():
            status = db.session.get(ImportJob, job_id).status
        print(f"{'preview' if dry_run else 'import ':8} {status:10} {elapsed:6.1f} s  "
              f"writes {len(waits):3}  longest wait {max(waits, default=0):5.2f} s  "
              f"failed {len(failures)} {failures[:1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
