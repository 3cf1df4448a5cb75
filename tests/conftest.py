"""Fixtures: the app on SQLite (always) or PostgreSQL (TEST_DATABASE_URL), a clean database for
every test, factories for organisations and users, and an `auth` helper that signs in through
the real form."""

from __future__ import annotations

import contextvars
import os
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from coalition import create_app
from coalition.core.database import rebuild_from_migrations
from coalition.extensions import db as _db

PASSWORD = "correct-horse-battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')


def database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.exit("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set", returncode=3)
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def reset_database(app: Flask) -> None:
    """Drop every table, then build the schema from the migrations, as production does."""
    rebuild_from_migrations(app)


def base_config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "coalition.test",
        **extra,
    }


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    The `app` fixture keeps an app context open for the test's own queries; without this, each
    request would reuse it, sharing `g` (Flask-Login's cached user) and the database session
    with the test and with earlier requests.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # A streamed body (an export) is read inside the request's own context too, as a
        # server reads it, before the context ends.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


class _OpenConnections:
    """The PostgreSQL connections opened during one test (psycopg.Connection.connect, watched
    by weak reference): one still open when the test is over belongs to an engine nobody
    disposed, and would warn when the garbage collector finds it, inside whatever test runs
    then (CI failed so once, in a test that had nothing to do with it)."""

    def __init__(self) -> None:
        self.made: list[weakref.ref[Any]] = []
        try:
            import psycopg
        except ImportError:  # SQLite only: nothing to watch
            return
        connect = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]
        made = self.made

        def watched(cls: Any, *args: Any, **kwargs: Any) -> Any:
            connection = connect(cls, *args, **kwargs)
            made.append(weakref.ref(connection))
            return connection

        psycopg.Connection.connect = classmethod(watched)  # type: ignore[assignment]
        # psycopg.connect is the same method, bound when psycopg was imported (the dialect
        # calls it).
        psycopg.connect = psycopg.Connection.connect  # type: ignore[assignment]

    def still_open(self) -> int:
        alive = [ref() for ref in self.made]
        self.made.clear()
        return sum(1 for c in alive if c is not None and not c.closed)


_OPEN_CONNECTIONS = _OpenConnections() if os.environ.get("TEST_DATABASE_URL") else None


@pytest.fixture(autouse=True)
def _no_connection_left_open() -> Iterator[None]:
    """Fail the test that leaves a PostgreSQL connection open (see _OpenConnections): torn down
    after every other fixture of the test, so the app's own engine is disposed by then."""
    if _OPEN_CONNECTIONS is None:
        yield
        return
    _OPEN_CONNECTIONS.made.clear()
    yield
    left = _OPEN_CONNECTIONS.still_open()
    assert not left, (f"{left} PostgreSQL connection(s) left open: dispose the engine of an "
                      "app the test made (tests.conftest.dispose_engine)")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def _schema(db_url: str) -> None:
    reset_database(create_app(base_config(db_url)))


@pytest.fixture
def app(db_url: str, _schema: None) -> Iterator[Flask]:
    app = create_app(base_config(db_url))
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        _db.session.remove()
        clear_tables()
        _db.engine.dispose()  # each test's app has its own engine; close its connections


def dispose_engine(app: Flask) -> None:
    """Close the connections of a second app's engine (a test that makes its own app): left to
    the garbage collector, an open PostgreSQL connection warns inside a later test, failing it."""
    with app.app_context():
        _db.engine.dispose()


def clear_tables() -> None:
    """Empty every table, so each test starts from a clean database."""
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign in and out through the real forms (flaskr's AuthActions)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        response = self.client.get(path, follow_redirects=True)
        return csrf_from(response.get_data(as_text=True))

    def login(self, email: str, password: str = PASSWORD, remember: bool = False) -> Any:
        token = self.csrf("/login")
        data = {"email": email, "password": password, "csrf_token": token}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data)

    def logout(self) -> Any:
        token = self.csrf("/profile")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST with a valid CSRF token of the signed-in session."""
        token = self.csrf("/profile") if self._signed_in() else self.csrf("/login")
        return self.client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)

    def _signed_in(self) -> bool:
        return self.client.get("/profile").status_code == 200


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Any]:
    from coalition.organisations.services import create_organisation

    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **values: Any) -> Any:
        n = next(counter)
        org = create_organisation(None, name=name or f"Organisation {n}", **values)
        _db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    from coalition.accounts.services import create_user
    from coalition.organisations.services import add_member

    counter = iter(range(1, 10_000))

    def make(email: str | None = None, org: Any = None, role: str = "viewer",
             coalition_role: str = "none", password: str = PASSWORD, active: bool = True,
             name: str | None = None) -> Any:
        n = next(counter)
        user = create_user(None, email or f"user{n}@example.org", name or f"User {n}",
                           password, coalition_role, active=active)
        if org is not None:
            add_member(None, org, user, role)
        _db.session.commit()
        return user

    return make


@dataclass
class World:
    """Two ordinary organisations, a steering one, and a person for every role."""

    org: Any
    other: Any
    steering_org: Any
    users: dict[str, Any]


ROLES = ["anonymous", "researcher", "viewer", "editor", "org_admin", "other_viewer",
         "other_editor", "other_admin", "steering", "coordinator", "no_org"]


@pytest.fixture
def world(make_org: Callable[..., Any], make_user: Callable[..., Any]) -> World:
    org = make_org("Owning Organisation", short_name="OWN")
    other = make_org("Other Organisation", short_name="OTH")
    steering_org = make_org("Steering Organisation", short_name="STE", is_steering=True)
    users = {
        "researcher": make_user("researcher@example.org", coalition_role="researcher"),
        "viewer": make_user("viewer@example.org", org, "viewer"),
        "editor": make_user("editor@example.org", org, "editor"),
        "org_admin": make_user("admin@example.org", org, "org_admin"),
        "other_viewer": make_user("oviewer@example.org", other, "viewer"),
        "other_editor": make_user("oeditor@example.org", other, "editor"),
        "other_admin": make_user("oadmin@example.org", other, "org_admin"),
        "steering": make_user("steering@example.org", steering_org, "editor"),
        "coordinator": make_user("coordinator@example.org", coalition_role="coordinator"),
        "no_org": make_user("loner@example.org"),
    }
    return World(org, other, steering_org, users)
