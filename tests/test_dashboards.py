"""Issue 11, item 4: dashboards with charts (server-rendered SVG, each also a table).

What a member sees: implementation status (coalition position, else the latest assessment)
by theme, SDG, recommending State, regional group, lead organisation; supported vs noted;
status over time; coverage. Filters like the tracker's; every bar links to the tracker rows
it counts (the test follows the links and compares); a constant number of SQL statements.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from coalition.dashboards import services as dash
from coalition.followup import positions
from coalition.followup.models import FollowUpPlan
from coalition.recommendations import services
from coalition.recommendations.models import Assessment, Recommendation
from coalition.recommendations.services import import_file
from coalition.recommendations.tracker import TrackerFilters
from tests.test_tracker import (  # noqa: F401  (china: fixture)
    _matrix_subset,
    china,
    counting_statements,
)
from tests.test_tracker_speed_counts import page_of

TODAY = date(2026, 11, 30)
LINK_RE = re.compile(r'<a href="(/tracker\?[^"]+)" aria-label="([^"]+): ([\d,]+)">')


def load(db: Any, review: Any, rows: int) -> list[Recommendation]:
    import_file(None, "subset.docx", _matrix_subset(rows), review)
    db.session.commit()
    return list(db.session.scalars(select(Recommendation).order_by(Recommendation.id)))


@pytest.fixture
def data(db: Any, world: Any, china: Any) -> dict[str, Any]:  # noqa: F811
    recs = load(db, china, 40)
    editor, other = world.users["editor"], world.users["other_editor"]
    services.add_assessment(editor, recs[0], world.org, "partially", date(2025, 6, 1), "")
    services.add_assessment(other, recs[0], world.other, "not_implemented", date(2026, 2, 1),
                            "")
    services.add_assessment(editor, recs[1], world.org, "fully", date(2024, 1, 10), "")
    services.add_assessment(editor, recs[2], world.org, "regressed", date(2026, 9, 1), "",
                            visibility="organisation")
    db.session.add(FollowUpPlan(recommendation_id=recs[0].id,
                                lead_organisation_id=world.org.id))
    db.session.add(FollowUpPlan(recommendation_id=recs[1].id,
                                lead_organisation_id=world.other.id))
    db.session.add(FollowUpPlan(recommendation_id=recs[3].id))
    db.session.flush()
    first = db.session.scalars(select(Assessment).where(
        Assessment.recommendation_id == recs[0].id,
        Assessment.status == "partially")).one()
    positions.adopt(world.users["steering"], recs[0], date(2026, 3, 15), "", assessment=first)
    db.session.commit()
    return {"recs": recs}


def board(app: Any, query: str = "") -> dash.Dashboard:
    from werkzeug.datastructures import MultiDict

    from coalition.extensions import db

    with app.test_request_context("/dashboard?" + query):
        filters = TrackerFilters.from_args(MultiDict(parse_qs(query)))
        result = dash.dashboard(filters, today=TODAY)
        db.session.commit()  # as the request would: the kept rows, and no open write
        return result


def chart(result: dash.Dashboard, name: str) -> dash.Chart:
    return next(c for c in result.charts if c.name == name)


def test_counts_status_position_coverage_and_time(app, db, world, data):
    result = board(app)
    total = len(data["recs"])
    assert result.total == total
    position = chart(result, "position")
    assert sum(b.total for b in position.bars) == total
    statuses: dict[str, int] = {}
    for bar in position.bars:
        for seg in bar.segments:
            statuses[seg.key] = statuses.get(seg.key, 0) + seg.n
    # rec 0: the coalition position (partially) outranks the later "not implemented";
    # rec 1: fully (assessment); rec 2: its assessment is kept to its organisation: none.
    assert statuses == {"partially": 1, "fully": 1, "none": total - 2}
    lead = chart(result, "lead")
    assert {b.label: b.total for b in lead.bars} == {world.org.name: 1, world.other.name: 1}
    assert result.coverage == {"total": total, "lead": 2, "recent": 1}
    time = chart(result, "time")
    assert len(time.bars) == dash.MONTHS
    as_at = {b.label: {s.key: s.n for s in b.segments} for b in time.bars}
    # Jan 2025: only rec 1 assessed (fully); Jul 2025: rec 0 partially too; Feb 2026: rec 0's
    # latest assessment says not implemented; from Mar 2026 the coalition position (partially).
    assert as_at["as at 31 Jan 2025"] == {"fully": 1, "none": total - 1}
    assert as_at["as at 31 Jul 2025"] == {"fully": 1, "partially": 1, "none": total - 2}
    assert as_at["as at 28 Feb 2026"] == {"fully": 1, "not_implemented": 1, "none": total - 2}
    assert as_at["as at 31 Mar 2026"] == {"fully": 1, "partially": 1, "none": total - 2}
    assert as_at["as at 30 Nov 2026"] == as_at["as at 31 Mar 2026"]


def test_every_link_shows_the_rows_it_counts(app, db, auth, world, data):
    auth.login("viewer@example.org")
    response = auth.client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = LINK_RE.findall(html)
    assert len(links) > 20
    for url, label, count in links[:40]:
        url = html_lib.unescape(url)
        shown = page_of(auth.client, urlsplit(url).query).total
        assert shown == int(count.replace(",", "")), (label, url)
    # The SVG bars link to the same URLs.
    assert html.count("<svg class=\"bar-chart\"") == len(
        [c for c in board(app).charts if c.bars])


def test_filters_like_the_tracker(app, db, auth, world, data, china):  # noqa: F811
    hk = [r for r in data["recs"] if "Hong Kong" in r.territories]
    auth.login("viewer@example.org")
    result = board(app, "territory=Hong+Kong")
    assert result.total == len(hk) == page_of(auth.client, "territory=Hong+Kong").total
    result = board(app, f"review={china.id}&overall=partially")
    assert result.total == 1
    response = auth.client.get("/dashboard?territory=Hong+Kong&review=" + str(china.id))
    assert response.status_code == 200
    html = html_lib.unescape(response.get_data(as_text=True))
    assert "territory=Hong+Kong" in html and f"review={china.id}" in html
    # A bad filter: 400 naming it, never a 500.
    assert auth.client.get("/dashboard?review=99999999999").status_code == 400


def test_statements_do_not_grow_with_rows(app, db, auth, world, china):  # noqa: F811
    auth.login("viewer@example.org")
    load(db, china, 10)
    auth.client.get("/dashboard")
    with counting_statements(db.engine) as small:
        assert auth.client.get("/dashboard?territory=Hong+Kong").status_code == 200
    recs = load(db, china, 120)
    for i, rec in enumerate(recs[:30]):
        services.add_assessment(world.users["editor"], rec, world.org,
                                ("fully", "partially", "regressed")[i % 3], date(2026, 1, 1), "")
        db.session.add(FollowUpPlan(recommendation_id=rec.id, lead_organisation_id=world.org.id))
    db.session.commit()
    with counting_statements(db.engine) as large:
        assert auth.client.get("/dashboard?territory=Hong+Kong").status_code == 200
    assert len(large) == len(small), (len(small), len(large))
    # session, user, memberships, the bell's unread count, cache, version, (PostgreSQL: JIT
    # off), 2 aggregates, ...
    assert len(large) <= 14, large


def test_kept_dashboard_follows_every_write(app, db, auth, world, data):
    """The dashboard's rows are kept at the data version: an adoption, a new plan, a write
    straight to the database all show at the next request; an unchanged one reads one row."""
    from sqlalchemy import text

    auth.login("viewer@example.org")
    recs = data["recs"]

    def lead_totals() -> dict[str, int]:
        html = html_lib.unescape(auth.client.get("/dashboard").get_data(as_text=True))
        section = html[html.index('id="chart-lead"'):html.index('id="chart-position"')]
        return {name: section.count(name) for name in (world.org.name, world.other.name)}

    def charts() -> str:
        html = auth.client.get("/dashboard").get_data(as_text=True)
        return html[html.index("<h1>"):html.index("</main>")]

    before = charts()
    with counting_statements(db.engine) as statements:
        assert charts() == before
    assert not any("GROUP BY" in s.upper() for s in statements), statements
    positions.adopt(world.users["steering"], recs[5], date(2026, 5, 1), "Why.",
                    status="regressed")
    db.session.commit()
    after = charts()
    assert "Regressed" in after and after != before
    assert lead_totals()[world.other.name] > 0
    db.session.add(FollowUpPlan(recommendation_id=recs[6].id,
                                lead_organisation_id=world.other.id))
    db.session.commit()
    result = board(app)
    assert {b.label: b.total for b in chart(result, "lead").bars}[world.other.name] == 2
    html = auth.client.get("/dashboard").get_data(as_text=True)
    assert "With a lead organisation" in html
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE followup_plan SET lead_organisation_id = NULL"))
    db.session.expire_all()
    assert chart(board(app), "lead").bars == []
    html = auth.client.get("/dashboard").get_data(as_text=True)
    section = html[html.index('id="chart-lead"'):html.index('id="chart-position"')]
    assert "Nothing to chart" in section


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("researcher", 403),
                                         ("no_org", 403), ("viewer", 200),
                                         ("steering", 200), ("coordinator", 200)])
def test_who_sees_the_dashboard(app, db, auth, world, role, status):
    if role != "anonymous":
        auth.login(world.users[role].email)
    assert auth.client.get("/dashboard").status_code == status


def test_charts_are_tables_too_and_accessible_markup(app, db, auth, world, data):
    auth.login("viewer@example.org")
    html = auth.client.get("/dashboard").get_data(as_text=True)
    for name in ("theme", "state", "group", "lead", "position", "time", "coverage"):
        assert f'id="chart-{name}"' in html
        assert f'id="chart-{name}-table-caption"' in html
    assert html.count("<caption") == html.count("<table")
    assert 'role="group" aria-labelledby="chart-theme-caption"' in html
    assert "<title>" in html


def test_zh_hant_dashboard(app, db, auth, world, data):
    auth.login("viewer@example.org")
    auth.post("/language", {"locale": "zh_Hant", "next": "/dashboard"})
    html = auth.client.get("/dashboard").get_data(as_text=True)
    assert 'lang="zh-Hant"' in html or 'lang="zh_Hant"' in html


def test_the_worker_warms_stale_dashboards_so_the_next_view_reads_one_row(
        app, db, auth, world, data):
    """After a write, `warm` (the worker's job, every minute) recomputes the unfiltered
    dashboard and each one viewed today: the next member reads kept rows, no aggregate runs,
    and they show the write. Nothing stale: nothing recomputed."""
    auth.login("viewer@example.org")
    recs = data["recs"]
    for query in ("", "position=supported"):
        assert auth.client.get("/dashboard?" + query).status_code == 200
    assert dash.warm() == 0
    positions.adopt(world.users["steering"], recs[7], date(2026, 5, 1), "Why.",
                    status="regressed")
    db.session.commit()
    assert dash.warm() == 2
    assert dash.warm() == 0
    for query in ("", "position=supported"):
        with counting_statements(db.engine) as statements:
            html = auth.client.get("/dashboard?" + query).get_data(as_text=True)
        assert not any("GROUP BY" in s.upper() for s in statements), (query, statements)
        fresh = board(app, query)
        assert chart(fresh, "position").table_bars
        if not query:
            regressed = sum(seg.n for bar in chart(fresh, "theme").table_bars
                            for seg in bar.segments if seg.key == "regressed")
            assert regressed >= 1 and "Regressed" in html


def test_a_day_old_kept_dashboard_is_dropped(app, db, auth, world, data):
    from datetime import timedelta

    from coalition.search.freshness import TrackerFacetCache

    board(app)  # kept for TODAY
    with app.test_request_context("/dashboard"):
        filters = TrackerFilters()
        filters.audience = "coalition"
        dash._rows(filters, TODAY + timedelta(days=1))
        db.session.commit()
    scopes = db.session.scalars(select(TrackerFacetCache.scope).where(
        TrackerFacetCache.scope.startswith("dash:"))).all()
    assert scopes and all(s.startswith("dash:20261201:") for s in scopes), scopes


def test_the_worker_runs_the_warm_job_every_minute(app, db, auth, world, data):
    from coalition.dashboards.jobs import warm_dashboards

    assert warm_dashboards.schedule == {"minute": "*"}
    assert "dashboards.warm" in app.extensions["coalition.tasks"]
    assert warm_dashboards() == 1  # nothing kept yet: the unfiltered dashboard

def test_lead_bars_and_coverage_link_to_the_tracker_lead_filter(app, db, auth, world, data):
    """The lead organisation chart links each bar to `lead=<organisation id>` and each of its
    segments to that and `overall=<status>`; coverage's "With a lead organisation" Yes/No to
    `lead=any` / `lead=none`. Each link shows as many recommendations as the bar counts."""
    auth.login("viewer@example.org")
    result = board(app)
    lead = chart(result, "lead")
    assert not lead.note  # the tracker has a lead filter now
    assert {b.label for b in lead.bars} == {world.org.name, world.other.name}
    for bar in lead.bars:
        assert bar.url is not None
        query = parse_qs(urlsplit(bar.url).query)
        organisation = world.org if bar.label == world.org.name else world.other
        assert query == {"lead": [str(organisation.id)]}
        assert page_of(auth.client, urlsplit(bar.url).query).total == bar.total
        for seg in bar.segments:
            query = parse_qs(urlsplit(seg.url).query)
            assert query == {"lead": [str(organisation.id)], "overall": [seg.key]}
            assert page_of(auth.client, urlsplit(seg.url).query).total == seg.n
    coverage = chart(result, "coverage")
    with_lead, recent = coverage.bars
    assert [parse_qs(urlsplit(s.url).query) for s in with_lead.segments] == [
        {"lead": ["any"]}, {"lead": ["none"]}]
    for seg in with_lead.segments:
        assert page_of(auth.client, urlsplit(seg.url).query).total == seg.n
    assert [s.n for s in with_lead.segments] == [2, result.total - 2]
    assert all(s.url is None for s in recent.segments)  # no tracker filter says "recent"
    # Under a filter, the links keep it.
    filtered = board(app, "territory=Hong+Kong")
    for bar in chart(filtered, "lead").bars:
        assert "territory=Hong+Kong" in bar.url
        assert page_of(auth.client, urlsplit(bar.url).query).total == bar.total
    # The page: the bars of the lead chart are links (SVG and table), and the old note is gone.
    html = html_lib.unescape(auth.client.get("/dashboard").get_data(as_text=True))
    section = html[html.index('id="chart-lead"'):html.index('id="chart-position"')]
    assert f'<a href="/tracker?lead={world.org.id}">' in section
    assert "has no filter by lead organisation" not in html
    assert '<a href="/tracker?lead=any"' in html and '<a href="/tracker?lead=none"' in html
