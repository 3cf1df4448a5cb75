"""Issue 9, 3.17, in Chromium: on the tracker, choosing another sort or ticking a facet applies
it at once (app.js submits the form), with no button to press; the buttons stay for use
without JavaScript. And 3.6: the recommendation's page leads back to that same view.

The pages hold the demo coalition (`coalition demo`): China's 2018 review, 346
recommendations."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from coalition.recommendations.models import Recommendation
from tests.browser import require_playwright

expect = require_playwright()

pytestmark = pytest.mark.browser

def results(page: Any) -> list[str]:
    return page.locator("section.results article.recommendation header a strong").all_inner_texts()


def query_of(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_sort_and_facets_apply_on_change(new_page: Any, watch: Any, screenshot: Any) -> None:
    assert seed_demo()
    db.session.commit()
    position = dict(db.session.execute(select(Recommendation.paragraph,
                                              Recommendation.position)).all())
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)

    page = new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("coordinator@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()

    page.goto("/tracker?q=Tibet")
    expect(page.locator("section.results > p").first).to_have_text(re.compile(r"^\d+ recomm"))
    by_paragraph = results(page)
    total = len(by_paragraph)
    # Noted before supported, in paragraph order within each: the order sort=position gives.
    by_position = sorted(by_paragraph, key=lambda p: position[p])
    noted = [p for p in by_paragraph if position[p] == "noted"]
    assert by_position != by_paragraph and 0 < len(noted) < total
    expect(page.get_by_text("Results follow each change of the sort or of a filter.")
           ).to_be_visible()

    # Another sort: the page reloads in that order, no button pressed.
    with page.expect_navigation():
        page.get_by_label("Sort").select_option("position")
    assert query_of(page) == {"q": ["Tibet"], "sort": ["position"]}
    expect(page.get_by_label("Sort")).to_have_value("position")
    assert results(page) == by_position

    # Ticking a facet filters at once, keeping the search and the sort.
    facet = page.locator('.facets input[name="position"][value="noted"]')
    with page.expect_navigation():
        facet.check()
    assert query_of(page) == {"q": ["Tibet"], "sort": ["position"],
                              "position": ["noted"]}
    expect(page.locator("section.results > p").first).to_have_text(
        f"{len(noted)} recommendation" + ("s" if len(noted) != 1 else ""))
    assert sorted(results(page)) == sorted(noted)
    expect(page.locator('.facets input[name="position"][value="noted"]')).to_be_checked()
    screenshot(page, "tracker-applied-on-change")

    # The recommendation opened from there leads back to exactly this view.
    view = page.url
    page.locator("section.results article.recommendation header a").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Recommendation "), level=1)
           ).to_be_visible()
    page.get_by_role("link", name="← Back to your tracker search").click()
    assert query_of(page) == parse_qs(urlsplit(view).query)
    assert sorted(results(page)) == sorted(noted)

    # Unticking applies too: back to every result of the search.
    with page.expect_navigation():
        page.locator('.facets input[name="position"][value="noted"]').uncheck()
    expect(page.locator("section.results > p").first).to_have_text(f"{total} recommendations")
    assert watch.problems == []
