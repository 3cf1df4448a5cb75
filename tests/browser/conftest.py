"""Fixtures for browser tests: Debian's Chromium through Playwright, and the real app served by
Werkzeug in a background thread on the suite's test database (SQLite or PostgreSQL).

Chromium or Playwright missing: the tests are skipped, or fail when REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Screenshots are test artefacts (CI keeps them): test-artifacts/screenshots/ at the top of the
# repository (git-ignored), or the directory named by COALITION_SCREENSHOTS.
SCREENSHOTS = Path(os.environ.get("COALITION_SCREENSHOTS")
                   or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots")


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def app(app: Flask) -> Flask:
    """The suite's app (same database, cleaned after each test), answering on whatever host it
    is served from: no SERVER_NAME. TESTING=True keeps the session cookie non-Secure, so it
    works over plain http."""
    app.config["SERVER_NAME"] = None
    assert not app.config["SESSION_COOKIE_SECURE"]
    return app


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a free local port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def screenshot() -> Any:
    """`screenshot(page, name)` saves a full-page PNG into SCREENSHOTS."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class PageWatch:
    """Collects console errors, uncaught page errors, and HTML responses without a CSP."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.documents: list[str] = []

    def attach(self, page: Any) -> Any:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        return page

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        self.problems.append(f"console error on {url}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.request.resource_type != "document":
            return
        self.documents.append(response.url)
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} on {response.url}")
        csp = response.headers.get("content-security-policy")
        if not csp or "default-src 'self'" not in csp:
            self.problems.append(f"no Content-Security-Policy on {response.url}: {csp!r}")


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def new_page(browser: Any, live_server: str, watch: PageWatch) -> Iterator[Any]:
    """`new_page()` opens a page in a fresh browser context (its own cookies), watched."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280,
                                                                       "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return watch.attach(context.new_page())

    yield make
    for context in contexts:
        context.close()

