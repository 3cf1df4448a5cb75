"""Telling users what needs them (issue 11). Every feature that notifies calls `notify`; the
bell, the desk and the e-mail digest read what it wrote.

A message is stored as a msgid and its arguments, not as text: it is translated when shown, in
the reader's language (a steering member writing in English notifies a member reading Chinese).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.notifications.models import (
    DIGEST_FREQUENCIES,
    NOTIFICATION_KINDS,
    Notification,
    NotificationSettings,
)

EXCERPT_MAX = 300


def notify(users: Iterable[Any], kind: str, text: str, *, args: Mapping[str, Any] | None = None,
           url: str = "", key: str | None = None, excerpt: str = "",
           exclude: Any = None) -> list[Notification]:
    """Add one notification of `kind` for each distinct active user in `users` (an iterable of
    User), but not for `exclude` (who did the thing). `text` is a msgid marked with
    `lazy_gettext` (`_l`) where it is written and formatted with `args` when shown; `url` a path in
    the app; `key` (e.g. "action:12:overdue") makes the call idempotent per user: a user who
    already has a notification with that key gets no second one. Returns the rows added (flushed,
    not committed: the caller's transaction decides).

    Raises KeyError for an unknown kind (a programming error)."""
    if kind not in NOTIFICATION_KINDS:
        raise KeyError(kind)
    recipients: dict[int, Any] = {}
    for user in users:
        if user is None or not getattr(user, "active", True):
            continue
        if exclude is not None and user.id == getattr(exclude, "id", None):
            continue
        recipients[user.id] = user
    if not recipients:
        return []
    if key is not None:
        known = set(db.session.scalars(select(Notification.user_id).where(
            tuple_(Notification.user_id, Notification.key).in_(
                [(uid, key) for uid in recipients]))))
        for uid in known:
            recipients.pop(uid, None)
    rows = [Notification(user_id=uid, kind=kind, key=key, url=url,
                         payload={"text": msgid(text), "args": dict(args or {})},
                         excerpt=excerpt[:EXCERPT_MAX])
            for uid in recipients]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def app_path(endpoint: str, **values: Any) -> str:
    """The path of an app page ("/statements/3"), for a notification's link: `url_for` in a
    request; outside one (the demo, a CLI command with no SERVER_NAME) built from the URL map
    alone. Never an outside address: a notification links inside the app."""
    if has_request_context():
        return url_for(endpoint, **values)
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def msgid(text: Any) -> str:
    """The untranslated msgid of `text`: a `lazy_gettext` string keeps it as its first argument
    (flask_babel.speaklater.LazyString), a plain string is its own."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


# Arguments stored as ISO dates ("2026-11-15") or moments ("2026-11-15T12:00:00+00:00"; rows
# written before that: "2026-11-15 12:00 UTC"), shown in the reader's language when read.
DATE_ARGS = frozenset({"date"})
DATETIME_ARGS = frozenset({"deadline"})
_OLD_MOMENT = "%Y-%m-%d %H:%M UTC"


def _shown(name: str, value: Any) -> Any:
    """An argument as the reader reads it: a stored date or moment in their language (the
    app's date_local / datetime_local); anything else, or a value that does not parse, as is."""
    from coalition.i18n import date_local, datetime_local

    if not isinstance(value, str) or not value:
        return value
    try:
        if name in DATE_ARGS:
            return date_local(date.fromisoformat(value))
        if name in DATETIME_ARGS:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = datetime.strptime(value, _OLD_MOMENT).replace(tzinfo=UTC)
            return datetime_local(moment)
    except ValueError:
        return value
    return value


def message(notification: Notification) -> str:
    """The notification's words in the current language: its msgid translated, then its
    arguments filled in, dates and moments as the reader writes them (an argument missing
    from an old row leaves its placeholder)."""
    payload = notification.payload or {}
    text = gettext(payload.get("text", ""))
    args = {name: _shown(name, value) for name, value in (payload.get("args") or {}).items()}
    try:
        return text % args
    except (KeyError, TypeError, ValueError):
        return text


# --- the reader's side: the bell, the list, marking read --------------------------------------

PER_PAGE = 30


def unread_count(user: Any) -> int:
    """How many of `user`'s notifications are unread (one indexed COUNT); 0 when signed out."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.execute(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()


def notifications_query(user: Any, unread_only: bool = False) -> Select:
    """`user`'s notifications, newest first (a Select for coalition.core.pagination)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def own_notification(user: Any, notification_id: int) -> Notification | None:
    """The notification `notification_id` if it is `user`'s, else None (the view: 404, so that
    nobody learns which ids exist)."""
    return db.session.scalars(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id)).first()


def mark_read(user: Any, notification: Notification) -> None:
    """Mark one of `user`'s notifications read (already read: unchanged). Not audited: reading
    one's own messages changes nothing anyone else sees."""
    if notification.user_id != user.id:
        raise ServiceError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of `user` read in one UPDATE; returns how many."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(
        read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


# --- settings ---------------------------------------------------------------------------------

def settings_of(user: Any) -> NotificationSettings:
    """`user`'s settings row, or an unsaved one holding the defaults (digest off, every kind)."""
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id, digest="off",
                                   digest_kinds=list(NOTIFICATION_KINDS))
    return row


def _stored_settings(user: Any) -> NotificationSettings:
    """`user`'s settings row, created with the defaults if missing: INSERT ... ON CONFLICT DO
    NOTHING, so two first requests at once (two tabs) cannot both insert it and one fail."""
    row = db.session.get(NotificationSettings, user.id)
    if row is not None:
        return row
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(NotificationSettings).values(
        user_id=user.id, digest="off", digest_kinds=list(NOTIFICATION_KINDS))
        .on_conflict_do_nothing(index_elements=["user_id"]))
    return db.session.get(NotificationSettings, user.id, populate_existing=True)


def update_settings(actor: Any, user: Any, digest: str, kinds: Iterable[str]) -> None:
    """Set `user`'s digest frequency (a key of DIGEST_FREQUENCIES) and the kinds it carries
    (keys of NOTIFICATION_KINDS), audited. Raises ServiceError naming the field."""
    from coalition.audit import record

    if digest not in DIGEST_FREQUENCIES:
        raise ServiceError(_("Choose how often to receive the e-mail digest."), "digest")
    chosen = set(kinds)
    if chosen - set(NOTIFICATION_KINDS):
        raise ServiceError(_("Choose the kinds of notification from the list."), "kinds")
    kinds = [k for k in NOTIFICATION_KINDS if k in chosen]
    row = _stored_settings(user)
    changes = {}
    if row.digest != digest:
        changes["digest"] = [row.digest, digest]
    if list(row.digest_kinds or []) != kinds:
        changes["digest_kinds"] = [list(row.digest_kinds or []), kinds]
    row.digest, row.digest_kinds = digest, kinds
    db.session.flush()
    if changes:
        record(actor, "notifications.settings", user, changes)


def touch_last_seen(user: Any, now: datetime | None = None) -> datetime | None:
    """Record that `user` looked at the desk now; returns the previous time (None: never)."""
    row = _stored_settings(user)
    previous = row.last_seen_at
    row.last_seen_at = now or utcnow()
    db.session.flush()
    return previous


# --- unsubscribing without signing in ---------------------------------------------------------

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: Any) -> str:
    """A signed token naming `user` (id and e-mail, so it stops working if the address of the
    account changes), for the unsubscribe link of every digest. It does not expire: an old
    mail's link must still work."""
    return _unsubscribe_serializer().dumps({"u": user.id, "e": user.email})


def user_from_unsubscribe_token(token: str) -> Any:
    """The User a token names. Raises ServiceError on a tampered, foreign or stale token."""
    from coalition.accounts.models import User

    try:
        data = _unsubscribe_serializer().loads(token)
    except BadSignature:
        raise ServiceError(_("This unsubscribe link is not valid.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(
        data.get("u"), int) else None
    if user is None or user.email != data.get("e"):
        raise ServiceError(_("This unsubscribe link is not valid."))
    return user


def unsubscribe(user: Any) -> bool:
    """Turn `user`'s e-mail digest off, audited with the user as actor; False if it was off."""
    row = settings_of(user)
    if row.digest == "off":
        return False
    update_settings(user, user, "off", row.digest_kinds or list(NOTIFICATION_KINDS))
    return True
