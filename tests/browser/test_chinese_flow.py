"""The whole interface in Traditional Chinese (issue 9, "Done when"): a visitor switches to
繁體中文 with the footer's switch, then signs in, searches the tracker, records an assessment and
edits a statement, in Chromium on a desktop and on a phone. On every page the document is
`lang="zh-Hant"`, fits the window, and shows no interface string in English: any text of the
page that is one of the catalogue's English strings (a marked string left untranslated) fails
the test. Recommendation and statement texts, and names, stay in their own language (data)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.support import Translations
from sqlalchemy import select

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from coalition.recommendations.models import Assessment
from coalition.statements.models import Statement
from tests.browser import require_playwright

expect = require_playwright()

pytestmark = pytest.mark.browser

TRANSLATIONS = Path(__file__).resolve().parents[2] / "coalition" / "translations"
ZH = Translations.load(str(TRANSLATIONS), ["zh_Hant"])
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}
COORDINATOR = "coordinator@example.org"


def zh(text: str, **values: Any) -> str:
    translated = ZH.gettext(text)
    assert translated != text, f"no zh_Hant translation of {text!r}"
    return translated % values if values else translated


def _english_interface_strings() -> set[str]:
    """Every English string of the compiled catalogue that reads as words (not a symbol, a
    placeholder-only string or a proper name kept as it is)."""
    with (TRANSLATIONS / "zh_Hant" / "LC_MESSAGES" / "messages.mo").open("rb") as file:
        catalogue = read_mo(file)
    strings = set()
    for message in catalogue:
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        for msgid in ids:
            if not msgid or "%(" in msgid:
                continue
            translated = message.string if isinstance(message.string, str) else None
            if translated == msgid:  # kept as it is on purpose (a name, "PDF")
                continue
            if re.search(r"[A-Za-z]{3}", msgid) and len(msgid) > 3:
                strings.add(msgid.strip())
    return strings


ENGLISH = _english_interface_strings()

# The page's own text nodes, outside the data it shows (texts of recommendations and statements,
# what people typed, names): those stay in their own language.
_VISIBLE_TEXTS = """() => {
  const data = 'blockquote, .statement-text, .rec-text, textarea, pre, code, .comment-body,'
    + ' [data-content], article.rec > p, .facts dd, .muted, .badge.territory, option, .diff,'
    + ' .blame, .timeline, .history-summary, .org-name, .person';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, [hidden]') || el.closest(data)) continue;
    // Marked as another language (the switch names English in English): not the interface's.
    if (el.closest('[lang]').lang !== document.documentElement.lang) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('input[type=submit], button, [aria-label], [title],'
      + ' input[placeholder]')) {
    for (const attr of ['value', 'aria-label', 'title', 'placeholder']) {
      const value = el.getAttribute(attr);
      // A value is the interface's on a submit button only: in a text box it is what the
      // reader typed (a search for "Hong Kong").
      if (attr === 'value' && !(el.tagName === 'INPUT' && el.type === 'submit')) continue;
      if (value) out.push(value.trim());
    }
  }
  return out;
}"""


def english_left(page: Any) -> list[str]:
    """The interface strings the page shows in English."""
    return sorted({text for text in page.evaluate(_VISIBLE_TEXTS) if text in ENGLISH})


def check(page: Any, screenshot: Any, name: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "zh-Hant", page.url
    assert english_left(page) == [], f"{page.url} shows English: {english_left(page)}"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide in a {width[1]} px window"
    screenshot(page, f"zh-{name}")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_full_flow_in_chinese(size, browser, live_server, watch, screenshot):
    assert seed_demo()
    db.session.commit()
    statement_id = db.session.scalars(select(Statement.id).where(
        Statement.status == "open")).first()
    assert statement_id is not None
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)

    # An English-speaking browser: the switch, not Accept-Language, makes the pages Chinese.
    context = browser.new_context(base_url=live_server, viewport=SIZES[size], locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = watch.attach(context.new_page())
        page.goto("/login")
        assert page.evaluate("document.documentElement.lang") == "en"
        # The check can fail: in English the same page shows the catalogue's English strings.
        assert {"Sign in", "Password"} <= set(english_left(page)), english_left(page)
        page.locator("footer").get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        check(page, screenshot, f"{size}-01-sign-in")

        page.locator("#email").fill(COORDINATOR)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.get_by_role("main").locator("button[type=submit]").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Carmen Coordinator")
        check(page, screenshot, f"{size}-02-home")

        # The tracker, from the navigation (on a phone, inside its menu); a search.
        nav = page.get_by_role("navigation", name=zh("Main"))
        if size == "phone":
            nav.locator("summary", has_text=zh("Menu")).click()
        nav.get_by_role("link", name=zh("Tracker")).click()
        page.locator("input[name=q]").fill("Hong Kong")
        page.locator("input[name=q]").press("Enter")
        expect(page.get_by_role("link", name="28.345", exact=True)).to_be_visible()
        check(page, screenshot, f"{size}-03-tracker")

        # A recommendation, and an assessment recorded on it.
        page.get_by_role("link", name="28.345", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("28.345")
        check(page, screenshot, f"{size}-04-recommendation")
        page.get_by_text(zh("Record an implementation assessment")).click()
        form = page.locator("form", has=page.locator("select[name=status]"))
        form.locator("select[name=status]").select_option("partially")
        form.locator("textarea[name=evidence]").fill("立法會文件顯示政府已部分落實。")
        form.locator("button[type=submit]").click()
        expect(page.locator("dl.facts")).to_contain_text(zh("Partially implemented"))
        check(page, screenshot, f"{size}-05-assessed")

        # The statement, its editor, a saved edit, its history.
        page.goto(f"/statements/{statement_id}")
        check(page, screenshot, f"{size}-06-statement")
        page.goto(f"/statements/{statement_id}/edit")
        check(page, screenshot, f"{size}-07-editor")
        # What the script writes (autosave, merges) comes in the page's language too.
        said = page.evaluate("() => t('kept', 'Draft kept at {time}', {time: '12:00:00'})")
        assert said == zh("Draft kept at %(time)s", time="12:00:00")
        box = page.locator("textarea[name=text]")
        box.fill(box.input_value() + "\n\n我們促請政府全面落實有關香港的建議。\n")
        page.locator("input[name=summary]").fill("加入結語")
        page.locator("form", has=box).locator("button[type=submit]", has_text=zh("Save")
                                               ).first.click()
        expect(page.locator(".statement-text")).to_contain_text("我們促請政府全面落實")
        check(page, screenshot, f"{size}-08-saved")
        page.goto(f"/statements/{statement_id}/history")
        check(page, screenshot, f"{size}-09-history")
        assert watch.problems == []
    finally:
        context.close()

    latest = db.session.scalars(select(Assessment).order_by(Assessment.id.desc())).first()
    assert latest is not None and latest.status == "partially"
    assert latest.evidence == "立法會文件顯示政府已部分落實。"
