"""Every main page, in Chromium, on a phone (375 x 812), a small tablet (800 x 1000) and a desktop
(1280 x 800): the page is never wider than the window (no sideways scrolling), a screenshot of
each is kept as a test artefact, and axe-core (vendored under coalition/static/vendor/axe-core/)
finds no serious or critical accessibility violation. Then one whole flow with the keyboard
alone: sign in, search the tracker, record an implementation assessment.

The pages hold the demo coalition (`coalition demo`): China's 2018 review with its 346
recommendations, assessments, a statement with three revisions and comments, a published one."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coalition.accounts.models import User
from coalition.demo.services import DEMO_PASSWORD, STATEMENT_V1, seed_demo
from coalition.extensions import db
from coalition.followup.models import FollowUpPlan
from coalition.organisations.models import Organisation
from coalition.recommendations import saved_views
from coalition.recommendations.models import Assessment, Recommendation
from coalition.recommendations.services import add_assessment
from coalition.reviews.models import Review
from coalition.statements import services as statements
from coalition.statements.models import Statement
from tests.browser import require_playwright

expect = require_playwright()

pytestmark = pytest.mark.browser

AXE = (Path(__file__).resolve().parents[2] / "coalition" / "static" / "vendor" / "axe-core"
       / "axe.min.js")
PHONE = {"width": 375, "height": 812}
TABLET = {"width": 800, "height": 1000}  # between the phone and desktop layouts
DESKTOP = {"width": 1280, "height": 800}
SIZES = {"phone": PHONE, "tablet": TABLET, "desktop": DESKTOP}
COORDINATOR = "coordinator@example.org"
LONG_URL = ("https://www.legco.gov.hk/research-publications/english/essentials-2021ise01-"
            "implementation-of-the-universal-periodic-review-recommendations-in-hong-kong"
            "/_layouts/15/download.aspx?SourceUrl=%2Fsites%2Fdocs%2Freport_final_v3.pdf")
LONG_ID = "HKUPR-2021-MIDTERM-ASSESSMENT-" + "0123456789ABCDEF" * 4


def seeded_pages() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The demo coalition in the database; returns (name, path) of the pages to visit signed
    out, and of those to visit signed in as the coordinator (who may see every page)."""
    assert seed_demo()
    db.session.commit()
    rec = db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == "28.343")).one()
    review = db.session.scalars(select(Review)).one()
    draft = db.session.scalars(select(Statement).where(Statement.status != "published")).one()
    published = db.session.scalars(select(Statement).where(
        Statement.status == "published")).one()
    org = db.session.scalars(select(Organisation).where(Organisation.short_name == "JCHK")).one()
    coordinator = db.session.scalars(select(User).where(User.email == COORDINATOR)).one()
    plan = db.session.scalars(select(FollowUpPlan).order_by(FollowUpPlan.id)).first()
    assert plan is not None  # the demo's follow-up (issue 11)
    # Long unbroken runs, as people paste them: a URL, a document id, in an assessment shown on
    # the recommendation's page, the tracker and the audit log. They wrap; the page stays put.
    add_assessment(coordinator, rec, org, "unclear", date(2022, 1, 10),
                   f"See the report {LONG_ID} and {LONG_URL}", LONG_URL)
    # An edit from revision 1 that rewrites the sentence revision 2 rewrote: a conflict.
    clash = statements.save_text(coordinator, draft, org, 1, STATEMENT_V1.replace(
        "and to reconsider those it\nnoted.", "and to review those it noted."), "Clash")
    assert clash.kind == "conflict", clash
    # Saved tracker views (issue 10): the coordinator's own, with a long unbroken name.
    saved_views.save(coordinator, "Hong Kong, noted", "q=Hong+Kong&position=noted")
    saved_views.save(coordinator, LONG_ID, "q=Hong+Kong&position=supported")
    # Issue 12: a joint submission with two co-submitters (one answered), a published one.
    from coalition.submissions import services as submissions

    review.submission_deadline = date(2018, 3, 29)
    partners = db.session.scalars(select(Organisation).where(
        Organisation.id != org.id, Organisation.active.is_(True)).order_by(Organisation.id)
        .limit(2)).all()
    joint = submissions.create_submission(
        coordinator, review, "Joint submission on " + LONG_ID, "joint", org,
        [o.id for o in partners], visibility="coalition", ohchr_reference="JS3")
    submissions.answer(coordinator, joint.participants[0], "confirmed")
    # Its text (issue 12, item 2): two revisions and a comment.
    submissions.save_text(coordinator, joint, org, 1, STATEMENT_V1, "First text")
    submissions.save_text(coordinator, joint, org, 2, STATEMENT_V1 + "\n" + LONG_URL + "\n")
    submissions.add_comment(coordinator, joint, org, "See " + LONG_ID, "")
    published_sub = submissions.create_submission(
        coordinator, review, "Published submission", "individual", org, visibility="public")
    submissions.change_status(coordinator, published_sub, "submitted", date(2018, 3, 29))
    submissions.change_status(coordinator, published_sub, "published", date(2018, 8, 20))
    # Asks (issue 12): the joint submission's asks, one linked by hand, the others proposed.
    from coalition.impact import services as impact

    impact.add_pasted_asks(coordinator, joint, "Uphold the rule of law in Hong Kong " + LONG_ID
                           + "\nGuarantee freedom of expression in Hong Kong")
    impact.refresh_proposals(coordinator, review, joint)
    # Issue 12, items 3 and 5: a file with a long unbroken name; the review's other dates.
    import io

    submissions.add_file(coordinator, joint, io.BytesIO(b"%PDF-1.7 layout"),
                         LONG_ID + ".pdf")
    review.presession_date, review.adoption_date = date(2018, 10, 4), date(2019, 3, 15)
    review.hrc_session = 40
    db.session.commit()
    pages_out = [
        ("sign-in", "/login"),
        ("forgot-password", "/password/forgot"),
        ("public-statement", f"/s/{published.id}"),
        ("public-submission", f"/submissions/{published_sub.id}"),  # issue 12
        ("not-found", "/no-such-page"),
    ]
    pages_in = [
        ("home", "/"),
        ("tracker", "/tracker?q=Hong+Kong"),
        ("saved-views", "/tracker/views"),
        ("recommendation", f"/recommendations/{rec.id}"),
        ("recommendation-history", f"/recommendations/{rec.id}/history"),
        ("reviews", "/reviews"),
        ("review", f"/reviews/{review.slug}"),
        ("statements", "/statements"),
        ("statement", f"/statements/{draft.id}"),
        ("statement-history", f"/statements/{draft.id}/history"),
        ("statement-diff", f"/statements/{draft.id}/diff?a=1&b=3"),
        ("statement-blame", f"/statements/{draft.id}/blame"),
        ("statement-editor", f"/statements/{draft.id}/edit"),
        ("statement-new", "/statements/new"),
        ("statement-conflict", f"/statements/{draft.id}/conflicts/{clash.conflict.id}"),
        ("organisations", "/organisations"),
        ("organisation", f"/organisations/{org.slug}"),
        ("invite", f"/organisations/{org.slug}/invite"),
        ("organisation-edit", f"/organisations/{org.slug}/edit"),
        ("people", "/users"),
        ("person-edit", f"/users/{coordinator.id}/edit"),
        ("review-new", "/reviews/new"),
        ("audit-log", "/audit"),
        ("profile", "/profile"),
        ("api-tokens", "/profile/api-tokens"),
        ("import-upload", "/imports/new"),
        # Issue 11: follow-up, dashboard, notifications, the mid-term assessment.
        ("followup", "/followup/"),
        ("followup-plan", f"/followup/plans/{plan.id}"),
        ("dashboard", "/dashboard"),
        ("notifications", "/notifications"),
        ("notification-settings", "/notifications/settings"),
        ("midterm", f"/reviews/{review.slug}/midterm-assessment"),
        # Issue 12: stakeholder submissions.
        ("submissions", f"/submissions/?review={review.id}"),
        ("submission", f"/submissions/{joint.id}"),
        ("submission-new", "/submissions/new"),
        ("submission-edit", f"/submissions/{joint.id}/edit"),
        ("submission-asks", f"/submissions/{joint.id}/asks"),  # issue 12
        ("review-impact", f"/reviews/{review.slug}/impact"),  # issue 12
        ("calendar", "/calendar/"),  # issue 12, item 5
        ("submission-text", f"/submissions/{joint.id}/text/read"),
        ("submission-text-history", f"/submissions/{joint.id}/text/history"),
        ("submission-text-diff", f"/submissions/{joint.id}/text/diff?a=2&b=3"),
        ("not-found-signed-in", "/no-such-page"),
    ]
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)
    return pages_out, pages_in


def sign_in(page: Any, email: str = COORDINATOR) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()


def overflow(page: Any) -> str | None:
    """None when the document fits the window's width; else what sticks out, to fix."""
    width = page.evaluate("""() => {
        const doc = document.documentElement;
        if (doc.scrollWidth <= window.innerWidth) return null;
        const wide = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .filter((e) => !e.closest('[data-scrolls], .table-scroll'))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
                      + `${e.className && typeof e.className === 'string'
                           ? '.' + e.className.trim().split(/\\s+/).join('.') : ''}`
                      + ` (right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
        return `document ${doc.scrollWidth} px wide in a ${window.innerWidth} px window; `
               + `sticking out: ${wide.join(', ')}`;
    }""")
    return width


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per element."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol: the page's Content-Security-Policy
        # (script-src 'self') forbids an injected <script> element, not this.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                         targets: v.nodes.map((n) => n.target.join(' ')),
                                         summary: v.nodes.map((n) => n.failureSummary)}));
    }""")
    lines = []
    for v in results:
        if v["impact"] not in ("serious", "critical"):
            continue
        for target, summary in zip(v["targets"], v["summary"], strict=True):
            detail = " ".join((summary or "").split())[:300]
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {target}: {detail}")
    return lines


def duplicate_ids(page: Any) -> list[str]:
    """Ids used twice on the page: a label's `for` then names the first one only (two forms
    with a field of the same name on one page), which axe-core no longer reports. Hidden inputs
    (each form's CSRF token) are never labelled, so they do not count."""
    return page.evaluate("""() => {
        const seen = new Set(), twice = [];
        for (const e of document.querySelectorAll('[id]:not([type=hidden])')) {
            if (seen.has(e.id)) twice.push(e.id);
            seen.add(e.id);
        }
        return twice;
    }""")


def broken_words(page: Any) -> list[str]:
    """Words of up to 20 letters that a table cell writes over two lines ("Freed|om"): a column
    squeezed narrower than its words. Checked where the window is wide enough to avoid it."""
    return page.evaluate("""() => {
        const broken = [];
        for (const cell of document.querySelectorAll('td, th')) {
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            // Words between spaces only: a long id, hash or query string may wrap anywhere.
            const word = /(?<=^|[\\s(])[A-Za-z]{4,20}(?=$|[\\s,.;:)!?])/g;
            for (const match of node.data.matchAll(word)) {
              const range = document.createRange();
              range.setStart(node, match.index);
              range.setEnd(node, match.index + match[0].length);
              const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
              if (lines.size > 1) broken.push(match[0]);
            }
          }
          if (broken.length >= 5) break;
        }
        return broken;
    }""")


def check_pages(page: Any, pages: list[tuple[str, str]], size: str,
                screenshot: Callable[[Any, str], Path], problems: list[str]) -> None:
    for name, path in pages:
        response = page.goto(path)
        expected = 404 if name.startswith("not-found") else 200
        if response is None or response.status != expected:
            problems.append(f"{name} ({path}) at {size}: HTTP "
                            f"{response.status if response else None}, not {expected}")
            continue
        screenshot(page, f"layout-{size}-{name}")
        wide = overflow(page)
        if wide:
            problems.append(f"{name} ({path}) at {size}: {wide}")
        for line in axe_violations(page):
            problems.append(f"{name} ({path}) at {size}: axe {line}")
        for same in duplicate_ids(page):
            problems.append(f"{name} ({path}) at {size}: two elements have the id {same!r}")
        if page.viewport_size and page.viewport_size["width"] >= 1024:
            for word in broken_words(page):
                problems.append(f"{name} ({path}) at {size}: a table cell breaks {word!r}")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_main_page_fits_the_window_and_passes_axe(size, browser, live_server, watch,
                                                        screenshot):
    pages_out, pages_in = seeded_pages()
    viewport = SIZES[size]
    # Not `is_mobile`: a mobile browser zooms out to show a too-wide page whole, which would
    # hide the very overflow this test looks for.
    context = browser.new_context(base_url=live_server, viewport=viewport)
    context.set_default_timeout(10_000)
    try:
        page = watch.attach(context.new_page())
        problems: list[str] = []
        check_pages(page, pages_out, size, screenshot, problems)
        sign_in(page)
        check_pages(page, pages_in, size, screenshot, problems)
        # The 404 pages were asked for on purpose; anything else the watch saw is a problem.
        problems += [p for p in watch.problems if not re.search(r"/no-such-page\b",
                                                                p)]
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def press_until_focused(page: Any, locator: Any, key: str = "Tab", limit: int = 80) -> None:
    """Press `key` until `locator` has the keyboard focus (as a keyboard user tabs along)."""
    for _ in range(limit):
        if locator.evaluate("(e) => e === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{locator} never got the focus after {limit} presses of {key}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_sign_in_search_and_assess_with_the_keyboard_alone(size, browser, live_server, watch,
                                                           screenshot):
    seeded_pages()
    context = browser.new_context(base_url=live_server, viewport=SIZES[size], locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = watch.attach(context.new_page())
        keys = page.keyboard
        page.goto("/login")

        # Sign in: the form's fields in order, Enter to send.
        press_until_focused(page, page.get_by_label("Email"))
        keys.type(COORDINATOR)
        keys.press("Tab")
        expect(page.get_by_label("Password")).to_be_focused()
        keys.type(DEMO_PASSWORD)
        keys.press("Enter")
        expect(page.get_by_role("heading", name="Welcome, Carmen Coordinator")).to_be_visible()

        # Tracker: from the navigation (on a phone, inside its menu), then type a search and
        # press Enter.
        nav = page.get_by_role("navigation", name="Main")
        tracker = nav.get_by_role("link", name="Tracker")
        if size == "phone":
            press_until_focused(page, nav.locator("summary", has_text="Menu"))
            keys.press("Enter")
        press_until_focused(page, tracker)
        keys.press("Enter")
        expect(page.get_by_role("heading", name="Recommendation tracker", level=1)
               ).to_be_visible()
        search = page.get_by_label("Search the recommendations' text")
        press_until_focused(page, search)
        keys.type("Hong Kong")
        keys.press("Enter")
        expect(page.locator("section.results > p").first).to_have_text("6 recommendations")
        screenshot(page, f"keyboard-{size}-01-tracker")

        # The recommendation 28.345, by Tab from the search box, opened with Enter.
        press_until_focused(page, page.get_by_role("link", name="28.345", exact=True))
        keys.press("Enter")
        expect(page.get_by_role("heading", name="Recommendation 28.345", level=1)
               ).to_be_visible()

        # Open the assessment form (a <summary>: Enter opens it), fill it by typing, send it.
        summary = page.get_by_text("Record an implementation assessment")
        press_until_focused(page, summary)
        keys.press("Enter")
        organisation = page.get_by_label("On behalf of")
        expect(organisation).to_be_visible()
        press_until_focused(page, organisation)
        # A closed <select> takes typed letters: "Justice" picks Justice Centre Hong Kong.
        keys.type("Justice")
        expect(organisation.locator("option:checked")).to_have_text(
            "Justice Centre Hong Kong")
        # The assessment form's own field (the coalition position's form has one too).
        status = page.locator("form", has=organisation).get_by_label("Implementation status")
        press_until_focused(page, status)
        keys.type("Fully")
        expect(status.locator("option:checked")).to_have_text(re.compile(r"^Fully"))
        assessed_on = page.get_by_label("Assessed on")
        press_until_focused(page, assessed_on)
        keys.type("06152022")  # the en-US date field: month, day, year
        evidence = page.get_by_label("Evidence (Markdown)")
        press_until_focused(page, evidence)
        keys.type("The training programme was evaluated by an independent body.")
        save = page.get_by_role("button", name="Save assessment")
        press_until_focused(page, save)
        screenshot(page, f"keyboard-{size}-02-assessment-form")
        keys.press("Space")

        expect(page.get_by_role("heading", name="Recommendation 28.345", level=1)
               ).to_be_visible()
        expect(page.locator("dl.facts")).to_contain_text(
            "Fully implemented by Justice Centre Hong Kong")
        screenshot(page, f"keyboard-{size}-03-recorded")
        assert watch.problems == []
    finally:
        context.close()

    latest = db.session.scalars(select(Assessment).order_by(Assessment.id.desc())).first()
    assert latest is not None and latest.status == "fully"
    assert latest.evidence.startswith("The training programme")
    assert latest.assessed_on.isoformat() == "2022-06-15"


def test_the_accessibility_check_finds_what_it_should(browser, live_server):
    """The checker itself: on a page of ours with faults put in, axe-core reports them (a
    check that silently found nothing would pass every page)."""
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/login")
        page.evaluate("""() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend',
              '<p><input type="text"></p><p><a href="/x"></a></p>');
        }""")
        found = "\n".join(axe_violations(page))
        assert "label (critical)" in found
        assert "link-name (serious)" in found
        assert duplicate_ids(page) == []
        page.evaluate("""() => document.querySelector('main').insertAdjacentHTML(
            'beforeend', '<p id="email">again</p>')""")
        assert duplicate_ids(page) == ["email"]
    finally:
        context.close()


def test_phone_menu_and_tracker_filters_fold_away_and_open_by_keyboard(browser, live_server,
                                                                       watch, screenshot):
    """On a phone the signed-in links fold into "Menu" and the tracker shows its results first,
    the facets behind "Filters"; both open with the keyboard. On a desktop both are in place."""
    seeded_pages()
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = watch.attach(context.new_page())
        sign_in(page)
        nav = page.get_by_role("navigation", name="Main")
        tracker_link = nav.get_by_role("link", name="Tracker")
        expect(tracker_link).to_be_hidden()
        press_until_focused(page, nav.locator("summary", has_text="Menu"))
        page.keyboard.press("Enter")
        expect(tracker_link).to_be_visible()
        screenshot(page, "phone-menu-open")
        page.keyboard.press("Tab")
        expect(tracker_link).to_be_focused()
        page.keyboard.press("Escape")
        expect(tracker_link).to_be_hidden()
        expect(nav.locator("summary", has_text="Menu")).to_be_focused()

        page.goto("/tracker?q=Hong+Kong")
        first = page.locator("article.recommendation").first
        expect(first).to_be_in_viewport()
        noted = page.get_by_role("checkbox", name=re.compile(r"^Noted \("))
        expect(noted).to_be_hidden()
        filters = page.locator("summary", has_text=re.compile(r"^Filters$"))
        expect(filters).to_be_visible()
        assert filters.bounding_box()["y"] < first.bounding_box()["y"]
        press_until_focused(page, filters)
        page.keyboard.press("Enter")
        expect(noted).to_be_visible()
        screenshot(page, "phone-tracker-filters-open")

        page.set_viewport_size(DESKTOP)
        page.goto("/tracker?q=Hong+Kong")
        expect(nav.locator("summary", has_text="Menu")).to_be_hidden()
        expect(tracker_link).to_be_visible()
        expect(filters).to_be_hidden()
        expect(noted).to_be_visible()
        assert noted.bounding_box()["x"] < first.bounding_box()["x"]  # the sidebar, on the left
        assert watch.problems == []
    finally:
        context.close()


def test_without_javascript_the_menu_filters_and_tables_still_work(browser, live_server,
                                                                   screenshot):
    """The menu and the filters are <details>, the tables' scrolling is CSS: on a phone with
    JavaScript off they open by keyboard and no page is wider than the window."""
    _, pages_in = seeded_pages()
    context = browser.new_context(base_url=live_server, viewport=PHONE,
                                  java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page)
        nav = page.get_by_role("navigation", name="Main")
        menu = nav.locator("summary", has_text="Menu")
        press_until_focused(page, menu)
        page.keyboard.press("Enter")
        expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
        page.keyboard.press("Space")
        expect(nav.get_by_role("link", name="Audit log")).to_be_hidden()

        page.goto("/tracker?q=Hong+Kong")
        expect(page.locator("article.recommendation").first).to_be_in_viewport()
        press_until_focused(page, page.locator("summary", has_text=re.compile(r"^Filters$")))
        page.keyboard.press("Space")
        expect(page.get_by_role("checkbox", name=re.compile(r"^Noted \("))).to_be_visible()

        for name, path in pages_in:
            if name in ("audit-log", "profile", "organisation", "people", "statement",
                        "statement-diff", "statement-history"):
                page.goto(path)
                assert overflow(page) is None, f"{name} without JavaScript: {overflow(page)}"
                screenshot(page, f"nojs-phone-{name}")
    finally:
        context.close()
