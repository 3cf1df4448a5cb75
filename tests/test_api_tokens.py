"""Personal API tokens on the profile (issue 10): made with a name, a scope and an expiry, shown
once, listed with their last use, revoked at once; CSRF on every form; audited."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from coalition.api.models import ApiToken
from coalition.audit.models import AuditEvent
from coalition.extensions import db
from tests.conftest import csrf_from

TOKEN_RE = re.compile(r'id="new-token-value"[^>]*>(coal_[^<]+)</textarea>')


def make_in_browser(auth: Any, name: str = "Thesis data", scope: str = "read",
                    lifetime: str = "30") -> tuple[Any, str]:
    response = auth.post("/profile/api-tokens", data={"name": name, "scope": scope,
                                                       "lifetime": lifetime})
    html = response.get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, html
    return response, match.group(1)


def test_the_profile_links_to_the_tokens_page(client, auth, world):
    auth.login("viewer@example.org")
    assert 'href="/profile/api-tokens"' in client.get("/profile").get_data(as_text=True)
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert "You have no API tokens." in page and "Make token" in page


def test_a_token_is_shown_once_works_and_is_listed(client, auth, world):
    auth.login("viewer@example.org")
    response, token = make_in_browser(auth)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert "it is shown only this once" in response.get_data(as_text=True)
    # The list afterwards names it, but never shows it again.
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert "Thesis data" in page and token not in page and token.split("_", 2)[2] not in page
    assert "never" in page  # not used yet
    row = db.session.scalars(select(ApiToken)).one()
    assert (row.name, row.scope, row.user_id) == ("Thesis data", "read",
                                                  world.users["viewer"].id)
    assert 29 <= (row.expires_at - row.created_at).days <= 30
    # It works, and its last use shows on the list.
    assert client.get("/api/v1/reviews", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert "never" not in page
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api_token.create")).one()
    assert event.changes["scope"] == [None, "read"] and token not in repr(event.changes)


def test_the_same_form_sent_twice_makes_one_token(client, auth, world):
    """Reloading the answer that showed the token (the browser sends the form again) or a
    double click makes no second token: the page says the token was made and shown once."""
    auth.login("viewer@example.org")
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    once = re.search(r'name="once" type="hidden" value="([^"]+)"|'
                     r'name="once" value="([^"]+)"', page)
    assert once, page
    data = {"name": "Thesis data", "scope": "read", "lifetime": "30",
            "once": once.group(1) or once.group(2), "csrf_token": csrf_from(page)}
    first = client.post("/profile/api-tokens", data=data)
    assert first.status_code == 201 and TOKEN_RE.search(first.get_data(as_text=True))
    again = client.post("/profile/api-tokens", data=data)
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "This form was already sent" in html and not TOKEN_RE.search(html)
    assert len(db.session.scalars(select(ApiToken)).all()) == 1
    # A new form (a new value) makes a new token.
    fresh = re.search(r'name="once" type="hidden" value="([^"]+)"', html).group(1)
    assert fresh != data["once"]
    third = client.post("/profile/api-tokens", data={**data, "once": fresh,
                                                     "name": "Second"})
    assert third.status_code == 201
    assert len(db.session.scalars(select(ApiToken)).all()) == 2


def test_revoking_stops_the_token_at_once(client, auth, world):
    auth.login("editor@example.org")
    _response, token = make_in_browser(auth, "Reports", "write", "7")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/reviews", headers=headers).status_code == 200
    row = db.session.scalars(select(ApiToken)).one()
    response = auth.post(f"/profile/api-tokens/{row.id}/revoke")
    assert response.status_code == 302
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert "The token Reports is revoked" in page and "Revoked" in page
    assert client.get("/api/v1/reviews", headers=headers).status_code == 401
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api_token.revoke")).one().actor_id == world.users["editor"].id


def test_forms_need_their_csrf_token_and_a_name(client, auth, world):
    auth.login("viewer@example.org")
    refused = client.post("/profile/api-tokens", data={"name": "No CSRF", "scope": "read",
                                                       "lifetime": "30"})
    assert refused.status_code == 400
    nameless = auth.post("/profile/api-tokens", data={"name": " ", "scope": "read",
                                                      "lifetime": "30"})
    assert nameless.status_code == 400
    assert "Give the token a name" in nameless.get_data(as_text=True)
    bad = auth.post("/profile/api-tokens", data={"name": "x", "scope": "admin",
                                                 "lifetime": "9999"})
    assert bad.status_code == 400
    assert db.session.scalars(select(ApiToken)).all() == []
    _response, _token = make_in_browser(auth)
    row = db.session.scalars(select(ApiToken)).one()
    assert client.post(f"/profile/api-tokens/{row.id}/revoke").status_code == 400
    db.session.refresh(row)
    assert row.revoked_at is None


def test_nobody_can_revoke_or_see_someone_elses_token(app, client, auth, world):
    owner = app.test_client()
    from tests.conftest import AuthActions

    owner_auth = AuthActions(owner)
    owner_auth.login("viewer@example.org")
    make_in_browser(owner_auth, "Viewer's")
    row = db.session.scalars(select(ApiToken)).one()
    auth.login("coordinator@example.org")
    assert "Viewer&#39;s" not in client.get("/profile/api-tokens").get_data(as_text=True)
    assert auth.post(f"/profile/api-tokens/{row.id}/revoke").status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


def test_the_tokens_page_in_chinese(client, auth, world):
    auth.login("viewer@example.org")
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    client.post("/language", data={"locale": "zh_Hant", "csrf_token": token, "next": "/"})
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert 'lang="zh-Hant' in page


def test_a_researcher_is_offered_read_only_tokens(client, auth, world):
    """A new user's walk (issue 10): a researcher was offered "Read and write" tokens, with
    which every write is refused. Only "Read" is offered; a forged "write" is a form error."""
    auth.login("researcher@example.org")
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert 'value="read">Read<' in page and 'value="write"' not in page
    assert "A read token reads what your account may read" in page
    assert "read and write token" not in page
    response = auth.post("/profile/api-tokens", data={"name": "Forged", "scope": "write",
                                                       "lifetime": "30"})
    assert response.status_code == 400 and db.session.scalars(select(ApiToken)).first() is None
    assert "Forged" in response.get_data(as_text=True)  # the name typed is kept
    _response, token = make_in_browser(auth, "Thesis", "read")
    assert token
    # An editor is offered both.
    auth.logout()
    auth.login("editor@example.org")
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert 'value="read">Read<' in page and 'value="write">Read and write<' in page
