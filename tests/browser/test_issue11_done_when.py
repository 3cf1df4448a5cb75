"""Issue 11's "Done when", walked in Chromium as the people of the coalition would, in English
on a desktop (1280 px) and in 繁體中文 on a phone (375 px, chosen with the footer's switch):

A steering member assigns three Hong Kong recommendations to Justice Centre Hong Kong (bulk,
from the tracker); an editor there logs an action with an evidence file (a PDF) and an
assessment; the steering member adopts it as the coalition position; the dashboard, the tracker
and Justice Centre's home page (desk) show it; an overdue action appears in the digest received
by the local SMTP server; the mid-term report draft opens as a statement.

Set up outside the browser: the demo coalition, one editor account at Justice Centre (invited
people need mail to accept; the invitation flow has its own test), the local SMTP server (as in
tests/test_digest.py) and the digest run itself (`coalition send-digests`, cron's job).
Everything else is clicks and typing. Every page fits the window (no sideways scrolling),
axe-core finds no serious or critical violation, and in Chinese no interface string is left in
English; no page answers an error status or logs a console error."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coalition.accounts.services import create_user
from coalition.core.time import utcnow
from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.organisations.services import add_member
from tests.browser import require_playwright
from tests.browser.test_chinese_flow import ZH, english_left
from tests.browser.test_layout_and_a11y import DESKTOP, PHONE, axe_violations, overflow
from tests.test_invitations import mail_app, smtp_server  # noqa: F401 (fixtures)

expect = require_playwright()

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STEERING = "steering@example.org"
EDITOR = "jc-editor@example.org"
JCHK = "Justice Centre Hong Kong"
# Three of China's 2018 Hong Kong recommendations that the demo has other organisations lead.
CHOSEN = ["28.205", "28.345", "28.346"]
OURS = "28.345"  # the one Justice Centre's editor works on
ACTION = "Brief the LegCo panel on the right to take part in government"
REASON = "The Legislative Council papers bear the assessment out."


class Words:
    """The interface's words in the language of the walk: English as written in the code, or
    the zh_Hant catalogue's translation (a missing one fails the test: it would show English)."""

    def __init__(self, language: str) -> None:
        self.zh = language == "zh_Hant"

    def __call__(self, msgid: str, **values: Any) -> str:
        text = msgid
        if self.zh:
            text = ZH.gettext(msgid)
            assert text != msgid, f"no zh_Hant translation of {msgid!r}"
        return text % values if values else text

    def n(self, singular: str, plural: str, num: int, **values: Any) -> str:
        text = (singular if num == 1 else plural)
        if self.zh:
            text = ZH.ngettext(singular, plural, num)
            assert text not in (singular, plural), f"no zh_Hant translation of {plural!r}"
        return text % {"num": num, **values}

    def before(self, msgid: str) -> str:
        """The text of a message before its first placeholder or tag (dates are formatted
        per language; the rest of the sentence is checked where it matters)."""
        return re.split(r"%\(|<", self(msgid))[0]


class Walk:
    """One person's browser window, and what it checks on every page it shows."""

    def __init__(self, browser: Any, live_server: str, watch: Any, screenshot: Any,
                 language: str, viewport: dict[str, int], problems: list[str]) -> None:
        self.context = browser.new_context(base_url=live_server, viewport=viewport,
                                           locale="en-GB")
        self.context.set_default_timeout(15_000)
        self.page = watch.attach(self.context.new_page())
        self.language = language
        self.screenshot = screenshot
        self.problems = problems

    def sign_in(self, email_address: str) -> None:
        page = self.page
        page.goto("/login")
        page.locator("#email").fill(email_address)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.get_by_role("main").locator("button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)
        if self.language == "zh_Hant":
            # The footer's switch: the page comes back in Chinese and the profile keeps it.
            page.locator("footer").get_by_role("button", name="繁體中文").click()
        expect(page.locator("html")).to_have_attribute(
            "lang", "zh-Hant" if self.language == "zh_Hant" else "en")

    def look(self, name: str) -> None:
        """Keep a screenshot; note what sticks out of the window and what axe-core finds."""
        path = self.screenshot(self.page, f"issue11-{self.language}-{name}")
        wide = overflow(self.page)
        if wide:
            self.problems.append(f"{name} ({self.page.url}; {path}): {wide}")
        self.problems += [f"{name} ({self.page.url}; {path}): axe {line}"
                          for line in axe_violations(self.page)]
        if self.language == "zh_Hant":  # no interface string left in English
            left = english_left(self.page)
            if left:
                self.problems.append(f"{name} ({self.page.url}; {path}): English {left}")

    def close(self) -> None:
        self.context.close()


def seed(app: Any, tmp_path: Path) -> None:
    app.config["FILES_DIR"] = str(tmp_path / "files")
    assert seed_demo()
    jchk = db.session.scalars(select(Organisation).where(Organisation.short_name == "JCHK")).one()
    editor = create_user(None, EDITOR, "Jo Centre", DEMO_PASSWORD, "none")
    add_member(None, jchk, editor, "editor")
    db.session.commit()
    db.session.remove()  # the test holds no transaction while the server reads (SQLite)


def lead_total(page: Any, organisation: str) -> int:
    """The dashboard's number of recommendations led by `organisation` (its table's Total)."""
    row = page.locator("#chart-lead table tbody tr").filter(
        has=page.locator("th", has_text=organisation))
    expect(row).to_have_count(1)
    return int(row.locator("td").last.inner_text().replace(",", ""))


@pytest.mark.parametrize(("language", "viewport"), [("en", DESKTOP), ("zh_Hant", PHONE)],
                         ids=["en-desktop", "zh_Hant-phone"])
def test_issue_11_done_when(language, viewport, app, mail_app, smtp_server,  # noqa: F811
                            browser, live_server, watch, screenshot, tmp_path):
    seed(app, tmp_path)
    _, inbox = smtp_server
    t = Words(language)
    problems: list[str] = []
    steering = Walk(browser, live_server, watch, screenshot, language, viewport, problems)
    editor = Walk(browser, live_server, watch, screenshot, language, viewport, problems)
    try:
        # 1. The steering member: the dashboard on Hong Kong, its tracker rows, three ticked
        #    and assigned in bulk to Justice Centre.
        page = steering.page
        steering.sign_in(STEERING)
        page.goto("/dashboard?territory=Hong+Kong")
        expect(page.get_by_role("heading", level=1, name=t("Dashboard"))).to_be_visible()
        led_before = lead_total(page, JCHK)
        steering.look("01-dashboard-before")
        page.get_by_role("link", name=t("See them in the tracker")).first.click()
        expect(page).to_have_url(re.compile(r"/tracker\?.*territory=Hong"))
        for number in CHOSEN:
            page.get_by_label(t("Select %(number)s for bulk assignment", number=number)).check()
        steering.look("02-tracker-ticked")
        page.locator("details.bulk-assign > summary").click()
        page.get_by_role("button", name=t("Assign the ticked rows…")).click()
        expect(page.get_by_text(t.n("%(num)s selected recommendation.",
                                    "%(num)s selected recommendations.", 3))).to_be_visible()
        page.get_by_label(t("Lead organisation")).select_option(label=JCHK)
        page.get_by_label(t("Priority")).select_option(label=t("High"))
        steering.look("03-bulk-form")
        page.get_by_role("button", name=t("Next: check what changes")).click()
        summary = page.locator(".bulk-summary")
        expect(summary).to_contain_text(t.n("This changes %(num)s recommendation:",
                                            "This changes %(num)s recommendations:", 3))
        expect(summary).to_contain_text(t.n(
            "%(num)s existing plan reassigned to %(organisation)s",
            "%(num)s existing plans reassigned to %(organisation)s", 3, organisation=JCHK))
        steering.look("04-bulk-confirm")
        page.get_by_role("button", name=t.n("Confirm: assign %(num)s recommendation",
                                            "Confirm: assign %(num)s recommendations",
                                            3)).click()
        expect(page.get_by_text(t(
            "%(new)s plans created and %(reassigned)s reassigned to %(organisation)s "
            "(%(unchanged)s already led by it).", new=0, reassigned=3, unchanged=0,
            organisation=JCHK))).to_be_visible()
        for number in CHOSEN:  # the plans list, filtered on the new lead
            expect(page.get_by_role("link", name=number, exact=True).first).to_be_visible()
        steering.look("05-plans-after-bulk")

        # 2. Justice Centre's editor: the digest on, the plan found in the list, an overdue
        #    action with its evidence file, then an assessment on the recommendation.
        page = editor.page
        editor.sign_in(EDITOR)
        page.goto("/notifications/settings")
        page.get_by_label(t("E-mail digest")).select_option("daily")
        expect(page.locator("input[name=kinds][value=overdue]")).to_be_checked()
        page.get_by_role("button", name=t("Save"), exact=True).click()
        expect(page.get_by_text(t("Notification settings saved."))).to_be_visible()
        editor.look("06-notification-settings")
        page.goto("/followup/")
        editor.look("07-plans-list")
        page.get_by_role("link", name=OURS, exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            t("Follow-up of recommendation %(number)s", number=OURS))
        expect(page.locator("dl.facts")).to_contain_text(JCHK)
        page.locator("summary", has_text=t("Log an advocacy action")).click()
        page.locator("#new-title").fill(ACTION)
        page.locator("#new-kind").select_option(label=t("Meeting with officials"))
        page.locator("#new-due_on").fill((utcnow().date() - timedelta(days=3)).isoformat())
        page.locator("#new-outcome").fill("The panel's clerk **took** the briefing.")
        page.locator("#new-file").set_input_files(
            {"name": "briefing.pdf", "mimeType": "application/pdf", "buffer": PDF})
        editor.look("08-plan-action-form")
        page.get_by_role("button", name=t("Log the action")).click()
        expect(page.get_by_text(t("The action is logged."))).to_be_visible()
        ours = page.locator("article.advocacy-action", has_text=ACTION)
        expect(ours.get_by_role("link", name="briefing.pdf")).to_be_visible()
        expect(ours.locator(".badge.overdue")).to_contain_text(
            t.before("Overdue: was due %(date)s"))
        editor.look("09-plan-with-overdue-action")
        # The recommendation's page, from the plan's heading; an assessment there.
        page.locator("hgroup p a").first.click()
        expect(page).to_have_url(re.compile(r"/recommendations/\d+$"))
        recommendation_url = page.url
        page.locator("summary", has_text=t("Record an implementation assessment")).click()
        form = page.locator("form", has=page.locator("select[name=status]"))
        form.locator("select[name=organisation]").select_option(label=JCHK)
        form.locator("select[name=status]").select_option("partially")
        form.locator("textarea[name=evidence]").fill(
            "LegCo papers show a consultation was held, without a timetable.")
        editor.look("10-assessment-form")
        form.locator("button[type=submit]").click()
        expect(page.get_by_text(t("Your assessment is recorded."))).to_be_visible()
        expect(page.locator("dl.facts")).to_contain_text(t("Partially implemented"))
        editor.look("11-recommendation-assessed")

        # 3. The steering member adopts Justice Centre's assessment as the coalition position.
        page = steering.page
        page.goto(recommendation_url)
        page.locator("summary", has_text=t("Adopt the coalition position")).click()
        source = page.locator("select#position-source")
        option = source.locator("option", has_text=JCHK)
        expect(option).to_have_count(1)
        source.select_option(value=option.get_attribute("value"))
        page.get_by_label(t("Reason (Markdown)")).fill(REASON)
        steering.look("12-adopt-form")
        page.get_by_role("button", name=t("Save the coalition position")).click()
        section = page.locator("section", has=page.locator("#coalition-position"))
        expect(section).to_contain_text(t("Partially implemented"))
        expect(section).to_contain_text(t.before(
            "from the assessment by %(organisation)s of %(date)s"))
        expect(section).to_contain_text(JCHK)
        expect(section).to_contain_text(REASON)
        steering.look("13-position-adopted")

        # 4. The dashboard counts it (Justice Centre leads three more; the status is the
        #    coalition position), and its number opens the tracker row with the position.
        page.goto("/dashboard?territory=Hong+Kong")
        assert lead_total(page, JCHK) == led_before + 3
        steering.look("14-dashboard-after")
        partially = re.compile(re.escape(f"— {t('Partially implemented')}: ") + r"\d+$")
        links = page.locator("#chart-position table").get_by_role("link", name=partially)
        targets = [(link.get_attribute("href"), int(link.inner_text().replace(",", "")))
                   for link in links.all()]
        assert targets, "the dashboard counts no partially implemented recommendation"
        found = False
        for href, counted in targets:
            page.goto("/dashboard?territory=Hong+Kong")
            page.locator(f"#chart-position table a[href='{href}']").click()
            results = page.locator("section.results")
            expect(results.locator("article.recommendation")).to_have_count(counted)
            row = results.locator("article.recommendation", has_text=OURS)
            if row.count():
                found = True
                expect(row).to_contain_text(t.before(
                    "coalition position: <strong>%(status)s</strong> (%(date)s)")
                    + t("Partially implemented"))
                expect(row).to_contain_text(t.before(
                    "latest assessment: <strong>%(status)s</strong> by %(organisation)s "
                    "(%(date)s)") + t("Partially implemented"))
                steering.look("15-tracker-from-dashboard")
        assert found, f"no dashboard number of partially implemented rows leads to {OURS}"

        # 5. Justice Centre's home page (its desk): the plans it leads, the overdue action.
        page = editor.page
        page.goto("/")
        led = page.locator("section", has=page.locator("#desk-led"))
        expect(led).to_contain_text(t.n("%(num)d follow-up plan.", "%(num)d follow-up plans.",
                                        led_before + 3))
        for number in CHOSEN:
            expect(led.get_by_role("link", name=t("recommendation %(number)s",
                                                  number=number))).to_be_visible()
        overdue = page.locator("section", has=page.locator("#desk-overdue"))
        item = overdue.locator("li", has_text=ACTION)
        expect(item).to_have_count(1)
        expect(item.locator(".overdue-mark")).to_have_text(t("Overdue"))
        expect(item).to_contain_text(t("recommendation %(number)s", number=OURS))
        editor.look("16-desk")

        # 6. Cron's digest run: the overdue action reaches the editor through the SMTP server.
        result = app.test_cli_runner().invoke(args=["send-digests", "--base-url", live_server])
        db.session.remove()
        assert result.exit_code == 0, result.output
        mails = [raw for _, to, raw in inbox.messages if to == [EDITOR]]
        assert len(mails) == 1, [to for _, to, _ in inbox.messages]
        message = email.message_from_bytes(mails[0].encode("utf-8"), policy=policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert ACTION in text and ACTION in html, text
        assert t.before("Overdue since %(date)s: %(title)s (recommendation %(number)s)") in text
        # Its link opens the action on its plan's page (signed in), marked overdue.
        entry = re.search(re.escape(ACTION) + r".*\n\s*(\S+)", text)
        assert entry and entry.group(1).startswith(live_server), text
        assert re.search(r"/followup/plans/\d+#action-\d+$", entry.group(1)), entry.group(1)
        page = editor.page
        page.goto(entry.group(1))
        expect(page.locator("article.advocacy-action.is-overdue", has_text=ACTION)).to_have_count(1)
        anchor = entry.group(1).rsplit("#", 1)[1]
        expect(page.locator(f"article#{anchor}")).to_contain_text(ACTION)
        editor.look("18-plan-from-the-digest")

        # 7. The mid-term report: the steering member opens its draft as a statement.
        page = steering.page
        page.goto("/reviews/chn-3")
        panel = page.locator("section.midterm-panel")
        expect(panel.get_by_role("heading", name=t("Mid-term assessment"))).to_be_visible()
        steering.look("19-review-midterm-panel")
        panel.get_by_role("button", name=t("Open as a joint statement draft")).click()
        expect(page).to_have_url(re.compile(r"/statements/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            t("Mid-term assessment: %(state)s, cycle %(cycle)s", state="China", cycle=3))
        statement = page.locator("article.statement-text")
        heading = t("Recommendation %(number)s", number=OURS)
        expect(statement.get_by_role("heading", name=heading)).to_be_visible()
        # Its entry (up to the next recommendation): Justice Centre leads, the coalition
        # position is the adopted assessment, with the steering member's reason.
        words = statement.inner_text()
        entry_text = words[words.index(heading):]
        following = entry_text.find(t.before("Recommendation %(number)s"), len(heading))
        entry_text = entry_text[:following] if following > 0 else entry_text
        assert t("lead: %(org)s", org=JCHK) in entry_text, entry_text
        assert re.search(re.escape(t("Coalition position:")) + r"\s*"
                         + re.escape(t("Partially implemented")), entry_text), entry_text
        assert REASON in entry_text, entry_text
        expect(page.get_by_role("button", name=t("Edit text"))).to_be_visible()
        steering.look("20-midterm-statement")
    finally:
        steering.close()
        editor.close()
    assert problems == []
    assert watch.problems == []
