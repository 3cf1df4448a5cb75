"""Notifications (issue 11): a user is told of what needs them, in the app (the bell) and, when
they opt in, in an e-mail digest.

- Notification: one message to one user: its kind (NOTIFICATION_KINDS), the object it is about
  (a URL path inside the app and the words to show), read and e-mailed times.
- NotificationSettings: one row per user who changed a default: the digest's frequency, the
  kinds the digest carries, when the last digest went and when the user last looked at the desk.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.extensions import db

if TYPE_CHECKING:
    from coalition.accounts.models import User

NOTIFICATION_KINDS = {
    "assignment": _l("A recommendation assigned to your organisation"),
    "due_soon": _l("Due in the next seven days"),
    "overdue": _l("Overdue"),
    "position_adopted": _l("A coalition position adopted"),
    "reconfirm": _l("A statement you signed changed: re-confirm"),
    "signon_open": _l("Sign-on opened"),
    "signon_closing": _l("Sign-on closing"),
    "mention": _l("You or your organisation mentioned"),
}
DIGEST_FREQUENCIES = {"off": _l("No e-mail"), "daily": _l("Daily"), "weekly": _l("Weekly")}



class Notification(db.Model):
    """One message to one user. `key` makes repeated reminders idempotent: a job that runs
    twice a day tells of an overdue action once (a unique (user_id, key) pair)."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(NOTIFICATION_KINDS)})", name="kind"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("uq_notification_user_key", "user_id", "key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # What the message is about, e.g. "action:12:overdue" (None: not deduplicated).
    key: Mapped[str | None] = mapped_column(String(120))
    # A path inside the app ("/followup/plans/3"), never an outside address.
    url: Mapped[str] = mapped_column(String(500), default="")
    # The message's parts, kept as data so that it is shown in the reader's language:
    # {"text": msgid with %(name)s placeholders, "args": {...}} (see services.message).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Text the user wrote (a comment's first words, for a mention), shown escaped.
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return str(NOTIFICATION_KINDS[self.kind])


class NotificationSettings(db.Model):
    """A user's choices; no row means the defaults (digest off, every kind, desk never seen)."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        CheckConstraint(f"digest IN ({_in(DIGEST_FREQUENCIES)})", name="digest"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    digest: Mapped[str] = mapped_column(String(10), default="off")
    # The kinds the digest carries (keys of NOTIFICATION_KINDS); the bell shows every kind.
    digest_kinds: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(NOTIFICATION_KINDS))
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "What changed since my last visit" on the desk starts here.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
