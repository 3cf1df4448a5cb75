"""Nothing anyone writes is lost when a form is refused (issue 7 item 5), as one kind.

The CSRF token lives an hour (WTF_CSRF_TIME_LIMIT); the tests travel past it by moving the
token signer's clock. A refused Save brings the editor back with the typed text and a fresh
token; a refused autosave answers a 400 JSON saying so; any other refused form echoes the typed
text back (escaped, read-only, never a password) with a fresh form to send it again from this
site; and nothing is written on a request that failed its CSRF check."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from coalition.extensions import db
from coalition.statements import services
from coalition.statements.models import Comment, Draft, Revision, Statement
from tests.conftest import AuthActions, csrf_from
from tests.test_hostile_input import scene  # noqa: F401  (the fixture)

TEXT = "We welcome the adoption of the outcome.\n\nWe urge the Government to act.\n"
TYPED = ("We welcome the adoption of the outcome.\n\nWe urge the Government to act <at once> "
         "& \"without delay\".\n\nA paragraph written after an hour.\n")


@pytest.fixture
def statement_id(world: Any) -> int:
    statement = services.create_statement(world.users["editor"], world.org, "Joint statement",
                                          "", "oral", "en", [world.other], TEXT)
    db.session.commit()
    return statement.id


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`later(seconds)`: every token check from now on happens `seconds` later."""
    real = TimestampSigner.get_timestamp

    def travel(seconds: int) -> None:
        monkeypatch.setattr(TimestampSigner, "get_timestamp",
                            lambda self: real(self) + seconds)

    return travel


def member(app: Flask, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def revisions(statement_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Revision.id)).where(
        Revision.document_id == Statement.document_id, Statement.id == statement_id))


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return unescape(match.group(1)).lstrip("\r\n")


# --- the statement editor --------------------------------------------------------------------

def test_save_after_the_token_expired_shows_the_editor_with_the_typed_text(
        app: Flask, world: Any, statement_id: int, later: Any) -> None:
    """Expired form, statement editor: the text comes back in the editor, nothing is saved,
    and Save with the fresh token then works."""
    editor = member(app, "editor@example.org")
    page = editor.client.get(f"/statements/{statement_id}/edit").get_data(as_text=True)
    token = csrf_from(page)
    later(3700)
    data = {"csrf_token": token, "base_number": "1", "text": TYPED,
            "summary": "late edit", "organisation": str(world.org.id)}
    response = editor.client.post(f"/statements/{statement_id}/edit", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nothing was saved yet" in html
    assert textarea(html, "text").replace("\r\n", "\n") == TYPED
    assert "&lt;at once&gt;" in html  # escaped, not markup
    assert revisions(statement_id) == 1
    fresh = csrf_from(html)
    assert fresh != token
    response = editor.client.post(f"/statements/{statement_id}/edit",
                                  data={**data, "csrf_token": fresh})
    assert response.status_code == 302
    assert revisions(statement_id) == 2
    assert "A paragraph written after an hour." in services.head(_statement(statement_id)).text


def _statement(statement_id: int) -> Any:
    return db.session.get(Statement, statement_id)


def test_save_without_any_token_keeps_the_text_and_writes_nothing(
        app: Flask, world: Any, statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    response = editor.client.post(f"/statements/{statement_id}/edit",
                                  data={"base_number": "1", "text": TYPED,
                                        "organisation": str(world.org.id)})
    assert response.status_code == 400
    assert "A paragraph written after an hour." in response.get_data(as_text=True)
    assert revisions(statement_id) == 1


def test_an_expired_save_by_someone_who_may_not_edit_shows_only_their_own_text(
        app: Flask, world: Any, statement_id: int) -> None:
    """The editor (with the statement's text) is shown only to those who may edit it; anyone
    else gets their own words echoed back, not the statement."""
    outsider = member(app, "researcher@example.org")
    response = outsider.client.post(f"/statements/{statement_id}/edit",
                                     data={"base_number": "1", "text": "My own words."})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "My own words." in html
    assert "We urge the Government" not in html
    assert 'id="statement-editor"' not in html


def test_autosave_after_the_token_expired_is_a_400_json_saying_so(
        app: Flask, world: Any, statement_id: int, later: Any) -> None:
    editor = member(app, "editor@example.org")
    token = editor.csrf(f"/statements/{statement_id}/edit")
    later(3700)
    response = editor.client.post(f"/statements/{statement_id}/autosave",
                                  json={"base_number": 1, "text": TYPED},
                                  headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["reason"] == "csrf"
    assert "not saved" in payload["message"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_a_fresh_token_from_the_refresh_endpoint_saves_after_an_hour(
        app: Flask, world: Any, statement_id: int, later: Any) -> None:
    """What app.js does while the editor is open: fetch a fresh token, then autosave works."""
    editor = member(app, "editor@example.org")
    editor.csrf(f"/statements/{statement_id}/edit")
    later(3700)
    response = editor.client.get("/csrf-token", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    fresh = response.get_json()["csrf_token"]
    assert response.get_json()["max_age"] == 3600
    response = editor.client.post(f"/statements/{statement_id}/autosave",
                                  json={"base_number": 1, "text": TYPED},
                                  headers={"X-CSRFToken": fresh})
    assert response.status_code == 200
    # Signed out, there is no token to get.
    anonymous = app.test_client()
    assert anonymous.get("/csrf-token").status_code in (302, 401)


# --- any other form ---------------------------------------------------------------------------

def test_an_expired_comment_is_echoed_back_with_a_form_to_send_it_again(
        app: Flask, world: Any, statement_id: int, later: Any) -> None:
    editor = member(app, "editor@example.org")
    token = editor.csrf(f"/statements/{statement_id}")
    later(3700)
    body = "A long comment <script>alert(1)</script> I wrote for an hour."
    response = editor.client.post(f"/statements/{statement_id}/comments",
                                  data={"csrf_token": token, "body": body, "quote": ""},
                                  headers={"Origin": "http://coalition.test"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "A long comment &lt;script&gt;alert(1)&lt;/script&gt; I wrote for an hour." in html
    assert "readonly" in html and 'data-copy="kept-1"' in html
    db.session.rollback()
    assert db.session.scalar(select(func.count(Comment.id))) == 0  # nothing written
    # "Send again" carries the text and a fresh token, and works.
    fresh = csrf_from(html)
    assert fresh != token
    resend = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert unescape(resend["body"]) == body
    response = editor.client.post(f"/statements/{statement_id}/comments",
                                  data={k: unescape(v) for k, v in resend.items()})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Comment.body)) == body


def test_a_cross_site_post_is_echoed_but_never_offered_to_send_again(
        app: Flask, world: Any, statement_id: int) -> None:
    """A forged request from another site: its values are shown, but no one-click form that
    would carry them through with a valid token."""
    editor = member(app, "editor@example.org")
    response = editor.client.post(f"/statements/{statement_id}/comments",
                                  data={"body": "Forged comment"},
                                  headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Forged comment" in html
    assert "Send again" not in html


def test_passwords_are_never_echoed_back(app: Flask, world: Any) -> None:
    viewer = member(app, "viewer@example.org")
    response = viewer.client.post("/profile/password",
                                  data={"current_password": "my-old-secret-pw",
                                        "password": "new-secret-passw0rd",
                                        "confirm": "new-secret-passw0rd"},
                                  headers={"Origin": "http://coalition.test"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "secret" not in html


def test_a_too_large_request_says_the_text_is_still_in_the_browser(app: Flask,
                                                                   world: Any) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    viewer = member(app, "viewer@example.org")
    response = viewer.client.post("/profile", data={"display_name": "x" * 5000})
    assert response.status_code == 413
    assert "still in the form" in response.get_data(as_text=True)


# --- the kind, on every form of the site -------------------------------------------------------

def test_every_form_refused_by_csrf_keeps_the_typed_text_and_writes_nothing(
        app: Flask, world: Any, scene: dict[str, Any]) -> None:  # noqa: F811
    """Every POST route, its form sent without a token (as from a page open too long): a 400
    showing the words typed (escaped), or a 400 JSON for JSON endpoints; never a 5xx, never a
    write (the audit trail does not grow)."""
    from coalition.audit.models import AuditEvent
    from tests.test_hostile_input import build, form_fields, real_values

    db.session.rollback()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    coordinator = member(app, "coordinator@example.org")
    typed = "Words <typed> for an hour\x00."
    fields = {name: typed for name in form_fields()}
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint == "accounts.logout":
            continue
        path = build(rule, real_values(rule, scene))
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("api."):
            # API v1 takes no cookie and so needs no CSRF token: a browser's form is anonymous
            # there, refused with 401 JSON, and writes nothing (checked below).
            response = coordinator.client.post(path, data=fields)
            if response.status_code != 401:
                failures.append(f"{path}: {response.status_code}")
            continue
        if rule.endpoint == "notifications.unsubscribe":
            # RFC 8058's one-click unsubscribe: its signed token is the authority, not a CSRF
            # token, and it has no text to keep; a token that is not ours is a 400.
            response = coordinator.client.post(path, data=fields)
            if response.status_code != 400:
                failures.append(f"{path}: {response.status_code}")
            continue
        if getattr(view, "json_schema", None) is not None:
            response = coordinator.client.post(path, json={"text": typed},
                                               headers={"Accept": "application/json"})
            if response.status_code != 400 or response.get_json().get("reason") != "csrf":
                failures.append(f"{path}: {response.status_code}")
            continue
        response = coordinator.client.post(path, data=fields,
                                           headers={"Origin": "http://coalition.test"})
        html = response.get_data(as_text=True)
        if response.status_code != 400 or "Words &lt;typed&gt; for an hour." not in html:
            failures.append(f"{path}: {response.status_code}")
    assert not failures, failures
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


# --- a save that fails on the server ------------------------------------------------------------

@pytest.mark.parametrize(("failure", "code"), [
    (OperationalError("INSERT", {}, Exception("database is locked")), 503),
    (RuntimeError("unexpected"), 500),
])
def test_a_comment_that_fails_on_the_server_comes_back_with_its_text(
        app: Flask, world: Any, statement_id: int, monkeypatch: pytest.MonkeyPatch,
        failure: Exception, code: int) -> None:
    """Kind: a write that fails (SQLite busy behind a long import: 503; any bug: 500) dropped
    what the user typed. The error page now shows it, to copy or send again; nothing saved."""
    editor = member(app, "editor@example.org")
    token = editor.csrf(f"/statements/{statement_id}")

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise failure

    monkeypatch.setattr(services, "add_comment", fail)
    body = "Three paragraphs I wrote while the import was saving."
    response = editor.client.post(f"/statements/{statement_id}/comments",
                                  data={"csrf_token": token, "body": body, "quote": ""},
                                  headers={"Origin": "http://coalition.test"})
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert body in html and "nothing was saved" in html
    assert "Send again" in html and "Traceback" not in html
    db.session.rollback()
    assert db.session.scalar(select(func.count(Comment.id))) == 0
