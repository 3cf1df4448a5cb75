"""Drafting a text together: revisions, three-way merge, kept conflicts, autosave, presence,
comments and "who wrote what", on a Document, for whatever owns it (a joint statement, the
mid-term report, a stakeholder submission). Every write is audited; no text is lost.

Saving carries the revision the editor started from. If the head has moved since, the text is
merged three ways (base, head, mine): a clean merge becomes the next revision; a clash keeps the
editor's text as a ConflictCopy until someone resolves it. The head advances only by
compare-and-set on `document.head_number`, and (document, number) is unique, so two saves
racing cannot both claim the same place in the chain.

The owner decides who may do what and when (its status); these functions take the `subject`
that audit events name (the statement or submission) and the owner's `Actions` (the audit action
names: "statement.save", "statement.conflict", ...), so the history pages of each owner read as
before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from coalition.audit import record
from coalition.core.errors import ServiceError
from coalition.core.markdown import render_html, stored_html
from coalition.core.time import utcnow
from coalition.drafting import text as textlib
from coalition.drafting.models import (
    MAX_TEXT_CHARS,
    Attribution,
    Comment,
    ConflictCopy,
    Document,
    Draft,
    Presence,
    Revision,
)
from coalition.extensions import db
from coalition.organisations.models import Organisation

PRESENCE_WINDOW = timedelta(seconds=90)
SAVE_ATTEMPTS = 20


@dataclass(frozen=True)
class Actions:
    """The audit actions an owner records (each labelled in coalition.audit.labels)."""

    save: str
    conflict: str
    comment: str
    remove_comment: str
    resolve_comment: str


@dataclass
class SaveOutcome:
    """What became of a save: saved as is, merged with newer revisions, or kept as a conflict."""

    kind: str  # "saved" | "merged" | "conflict" | "unchanged"
    revision: Revision | None = None
    conflict: ConflictCopy | None = None
    merged_with: list[Revision] | None = None


def _of_submission(document: Document) -> bool:
    return document.owner == "submission"


def new_document(owner: str, actor: Any, organisation: Organisation | None, text: str = "",
                 summary: str = "First draft") -> Document:
    """A document whose first revision is `text` (checked: ServiceError on the "text" field)."""
    text = check_text(text)
    document = Document(owner=owner, head_number=1)
    db.session.add(document)
    db.session.flush()
    first_revision(document, actor, organisation, text, summary)
    return document


def first_revision(document: Document, actor: Any, organisation: Organisation | None,
                   text: str, summary: str = "First draft") -> Revision:
    """Revision 1 of a new document (whose head_number is 1)."""
    rev = Revision(document_id=document.id, number=1, parent_number=None, base_number=None,
                   text=text, summary=summary, kind="edit",
                   author_id=getattr(actor, "id", None),
                   organisation_id=getattr(organisation, "id", None))
    db.session.add(rev)
    return rev


def revision(document: Document, number: int) -> Revision | None:
    """Revision `number` of the document, or None."""
    return db.session.execute(select(Revision).where(
        Revision.document_id == document.id, Revision.number == number)).scalar_one_or_none()


def head(document: Document) -> Revision:
    """The document's latest revision."""
    rev = revision(document, document.head_number)
    assert rev is not None, "a document always has a head revision"
    return rev


def revisions(document: Document) -> list[Revision]:
    """Every revision, oldest first."""
    return list(db.session.scalars(select(Revision).where(
        Revision.document_id == document.id).order_by(Revision.number)))


def check_text(text: str) -> str:
    """The text with normalised line ends; ServiceError on "text" if it is too long."""
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_TEXT_CHARS:
        raise ServiceError(_("The text is too long (%(length)s characters; at most %(most)s).",
                             length=format(len(text), ","), most=format(MAX_TEXT_CHARS, ",")),
                           "text")
    return text


def _claim_next(document: Document, expected_head: int) -> bool:
    """Compare-and-set: move the head from `expected_head` to the next number, or fail."""
    moved = db.session.execute(
        update(Document).where(Document.id == document.id,
                               Document.head_number == expected_head)
        .values(head_number=expected_head + 1)
        .execution_options(synchronize_session=False)).rowcount
    return moved == 1


def current_head_number(document: Document) -> int:
    """The head number as the database has it now (not as this session last read it)."""
    return db.session.execute(select(Document.head_number).where(
        Document.id == document.id)).scalar_one()


def save_text(actor: Any, document: Document, organisation: Organisation | None,
              base_number: int, text: str, summary: str = "", kind: str = "edit", *,
              subject: Any, actions: Actions) -> SaveOutcome:
    """Save an editor's text, started from revision `base_number`. Nothing submitted is lost.
    Whether the owner may still be edited is the caller's check."""
    text = check_text(text)
    base = revision(document, base_number) if isinstance(base_number, int) else None
    if base is None:
        raise ServiceError(_("The revision you started from is not a revision of this "
                             "submission. Reload the editor.") if _of_submission(document)
                           else _("The revision you started from is not a revision of this "
                                  "statement. Reload the editor."), "base_number")
    summary = (summary or "").strip()[:300]
    mine = text
    merged_with: list[Revision] = []
    for _attempt in range(SAVE_ATTEMPTS):
        head_number = current_head_number(document)
        current = revision(document, head_number)
        assert current is not None
        if current.number == base.number:
            new_text = mine
            if new_text == current.text:
                return SaveOutcome("unchanged", revision=current)
        else:
            result = textlib.merge(base.text, current.text, mine)
            if not result.clean:
                return SaveOutcome("conflict", conflict=_keep_conflict(
                    actor, document, organisation, base.number, current.number, mine, summary,
                    subject=subject, actions=actions))
            new_text = result.text
            if new_text == current.text:
                return SaveOutcome("unchanged", revision=current)
            merged_with = list(db.session.scalars(select(Revision).where(
                Revision.document_id == document.id, Revision.number > base.number,
                Revision.number <= current.number).order_by(Revision.number)))
        if not _claim_next(document, current.number):
            continue  # someone else saved in between: merge against the new head
        new = Revision(document_id=document.id, number=current.number + 1,
                       parent_number=current.number, base_number=base.number, text=new_text,
                       summary=summary, kind="merge" if merged_with and kind == "edit" else kind,
                       author_id=getattr(actor, "id", None),
                       organisation_id=getattr(organisation, "id", None))
        db.session.add(new)
        db.session.flush()
        db.session.refresh(document)
        _clear_draft(actor, document)
        record(actor, actions.save, subject, {
            "revision": [current.number, new.number],
            **({"merged_with": [None, [r.number for r in merged_with]]} if merged_with else {}),
        }, organisation=organisation)
        return SaveOutcome("merged" if merged_with else "saved", revision=new,
                           merged_with=merged_with)
    raise ServiceError(_("The submission is being saved by many people at once; try again.")
                       if _of_submission(document) else
                       _("The statement is being saved by many people at once; try again."))


def _keep_conflict(actor: Any, document: Document, organisation: Organisation | None,
                   base_number: int, head_number: int, text: str, summary: str, *,
                   subject: Any, actions: Actions) -> ConflictCopy:
    copy = ConflictCopy(document_id=document.id, author_id=getattr(actor, "id", None),
                        organisation_id=getattr(organisation, "id", None),
                        base_number=base_number, head_number=head_number, text=text,
                        summary=summary)
    db.session.add(copy)
    db.session.flush()
    record(actor, actions.conflict, subject, {
        "conflict": [None, f"kept copy {copy.id}: based on {base_number}, head {head_number}"]},
        organisation=organisation)
    return copy


def conflict_view(copy: ConflictCopy) -> textlib.MergeResult:
    """The merge of a kept conflict copy against the head it clashed with."""
    document = db.session.get(Document, copy.document_id)
    assert document is not None
    base = revision(document, copy.base_number)
    theirs = revision(document, copy.head_number)
    assert base is not None and theirs is not None
    return textlib.merge(base.text, theirs.text, copy.text)


def resolve_conflict(actor: Any, copy: ConflictCopy, choices: list[str],
                     organisation: Organisation | None, *, subject: Any,
                     actions: Actions) -> SaveOutcome:
    """Resolve a kept conflict: each clash takes theirs, mine, both, or a new wording."""
    if copy.resolved_at is not None:
        raise ServiceError(_("This conflict has already been resolved."))
    document = db.session.get(Document, copy.document_id)
    assert document is not None
    base = revision(document, copy.base_number)
    theirs = revision(document, copy.head_number)
    assert base is not None and theirs is not None
    resolved = textlib.resolve(base.text, theirs.text, copy.text, choices)
    outcome = save_text(actor, document, organisation, copy.head_number, resolved,
                        copy.summary or "Resolved a conflict", kind="resolution",
                        subject=subject, actions=actions)
    copy.resolved_at = utcnow()
    if outcome.kind == "conflict":
        # The head moved again and clashed: the new copy keeps this resolution, and this copy
        # is settled by it (left open, it would invite resolving the same text twice).
        copy.resolved_number = None
        return outcome
    copy.resolved_number = outcome.revision.number if outcome.revision else None
    return outcome


def open_conflicts(document: Document) -> list[ConflictCopy]:
    """Conflict copies not yet resolved, oldest first."""
    return list(db.session.scalars(select(ConflictCopy).where(
        ConflictCopy.document_id == document.id, ConflictCopy.resolved_at.is_(None))
        .order_by(ConflictCopy.id)))


def restore(actor: Any, document: Document, number: int, organisation: Organisation | None,
            *, subject: Any, actions: Actions) -> SaveOutcome:
    """Bring back an old text as a new revision (history is never rewritten)."""
    old = revision(document, number)
    if old is None:
        raise ServiceError(_("No such revision of this submission.") if _of_submission(document)
                           else _("No such revision of this statement."))
    return save_text(actor, document, organisation, document.head_number, old.text,
                     f"Restored revision {number}", kind="restore", subject=subject,
                     actions=actions)


# --- drafts and presence ----------------------------------------------------------------------

def autosave(user: Any, document: Document, base_number: int, text: str) -> Draft:
    """Keep `user`'s unsaved text (one draft per person per document)."""
    text = check_text(text)
    if revision(document, base_number) is None:
        raise ServiceError(_("Unknown base revision."), "base_number")
    draft = draft_of(user, document)
    if draft is None:
        draft = Draft(document_id=document.id, user_id=user.id, base_number=base_number,
                      text=text)
        db.session.add(draft)
    else:
        draft.base_number, draft.text, draft.updated_at = base_number, text, utcnow()
    return draft


def draft_of(user: Any, document: Document) -> Draft | None:
    """`user`'s autosaved draft of the document, if any."""
    return db.session.execute(select(Draft).where(
        Draft.document_id == document.id, Draft.user_id == user.id)).scalar_one_or_none()


def _clear_draft(actor: Any, document: Document) -> None:
    if getattr(actor, "id", None) is None:
        return
    draft = draft_of(actor, document)
    if draft is not None:
        db.session.delete(draft)


def heartbeat(user: Any, document: Document) -> list[str]:
    """Record that `user` has the editor open; the names of the others editing now."""
    now = utcnow()
    seen = db.session.execute(select(Presence).where(
        Presence.document_id == document.id, Presence.user_id == user.id)).scalar_one_or_none()
    if seen is None:
        db.session.add(Presence(document_id=document.id, user_id=user.id, seen_at=now))
    else:
        seen.seen_at = now
    others = db.session.scalars(select(Presence).where(
        Presence.document_id == document.id, Presence.user_id != user.id,
        Presence.seen_at >= now - PRESENCE_WINDOW)).all()
    return sorted(p.user.display_name for p in others)


# --- comments ---------------------------------------------------------------------------------

def add_comment(actor: Any, document: Document, organisation: Organisation | None,
                body: str, quote: str = "", parent: Comment | None = None, *, subject: Any,
                actions: Actions) -> Comment:
    """A comment on the head text, optionally quoting a passage of it, or a reply."""
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Write a comment."), "body")
    if len(body) > 20_000:
        raise ServiceError(_("The comment is too long."), "body")
    quote = (quote or "").strip()[:2000]
    if quote and not _quotes(head(document).text, quote):
        raise ServiceError(_("The quoted passage is not in the current text."), "quote")
    if parent is not None and parent.document_id != document.id:
        raise ServiceError(_("That comment belongs to another submission.")
                           if _of_submission(document)
                           else _("That comment belongs to another statement."))
    if parent is not None and parent.removed_at is not None:
        raise ServiceError(_("That comment has been removed: start a new comment instead."))
    comment = Comment(document_id=document.id, revision_number=document.head_number,
                      parent_id=parent.id if parent else None, quote=quote, body=body,
                      body_html=render_html(body), author_id=getattr(actor, "id", None),
                      organisation_id=getattr(organisation, "id", None))
    db.session.add(comment)
    record(actor, actions.comment, subject, {"comment": [None, body[:200]]},
           organisation=organisation)
    return comment


def remove_comment(actor: Any, comment: Comment, *, subject: Any, actions: Actions) -> None:
    """Take a comment out of its thread. The thread shows "comment removed by ..."; the text
    leaves the comment row and is kept whole in the audit trail. Replies stay."""
    if comment.removed_at is not None:
        raise ServiceError(_("This comment has already been removed."))
    record(actor, actions.remove_comment, subject,
           {"comment": [comment.body, "removed"],
            **({"quote": [comment.quote, None]} if comment.quote else {})})
    comment.body, comment.body_html = "", ""
    comment.removed_at = utcnow()
    comment.removed_by_id = getattr(actor, "id", None)


def resolve_comment(actor: Any, comment: Comment, *, subject: Any, actions: Actions) -> None:
    """Mark a comment resolved (it stays in the thread)."""
    if comment.removed_at is not None:
        raise ServiceError(_("This comment has been removed."))
    if comment.resolved_at is not None:
        raise ServiceError(_("This comment is already resolved."))
    comment.resolved_at = utcnow()
    comment.resolved_by_id = getattr(actor, "id", None)
    record(actor, actions.resolve_comment, subject, {"comment": [comment.body[:200],
                                                                    "resolved"]})


@dataclass
class CommentThread:
    comment: Comment
    passage_present: bool  # carried forward: its quoted passage is still in the head text


def comment_threads(document: Document) -> list[CommentThread]:
    """The top-level comments, oldest first, each saying if its passage is still there."""
    text = head(document).text
    top = db.session.scalars(select(Comment).where(
        Comment.document_id == document.id, Comment.parent_id.is_(None))
        .order_by(Comment.id)).all()
    return [CommentThread(c, not c.quote or _quotes(text, c.quote)) for c in top]


def _quotes(text: str, quote: str) -> bool:
    """Is `quote` a passage of `text`? Runs of white space count as one space: a passage
    selected on the page ("Comment on this") has its line breaks as the browser shows them."""
    return quote in text or " ".join(quote.split()) in " ".join(text.split())


# --- rendering and "who wrote what" -----------------------------------------------------------

def revision_html(rev: Revision) -> Markup:
    """The revision's text as sanitised HTML: rendered the first time it is shown, then kept
    (a revision never changes), so later page views render nothing."""
    if rev.html is None:
        rev.html = render_html(rev.text)
    return stored_html(rev.html)


# A request computes at most this many missing attributions, and stops after this many seconds
# (one large revision can take a second); the rest waits for the next request. Overridden by
# the config keys BLAME_STEPS_PER_REQUEST and BLAME_SECONDS_PER_REQUEST.
BLAME_STEPS = 50
BLAME_SECONDS = 1.0


@dataclass
class WhoWroteWhat:
    """Passages of revision `number` with their organisation ids; `number` is the head unless
    the attributions of the newer revisions are still being prepared (`pending` of them)."""

    passages: list[tuple[str, int | None]]
    number: int | None
    head_number: int
    pending: int
    computed: int  # attributions computed by this call


def who_wrote_what(document: Document, max_steps: int = BLAME_STEPS,
                   max_seconds: float = BLAME_SECONDS) -> WhoWroteWhat:
    """Who wrote what in the head text, from the attributions kept per revision.

    The missing attributions (new revisions) are computed oldest first, each from its parent's
    (text.attribute: the same result as text.blame over the whole chain), and stored; at most
    `max_steps` of them, within about `max_seconds`. If the head's is still missing, the newest
    revision that has one is shown, with `pending` saying how many remain. A view with nothing
    missing sends three queries and diffs nothing.
    """
    head_number = current_head_number(document)
    digests = dict(db.session.execute(select(Attribution.number, Attribution.digest).where(
        Attribution.document_id == document.id, Attribution.number <= head_number)).all())
    missing = [n for n in range(1, head_number + 1) if n not in digests]
    computed: dict[int, list[Any]] = {}
    if missing:
        computed = _attribute(document, missing, digests, max_steps, max_seconds)
    shown = max(digests, default=None)  # the head's, unless it is still being prepared
    pending = len(missing) - len(computed)
    if shown is None:
        return WhoWroteWhat([], None, head_number, pending, 0)
    text = db.session.execute(select(Revision.text).where(
        Revision.document_id == document.id, Revision.number == shown)).scalar_one()
    attrs = computed.get(shown)
    if attrs is None:
        attrs = textlib.decode_runs(_runs(document, shown))
    return WhoWroteWhat(textlib.passages(text, attrs), shown, head_number, pending,
                        len(computed))


def _runs(document: Document, number: int) -> str:
    return db.session.execute(select(Attribution.runs).where(
        Attribution.document_id == document.id, Attribution.number == number)).scalar_one()


def _attribute(document: Document, missing: list[int], digests: dict[int, str],
               max_steps: int, max_seconds: float) -> dict[int, list[Any]]:
    """Compute and store the attributions of the first `max_steps` of `missing` (ascending),
    adding their digests to `digests`; the attributions computed, by number. Stops at one whose
    parent has none yet, or when `max_seconds` are spent. The texts come in one query and the
    new rows go in one statement, so the work is the diffs, not round trips."""
    batch = missing[:max(max_steps, 0)]
    if not batch or (batch[0] > 1 and batch[0] - 1 not in digests):
        return {}
    started = time.monotonic()
    rows = {row.number: row for row in db.session.execute(
        select(Revision.number, Revision.text, Revision.organisation_id).where(
            Revision.document_id == document.id, Revision.number >= batch[0] - 1,
            Revision.number <= batch[-1]))}
    latest_by_digest: dict[str, int] = {}
    for number, digest in sorted(digests.items()):
        latest_by_digest[digest] = number
    computed: dict[int, list[Any]] = {}

    def attrs_of(number: int) -> list[Any]:
        if number not in computed:
            computed[number] = textlib.decode_runs(_runs(document, number))
        return computed[number]

    stored: list[dict[str, Any]] = []
    for number in batch:
        if stored and time.monotonic() - started > max_seconds:
            break
        if number > 1 and number - 1 not in digests:
            break
        text = textlib.normalize_newlines(rows[number].text)
        digest = textlib.text_digest(text)
        twin = latest_by_digest.get(digest)
        parent_text = textlib.normalize_newlines(rows[number - 1].text) if number > 1 else None
        attrs = textlib.attribute(parent_text, attrs_of(number - 1) if number > 1 else [],
                                  text, rows[number].organisation_id,
                                  attrs_of(twin) if twin is not None else None)
        computed[number] = attrs
        digests[number] = digest
        latest_by_digest[digest] = number
        stored.append({"document_id": document.id, "number": number, "digest": digest,
                       "runs": textlib.encode_runs(attrs)})
    if stored:
        _store_attributions(stored)
    # Attributions decoded only to start from are not new.
    return {row["number"]: computed[row["number"]] for row in stored}


def _store_attributions(rows: list[dict[str, Any]]) -> None:
    """Insert attributions; any a concurrent request stored first stays (it is the same:
    attributions are a pure function of the revisions)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(Attribution).on_conflict_do_nothing(
        index_elements=["document_id", "number"]), rows)
