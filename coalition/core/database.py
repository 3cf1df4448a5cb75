"""Rebuilding a database from the migrations: for tests and benchmarks, never production data."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, text

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
