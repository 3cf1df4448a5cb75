"""bench/load.py, the load benchmark, in a smoke mode: it builds its database, starts the demo
server in a second process, signs in through the form and drives concurrent clients. Asserts
that every endpoint was requested and answered 200 every time; no timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = {"search", "search + facets", "recommendation", "tracker (unfiltered)"}


def test_load_bench_smoke_reports_every_endpoint_without_errors(tmp_path: Path) -> None:
    report = tmp_path / "load.json"
    # Four clients: client i starts at endpoint i, so each endpoint is requested at least once.
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--clients", "4", "--seconds", "1",
         "--recommendations", "200", "--json", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    result = json.loads(report.read_text())
    assert result["run"]["server"] == "demo"
    assert result["run"]["database"] == "sqlite"
    assert result["data"]["recommendations"] > 346  # the demo's review and the imported ones
    assert set(result["endpoints"]) == ENDPOINTS
    for name, row in result["endpoints"].items():
        assert row["requests"] >= 1, name
        assert row["errors"] == 0, (name, row["error_kinds"])
    assert result["total"]["requests"] == sum(r["requests"] for r in result["endpoints"].values())
    assert result["total"]["errors"] == 0
    for name in [*ENDPOINTS, "total"]:
        assert name in done.stdout  # the table
