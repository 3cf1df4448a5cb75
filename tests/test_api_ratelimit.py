"""API rate limits (issue 10): per token, or per client address without one; in memory by
default, in Redis when configured; a refusal is a 429 JSON error with Retry-After."""

from __future__ import annotations

import os
import uuid

import pytest

from coalition import create_app
from coalition.accounts.services import create_user
from coalition.api.services import create_token
from coalition.extensions import db as _db
from coalition.organisations.services import add_member, create_organisation
from tests.conftest import PASSWORD, FreshContextClient, base_config, clear_tables
from tests.test_ratelimit import REDIS_URL, redis_available


def limited_app(db_url: str, storage: str):
    app = create_app(base_config(
        db_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
        API_RATELIMIT="3 per minute", API_RATELIMIT_ANONYMOUS="2 per minute",
        EXPORT_RATELIMIT="2 per minute",
        PUBLIC_TRACKER=True, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"))
    app.test_client_class = FreshContextClient
    return app


@pytest.mark.parametrize("storage", ["memory://", "redis"])
def test_each_token_and_each_anonymous_address_has_its_own_count(db_url, _schema, storage):
    if storage == "redis":
        if not redis_available():
            if os.environ.get("REQUIRE_REDIS") == "1":
                pytest.fail(f"REQUIRE_REDIS=1 but Redis is not reachable at {REDIS_URL}")
            pytest.skip("Redis is not running")
        storage = REDIS_URL
    app = limited_app(db_url, storage)
    with app.app_context():
        try:
            org = create_organisation(None, name="Limited Organisation")
            user = create_user(None, "limited@example.org", "Limited", PASSWORD, "none")
            add_member(None, org, user, "viewer")
            _first, first = create_token(user, "first", "read", 30)
            _second, second = create_token(user, "second", "read", 30)
            _db.session.commit()
            client = app.test_client()

            def get(token: str | None = None, address: str = "192.0.2.1"):
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                return client.get("/api/v1/states", headers=headers,
                                  environ_base={"REMOTE_ADDR": address})

            assert [get(first).status_code for _ in range(3)] == [200, 200, 200]
            refused = get(first)
            assert refused.status_code == 429
            assert refused.mimetype == "application/json"
            error = refused.get_json()["error"]
            assert error["code"] == "too_many_requests" and "try again in" in error["message"]
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            # The other token (same person, same address) counts on its own.
            assert get(second).status_code == 200
            # Anonymous callers count per address.
            assert [get(address="192.0.2.7").status_code for _ in range(3)] == [200, 200, 429]
            assert get(address="192.0.2.8").status_code == 200
            # The site's pages are not limited by the API's counts.
            assert client.get("/login", environ_base={"REMOTE_ADDR": "192.0.2.7"}
                              ).status_code == 200
        finally:
            _db.session.remove()
            clear_tables()
            _db.engine.dispose()


def test_each_person_may_start_a_few_exports_a_minute(db_url, _schema):
    """Downloads count per person (EXPORT_RATELIMIT): the third in the window is a 429 page
    saying how long to wait; another member on the same network still downloads."""
    from tests.conftest import AuthActions

    app = limited_app(db_url, "memory://")
    with app.app_context():
        try:
            org = create_organisation(None, name="Limited Organisation")
            for email in ("first@example.org", "second@example.org"):
                add_member(None, org, create_user(None, email, email, PASSWORD, "none"),
                           "viewer")
            _db.session.commit()
            first, second = app.test_client(), app.test_client()
            AuthActions(first).login("first@example.org")
            AuthActions(second).login("second@example.org")
            path = "/exports/recommendations?format=csv"
            assert [first.get(path).status_code for _ in range(2)] == [200, 200]
            refused = first.get(path)
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            assert "try again in" in refused.get_data(as_text=True).lower()
            assert second.get(path).status_code == 200
            # The tracker itself is not limited by the exports' count.
            assert first.get("/tracker").status_code == 200
        finally:
            _db.session.remove()
            clear_tables()
            _db.engine.dispose()
