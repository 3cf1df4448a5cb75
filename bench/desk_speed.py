"""Home page (the desk) speed (issue 11): median server time of GET / for a member of an
organisation leading 500 follow-up plans, and the number of SQL statements it runs.

    python bench/desk_speed.py [--plans 500] [--requests 50] [--database URL]

On SQLite in a temporary file (or the PostgreSQL database named by --database /
BENCH_DATABASE_URL, WIPED: its name must contain "bench"): one review with --plans * 4
recommendations; the member's organisation leads --plans plans (due dates spread over the
year around today, a third overdue), with two advocacy actions each; three other organisations
lead as many again; 5,000 audit events since the member's last visit (tracker, follow-up and
statement events); two statements open for sign-on. The member (an editor, also on the
steering committee, so every section of the desk is computed) signs in, then GET / runs
--requests times through the Flask test client, each request in a fresh context as a real
server runs it. Target: median under 100 ms. Prints the median wall-clock and CPU time per
request (SQLite runs in the process, so its CPU time counts; on a busy machine the wall clock
includes waiting for a core).
"""

from __future__ import annotations

import argparse
import contextvars
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import config, reset_database  # noqa: E402

PASSWORD = "not-secret-123456"  # noqa: S105 (the benchmark's throwaway account)


def seed(url: str, plans: int) -> Any:
    from coalition import create_app
    from coalition.accounts.services import create_user
    from coalition.audit.models import AuditEvent
    from coalition.core.time import utcnow
    from coalition.extensions import db
    from coalition.followup.models import AdvocacyAction, FollowUpPlan
    from coalition.organisations.services import add_member, create_organisation
    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import text_key
    from coalition.reviews.services import create_review
    from coalition.statements import services as statements

    app = create_app({**config(url), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        reset_database(app)
        today = utcnow().date()
        review = create_review(None, "CHN", 3, session=31)
        orgs = [create_organisation(None, name=f"Organisation {n}", short_name=f"O{n}",
                                    is_steering=n == 0) for n in range(4)]
        member = create_user(None, "bench-desk@example.org", "Bench Desk", PASSWORD, "none")
        add_member(None, orgs[0], member, "editor")
        db.session.commit()
        recs = [Recommendation(review_id=review.id, paragraph=f"28.{n}",
                               text=f"Recommendation {n} on the rule of law in Hong Kong",
                               text_key=text_key(f"Recommendation {n}"), paragraph_sort=n)
                for n in range(plans * 4)]
        db.session.add_all(recs)
        db.session.flush()
        for n, rec in enumerate(recs):
            org = orgs[n % 4]
            plan = FollowUpPlan(recommendation_id=rec.id, lead_organisation_id=org.id,
                                due_on=today + timedelta(days=n % 365 - 120),
                                status="in_progress")
            db.session.add(plan)
            db.session.flush()
            for k in range(2):
                db.session.add(AdvocacyAction(
                    plan_id=plan.id, title=f"Action {k} of plan {n}", kind="meeting",
                    owner_organisation_id=org.id, due_on=today + timedelta(days=(n + k * 40)
                                                                           % 200 - 60)))
        db.session.commit()
        start = utcnow() - timedelta(days=2)
        db.session.add_all([AuditEvent(
            created_at=start + timedelta(seconds=n), actor_label="system",
            organisation_id=orgs[n % 4].id, action=("recommendation.update", "assessment.create",
                                                    "statement.save")[n % 3],
            object_type=("recommendation", "recommendation", "statement")[n % 3],
            object_id=recs[n % len(recs)].id if n % 3 != 2 else 1, object_label=f"Event {n}",
            changes={}) for n in range(5000)])
        for n in range(2):
            statement = statements.create_statement(member, orgs[0], f"Statement {n}",
                                                    text="Text.\n")
            statements.transition(member, statement, "open_signon",
                                  utcnow() + timedelta(days=5))
        db.session.commit()
        db.session.remove()
    return app


def measure(app: Any, requests: int) -> dict[str, Any]:
    from sqlalchemy import event

    from coalition.extensions import db

    client = app.test_client()
    response = client.post("/login", data={"email": "bench-desk@example.org",
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    for _ in range(3):
        contextvars.Context().run(client.get, "/")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args: Any) -> None:
        statements.append("x")

    event.listen(engine, "before_cursor_execute", count)
    contextvars.Context().run(client.get, "/")
    event.remove(engine, "before_cursor_execute", count)
    times, cpu_times = [], []
    for _ in range(requests):
        t, cpu = time.perf_counter(), time.process_time()
        response = contextvars.Context().run(client.get, "/")
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - cpu)
        assert response.status_code == 200 and b"desk-overdue" in response.data
    return {"median_ms": statistics.median(times) * 1000, "statements": len(statements),
            "p90_ms": sorted(times)[int(len(times) * 0.9)] * 1000,
            "cpu_ms": statistics.median(cpu_times) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, default=500)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'desk.sqlite3'}"
        if args.database and "bench" not in args.database.rsplit("/", 1)[-1]:
            raise SystemExit("--database is wiped: its name must contain 'bench'")
        app = seed(url, args.plans)
        result = measure(app, args.requests)
    backend = url.split(":", 1)[0]
    print(f"desk (GET /), member of an organisation leading {args.plans} plans, {backend}: "
          f"median {result['median_ms']:.1f} ms (CPU {result['cpu_ms']:.1f} ms: the steadier "
          f"figure on a shared machine), p90 {result['p90_ms']:.1f} ms, "
          f"{result['statements']} SQL statements (target: median < 100 ms)")


if __name__ == "__main__":
    main()
