"""Two drafters of two organisations edit one joint statement at once, in two Chromium contexts,
through the real pages: a clean three-way merge keeps both edits, then a clash of the same word
lands on the conflict page and "Keep both" keeps both wordings. A steering-committee member
opens sign-on with a deadline, two organisations sign, the statement is published, and an
anonymous visitor reads the public page and its PDF with both signatories.

The statement's Markdown carries a <script> and a javascript: link: they must render inert in
the editor's preview, on the statement page and on the public page (no dialog, no script)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from coalition.extensions import db
from coalition.statements.services import create_statement
from tests.browser import require_playwright
from tests.conftest import PASSWORD

expect = require_playwright()

pytestmark = pytest.mark.browser

TITLE = "Joint statement on the adoption of China's third UPR outcome"
OCCASION = "HRC 40th session, item 6: adoption of China's UPR outcome"
P1 = ("The undersigned organisations welcome the adoption of the outcome of the third "
      "Universal Periodic Review of China.")
P2 = ("We remain deeply concerned that the recommendations on the independence of lawyers "
      "were noted rather than accepted.")
P3 = ("We call on the Council to follow up on every recommendation. "
      "<script>alert(1)</script> [x](javascript:alert(1))")
TEXT = f"{P1}\n\n{P2}\n\n{P3}\n"

# Round one: different paragraphs (a clean merge).
A_OLD, A_NEW = "welcome the adoption", "acknowledge the adoption"
B_OLD, B_NEW = ("follow up on every recommendation.",
                "follow up on every recommendation, with a public timetable.")
# Round two: the same word of paragraph 2, changed differently (a clash).
WORD = "deeply concerned"
A_WORD, B_WORD = "gravely concerned", "profoundly concerned"

DEADLINE = "2030-01-01T12:00"


def sign_in(page: Any, email: str, path: str) -> None:
    """Open `path` signed out, sign in on the login page it leads to, land back on `path`."""
    page.goto(path)
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def editor_text(page: Any) -> Any:
    return page.get_by_label("Text (Markdown)")


def edit(page: Any, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in the editor's text by `new`."""
    box = editor_text(page)
    value = box.input_value()
    assert value.count(old) == 1, value
    box.fill(value.replace(old, new))


def save(page: Any, summary: str) -> None:
    page.get_by_label("What did you change?").fill(summary)
    page.get_by_role("button", name="Save", exact=True).click()


def edit_and_save(page: Any, old: str, new: str, summary: str) -> None:
    edit(page, old, new)
    save(page, summary)


def assert_inert(page: Any, scope: str = ".statement-text") -> None:
    """The hostile Markdown of paragraph 3 is there as text, without script or live link."""
    text = page.locator(scope).first
    expect(text).to_contain_text("follow up on every recommendation")
    expect(page.locator(f"{scope} script")).to_have_count(0)
    expect(page.locator(f"{scope} iframe")).to_have_count(0)
    expect(page.locator(f'{scope} a[href^="javascript"]')).to_have_count(0)
    assert "javascript:" not in text.inner_html().lower()


def test_two_drafters_merge_clash_sign_on_and_publish(make_org, make_user, live_server,
                                                       new_page, watch, screenshot):
    lead = make_org("Harbour Rights Network", short_name="HRN")
    co = make_org("Island Legal Aid", short_name="ILA")
    member = make_org("Mountain Voices", short_name="MV")
    steering_org = make_org("Steering Circle", short_name="SC", is_steering=True)
    make_user("ada@example.org", lead, "editor", name="Ada Drafter")
    make_user("ben@example.org", co, "editor", name="Ben Drafter")
    make_user("hana@example.org", lead, "org_admin", name="Hana Admin")
    make_user("milo@example.org", member, "org_admin", name="Milo Admin")
    make_user("sara@example.org", steering_org, "editor", name="Sara Steering")
    statement = create_statement(None, lead, TITLE, OCCASION, "oral", "en", [co], TEXT)
    db.session.commit()
    sid = statement.id
    db.session.remove()  # the test holds no transaction while the server writes (SQLite)
    show_path, edit_path = f"/statements/{sid}", f"/statements/{sid}/edit"

    dialogs: list[tuple[str, str]] = []

    def open_page() -> Any:
        page = new_page()

        def on_dialog(dialog: Any) -> None:
            dialogs.append((dialog.type, dialog.message))
            # Only the app's own confirmations are accepted; anything else is refused (and
            # fails the test below).
            if dialog.type == "confirm" and dialog.message.startswith("Publish revision"):
                dialog.accept()
            else:
                dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    # --- both drafters open the editor at once ------------------------------------------------
    ada, ben = open_page(), open_page()
    ada.clock.install()  # Ada's timers are driven by the test: heartbeat every 20 s, autosave 30 s
    sign_in(ada, "ada@example.org", edit_path)
    expect(ada.get_by_role("heading", name=f"Edit: {TITLE}")).to_be_visible()
    expect(editor_text(ada)).to_have_value(TEXT)
    sign_in(ben, "ben@example.org", edit_path)
    # Ben's heartbeat on load already finds Ada; Ada's next heartbeat finds Ben.
    expect(ben.locator("#editing-now")).to_have_text(re.compile(r"Also editing now: Ada Drafter"))
    ada.clock.run_for(21_000)
    expect(ada.locator("#editing-now")).to_have_text(re.compile(r"Also editing now: Ben Drafter"))

    # The preview is sanitised HTML: no script, no javascript: link.
    ada.get_by_role("tab", name="Preview").click()
    expect(ada.locator("#preview")).to_contain_text("We call on the Council")
    assert_inert(ada, "#preview")
    ada.get_by_role("tab", name="Write").click()
    screenshot(ada, "statement-01-editor")

    # --- round one: different paragraphs, merged ---------------------------------------------
    edit(ada, A_OLD, A_NEW)
    ada.clock.run_for(31_000)  # autosave keeps the unsaved draft server-side
    expect(ada.locator("#autosave-status")).to_contain_text("Draft kept at")
    save(ada, "Softer opening")
    expect(ada.get_by_text("Saved as revision 2.")).to_be_visible()

    edit_and_save(ben, B_OLD, B_NEW, "Ask for a timetable")  # still on revision 1
    expect(ben).to_have_url(re.compile(re.escape(show_path) + "$"))
    expect(ben.get_by_role("status").filter(has_text="merged with revision")).to_have_text(
        "Saved as revision 3, merged with revision 2 by Harbour Rights Network.")
    article = ben.locator("article.statement-text")
    expect(article).to_contain_text(A_NEW)
    expect(article).to_contain_text(B_NEW.rstrip("."))
    assert_inert(ben)
    screenshot(ben, "statement-02-merged")

    # --- round two: the same word, a clash -------------------------------------------------
    ada.goto(edit_path)
    ben.goto(edit_path)
    for page in (ada, ben):
        expect(page.get_by_text("You are editing from revision 3")).to_be_visible()
        expect(editor_text(page)).to_contain_text(A_NEW)
    edit_and_save(ada, WORD, A_WORD, "Stronger")
    expect(ada.get_by_text("Saved as revision 4.")).to_be_visible()
    edit_and_save(ben, WORD, B_WORD, "Stronger still")

    expect(ben).to_have_url(re.compile(rf"/statements/{sid}/conflicts/\d+$"))
    expect(ben.get_by_role("heading", name="Your text and a newer revision changed the same "
                                            "words")).to_be_visible()
    passage = ben.get_by_role("group", name="Passage 1")
    expect(passage.locator(".conflict-passage").nth(0)).to_contain_text(A_WORD)
    expect(passage.locator(".conflict-passage").nth(1)).to_contain_text(B_WORD)
    expect(passage.get_by_role("heading", name="Revision 4 (theirs)")).to_be_visible()
    expect(ben.get_by_role("group", name="Passage 2")).to_have_count(0)
    screenshot(ben, "statement-03-conflict")
    passage.get_by_label("Keep both (theirs, then mine)").check()
    ben.get_by_role("button", name="Save the resolved text").click()
    expect(ben).to_have_url(re.compile(re.escape(show_path) + "$"))
    expect(ben.get_by_text("Conflict resolved")).to_be_visible()
    expect(ben.locator("hgroup")).to_contain_text("revision 5 ·")
    article = ben.locator("article.statement-text")
    for words in (A_NEW, B_NEW.rstrip("."), A_WORD, B_WORD):
        expect(article).to_contain_text(words)
    expect(ben.get_by_text("Kept texts waiting to be merged")).to_have_count(0)

    # The history tells the story; the latest diff shows the kept wording as inserted.
    ben.get_by_role("link", name="History", exact=True).click()
    expect(ben.get_by_role("heading", name=f"History: {TITLE}")).to_be_visible()
    rows = ben.locator("table:not(.inline-fields) tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("5 (latest)")
    expect(rows.nth(0)).to_contain_text("conflict resolved")
    expect(rows.nth(2)).to_contain_text("merged from 1")
    expect(rows.nth(2)).to_contain_text("Island Legal Aid")
    expect(rows.nth(1).get_by_role("button", name="Restore")).to_be_visible()
    expect(rows.nth(0).get_by_role("button", name="Restore")).to_have_count(0)
    rows.nth(0).get_by_role("link", name="diff").click()
    expect(ben.get_by_role("heading", name="Revision 4 → 5")).to_be_visible()
    expect(ben.locator(".diff-inline ins")).to_contain_text(["profoundly"])
    expect(ben.locator(".diff-inline del")).to_have_count(0)

    # --- the drafters send it for review: only then does the committee see it ------------
    ben.goto(show_path)
    ben.get_by_role("button", name="Send to the steering committee for review").click()
    expect(ben.get_by_text("The statement is now in review.")).to_be_visible()

    # --- the steering committee opens sign-on -------------------------------------------
    sara = open_page()
    sign_in(sara, "sara@example.org", show_path)
    sara.get_by_label("Sign-on deadline (UTC)").fill(DEADLINE)
    sara.get_by_role("button", name="Open for sign-on").click()
    expect(sara.get_by_text("The statement is now open for sign-on.")).to_be_visible()
    expect(sara.get_by_text("Sign-on closes 1 Jan 2030, 12:00.")).to_be_visible()

    # --- two organisations sign ---------------------------------------------------------
    for email, org_name in (("hana@example.org", "Harbour Rights Network"),
                            ("milo@example.org", "Mountain Voices")):
        signer = open_page()
        sign_in(signer, email, show_path)
        sign_on = signer.locator("#sign-on")
        sign_on.get_by_role("listitem").filter(has_text=org_name).get_by_role(
            "button", name="Sign revision 5").click()
        expect(signer.get_by_text(f"{org_name} has signed revision 5.")).to_be_visible()
        expect(signer.locator("#sign-on").get_by_role("row", name=re.compile(org_name))
               ).to_contain_text("revision 5 (current)")

    # --- published ---------------------------------------------------------------------
    sara.reload()
    expect(sara.locator("#sign-on tbody tr")).to_have_count(2)
    sara.get_by_role("button", name="Publish revision 5").click()
    expect(sara.get_by_text("The statement is now published.")).to_be_visible()
    expect(sara.get_by_text("Signed by: Harbour Rights Network, Mountain Voices.")
           ).to_be_visible()
    assert_inert(sara)
    screenshot(sara, "statement-04-signed-on")
    public_href = sara.get_by_role("link", name="Public page").get_attribute("href")
    assert public_href == f"/s/{sid}"

    # --- anyone reads the public page and its PDF ----------------------------------------
    visitor = open_page()
    response = visitor.goto(public_href)
    assert response is not None and response.status == 200
    expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(visitor.get_by_text(OCCASION)).to_be_visible()
    text = visitor.locator(".statement-text")
    for words in (A_NEW, B_NEW.rstrip("."), A_WORD, B_WORD):
        expect(text).to_contain_text(words)
    assert_inert(visitor)
    signatories = visitor.locator("ul.signatories li")
    expect(signatories).to_have_text(["Harbour Rights Network", "Mountain Voices"])
    expect(visitor.get_by_text("Island Legal Aid")).to_have_count(0)  # drafted, did not sign
    screenshot(visitor, "statement-05-public")

    pdf_href = visitor.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    pdf = visitor.request.get(pdf_href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF"), body[:20]
    try:
        from pypdf import PdfReader
    except ImportError:
        pass  # the signatories in the PDF are checked where pypdf is installed
    else:
        import io

        pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
        pdf_text = " ".join(pdf_text.split())
        for name in ("Harbour Rights Network", "Mountain Voices", A_WORD, B_WORD):
            assert name in pdf_text, pdf_text

    # Only the publish confirmation ever opened a dialog: the script never ran.
    assert dialogs == [("confirm", "Publish revision 5 with its signatories?")], dialogs
    assert len(watch.documents) >= 15, watch.documents
    assert watch.problems == []
