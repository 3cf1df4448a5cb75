"""The mid-term assessment in a browser (issue 11, item 7), on the demo's first start: the
steering member opens China's review on a phone (375 px), previews the assessment, opens it as
a joint-statement draft from the review page and lands on the statement; then once in 繁體中文,
where the draft's headings are Chinese and the UN's words stay as they are. Every page fits the
window and passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import axe_violations, overflow

expect = require_playwright()

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
REVIEW = "/reviews/chn-3"


def check(page: Any, screenshot: Any, name: str, problems: list[str]) -> None:
    screenshot(page, f"midterm-{name}")
    wide = overflow(page)
    if wide:
        problems.append(f"{name}: {wide}")
    problems += [f"{name}: axe {line}" for line in axe_violations(page)]


def test_steering_member_drafts_the_mid_term_assessment(browser, live_server, watch,
                                                        screenshot):
    assert seed_demo()
    db.session.commit()
    db.session.remove()  # the test holds no transaction while the server writes (SQLite)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(15_000)
    problems: list[str] = []
    try:
        page = watch.attach(context.new_page())
        page.goto(REVIEW)  # signed out: to the sign-in page, and back
        page.get_by_label("Email").fill("steering@example.org")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(re.escape(REVIEW) + "$"))

        panel = page.locator("section.midterm-panel")
        expect(panel.get_by_role("heading", name="Mid-term assessment")).to_be_visible()
        expect(panel).to_contain_text("6 recommendations of this review are tracked.")
        expect(panel.get_by_label("Drafted by")).to_have_value(re.compile(r"\d+"))
        check(page, screenshot, "phone-review", problems)

        panel.get_by_role("link", name="Preview the mid-term assessment").click()
        expect(page.get_by_role("heading", name="Mid-term assessment", level=1)).to_be_visible()
        preview = page.locator("article.statement-text")
        expect(preview.get_by_role("heading", name="Recommendation 28.344")).to_be_visible()
        expect(preview).to_contain_text("No coalition position adopted yet.")
        check(page, screenshot, "phone-preview", problems)

        page.goto(REVIEW)
        page.get_by_role("button", name="Open as a joint statement draft").click()
        expect(page).to_have_url(re.compile(r"/statements/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Mid-term assessment: China, cycle 3")
        text = page.locator("article.statement-text")
        expect(text.get_by_role("heading", name="E31 Right to work")).to_be_visible()
        expect(text).to_contain_text("Mission for Migrant Workers")
        expect(page.get_by_role("button", name="Edit text")).to_be_visible()
        check(page, screenshot, "phone-statement", problems)
        statement_url = page.url

        # Drafted once: the review page now links to the draft instead of the button.
        page.goto(REVIEW)
        panel = page.locator("section.midterm-panel")
        expect(panel).to_contain_text("already drafted as a joint statement, led by")
        expect(panel.get_by_role("button", name="Open as a joint statement draft")).to_have_count(0)
        check(page, screenshot, "phone-review-drafted", problems)
        panel.get_by_role("link", name="Open the mid-term assessment draft").click()
        expect(page).to_have_url(statement_url)

        # Withdrawn, a fresh draft may be opened: once in Chinese.
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Withdraw statement").click()
        expect(page.locator(".flashes")).to_be_visible()

        # Once in Chinese: the language switch, then the same button.
        page.goto(REVIEW)
        page.locator("footer").get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        expect(page.locator("section.midterm-panel").get_by_role(
            "heading", name="中期評估")).to_be_visible()
        check(page, screenshot, "phone-review-zh", problems)
        page.locator("section.midterm-panel").locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/statements/\d+$"))
        text = page.locator("article.statement-text")
        expect(text).to_contain_text("工作組第 31 屆會議")  # the review line, in Chinese
        expect(text).to_contain_text("Enhance monitoring of the implementation of the "
                                     "Standard Employment Contract")  # the UN's words
        check(page, screenshot, "phone-statement-zh", problems)
    finally:
        context.close()
    assert problems == []
    assert watch.problems == []
