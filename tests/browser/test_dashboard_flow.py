"""The coalition position and the dashboard in Chromium (issue 11, items 3 and 4), on a phone
(375 px) and a desktop: an editor's assessment of a Hong Kong recommendation is adopted by a
steering member as the coalition position; the recommendation page shows it with its history;
the dashboard (filtered on Hong Kong) counts it, and a click on its number opens the tracker
with exactly that row, where the coalition position stands next to the latest assessment. The
pages fit the window and axe-core finds no serious violation; the dashboard also in 繁體中文."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from coalition.demo.services import seed_demo
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import add_assessment
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import SIZES, sign_in
from tests.browser.test_saved_view_flow import fits_and_passes_axe

expect = require_playwright()

pytestmark = pytest.mark.browser


def seed() -> int:
    assert seed_demo()
    db.session.commit()
    rec = db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == "28.343")).one()
    unison = db.session.scalars(select(Organisation).where(
        Organisation.short_name == "Unison")).one()
    editor = next(m.user for m in unison.memberships if m.role == "editor")
    add_assessment(editor, rec, unison, "partially", date(2026, 6, 1), "Some **progress**.")
    db.session.commit()
    rec_id = rec.id
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)
    return rec_id


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_adopt_a_position_and_see_it_on_the_dashboard(size, browser, live_server, watch,
                                                      screenshot):
    rec_id = seed()
    context = browser.new_context(base_url=live_server, viewport=SIZES[size], locale="en-US")
    context.set_default_timeout(15_000)
    try:
        page = watch.attach(context.new_page())
        sign_in(page, "steering@example.org")
        page.goto(f"/recommendations/{rec_id}")
        page.get_by_text("Adopt the coalition position").click()
        source = page.locator("select#position-source")
        option = source.locator("option", has_text="Partially implemented, by ")
        source.select_option(value=option.first.get_attribute("value"))
        page.get_by_label("Reason (Markdown)").fill("The government's own figures agree.")
        fits_and_passes_axe(page, "recommendation page, form open")
        page.get_by_role("button", name="Save the coalition position").click()
        section = page.locator("section", has=page.locator("#coalition-position"))
        expect(section).to_contain_text("Partially implemented")
        expect(section).to_contain_text("from the assessment by")
        expect(section).to_contain_text("The government's own figures agree.")
        fits_and_passes_axe(page, "recommendation page with a position")
        screenshot(page, f"positions-{size}-recommendation")

        page.goto("/dashboard?territory=Hong+Kong")
        expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
        fits_and_passes_axe(page, "dashboard")
        screenshot(page, f"positions-{size}-dashboard")
        table = page.locator("#chart-position table")
        link = table.get_by_role("link", name=re.compile(r"— Partially implemented: \d+$"))
        expect(link.first).to_be_visible()
        counted = int(link.first.inner_text().replace(",", ""))
        link.first.click()
        expect(page).to_have_url(re.compile(r"/tracker\?.*overall=partially"))
        results = page.locator("section.results")
        expect(results.locator("article.recommendation")).to_have_count(counted)
        row = results.locator("article.recommendation", has_text="28.343")
        expect(row).to_contain_text("coalition position: Partially implemented")
        expect(row).to_contain_text("latest assessment: Partially implemented")
        fits_and_passes_axe(page, "tracker from the dashboard")

        # Keyboard: the bars are links in the tab order.
        page.goto("/dashboard?territory=Hong+Kong")
        bar_link = page.locator("#chart-position svg a").first
        bar_link.focus()
        assert page.evaluate("document.activeElement.closest('svg') !== null")

        # 繁體中文
        page.locator("footer").get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        page.goto("/dashboard?territory=Hong+Kong")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        fits_and_passes_axe(page, "dashboard in zh-Hant")
        screenshot(page, f"positions-{size}-dashboard-zh")
    finally:
        context.close()
    assert watch.problems == []
