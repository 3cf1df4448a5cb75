"""Sign-in attempts are throttled, in memory by default and in Redis when REDIS_URL is set."""

from __future__ import annotations

import os
import uuid

import pytest

from coalition import create_app
from coalition.extensions import db as _db
from tests.conftest import AuthActions, FreshContextClient, base_config, clear_tables

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def limited_app(db_url: str, storage: str):
    app = create_app(base_config(
        db_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_LOGIN="3 per minute",
        # A fresh prefix keeps runs (and the two databases' runs) from sharing counters.
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"))
    app.test_client_class = FreshContextClient
    return app


def attempts_until_refused(app) -> list[int]:
    client = app.test_client()
    auth = AuthActions(client)
    token = auth.csrf("/login")
    statuses = []
    for _ in range(5):
        response = client.post("/login", data={"email": "nobody@example.org",
                                               "password": "wrong", "csrf_token": token})
        statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize("storage", ["memory://", "redis"])
def test_sign_in_is_throttled(db_url, _schema, storage):
    if storage == "redis":
        if not redis_available():
            if os.environ.get("REQUIRE_REDIS") == "1":
                pytest.fail(f"REQUIRE_REDIS=1 but Redis is not reachable at {REDIS_URL}")
            pytest.skip("Redis is not running")
        storage = REDIS_URL
    app = limited_app(db_url, storage)
    with app.app_context():
        try:
            statuses = attempts_until_refused(app)
            assert statuses[:3] == [400, 400, 400]
            assert statuses[3:] == [429, 429]
            # Another browser from the same address is counted together with the first.
            client = app.test_client()
            token = AuthActions(client).csrf("/login")
            page = client.post("/login", data={"email": "x@example.org", "password": "x",
                                               "csrf_token": token})
            assert page.status_code == 429
            assert "Too many attempts" in page.get_data(as_text=True)
            assert "Traceback" not in page.get_data(as_text=True)
            # Reading the sign-in page is not limited.
            assert client.get("/login").status_code == 200
        finally:
            _db.session.remove()
            clear_tables()  # the failed sign-ins counted for back-off
            _db.engine.dispose()


def test_redis_counters_are_shared_across_app_instances(db_url, _schema):
    """Two gunicorn workers are two app instances: Redis makes them count together."""
    if not redis_available():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis is not reachable at {REDIS_URL}")
        pytest.skip("Redis is not running")
    prefix = f"test-{uuid.uuid4().hex}"
    config = base_config(db_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL,
                         RATELIMIT_LOGIN="3 per minute", RATELIMIT_KEY_PREFIX=prefix)
    statuses = []
    for _ in range(2):
        worker = create_app(config)
        with worker.app_context():
            client = worker.test_client()
            token = AuthActions(client).csrf("/login")
            for _ in range(2):
                statuses.append(client.post("/login", data={
                    "email": "nobody@example.org", "password": "wrong",
                    "csrf_token": token}).status_code)
            _db.session.remove()
            _db.engine.dispose()
    assert statuses == [400, 400, 400, 429]
