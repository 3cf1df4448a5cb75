"""Follow-up in Chromium (issue 11), on a phone (375 px): a steering member ticks three Hong
Kong recommendations in the tracker and assigns them in bulk to Justice Centre Hong Kong (the
confirmation says three new plans); an editor of Justice Centre finds them in the plans list,
logs an action with an evidence file (a PDF) and sees it on the plan, marked overdue in words;
the plan page in 繁體中文. Nothing is wider than the window; axe-core finds no violation."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from coalition.followup.models import EvidenceFile, FollowUpPlan
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import SIZES, axe_violations, overflow

expect = require_playwright()

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("main").locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def fits_and_passes_axe(page: Any, where: str) -> None:
    assert overflow(page) is None, f"{where}: {overflow(page)}"
    assert axe_violations(page) == [], where


def test_bulk_assign_then_log_an_action_with_evidence(app, browser, live_server, watch,
                                                      screenshot, tmp_path):
    app.config["FILES_DIR"] = str(tmp_path / "files")
    assert seed_demo()
    db.session.commit()
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)

    context = browser.new_context(base_url=live_server, viewport=SIZES["phone"],
                                  locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = watch.attach(context.new_page())
        sign_in(page, "steering@example.org")
        page.goto("/tracker?q=Hong+Kong")
        boxes = page.locator("input[form=bulk-assign-form]")
        chosen = []
        for n in range(3):
            boxes.nth(n).check()
            chosen.append(int(boxes.nth(n).get_attribute("value")))
        fits_and_passes_axe(page, "tracker with the bulk controls")
        # The bulk controls fold away (on a phone the results come first).
        page.locator("details.bulk-assign > summary").click()
        page.get_by_role("button", name="Assign the ticked rows…").click()
        expect(page.get_by_text("3 selected recommendations.")).to_be_visible()
        page.get_by_label("Lead organisation").select_option(label="Justice Centre Hong Kong")
        page.get_by_label("Priority").select_option(label="High")
        page.get_by_role("button", name="Next: check what changes").click()
        expect(page.get_by_text("This changes 3 recommendations:")).to_be_visible()
        # The demo may already follow some of them up: new + reassigned + already led = 3.
        expect(page.locator(".bulk-summary li")).to_have_count(3)
        fits_and_passes_axe(page, "bulk confirmation")
        screenshot(page, "followup-phone-01-bulk-confirm")
        page.get_by_role("button", name="Confirm: assign 3 recommendations").click()
        expect(page.get_by_text(re.compile(r"plans created and \d+ reassigned to Justice "
                                           r"Centre Hong Kong"))).to_be_visible()
        context.clear_cookies()
        plan_id = db.session.scalars(select(FollowUpPlan.id).where(
            FollowUpPlan.recommendation_id == chosen[0])).one()
        db.session.remove()

        sign_in(page, "jchk-editor@example.org")  # the demo's Justice Centre editor
        page.goto("/followup/")
        expect(page.locator("table tbody tr").first).to_be_visible()
        fits_and_passes_axe(page, "plans list")
        page.goto(f"/followup/plans/{plan_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Follow-up of")
        page.locator("summary", has_text="Log an advocacy action").click()
        page.locator("#new-title").fill("Meeting with the Security Bureau")
        page.locator("#new-kind").select_option(label="Meeting with officials")
        page.locator("#new-due_on").fill((date.today() - timedelta(days=3)).isoformat())
        page.locator("#new-outcome").fill("The bureau **listened**.")
        page.locator("#new-file").set_input_files(
            {"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": PDF})
        fits_and_passes_axe(page, "plan with the action form open")
        page.get_by_role("button", name="Log the action").click()
        expect(page.get_by_text("The action is logged.")).to_be_visible()
        expect(page.get_by_role("link", name="minutes.pdf")).to_be_visible()
        ours = page.locator("article.advocacy-action", has_text="Security Bureau")
        expect(ours.get_by_text(re.compile(r"^Overdue: was due"))).to_be_visible()
        fits_and_passes_axe(page, "plan with an overdue action")
        screenshot(page, "followup-phone-02-plan")

        page.locator("footer").get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        expect(page.get_by_role("link", name="minutes.pdf")).to_be_visible()
        fits_and_passes_axe(page, "plan in zh-Hant")
        screenshot(page, "followup-phone-03-plan-zh")
    finally:
        context.close()
    plans = db.session.scalars(select(FollowUpPlan).where(
        FollowUpPlan.recommendation_id.in_(chosen))).all()
    assert len(plans) == 3 and {p.lead_organisation.short_name for p in plans} == {"JCHK"}
    assert "minutes.pdf" in db.session.scalars(select(EvidenceFile.filename)).all()
