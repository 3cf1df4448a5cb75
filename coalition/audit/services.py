"""record(): the one call every writing service makes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select

from coalition.extensions import db

# Fields whose values never enter the trail, only the fact that they changed.
SECRET_FIELDS = {"password_hash", "secret_hash"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def label_of(obj: Any) -> str:
    for attr in ("audit_label", "display_name", "name", "email", "title"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)[:300]
    return f"{type(obj).__name__} {getattr(obj, 'id', '')}".strip()


def diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply values to obj and return {field: [before, after]} for what actually changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            if field in SECRET_FIELDS:
                changes[field] = ["(hidden)", "(changed)"]
            else:
                changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


def snapshot(obj: Any, fields: list[str]) -> dict[str, list[Any]]:
    """The changes of a newly created object: every field from nothing to its value."""
    return {f: [None, _jsonable(getattr(obj, f))] for f in fields if f not in SECRET_FIELDS}


def record(
    actor: Any,
    action: str,
    obj: Any,
    changes: dict[str, Any] | None = None,
    organisation: Any = None,
):
    """Add an audit event for obj in the current transaction (the request commits it)."""
    from coalition.audit.models import AuditEvent

    db.session.flush()  # obj needs its primary key before it can be named
    actor_id = getattr(actor, "id", None) if actor is not None else None
    if getattr(actor, "is_anonymous", False):
        actor_id = None
    if organisation is None and type(obj).__name__ == "Organisation":
        organisation = obj
    if organisation is None:
        organisation = getattr(obj, "organisation", None)
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=(getattr(actor, "email", None) or "system") if actor_id else "system",
        organisation_id=getattr(organisation, "id", None),
        action=action,
        object_type=getattr(obj, "__tablename__", type(obj).__name__.lower()),
        object_id=getattr(obj, "id", None),
        object_label=label_of(obj),
        changes=changes or {},
    )
    db.session.add(event)
    return event


def history_query(object_type: str, object_id: int) -> Select:
    from coalition.audit.models import AuditEvent

    return (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )


def log_query(
    action: str | None = None,
    object_type: str | None = None,
    actor_id: int | None = None,
    organisation_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Select:
    """The coordinator's audit log, filtered."""
    from coalition.audit.models import AuditEvent

    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if organisation_id:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    if since:
        start = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
        query = query.where(AuditEvent.created_at >= start)
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        query = query.where(AuditEvent.created_at < end)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def distinct_values(column_name: str) -> list[str]:
    from coalition.audit.models import AuditEvent

    column = getattr(AuditEvent, column_name)
    return list(db.session.execute(select(column).distinct().order_by(column)).scalars())
