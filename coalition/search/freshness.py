"""The tracker's precomputed facet counts, and the data version that keeps them true (issue 10, 3).

The unfiltered tracker counts every recommendation under fourteen facets: about a second at
100,000 recommendations. Those counts change only when the data does, so they are kept in the
database (`tracker_facet_cache`, one row per kind of viewer), stamped with the data version
they were computed from (`tracker_data_version`, one row). A cached row is used only while its
version is the current one.

The version is bumped **by the database itself**, in the same transaction as the write, by
triggers on every table a facet reads (FACET_TABLES): whatever writes (a service, an import's
COPY or multi-row INSERT straight to the driver, the API, a migration, psql), the counts of a
committed change are never served from the cache, by any worker process.

- SQLite: a row trigger per table and operation adds one to the version (SQLite has no
  statement triggers; writers are serialised anyway, so the single row costs no concurrency).
- PostgreSQL: a statement trigger per table marks the transaction (a row in
  `tracker_data_pending`, once per transaction thanks to a transaction-local setting), and a
  deferred constraint trigger on that marker bumps the version **at commit**. The version
  row is thus locked only for the instant of a commit, never across a long import, so writers
  neither queue behind one another nor deadlock on it.

`sqlite_trigger_statements()` is for migrations: SQLite's batch mode rebuilds a table and
drops its triggers, so a migration that batch-alters one of FACET_TABLES must create them again
(as it does the full-text ones).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from coalition.extensions import db

# The tables migration perf10 put triggers on (a migration's list never changes).
PERF10_TABLES = (
    "recommendation", "recommendation_state", "recommendation_theme", "recommendation_sdg",
    "recommendation_affected", "recommendation_territory", "assessment", "review", "state",
    "theme", "sdg", "affected_group", "organisation",
)
# Every table whose rows a facet count or label reads.
# --- positions (issue 11): the coalition position facet, and what the dashboards count
# (kept the same way, coalition.dashboards.services); triggers by migration positions11.
POSITIONS11_TABLES = ("coalition_position_current", "coalition_position", "followup_plan")
FACET_TABLES = (*PERF10_TABLES, *POSITIONS11_TABLES)


class TrackerDataVersion(db.Model):
    """One row (id 1): the version of the data the tracker's facets count, bumped by triggers
    in the transaction of every write to FACET_TABLES (created by the first bump if missing;
    without it the kept counts are not used)."""

    __tablename__ = "tracker_data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class TrackerDataPending(db.Model):
    """PostgreSQL only: the transactions that wrote to FACET_TABLES and have not committed yet
    (a row per transaction id, deleted at its commit by the deferred trigger)."""

    __tablename__ = "tracker_data_pending"
    xid: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class TrackerFacetCache(db.Model):
    """The unfiltered tracker's facet counts for one kind of viewer (`scope`), as JSON rows
    (see coalition.recommendations.tracker), computed at `version` of the data."""

    __tablename__ = "tracker_facet_cache"
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)


def sqlite_trigger_statements(tables: tuple[str, ...] = FACET_TABLES) -> list[str]:
    """SQLite: DROP and CREATE statements of the version triggers on `tables`."""
    statements = []
    for table in tables:
        for operation in ("insert", "update", "delete"):
            name = f"tracker_version_{table}_{operation}"
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            # Names from FACET_TABLES, not from input.
            statements.append(
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} BEGIN "  # noqa: S608
                "INSERT INTO tracker_data_version (id, version) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE SET version = version + 1; END")
    return statements


def postgresql_trigger_statements(tables: tuple[str, ...] = FACET_TABLES) -> list[str]:
    """PostgreSQL: the functions and triggers (see the module's docstring)."""
    statements = [
        """CREATE OR REPLACE FUNCTION tracker_data_mark() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('coalition.tracker_data_marked', true) IS DISTINCT FROM '1' THEN
                PERFORM set_config('coalition.tracker_data_marked', '1', true);
                INSERT INTO tracker_data_pending (xid)
                VALUES (txid_current()) ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END $$""",
        """CREATE OR REPLACE FUNCTION tracker_data_bump() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO tracker_data_version (id, version) VALUES (1, 1)
            ON CONFLICT (id) DO UPDATE SET version = tracker_data_version.version + 1;
            DELETE FROM tracker_data_pending WHERE xid = NEW.xid;
            RETURN NULL;
        END $$""",
        "DROP TRIGGER IF EXISTS tracker_data_bump ON tracker_data_pending",
        "CREATE CONSTRAINT TRIGGER tracker_data_bump AFTER INSERT ON tracker_data_pending "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tracker_data_bump()",
    ]
    for table in tables:
        statements.append(f"DROP TRIGGER IF EXISTS tracker_data_mark ON {table}")
        statements.append(
            f"CREATE TRIGGER tracker_data_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION tracker_data_mark()")
    return statements


def postgresql_drop_statements(tables: tuple[str, ...] = FACET_TABLES) -> list[str]:
    return [*(f"DROP TRIGGER IF EXISTS tracker_data_mark ON {t}" for t in tables),
            "DROP FUNCTION IF EXISTS tracker_data_mark() CASCADE",
            "DROP FUNCTION IF EXISTS tracker_data_bump() CASCADE"]


def sqlite_drop_statements(tables: tuple[str, ...] = FACET_TABLES) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS tracker_version_{t}_{op}" for t in tables
            for op in ("insert", "update", "delete")]


def current_version() -> int:
    """The data version as this transaction sees it (tests and diagnostics)."""
    return int(db.session.scalar(select(TrackerDataVersion.version).where(
        TrackerDataVersion.id == 1)) or 0)


# kept_payload's statement per database kind, built once (it runs on most tracker pages).
_READS: dict[str, Any] = {}
_READS_LOCK = threading.Lock()


def _read_statement(dialect: str) -> Any:
    cache, version = TrackerFacetCache, TrackerDataVersion
    read = (select(cache.payload)
            .join(version, and_(version.id == 1, version.version == cache.version))
            .where(cache.scope == bindparam("scope", type_=String())))
    if dialect == "postgresql":
        # Not inside a transaction that has itself written to FACET_TABLES: its version bump
        # waits for its commit, so the kept rows would not show its own writes.
        read = read.where(func.coalesce(func.current_setting(
            literal_column("'coalition.tracker_data_marked'"), literal_column("true")),
            "") != "1")
    return read


def kept_payload(scope: str) -> str | None:
    """The payload kept for `scope` if it was computed at the current data version, else None
    (never kept, or kept before a write); None too in a PostgreSQL transaction that has
    itself written to FACET_TABLES. One statement. The tracker and the dashboards read their
    kept counts through it."""
    dialect = db.session.get_bind().dialect.name
    statement = _READS.get(dialect)
    if statement is None:
        with _READS_LOCK:
            statement = _READS.setdefault(dialect, _read_statement(dialect))
    return db.session.execute(statement, {"scope": scope}).scalar()  # type: ignore[no-any-return]


def store(scope: str, version: int, payload: str) -> None:
    """Keep counts computed at `version` for `scope`, unless a newer version is kept already
    (a concurrent request may have computed from newer data). Committed with the request."""
    table: Any = TrackerFacetCache.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(scope=scope, version=version, payload=payload)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.scope],
        set_={"version": statement.excluded.version, "payload": statement.excluded.payload},
        where=table.c.version < statement.excluded.version))
