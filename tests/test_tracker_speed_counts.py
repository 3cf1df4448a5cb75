"""Issue 10, 3: the unfiltered tracker's facet counts are kept in the database, and never
disagree with the results.

Every write that changes a facet (an import, a new assessment, an assessment made public, a
territory edit, a response changing the position, a write straight to the database from
another connection) is followed by the unfiltered page, whose counts (kept) must equal what
ticking each value shows (the filtered page, computed from the rows), for a member (the
coalition's latest assessments) and for a researcher (the latest public ones).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from coalition.recommendations import services, tracker
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import import_file
from coalition.reviews.services import create_review
from coalition.search.freshness import FACET_TABLES, TrackerFacetCache, current_version
from tests.test_tracker import (  # noqa: F401  (china, imported, parsed: fixtures)
    MATRIX,
    TrackerPage,
    _matrix_subset,
    china,
    counting_statements,
    imported,
    parsed,
)

CHECKED = ("position", "status", "assessed_by", "territory", "kind", "cycle", "lead")


def page_of(client: Any, query: str = "") -> TrackerPage:
    return TrackerPage(client.get("/tracker" + (f"?{query}" if query else "")))


def assert_counts_agree(client: Any, expected_total: int) -> Any:
    """The unfiltered page's counts equal the results of ticking each value; returns it."""
    page = page_of(client)
    assert page.status == 200
    assert page.total == expected_total
    for facet in CHECKED:
        for value, (label, count, _checked) in page.facet(facet).items():
            shown = page_of(client, f"{facet}={value}").total
            assert shown == count, f"{facet}={value} ({label}): counted {count}, shows {shown}"
    return page


def counts(page: Any, facet: str) -> dict[str, int]:
    return {value: count for value, (_label, count, _c) in page.facet(facet).items()}


def total_recommendations(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(Recommendation))


@pytest.mark.parametrize("role", ["viewer", "researcher"])
def test_kept_counts_follow_every_write(app, client, auth, world, db, role, request):
    review = request.getfixturevalue("china")
    small = import_file(None, "subset.docx", _matrix_subset(40), review)
    db.session.commit()
    auth.login(f"{role}@example.org")
    editor, org = world.users["editor"], world.org
    page = assert_counts_agree(client, small.created)
    assert counts(page, "status") == {"none": small.created}
    assert db.session.get(TrackerFacetCache, "public" if role == "researcher" else "coalition")

    # Kept: the next unfiltered page reads the counts, it does not count again.
    with counting_statements(db.engine) as statements:
        again = page_of(client)
    assert {f: again.facet(f) for f in CHECKED} == {f: page.facet(f) for f in CHECKED}
    assert not any("GROUP BY" in s.upper() for s in statements), statements

    # An import: the rest of the review.
    report = import_file(None, MATRIX.name, MATRIX.read_bytes(), review)
    db.session.commit()
    assert report.created == 346 - small.created
    page = assert_counts_agree(client, 346)
    assert counts(page, "cycle") == {"3": 346}

    # A new assessment, visible to the coalition: members see it, researchers do not.
    recs = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
    first = recs[0]
    assessment = services.add_assessment(editor, first, org, "partially", date(2026, 1, 5),
                                         "Evidence.", visibility="coalition")
    db.session.commit()
    total = total_recommendations(db)
    page = assert_counts_agree(client, total)
    if role == "viewer":
        assert counts(page, "status") == {"partially": 1, "none": total - 1}
        assert counts(page, "assessed_by") == {str(org.id): 1}
    else:
        assert counts(page, "status") == {"none": total}
        assert counts(page, "assessed_by") == {}

    # The assessment made public: now researchers see it too.
    services.set_assessment_visibility(editor, assessment, "public")
    db.session.commit()
    page = assert_counts_agree(client, total)
    assert counts(page, "status") == {"partially": 1, "none": total - 1}
    assert counts(page, "assessed_by") == {str(org.id): 1}

    # A territory edit.
    macao = counts(page, "territory").get("Macao", 0)
    target = next(r for r in recs if "Macao" not in r.territories)
    services.set_territories(editor, target, [*target.territories, "Macao"])
    db.session.commit()
    page = assert_counts_agree(client, total)
    assert counts(page, "territory")["Macao"] == macao + 1

    # A response changing the position.
    target = next(r for r in recs if r.position != "noted")
    noted = counts(page, "position").get("noted", 0)
    services.add_response(editor, target, "addendum", "noted", date(2026, 2, 1), "Noted.")
    db.session.commit()
    page = assert_counts_agree(client, total)
    assert counts(page, "position")["noted"] == noted + 1

    # Follow-up plans assigned to a lead organisation, then one reassigned (the lead facet,
    # members only: a researcher has none, whatever the plans).
    from coalition.followup import services as followup

    steering = world.users["steering"]
    followup.assign(steering, [recs[3].id, recs[4].id], org, "medium", None)
    db.session.commit()
    page = assert_counts_agree(client, total)
    expected = {str(org.id): 2, "any": 2, "none": total - 2}
    assert counts(page, "lead") == (expected if role == "viewer" else {})
    followup.assign(steering, [recs[4].id], world.other, "high", None)
    db.session.commit()
    page = assert_counts_agree(client, total)
    expected = {str(org.id): 1, str(world.other.id): 1, "any": 2, "none": total - 2}
    assert counts(page, "lead") == (expected if role == "viewer" else {})

    # A write that bypasses the app (another process, psql): the database bumps the version.
    version = current_version()
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE recommendation SET position = 'pending' WHERE id = :id"),
                     {"id": recs[2].id})
    db.session.expire_all()
    assert current_version() > version
    page = assert_counts_agree(client, total)
    assert counts(page, "position")["pending"] >= 1
    # ... a plan's lead cleared straight in the database, too.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE followup_plan SET lead_organisation_id = NULL "
                          "WHERE recommendation_id = :id"), {"id": recs[3].id})
    page = assert_counts_agree(client, total)
    expected = {str(world.other.id): 1, "any": 1, "none": total - 1}
    assert counts(page, "lead") == (expected if role == "viewer" else {})


@pytest.mark.usefixtures("imported")
def test_uncommitted_and_rolled_back_writes(app, db, world):
    """Counts computed inside a transaction that wrote see its own writes; a rollback leaves
    the kept counts as they were (nothing from it was kept)."""
    with app.test_request_context("/tracker"):
        filters = tracker.TrackerFilters()
        before = {v.value: v.count for v in tracker.facet_counts(filters)["position"]}
        db.session.commit()
        rec = db.session.scalars(select(Recommendation).where(
            Recommendation.position != "pending").limit(1)).one()
        old = rec.position
        rec.position = "pending"
        db.session.flush()
        during = {v.value: v.count for v in tracker.facet_counts(filters)["position"]}
        assert during["pending"] == before.get("pending", 0) + 1
        assert during.get(old, 0) == before[old] - 1
        db.session.rollback()
        after = {v.value: v.count for v in tracker.facet_counts(filters)["position"]}
        assert after == before


def test_every_facet_table_bumps_the_version(app, db):
    """The triggers exist on every table a facet reads (a migration that rebuilds a table on
    SQLite must create them again: coalition.search.freshness.sqlite_trigger_statements)."""
    dialect = db.engine.dialect.name
    with db.engine.connect() as conn:
        if dialect == "postgresql":
            found = set(conn.execute(text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'tracker_data_mark'")).scalars())
            assert found == set(FACET_TABLES)
        else:
            names = set(conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            for table in FACET_TABLES:
                for operation in ("insert", "update", "delete"):
                    assert f"tracker_version_{table}_{operation}" in names
    assert set(FACET_TABLES) <= set(inspect(db.engine).get_table_names())


def test_a_write_bumps_the_version_once_it_commits(app, db, world):
    """PostgreSQL bumps at commit (the version row is locked only then); SQLite at once. Either
    way, after the commit the version is higher, and a rollback bumps nothing."""
    start = current_version()
    db.session.commit()
    create_review(None, "FRA", 4, session=43)
    db.session.rollback()
    assert current_version() == start
    create_review(None, "FRA", 4, session=43)
    db.session.commit()
    assert current_version() > start


# --- facet-only views: their counts are kept too --------------------------------------------

def view_counts(page: Any) -> dict[str, Any]:
    """What a reader of a tracker page sees of its counts."""
    return {"total": page.total, "position": Counter(counts(page, "position")),
            "status": Counter(counts(page, "status")),
            "territory": Counter(counts(page, "territory"))}


def counted_from_the_rows(db: Any, role: str, territory: str) -> dict[str, Any]:
    """The same, counted here from the recommendations themselves (not by the tracker) for the
    view `territory=<territory>`: its total, its positions and statuses, and the territory
    facet's counts (every recommendation: a facet's own filter does not apply to it)."""
    db.session.expire_all()
    recs = db.session.scalars(select(Recommendation)).all()
    inside = [r for r in recs if territory in r.territories]

    def status(rec: Recommendation) -> str:
        return (rec.latest_public_status if role == "researcher" else rec.latest_status) \
            or "none"

    return {"total": len(inside), "position": Counter(r.position for r in inside),
            "status": Counter(status(r) for r in inside),
            "territory": Counter(t for r in recs for t in r.territories)}


def kept_views(db: Any) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(TrackerFacetCache.scope).where(
        TrackerFacetCache.scope.startswith(tracker.VIEW_SCOPE_PREFIX))))


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("role", ["viewer", "researcher"])
def test_kept_counts_of_a_facet_only_view_follow_every_write(app, client, auth, world, db,
                                                             role):
    """A view with facets and no search (`?territory=Hong+Kong`) keeps its counts as the
    unfiltered tracker does; after every write its counts are those of the rows again."""
    auth.login(f"{role}@example.org")
    query = "territory=Hong+Kong"
    page = page_of(client, query)
    assert view_counts(page) == counted_from_the_rows(db, role, "Hong Kong")
    assert page.total == 6 and len(kept_views(db)) == 1

    # Kept: the next request reads them, it counts nothing; its results are the same.
    with counting_statements(db.engine) as statements:
        again = page_of(client, query)
    assert view_counts(again) == view_counts(page)
    assert set(TrackerPage(client.get(f"/tracker?{query}")).paragraphs) == set(page.paragraphs)
    assert not any("GROUP BY" in s.upper() for s in statements), statements

    editor, org = world.users["editor"], world.org
    hong_kong = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
    hong_kong = [r for r in hong_kong if "Hong Kong" in r.territories]
    # A response changing the position of one of the view's recommendations.
    target = next(r for r in hong_kong if r.position != "noted")
    services.add_response(editor, target, "addendum", "noted", date(2026, 2, 1), "Noted.")
    db.session.commit()
    assert view_counts(page_of(client, query)) == counted_from_the_rows(db, role, "Hong Kong")
    # A public assessment (researchers and members see it), then a coalition one (members).
    services.add_assessment(editor, hong_kong[0], org, "partially", date(2026, 1, 5),
                            "Evidence.", visibility="public")
    db.session.commit()
    assert view_counts(page_of(client, query)) == counted_from_the_rows(db, role, "Hong Kong")
    services.add_assessment(editor, hong_kong[1], org, "fully", date(2026, 1, 6), "Evidence.",
                            visibility="coalition")
    db.session.commit()
    counted = counted_from_the_rows(db, role, "Hong Kong")
    assert view_counts(page_of(client, query)) == counted
    assert counted["status"]["fully"] == (1 if role == "viewer" else 0)
    # A recommendation joining the view (its territory edited).
    outside = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
    outside = next(r for r in outside if "Hong Kong" not in r.territories)
    services.set_territories(editor, outside, [*outside.territories, "Hong Kong"])
    db.session.commit()
    page = page_of(client, query)
    assert view_counts(page) == counted_from_the_rows(db, role, "Hong Kong")
    assert page.total == 7
    # A write straight to the database (another process, psql).
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE recommendation SET position = 'pending' WHERE id = :id"),
                     {"id": hong_kong[2].id})
    counted = counted_from_the_rows(db, role, "Hong Kong")
    assert view_counts(page_of(client, query)) == counted and counted["position"]["pending"]
    # The same view with its values in another order, or another sort: the same kept counts.
    assert view_counts(page_of(client, "territory=Hong+Kong&sort=newest")) == counted


@pytest.mark.usefixtures("imported")
def test_kept_views_are_bounded(app, client, auth, db, world, monkeypatch):
    """At most KEPT_VIEWS_MAX views are kept: past it a view is counted from the rows each time
    (and still right); once a write has made kept views stale, they make room for new ones."""
    monkeypatch.setattr(tracker, "KEPT_VIEWS_MAX", 2)
    auth.login("researcher@example.org")
    totals = {q: page_of(client, q).total for q in
              ("position=noted", "position=supported", "territory=Macao")}
    assert len(kept_views(db)) == 2
    noted = db.session.scalar(select(func.count()).select_from(Recommendation).where(
        Recommendation.position == "noted"))
    assert totals["position=noted"] == noted
    # The third, not kept, is counted each time: still what the rows say.
    macao = db.session.scalar(select(func.count()).select_from(Recommendation).where(
        Recommendation.territory_rows.any(territory="Macao")))
    assert page_of(client, "territory=Macao").total == totals["territory=Macao"] == macao
    assert len(kept_views(db)) == 2
    # A write: the kept views are stale, and the next new view takes their room.
    rec = db.session.scalars(select(Recommendation).where(
        ~Recommendation.territory_rows.any(territory="Macao")).limit(1)).one()
    services.set_territories(world.users["editor"], rec, [*rec.territories, "Macao"])
    db.session.commit()
    assert page_of(client, "territory=Macao").total == macao + 1
    assert len(kept_views(db)) == 1
    assert page_of(client, "position=noted").total == noted
    assert len(kept_views(db)) == 2
