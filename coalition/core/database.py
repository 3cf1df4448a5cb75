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


def sqlite_pragmas(config: Any) -> list[str]:
    """The PRAGMA statements every SQLite connection of the app runs when it opens (see
    `init_sqlite`); the benchmark's raw-SQL baseline runs the same."""
    timeout_ms = int(float(config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 30)) * 1000)
    mmap_bytes = max(0, int(config.get("SQLITE_MMAP_MIB", 256))) * 2**20
    return [f"PRAGMA busy_timeout = {timeout_ms:d}", "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL", f"PRAGMA mmap_size = {mmap_bytes:d}"]


def init_sqlite(app: Flask) -> None:
    """On SQLite, WAL mode, a busy timeout and memory-mapped reads on every connection of the
    app's engine.

    WAL lets readers go on while one connection writes, and the busy timeout
    (SQLITE_BUSY_TIMEOUT_SECONDS) makes a second writer wait for the first rather than fail at
    once with "database is locked" (the driver's default is 5 s). synchronous=NORMAL is the
    setting SQLite documents as safe with WAL. mmap_size (SQLITE_MMAP_MIB, default 256 MiB)
    reads the database through the operating system's page cache, shared by every connection
    and worker, instead of copying each page into a connection's own 2 MiB cache: a tracker
    search reads a few thousand scattered rows, and at 100,000 recommendations (90 MB) the
    default cache missed on most of them (the search + facets statement: 9.0 ms, 5.3 ms mapped;
    bench/README.md). See https://www.sqlite.org/mmap.html. Nothing happens on other databases.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    pragmas = sqlite_pragmas(app.config)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()
