"""Export speed and memory (issue 10): our CSV export against the same SELECT written by
Python's csv module straight from the driver, and against the databases' own CSV writers.

    python bench/export_speed.py [--rows 108200] [--database postgresql+psycopg://.../bench]

Runs on SQLite in a temporary file, and on PostgreSQL when --database or BENCH_DATABASE_URL
names one. THE POSTGRESQL DATABASE IS WIPED: its name must contain "bench", or pass --wipe-ok.

Each database is measured in its own child process:
  1. bench/generate.py's UPR Info CSV (108,200 rows make about 100,000 recommendations) is
     imported through coalition.recommendations.services.import_file, and 20,000
     assessments are added (generate.add_assessments), as bench/run.py does;
  2. our CSV export of every recommendation (coalition.exports.services.export, as the
     coordinator: every assessment), written to a file; best of --repeat runs;
  3. the baseline: one hand-written SELECT giving the same columns (the multi-valued ones
     aggregated by the database: group_concat / string_agg; the latest assessment by a
     correlated subquery) run through the driver (sqlite3 / psycopg) and written by Python's
     csv module; best of --repeat runs; the row counts must agree;
  4. the databases' own CSV writers on the same SELECT: `sqlite3 -csv` (when the sqlite3
     program exists) and PostgreSQL's `COPY (...) TO STDOUT WITH CSV` through psql;
  5. our XLSX export (xlsxwriter, constant memory), our JSON Lines export and the long CSV;
  6. peak memory of the CSV and XLSX exports of the first 10,000 rows and of all of them: the
     growth of the peak RSS in a fresh process for each (fast), and with --tracemalloc also the
     tracemalloc peaks (slow: several minutes per export under tracemalloc).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402
from common import config, reset_database  # noqa: E402


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def baseline_sql(dialect: str) -> str:
    """The recommendations export's columns in one SELECT, as one would write it by hand."""
    if dialect == "postgresql":
        def agg(expr: str, order: str, frm: str) -> str:
            return f"(SELECT string_agg({expr}, '|' ORDER BY {order}) {frm})"
        slug = "lower(s.code) || '-' || v.cycle"
        theme = "t.code || ' ' || t.name"
        sdg = "x.sdg_number::text"
    else:
        def agg(expr: str, order: str, frm: str) -> str:
            return f"(SELECT group_concat(v, '|') FROM (SELECT {expr} AS v {frm} ORDER BY {order}))"
        slug = "lower(s.code) || '-' || v.cycle"
        theme = "t.code || ' ' || t.name"
        sdg = "x.sdg_number"
    states = ("FROM recommendation_state rs JOIN state st ON st.id = rs.state_id "
              "WHERE rs.recommendation_id = r.id")
    themes = ("FROM recommendation_theme rt JOIN theme t ON t.id = rt.theme_id "
              "WHERE rt.recommendation_id = r.id AND t.kind = '{kind}'")
    latest = ("(SELECT {col} FROM assessment a JOIN organisation o ON o.id = a.organisation_id "
              "WHERE a.recommendation_id = r.id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1)")
    return (
        f"SELECT r.id, {slug}, s.name, s.code, s.regional_group, v.cycle, v.session, "
        "v.review_date, v.report_symbol, r.paragraph, r.kind, r.text, "
        f"{agg('st.name', 'st.name', states)}, {agg('st.code', 'st.name', states)}, "
        f"{agg('st.regional_group', 'st.name', states)}, "
        "r.position, r.position_words, r.position_source, r.action_category, "
        f"{agg('t.name', 't.code', themes.format(kind='upr_info'))}, "
        f"{agg(theme, 't.code', themes.format(kind='ohchr'))}, "
        f"{agg(sdg, 'x.sdg_number', 'FROM recommendation_sdg x WHERE x.recommendation_id = r.id')}, "  # noqa: E501
        f"{agg('g.name', 'g.name', 'FROM recommendation_affected ra JOIN affected_group g ON g.id = ra.affected_group_id WHERE ra.recommendation_id = r.id')}, "  # noqa: E501
        f"{agg('rt2.territory', 'rt2.territory', 'FROM recommendation_territory rt2 WHERE rt2.recommendation_id = r.id')}, "  # noqa: E501
        "r.uhri_annotation_id, r.upr_info_id, r.repeated_from_id, "
        f"{latest.format(col='a.status')}, {latest.format(col='a.assessed_on')}, "
        f"{latest.format(col='o.name')}, r.updated_at "
        "FROM recommendation r JOIN review v ON v.id = r.review_id "
        "JOIN state s ON s.id = v.state_id ORDER BY r.review_id, r.paragraph_sort, r.id"
    )


def driver_connection(url: str) -> Any:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        return psycopg.connect(parsed.set(drivername="postgresql").render_as_string(
            hide_password=False))
    import sqlite3

    return sqlite3.connect(parsed.database or "")


def baseline_csv(url: str, dialect: str, path: Path) -> int:
    """The SELECT through the driver, written by csv.writer; returns the rows written."""
    from coalition.exports.columns import COLUMN_NAMES

    conn = driver_connection(url)
    n = 0
    try:
        cur = conn.cursor(name="export") if dialect == "postgresql" else conn.cursor()
        if dialect == "postgresql":
            cur.itersize = 2000
        cur.execute(baseline_sql(dialect))
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(COLUMN_NAMES)
            for row in cur:
                writer.writerow(row)
                n += 1
        conn.rollback()
    finally:
        conn.close()
    return n


def native_csv(url: str, dialect: str, path: Path) -> tuple[str, float | None]:
    """The database's own CSV writer on the same SELECT: (what, seconds) or (why not, None)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    sql = baseline_sql(dialect)
    if dialect == "sqlite":
        program = shutil.which("sqlite3")
        if program is None:
            return "sqlite3 program not installed", None
        command = [program, "-csv", "-header", parsed.database or "", sql]
        what = "sqlite3 -csv"
    else:
        program = shutil.which("psql")
        if program is None:
            return "psql program not installed", None
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        command = [program, dsn, "-X", "-q", "-c",
                   f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"]
        what = "psql COPY ... TO STDOUT CSV"
    start = time.perf_counter()
    with path.open("wb") as out:
        # Our own command line, from a program found on PATH and SQL we wrote.
        subprocess.run(command, stdout=out, check=True)  # noqa: S603
    return what, time.perf_counter() - start


def ours(fmt: str, path: Path, long: bool = False, limit: int | None = None) -> int:
    """Our export (as the coordinator) written to `path`; returns its bytes."""
    from coalition.exports import services
    from coalition.exports.commands import CoordinatorReader

    request = services.ExportRequest("recommendations", fmt, services.filters_from_args({}),
                                     CoordinatorReader(), long=long)
    if limit is None:
        chunks = services.export(request)
    else:
        rows = itertools.islice(request.rows(), limit)
        writer = {"csv": services.write_csv, "xlsx": services.write_xlsx,
                  "jsonl": services.write_jsonl}[fmt]
        chunks = writer(rows, request.columns)
    size = 0
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            size += len(chunk)
    return size


def timed(action: Any, repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mib(action: Any) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def peak_child(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: the growth of the peak RSS while exporting (MiB)."""
    import resource

    from coalition import create_app

    app = create_app(config(args.peak_child))
    with app.app_context():
        from coalition.extensions import db

        db.session.execute(__import__("sqlalchemy").text("SELECT 1"))
        before = rss_kib()
        ours(args.fmt, Path(args.tmp) / f"peak.{args.fmt}", limit=args.limit or None)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rss_growth_mib": max(0, peak - before) / 1024}


def rss_peak(url: str, fmt: str, limit: int, tmp: str) -> float:
    command = [sys.executable, __file__, "--peak-child", url, "--fmt", fmt, "--limit",
               str(limit), "--tmp", tmp]
    # Our own interpreter and script, with arguments we built.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)  # noqa: S603
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rss_growth_mib"])


def child(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from coalition import create_app
    from coalition.extensions import db
    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import import_file

    url = args.child
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    app = create_app(config(url))
    tmp = Path(args.tmp)
    out: dict[str, Any] = {"database": dialect}
    reset_database(app)
    with app.app_context():
        log(f"{dialect}: importing {args.rows:,} rows")
        start = time.perf_counter()
        import_file(None, "bench.csv", Path(args.csv).read_bytes())
        db.session.commit()
        log(f"{dialect}: imported in {time.perf_counter() - start:.1f} s; "
            f"{args.assessments:,} assessments")
        generate.add_assessments(args.assessments, args.seed)
        db.session.commit()
        if dialect == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        out["recommendations"] = db.session.scalar(select(func.count(Recommendation.id)))
        db.session.rollback()

        log(f"{dialect}: our CSV export")
        out["ours_csv_s"], size = timed(lambda: ours("csv", tmp / f"{dialect}-ours.csv"),
                                        args.repeat)
        db.session.rollback()
        out["ours_csv_mib"] = size / 2**20
        with (tmp / f"{dialect}-ours.csv").open(encoding="utf-8", newline="") as f:
            out["ours_csv_rows"] = sum(1 for _ in csv.reader(f)) - 1
        log(f"{dialect}: baseline (driver + csv module)")
        out["baseline_csv_s"], out["baseline_rows"] = timed(
            lambda: baseline_csv(url, dialect, tmp / f"{dialect}-baseline.csv"), args.repeat)
        out["baseline_csv_mib"] = (tmp / f"{dialect}-baseline.csv").stat().st_size / 2**20
        out["ratio_csv"] = out["ours_csv_s"] / out["baseline_csv_s"]
        log(f"{dialect}: the database's own CSV writer")
        out["native_what"], out["native_csv_s"] = native_csv(url, dialect,
                                                             tmp / f"{dialect}-native.csv")
        if out["native_csv_s"]:
            out["ratio_native"] = out["ours_csv_s"] / out["native_csv_s"]

        log(f"{dialect}: XLSX, JSON Lines, long CSV")
        out["ours_xlsx_s"], size = timed(lambda: ours("xlsx", tmp / f"{dialect}.xlsx"), 1)
        out["ours_xlsx_mib"] = size / 2**20
        db.session.rollback()
        out["ours_jsonl_s"], _ = timed(lambda: ours("jsonl", tmp / f"{dialect}.jsonl"), 1)
        db.session.rollback()
        out["ours_long_csv_s"], _ = timed(
            lambda: ours("csv", tmp / f"{dialect}-long.csv", long=True), 1)
        with (tmp / f"{dialect}-long.csv").open(encoding="utf-8", newline="") as f:
            out["long_rows"] = sum(1 for _ in csv.reader(f)) - 1
        db.session.rollback()

        db.session.remove()
        log(f"{dialect}: peak RSS growth, each export in a fresh process")
        for fmt in ("csv", "xlsx"):
            for label, limit in (("10k", 10_000), ("all", 0)):
                out[f"rss_{fmt}_{label}_mib"] = rss_peak(url, fmt, limit, args.tmp)
        if args.tracemalloc:
            log(f"{dialect}: tracemalloc peaks")
            for fmt in ("csv", "xlsx"):
                for label, limit in (("10k", 10_000), ("all", None)):
                    out[f"peak_{fmt}_{label}_mib"] = peak_mib(
                        lambda fmt=fmt, limit=limit: ours(fmt, tmp / f"{dialect}-peak.{fmt}",
                                                          limit=limit))
                    db.session.rollback()
    return out


def print_report(results: list[dict[str, Any]]) -> None:
    def row(label: str, *values: str) -> None:
        print(f"| {label:<52} |" + "".join(f" {v:>22} |" for v in values))

    print()
    row("", *(r["database"] for r in results))
    row("recommendations (long rows)",
        *(f"{r['recommendations']:,} ({r['long_rows']:,})" for r in results))
    row("our CSV export, s (MiB)", *(f"{r['ours_csv_s']:.2f} ({r['ours_csv_mib']:.0f})"
                                     for r in results))
    row("driver + csv module, same SELECT, s (MiB)",
        *(f"{r['baseline_csv_s']:.2f} ({r['baseline_csv_mib']:.0f})" for r in results))
    row("**ratio ours / driver+csv** (target <= 1.5)", *(f"{r['ratio_csv']:.2f}x"
                                                        for r in results))
    row("database's own CSV writer, s", *(
        f"{r['native_csv_s']:.2f} ({r['native_what']})" if r["native_csv_s"]
        else r["native_what"] for r in results))
    row("ratio ours / database's own", *(f"{r['ratio_native']:.2f}x" if r.get("ratio_native")
                                         else "-" for r in results))
    row("**our XLSX export, s** (target < 30)", *(f"{r['ours_xlsx_s']:.1f} "
                                                  f"({r['ours_xlsx_mib']:.0f} MiB)"
                                                  for r in results))
    row("our JSON Lines export, s", *(f"{r['ours_jsonl_s']:.2f}" for r in results))
    row("our long CSV export, s", *(f"{r['ours_long_csv_s']:.2f}" for r in results))
    for fmt in ("csv", "xlsx"):
        row(f"peak RSS growth {fmt.upper()}, 10,000 rows / all, MiB",
            *(f"{r[f'rss_{fmt}_10k_mib']:.1f} / {r[f'rss_{fmt}_all_mib']:.1f}"
              for r in results))
    for fmt in ("csv", "xlsx"):
        if not all(f"peak_{fmt}_10k_mib" in r for r in results):
            continue
        row(f"tracemalloc peak {fmt.upper()}, 10,000 rows / all, MiB",
            *(f"{r[f'peak_{fmt}_10k_mib']:.1f} / {r[f'peak_{fmt}_all_mib']:.1f}"
              for r in results))
    for r in results:
        if r["ours_csv_rows"] != r["baseline_rows"]:
            print(f"MISMATCH on {r['database']}: ours {r['ours_csv_rows']} rows, baseline "
                  f"{r['baseline_rows']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=108_200,
                        help="CSV rows to generate (108,200 make about 100,000 recommendations)")
    parser.add_argument("--assessments", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the CSV exports")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (WIPED); default $BENCH_DATABASE_URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--wipe-ok", action="store_true")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also the tracemalloc peaks of the exports (slow)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--peak-child", help=argparse.SUPPRESS)
    parser.add_argument("--fmt", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args)))
        return 0
    if args.peak_child:
        print(json.dumps(peak_child(args)))
        return 0

    with tempfile.TemporaryDirectory(prefix="coalition-export-bench-") as tmp:
        targets = [] if args.no_sqlite else [f"sqlite:///{tmp}/bench.sqlite3"]
        if args.database:
            from sqlalchemy.engine import make_url

            if "bench" not in (make_url(args.database).database or "") and not args.wipe_ok:
                parser.error("the database is wiped: its name must contain 'bench' (or "
                             "pass --wipe-ok)")
            targets.append(args.database)
        log(f"generating {args.rows:,} rows")
        data = generate.write_csv(Path(tmp) / "bench.csv", args.rows, args.seed)
        results = []
        for url in targets:
            command = [sys.executable, __file__, "--child", url, "--csv", str(data),
                       "--tmp", tmp, "--rows", str(args.rows), "--assessments",
                       str(args.assessments), "--repeat", str(args.repeat),
                       "--seed", str(args.seed)] + (["--tracemalloc"] if args.tracemalloc
                                                    else [])
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
