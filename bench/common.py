"""What both benchmarks share: the app's configuration and an empty, migrated database."""

from __future__ import annotations

from typing import Any


def config(url: str) -> dict[str, Any]:
    """As tests/conftest.py's base_config: a cheap password hash, no rate limits."""
    return {
        "TESTING": True,
        "SECRET_KEY": "bench-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "coalition.test",
    }


def reset_database(app: Any) -> None:
    """Drop everything, then build the schema from the migrations (as tests/conftest.py)."""
    from coalition.core.database import rebuild_from_migrations

    rebuild_from_migrations(app)
