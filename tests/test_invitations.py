"""Invitations and password reset: signed, expiring, single-use links; SMTP when configured."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coalition.accounts import services
from coalition.accounts.models import Invitation, User
from coalition.core.time import utcnow
from coalition.organisations.models import Membership
from tests.conftest import AuthActions


def invite_link(html: str) -> str:
    match = re.search(r'id="invitation-link"[^>]*>([^<]+)</textarea>', html)
    assert match, "no invitation link on the page"
    return match.group(1).strip()


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_org_admin_invites_and_new_person_joins(db, world, auth, app):
    auth.login("admin@example.org")
    page = auth.post(f"/organisations/{world.org.slug}/invite",
                     {"email": "New.Member@Example.org", "role": "editor"})
    assert page.status_code == 200
    link = path_of(invite_link(page.get_data(as_text=True)))

    newcomer = app.test_client()
    form = newcomer.get(link)
    assert form.status_code == 200
    assert "new.member@example.org" in form.get_data(as_text=True)
    new_auth = AuthActions(newcomer)
    response = newcomer.post(link, data={
        "csrf_token": new_auth.csrf(link), "display_name": "Nina New",
        "new_password": "nina-long-password", "confirm": "nina-long-password"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert new_auth.login("new.member@example.org", "nina-long-password").status_code == 302
    org_page = newcomer.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    assert "Nina New" in org_page

    user = db.session.execute(select(User).where(
        User.email == "new.member@example.org")).scalar_one()
    assert user.membership_in(world.org).role == "editor"

    # The link works once.
    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_existing_account_accepts_by_signing_in(db, world, auth, app):
    auth.login("admin@example.org")
    page = auth.post(f"/organisations/{world.org.slug}/invite",
                     {"email": "oviewer@example.org", "role": "viewer"})
    link = path_of(invite_link(page.get_data(as_text=True)))
    other = app.test_client()
    other_auth = AuthActions(other)
    assert "Sign in as oviewer@example.org" in other.get(link).get_data(as_text=True)
    other_auth.login("oviewer@example.org")
    response = other_auth.post(link)
    assert response.status_code == 302
    db.session.expire_all()
    assert world.users["other_viewer"].membership_in(world.org).role == "viewer"


def test_inviting_an_existing_member_is_refused(db, world, auth):
    auth.login("admin@example.org")
    response = auth.post(f"/organisations/{world.org.slug}/invite",
                         {"email": "EDITOR@example.org", "role": "viewer"})
    assert response.status_code == 400
    assert "already a member" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Invitation.id))).scalar_one() == 0


def test_invalid_email_is_a_field_error(world, auth):
    auth.login("admin@example.org")
    response = auth.post(f"/organisations/{world.org.slug}/invite",
                         {"email": "not an email", "role": "viewer"})
    assert response.status_code == 400
    assert "Email:" in response.get_data(as_text=True)


def test_expired_invitation_is_refused_and_nothing_changes(app, db, world):
    invitation, token = services.create_invitation(None, world.org, "late@example.org",
                                                   "viewer")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    response = client.post(f"/invitations/{token}", data={
        "display_name": "Late", "new_password": "late-long-password",
        "confirm": "late-long-password", "csrf_token": AuthActions(client).csrf()})
    assert response.status_code == 400
    assert services.get_by_email("late@example.org") is None


def test_tampered_and_revoked_invitations_are_refused(app, db, world):
    _, token = services.create_invitation(None, world.org, "x@example.org", "viewer")
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/invitations/{token[:-3]}abc").status_code == 400
    # A newer invitation for the same person replaces the old one.
    _, newer = services.create_invitation(None, world.org, "x@example.org", "editor")
    db.session.commit()
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 400
    assert "withdrawn or replaced" in response.get_data(as_text=True)
    assert client.get(f"/invitations/{newer}").status_code == 200


def test_org_admin_withdraws_an_invitation(db, world, auth):
    invitation, _ = services.create_invitation(None, world.org, "x@example.org", "viewer")
    db.session.commit()
    auth.login("admin@example.org")
    response = auth.post(
        f"/organisations/{world.org.slug}/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "revoked"


def test_accept_form_errors_name_the_field(app, world):
    _, token = services.create_invitation(None, world.org, "x@example.org", "viewer")
    from coalition.extensions import db

    db.session.commit()
    client = app.test_client()
    response = client.post(f"/invitations/{token}", data={
        "display_name": "X", "new_password": "long-enough-pw", "confirm": "different-pw",
        "csrf_token": AuthActions(client).csrf()})
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)
    assert services.get_by_email("x@example.org") is None


def test_coordinator_makes_a_single_use_reset_link(app, db, world, auth):
    auth.login("coordinator@example.org")
    user = world.users["viewer"]
    page = auth.post(f"/users/{user.id}/reset-link").get_data(as_text=True)
    link = path_of(re.search(r'id="reset-link"[^>]*>([^<]+)</textarea>', page).group(1))
    client = app.test_client()
    csrf = AuthActions(client).csrf(link)
    response = client.post(link, data={"new_password": "brand-new-password",
                                       "confirm": "brand-new-password", "csrf_token": csrf})
    assert response.status_code == 302
    assert AuthActions(client).login("viewer@example.org",
                                     "brand-new-password").status_code == 302
    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_forgot_password_without_mail_points_to_the_coordinator(make_user, auth, client):
    make_user("amy@example.org")
    response = auth.post("/password/forgot", {"email": "amy@example.org"},
                         follow_redirects=True)
    assert "Ask your coordinator" in response.get_data(as_text=True)


# --- SMTP, against a real local SMTP server ---------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[tuple[str, list[str], str]] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.content.decode("utf-8", "replace")))
            return "250 Message accepted for delivery"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    controller, _ = smtp_server
    app.config.update(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port,
                      MAIL_DEFAULT_SENDER="coalition@example.org")
    state = app.extensions["mail"]
    state.server, state.port = controller.hostname, controller.port
    state.default_sender = "coalition@example.org"
    state.suppress = False  # Flask-Mail suppresses sending under TESTING; this test sends
    return app


def body_of(raw: str) -> str:
    import email
    from email import policy

    message = email.message_from_string(raw, policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def test_invitation_is_sent_by_smtp(mail_app, smtp_server, db, world, auth):
    _, inbox = smtp_server
    auth.login("admin@example.org")
    response = auth.post(f"/organisations/{world.org.slug}/invite",
                         {"email": "mailed@example.org", "role": "viewer"})
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    _, recipients, raw = inbox.messages[0]
    assert recipients == ["mailed@example.org"]
    body = body_of(raw)
    assert "Owning Organisation" in body
    link = re.search(r"https?://\S+/invitations/\S+", body).group(0)
    client = mail_app.test_client()
    assert client.get(path_of(link)).status_code == 200


def test_password_reset_is_sent_by_smtp_and_only_to_real_accounts(
        mail_app, smtp_server, make_user, auth, client):
    _, inbox = smtp_server
    make_user("amy@example.org")
    for email in ("amy@example.org", "nobody@example.org"):
        response = auth.post("/password/forgot", {"email": email}, follow_redirects=True)
        assert "on its way" in response.get_data(as_text=True)
    assert [m[1] for m in inbox.messages] == [["amy@example.org"]]
    link = re.search(r"https?://\S+/password/reset/\S+", body_of(inbox.messages[0][2])).group(0)
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "amy@example.org" in page.get_data(as_text=True)


def test_membership_created_by_invitation_is_audited(db, world):
    _, token = services.create_invitation(world.users["org_admin"], world.org,
                                          "audited@example.org", "viewer")
    services.accept_invitation(token, None, "Audited Person", "long-enough-password")
    db.session.commit()
    from coalition.audit.models import AuditEvent

    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"invitation.create", "invitation.accept", "membership.create",
            "user.create"} <= actions
    assert db.session.execute(select(func.count(Membership.id)).where(
        Membership.organisation_id == world.org.id)).scalar_one() == 4
