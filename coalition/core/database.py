"""Rebuilding a database from the migrations: for tests and benchmarks, never production data."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import Engine, event, text

from coalition.extensions import db


def drop_everything(engine: Engine) -> None:
    """Drop every table, including those the models do not describe (search indexes)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            return
        # The FTS5 table owns its shadow tables: drop it first, they go with it.
        conn.execute(text("DROP TABLE IF EXISTS recommendation_fts"))
        names = conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'")).scalars().all()
        for name in names:  # SQLite does not enforce foreign keys here: any order will do
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))


def rebuild_from_migrations(app: Flask) -> None:
    """An empty database with the schema exactly as `coalition db upgrade` makes it."""
    from flask_migrate import upgrade

    with app.app_context():
        drop_everything(db.engine)
        upgrade()
        db.engine.dispose()


def init_sqlite(app: Flask) -> None:
    """On SQLite, WAL mode and a busy timeout on every connection of the app's engine.

    WAL lets readers go on while one connection writes, and the busy timeout
    (SQLITE_BUSY_TIMEOUT_SECONDS) makes a second writer wait for the first rather than fail at
    once with "database is locked" (the driver's default is 5 s). synchronous=NORMAL is the
    setting SQLite documents as safe with WAL. Nothing happens on other databases.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    timeout_ms = int(float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 30)) * 1000)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms:d}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()
