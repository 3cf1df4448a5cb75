"""A steering-committee member uploads a UPR Info file with two problem rows, in Chromium: the
preview lists the problem rows and, paged, the rows it would create; the member chooses to
import the good rows and skip the others (confirming a dialog that names both numbers); the
import's page and the imports page show the choice, the file's hash and the counts. Each page is
checked at a phone's width (375 px) and a desktop's (1280 px): nothing wider than the screen.

The preview and the import run inside the request here (the test app's queue is immediate);
test_tracker_flow exercises the background worker and the progress page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.recommendations import views
from coalition.recommendations.models import ImportJob, Recommendation
from tests.browser import require_playwright
from tests.conftest import PASSWORD

expect = require_playwright()

pytestmark = pytest.mark.browser

CSV_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
STATES = ["Norway", "Italy", "Canada", "Ireland", "Chile", "France", "Brazil"]
WIDTHS = (375, 1280)
IMPORT_TIMEOUT = 60_000  # ms: the first import seeds the reference data, slow on a busy machine
# What sticks out past the viewport's right edge, to name it when a page is too wide.
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 10)
  .map(e => e.tagName + '#' + e.id + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def file_with_problems(tmp_path: Path) -> Path:
    """Seven good rows (lines 2-8) for Egypt's second review, and two problem rows (9, 10)."""
    lines = [CSV_HEADER]
    for n, state in enumerate(STATES, start=1):
        lines.append(f"Egypt,African Group,,Recommendation number {n} on the rights of "
                     f"detainees and their families,{state},WEOG,,Supported,5,Detention,20")
    lines.append("Egypt,African Group,,Ratify the CED,Atlantis,WEOG,,Supported,5,Treaties,20")
    lines.append("Egypt,African Group,,End torture,France,WEOG,,Maybe later,5,Torture,20")
    path = tmp_path / "egypt-upr2-export.csv"
    path.write_bytes("\r\n".join(lines).encode())
    return path


def fits(page: Any) -> None:
    """At each width, the page is no wider than the viewport (no sideways scrolling)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDE_ELEMENTS)
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px: {wide}"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_preview_shows_problems_and_rows_then_the_member_skips_them(
        make_org, make_user, db, live_server, new_page, watch, screenshot, tmp_path,
        monkeypatch):
    monkeypatch.setattr(views, "IMPORT_ROWS_PER_PAGE", 5)
    steering = make_org("Steering Organisation", short_name="STE", is_steering=True)
    make_user("steering@example.org", steering, "editor", name="Sam Steering")
    path = file_with_problems(tmp_path)

    page = new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("steering@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Sam Steering")).to_be_visible()
    page.goto("/imports/new")
    fits(page)
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible(
        timeout=IMPORT_TIMEOUT)
    expect(page.locator("#import-notices")).to_contain_text(
        "Review EGY cycle 2 will be created (Egypt).")
    expect(page.locator("#count-created")).to_have_text("7")
    expect(page.locator("#count-errors")).to_have_text("2")
    expect(page.locator("#import-refusal")).to_contain_text("this file imports nothing")
    expect(page.get_by_role("button", name="Confirm and import")).to_have_count(0)
    problems = page.locator("#rows-errors tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("9")
    expect(problems.nth(0)).to_contain_text("unknown recommending State 'Atlantis'")
    expect(problems.nth(1)).to_contain_text("unknown position 'Maybe later'")
    fits(page)
    screenshot(page, "imports-01-preview-problems")

    # The rows to create, five to a page; the next page keeps the filter.
    page.get_by_role("button", name="To create (7)").click()
    created = page.locator("#rows-created tbody tr")
    expect(created).to_have_count(5)
    expect(created.nth(0)).to_contain_text("Recommendation number 1")
    expect(created.nth(0)).to_contain_text("NOR")
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"outcome=created&page=2"))
    expect(created).to_have_count(2)
    expect(created.nth(1)).to_contain_text("Recommendation number 7")
    fits(page)
    screenshot(page, "imports-02-preview-created-page-2")
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 0
    db.session.rollback()

    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Import the 7 good rows and skip 2").click()
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible(
        timeout=IMPORT_TIMEOUT)
    assert dialogs == ["Import the 7 good rows and skip the 2 problem rows? The skipped rows "
                       "will not be in the tracker."]
    expect(page.locator("#import-choice")).to_contain_text(
        "skipped by choice: the 7 good recommendations were imported")
    expect(page.locator("#import-notices")).to_contain_text(
        "Review EGY cycle 2 was created (Egypt).")
    expect(page.get_by_role("button", name="Skipped rows (2)")).to_be_visible()
    expect(page.locator("#rows-errors tbody tr")).to_have_count(2)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    expect(page.locator("#import-sha256")).to_have_text(digest)
    fits(page)
    screenshot(page, "imports-03-done")
    assert db.session.execute(select(func.count(Recommendation.id))).scalar_one() == 7
    job = db.session.scalars(select(ImportJob)).one()
    assert (job.status, job.skip_errors) == ("done", True)
    db.session.rollback()

    page.get_by_role("link", name="All imports").click()
    expect(page.get_by_role("heading", name="Imports", level=1)).to_be_visible()
    row = page.locator("#imports tbody tr").first
    expect(row).to_contain_text("egypt-upr2-export.csv")
    expect(row).to_contain_text(digest)
    expect(row).to_contain_text("Sam Steering")
    expect(row).to_contain_text("UPR Info database export")
    expect(row).to_contain_text("2 skipped")
    expect(row).to_contain_text("Imported")
    expect(row.locator("td").nth(3)).to_have_text("7")
    fits(page)
    screenshot(page, "imports-04-list")
    row.get_by_role("link", name="egypt-upr2-export.csv").click()
    expect(page.get_by_role("heading", name="Import of egypt-upr2-export.csv")).to_be_visible()
    assert not watch.problems, "\n".join(watch.problems)
