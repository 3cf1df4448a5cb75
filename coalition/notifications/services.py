"""Telling users what needs them (issue 11). Every feature that notifies calls `notify`; the
bell, the desk and the e-mail digest read what it wrote.

A message is stored as a msgid and its arguments, not as text: it is translated when shown, in
the reader's language (a steering member writing in English notifies a member reading Chinese).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext
from sqlalchemy import select, tuple_

from coalition.extensions import db
from coalition.notifications.models import NOTIFICATION_KINDS, Notification

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


def msgid(text: Any) -> str:
    """The untranslated msgid of `text`: a `lazy_gettext` string keeps it as its first argument
    (flask_babel.speaklater.LazyString), a plain string is its own."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


def message(notification: Notification) -> str:
    """The notification's words in the current language: its msgid translated, then its
    arguments filled in (an argument missing from an old row leaves its placeholder)."""
    payload = notification.payload or {}
    text = gettext(payload.get("text", ""))
    try:
        return text % dict(payload.get("args") or {})
    except (KeyError, TypeError, ValueError):
        return text
