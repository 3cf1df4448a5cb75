"""Issue 10, in Chromium: a researcher filters the tracker, opens "Download", chooses XLSX and
downloads exactly the filtered recommendations; the file opens in openpyxl with its header
frozen and typed cells. The open control fits a phone's width and passes axe.

The pages hold the demo coalition (`coalition demo`): China's 2018 review, 346
recommendations."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from tests.browser import require_playwright
from tests.browser.test_layout_and_a11y import PHONE, axe_violations, overflow

expect = require_playwright()

pytestmark = pytest.mark.browser

HONG_KONG = {"28.14", "28.205", "28.343", "28.344", "28.345", "28.346"}


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()


def test_download_the_filtered_tracker_as_xlsx(browser: Any, live_server: str, watch: Any,
                                               tmp_path: Path, screenshot: Any) -> None:
    assert seed_demo()
    db.session.commit()
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800},
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    page = watch.attach(context.new_page())
    sign_in(page, "coordinator@example.org")
    page.goto("/tracker?q=Hong+Kong")
    expect(page.locator("section.results > p").first).to_have_text(re.compile(r"^6 recomm"))

    page.locator("details.export-menu > summary").click()
    page.get_by_label("Format").select_option("xlsx")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download recommendations").click()
    download = info.value
    assert re.fullmatch(r"recommendations-\d{4}-\d\d-\d\d\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True))
            for r in sheet.iter_rows(min_row=2)]
    assert {r["paragraph"] for r in rows} == HONG_KONG
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert all(isinstance(r["cycle"], int) and isinstance(r["updated_at"], datetime)
               for r in rows)
    screenshot(page, "export-download-desktop")

    # The long layout through the same control: one row per recommending State.
    page.get_by_label("One row per recommending State").check()
    page.get_by_label("Format").select_option("jsonl")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download recommendations").click()
    assert info.value.suggested_filename.startswith("recommendations-long-")
    lines = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) > len(rows)

    # On a phone the open control fits and passes axe.
    page.set_viewport_size(PHONE)
    page.goto("/tracker?q=Hong+Kong")
    page.locator("details.export-menu > summary").click()
    expect(page.get_by_role("button", name="Download recommendations")).to_be_visible()
    assert overflow(page) is None
    assert axe_violations(page) == []
    screenshot(page, "export-download-phone")
    assert watch.problems == []
    context.close()
