"""API list endpoint speed (issue 10): requests/s of /api/v1/recommendations beside a bare Flask
endpoint returning the same JSON from memory.

    python bench/api_speed.py [--rows 100000] [--requests 300] [--database URL]

On SQLite in a temporary file (or the PostgreSQL database named by --database /
BENCH_DATABASE_URL, WIPED: its name must contain "bench"): the generated UPR Info CSV of
`bench/run.py` is imported (100,000 rows: 92,479 recommendations) with 20,000 assessments, a
researcher gets a read token, then, through the Flask test client (each request in a fresh
context, as a real server runs it, one at a time):

  1. API: GET /api/v1/recommendations?limit=50 (the first page, unfiltered), the same with a
     search and three facets (the tracker benchmark's), and the 20th page through the cursor;
  2. bare: a Flask app with one route answering `jsonify(<the API's answer, as a dict>)`: the
     same JSON, serialised on every request, with none of the work (no token, no query, no
     access check, no schema);
and prints requests/s (wall clock, and per CPU second: the steadier figure on a shared
machine), median ms and the ratio bare/API for each.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402
from common import config, reset_database  # noqa: E402

SEARCH, POSITION, GROUP = "torture", "noted", "African"


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def seed(url: str, rows: int, assessments: int) -> tuple[Any, str, int]:
    """The app on a migrated database holding `rows` generated CSV rows and `assessments`
    assessments; returns (app, a researcher's read token, the most used theme's id)."""
    from sqlalchemy import func, select

    from coalition import create_app
    from coalition.accounts.services import create_user
    from coalition.api.services import create_token
    from coalition.extensions import db
    from coalition.recommendations.models import recommendation_theme
    from coalition.recommendations.services import import_file

    app = create_app(config(url))
    with app.app_context():
        reset_database(app)
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = generate.write_csv(Path(tmp) / "bench.csv", rows)
            start = time.perf_counter()
            import_file(None, csv_path.name, csv_path.read_bytes())
            db.session.commit()
            log(f"imported {rows:,} rows in {time.perf_counter() - start:.1f} s")
        generate.add_assessments(assessments)
        db.session.commit()
        user = create_user(None, "bench-api@example.org", "Bench API", "not-secret-123456",
                           "researcher")
        _row, token = create_token(user, "bench", "read", 30)
        db.session.commit()
        theme = db.session.execute(
            select(recommendation_theme.c.theme_id).group_by(recommendation_theme.c.theme_id)
            .order_by(func.count().desc()).limit(1)).scalar_one()
        db.session.remove()
    return app, token, theme


def measure(client: Any, path: str, headers: dict[str, str], requests: int,
            warmup: int = 5) -> dict[str, Any]:
    """Sequential GETs of `path`: requests/s and median ms (wall clock), and the last body."""
    body = b""
    for _ in range(warmup):
        body = contextvars.Context().run(client.get, path, headers=headers).get_data()
    times = []
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(requests):
        t = time.perf_counter()
        response = contextvars.Context().run(client.get, path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        body = response.get_data()
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"rps": requests / total, "median_ms": statistics.median(times) * 1000,
            "cpu_rps": requests / cpu,
            "bytes": len(body), "body": body}


def bare_app(data: Any) -> Any:
    """A Flask app with one route returning `data` as JSON from memory."""
    from flask import Flask, jsonify

    bare = Flask("bare")
    bare.json.sort_keys = False  # type: ignore[attr-defined]

    @bare.get("/answer")
    def answer() -> Any:
        return jsonify(data)

    return bare


def run(url: str, rows: int, assessments: int, requests: int) -> list[dict[str, Any]]:
    app, token, theme = seed(url, rows, assessments)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    cases = {
        "first page, unfiltered": "/api/v1/recommendations?limit=50",
        "search + 3 facets": "/api/v1/recommendations?" + urlencode(
            {"q": SEARCH, "position": POSITION, "group": GROUP, "theme": theme, "limit": 50}),
    }
    # The 20th page: follow the cursor 19 times.
    path = "/api/v1/recommendations?limit=50"
    for _ in range(19):
        cursor = json.loads(contextvars.Context().run(client.get, path, headers=headers)
                            .get_data())["next"]
        path = "/api/v1/recommendations?" + urlencode({"limit": 50, "cursor": cursor})
    cases["20th page (cursor)"] = path
    results = []
    for name, path in cases.items():
        api = measure(client, path, headers, requests)
        data = json.loads(api["body"])
        bare = measure(bare_app(data).test_client(), "/answer", {}, requests)
        assert json.loads(bare["body"]) == data
        results.append({"case": name, "items": len(data["items"]), "bytes": api["bytes"],
                        "api_rps": api["rps"], "api_ms": api["median_ms"],
                        "bare_rps": bare["rps"], "bare_ms": bare["median_ms"],
                        "ratio": bare["rps"] / api["rps"], "api_cpu_rps": api["cpu_rps"],
                        "bare_cpu_rps": bare["cpu_rps"],
                        "cpu_ratio": bare["cpu_rps"] / api["cpu_rps"]})
        log(f"{name}: API {api['rps']:.0f} req/s, bare {bare['rps']:.0f} req/s")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--assessments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'api-bench.sqlite3'}"
        if args.database and "bench" not in args.database:
            parser.error("the PostgreSQL database is wiped: its name must contain 'bench'")
        dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        results = run(url, args.rows, args.assessments, args.requests)
    print(f"\nAPI list endpoint vs a bare Flask endpoint with the same JSON ({dialect}, "
          f"{args.rows:,} CSV rows, {args.requests} sequential requests each, test client)\n")
    print("| request | items | bytes | API req/s (per CPU s) | API median ms | bare req/s "
          "(per CPU s) | bare median ms | bare/API (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['case']} | {r['items']} | {r['bytes']:,} | {r['api_rps']:.0f} "
              f"({r['api_cpu_rps']:.0f}) | {r['api_ms']:.1f} | {r['bare_rps']:.0f} "
              f"({r['bare_cpu_rps']:.0f}) | {r['bare_ms']:.2f} | {r['ratio']:.1f}x "
              f"({r['cpu_ratio']:.1f}x) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
