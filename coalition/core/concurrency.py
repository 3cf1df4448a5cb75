"""Making read-check-write sequences atomic in the database, on PostgreSQL and SQLite alike.

Two tools, used by the services wherever two requests at once could both pass a check that only
one of them should (issue 7, "double submits"):

- `unique_or_refuse`: the database's unique constraint decides who was first; the loser gets a
  ServiceError with a clear message instead of a 500 from the commit.
- `lock_rows`: `SELECT ... FOR NO KEY UPDATE` on PostgreSQL, so a rule that counts rows (the last
  admin, the last coordinator) is checked by one request at a time. SQLite has one writer at a
  time anyway; there the services also phrase the write itself as a conditional UPDATE/DELETE,
  whose check and change happen in one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from coalition.core.errors import ServiceError
from coalition.extensions import db


def is_unique_violation(error: IntegrityError) -> bool:
    """True when the IntegrityError is a unique constraint (not a foreign key or check)."""
    original = error.orig
    if getattr(original, "sqlstate", None) == "23505":  # psycopg: unique_violation
        return True
    return "UNIQUE constraint failed" in str(original)  # sqlite3


@contextmanager
def unique_or_refuse(message: str, field: str | None = None) -> Iterator[None]:
    """Flush the block's inserts/updates now; a unique constraint that another request
    satisfied first becomes ServiceError(message, field) instead of a 500 at commit.

    PostgreSQL: in a savepoint, so only the block is undone and the request's transaction
    stays usable. SQLite: pysqlite runs a SAVEPOINT outside any transaction and its RELEASE
    commits, so there the whole transaction is rolled back instead (the request is refused
    anyway). Other integrity errors are not a person's mistake and propagate.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        try:
            yield
            db.session.flush()
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            db.session.rollback()
            raise ServiceError(message, field) from error
        return
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise ServiceError(message, field) from error


def lock_rows(query: Select[Any]) -> list[Any]:
    """Execute `query` taking row locks until the transaction ends (PostgreSQL).

    FOR NO KEY UPDATE, not FOR UPDATE: inserts elsewhere that merely reference these rows by
    foreign key (a comment naming the organisation) need not wait for the lock.
    On SQLite the clause is not rendered; the write lock of the first write serialises instead.
    """
    return list(db.session.execute(query.with_for_update(key_share=True)).scalars())
