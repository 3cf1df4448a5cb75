"""Issue 9, section 3, in accounts and organisations, as a new user meets them: a workshop on
one Wi-Fi network is not locked out of signing in, and a refusal says how long to wait (8);
inviting: the link again, a replaced invitation said, the roles explained (11); "forgot
password" says first that no e-mail is sent (13); e-mail addresses of members only for their
own organisation and coordinators (19)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from coalition import create_app
from coalition.extensions import db as _db
from tests.conftest import AuthActions, FreshContextClient, base_config, clear_tables

# --- 8. sign-in throttling per account and per address ------------------------------------------

def _attempt(client: Any, token: str, email: str) -> Any:
    return client.post("/login", data={"email": email, "password": "wrong",
                                       "csrf_token": token})


def test_sign_in_limits_per_account_and_a_higher_one_per_address(db_url: str,
                                                                   _schema: None) -> None:
    app = create_app(base_config(
        db_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_LOGIN="8 per minute", RATELIMIT_LOGIN_ACCOUNT="3 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"))
    app.test_client_class = FreshContextClient
    with app.app_context():
        try:
            client = app.test_client()
            token = AuthActions(client).csrf("/login")
            # One account: three attempts, then refused, in words, with the wait.
            statuses = [_attempt(client, token, "ana@example.org").status_code
                        for _ in range(3)]
            assert statuses == [400, 400, 400]
            refused = _attempt(client, token, "ana@example.org")
            assert refused.status_code == 429
            text = " ".join(refused.get_data(as_text=True).split())
            match = re.search(r"Too many attempts; try again in (\d+) seconds?\.", text)
            assert match and 1 <= int(match.group(1)) <= 60, text
            assert refused.headers["Retry-After"] == match.group(1)
            # Others at the same workshop (same address) still sign in, more of them than one
            # account may try...
            others = [_attempt(client, token, f"person{i}@example.org").status_code
                      for i in range(8)]
            assert others[:4] == [400] * 4
            # ...up to the address's own, higher limit (8 here, counted with ana's).
            assert 429 in others
        finally:
            _db.session.remove()
            clear_tables()
            _db.engine.dispose()


def test_the_address_limit_is_higher_than_the_account_limit_by_default(app: Any) -> None:
    from limits import parse

    address = parse(app.config["RATELIMIT_LOGIN"])
    account = parse(app.config["RATELIMIT_LOGIN_ACCOUNT"])
    def per_minute(item: Any) -> float:
        return item.amount * 60 / item.get_expiry()

    assert per_minute(address) >= 60  # a workshop of 30 people, a couple of tries each
    assert per_minute(account) <= 10


# --- 13. forgot password without e-mail ---------------------------------------------------------

def test_forgot_password_says_first_that_no_email_is_sent_and_whom_to_ask(app: Any,
                                                                         client: Any) -> None:
    app.config.update(MAIL_SERVER=None, COALITION_CONTACT="Mei Ling, the coordinator "
                                                          "(+852 5555 0000)")
    html = " ".join(client.get("/password/forgot").get_data(as_text=True).split())
    assert "This coalition sends no e-mail" in html
    assert "Ask Mei Ling, the coordinator (+852 5555 0000) to give you a link" in html
    assert 'name="email"' not in html  # no address asked for: nothing would be sent

    app.config["COALITION_CONTACT"] = ""
    html = " ".join(client.get("/password/forgot").get_data(as_text=True).split())
    assert "Ask your organisation's administrator or the coalition's coordinator" in html


def test_forgot_password_with_email_asks_for_the_address(app: Any, client: Any) -> None:
    app.config["MAIL_SERVER"] = "smtp.example.org"
    html = client.get("/password/forgot").get_data(as_text=True)
    assert 'name="email"' in html and "sends no e-mail" not in html


# --- 11. invitations: the link again, a replacement said, the roles explained -------------------

def _link(html: str) -> str:
    match = re.search(r'id="invitation-link"[^>]*>([^<]+)</textarea>', html)
    assert match, "no invitation link on the page"
    return re.sub(r"^https?://[^/]+", "", match.group(1).strip())


def test_a_pending_invitation_gets_its_link_again(app: Any, world: Any, auth: Any) -> None:
    app.config["MAIL_SERVER"] = None
    auth.login("admin@example.org")
    first = _link(auth.post(f"/organisations/{world.org.slug}/invite",
                            {"email": "nina@example.org", "role": "editor"})
                  .get_data(as_text=True))
    page = auth.client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    match = re.search(r'action="(/organisations/[^"]+/invitations/(\d+)/link)"', page)
    assert match, "no way to get the link again"
    response = auth.post(match.group(1))
    assert response.status_code == 200
    html = " ".join(response.get_data(as_text=True).split())
    second = _link(html)
    assert second != first
    assert "the earlier link for nina@example.org no longer works" in html
    # The new link works; the old one does not.
    assert app.test_client().get(second).status_code == 200
    assert app.test_client().get(first).status_code == 400


def test_inviting_again_says_the_invitation_is_replaced(app: Any, world: Any,
                                                        auth: Any) -> None:
    app.config["MAIL_SERVER"] = None
    auth.login("admin@example.org")
    auth.post(f"/organisations/{world.org.slug}/invite",
              {"email": "nina@example.org", "role": "viewer"})
    response = auth.post(f"/organisations/{world.org.slug}/invite",
                         {"email": "nina@example.org", "role": "org_admin"})
    html = " ".join(response.get_data(as_text=True).split())
    assert ("This replaces the pending invitation of nina@example.org as Viewer: its link no "
            "longer works.") in html


def test_the_invite_form_explains_the_roles(world: Any, auth: Any) -> None:
    auth.login("admin@example.org")
    html = " ".join(auth.client.get(f"/organisations/{world.org.slug}/invite")
                    .get_data(as_text=True).split())
    for words in ("Viewer: reads", "Editor: also records assessments and drafts statements",
                  "Organisation admin: also invites and manages"):
        assert words in html, words


# --- 19. member e-mail addresses ----------------------------------------------------------------

def test_member_emails_only_for_the_same_organisation_and_coordinators(app: Any,
                                                                      world: Any) -> None:
    def members_table(email: str) -> str:
        auth = AuthActions(app.test_client())
        assert auth.login(email).status_code == 302
        html = auth.client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
        match = re.search(r"<h2>Members</h2>(.*?)</table>", html, re.S)
        assert match, f"no members table for {email}"
        return match.group(1)

    for insider in ("viewer@example.org", "admin@example.org", "coordinator@example.org"):
        table = members_table(insider)
        assert "editor@example.org" in table, insider
    for outsider in ("oviewer@example.org", "oadmin@example.org", "steering@example.org"):
        table = members_table(outsider)
        assert world.users["editor"].display_name in table  # the names are still listed
        assert "@example.org" not in table, outsider


def test_an_organisation_may_share_its_member_emails_with_the_coalition(
        app: Any, world: Any, db: Any) -> None:
    coordinator = AuthActions(app.test_client())
    assert coordinator.login("coordinator@example.org").status_code == 302
    form = coordinator.client.get(f"/organisations/{world.org.slug}/edit").get_data(
        as_text=True)
    assert "e-mail addresses to every member of the coalition" in form
    response = coordinator.post(f"/organisations/{world.org.slug}/edit", {
        "name": world.org.name, "short_name": "OWN", "slug": world.org.slug, "kind": "member",
        "website": "", "description": "", "active": "y", "share_member_emails": "y"})
    assert response.status_code == 302
    other = AuthActions(app.test_client())
    assert other.login("oviewer@example.org").status_code == 302
    html = other.client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    assert "editor@example.org" in html
    researcher = AuthActions(app.test_client())
    assert researcher.login("researcher@example.org").status_code == 302
    html = researcher.client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    assert "editor@example.org" not in html  # shared with members, not with researchers
