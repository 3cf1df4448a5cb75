"""Import throughput and memory of a 100,000-row UPR Info file (issue 8, "Performance").

    python bench/import_speed.py                                    # SQLite, temporary file
    python bench/import_speed.py --database postgresql+psycopg://postgres@127.0.0.1/bench
    python bench/import_speed.py --baseline /tmp/old-checkout ...   # + the same run on old code

Generates the CSV with bench/generate.py (--rows, --seed), then for each database and each code
version (this checkout, and --baseline DIR: another checkout's `coalition` package, e.g.
`git archive HEAD | tar -x -C DIR`) runs, in a child process of its own:

  1. an empty database built from the migrations (THE POSTGRESQL DATABASE IS WIPED: its name
     must contain "bench", or pass --wipe-ok);
  2. the file imported through coalition.recommendations.services.import_file (parsing
     included, as the worker and the CLI do) and committed: rows/s (wall clock), CPU seconds
     of this process and of its PostgreSQL backend (from /proc: the server must run on this
     machine), rows per CPU second (steadier than wall clock on a shared machine), peak RSS
     growth (ru_maxrss after minus the RSS before), and the same import's tracemalloc
     peak in a second child (--tracemalloc; slower, so not timed);
  3. a check that the full-text search finds the imported rows (the word "torture" through
     coalition.search, against a count of the texts that contain it).

--profile FILE writes a cProfile of the (current code's) import on the first database.
Prints a table; --json FILE keeps the figures. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rss_kib() -> int:
    """The process's resident set now, in KiB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def backend_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of this session's PostgreSQL backend, from /proc (the
    server runs on this machine); 0 when not on PostgreSQL or not readable."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(args: argparse.Namespace) -> dict[str, Any]:
    """Measure one import on one database with one code version (this process)."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(Path(args.code)))
    from common import config, reset_database
    from sqlalchemy import func, select

    import coalition
    from coalition import create_app
    from coalition.extensions import db
    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import import_file
    from coalition.search.services import recommendation_match

    assert Path(coalition.__file__).resolve().is_relative_to(Path(args.code).resolve()), \
        f"imported {coalition.__file__}, not the code under {args.code}"
    data = Path(args.csv).read_bytes()
    app = create_app(config(args.url))
    reset_database(app)
    out: dict[str, Any] = {"code": args.label, "database": app.config[
        "SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]}
    with app.app_context():
        db.session.execute(select(1))  # connect before measuring
        backend = (db.session.execute(select(func.pg_backend_pid())).scalar()
                   if out["database"] == "postgresql" else None)
        if args.mode == "tracemalloc":
            import tracemalloc

            tracemalloc.start()
            import_file(None, "bench.csv", data)
            db.session.commit()
            out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            return out
        profiler = None
        if args.mode == "profile":
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        rss_before = rss_kib()
        server_cpu = backend_cpu(backend)
        cpu = time.process_time()
        start = time.perf_counter()
        report = import_file(None, "bench.csv", data)
        db.session.commit()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        server_cpu = backend_cpu(backend) - server_cpu
        load = os.getloadavg()[0]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        out.update({"rows": report.rows_total, "created": report.created,
                    "errors": len(report.errors), "seconds": elapsed, "cpu_seconds": cpu,
                    "server_cpu_seconds": server_cpu, "load_average": load,
                    "rows_per_cpu_s": report.rows_total / (cpu + server_cpu),
                    "rows_per_s": report.rows_total / elapsed,
                    "rss_growth_mib": max(0, peak - rss_before) / 1024})
        found = db.session.scalar(select(func.count()).select_from(Recommendation).where(
            recommendation_match("torture")))
        contain = db.session.scalar(select(func.count()).select_from(Recommendation).where(
            func.lower(Recommendation.text).like("%torture%")))
        out["search_torture"] = [found, contain]
    return out


def run_child(url: str, csv: Path, code: Path, label: str, mode: str,
              profile: str | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", url, "--csv", str(csv), "--code", str(code),
               "--label", label, "--mode", mode]
    if profile:
        command += ["--profile", profile]
    # Our own interpreter and script, with arguments we built.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (WIPED); default $BENCH_DATABASE_URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--baseline", type=Path,
                        help="a checkout of the code to compare with (its `coalition` package)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also the tracemalloc peak of each import (a child of its own)")
    parser.add_argument("--profile", help="write a cProfile of the import to this file")
    parser.add_argument("--wipe-ok", action="store_true",
                        help="allow a database whose name does not contain 'bench'")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--label", default="current", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="time", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        args.url = args.child
        print(json.dumps(child(args)))
        return 0

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    import generate

    results = []
    with tempfile.TemporaryDirectory(prefix="coalition-import-") as tmp:
        targets = [] if args.no_sqlite else [f"sqlite:///{tmp}/bench.sqlite3"]
        if args.database:
            from sqlalchemy.engine import make_url

            if "bench" not in (make_url(args.database).database or "") and not args.wipe_ok:
                parser.error("the database is wiped: its name must contain 'bench' (or "
                             "pass --wipe-ok)")
            targets.append(args.database)
        log(f"generating {args.rows:,} rows")
        csv = generate.write_csv(Path(tmp) / "bench.csv", args.rows, args.seed)
        versions = [("current", ROOT)]
        if args.baseline:
            versions.insert(0, ("baseline", args.baseline.resolve()))
        for url in targets:
            for label, code in versions:
                mode = "profile" if args.profile and label == "current" else "time"
                log(f"{url.split(':')[0]}, {label}: importing")
                result = run_child(url, csv, code, label, mode, args.profile)
                if args.tracemalloc:
                    log(f"{url.split(':')[0]}, {label}: again under tracemalloc")
                    result.update(run_child(url, csv, code, label, "tracemalloc"))
                log(f"  {result.get('rows_per_s', 0):,.0f} rows/s")
                results.append(result)
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def print_report(results: list[dict[str, Any]]) -> None:
    """One column per (database, code version)."""
    heads = [f"{r['database']} {r['code']}" for r in results]
    rows = [
        ("CSV rows (recommendations created)",
         [f"{r['rows']:,} ({r['created']:,})" for r in results]),
        ("import rows/s (wall clock)", [f"{r['rows_per_s']:,.0f}" for r in results]),
        ("import seconds (CPU seconds)",
         [f"{r['seconds']:.1f} ({r['cpu_seconds']:.1f})" for r in results]),
        ("PostgreSQL backend CPU seconds",
         [f"{r['server_cpu_seconds']:.1f}" if r["database"] == "postgresql" else "-"
          for r in results]),
        ("rows per CPU second (app + backend)", [f"{r['rows_per_cpu_s']:,.0f}" for r in results]),
        ("load average (1 min) at the end", [f"{r['load_average']:.1f}" for r in results]),
        ("peak RSS growth, MiB", [f"{r['rss_growth_mib']:.0f}" for r in results]),
        ("tracemalloc peak, MiB",
         [f"{r['tracemalloc_peak_mib']:.0f}" if "tracemalloc_peak_mib" in r else "-"
          for r in results]),
        ("search 'torture' finds / texts with it",
         [f"{r['search_torture'][0]:,} / {r['search_torture'][1]:,}" for r in results]),
    ]
    width = max(len(label) for label, _ in rows)
    print("| " + " " * width + " | " + " | ".join(heads) + " |")
    print("|" + "-" * (width + 2) + "|" + "|".join("-" * (len(h) + 2) for h in heads) + "|")
    for label, values in rows:
        print(f"| {label:<{width}} | "
              + " | ".join(f"{v:>{len(h)}}" for v, h in zip(values, heads, strict=True)) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
