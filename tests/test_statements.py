"""Joint statements as their users meet them, through HTTP: drafting with history, merges and
kept conflicts, comments, sign-on, publishing and the public page with its exports, and the
bad input of issue 4 (forged bases, huge pastes, scripts, signing where one may not)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.statements import services
from coalition.statements.models import (
    MAX_TEXT_CHARS,
    Comment,
    ConflictCopy,
    Draft,
    Endorsement,
    Revision,
    Statement,
)
from tests.conftest import AuthActions, csrf_from

TEXT = ("We welcome the adoption of the outcome.\n\n"
        "We urge the Government to implement the recommendations it supported.\n\n"
        "Thank you, Mr President.\n")
PARA1 = "We welcome the adoption of the outcome."
PARA2 = "We urge the Government to implement the recommendations it supported."


# --- helpers ------------------------------------------------------------------------------------

def person(app: Flask, email: str) -> AuthActions:
    """A person signed in with their own browser (test client)."""
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def fresh(statement_id: int) -> Statement:
    """The statement as the database has it now (the requests committed in other sessions); the
    test's own changes are committed first."""
    db.session.commit()
    statement = db.session.get(Statement, statement_id)
    assert statement is not None
    return statement


def revision_count(statement_id: int) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(Revision.id)).where(
        Revision.document_id == Statement.document_id, Statement.id == statement_id)).scalar_one()


def head_text(statement_id: int) -> str:
    return services.head(fresh(statement_id)).text


def page(auth: AuthActions, path: str) -> str:
    response = auth.client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def save(auth: AuthActions, statement_id: int, base: Any, text: str, summary: str = "",
         org_id: int | None = None, **kwargs: Any) -> Any:
    data = {"base_number": str(base), "text": text, "summary": summary}
    if org_id is not None:
        data["organisation"] = str(org_id)
    return auth.post(f"/statements/{statement_id}/edit", data=data, **kwargs)


def edit_form_org(auth: AuthActions, statement_id: int) -> str:
    """The organisation the editor preselects for "Saving for"."""
    html = page(auth, f"/statements/{statement_id}/edit")
    match = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', html)
    assert match, "no organisation preselected"
    return match.group(1) or match.group(2)


def post_json(auth: AuthActions, path: str, payload: dict[str, Any]) -> Any:
    token = auth.csrf("/profile")
    return auth.client.post(path, json=payload, headers={"X-CSRFToken": token})


def statement_text_html(html: str) -> str:
    """The rendered statement text of a page (the layout's own script tag is not in it)."""
    match = re.search(r'class="statement-text"[^>]*>(.*?)</(?:article|div)>', html, re.S)
    assert match, "no statement text on the page"
    return match.group(1)


@pytest.fixture
def drafted(world: Any) -> int:
    """A draft led by world.org with world.other co-drafting; revision 1 by world.org's editor."""
    statement = services.create_statement(
        world.users["editor"], world.org, "Joint statement on China's UPR outcome",
        "HRC 40th session, item 6: adoption of China's UPR outcome", "oral", "en",
        [world.other], TEXT)
    db.session.commit()
    return statement.id


def open_for_signon(statement_id: int, world: Any, days: int = 7) -> None:
    services.transition(world.users["steering"], fresh(statement_id), "open_signon",
                        utcnow() + timedelta(days=days))
    db.session.commit()


# --- creating and saving ------------------------------------------------------------------------

def test_create_a_statement_then_save_from_the_head(app: Flask, world: Any) -> None:
    editor = person(app, "editor@example.org")
    response = editor.post("/statements/new", data={
        "title": "Statement on the adoption", "occasion": "HRC 40th session, item 6",
        "kind": "oral", "language": "en", "lead": str(world.org.id),
        "co_drafters": [str(world.other.id)], "text": TEXT})
    assert response.status_code == 302
    statement = db.session.scalars(select(Statement)).one()
    assert statement.head_number == 1
    assert [o.name for o in statement.drafting_organisations] == [
        "Owning Organisation", "Other Organisation"]
    first = services.head(statement)
    assert (first.number, first.parent_number, first.text) == (1, None, TEXT)
    assert first.author_id == world.users["editor"].id

    response = save(editor, statement.id, 1, TEXT.replace("welcome", "warmly welcome"),
                    "Warmer", org_id=world.org.id, follow_redirects=True)
    assert "Saved as revision 2." in response.get_data(as_text=True)
    statement = fresh(statement.id)
    head = services.head(statement)
    assert (head.number, head.parent_number, head.base_number, head.kind) == (2, 1, 1, "edit")
    assert head.organisation_id == world.org.id and head.summary == "Warmer"


def test_two_saves_from_one_base_on_different_paragraphs_merge(app: Flask, world: Any,
                                                               drafted: int) -> None:
    ours = person(app, "editor@example.org")
    theirs = person(app, "oeditor@example.org")
    assert save(ours, drafted, 1, TEXT.replace(PARA1, PARA1 + " OURS"),
                org_id=world.org.id).status_code == 302
    response = save(theirs, drafted, 1, TEXT.replace(PARA2, PARA2 + " THEIRS"),
                    org_id=world.other.id, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "merged with revision 2 by Owning Organisation" in html
    head = services.head(fresh(drafted))
    assert head.number == 3 and head.kind == "merge" and head.base_number == 1
    assert "OURS" in head.text and "THEIRS" in head.text


def test_a_clash_keeps_the_editors_text_and_shows_both_versions(app: Flask, world: Any,
                                                                 drafted: int) -> None:
    ours = person(app, "editor@example.org")
    theirs = person(app, "oeditor@example.org")
    save(ours, drafted, 1, TEXT.replace("welcome", "applaud"), org_id=world.org.id)
    mine = TEXT.replace("welcome", "regret")
    response = save(theirs, drafted, 1, mine, org_id=world.other.id)
    assert response.status_code == 302
    match = re.search(r"/statements/\d+/conflicts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    copy = db.session.get(ConflictCopy, int(match.group(1)))
    assert copy.text == mine and copy.resolved_at is None
    assert (copy.base_number, copy.head_number) == (1, 2)
    statement = fresh(drafted)
    assert statement.head_number == 2 and "applaud" in services.head(statement).text
    # The differing words are highlighted (issue 9): the words, without their marks.
    html = re.sub(r"</?mark[^>]*>", "", page(theirs, response.headers["Location"]))
    assert "We applaud the adoption" in html and "We regret the adoption" in html
    # The statement page points at the kept text until it is resolved.
    assert "waiting to be merged" in page(ours, f"/statements/{drafted}")


@pytest.mark.parametrize(("choice", "custom", "expected"), [
    ("mine", "", ["regret"]),
    ("both", "", ["applaud", "regret"]),
    ("custom", "We note the adoption of the outcome.\n", ["We note the adoption"]),
])
def test_resolving_a_conflict(app: Flask, world: Any, drafted: int, choice: str, custom: str,
                              expected: list[str]) -> None:
    services.save_text(world.users["editor"], fresh(drafted), world.org, 1,
                       TEXT.replace("welcome", "applaud"))
    outcome = services.save_text(world.users["other_editor"], fresh(drafted), world.other, 1,
                                 TEXT.replace("welcome", "regret"))
    db.session.commit()
    assert outcome.kind == "conflict"
    copy_id = outcome.conflict.id
    theirs = person(app, "oeditor@example.org")
    url = f"/statements/{drafted}/conflicts/{copy_id}"
    form = {"choice-0": choice, "custom-0": custom}
    response = theirs.post(url, data=form)
    assert response.status_code == 302
    statement = fresh(drafted)
    head = services.head(statement)
    assert head.number == 3 and head.kind == "resolution"
    for words in expected:
        assert words in head.text
    if choice != "both":
        assert "applaud" not in head.text   # still in revision 2
    copy = db.session.get(ConflictCopy, copy_id)
    assert copy.resolved_at is not None and copy.resolved_number == 3

    again = theirs.post(url, data=form)
    assert again.status_code == 400
    assert "already been resolved" in again.get_data(as_text=True)
    assert revision_count(drafted) == 3


# --- bad input ------------------------------------------------------------------------------

def test_forged_or_stale_base_revisions_are_refused(app: Flask, world: Any,
                                                    drafted: int) -> None:
    # Another statement with more revisions than this one has.
    other = services.create_statement(world.users["editor"], world.org, "Another", text="a\n")
    for n in range(1, 5):
        services.save_text(world.users["editor"], other, world.org, n, f"a {n}\n")
    db.session.commit()
    assert fresh(other.id).head_number == 5
    editor = person(app, "editor@example.org")
    before = revision_count(drafted)
    for base in ("99", "5", "0", "-1", "abc", "1.5", ""):
        response = save(editor, drafted, base, TEXT + "Forged.\n", org_id=world.org.id)
        assert response.status_code == 400, base
        html = response.get_data(as_text=True)
        if base in {"99", "5", "0", "-1"}:
            assert "not a revision of this statement" in html, base
        else:
            assert "Not a valid integer value" in html or "This field is required" in html
    assert revision_count(drafted) == before
    assert fresh(drafted).head_number == 1
    assert db.session.scalar(select(func.count(ConflictCopy.id))) == 0


def test_a_two_megabyte_paste_is_refused(app: Flask, world: Any, drafted: int) -> None:
    paste = "All work and no play. " * (2 * 1024 * 1024 // 22)
    assert len(paste) > MAX_TEXT_CHARS
    editor = person(app, "editor@example.org")
    response = save(editor, drafted, 1, paste, org_id=world.org.id)
    assert response.status_code in {400, 413}
    if response.status_code == 400:
        assert "Field cannot be longer than" in response.get_data(as_text=True)
    assert revision_count(drafted) == 1
    # Autosave refuses it too, and keeps no draft.
    response = post_json(editor, f"/statements/{drafted}/autosave",
                         {"base_number": 1, "text": paste})
    assert response.status_code in {400, 413}
    assert db.session.scalar(select(func.count(Draft.id))) == 0
    # And so does the service, whatever calls it.
    with pytest.raises(Exception, match="too long"):
        services.save_text(world.users["editor"], fresh(drafted), world.org, 1, paste)
    db.session.rollback()


SCRIPTED = (PARA1 + "\n\n<script>alert('x')</script>\n\n"
            '<iframe src="https://evil.example/"></iframe>\n\n'
            "[click me](javascript:alert(1)) and "
            '<a href="javascript:alert(2)">this</a> and <img src=x onerror="alert(3)">\n')


def assert_inert(html: str) -> None:
    text = statement_text_html(html)
    assert "<script" not in text.lower() and "<iframe" not in text.lower()
    assert "onerror" not in text.lower()
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", html, re.I)
    assert "<iframe" not in html.lower()
    # The layout loads its own app.js; nothing else is a script.
    assert re.findall(r"<script[^>]*>", html) == [
        s for s in re.findall(r"<script[^>]*>", html) if "app.js" in s]


def test_scripts_iframes_and_javascript_links_are_inert(app: Flask, world: Any,
                                                        drafted: int) -> None:
    editor = person(app, "editor@example.org")
    assert save(editor, drafted, 1, SCRIPTED, org_id=world.org.id).status_code == 302
    assert_inert(page(editor, f"/statements/{drafted}"))
    preview = post_json(editor, "/statements/preview", {"text": SCRIPTED}).get_json()["html"]
    assert "<script" not in preview and "<iframe" not in preview
    assert "javascript:" not in preview
    # Published, the public page is inert too.
    statement = fresh(drafted)
    services.transition(world.users["steering"], statement, "submit")
    services.transition(world.users["steering"], statement, "publish")
    db.session.commit()
    anonymous = AuthActions(app.test_client())
    html = page(anonymous, f"/s/{drafted}")
    assert PARA1 in html
    assert_inert(html)


# --- history, diff, blame, restore --------------------------------------------------------------

def test_history_diff_blame_and_restore(app: Flask, world: Any, drafted: int) -> None:
    ours = person(app, "editor@example.org")
    theirs = person(app, "oeditor@example.org")
    save(ours, drafted, 1, TEXT.replace("welcome", "warmly welcome"), "Warmer",
         org_id=world.org.id)
    save(theirs, drafted, 2, TEXT.replace("welcome", "warmly welcome").replace(
        "Thank you", "We thank you"), "Thanks", org_id=world.other.id)

    history = page(ours, f"/statements/{drafted}/history")
    for summary in ("First draft", "Warmer", "Thanks"):
        assert summary in history
    assert "Other Organisation" in history and "Owning Organisation" in history

    diff = page(ours, f"/statements/{drafted}/diff?a=1&b=3")
    assert "<ins>warmly </ins>" in diff
    assert "<del>" in diff and "<ins>" in diff

    blame = page(ours, f"/statements/{drafted}/blame")
    passages = re.findall(r'<span class="blame-\d" title="([^"]+)" tabindex="0">([^<]*)</span>',
                          blame)
    by = {}
    for name, passage in passages:
        by.setdefault(name, []).append(passage)
    assert by["Other Organisation"] == ["We thank "]   # its change, and nothing else
    assert any(p.startswith("We warmly welcome") for p in by["Owning Organisation"])
    assert "".join(p for _, p in passages) == TEXT.replace("welcome", "warmly welcome").replace(
        "Thank you", "We thank you")

    response = ours.post(f"/statements/{drafted}/restore/1", data={})
    assert response.status_code == 302
    head = services.head(fresh(drafted))
    assert head.number == 4 and head.text == TEXT and head.kind == "restore"
    assert revision_count(drafted) == 4  # the restore is a new revision; nothing rewritten
    assert services.revision(fresh(drafted), 3).text != TEXT


# --- comments -----------------------------------------------------------------------------------

def test_comments_anchored_replied_resolved_and_carried_forward(app: Flask, world: Any,
                                                                drafted: int) -> None:
    viewer = person(app, "viewer@example.org")
    editor = person(app, "editor@example.org")
    quote = "implement the recommendations it supported"
    response = viewer.post(f"/statements/{drafted}/comments",
                           data={"quote": quote, "body": "Name the recommendations?"})
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert (comment.quote, comment.revision_number) == (quote, 1)
    assert editor.post(f"/statements/{drafted}/comments",
                       data={"body": "Yes: 28.343.", "parent_id": str(comment.id)}
                       ).status_code == 302
    html = page(editor, f"/statements/{drafted}")
    assert "Name the recommendations?" in html and "Yes: 28.343." in html
    assert "no longer in the text" not in html

    # An edit elsewhere carries the comment forward: its passage is still there.
    save(editor, drafted, 1, TEXT.replace("Thank you", "Thanks"), org_id=world.org.id)
    assert "no longer in the text" not in page(viewer, f"/statements/{drafted}")
    # An edit that removes the passage: the comment says so.
    save(editor, drafted, 2, TEXT.replace("Thank you", "Thanks").replace(
        quote, "implement them all"), org_id=world.org.id)
    assert "This passage is no longer in the text." in page(viewer, f"/statements/{drafted}")

    # A quote that is not in the text is refused.
    response = viewer.post(f"/statements/{drafted}/comments",
                           data={"quote": "words nobody wrote", "body": "?"})
    assert response.status_code == 400

    url = f"/statements/{drafted}/comments/{comment.id}/resolve"
    assert viewer.post(url, data={}).status_code == 302  # the author resolves it
    db.session.rollback()
    assert db.session.get(Comment, comment.id).resolved_at is not None
    assert viewer.post(url, data={}).status_code == 400  # twice: refused


def test_only_the_author_or_an_editor_resolves_a_comment(app: Flask, world: Any,
                                                         drafted: int) -> None:
    services.add_comment(world.users["editor"], fresh(drafted), world.org, "Mine.")
    db.session.commit()
    comment_id = db.session.scalars(select(Comment.id)).one()
    viewer = person(app, "viewer@example.org")
    assert viewer.post(f"/statements/{drafted}/comments/{comment_id}/resolve",
                       data={}).status_code == 403
    db.session.rollback()
    assert db.session.get(Comment, comment_id).resolved_at is None


# --- sign-on ------------------------------------------------------------------------------------

def test_sign_on_reconfirm_withdraw(app: Flask, world: Any, drafted: int) -> None:
    open_for_signon(drafted, world)
    admin = person(app, "admin@example.org")
    response = admin.post(f"/statements/{drafted}/sign",
                          data={"organisation": str(world.org.id)})
    assert response.status_code == 302
    endorsement = db.session.scalars(select(Endorsement)).one()
    assert (endorsement.organisation_id, endorsement.revision_number) == (world.org.id, 1)
    assert "revision 1 (current)" in page(admin, f"/statements/{drafted}")

    # Signing for an organisation one does not administer: refused, nothing written.
    response = admin.post(f"/statements/{drafted}/sign",
                          data={"organisation": str(world.other.id)})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Endorsement.id))) == 1

    # The text changes: the signature is for an earlier version, to be re-confirmed.
    editor = person(app, "editor@example.org")
    save(editor, drafted, 1, TEXT.replace("welcome", "note"), org_id=world.org.id)
    assert "signed an earlier version" in page(admin, f"/statements/{drafted}")
    assert admin.post(f"/statements/{drafted}/sign",
                      data={"organisation": str(world.org.id)}).status_code == 302
    html = page(admin, f"/statements/{drafted}")
    assert "signed an earlier version" not in html and "revision 2 (current)" in html
    # Signing the same version twice (a stale form): refused, said on the statement page.
    response = admin.post(f"/statements/{drafted}/sign",
                          data={"organisation": str(world.org.id)}, follow_redirects=True)
    assert "has already signed this version" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Endorsement.id))) == 2

    # Withdraw: kept in history; withdrawing twice is refused.
    url = f"/statements/{drafted}/withdraw-signature"
    assert admin.post(url, data={"organisation": str(world.org.id)}).status_code == 302
    db.session.rollback()
    rows = db.session.scalars(select(Endorsement).order_by(Endorsement.id)).all()
    assert len(rows) == 2 and rows[-1].withdrawn_at is not None
    assert "No organisation has signed yet." in page(admin, f"/statements/{drafted}")
    response = admin.post(url, data={"organisation": str(world.org.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "already withdrawn" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Endorsement.id))) == 2


def test_signing_after_the_deadline_is_refused(app: Flask, world: Any, drafted: int) -> None:
    open_for_signon(drafted, world)
    statement = fresh(drafted)
    statement.signon_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    admin = person(app, "admin@example.org")
    response = admin.post(f"/statements/{drafted}/sign",
                          data={"organisation": str(world.org.id)}, follow_redirects=True)
    assert response.status_code == 200  # said on the statement page
    assert "deadline has passed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Endorsement.id))) == 0


def test_signing_a_draft_is_refused(app: Flask, world: Any, drafted: int) -> None:
    admin = person(app, "admin@example.org")
    response = admin.post(f"/statements/{drafted}/sign",
                          data={"organisation": str(world.org.id)}, follow_redirects=True)
    assert "not open for sign-on" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Endorsement.id))) == 0


# --- publishing, the public page, exports, corrections ------------------------------------------

def published_scene(app: Flask, world: Any, statement_id: int) -> None:
    """world.org signs the head; world.other signed an earlier revision and did not re-confirm;
    the steering committee publishes."""
    open_for_signon(statement_id, world)
    services.sign(world.users["other_admin"], fresh(statement_id), world.other)
    services.save_text(world.users["editor"], fresh(statement_id), world.org, 1,
                       TEXT.replace("Thank you", "We thank you"))
    services.sign(world.users["org_admin"], fresh(statement_id), world.org)
    db.session.commit()
    steering = person(app, "steering@example.org")
    assert steering.post(f"/statements/{statement_id}/status/publish",
                         data={}).status_code == 302


def test_publish_public_page_and_exports(app: Flask, world: Any, drafted: int) -> None:
    anonymous = AuthActions(app.test_client())
    assert anonymous.client.get(f"/s/{drafted}").status_code == 404  # not yet published
    published_scene(app, world, drafted)
    statement = fresh(drafted)
    assert (statement.status, statement.published_number) == ("published", 2)

    html = page(anonymous, f"/s/{drafted}")
    assert "Joint statement on China&#39;s UPR outcome" in html
    assert "HRC 40th session, item 6: adoption of China&#39;s UPR outcome" in html
    assert statement.published_at.strftime("%-d %B %Y") in html
    assert "We thank you, Mr President." in html
    signatories = re.search(r'<ul class="signatories">(.*?)</ul>', html, re.S).group(1)
    assert "Owning Organisation" in signatories
    assert "Other Organisation" not in signatories  # signed revision 1 only

    pdf = anonymous.client.get(f"/s/{drafted}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    from pypdf import PdfReader

    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    pdf_text = " ".join(pdf_text.split())
    assert "Owning Organisation" in pdf_text and "Other Organisation" not in pdf_text
    assert "We thank you, Mr President." in pdf_text

    docx = anonymous.client.get(f"/s/{drafted}.docx")
    assert docx.status_code == 200
    from docx import Document

    paragraphs = [p.text for p in Document(io.BytesIO(docx.data)).paragraphs]
    assert "Signatories" in paragraphs
    listed = paragraphs[paragraphs.index("Signatories") + 1:]
    assert listed == ["Owning Organisation"]
    assert PARA2 in paragraphs

    markdown = anonymous.client.get(f"/s/{drafted}.md")
    assert markdown.status_code == 200
    assert markdown.get_data(as_text=True) == TEXT.replace("Thank you", "We thank you")


def test_a_published_statement_is_corrected_only_by_reopening(app: Flask, world: Any,
                                                              drafted: int) -> None:
    published_scene(app, world, drafted)
    editor = person(app, "editor@example.org")
    steering = person(app, "steering@example.org")
    before = revision_count(drafted)
    response = save(editor, drafted, 2, TEXT + "Sneaky.\n", org_id=world.org.id)
    assert response.status_code == 400
    assert "cannot be edited" in response.get_data(as_text=True)
    assert steering.post(f"/statements/{drafted}/restore/1", data={}).status_code == 400
    assert revision_count(drafted) == before
    assert fresh(drafted).published_number == 2
    # The editor is not even offered.
    assert "Edit text" not in page(editor, f"/statements/{drafted}")

    # Reopening needs a note, and only the steering committee may.
    assert editor.post(f"/statements/{drafted}/status/reopen",
                       data={"note": "Typo"}).status_code == 403
    assert steering.post(f"/statements/{drafted}/status/reopen",
                         data={"note": ""}).status_code == 400
    assert fresh(drafted).status == "published"
    assert steering.post(f"/statements/{drafted}/status/reopen",
                         data={"note": "A typo in the closing line."}).status_code == 302
    assert fresh(drafted).status == "in_review"
    assert save(editor, drafted, 2, TEXT.replace("Thank you", "We thank you").replace(
        "Mr President", "Madam President"), org_id=world.org.id).status_code == 302
    # The correction is signed by nobody yet: published with the explicit confirmation.
    assert steering.post(f"/statements/{drafted}/status/publish",
                         data={"confirm_unsigned": "y"}).status_code == 302
    statement = fresh(drafted)
    assert (statement.status, statement.published_number) == ("published", 3)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "statement.publish").order_by(AuditEvent.id)).all()
    assert len(events) == 2
    assert "correction" not in events[0].changes
    assert events[1].changes["correction"] == [None, "A typo in the closing line."]
    assert events[1].changes["published_number"] == [2, 3]
    html = page(AuthActions(app.test_client()), f"/s/{drafted}")
    assert "Madam President" in html and "Corrected: A typo in the closing line." in html


# --- autosave and presence ----------------------------------------------------------------------

def test_autosave_survives_closing_the_tab(app: Flask, world: Any, drafted: int) -> None:
    editor = person(app, "editor@example.org")
    typed = TEXT + "Half a sentence I have not saved"
    response = post_json(editor, f"/statements/{drafted}/autosave",
                         {"base_number": 1, "text": typed})
    assert response.status_code == 200 and "saved_at" in response.get_json()
    assert revision_count(drafted) == 1  # a draft is not a revision

    # The tab is closed; the person signs in again in a new browser and opens the editor.
    again = person(app, "editor@example.org")
    html = page(again, f"/statements/{drafted}/edit")
    assert "Half a sentence I have not saved" in html
    assert "Your unsaved text from last time was restored." in html
    # Another drafter does not get it.
    other = person(app, "oeditor@example.org")
    assert "Half a sentence" not in page(other, f"/statements/{drafted}/edit")

    # Saving clears the draft.
    assert save(again, drafted, 1, typed + ".\n", org_id=world.org.id).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count(Draft.id))) == 0
    # A forged base is refused by autosave too.
    assert post_json(again, f"/statements/{drafted}/autosave",
                     {"base_number": 99, "text": "x"}).status_code == 400


def test_heartbeat_lists_the_others_editing(app: Flask, world: Any, drafted: int) -> None:
    ours = person(app, "editor@example.org")
    theirs = person(app, "oeditor@example.org")
    first = post_json(ours, f"/statements/{drafted}/heartbeat", {}).get_json()
    assert first == {"editing": [], "head": 1}
    second = post_json(theirs, f"/statements/{drafted}/heartbeat", {}).get_json()
    assert second["editing"] == [world.users["editor"].display_name]
    again = post_json(ours, f"/statements/{drafted}/heartbeat", {}).get_json()
    assert again["editing"] == [world.users["other_editor"].display_name]


# --- who may do what ----------------------------------------------------------------------------

def test_non_drafters_cannot_edit_a_draft(app: Flask, world: Any, make_org: Any,
                                          make_user: Any, drafted: int) -> None:
    outsider_org = make_org("Outside Organisation")
    make_user("outsider@example.org", outsider_org, "editor")
    for email in ("outsider@example.org", "viewer@example.org"):
        someone = person(app, email)
        assert someone.client.get(f"/statements/{drafted}/edit").status_code == 403
        assert save(someone, drafted, 1, TEXT + "Mine.\n").status_code == 403
        assert post_json(someone, f"/statements/{drafted}/autosave",
                         {"base_number": 1, "text": "x"}).status_code == 403
    assert revision_count(drafted) == 1
    assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_a_draft_is_for_its_drafters_until_review_then_steering_until_sign_on(
        app: Flask, world: Any, make_org: Any, make_user: Any, drafted: int) -> None:
    outsider_org = make_org("Outside Organisation")
    make_user("outsider@example.org", outsider_org, "viewer")
    outsider = person(app, "outsider@example.org")
    title = "Joint statement on China&#39;s UPR outcome"
    assert outsider.client.get(f"/statements/{drafted}").status_code == 403
    assert outsider.client.get(f"/statements/{drafted}/history").status_code == 403
    assert title not in page(outsider, "/statements")
    viewer = person(app, "viewer@example.org")   # a member of the lead organisation
    assert title in page(viewer, "/statements")

    editor = person(app, "editor@example.org")
    assert editor.post(f"/statements/{drafted}/status/submit", data={}).status_code == 302
    assert fresh(drafted).status == "in_review"
    # In review, the steering committee reads it; other members only once open for sign-on.
    assert outsider.client.get(f"/statements/{drafted}").status_code == 403
    assert title in page(person(app, "steering@example.org"), f"/statements/{drafted}")
    open_for_signon(drafted, world)
    assert title in page(outsider, f"/statements/{drafted}")
    assert title in page(outsider, "/statements")
    # Reading is not editing.
    assert outsider.client.get(f"/statements/{drafted}/edit").status_code == 403


def test_workflow_transitions_by_role(app: Flask, world: Any, drafted: int) -> None:
    viewer = person(app, "viewer@example.org")
    editor = person(app, "editor@example.org")
    steering = person(app, "steering@example.org")
    url = f"/statements/{drafted}/status/"
    assert viewer.post(url + "submit", data={}).status_code == 403
    # Drafters may not publish, open sign-on or withdraw: the steering committee does.
    assert editor.post(url + "publish", data={}).status_code == 403
    assert editor.post(url + "open_signon",
                       data={"deadline": "2999-01-01T12:00"}).status_code == 403
    assert editor.post(url + "withdraw", data={}).status_code == 403
    assert fresh(drafted).status == "draft"
    # A draft never submitted is not yet the steering committee's to see or move.
    assert steering.post(url + "publish", data={}).status_code == 403
    assert editor.post(url + "submit", data={}).status_code == 302
    assert editor.post(url + "submit", data={}).status_code == 400   # already in review
    assert editor.post(url + "back_to_draft", data={}).status_code == 302
    # Back in draft, it stays the committee's to read, but cannot be published straight away.
    assert steering.post(url + "publish", data={}).status_code == 400
    assert editor.post(url + "submit", data={}).status_code == 302
    # A deadline in the past is refused.
    assert steering.post(url + "open_signon",
                         data={"deadline": "2001-01-01T12:00"}).status_code == 400
    assert steering.post(url + "open_signon",
                         data={"deadline": "2999-01-01T12:00"}).status_code == 302
    assert fresh(drafted).status == "open"
    # Nobody has signed: publishing needs the explicit "no signatory" confirmation (issue 9).
    assert steering.post(url + "publish", data={}).status_code == 302
    assert fresh(drafted).status == "open"
    assert steering.post(url + "publish", data={"confirm_unsigned": "y"}).status_code == 302
    assert fresh(drafted).status == "published"
    assert steering.post(url + "no-such-action", data={}).status_code == 404
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("statement.%")).order_by(AuditEvent.id)).all()
    assert actions == ["statement.create", "statement.submit", "statement.back_to_draft",
                       "statement.submit", "statement.open_signon", "statement.publish"]


def test_the_editor_page_carries_the_base_revision(app: Flask, world: Any,
                                                   drafted: int) -> None:
    editor = person(app, "editor@example.org")
    html = page(editor, f"/statements/{drafted}/edit")
    assert 'name="base_number" value="1"' in html
    assert csrf_from(html)
    assert edit_form_org(editor, drafted) == str(world.org.id)
