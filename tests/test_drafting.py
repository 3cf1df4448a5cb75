"""Drafting shared by statements and submissions (issue 12, item 2): a stakeholder submission's
text is drafted with the joint statements' machinery (coalition.drafting): two people saving at
once are merged or kept on the conflict page, an autosaved draft comes back, comments, history,
restore; and only its drafting organisations' editors write it, while it is a draft."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, ConflictCopy, Document, Revision
from coalition.extensions import db
from coalition.submissions import services
from coalition.submissions.models import Submission
from tests.conftest import AuthActions
from tests.test_accounts_concurrency import at_once
from tests.test_submissions import review, signed_in  # noqa: F401  (fixture)

PARA1 = "The Government should repeal the national security law."
PARA2 = "Civil society organisations report arrests of journalists."
PARA3 = "We call for the release of all those detained for peaceful expression."
START = f"{PARA1}\n\n{PARA2}\n\n{PARA3}\n"


@pytest.fixture
def joint(app: Any, world: Any, review: Any) -> int:  # noqa: F811
    """A joint draft led by world.org, world.other confirmed, with its first text saved."""
    submission = services.create_submission(
        world.users["editor"], review, "Freedom of expression", "joint", world.org,
        [world.other.id])
    db.session.flush()
    services.answer(world.users["other_editor"], submission.participants[0], "confirmed")
    outcome = services.save_text(world.users["editor"], submission, world.org, 1, START,
                                 "First text")
    assert outcome.kind == "saved" and outcome.revision.number == 2
    db.session.commit()
    return submission.id


def fresh(submission_id: int) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission_id)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def open_editor(auth: AuthActions, submission_id: int) -> tuple[str, int]:
    page = auth.client.get(f"/submissions/{submission_id}/text")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    base = int(re.search(r'name="base_number" value="(\d+)"', html).group(1))
    return csrf(html), base


def save(auth: AuthActions, submission_id: int, token: str, base: int, text: str) -> Any:
    return auth.client.post(f"/submissions/{submission_id}/text", data={
        "csrf_token": token, "base_number": str(base), "text": text, "summary": "An edit"})


def revision_count(submission_id: int) -> int:
    submission = fresh(submission_id)
    if submission.document_id is None:
        return 0
    return db.session.scalar(select(func.count(Revision.id)).where(
        Revision.document_id == submission.document_id))


def test_current_text_is_empty_then_the_head(app: Any, world: Any, review: Any) -> None:  # noqa: F811
    submission = services.create_submission(world.users["editor"], review, "Alone",
                                            "individual", world.org)
    db.session.flush()
    assert services.current_text(submission) == ""
    assert submission.document_id is None  # made the first time the text is written
    services.save_text(world.users["editor"], submission, world.org, 1, "Our text.")
    assert services.current_text(submission) == "Our text."
    document = db.session.get(Document, submission.document_id)
    assert document.owner == "submission" and document.head_number == 2


def test_two_people_save_the_same_draft_at_once_and_both_edits_are_kept(
        app: Any, world: Any, joint: int) -> None:
    lead = signed_in(app, "editor@example.org")
    co = signed_in(app, "oeditor@example.org")
    lead_token, lead_base = open_editor(lead, joint)
    co_token, co_base = open_editor(co, joint)
    assert lead_base == co_base == 2
    first = save(lead, joint, lead_token, lead_base, START.replace("repeal", "immediately repeal"))
    assert first.status_code == 302
    second = save(co, joint, co_token, co_base, START.replace("peaceful expression",
                                                              "peaceful expression online"))
    assert second.status_code == 302 and "/conflicts/" not in second.headers["Location"]
    text = services.current_text(fresh(joint))
    assert "immediately repeal" in text and "peaceful expression online" in text
    last = drafting.head(fresh(joint).document)
    assert (last.number, last.kind, last.organisation_id) == (4, "merge", world.other.id)
    saves = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "submission.save", AuditEvent.object_id == joint)).all()
    assert len(saves) == 3  # the first text, then the two edits


def test_a_clash_keeps_both_texts_on_the_conflict_page(app: Any, world: Any, joint: int) -> None:
    lead = signed_in(app, "editor@example.org")
    co = signed_in(app, "oeditor@example.org")
    lead_token, base = open_editor(lead, joint)
    co_token, _ = open_editor(co, joint)
    assert save(lead, joint, lead_token, base, START.replace("repeal", "amend")).status_code == 302
    clash = save(co, joint, co_token, base, START.replace("repeal", "abolish"))
    assert clash.status_code == 302 and "/text/conflicts/" in clash.headers["Location"]
    copy = db.session.scalars(select(ConflictCopy)).one()
    assert "abolish" in copy.text  # nothing lost: the co-submitter's text is kept
    assert "amend" in services.current_text(fresh(joint))
    page = co.client.get(clash.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "abolish" in html and "amend" in html
    resolved = co.client.post(clash.headers["Location"], data={
        "csrf_token": csrf(html), "choice-0": "both"})
    assert resolved.status_code == 302
    text = services.current_text(fresh(joint))
    assert "amend" in text and "abolish" in text
    assert db.session.get(ConflictCopy, copy.id).resolved_at is not None
    # The submission page says where the text stands.
    show = co.client.get(f"/submissions/{joint}").get_data(as_text=True)
    assert 'id="submission-text"' in show and "Revision 4" in show


def test_an_autosaved_draft_comes_back(app: Any, world: Any, joint: int) -> None:
    co = signed_in(app, "oeditor@example.org")
    token, base = open_editor(co, joint)
    unsaved = START + "\nA paragraph not yet saved.\n"
    response = co.client.post(f"/submissions/{joint}/text/autosave",
                              json={"base_number": base, "text": unsaved},
                              headers={"X-CSRFToken": token})
    assert response.status_code == 200 and "saved_at" in response.get_json()
    again = co.client.get(f"/submissions/{joint}/text").get_data(as_text=True)
    assert "A paragraph not yet saved." in again
    assert "Your unsaved text from last time was restored." in again
    assert revision_count(joint) == 2  # a draft is not a revision
    # Saving clears the draft.
    assert save(co, joint, csrf(again), base, unsaved).status_code == 302
    assert drafting.draft_of(world.users["other_editor"], fresh(joint).document) is None
    # A forged base is refused, as for statements.
    refused = co.client.post(f"/submissions/{joint}/text/autosave",
                             json={"base_number": 99, "text": "x"},
                             headers={"X-CSRFToken": token})
    assert refused.status_code == 400


def test_comments_on_a_submission_draft(app: Any, world: Any, joint: int) -> None:
    viewer = signed_in(app, "viewer@example.org")  # a viewer of the lead comments
    page = viewer.client.get(f"/submissions/{joint}/text/read")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and PARA2 in html
    assert "Edit the text" not in html  # a viewer does not write it
    added = viewer.client.post(f"/submissions/{joint}/text/comments", data={
        "csrf_token": csrf(html), "quote": "arrests of journalists",
        "body": "Name the cases?"})
    assert added.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert comment.document_id == fresh(joint).document_id and comment.revision_number == 2
    assert comment.organisation_id == world.org.id
    html = viewer.client.get(f"/submissions/{joint}/text/read").get_data(as_text=True)
    assert "Name the cases?" in html
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "submission.comment")).one()
    assert event.object_id == joint
    # Its author takes it back; the text stays in the audit trail only.
    removed = viewer.client.post(
        f"/submissions/{joint}/text/comments/{comment.id}/remove",
        data={"csrf_token": csrf(html)})
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == ""
    # An organisation not on the submission does not comment.
    outsider = signed_in(app, "steering@example.org")
    refused = outsider.client.post(f"/submissions/{joint}/text/comments", data={
        "csrf_token": outsider.csrf("/profile"), "body": "Let me in"})
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_history_diff_and_restore(app: Any, world: Any, joint: int) -> None:
    lead = signed_in(app, "editor@example.org")
    token, base = open_editor(lead, joint)
    assert save(lead, joint, token, base, START.replace(PARA2, "")).status_code == 302
    history = lead.client.get(f"/submissions/{joint}/text/history")
    html = history.get_data(as_text=True)
    assert history.status_code == 200 and "Restore" in html
    diff = lead.client.get(f"/submissions/{joint}/text/diff?a=2&b=3")
    assert diff.status_code == 200 and "arrests of journalists" in diff.get_data(as_text=True)
    restored = lead.client.post(f"/submissions/{joint}/text/restore/2",
                                data={"csrf_token": csrf(html)})
    assert restored.status_code == 302
    assert services.current_text(fresh(joint)) == START
    assert drafting.head(fresh(joint).document).kind == "restore"


def test_an_organisation_without_rights_gets_403_and_nothing_changes(
        app: Any, world: Any, joint: int, make_org: Any, make_user: Any) -> None:
    outsider_org = make_org("Organisation B", short_name="ORGB")
    make_user("b-editor@example.org", outsider_org, "editor")
    db.session.commit()
    before = (revision_count(joint), services.current_text(fresh(joint)))
    for email in ("b-editor@example.org", "viewer@example.org", "oviewer@example.org"):
        auth = signed_in(app, email)
        token = auth.csrf("/profile")
        assert auth.client.get(f"/submissions/{joint}/text").status_code == 403, email
        assert save(auth, joint, token, 2, "Overwritten").status_code == 403, email
        assert auth.client.post(f"/submissions/{joint}/text/autosave",
                                json={"base_number": 2, "text": "x"},
                                headers={"X-CSRFToken": token}).status_code == 403, email
        assert auth.client.post(f"/submissions/{joint}/text/restore/1",
                                data={"csrf_token": token}).status_code == 403, email
    assert (revision_count(joint), services.current_text(fresh(joint))) == before
    assert db.session.scalar(select(func.count(ConflictCopy.id))) == 0


def test_only_a_draft_is_written_and_only_by_confirmed_co_submitters(
        app: Any, world: Any, review: Any, make_org: Any, make_user: Any) -> None:  # noqa: F811
    submission = services.create_submission(
        world.users["editor"], review, "Joint", "joint", world.org, [world.other.id])
    db.session.commit()
    invited = signed_in(app, "oeditor@example.org")  # invited, not yet confirmed
    assert invited.client.get(f"/submissions/{submission.id}/text").status_code == 403
    lead = signed_in(app, "editor@example.org")
    token, base = open_editor(lead, submission.id)
    assert save(lead, submission.id, token, base, "Our text.").status_code == 302
    services.answer(world.users["other_editor"], fresh(submission.id).participants[0],
                    "confirmed")
    services.change_status(world.users["editor"], fresh(submission.id), "submitted")
    db.session.commit()
    assert lead.client.get(f"/submissions/{submission.id}/text").status_code == 403
    assert save(lead, submission.id, token, 2, "Changed after sending").status_code == 403
    assert services.current_text(fresh(submission.id)) == "Our text."
    # Its readers still read the text and its history.
    assert lead.client.get(f"/submissions/{submission.id}/text/read").status_code == 200
    assert lead.client.get(f"/submissions/{submission.id}/text/history").status_code == 200


def test_statements_keep_their_own_audit_actions(app: Any, world: Any) -> None:
    from coalition.statements import services as statements

    statement = statements.create_statement(world.users["editor"], world.org, "Oral", text="A")
    statements.save_text(world.users["editor"], statement, world.org, 1, "A and B")
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "statement")))
    assert {"statement.create", "statement.save"} <= actions
    assert statement.document.owner == "statement" and statement.head_number == 2


@pytest.mark.postgres
def test_two_saves_at_the_same_moment_on_postgresql(app: Any, world: Any, joint: int,
                                                    db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is tested on PostgreSQL (set TEST_DATABASE_URL)")
    for round_ in range(3):
        def prepare(i: int) -> tuple[AuthActions, str, int, str]:
            auth = AuthActions(app.test_client())
            auth.login("editor@example.org" if i == 0 else "oeditor@example.org")
            page = auth.client.get(f"/submissions/{joint}/text").get_data(as_text=True)
            head = html_lib.unescape(re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page,
                                               re.S).group(1)).replace("\r\n", "\n")
            base = int(re.search(r'name="base_number" value="(\d+)"', page).group(1))
            return auth, csrf(page), base, head

        def act(i: int, prepared: tuple[AuthActions, str, int, str],
                round_: int = round_) -> Any:
            auth, token, base, head = prepared
            text = f"Lead, round {round_}.\n\n{head}" if i == 0 else \
                f"{head}\nCo-submitter, round {round_}.\n"
            return save(auth, joint, token, base, text)

        responses = at_once(2, prepare, act)
        assert Counter(r.status_code for r in responses) == Counter({302: 2})
        text = services.current_text(fresh(joint))
        copies = db.session.scalars(select(ConflictCopy)).all()
        # Both edits are in the text, or the one that clashed is kept as a conflict copy.
        kept = text + "".join(c.text for c in copies)
        assert f"Lead, round {round_}." in kept and f"Co-submitter, round {round_}." in kept
        numbers = [r.number for r in drafting.revisions(fresh(joint).document)]
        assert numbers == list(range(1, len(numbers) + 1))  # no gap, no fork


def test_every_drafting_action_has_a_label() -> None:
    from dataclasses import astuple

    from coalition.audit.labels import ACTION_LABELS
    from coalition.statements import services as statements

    for actions in (statements.ACTIONS, services.DRAFTING_ACTIONS):
        assert set(astuple(actions)) <= ACTION_LABELS.keys()


def test_a_save_after_the_token_expired_keeps_the_typed_text(
        app: Any, world: Any, joint: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from itsdangerous import TimestampSigner

    lead = signed_in(app, "editor@example.org")
    token, base = open_editor(lead, joint)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 3700)
    typed = START + "\nA paragraph written after an hour <at once>.\n"
    response = save(lead, joint, token, base, typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nothing was saved yet" in html and "&lt;at once&gt;" in html
    assert revision_count(joint) == 2
    again = save(lead, joint, csrf(html), base, typed)
    assert again.status_code == 302
    assert "written after an hour" in services.current_text(fresh(joint))


def test_ohchr_rules_read_the_saved_text(app: Any, world: Any, joint: int) -> None:
    """The drafted text is what OHCHR's rules check (issue 12, item 2): the editor shows the
    live count against the joint limit, the submission and text pages the count of the saved
    text with the warnings, the Word download holds it with numbered paragraphs, and sending a
    text over the limit is refused with the draft left as it was."""
    import io

    import docx

    lead = signed_in(app, "editor@example.org")
    editor_page = lead.client.get(f"/submissions/{joint}/text").get_data(as_text=True)
    assert 'data-wordcount-for="text"' in editor_page and 'data-limit="5630"' in editor_page
    assert "27 / 5,630 words" in editor_page  # START, as OHCHR counts it
    page = lead.client.get(f"/submissions/{joint}").get_data(as_text=True)
    assert "27 / 5,630 words" in page and "OHCHR's guidelines" in page
    assert f"/submissions/{joint}/docx" in page
    read = lead.client.get(f"/submissions/{joint}/text/read").get_data(as_text=True)
    assert "27 / 5,630 words" in read
    paragraphs = [p.text for p in docx.Document(io.BytesIO(
        lead.client.get(f"/submissions/{joint}/docx").data)).paragraphs]
    assert f"1.\t{PARA1}" in paragraphs and f"3.\t{PARA3}" in paragraphs

    token, base = open_editor(lead, joint)
    long_text = START + "\n" + "word " * 5700 + "\n"
    assert save(lead, joint, token, base, long_text).status_code == 302
    assert "over the limit" in lead.client.get(f"/submissions/{joint}").get_data(as_text=True)
    refused = lead.post(f"/submissions/{joint}/status", data={"status": "submitted", "on": ""})
    assert refused.status_code == 400
    assert fresh(joint).status == "draft"
