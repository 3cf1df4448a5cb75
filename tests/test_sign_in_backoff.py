"""Kind: "who has an account can be told apart" and "a stranger can lock anyone out"
(issue 7, item 14). Sign-in slows down per email address and per client address instead of
locking the account; known and unknown addresses get the same answers; the owner gets in once
the short back-off has passed; forgot-password answers the same for every address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from coalition.accounts import services
from coalition.accounts.models import SignInThrottle
from tests.conftest import PASSWORD, AuthActions


def error_of(response) -> str:
    """The form's error text as a person reads it."""
    match = re.search(r'<div class="form-errors" role="alert">\s*(.*?)\s*</div>',
                      response.get_data(as_text=True), re.S)
    assert match, "no form error on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def rewind_throttle(db, seconds: float) -> None:
    """Time passes for the back-off: every recorded failure moves `seconds` into the past."""
    for row in db.session.execute(select(SignInThrottle)).scalars():
        row.last_failure_at -= timedelta(seconds=seconds)
    db.session.commit()


@pytest.fixture
def long_backoff(app):
    """A back-off that cannot run out while a slow (shared, loaded) test machine is still
    sending the next request: the tests move time themselves (rewind_throttle)."""
    app.config.update(LOGIN_BACKOFF_SECONDS=60, LOGIN_BACKOFF_MAX_SECONDS=900)
    return app


def test_known_and_unknown_addresses_get_the_same_answers_after_many_failures(
        app, long_backoff, make_user, auth):
    make_user("amy@example.org")
    known, unknown = [], []
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 3):
        for address, answers in (("amy@example.org", known), ("nobody@example.org", unknown)):
            response = auth.login(address, "wrong-password")
            # Digits aside (seconds left), the same status and the same words.
            answers.append((response.status_code, re.sub(r"\d+", "N", error_of(response))))
    assert known == unknown
    assert not any("locked" in text for _, text in known)
    assert known[0] == (400, "Email or password is incorrect.")
    assert known[-1][0] == 429 and "Wait N seconds" in known[-1][1]


def test_a_strangers_failures_do_not_lock_the_owner_out_beyond_the_back_off(
        app, long_backoff, db, make_user, client):
    make_user("amy@example.org")
    stranger = AuthActions(app.test_client())
    for _ in range(12):
        stranger.login("amy@example.org", "guessing-at-it")
    owner = AuthActions(client)
    refused = owner.login("amy@example.org", PASSWORD)
    assert refused.status_code == 429
    wait = int(re.search(r"Wait (\d+) second", error_of(refused)).group(1))
    assert 0 < wait <= app.config["LOGIN_BACKOFF_MAX_SECONDS"]
    rewind_throttle(db, app.config["LOGIN_BACKOFF_MAX_SECONDS"])
    assert owner.login("amy@example.org", PASSWORD).status_code == 302
    assert client.get("/profile").status_code == 200


def test_every_wrong_password_is_counted_and_the_owner_signing_in_clears_the_count(
        app, db, make_user, auth):
    make_user("amy@example.org")
    for _ in range(3):
        auth.login("AMY@example.org ", "wrong-password")  # any spelling of one address
    counts = sorted(db.session.execute(select(SignInThrottle.failures)).scalars())
    assert counts == [3, 3]  # the address, and the client address
    assert auth.login("amy@example.org").status_code == 302
    db.session.expire_all()
    assert sorted(db.session.execute(select(SignInThrottle.failures)).scalars()) == [3]


def test_many_addresses_from_one_network_are_slowed_down_but_other_networks_are_not(
        app, long_backoff, make_user, client):
    make_user("amy@example.org")
    auth = AuthActions(client)
    token = auth.csrf("/login")
    for n in range(app.config["LOGIN_IP_FREE_FAILURES"]):
        client.post("/login", data={"email": f"guess{n}@example.org", "password": "x",
                                    "csrf_token": token})
    refused = client.post("/login", data={"email": "amy@example.org", "password": PASSWORD,
                                          "csrf_token": token})
    assert refused.status_code == 429
    elsewhere = app.test_client()
    other_token = AuthActions(elsewhere).csrf("/login")
    allowed = elsewhere.post("/login", data={"email": "amy@example.org", "password": PASSWORD,
                                             "csrf_token": other_token},
                             environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert allowed.status_code == 302


def test_back_off_doubles_per_failure_and_is_capped(app):
    free = app.config["LOGIN_FREE_FAILURES"]
    base = app.config["LOGIN_BACKOFF_SECONDS"]
    assert services.backoff_seconds(free - 1, free) == 0
    assert services.backoff_seconds(free, free) == base
    assert services.backoff_seconds(free + 2, free) == base * 4
    assert services.backoff_seconds(free + 500, free) == app.config["LOGIN_BACKOFF_MAX_SECONDS"]


def test_failures_older_than_the_window_are_forgotten(app, db, make_user, auth):
    make_user("amy@example.org")
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 2):
        auth.login("amy@example.org", "wrong-password")
    rewind_throttle(db, app.config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60 + 1)
    assert auth.login("amy@example.org", "wrong-again").status_code == 400
    db.session.expire_all()
    assert set(db.session.execute(select(SignInThrottle.failures)).scalars()) == {1}


# --- forgot password: the same answer for every address ---------------------------------------

@pytest.fixture
def relay_down(app):
    """Mail is configured but the relay refuses connections."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", port, False
    return app


def test_forgot_password_answers_the_same_for_known_and_unknown_even_when_mail_fails(
        relay_down, make_user, client, caplog):
    make_user("amy@example.org")
    pages = []
    for address in ("amy@example.org", "nobody@example.org"):
        auth = AuthActions(relay_down.test_client())
        response = auth.post("/password/forgot", {"email": address})
        assert response.status_code == 302
        page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
        # Each browser has its own CSRF token; the rest of the page must be identical.
        pages.append((response.headers["Location"],
                      re.sub(r"[\w-]{20,}\.[\w-]+\.[\w-]+", "CSRF", page)))
    assert pages[0] == pages[1]
    assert "If an account uses that address" in pages[0][1]
    # The relay's failure is in the log for the administrator, not on the page.
    assert "Mail to amy@example.org failed" in caplog.text  # logged by the mail task
