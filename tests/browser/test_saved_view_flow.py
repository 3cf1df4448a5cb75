"""Saved tracker views in Chromium (issue 10), on a phone (375 px) and a desktop: an editor
filters the tracker, saves the view shared with the organisation, clears the filters and
applies the view from the "Saved views" list; a colleague of the same organisation finds it
there too and applies it; the manage page renames it. Nothing is wider than the window and
axe-core finds no serious violation on the pages with the panel open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from coalition.demo.services import DEMO_PASSWORD
from coalition.extensions import db
from coalition.recommendations.models import SavedView
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import SIZES, axe_violations, overflow, seeded_pages

expect = require_playwright()

pytestmark = pytest.mark.browser


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()


def fits_and_passes_axe(page: Any, where: str) -> None:
    assert overflow(page) is None, f"{where}: {overflow(page)}"
    assert axe_violations(page) == [], where


def total(page: Any) -> Any:
    return page.locator("section.results > p").first


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_save_a_view_share_it_and_apply_it(size, browser, live_server, watch, screenshot):
    seeded_pages()
    context = browser.new_context(base_url=live_server, viewport=SIZES[size], locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = watch.attach(context.new_page())
        sign_in(page, "editor@example.org")
        page.goto("/tracker")
        page.get_by_label("Search the recommendations' text").fill("Hong Kong")
        page.get_by_label("Search the recommendations' text").press("Enter")
        expect(total(page)).to_have_text("6 recommendations")

        page.locator("summary", has_text="Save this view").click()
        form = page.locator("#save-view-form")
        form.get_by_label("Name of the view").fill("Hong Kong, all six")
        form.get_by_label("Share with").select_option(label="Hong Kong Unison")
        fits_and_passes_axe(page, f"tracker with the save form open at {size}")
        screenshot(page, f"saved-view-{size}-01-save-form")
        form.get_by_role("button", name="Save view").click()
        expect(page.get_by_text("The view “Hong Kong, all six” is saved.")).to_be_visible()

        page.get_by_role("link", name="Clear all filters").click()
        expect(total(page)).not_to_have_text("6 recommendations")
        page.locator("summary", has_text=re.compile(r"^Saved views \(1\)$")).click()
        saved = page.locator(".saved-views-list").get_by_role("link", name="Hong Kong, all six")
        expect(saved).to_be_visible()
        expect(page.locator(".saved-views-list")).to_contain_text(
            "shared with Hong Kong Unison")
        fits_and_passes_axe(page, f"tracker with the saved views open at {size}")
        saved.click()
        expect(total(page)).to_have_text("6 recommendations")
        page.locator("summary", has_text=re.compile(r"^Saved views \(1\)$")).click()
        expect(saved).to_have_attribute("aria-current", "page")
        screenshot(page, f"saved-view-{size}-02-applied")
        expect(page.get_by_label("Search the recommendations' text")).to_have_value(
            "Hong Kong")

        # Renamed on the manage page.
        page.goto("/tracker/views")
        view_id = db.session.scalars(select(SavedView.id).where(
            SavedView.name == "Hong Kong, all six")).one()
        db.session.remove()
        item = page.locator(f"#view-{view_id}")
        item.get_by_label("Name of the view").fill("Hong Kong (six)")
        item.get_by_role("button", name="Save changes").click()
        expect(page.get_by_text("The view “Hong Kong (six)” is saved.")).to_be_visible()
        fits_and_passes_axe(page, f"saved views page at {size}")
        screenshot(page, f"saved-view-{size}-03-manage")

        # A colleague in the same organisation finds it and applies it.
        colleague = watch.attach(browser.new_context(
            base_url=live_server, viewport=SIZES[size], locale="en-US").new_page())
        sign_in(colleague, "viewer@example.org")
        colleague.goto("/tracker")
        colleague.locator("summary", has_text=re.compile(r"^Saved views \(1\)$")).click()
        expect(colleague.locator(".saved-views-list")).to_contain_text(
            "shared with Hong Kong Unison by Eddie Editor (Hong Kong Unison)")
        colleague.get_by_role("link", name="Hong Kong (six)").click()
        expect(total(colleague)).to_have_text("6 recommendations")
        colleague.context.close()
        assert watch.problems == []
    finally:
        context.close()
