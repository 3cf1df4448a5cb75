"""The API's pages in Chromium (issue 10): making a personal token on a phone, in English and
Chinese (shown once, then listed, then revoked), with axe-core; and the browsable API
documentation (vendored Swagger UI) under the site's Content-Security-Policy."""

from __future__ import annotations

import re
from typing import Any

import pytest

from coalition.extensions import db
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import PHONE, axe_violations, overflow
from tests.conftest import PASSWORD

expect = require_playwright()

pytestmark = pytest.mark.browser


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()


def check(page: Any, name: str, screenshot: Any, problems: list[str]) -> None:
    screenshot(page, f"api-{name}")
    wide = overflow(page)
    if wide:
        problems.append(f"{name}: {wide}")
    problems += [f"{name}: axe {line}" for line in axe_violations(page)]


def test_make_see_once_and_revoke_a_token_on_a_phone(browser, live_server, watch, screenshot,
                                                     world):
    db.session.remove()
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    context.set_default_timeout(10_000)
    problems: list[str] = []
    try:
        page = watch.attach(context.new_page())
        sign_in(page, "editor@example.org")
        page.goto("/profile")
        page.get_by_role("link", name="API tokens").click()
        expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
        check(page, "tokens-empty", screenshot, problems)
        page.get_by_label("Token name").fill("Monthly report")
        page.get_by_label("Allows").select_option("write")
        page.get_by_label("Expires after").select_option("30")
        page.get_by_role("button", name="Make token").click()
        token = page.get_by_role("textbox", name="Token", exact=True).input_value()
        assert token.startswith("coal_")
        expect(page.get_by_text("it is shown only this once")).to_be_visible()
        check(page, "token-shown-once", screenshot, problems)
        # The token works from outside the browser; the list then shows its last use.
        answer = page.request.get("/api/v1/reviews",
                                  headers={"Authorization": f"Bearer {token}"})
        assert answer.status == 200 and answer.json() == {"items": [], "next": None}
        page.goto("/profile/api-tokens")
        assert token not in page.content()
        row = page.get_by_role("row", name=re.compile("Monthly report"))
        expect(row).to_contain_text("Read and write")
        expect(row).not_to_contain_text("never")
        # In Chinese, the same page.
        page.get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute("lang", re.compile("^zh"))
        check(page, "tokens-zh", screenshot, problems)
        page.get_by_role("button", name="English").click()
        row.get_by_role("button", name="Revoke").click()
        expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
        assert page.request.get("/api/v1/reviews", headers={
            "Authorization": f"Bearer {token}"}).status == 401
        check(page, "tokens-revoked", screenshot, problems)
        assert problems + watch.problems == [], "\n".join(problems + watch.problems)
    finally:
        context.close()


def test_the_api_documentation_renders_under_the_sites_csp(new_page, watch, screenshot):
    """The browsable documentation loads under the site's CSP with nothing from another site,
    and passes axe-core (Swagger UI's own colours failed contrast, and its deep links put a
    link inside each operation's button: a new user's walk, issue 10) on a desktop and a phone,
    in English and Chinese, with an operation and a schema opened."""
    problems: list[str] = []
    for language in ("en", "zh-HK"):
        page = new_page()
        page.context.set_extra_http_headers({"Accept-Language": language})
        response = page.goto("/api/v1/docs")
        assert response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.get_by_text("/api/v1/recommendations", exact=True).first).to_be_visible()
        expect(page.get_by_text("Coalition API").first).to_be_visible()
        for viewport, name in ((None, "desktop"), (PHONE, "phone")):
            if viewport:
                page.set_viewport_size(viewport)
            check(page, f"docs-{language}-{name}", screenshot, problems)
        page.locator(".opblock-summary-control").first.click()
        expect(page.locator(".opblock-body").first).to_be_visible()
        page.locator(".json-schema-2020-12-accordion").first.click()  # a schema (closed)
        check(page, f"docs-{language}-opened", screenshot, problems)
    assert problems == [], "\n".join(problems)
    # No CDN: every request the page made stayed on this site.
    assert watch.problems == [], "\n".join(watch.problems)
