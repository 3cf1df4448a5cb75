"""Kind: "signing out does not end the session" (issue 7, item 13). Sessions live on the
server (user_session): signing out, "sign out everywhere else", a password change and
deactivation end them, whatever copies of the cookies exist; remember-me is bounded."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from coalition.accounts.models import UserSession, describe_device
from coalition.core.time import utcnow
from tests.conftest import AuthActions

DOMAIN = "coalition.test"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def copy_cookie(source, target, name: str) -> str:
    cookie = source.get_cookie(name, domain=DOMAIN)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value, domain=DOMAIN)
    return cookie.value


def signed_in(client) -> bool:
    response = client.get("/profile")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app, make_user, auth,
                                                                      client):
    make_user("amy@example.org")
    auth.login("amy@example.org")
    thief = app.test_client()
    copy_cookie(client, thief, "session")
    assert signed_in(thief)
    auth.logout()
    assert not signed_in(client)
    assert not signed_in(thief)  # redirected to sign-in


def test_a_remember_cookie_copied_before_sign_out_is_refused_after_it(app, make_user, auth,
                                                                       client):
    make_user("amy@example.org")
    auth.login("amy@example.org", remember=True)
    before = app.test_client()
    copy_cookie(client, before, "remember_token")
    assert signed_in(before)  # a remember cookie alone signs in, until...
    auth.logout()
    after = app.test_client()
    copy_cookie(client if client.get_cookie("remember_token", domain=DOMAIN) else before,
                after, "remember_token")
    assert not signed_in(after)
    assert not signed_in(before)


def test_sign_out_everywhere_else_ends_the_other_clients_session(app, db, make_user, auth,
                                                                  client):
    make_user("amy@example.org")
    laptop = AuthActions(app.test_client())
    laptop.login("amy@example.org", remember=True)
    auth.login("amy@example.org")
    page = client.get("/profile").get_data(as_text=True)
    assert page.count("<strong>This device</strong>") == 1
    assert "Sign out everywhere else" in page
    response = auth.post("/profile/sessions/end-others")
    assert response.status_code == 302
    assert not signed_in(laptop.client)
    assert signed_in(client)
    assert "Sign out everywhere else" not in client.get("/profile").get_data(as_text=True)


def test_one_other_session_is_signed_out_from_the_list(app, db, make_user, auth, client):
    make_user("amy@example.org")
    phone = AuthActions(app.test_client())
    phone.client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    phone.login("amy@example.org")
    auth.login("amy@example.org")
    page = client.get("/profile").get_data(as_text=True)
    assert "Firefox on Linux" in page
    ids = [int(n) for n in re.findall(r"/profile/sessions/(\d+)/end", page)]
    assert len(ids) == 1
    assert auth.post(f"/profile/sessions/{ids[0]}/end").status_code == 302
    assert not signed_in(phone.client)
    assert signed_in(client)
    again = auth.post(f"/profile/sessions/{ids[0]}/end")
    assert again.status_code == 400
    assert "already ended" in again.get_data(as_text=True)


def test_another_persons_session_cannot_be_ended(app, db, make_user, auth):
    make_user("amy@example.org")
    make_user("bob@example.org")
    bob = AuthActions(app.test_client())
    bob.login("bob@example.org")
    bob_session = db.session.execute(select(UserSession.id)).scalar_one()
    auth.login("amy@example.org")
    assert auth.post(f"/profile/sessions/{bob_session}/end").status_code == 400
    assert signed_in(bob.client)


def test_remember_me_is_bounded_on_the_cookie_and_on_the_server(app, db, make_user, auth,
                                                                 client):
    make_user("amy@example.org")
    response = auth.login("amy@example.org", remember=True)
    header = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    lifetime = expires - utcnow()
    assert lifetime <= timedelta(days=app.config["REMEMBER_DAYS"]) <= timedelta(days=31)
    row = db.session.execute(select(UserSession)).scalar_one()
    assert row.remember
    assert row.expires_at - row.created_at == timedelta(days=app.config["REMEMBER_DAYS"])
    # Past its lifetime the server ends it, even if the browser kept the cookie longer.
    keeper = app.test_client()
    copy_cookie(client, keeper, "remember_token")
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not signed_in(keeper)
    assert not signed_in(client)


def test_a_session_without_remember_me_ends_after_its_hours(app, db, make_user, auth, client):
    make_user("amy@example.org")
    auth.login("amy@example.org")
    row = db.session.execute(select(UserSession)).scalar_one()
    assert not row.remember
    assert row.expires_at - row.created_at == timedelta(hours=app.config["SESSION_MAX_HOURS"])


def test_only_a_hash_of_the_session_secret_is_stored(app, db, make_user, auth, client):
    make_user("amy@example.org")
    auth.login("amy@example.org", remember=True)
    row = db.session.execute(select(UserSession)).scalar_one()
    remember = client.get_cookie("remember_token", domain=DOMAIN).value
    secret = remember.split("|")[0].split(":", 1)[1]
    assert len(secret) >= 40
    assert secret not in row.secret_hash


def test_device_descriptions():
    assert describe_device(FIREFOX) == "Firefox on Linux"
    assert describe_device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                           "AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
                           ) == "Safari on iPhone"
    assert describe_device("") == "Unknown browser"


def test_last_seen_is_recorded_after_the_request(app, db, make_user, auth, client):
    make_user("amy@example.org")
    auth.login("amy@example.org")
    row = db.session.execute(select(UserSession)).scalar_one()
    long_ago = utcnow() - timedelta(hours=3)
    row.last_seen_at = long_ago
    db.session.commit()
    assert "kept signed in" not in client.get("/profile").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).last_seen_at > long_ago + timedelta(hours=2)
