"""Dashboard benchmark (issue 11): 100,000 recommendations, 20,000 assessments, 5,000 plans.

    python bench/dashboard_speed.py --sqlite-from /tmp/prof/bench.sqlite3
    python bench/dashboard_speed.py --database postgresql+psycopg://.../coalition_bench

SQLite: a COPY of a database built by bench/run.py's steps (100,000 recommendations imported
from generate.write_csv, 20,000 assessments from generate.add_assessments) is migrated to the
head, or, without --sqlite-from, one is built so. PostgreSQL (--database; THE DATABASE IS
WIPED, its name must contain "bench") is always built so. Then 5,000 follow-up plans (lead
organisations among 45) and 2,000 coalition positions are added in bulk, and
  1. GET /dashboard (unfiltered, and filtered on the Hong Kong territory and on one theme) is
     requested through the Flask test client signed in as a member: median and p95 server
     time, SQL statements per request; "computed" (the kept rows dropped before each
     request: the first request after a data change) and "kept" (read from
     tracker_facet_cache at the current data version);
  2. the dashboard's two aggregate statements alone run through the raw driver (sqlite3 /
     psycopg), compiled with their values: the baseline of the app/raw ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402
import run  # noqa: E402
from common import config, reset_database  # noqa: E402

PLANS = 5_000
POSITIONS = 2_000
ORGANISATIONS = 45
MEMBER = "bench-member@example.org"


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def build(app: Any, rows: int, assessments: int) -> None:
    """A fresh database with `rows` recommendations and `assessments` assessments."""
    from coalition.extensions import db

    reset_database(app)
    with app.app_context():
        run.make_researcher()
        path = generate.write_csv(Path(tempfile.gettempdir()) / f"dash-bench-{rows}.csv", rows)
        log(f"import {rows} rows")
        run.timed_import(path.read_bytes(), path.name)
        log(f"add {assessments} assessments")
        generate.add_assessments(assessments, 2026)
        db.session.commit()


def add_followup(seed: int = 2026) -> None:
    """PLANS plans with lead organisations, POSITIONS coalition positions, and a member."""
    from sqlalchemy import func, insert, select

    from coalition.accounts.services import create_user
    from coalition.extensions import db
    from coalition.followup.models import CoalitionPosition, FollowUpPlan
    from coalition.followup.position_models import CoalitionPositionCurrent
    from coalition.organisations.models import Organisation
    from coalition.organisations.services import add_member, create_organisation
    from coalition.recommendations.models import IMPLEMENTATION_STATUSES, Recommendation

    rnd = random.Random(seed)
    orgs = [create_organisation(None, name=f"Bench lead {n}", is_steering=n < 9)
            for n in range(ORGANISATIONS)]
    member = create_user(None, MEMBER, "Bench Member", run.PASSWORD, "none")
    add_member(None, orgs[0], member, "editor")
    db.session.flush()
    existing = db.session.scalar(select(func.count()).select_from(FollowUpPlan))
    ids = list(db.session.scalars(select(Recommendation.id)))
    chosen = rnd.sample(ids, PLANS + POSITIONS)
    if not existing:
        db.session.execute(insert(FollowUpPlan), [
            {"recommendation_id": rid, "priority": rnd.choice(["high", "medium", "low"]),
             "lead_organisation_id": rnd.choice(orgs).id if rnd.random() < 0.9 else None,
             "status": rnd.choice(["not_started", "in_progress", "done"]), "notes": "",
             "notes_html": ""} for rid in chosen[:PLANS]])
    statuses = list(IMPLEMENTATION_STATUSES)
    start = date(2024, 1, 1)
    rows = [{"recommendation_id": rid, "status": rnd.choice(statuses),
             "adopted_on": start + timedelta(days=rnd.randrange(1000)), "reason": "Bench.",
             "reason_html": "<p>Bench.</p>", "organisation_id": orgs[1].id}
            for rid in chosen[PLANS // 2:PLANS // 2 + POSITIONS]]
    db.session.execute(insert(CoalitionPosition), rows)
    db.session.execute(insert(CoalitionPositionCurrent).from_select(
        ["recommendation_id", "position_id", "status", "adopted_on"],
        select(CoalitionPosition.recommendation_id, CoalitionPosition.id,
               CoalitionPosition.status, CoalitionPosition.adopted_on)))
    db.session.commit()
    log(f"added {PLANS} plans, {POSITIONS} positions, {ORGANISATIONS} organisations")
    _ = Organisation


def login(client: Any) -> None:
    import contextvars

    _, page, _, _ = client.get("/login")
    token = run.CSRF_RE.search(page)
    response = contextvars.Context().run(client.client.post, "/login", data={
        "email": MEMBER, "password": run.PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code in (302, 303), response.status_code


def forget_kept(url: str) -> None:
    """Drop the kept dashboards (another connection), so the next request computes."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tracker_facet_cache WHERE scope LIKE 'dash:%'"))
    engine.dispose()


def measure(client: Any, path: str, requests: int, cold_url: str | None = None,
            warmup: int = 2) -> dict[str, Any]:
    """Median and p95 server time of `path`; with `cold_url`, each request computes (the kept
    rows are dropped before it), else it reads the kept rows."""
    times, statements = [], set()
    for n in range(warmup + requests):
        if cold_url:
            forget_kept(cold_url)
        status, _body, elapsed, count = client.get(path)
        assert status == 200, f"{path}: HTTP {status}"
        statements.add(count)
        if n >= warmup:
            times.append(elapsed * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": run.percentile(times, 95),
            "statements": sorted(statements), "requests": requests}


def raw_statements(app: Any, query: str) -> list[str]:
    """The dashboard's aggregate statements for `query`, compiled with their values."""
    from werkzeug.datastructures import MultiDict

    from coalition.dashboards import services
    from coalition.extensions import db
    from coalition.recommendations.tracker import TrackerFilters

    with app.test_request_context("/dashboard?" + query):
        from urllib.parse import parse_qsl

        filters = TrackerFilters.from_args(MultiDict(parse_qsl(query)))
        filters.audience = "coalition"
        since = date.today() - timedelta(days=services.RECENT_DAYS)
        dialect = db.engine.dialect
        return [str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                for s in (services._aggregate_statement(filters, since),
                          services._over_time_statement(filters))]


def measure_raw(url: str, sqls: list[str], requests: int, warmup: int = 2) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        conn: Any = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(
            hide_password=False))
        sqls = [s.replace("%%", "%") for s in sqls]
    else:
        import sqlite3

        conn = sqlite3.connect(parsed.database or "")
    times = []
    try:
        if parsed.get_backend_name() == "postgresql":
            sqls = ["SET LOCAL jit = off", *sqls]  # as the app does
        for n in range(warmup + requests):
            start = time.perf_counter()
            for sql in sqls:
                cur = conn.cursor()
                cur.execute(sql)
                if cur.description is not None:
                    cur.fetchall()
            conn.rollback()
            if n >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return {"median_ms": statistics.median(times), "p95_ms": run.percentile(times, 95)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite-from", type=Path, help="a bench/run.py SQLite database "
                        "(100k recommendations, 20k assessments): copied, never changed")
    parser.add_argument("--database", help="PostgreSQL URL (WIPED; name must contain 'bench')")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--assessments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from coalition import create_app
    from coalition.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="dash-bench-"))
    if args.database:
        if "bench" not in args.database.rsplit("/", 1)[-1]:
            parser.error("the PostgreSQL database's name must contain 'bench'")
        url = args.database
        app = create_app(config(url))
        build(app, args.rows, args.assessments)
    else:
        target = workdir / "dashboard.sqlite3"
        url = f"sqlite:///{target}"
        app = create_app(config(url))
        if args.sqlite_from:
            shutil.copyfile(args.sqlite_from, target)
            with app.app_context():
                upgrade()
        else:
            build(app, args.rows, args.assessments)
    with app.app_context():
        add_followup()
        theme_id, _name = run.common_theme()
        db.engine.dispose()
    client = run.Client(app)
    login(client)
    results: dict[str, Any] = {"database": url.split(":")[0]}
    for label, query in (("unfiltered", ""), ("hong_kong", "territory=Hong+Kong"),
                         ("theme", f"theme={theme_id}")):
        log(f"dashboard {label}")
        cold = measure(client, f"/dashboard?{query}", args.requests, cold_url=url)
        kept = measure(client, f"/dashboard?{query}", args.requests)
        raw = measure_raw(url, raw_statements(app, query), args.requests)
        results[label] = {"computed": cold, "kept": kept, "raw_sql": raw,
                          "ratio_computed_to_raw": cold["median_ms"] / raw["median_ms"],
                          "ratio_kept_to_raw": kept["median_ms"] / raw["median_ms"]}
    print(json.dumps(results, indent=2))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
