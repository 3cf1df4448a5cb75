"""Text typed after an hour in the statement editor is not lost (issue 7 item 5), in Chromium.

The page's clock is Playwright's (autosave every 30 s, token refresh), the server's token clock
is moved past the token's hour. Then: the autosave fails and says so plainly (not the old
"Draft kept at"), the text stays in the editor and in the browser's copy, the copy is offered
back after a reload, the next autosave (with a fresh token) keeps it, and a Save made when the
token is stale fetches a fresh one first and saves."""

from __future__ import annotations

from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from coalition.extensions import db
from coalition.statements import services
from coalition.statements.models import Draft, Statement
from tests.browser import require_playwright
from tests.browser.test_statement_flow import sign_in

expect = require_playwright()

pytestmark = pytest.mark.browser

TEXT = "We welcome the adoption of the outcome.\n\nWe urge the Government to act.\n"
LATE = "\n\nA paragraph typed after an hour, which must not be lost."
LATER = "\n\nAnd one more, saved with a fresh token."


def run_clock_until(page: Any, locator: Any, text: str, steps: int = 60) -> None:
    """Advance the page's fake clock a second at a time until `locator` shows `text`. The page
    schedules its next steps (a retry, the message) with timers when a response arrives; on a
    loaded machine the response comes after a single run_for() has returned, and those timers
    would then wait for a clock that no longer moves (CI saw the message never appear)."""
    for _ in range(steps):
        if text in (locator.text_content() or ""):
            break
        page.wait_for_timeout(100)
        page.clock.run_for(1_000)
    expect(locator).to_contain_text(text)


def test_an_hour_in_the_editor_loses_nothing(new_page: Any, world: Any, screenshot: Any,
                                             watch: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    statement = services.create_statement(world.users["editor"], world.org, "Joint statement",
                                          "", "oral", "en", [], TEXT)
    db.session.commit()
    sid = statement.id
    real = TimestampSigner.get_timestamp

    def server_clock(seconds: int) -> None:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + seconds)

    page = new_page()
    page.clock.install()
    sign_in(page, "editor@example.org", f"/statements/{sid}/edit")
    box = page.get_by_label("Text (Markdown)")
    status = page.locator("#autosave-status")

    # An hour passes on the server: the page's token has expired. The user types on.
    server_clock(3700)
    # The heartbeat's refusal starts a token refresh; hold it back (as a flaky network would)
    # so that the autosave below goes with the expired token whatever the timing.
    page.route("**/csrf-token", lambda route: route.abort())
    box.fill(box.input_value() + LATE)
    page.clock.run_for(31_000)
    run_clock_until(page, status, "NOT kept on the server")
    expect(status).to_have_attribute("role", "alert")
    expect(status).not_to_contain_text("Draft kept at")
    assert LATE.strip() in box.input_value()  # still in the editor
    screenshot(page, "kept-text-autosave-failed")
    db.session.rollback()
    assert db.session.scalar(select(Draft.text).where(
        Draft.document_id == Statement.document_id, Statement.id == sid)) is None

    # The tab is reloaded before anything reached the server: the browser's copy is offered.
    page.unroute("**/csrf-token")
    page.reload()
    offer = page.locator("#local-copy")
    expect(offer).to_be_visible()
    assert LATE.strip() not in box.input_value()
    screenshot(page, "kept-text-local-copy-offered")
    offer.get_by_role("button", name="Put it back in the editor").click()
    expect(offer).to_be_hidden()
    assert LATE.strip() in box.input_value()

    # Recovery: the next autosave goes with a valid token and keeps the text as the draft.
    page.clock.run_for(31_000)
    run_clock_until(page, status, "Draft kept at")
    expect(status).to_have_attribute("role", "status")
    db.session.rollback()
    kept = db.session.scalar(select(Draft.text).where(
        Draft.document_id == Statement.document_id, Statement.id == sid))
    assert kept is not None and LATE.strip() in kept

    # Another hour: the page refreshes its token on its own (half-life check), so Save works.
    server_clock(3700 * 2)
    box.fill(box.input_value() + LATER)
    page.clock.run_for(31 * 60 * 1000)
    page.get_by_label("What did you change?").fill("late paragraphs")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved as revision 2.")).to_be_visible()
    screenshot(page, "kept-text-saved")
    db.session.rollback()
    head = services.head(db.session.get(Statement, sid)).text
    assert LATE.strip() in head and LATER.strip() in head
    # The HTTP 400 of the first autosave is a fetch, not a document: the watch sees no error.
    assert not [p for p in watch.problems if "console error" not in p], watch.problems
