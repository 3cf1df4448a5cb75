"""A review's mid-term assessment is drafted once (issue 11 leftover): a second click opens
the draft already there and says so; the review page links to it instead of offering the
button; after a withdrawal a fresh draft can be opened; the database itself refuses a second
live draft, so that two clicks at the same moment (PostgreSQL, two real requests) open one."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coalition.statements import services as statements
from coalition.statements.models import Statement
from tests.conftest import AuthActions
from tests.test_accounts_concurrency import at_once
from tests.test_midterm_report import URL, generate, review, statement_count  # noqa: F401  (fixture)

BUTTON = "Open as a joint statement draft"
ALREADY = "already drafted"


def only_statement(db: Any) -> Statement:
    db.session.expire_all()
    return db.session.scalars(select(Statement)).one()


def test_a_second_click_opens_the_existing_draft_and_says_so(client, auth, world, review, db):  # noqa: F811
    auth.login("steering@example.org")
    first = generate(auth, world.steering_org.id)
    statement = only_statement(db)
    second = generate(auth, world.steering_org.id)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert statement_count(db) == 1
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert ("The mid-term assessment of this review is already drafted, led by Steering "
            "Organisation: this is that draft.") in shown
    assert "Mid-term assessment: China, cycle 3" in shown
    # The review page and the report's page link to the draft instead of offering the button.
    for path in ("/reviews/chn-3", URL):
        page = client.get(path).get_data(as_text=True)
        assert BUTTON not in page
        assert f'href="/statements/{statement.id}"' in page
        assert "Open the mid-term assessment draft" in page
        assert "led by Steering Organisation (draft)" in page


def test_the_coordinator_drafting_for_another_organisation_gets_the_same_draft(
        client, auth, world, review, db):  # noqa: F811
    auth.login("steering@example.org")
    generate(auth, world.steering_org.id)
    auth.logout()
    auth.login("coordinator@example.org")
    response = generate(auth, world.steering_org.id)
    assert response.status_code == 302 and statement_count(db) == 1
    assert response.headers["Location"].endswith(f"/statements/{only_statement(db).id}")


def test_a_steering_editor_who_may_not_read_the_draft_is_told_who_leads_it(
        client, auth, world, review, db, make_org, make_user):  # noqa: F811
    second_org = make_org("Second Steering", short_name="SS2", is_steering=True)
    make_user("second@example.org", second_org, "editor")
    db.session.commit()
    auth.login("steering@example.org")
    generate(auth, world.steering_org.id)
    auth.logout()
    auth.login("second@example.org")
    response = generate(auth, second_org.id)
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ALREADY in page and "led by Steering Organisation" in page
    assert "/statements/" not in page.split("<main", 1)[1]  # no link it could not follow
    assert statement_count(db) == 1


def test_after_a_withdrawal_a_fresh_draft_can_be_opened(client, auth, world, review, db):  # noqa: F811
    auth.login("steering@example.org")
    generate(auth, world.steering_org.id)
    old = only_statement(db)
    statements.transition(world.users["steering"], old, "withdraw")
    db.session.commit()
    page = client.get("/reviews/chn-3").get_data(as_text=True)
    assert BUTTON in page and ALREADY not in page
    response = generate(auth, world.steering_org.id)
    assert response.status_code == 302
    assert statement_count(db) == 2
    fresh = db.session.scalars(select(Statement).where(Statement.status == "draft")).one()
    assert response.headers["Location"].endswith(f"/statements/{fresh.id}")
    assert fresh.id != old.id and fresh.midterm_review_id == review.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ALREADY not in page


def test_the_database_refuses_a_second_live_draft(app, db, world, review):  # noqa: F811
    """The rule is the database's, not only the service's."""
    from coalition.followup import midterm

    with app.test_request_context():
        first = midterm.generate_draft(world.users["steering"], review, world.steering_org)
        assert first.created
        again = midterm.generate_draft(world.users["coordinator"], review, world.steering_org,
                                       today=date(2027, 1, 1))
        assert not again.created and again.statement.id == first.statement.id
        db.session.add(Statement(title="A copy", kind="midterm", status="draft",
                                 lead_organisation=world.steering_org,
                                 midterm_review_id=review.id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
def test_two_clicks_at_the_same_moment_open_one_draft(app, db, world, review, db_url):  # noqa: F811
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is tested on PostgreSQL (set TEST_DATABASE_URL)")
    org_id = world.steering_org.id
    for _ in range(4):  # collisions are likely in one round, certain over several
        def prepare(i: int) -> tuple[AuthActions, str]:
            auth = AuthActions(app.test_client())
            auth.login("steering@example.org" if i == 0 else "coordinator@example.org")
            return auth, auth.csrf(URL)

        def act(i: int, prepared: tuple[AuthActions, str]) -> Any:
            auth, csrf = prepared
            return auth.client.post(URL, data={"csrf_token": csrf, "organisation": org_id})

        responses = at_once(2, prepare, act)
        assert Counter(r.status_code for r in responses) == Counter({302: 2})
        assert len({r.headers["Location"] for r in responses}) == 1
        db.session.expire_all()
        live = db.session.execute(select(func.count(Statement.id)).where(
            Statement.status != "withdrawn")).scalar_one()
        assert live == 1
        statements.transition(world.users["coordinator"], only_statement_live(db), "withdraw")
        db.session.commit()


def only_statement_live(db: Any) -> Statement:
    return db.session.scalars(select(Statement).where(Statement.status != "withdrawn")).one()
