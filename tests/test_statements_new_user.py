"""Issue 9, section 3: what a new user tripped over in joint statements, each as the user meets
it through HTTP (sign-on actions, publishing unsigned, angle brackets, the DOCX export, who may
edit, the conflict page, the new-statement form, the public list of published statements)."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from coalition.core.markdown import render_html
from coalition.extensions import db
from coalition.statements import services
from coalition.statements.models import Endorsement
from tests.conftest import AuthActions
from tests.test_statements import (
    PARA1,
    TEXT,
    drafted,  # noqa: F401 - a fixture
    fresh,
    open_for_signon,
    page,
    person,
    save,
    statement_text_html,
)


def sign_on_section(html: str) -> str:
    match = re.search(r'<section id="sign-on">(.*?)</section>', html, re.S)
    assert match, "no sign-on section"
    return match.group(1)


def flashes(html: str) -> str:
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', html, re.S))


# --- 1. sign-on offers only the action that applies ---------------------------------------------

def test_sign_on_offers_only_the_action_that_applies(app: Flask, world: Any,
                                                      drafted: int) -> None:  # noqa: F811
    open_for_signon(drafted, world)
    admin = person(app, "admin@example.org")
    section = sign_on_section(page(admin, f"/statements/{drafted}"))
    # Never signed: sign, no withdraw.
    assert "Sign revision 1" in section and "Withdraw" not in section

    admin.post(f"/statements/{drafted}/sign", data={"organisation": str(world.org.id)})
    section = sign_on_section(page(admin, f"/statements/{drafted}"))
    # Signed the current revision: withdraw only.
    assert "Sign revision" not in section and "Withdraw signature" in section

    editor = person(app, "editor@example.org")
    save(editor, drafted, 1, TEXT.replace("welcome", "note"), org_id=world.org.id)
    section = sign_on_section(page(admin, f"/statements/{drafted}"))
    # Signed an earlier revision: re-confirm for the new one, or withdraw.
    assert "Sign revision 2" in section and "Withdraw signature" in section


def test_a_stale_sign_on_form_gets_a_message_on_the_statement_page(
        app: Flask, world: Any, drafted: int) -> None:  # noqa: F811
    open_for_signon(drafted, world)
    admin = person(app, "admin@example.org")
    # Withdrawing a signature that was never given (a form from another tab).
    response = admin.post(f"/statements/{drafted}/withdraw-signature",
                          data={"organisation": str(world.org.id)}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Joint statement on China" in html  # the statement page, not an error page
    assert "Owning Organisation has not signed this statement" in flashes(html)

    admin.post(f"/statements/{drafted}/sign", data={"organisation": str(world.org.id)})
    response = admin.post(f"/statements/{drafted}/sign",
                          data={"organisation": str(world.org.id)}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Owning Organisation has already signed this version" in flashes(html)
    assert db.session.scalar(select(func.count(Endorsement.id))) == 1


# --- 2. publishing with no current signatory ----------------------------------------------------

def test_publishing_with_no_signatory_asks_for_an_explicit_confirmation(
        app: Flask, world: Any, drafted: int) -> None:  # noqa: F811
    open_for_signon(drafted, world)
    steering = person(app, "steering@example.org")
    html = page(steering, f"/statements/{drafted}")
    assert "No organisation has signed revision 1" in html
    assert 'name="confirm_unsigned"' in html

    response = steering.post(f"/statements/{drafted}/status/publish", data={},
                             follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No organisation has signed revision 1" in flashes(html)
    assert fresh(drafted).status == "open"

    response = steering.post(f"/statements/{drafted}/status/publish",
                             data={"confirm_unsigned": "y"})
    assert response.status_code == 302
    statement = fresh(drafted)
    assert (statement.status, statement.published_number) == ("published", 1)


def test_publishing_with_a_current_signatory_needs_no_confirmation(
        app: Flask, world: Any, drafted: int) -> None:  # noqa: F811
    open_for_signon(drafted, world)
    services.sign(world.users["org_admin"], fresh(drafted), world.org)
    db.session.commit()
    steering = person(app, "steering@example.org")
    assert 'name="confirm_unsigned"' not in page(steering, f"/statements/{drafted}")
    assert steering.post(f"/statements/{drafted}/status/publish", data={}).status_code == 302
    assert fresh(drafted).status == "published"


# --- 3 and 4. angle brackets and the exports say the same words ---------------------------------

PLACEHOLDER = "We, <name of organisation>, call on the Government."
ADDRESSES = ("Write to policy_team@example.org or see "
             "https://example.org/sites/_layouts/15/doc_2.aspx for *our* **full** analysis.")


def test_text_in_angle_brackets_is_shown_never_dropped() -> None:
    html = render_html(PLACEHOLDER + "\n\n<insert date> and <Organisation X>\n")
    assert "We, &lt;name of organisation&gt;, call on the Government." in html
    assert "&lt;insert date&gt; and &lt;Organisation X&gt;" in html
    # Tags the sanitiser allows still format; scripts still never run.
    assert render_html("a <sup>2</sup> <script>alert(1)</script>").count("<sup>2</sup>") == 1
    assert "<script" not in render_html("<script>alert(1)</script>")


def _published_with(app: Flask, world: Any, statement_id: int, text: str) -> None:
    services.save_text(world.users["editor"], fresh(statement_id), world.org, 1, text)
    open_for_signon(statement_id, world)
    services.sign(world.users["org_admin"], fresh(statement_id), world.org)
    db.session.commit()
    steering = person(app, "steering@example.org")
    assert steering.post(f"/statements/{statement_id}/status/publish",
                         data={}).status_code == 302


def _docx_paragraphs(data: bytes) -> list[Any]:
    from docx import Document

    return list(Document(io.BytesIO(data)).paragraphs)


def test_html_pdf_and_docx_say_the_same_words(app: Flask, world: Any,
                                              drafted: int) -> None:  # noqa: F811
    _published_with(app, world, drafted, f"{PLACEHOLDER}\n\n{ADDRESSES}\n")
    anonymous = AuthActions(app.test_client())
    html = statement_text_html(page(anonymous, f"/s/{drafted}"))
    assert "We, &lt;name of organisation&gt;, call on the Government." in html

    from pypdf import PdfReader

    pdf = anonymous.client.get(f"/s/{drafted}.pdf").data
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
                        .split())
    assert PLACEHOLDER in pdf_text

    texts = [p.text for p in _docx_paragraphs(anonymous.client.get(f"/s/{drafted}.docx").data)]
    assert PLACEHOLDER in texts


def test_docx_keeps_underscores_and_stars_that_are_not_emphasis(
        app: Flask, world: Any, drafted: int) -> None:  # noqa: F811
    _published_with(app, world, drafted,
                    f"{ADDRESSES}\n\n- item with snake_case_name\n- 2 * 3 = 6\n")
    anonymous = AuthActions(app.test_client())
    paragraphs = _docx_paragraphs(anonymous.client.get(f"/s/{drafted}.docx").data)
    texts = [p.text for p in paragraphs]
    assert ("Write to policy_team@example.org or see "
            "https://example.org/sites/_layouts/15/doc_2.aspx for our full analysis.") in texts
    assert "item with snake_case_name" in texts and "2 * 3 = 6" in texts
    # Emphasis is formatting, not characters: "our" in italics, "full" in bold.
    runs = next(p for p in paragraphs if p.text.startswith("Write to")).runs
    assert any(r.text == "our" and r.italic for r in runs)
    assert any(r.text == "full" and r.bold for r in runs)


# --- 9. who may edit ----------------------------------------------------------------------------

def test_an_editor_who_may_not_edit_is_told_who_may(app: Flask, world: Any) -> None:
    statement = services.create_statement(world.users["editor"], world.org, "Solo statement",
                                          "", "oral", "en", [], TEXT)
    db.session.commit()
    open_for_signon(statement.id, world)
    other = person(app, "oeditor@example.org")
    html = page(other, f"/statements/{statement.id}")
    assert "Edit text" not in html
    assert ("Only drafting organisations edit this statement; ask Owning Organisation "
            "(the lead organisation) to add yours.") in " ".join(html.split())
    # Opening the editor anyway: refused, with the same reason.
    refused = other.client.get(f"/statements/{statement.id}/edit")
    assert refused.status_code == 403
    assert "ask Owning Organisation (the lead organisation) to add yours" in " ".join(
        refused.get_data(as_text=True).split())
    viewer = person(app, "viewer@example.org")
    html = " ".join(page(viewer, f"/statements/{statement.id}").split())
    assert ("You are a viewer in Owning Organisation: its editors and administrators edit "
            "this statement.") in html


# --- 10. the conflict page highlights the differing words ---------------------------------------

def test_conflict_page_highlights_differences_and_keep_theirs_says_what_was_saved(
        app: Flask, world: Any, drafted: int) -> None:  # noqa: F811
    services.save_text(world.users["editor"], fresh(drafted), world.org, 1,
                       TEXT.replace("welcome", "applaud"))
    outcome = services.save_text(world.users["other_editor"], fresh(drafted), world.other, 1,
                                 TEXT.replace("welcome", "regret"))
    db.session.commit()
    theirs = person(app, "oeditor@example.org")
    url = f"/statements/{drafted}/conflicts/{outcome.conflict.id}"
    html = page(theirs, url)
    assert '<mark class="diff-theirs">applaud</mark>' in html, "their word is not highlighted"
    assert '<mark class="diff-mine">regret</mark>' in html, "my word is not highlighted"
    response = theirs.post(url, data={"choice-0": "theirs"}, follow_redirects=True)
    text = " ".join(flashes(response.get_data(as_text=True)).split())
    assert ("Conflict resolved, nothing new to save: revision 2 stays the text (passage 1: "
            "their wording (revision 2)).") in text
    assert fresh(drafted).head_number == 2


# --- 14. the new-statement form -----------------------------------------------------------------

def test_new_statement_form_offers_co_drafters_as_checkboxes_without_the_lead(
        app: Flask, world: Any) -> None:
    editor = person(app, "editor@example.org")
    html = page(editor, "/statements/new")
    boxes = re.findall(r'<input[^>]*name="co_drafters"[^>]*>', html)
    assert boxes and all('type="checkbox"' in b for b in boxes)
    labels = [label.strip() for label in re.findall(
        r'<label for="co_drafters-\d+"[^>]*><input[^>]*>([^<]+)</label>', html)]
    assert "Other Organisation" in labels and "Owning Organisation" not in labels
    rows = re.search(r'<textarea[^>]*id="text"[^>]*rows="(\d+)"', html)
    assert rows and int(rows.group(1)) >= 15
    # The lead ticked as a co-drafter (the choice is the user's when they may lead several):
    # it simply stays the lead.
    response = editor.post("/statements/new", data={
        "title": "T", "kind": "oral", "language": "en", "lead": str(world.org.id),
        "co_drafters": [str(world.other.id)], "text": PARA1})
    assert response.status_code == 302


def test_statement_page_offers_comment_on_selection(app: Flask, world: Any,
                                                    drafted: int) -> None:  # noqa: F811
    editor = person(app, "editor@example.org")
    html = page(editor, f"/statements/{drafted}")
    assert 'data-quote-target="quote"' in html  # app.js adds "Comment on this" to selections
    assert re.search(r'<textarea[^>]*name="quote"', html)  # without JS: paste the passage


# --- 18. a public list of published statements --------------------------------------------------

def test_published_statements_have_a_public_list(app: Flask, world: Any,
                                                 drafted: int) -> None:  # noqa: F811
    draft = services.create_statement(world.users["editor"], world.org, "Still a draft", "",
                                      "oral", "en", [], TEXT)
    db.session.commit()
    _published_with(app, world, drafted, TEXT)
    anonymous = AuthActions(app.test_client())
    # /statements asks a visitor to sign in; the sign-in page links to the published ones.
    response = anonymous.client.get("/statements", follow_redirects=True)
    assert 'href="/statements/published"' in response.get_data(as_text=True)
    html = page(anonymous, "/statements/published")
    assert f'href="/s/{drafted}"' in html and "Joint statement on China" in html
    assert "Still a draft" not in html and f"/s/{draft.id}" not in html
    # Withdrawn: off the list (and its page is gone).
    statement = fresh(drafted)
    services.transition(world.users["steering"], statement, "withdraw")
    db.session.commit()
    assert f'href="/s/{drafted}"' not in page(anonymous, "/statements/published")


def test_html_stored_before_the_fix_is_rendered_again(app: Flask, world: Any) -> None:
    """Migration stux8: stored HTML that lost words in angle brackets is rendered again (a
    revision's lazily, when next shown; a comment's at once)."""
    from flask_migrate import downgrade, upgrade

    from coalition.statements.models import Comment, Revision

    statement = services.create_statement(world.users["editor"], world.org, "Old", "", "oral",
                                          "en", [], PLACEHOLDER + "\n")
    db.session.flush()
    comment = services.add_comment(world.users["editor"], statement, world.org,
                                   "Replace <name of organisation> here.")
    revision = services.head(statement)
    revision.html = "<p>We, , call on the Government.</p>"  # as the old renderer stored it
    comment.body_html = "<p>Replace  here.</p>"
    plain = services.create_statement(world.users["editor"], world.org, "Plain", "", "oral",
                                      "en", [], TEXT)
    db.session.flush()
    services.revision_html(services.head(plain))  # no angle brackets: its HTML is kept
    db.session.commit()
    ids = (revision.id, comment.id, services.head(plain).id)
    statement_id = statement.id
    db.session.remove()
    downgrade(revision="imports8")
    upgrade()
    db.session.remove()
    assert db.session.get(Revision, ids[0]).html is None  # rendered again when next shown
    assert "&lt;name of organisation&gt;" in db.session.get(Comment, ids[1]).body_html
    assert db.session.get(Revision, ids[2]).html is not None
    editor = person(app, "editor@example.org")
    html = statement_text_html(page(editor, f"/statements/{statement_id}"))
    assert "We, &lt;name of organisation&gt;, call on the Government." in html


def test_the_coordinator_chooses_among_organisations_not_signed_yet(
        app: Flask, world: Any, drafted: int) -> None:  # noqa: F811
    open_for_signon(drafted, world)
    services.sign(world.users["org_admin"], fresh(drafted), world.org)
    db.session.commit()
    coordinator = person(app, "coordinator@example.org")
    section = sign_on_section(page(coordinator, f"/statements/{drafted}"))
    select_html = re.search(r'<select name="organisation"[^>]*>(.*?)</select>', section, re.S)
    assert select_html, "no choice of organisation"
    assert "Other Organisation" in select_html.group(1)
    assert "Owning Organisation" not in select_html.group(1)  # it has signed: withdraw only
    assert re.search(r"Owning Organisation: signed revision 1 \(current\)", section)
    response = coordinator.post(f"/statements/{drafted}/sign",
                                data={"organisation": str(world.other.id)})
    assert response.status_code == 302
    assert services.signed_revisions(fresh(drafted)) == {world.org.id: 1, world.other.id: 1}
