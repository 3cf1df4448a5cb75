"""Coalition benchmark: import throughput, tracker page time, SQL statements per page.

    python bench/run.py [--rows 100000] [--database postgresql+psycopg://.../bench]

Runs on SQLite in a temporary file, and on PostgreSQL when --database or BENCH_DATABASE_URL
names one. THE POSTGRESQL DATABASE IS WIPED (its public schema is dropped and rebuilt from the
migrations): its name must contain "bench", or pass --wipe-ok.

Each database is measured in its own child process (so that peak memory is the import's own):
  1. a 10,000-row CSV is imported, 2,000 assessments are added, and the tracker page's SQL
     statements are counted;
  2. the database is rebuilt, the 100,000-row CSV is imported through
     coalition.recommendations.services.import_file (rows/s, peak RSS growth), re-imported
     (must change nothing), and 20,000 assessments are added through a bulk fast path;
  3. the tracker page for a full-text search plus three facets is requested through the Flask
     test client, signed in as a researcher (median and p95 server time, SQL statements);
     then the unfiltered tracker, and a view with two facets and no search (its first
     request, which counts, and the next ones, which read the kept counts);
  4. the same search and facets (result count + first page of 50) run in raw SQL through the
     driver (sqlite3 / psycopg), as the baseline for the app/raw ratio;
  5. with --tracemalloc, the tracemalloc peak of a dry-run import on a rebuilt database.
See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402

PASSWORD = "bench-password-not-secret"  # noqa: S105
SEARCH = "torture"
POSITION = "noted"
GROUP = "African"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TOTAL_RE = re.compile(r"<strong>(\d+)</strong> recommendation")


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the application -------------------------------------------------------------------------

from common import config, reset_database  # noqa: E402  (bench/ is on sys.path)


def make_researcher() -> None:
    from coalition.accounts.services import create_user
    from coalition.extensions import db

    create_user(None, "bench-researcher@example.org", "Bench Researcher", PASSWORD, "researcher")
    db.session.commit()


class Client:
    """The Flask test client, every request in a fresh context (as a real server runs it),
    counting the SQL statements each request sends."""

    def __init__(self, app: Any) -> None:
        from sqlalchemy import event

        from coalition.extensions import db

        self.client = app.test_client()
        self.statements = 0
        with app.app_context():
            engine = db.engine

        def count(*_: Any) -> None:
            self.statements += 1

        event.listen(engine, "before_cursor_execute", count)

    def get(self, path: str) -> tuple[int, str, float, int]:
        self.statements = 0
        cpu = time.process_time()
        start = time.perf_counter()
        response = contextvars.Context().run(self.client.get, path)
        elapsed = time.perf_counter() - start
        self.cpu = time.process_time() - cpu
        return response.status_code, response.get_data(as_text=True), elapsed, self.statements

    def login(self) -> None:
        _, page, _, _ = self.get("/login")
        token = CSRF_RE.search(page)
        assert token, "no CSRF token on /login"
        response = contextvars.Context().run(self.client.post, "/login", data={
            "email": "bench-researcher@example.org", "password": PASSWORD,
            "csrf_token": token.group(1)})
        assert response.status_code in (302, 303), f"login failed: {response.status_code}"


def common_theme() -> tuple[int, str]:
    """The most used UPR Info issue: the theme facet's value."""
    from sqlalchemy import func, select

    from coalition.extensions import db
    from coalition.recommendations.models import recommendation_theme
    from coalition.reviews.models import Theme

    link = recommendation_theme
    row = db.session.execute(
        select(Theme.id, Theme.name).join(link, link.c.theme_id == Theme.id)
        .group_by(Theme.id, Theme.name).order_by(func.count().desc(), Theme.id).limit(1)).one()
    return row.id, row.name


def tracker_path(theme_id: int) -> str:
    return "/tracker?" + urlencode({"q": SEARCH, "position": POSITION, "group": GROUP,
                                    "theme": theme_id})


# Requests before the timed ones. On SQLite the first requests of a process run the facet
# statement slowly (15 ms, then 8, 7, 6 ... 5.3 ms by the tenth: the memory-mapped file's pages
# being mapped into the process), so three were not enough to time the steady state a server
# runs in; the raw baseline gets the same.
WARMUP = 10


def measure_page(client: Client, path: str, requests: int, warmup: int = WARMUP,
                 ) -> dict[str, Any]:
    times, cpu, statements, total = [], [], set(), None
    for n in range(warmup + requests):
        status, body, elapsed, count = client.get(path)
        assert status == 200, f"{path}: HTTP {status}"
        match = TOTAL_RE.search(body)
        total = int(match.group(1)) if match else None
        statements.add(count)
        if n >= warmup:
            times.append(elapsed * 1000)
            cpu.append(client.cpu * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": percentile(times, 95),
            "cpu_median_ms": statistics.median(cpu), "statements": sorted(statements),
            "total": total, "requests": requests}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# --- the raw-SQL baseline --------------------------------------------------------------------

def raw_sql(dialect: str) -> tuple[str, str]:
    """The tracker's search and three facets as one would write them by hand for this database:
    the full-text match drives, the facets are probes per matching row. (count, first page)"""
    if dialect == "postgresql":
        match = "to_tsvector('simple', r.text) @@ to_tsquery('simple', %(q)s)"
        param = "%({})s"
    else:
        match = ("r.id IN (SELECT rowid FROM recommendation_fts "
                 "WHERE recommendation_fts MATCH :fts)")
        param = ":{}"
    where = (f" WHERE {match} AND r.position = {param.format('position')}"
             " AND EXISTS (SELECT 1 FROM recommendation_state rs"
             " WHERE rs.recommendation_id = r.id AND rs.state_id + 0 IN"
             f" (SELECT id FROM state WHERE regional_group = {param.format('grp')}))"
             " AND EXISTS (SELECT 1 FROM recommendation_theme rt"
             f" WHERE rt.recommendation_id = r.id AND rt.theme_id = {param.format('theme')})")
    count = "SELECT count(*) FROM recommendation r" + where
    page = ("SELECT r.id, r.paragraph, r.text, r.position, r.position_words,"
            " r.action_category, r.latest_status, s.name, v.cycle FROM recommendation r"
            " JOIN review v ON v.id = r.review_id JOIN state s ON s.id = v.state_id" + where
            + " ORDER BY r.review_id, r.paragraph_sort, r.id LIMIT 50")
    return count, page


def measure_raw(url: str, theme_id: int, requests: int, warmup: int = WARMUP,
                ) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    params = {"q": SEARCH, "fts": f'"{SEARCH}"', "position": POSITION, "grp": GROUP,
              "theme": theme_id}
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        conn: Any = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(
            hide_password=False))
    else:
        import sqlite3

        from coalition.core.database import sqlite_pragmas

        conn = sqlite3.connect(parsed.database or "")
        # The same connection settings as the app's (memory-mapped reads above all): the
        # baseline is the same SQL on the same connection, without the application.
        for pragma in sqlite_pragmas(config(url)):
            conn.execute(pragma)
    count_sql, page_sql = raw_sql(parsed.get_backend_name())
    times, cpu, total = [], [], 0
    try:
        for n in range(warmup + requests):
            start_cpu = time.process_time()
            start = time.perf_counter()
            cur = conn.cursor()
            cur.execute(count_sql, params)
            total = cur.fetchone()[0]
            cur.execute(page_sql, params)
            rows = cur.fetchall()
            conn.rollback()
            if n >= warmup:
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
    finally:
        conn.close()
    # On SQLite the statements run in this process: its CPU time is the baseline's cost
    # whatever else the machine is doing (the app's CPU time is measured the same way).
    return {"median_ms": statistics.median(times), "p95_ms": percentile(times, 95),
            "cpu_median_ms": statistics.median(cpu), "total": total, "page_rows": len(rows)}


# --- one database ----------------------------------------------------------------------------

def rss_kib() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def timed_import(data: bytes, name: str) -> dict[str, Any]:
    from coalition.extensions import db
    from coalition.recommendations.services import import_file

    rss_before = rss_kib()
    cpu = time.process_time()
    start = time.perf_counter()
    report = import_file(None, name, data)
    db.session.commit()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": report.rows_total, "created": report.created, "merged": report.rows_merged,
            "errors": len(report.errors), "seconds": elapsed, "cpu_seconds": cpu,
            "rows_per_s": report.rows_total / elapsed,
            "rss_growth_mib": max(0, peak - rss_before) / 1024}


def child(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import text

    from coalition import create_app
    from coalition.extensions import db
    from coalition.recommendations.services import import_file

    url = args.child
    app = create_app(config(url))
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    if args.sqlite_cache_mib and dialect == "sqlite":
        from sqlalchemy import event

        with app.app_context():
            event.listen(db.engine, "connect", lambda conn, _: conn.execute(
                f"PRAGMA cache_size = -{args.sqlite_cache_mib * 1024}"))
        out_cache = args.sqlite_cache_mib
    else:
        out_cache = None
    big = Path(args.csv).read_bytes()
    small = Path(args.small_csv).read_bytes()
    out: dict[str, Any] = {"database": dialect, "rows": args.rows, "sqlite_cache_mib": out_cache}

    log(f"{dialect}: {args.small_rows:,} rows, {args.small_rows // 5:,} assessments")
    reset_database(app)
    with app.app_context():
        make_researcher()
        out["import_small"] = timed_import(small, "bench-small.csv")
        generate.add_assessments(args.small_rows // 5, args.seed)
        theme_id, _ = common_theme()
    client = Client(app)
    client.login()
    out["page_small"] = measure_page(client, tracker_path(theme_id), 5)

    log(f"{dialect}: importing {args.rows:,} rows")
    reset_database(app)
    with app.app_context():
        make_researcher()
        out["import"] = timed_import(big, "bench.csv")
        log(f"{dialect}: {out['import']['rows_per_s']:,.0f} rows/s; re-importing")
        start = time.perf_counter()
        again = import_file(None, "bench.csv", big)
        db.session.commit()
        out["reimport"] = {"seconds": time.perf_counter() - start, "created": again.created,
                           "updated": again.updated, "unchanged": again.unchanged,
                           "rows_per_s": again.rows_total / (time.perf_counter() - start)}
        log(f"{dialect}: adding {args.assessments:,} assessments")
        generate.add_assessments(args.assessments, args.seed)
        if dialect == "postgresql":  # autovacuum would have analysed the new rows by now
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        theme_id, theme_name = common_theme()
    out["theme"] = theme_name
    client = Client(app)
    client.login()
    log(f"{dialect}: tracker page x {args.requests}")
    out["page"] = measure_page(client, tracker_path(theme_id), args.requests)
    out["page_unfiltered"] = measure_page(client, "/tracker", args.requests)
    # A view with facets and no search: its first request counts (and keeps the counts), the
    # next ones read the kept counts (coalition.recommendations.tracker._kept_rows).
    facets_path = "/tracker?" + urlencode({"position": POSITION, "theme": theme_id})
    _, _, first, _ = client.get(facets_path)
    out["page_facets"] = measure_page(client, facets_path, args.requests)
    out["page_facets"]["first_ms"] = first * 1000
    out["raw"] = measure_raw(url, theme_id, args.requests)
    if out["raw"]["total"] != out["page"]["total"]:
        out["mismatch"] = (f"app shows {out['page']['total']} results, "
                           f"raw SQL counts {out['raw']['total']}")
    if args.tracemalloc:  # last, so that it does not raise the RSS the timed import starts from
        log(f"{dialect}: dry-run import of {args.rows:,} rows under tracemalloc")
        reset_database(app)
        with app.app_context():
            tracemalloc.start()
            import_file(None, "bench.csv", big, dry_run=True)
            out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            db.session.rollback()
    return out


# --- the report ------------------------------------------------------------------------------

def print_report(results: list[dict[str, Any]]) -> None:
    def row(label: str, *values: str) -> None:
        print(f"{label:<44}" + "".join(f"{v:>18}" for v in values))

    print()
    row("", *(r["database"] for r in results))
    row("CSV rows (recommendations created)",
        *(f"{r['import']['rows']:,} ({r['import']['created']:,})" for r in results))
    row("import rows/s (target >= 5,000 on SQLite)",
        *(f"{r['import']['rows_per_s']:,.0f}" for r in results))
    row("import seconds (this process's CPU seconds)",
        *(f"{r['import']['seconds']:.1f} ({r['import']['cpu_seconds']:.1f})" for r in results))
    row("import peak RSS growth, MiB", *(f"{r['import']['rss_growth_mib']:.0f}" for r in results))
    if all("tracemalloc_peak_mib" in r for r in results):
        row("import tracemalloc peak (dry run), MiB",
            *(f"{r['tracemalloc_peak_mib']:.0f}" for r in results))
    row(f"import rows/s at {results[0]['import_small']['rows']:,} rows",
        *(f"{r['import_small']['rows_per_s']:,.0f}" for r in results))
    row("re-import (unchanged) rows/s", *(f"{r['reimport']['rows_per_s']:,.0f}" for r in results))
    row("re-import created/updated", *(f"{r['reimport']['created']}/{r['reimport']['updated']}"
                                       for r in results))
    row("tracker results (search + 3 facets)", *(str(r["page"]["total"]) for r in results))
    row("tracker median ms (target < 50, <= 3x raw)",
        *(f"{r['page']['median_ms']:.1f}" for r in results))
    row("tracker p95 ms", *(f"{r['page']['p95_ms']:.1f}" for r in results))
    row("tracker median CPU ms of this process",
        *(f"{r['page']['cpu_median_ms']:.1f}" for r in results))
    row("raw SQL median ms (count + page)", *(f"{r['raw']['median_ms']:.2f}" for r in results))
    row("ratio app / raw (medians)",
        *(f"{r['page']['median_ms'] / r['raw']['median_ms']:.1f}x" for r in results))
    row("ratio app / raw, CPU (SQLite: both in-process)",
        *(f"{r['page']['cpu_median_ms'] / r['raw']['cpu_median_ms']:.1f}x"
          if r["database"] == "sqlite" else "-" for r in results))
    row(f"SQL statements/page at {results[0]['import_small']['rows']:,} rows",
        *("/".join(map(str, r["page_small"]["statements"])) for r in results))
    row(f"SQL statements/page at {results[0]['import']['rows']:,} rows",
        *("/".join(map(str, r["page"]["statements"])) for r in results))
    row("tracker without filters, median ms (< 100)",
        *(f"{r['page_unfiltered']['median_ms']:.1f}" for r in results))
    row("tracker without filters, p95 ms",
        *(f"{r['page_unfiltered']['p95_ms']:.1f}" for r in results))
    row("tracker without filters, median CPU ms",
        *(f"{r['page_unfiltered']['cpu_median_ms']:.1f}" for r in results))
    row("tracker without filters, SQL statements",
        *("/".join(map(str, r["page_unfiltered"]["statements"])) for r in results))
    row("facets, no search: first request ms (counts)",
        *(f"{r['page_facets']['first_ms']:.1f}" for r in results))
    row("facets, no search: median ms (kept counts)",
        *(f"{r['page_facets']['median_ms']:.1f}" for r in results))
    print()
    print(f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end "
          "(a loaded machine inflates wall-clock times; CPU times are steadier).")
    print(f"Search {SEARCH!r}, position={POSITION}, group={GROUP}, "
          f"theme={results[0]['theme']!r}; {results[0]['page']['requests']} requests each.")
    for r in results:
        small, big = r["page_small"]["statements"], r["page"]["statements"]
        if max(big) > max(small):
            print(f"!! {r['database']}: statements per page grow with the rows")
        elif small != big:
            print(f"   {r['database']}: fewer statements on the small page (a relation with "
                  "nothing to load, e.g. no assessed result, skips its query)")
        if "mismatch" in r:
            print(f"!! {r['database']}: {r['mismatch']}")
        if r["reimport"]["created"] or r["reimport"]["updated"]:
            print(f"!! {r['database']}: re-import was not idempotent")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small-rows", type=int, default=10_000,
                        help="rows of the first data set, to compare statements per page")
    parser.add_argument("--assessments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (WIPED); default $BENCH_DATABASE_URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure the tracemalloc peak of a dry-run import (slow)")
    parser.add_argument("--wipe-ok", action="store_true",
                        help="allow a database whose name does not contain 'bench'")
    parser.add_argument("--sqlite-cache-mib", type=int, default=0,
                        help="give the app's SQLite connections a page cache of this size "
                        "(PRAGMA cache_size; the app leaves SQLite's default of 2 MiB)")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--small-csv", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args)))
        return 0

    targets = []
    with tempfile.TemporaryDirectory(prefix="coalition-bench-") as tmp:
        if not args.no_sqlite:
            targets.append(f"sqlite:///{tmp}/bench.sqlite3")
        if args.database:
            from sqlalchemy.engine import make_url

            if "bench" not in (make_url(args.database).database or "") and not args.wipe_ok:
                parser.error("the database is wiped: its name must contain 'bench' (or "
                             "pass --wipe-ok)")
            targets.append(args.database)
        log(f"generating {args.rows:,} and {args.small_rows:,} rows")
        big = generate.write_csv(Path(tmp) / "bench.csv", args.rows, args.seed)
        small = generate.write_csv(Path(tmp) / "bench-small.csv", args.small_rows, args.seed + 1)
        results = []
        for url in targets:
            command = [sys.executable, __file__, "--child", url, "--csv", str(big),
                       "--small-csv", str(small), "--rows", str(args.rows),
                       "--small-rows", str(args.small_rows), "--assessments",
                       str(args.assessments), "--requests", str(args.requests),
                       "--seed", str(args.seed)]
            if args.tracemalloc:
                command.append("--tracemalloc")
            if args.sqlite_cache_mib:
                command += ["--sqlite-cache-mib", str(args.sqlite_cache_mib)]
            # Our own interpreter and script, with arguments we built.
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True,  # noqa: S603
                                  check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
