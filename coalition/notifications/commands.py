"""`coalition send-reminders` and `coalition send-digests`: for cron (README, "Notifications")."""

from __future__ import annotations

import os
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.core.time import utcnow
from coalition.extensions import db

BASE_URL_HELP = _l("The site's public address, for the links in messages (or COALITION_BASE_URL).")


def _base_url(base_url: str | None) -> str:
    return (base_url or os.environ.get("COALITION_BASE_URL")
            or current_app.config.get("COALITION_BASE_URL") or "http://localhost:5000")


def _reminders(today: date) -> int:
    from coalition.notifications.events import send_reminders

    added = send_reminders(today)
    db.session.commit()
    return added


@click.command("send-reminders")
@click.option("--base-url", help=BASE_URL_HELP)
@with_appcontext
def send_reminders_command(base_url: str | None) -> None:
    """Tell people of follow-up due soon or overdue and of sign-on closing (idempotent)."""
    with current_app.test_request_context(base_url=_base_url(base_url)):
        added = _reminders(utcnow().date())
    click.echo(_("%(count)s notifications added.", count=added))


@click.command("send-digests")
@click.option("--base-url", help=BASE_URL_HELP)
@with_appcontext
def send_digests_command(base_url: str | None) -> None:
    """Send the reminders, then each user's e-mail digest that is due (daily or weekly)."""
    from coalition.accounts.services import mail_configured
    from coalition.notifications.digest import send_digests

    with current_app.test_request_context(base_url=_base_url(base_url)):
        added = _reminders(utcnow().date())
        if not mail_configured():
            raise click.ClickException(_("No mail server is configured (MAIL_SERVER): no "
                                         "digest was sent."))
        result = send_digests()
    click.echo(_("%(added)s notifications added; %(mailed)s digests sent with %(count)s "
                 "notifications; %(failed)s failed.", added=added, mailed=result.mailed,
                 count=result.notifications, failed=result.failed))
    if result.failed:
        raise SystemExit(1)
