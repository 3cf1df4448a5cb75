"""The e-mail digest (issue 11, item 6): `coalition send-digests`, run by cron.

For each user whose digest is due (NotificationSettings.digest: "daily" one day after the last
one, "weekly" seven; DUE_SLACK early, so that a cron job at a fixed hour is not skipped by the
seconds the previous run took), one message lists the notifications not yet e-mailed of the
kinds the user chose, in the user's language, as text and HTML; they are then marked e-mailed.
A user with nothing new gets no mail (and the next run tries again).

Every message carries an unsubscribe link that works without signing in (a signed token:
services.unsubscribe_token) and the RFC 8058 headers List-Unsubscribe and
List-Unsubscribe-Post, so a mail client's own "Unsubscribe" button turns the digest off in one
click.

The command sends itself (it is already a background process); each user's mail is committed
on its own, so a relay failing half-way leaves the others sent and this one for the next run.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from typing import Any

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_mail import Message
from sqlalchemy import or_, select, update

from coalition.core.time import utcnow
from coalition.extensions import db, mail
from coalition.notifications.models import Notification, NotificationSettings
from coalition.notifications.services import message, unsubscribe_token

logger = logging.getLogger(__name__)

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
DUE_SLACK = timedelta(hours=1)
MAX_ITEMS = 200  # per digest; the rest follow in the next one


@dataclass
class DigestResult:
    """What a run did: users mailed, notifications sent, users whose mail failed."""

    mailed: int = 0
    notifications: int = 0
    failed: int = 0


def due_settings(now: datetime) -> list[NotificationSettings]:
    """The settings rows of active users whose digest is due at `now`."""
    from coalition.accounts.models import User

    conditions = [
        (NotificationSettings.digest == name) & or_(
            NotificationSettings.last_digest_at.is_(None),
            NotificationSettings.last_digest_at <= now - period + DUE_SLACK)
        for name, period in PERIODS.items()]
    return list(db.session.scalars(
        select(NotificationSettings).join(User, User.id == NotificationSettings.user_id)
        .where(User.active.is_(True), or_(*conditions)).order_by(NotificationSettings.user_id)))


def pending(settings: NotificationSettings) -> list[Notification]:
    """The user's notifications not yet e-mailed, of the kinds the digest carries, oldest
    first (at most MAX_ITEMS)."""
    kinds = list(settings.digest_kinds or [])
    if not kinds:
        return []
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == settings.user_id,
                                   Notification.emailed_at.is_(None),
                                   Notification.kind.in_(kinds))
        .order_by(Notification.created_at, Notification.id).limit(MAX_ITEMS)))


class _DigestMessage(Message):
    """Flask-Mail's message, its headers folded at RFC 5322's 998 characters: at 78 (Flask-Mail's
    policy) the List-Unsubscribe address, one long word, was written as an RFC 2047 encoded
    word, which a structured header may not hold: mail clients' one-click button (RFC 8058)
    would not find the address."""

    def _message(self) -> Any:
        message = super()._message()
        message.policy = policy.SMTP.clone(max_line_length=998)
        return message


def compose(user: Any, items: list[Notification]) -> Message:
    """The digest for `user` in the user's language (User.locale). Needs a request context
    whose base URL is the site's public address (links are absolute)."""
    from coalition.i18n import translated

    link = url_for("notifications.unsubscribe", token=unsubscribe_token(user), _external=True)
    with translated(user.locale):
        entries = [{"kind": n.kind_label, "text": message(n), "excerpt": n.excerpt,
                    "url": url_for("core.home", _external=True).rstrip("/") + n.url,
                    "created_at": n.created_at} for n in items]
        context = {"user": user, "entries": entries, "unsubscribe_url": link,
                   "settings_url": url_for("notifications.settings", _external=True)}
        subject = _("Coalition: %(count)s new notifications", count=len(items))
        body = render_template("notifications/digest.txt", **context)
        html = render_template("notifications/digest.html", **context)
    return _DigestMessage(subject=subject, recipients=[user.email], body=body, html=html,
                   extra_headers={"List-Unsubscribe": f"<{link}>",
                                  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def send_digests(now: datetime | None = None) -> DigestResult:
    """Send every due digest (see the module's docstring) and commit after each user.
    Needs a request context (coalition.notifications.commands provides one)."""
    now = now or utcnow()
    result = DigestResult()
    for settings in due_settings(now):
        items = pending(settings)
        if not items:
            continue
        user = settings.user
        try:
            mail.send(compose(user, items))
        except (OSError, smtplib.SMTPException) as error:
            logger.error("Digest to %s failed (%s); the next run tries again.", user.email, error)
            db.session.rollback()
            result.failed += 1
            continue
        db.session.execute(update(Notification).where(
            Notification.id.in_([n.id for n in items])).values(emailed_at=now)
            .execution_options(synchronize_session=False))
        settings.last_digest_at = now
        db.session.commit()
        result.mailed += 1
        result.notifications += len(items)
    return result
