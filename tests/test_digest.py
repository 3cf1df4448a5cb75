"""The e-mail digest (issue 11, item 6) against a real local SMTP server (aiosmtpd): `coalition
send-digests` sends the reminders, then one mail per user whose digest is due; its unsubscribe
link works without signing in; a tampered token is refused."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.notifications.models import Notification
from coalition.notifications.services import settings_of, update_settings
from tests.conftest import csrf_from
from tests.test_invitations import mail_app, smtp_server  # noqa: F401 (fixtures)
from tests.test_notifications import make_action, make_plan


def parsed(raw: str) -> Any:
    """The message as a mail client reads it: from its bytes (8-bit UTF-8 parts)."""
    return email.message_from_bytes(raw.encode("utf-8"), policy=policy.default)


def run_digests(app: Any) -> Any:
    result = app.test_cli_runner().invoke(args=["send-digests", "--base-url",
                                                "http://coalition.test"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def overdue_world(world: Any) -> Any:
    editor = world.users["editor"]
    update_settings(editor, editor, "daily", ["overdue", "due_soon"])
    plan = make_plan(world.org, due_on=utcnow().date() + timedelta(days=90))
    make_action(plan, world.org, utcnow().date() - timedelta(days=4),
                title="Brief the Legislative Council panel")
    db.session.commit()
    return world


def test_an_overdue_action_reaches_the_digest_once(mail_app, smtp_server, overdue_world):  # noqa: F811
    _, inbox = smtp_server
    run_digests(mail_app)
    assert len(inbox.messages) == 1
    _, recipients, raw = inbox.messages[0]
    assert recipients == ["editor@example.org"]
    message = parsed(raw)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Brief the Legislative Council panel" in text and "Overdue" in text
    assert "Brief the Legislative Council panel" in html
    # The due date as the reader writes it (stored ISO in the notification).
    due = utcnow().date() - timedelta(days=4)
    shown = f"{due.day} {due.strftime('%b')} {due.year}"
    assert f"Overdue since {shown}" in text and f"Overdue since {shown}" in html
    assert due.isoformat() not in text
    # The link goes to the action itself, on its plan's page (not the recommendation's).
    plan_link = re.search(r"http://coalition\.test/followup/plans/\d+#action-\d+", text)
    assert plan_link, text
    assert f'href="{plan_link.group(0)}"' in html
    assert "<strong>" in html and "&lt;strong&gt;" not in html and "&lt;a" not in html
    assert message["List-Unsubscribe"].startswith("<http://coalition.test/notifications/"
                                                  "unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As sent: the address itself, not an RFC 2047 encoded word (a structured header may not
    # hold one, and a mail client's one-click button would not decode it).
    assert re.search(r"^List-Unsubscribe: <http://coalition\.test/notifications/unsubscribe/",
                     raw, re.M), raw[:2000]
    db.session.expire_all()
    assert all(n.emailed_at for n in db.session.scalars(select(Notification).where(
        Notification.user_id == overdue_world.users["editor"].id)))
    # Again the same day: nothing new, and the daily digest is not due.
    run_digests(mail_app)
    assert len(inbox.messages) == 1
    # Users with the digest off (the viewer's default) get nothing.
    assert all(r == ["editor@example.org"] for _, r, _ in inbox.messages)


def test_unsubscribe_works_without_signing_in(mail_app, smtp_server, overdue_world):  # noqa: F811
    _, inbox = smtp_server
    run_digests(mail_app)
    text = parsed(inbox.messages[0][2]).get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://coalition\.test/notifications/unsubscribe/\S+", text).group(0)
    path = urlsplit(link).path
    client = mail_app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Stop the e-mail digest" in page.get_data(as_text=True)
    db.session.expire_all()
    assert settings_of(overdue_world.users["editor"]).digest == "daily"  # GET changes nothing
    assert client.post(path, data={}).status_code == 400  # no CSRF token, no one-click
    response = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 200
    assert "no more e-mail digests" in response.get_data(as_text=True)
    db.session.expire_all()
    assert settings_of(overdue_world.users["editor"]).digest == "off"


def test_one_click_unsubscribe_rfc8058(mail_app, smtp_server, overdue_world):  # noqa: F811
    _, inbox = smtp_server
    run_digests(mail_app)
    link = parsed(inbox.messages[0][2])["List-Unsubscribe"].strip("<>")
    response = mail_app.test_client().post(urlsplit(link).path,
                                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert settings_of(overdue_world.users["editor"]).digest == "off"


def test_a_tampered_token_is_refused(mail_app, smtp_server, overdue_world):  # noqa: F811
    from coalition.notifications.services import unsubscribe_token

    with mail_app.test_request_context():
        token = unsubscribe_token(overdue_world.users["editor"])
    client = mail_app.test_client()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "not-a-token", token.replace(".", "x", 1)):
        assert client.get(f"/notifications/unsubscribe/{bad}").status_code == 400
        assert client.post(f"/notifications/unsubscribe/{bad}",
                           data={"List-Unsubscribe": "One-Click"}).status_code == 400
    # A token signed with another salt (an invitation's, say) names nobody here.
    from itsdangerous import URLSafeSerializer

    other = URLSafeSerializer(mail_app.config["SECRET_KEY"], salt="other").dumps(
        {"u": overdue_world.users["editor"].id, "e": "editor@example.org"})
    assert client.get(f"/notifications/unsubscribe/{other}").status_code == 400
    db.session.expire_all()
    assert settings_of(overdue_world.users["editor"]).digest == "daily"


def test_weekly_digest_waits_a_week_and_kinds_are_respected(mail_app, smtp_server, world):  # noqa: F811
    from coalition.notifications.digest import send_digests
    from coalition.notifications.services import notify

    _, inbox = smtp_server
    viewer = world.users["viewer"]
    update_settings(viewer, viewer, "weekly", ["mention"])
    notify([viewer], "mention", "You were mentioned")
    notify([viewer], "overdue", "Not in this digest")
    db.session.commit()
    now = utcnow()
    with mail_app.test_request_context():
        assert send_digests(now).mailed == 1
        notify([viewer], "mention", "Mentioned again")
        db.session.commit()
        assert send_digests(now + timedelta(days=3)).mailed == 0
        assert send_digests(now + timedelta(days=7)).mailed == 1
    bodies = [parsed(raw).get_body(preferencelist=("plain",)).get_content()
              for _, _, raw in inbox.messages]
    assert "You were mentioned" in bodies[0] and "Not in this digest" not in bodies[0]
    assert "Mentioned again" in bodies[1] and "You were mentioned" not in bodies[1]


def test_without_a_mail_server_the_command_says_so(app, world):
    app.config["MAIL_SERVER"] = None
    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


def test_the_digest_is_written_in_the_users_language(mail_app, smtp_server, world):  # noqa: F811
    from coalition.accounts.services import update_profile
    from coalition.notifications.digest import send_digests
    from coalition.notifications.services import notify

    _, inbox = smtp_server
    viewer = world.users["viewer"]
    update_profile(viewer, viewer.display_name, "zh_Hant")
    update_settings(viewer, viewer, "daily", ["mention"])
    # A msgid the catalogue already translates (the new ones arrive with the merged catalogue).
    notify([viewer], "mention", "Sign in")
    db.session.commit()
    with mail_app.test_request_context():
        assert send_digests().mailed == 1
    message = parsed(inbox.messages[0][2])
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'lang="zh-Hant"' in html and "登入" in html
    # Chinese punctuation: a full-width colon after the kind, not ": ".
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "\uff1a登入" in text and ": 登入" not in text, text  # U+FF1A, full-width colon
