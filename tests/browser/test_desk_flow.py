"""The desk and the bell in Chromium (issue 11, items 5 and 6): an editor of an organisation
with an overdue action signs in on a phone (375 px), sees the bell's unread count and the
overdue action marked on the desk, opens the notifications, marks them read (the count goes),
and the pages fit the window and pass axe-core; the desk in 繁體中文 too."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from coalition.core.time import utcnow
from coalition.extensions import db
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import axe_violations, overflow
from tests.conftest import PASSWORD
from tests.test_notifications import make_action, make_plan

expect = require_playwright()

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def seeded(app: Any, make_org: Any, make_user: Any) -> Any:
    from coalition.notifications.events import send_reminders

    org = make_org("Justice Centre Hong Kong", short_name="JCHK")
    editor = make_user("editor@example.org", org, "editor", name="Eda Editor")
    plan = make_plan(org, due_on=utcnow().date() + timedelta(days=10))
    make_action(plan, org, utcnow().date() - timedelta(days=3),
                title="Brief the Legislative Council panel")
    make_action(plan, org, utcnow().date() + timedelta(days=5), title="Submit to the UN")
    with app.test_request_context():
        send_reminders(utcnow().date())
    db.session.commit()
    editor_id = editor.id
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)
    return editor_id


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def check(page: Any, what: str) -> None:
    assert overflow(page) is None, f"{what}: {overflow(page)}"
    assert axe_violations(page) == [], what


def test_bell_notifications_and_desk_on_a_phone(browser, live_server, seeded, screenshot):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, "editor@example.org")
        expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()
        bell = page.get_by_role("link", name=re.compile(r"Notifications"))
        expect(bell).to_contain_text("2 unread")  # visible without opening the menu
        overdue = page.locator("#desk-overdue").locator("xpath=..")
        expect(overdue).to_contain_text("Brief the Legislative Council panel")
        expect(overdue.locator(".overdue-mark")).to_have_text("Overdue")
        expect(page.locator("#desk-due").locator("xpath=..")).to_contain_text("Submit to the UN")
        screenshot(page, "desk-phone")
        check(page, "desk at 375 px")

        bell.click()
        expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
        expect(page.locator("ol.notifications > li")).to_have_count(2)
        check(page, "notifications at 375 px")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.get_by_role("link", name=re.compile(r"Notifications"))).to_contain_text(
            "none unread")
        page.get_by_role("link", name=re.compile("Brief the Legislative Council panel")).click()
        # The reminder opens the action itself, on its plan's page.
        expect(page).to_have_url(re.compile(r"/followup/plans/\d+#action-\d+$"))
        expect(page.locator("article.advocacy-action.is-overdue")).to_contain_text(
            "Brief the Legislative Council panel")

        page.goto("/notifications/settings")
        page.get_by_label("E-mail digest").select_option("weekly")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Notification settings saved.")).to_be_visible()
        check(page, "settings at 375 px")
    finally:
        context.close()


def test_the_desk_in_traditional_chinese(browser, live_server, seeded, screenshot):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="zh-HK")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        from coalition.accounts.models import User
        from coalition.accounts.services import update_profile

        editor = db.session.get(User, seeded)
        update_profile(editor, editor.display_name, "zh_Hant")
        db.session.commit()
        db.session.remove()
        page.goto("/login")
        page.locator("input[name=email]").fill("editor@example.org")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main button[type=submit]").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        expect(page.locator("#desk-overdue")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Eda Editor")
        screenshot(page, "desk-phone-zh")
        check(page, "desk in zh-Hant at 375 px")
    finally:
        context.close()
