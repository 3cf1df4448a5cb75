"""Issue 9, section 3, in Chromium: "Who wrote what" shows each organisation in its own colour
(two passages of two organisations have different underlines, the legend has colour marks), and
a passage selected in a statement's text is quoted in a comment with "Comment on this"."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.extensions import db
from coalition.statements import services
from tests.browser import require_playwright
from tests.conftest import PASSWORD

expect = require_playwright()

pytestmark = pytest.mark.browser

P1 = "The undersigned organisations welcome the adoption of the outcome."
P2 = "We remain deeply concerned about the independence of lawyers."


def sign_in(page: Any, email: str, path: str) -> None:
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")


@pytest.fixture
def two_authors(make_org: Any, make_user: Any) -> int:
    """A statement whose first paragraph is Harbour's and whose second is Island's."""
    lead = make_org("Harbour Rights Network", short_name="HRN")
    co = make_org("Island Legal Aid", short_name="ILA")
    ada = make_user("ada@example.org", lead, "editor", name="Ada Drafter")
    ben = make_user("ben@example.org", co, "editor", name="Ben Drafter")
    statement = services.create_statement(ada, lead, "Colours", "", "oral", "en", [co],
                                          f"{P1}\n")
    db.session.commit()
    services.save_text(ben, db.session.get(type(statement), statement.id), co, 1,
                       f"{P1}\n\n{P2}\n")
    db.session.commit()
    sid = statement.id
    db.session.remove()
    return sid


def test_who_wrote_what_shows_each_organisation_in_its_colour(two_authors: int, new_page: Any,
                                                              watch: Any,
                                                              screenshot: Any) -> None:
    page = new_page()
    sign_in(page, "ada@example.org", f"/statements/{two_authors}/blame")
    first = page.locator(".blame span", has_text="welcome the adoption")
    second = page.locator(".blame span", has_text="deeply concerned")
    colour = "(el) => getComputedStyle(el).borderBottomColor"
    text_colour = page.locator(".blame").evaluate("(el) => getComputedStyle(el).color")
    a, b = first.evaluate(colour), second.evaluate(colour)
    assert a != b, (a, b)
    assert text_colour not in (a, b)
    swatches = page.locator(".blame-legend .blame-swatch")
    expect(swatches).to_have_count(2)
    backgrounds = [swatches.nth(i).evaluate("(el) => getComputedStyle(el).backgroundColor")
                   for i in range(2)]
    assert "rgba(0, 0, 0, 0)" not in backgrounds and backgrounds[0] != backgrounds[1]
    assert {backgrounds[0], backgrounds[1]} == {a, b}
    screenshot(page, "who-wrote-what-colours")
    assert watch.problems == []


def test_comment_on_a_selected_passage(two_authors: int, new_page: Any, watch: Any) -> None:
    page = new_page()
    sign_in(page, "ben@example.org", f"/statements/{two_authors}")
    paragraph = page.locator(".statement-text p", has_text="deeply concerned")
    # Select "deeply concerned" in the text, as a mouse would.
    paragraph.evaluate("""(p) => {
        const node = p.firstChild, start = node.textContent.indexOf("deeply concerned");
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, start + "deeply concerned".length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
    }""")
    button = page.get_by_role("button", name="Comment on this")
    expect(button).to_be_visible()
    button.click()
    expect(page.get_by_label("Passage you comment on")).to_have_value("deeply concerned")
    body = page.locator("#add-comment textarea[name=body]")
    expect(body).to_be_focused()
    body.fill("Say 'gravely' instead?")
    page.locator("#add-comment").get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_text("Comment added.")).to_be_visible()
    expect(page.locator("#comments blockquote")).to_have_text("deeply concerned")
    assert watch.problems == []


def test_new_statement_never_offers_the_lead_as_co_drafter(make_org: Any, make_user: Any,
                                                           new_page: Any, watch: Any) -> None:
    from coalition.organisations.services import add_member

    harbour = make_org("Harbour Rights Network", short_name="HRN")
    island = make_org("Island Legal Aid", short_name="ILA")
    make_org("Mountain Voices", short_name="MV")
    ada = make_user("ada@example.org", harbour, "editor", name="Ada Drafter")
    add_member(None, island, ada, "editor")  # Ada may lead for either
    db.session.commit()
    harbour_id = harbour.id
    db.session.remove()
    page = new_page()
    sign_in(page, "ada@example.org", "/statements/new")
    co = page.get_by_role("group", name="Co-drafting organisations")
    lead = page.get_by_label("Lead organisation")
    expect(lead).to_have_value(str(harbour_id))
    expect(co.get_by_label("Harbour Rights Network")).to_be_hidden()
    co.get_by_label("Island Legal Aid").check()
    lead.select_option(label="Island Legal Aid")
    expect(co.get_by_label("Island Legal Aid")).to_be_hidden()
    expect(co.get_by_label("Island Legal Aid")).not_to_be_checked()
    expect(co.get_by_label("Harbour Rights Network")).to_be_visible()
    expect(co.get_by_label("Mountain Voices")).to_be_visible()
    assert watch.problems == []
