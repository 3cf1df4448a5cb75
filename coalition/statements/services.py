"""What the coalition does with joint statements. Every write is audited; no text is lost.

Saving carries the revision the editor started from. If the head has moved since, the text is
merged three ways (base, head, mine): a clean merge becomes the next revision; a clash keeps the
editor's text as a ConflictCopy until someone resolves it. The head advances only by
compare-and-set on `statement.head_number`, and (statement, number) is unique, so two saves
racing cannot both claim the same place in the chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from coalition.audit import diff, record
from coalition.audit.services import snapshot
from coalition.core.errors import ServiceError
from coalition.core.markdown import render_html, stored_html
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.statements import text as textlib
from coalition.statements.models import (
    LANGUAGES,
    MAX_TEXT_CHARS,
    STATEMENT_KINDS,
    Attribution,
    Comment,
    ConflictCopy,
    Draft,
    Endorsement,
    Presence,
    Revision,
    Statement,
    StatementDrafter,
)

EDITABLE = {"draft", "in_review", "open"}
PRESENCE_WINDOW = timedelta(seconds=90)
SAVE_ATTEMPTS = 20


@dataclass
class SaveOutcome:
    """What became of a save: saved as is, merged with newer revisions, or kept as a conflict."""

    kind: str  # "saved" | "merged" | "conflict" | "unchanged"
    revision: Revision | None = None
    conflict: ConflictCopy | None = None
    merged_with: list[Revision] | None = None


def revision(statement: Statement, number: int) -> Revision | None:
    return db.session.execute(select(Revision).where(
        Revision.statement_id == statement.id, Revision.number == number)).scalar_one_or_none()


def head(statement: Statement) -> Revision:
    rev = revision(statement, statement.head_number)
    assert rev is not None, "a statement always has a head revision"
    return rev


def revisions(statement: Statement) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(
        Revision.statement_id == statement.id).order_by(Revision.number)))


def _check_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_TEXT_CHARS:
        raise ServiceError(_("The text is too long (%(length)s characters; at most %(most)s).",
                             length=format(len(text), ","), most=format(MAX_TEXT_CHARS, ",")),
                           "text")
    return text


def _check_fields(title: str, kind: str, language: str) -> None:
    if not (title or "").strip():
        raise ServiceError(_("Enter a title."), "title")
    if kind not in STATEMENT_KINDS:
        raise ServiceError(_("Choose a kind of statement."), "kind")
    if language not in LANGUAGES:
        raise ServiceError(_("Choose a language."), "language")


def create_statement(actor: Any, lead: Organisation, title: str, occasion: str = "",
                     kind: str = "oral", language: str = "en",
                     co_drafters: list[Organisation] | None = None,
                     text: str = "") -> Statement:
    _check_fields(title, kind, language)
    text = _check_text(text)
    statement = Statement(title=title.strip()[:300], occasion=(occasion or "").strip()[:300],
                          kind=kind, language=language, status="draft", lead_organisation=lead,
                          head_number=1, created_by_id=getattr(actor, "id", None))
    statement.drafters = [StatementDrafter(organisation=lead, is_lead=True)] + [
        StatementDrafter(organisation=o, is_lead=False)
        for o in dict.fromkeys(co_drafters or []) if o.id != lead.id]
    db.session.add(statement)
    db.session.flush()
    db.session.add(Revision(statement_id=statement.id, number=1, parent_number=None,
                            base_number=None, text=text, summary="First draft", kind="edit",
                            author_id=getattr(actor, "id", None), organisation_id=lead.id))
    record(actor, "statement.create", statement,
           snapshot(statement, ["title", "occasion", "kind", "language", "status"]),
           organisation=lead)
    return statement


def update_details(actor: Any, statement: Statement, title: str, occasion: str, kind: str,
                   language: str) -> dict[str, Any]:
    """Change a statement's title, occasion, kind and language (not its drafters: see
    set_co_drafters, which fewer people may do). Returns the audited changes."""
    _check_fields(title, kind, language)
    changes = diff(statement, {"title": title.strip()[:300],
                               "occasion": (occasion or "").strip()[:300], "kind": kind,
                               "language": language})
    if changes:
        record(actor, "statement.update", statement, changes)
    return changes


def set_co_drafters(actor: Any, statement: Statement,
                    co_drafters: list[Organisation]) -> dict[str, Any]:
    """Replace the co-drafting organisations with `co_drafters` (the lead stays the lead).

    Only the difference is written: organisations kept keep their row, removed ones are deleted
    and flushed before new ones are inserted, so (statement, organisation) stays unique at every
    step whatever the overlap. Raises ServiceError for an inactive organisation. Who may call it
    is the policy's "statement.manage_drafters"."""
    wanted: dict[int, Organisation] = {}
    for org in co_drafters:
        if org.id == statement.lead_organisation_id:
            continue
        if not org.active:
            raise ServiceError(_("%(org)s is not an active organisation.", org=org.name),
                               "co_drafters")
        wanted[org.id] = org
    current = {d.organisation_id: d for d in statement.drafters if not d.is_lead}
    before = sorted(d.organisation.name for d in current.values())
    after = sorted(o.name for o in wanted.values())
    if before == after:
        return {}
    for org_id, drafter in current.items():
        if org_id not in wanted:
            statement.drafters.remove(drafter)  # delete-orphan: the row goes at the flush
    db.session.flush()
    for org_id, org in wanted.items():
        if org_id not in current:
            statement.drafters.append(StatementDrafter(organisation=org, is_lead=False))
    db.session.flush()
    changes = {"co_drafters": [before, after]}
    record(actor, "statement.update", statement, changes)
    return changes


def _claim_next(statement: Statement, expected_head: int) -> bool:
    """Compare-and-set: move the head from `expected_head` to the next number, or fail."""
    moved = db.session.execute(
        update(Statement).where(Statement.id == statement.id,
                                Statement.head_number == expected_head)
        .values(head_number=expected_head + 1)
        .execution_options(synchronize_session=False)).rowcount
    return moved == 1


def _current_head_number(statement: Statement) -> int:
    return db.session.execute(select(Statement.head_number).where(
        Statement.id == statement.id)).scalar_one()


def save_text(actor: Any, statement: Statement, organisation: Organisation | None,
              base_number: int, text: str, summary: str = "", kind: str = "edit") -> SaveOutcome:
    """Save an editor's text, started from revision `base_number`. Nothing submitted is lost."""
    if statement.status not in EDITABLE:
        if statement.status == "published":
            raise ServiceError(_("A published statement cannot be edited. Ask the steering "
                                 "committee to reopen it for a correction."))
        raise ServiceError(_("A %(status)s statement cannot be edited.",
                             status=statement.status_label.lower()))
    text = _check_text(text)
    base = revision(statement, base_number) if isinstance(base_number, int) else None
    if base is None:
        raise ServiceError(_("The revision you started from is not a revision of this "
                             "statement. Reload the editor."), "base_number")
    summary = (summary or "").strip()[:300]
    mine = text
    merged_with: list[Revision] = []
    for _attempt in range(SAVE_ATTEMPTS):
        head_number = _current_head_number(statement)
        current = revision(statement, head_number)
        assert current is not None
        if current.number == base.number:
            new_text = mine
            if new_text == current.text:
                return SaveOutcome("unchanged", revision=current)
        else:
            result = textlib.merge(base.text, current.text, mine)
            if not result.clean:
                return SaveOutcome("conflict", conflict=_keep_conflict(
                    actor, statement, organisation, base.number, current.number, mine, summary))
            new_text = result.text
            if new_text == current.text:
                return SaveOutcome("unchanged", revision=current)
            merged_with = list(db.session.scalars(select(Revision).where(
                Revision.statement_id == statement.id, Revision.number > base.number,
                Revision.number <= current.number).order_by(Revision.number)))
        if not _claim_next(statement, current.number):
            continue  # someone else saved in between: merge against the new head
        new = Revision(statement_id=statement.id, number=current.number + 1,
                       parent_number=current.number, base_number=base.number, text=new_text,
                       summary=summary, kind="merge" if merged_with and kind == "edit" else kind,
                       author_id=getattr(actor, "id", None),
                       organisation_id=getattr(organisation, "id", None))
        db.session.add(new)
        db.session.flush()
        db.session.refresh(statement)
        _clear_draft(actor, statement)
        record(actor, "statement.save", statement, {
            "revision": [current.number, new.number],
            **({"merged_with": [None, [r.number for r in merged_with]]} if merged_with else {}),
        }, organisation=organisation)
        # notify (issue 11): signatures of the text before this one need re-confirmation.
        from coalition.notifications.events import text_changed
        text_changed(actor, statement, current.number)
        return SaveOutcome("merged" if merged_with else "saved", revision=new,
                           merged_with=merged_with)
    raise ServiceError(_("The statement is being saved by many people at once; try again."))


def _keep_conflict(actor: Any, statement: Statement, organisation: Organisation | None,
                   base_number: int, head_number: int, text: str, summary: str) -> ConflictCopy:
    copy = ConflictCopy(statement_id=statement.id, author_id=getattr(actor, "id", None),
                        organisation_id=getattr(organisation, "id", None),
                        base_number=base_number, head_number=head_number, text=text,
                        summary=summary)
    db.session.add(copy)
    db.session.flush()
    record(actor, "statement.conflict", statement, {
        "conflict": [None, f"kept copy {copy.id}: based on {base_number}, head {head_number}"]},
        organisation=organisation)
    return copy


def conflict_view(copy: ConflictCopy) -> textlib.MergeResult:
    statement = db.session.get(Statement, copy.statement_id)
    assert statement is not None
    base = revision(statement, copy.base_number)
    theirs = revision(statement, copy.head_number)
    assert base is not None and theirs is not None
    return textlib.merge(base.text, theirs.text, copy.text)


def resolve_conflict(actor: Any, copy: ConflictCopy, choices: list[str],
                     organisation: Organisation | None) -> SaveOutcome:
    """Resolve a kept conflict: each clash takes theirs, mine, both, or a new wording."""
    if copy.resolved_at is not None:
        raise ServiceError(_("This conflict has already been resolved."))
    statement = db.session.get(Statement, copy.statement_id)
    assert statement is not None
    base = revision(statement, copy.base_number)
    theirs = revision(statement, copy.head_number)
    assert base is not None and theirs is not None
    resolved = textlib.resolve(base.text, theirs.text, copy.text, choices)
    outcome = save_text(actor, statement, organisation, copy.head_number, resolved,
                        copy.summary or "Resolved a conflict", kind="resolution")
    copy.resolved_at = utcnow()
    if outcome.kind == "conflict":
        # The head moved again and clashed: the new copy keeps this resolution, and this copy
        # is settled by it (left open, it would invite resolving the same text twice).
        copy.resolved_number = None
        return outcome
    copy.resolved_number = outcome.revision.number if outcome.revision else None
    return outcome


def open_conflicts(statement: Statement) -> list[ConflictCopy]:
    return list(db.session.scalars(select(ConflictCopy).where(
        ConflictCopy.statement_id == statement.id, ConflictCopy.resolved_at.is_(None))
        .order_by(ConflictCopy.id)))


def restore(actor: Any, statement: Statement, number: int,
            organisation: Organisation | None) -> SaveOutcome:
    """Bring back an old text as a new revision (history is never rewritten)."""
    old = revision(statement, number)
    if old is None:
        raise ServiceError(_("No such revision of this statement."))
    return save_text(actor, statement, organisation, statement.head_number, old.text,
                     f"Restored revision {number}", kind="restore")


# --- drafts and presence ----------------------------------------------------------------------

def autosave(user: Any, statement: Statement, base_number: int, text: str) -> Draft:
    text = _check_text(text)
    if revision(statement, base_number) is None:
        raise ServiceError(_("Unknown base revision."), "base_number")
    draft = db.session.execute(select(Draft).where(
        Draft.statement_id == statement.id, Draft.user_id == user.id)).scalar_one_or_none()
    if draft is None:
        draft = Draft(statement_id=statement.id, user_id=user.id, base_number=base_number,
                      text=text)
        db.session.add(draft)
    else:
        draft.base_number, draft.text, draft.updated_at = base_number, text, utcnow()
    return draft


def draft_of(user: Any, statement: Statement) -> Draft | None:
    return db.session.execute(select(Draft).where(
        Draft.statement_id == statement.id, Draft.user_id == user.id)).scalar_one_or_none()


def _clear_draft(actor: Any, statement: Statement) -> None:
    if getattr(actor, "id", None) is None:
        return
    draft = draft_of(actor, statement)
    if draft is not None:
        db.session.delete(draft)


def heartbeat(user: Any, statement: Statement) -> list[str]:
    """Record that `user` has the editor open; the names of the others editing now."""
    now = utcnow()
    seen = db.session.execute(select(Presence).where(
        Presence.statement_id == statement.id, Presence.user_id == user.id)).scalar_one_or_none()
    if seen is None:
        db.session.add(Presence(statement_id=statement.id, user_id=user.id, seen_at=now))
    else:
        seen.seen_at = now
    others = db.session.scalars(select(Presence).where(
        Presence.statement_id == statement.id, Presence.user_id != user.id,
        Presence.seen_at >= now - PRESENCE_WINDOW)).all()
    return sorted(p.user.display_name for p in others)


# --- workflow ---------------------------------------------------------------------------------

# What each status shows the text to (models.AUDIENCES). A transition only ever widens
# Statement.audience: back to draft, withdrawn or reopened, the text stays with everyone it was
# shown to, and is shown to nobody new.
STATUS_AUDIENCE = {"draft": "drafters", "in_review": "steering", "open": "members",
                   "published": "public", "withdrawn": "drafters"}

TRANSITIONS = {
    # action: (allowed from, to)
    "submit": ({"draft"}, "in_review"),
    "back_to_draft": ({"in_review"}, "draft"),
    "open_signon": ({"draft", "in_review"}, "open"),
    "publish": ({"in_review", "open"}, "published"),
    "withdraw": ({"draft", "in_review", "open", "published"}, "withdrawn"),
    "reopen": ({"published"}, "in_review"),
}


def transition(actor: Any, statement: Statement, action: str,
               deadline: datetime | None = None, note: str = "",
               confirm_unsigned: bool = True) -> None:
    """Move a statement through its workflow (TRANSITIONS), audited. Publishing a revision no
    organisation has signed needs `confirm_unsigned` (the web form passes the user's explicit
    answer: issue 9, 3.2). Raises ServiceError with the field concerned."""
    allowed, target = TRANSITIONS.get(action, (set(), ""))
    if statement.status not in allowed:
        raise ServiceError(_("A statement that is %(status)s cannot be moved this way.",
                             status=statement.status_label.lower()))
    changes: dict[str, Any] = {"status": [statement.status, target]}
    if action == "open_signon":
        if deadline is None or deadline <= utcnow():
            raise ServiceError(_("Set a sign-on deadline in the future."), "deadline")
        changes["signon_deadline"] = [None, deadline.isoformat()]
        statement.signon_deadline = deadline
    if action == "publish":
        if not confirm_unsigned and not any(
                number == statement.head_number for number in signed_revisions(statement).values()):
            raise ServiceError(_("No organisation has signed revision %(number)s. Tick \"Publish "
                                 "with no signatory\" to publish it anyway.",
                                 number=statement.head_number), "confirm_unsigned")
        changes["published_number"] = [statement.published_number, statement.head_number]
        if statement.published_number is not None:
            changes["correction"] = [None, statement.correction_note or "corrected"]
        statement.published_number = statement.head_number
        statement.published_at = utcnow()
    if action == "reopen":
        if not note.strip():
            raise ServiceError(_("Say what is being corrected."), "note")
        statement.correction_note = note.strip()
        changes["correction_note"] = [None, statement.correction_note]
    statement.status = target
    if not statement.has_reached(STATUS_AUDIENCE[target]):
        changes["audience"] = [statement.audience, STATUS_AUDIENCE[target]]
        statement.audience = STATUS_AUDIENCE[target]
    record(actor, f"statement.{action}", statement, changes)
    if action == "open_signon":  # notify (issue 11): the org_admins who sign are told.
        from coalition.notifications.events import signon_opened
        signon_opened(actor, statement)


# --- sign-on ----------------------------------------------------------------------------------

@dataclass
class SignOnState:
    organisation: Organisation
    endorsement: Endorsement
    current: bool  # signed the head revision (or carried over to it)


def active_endorsements(statement: Statement) -> list[Endorsement]:
    """Each organisation's latest signature that has not been withdrawn."""
    rows = db.session.scalars(select(Endorsement).where(
        Endorsement.statement_id == statement.id).order_by(Endorsement.id)).all()
    latest: dict[int, Endorsement] = {}
    for row in rows:
        latest[row.organisation_id] = row
    return [e for e in latest.values() if e.withdrawn_at is None]


def signed_revisions(statement: Statement) -> dict[int, int]:
    """{organisation id: the revision number its standing signature is for}; organisations
    that never signed, or withdrew, are not in it."""
    return {e.organisation_id: e.revision_number for e in active_endorsements(statement)}


def sign_on_states(statement: Statement) -> list[SignOnState]:
    return sorted((SignOnState(e.organisation, e, e.revision_number == statement.head_number)
                   for e in active_endorsements(statement)),
                  key=lambda s: s.organisation.name)


def signatories(statement: Statement) -> list[Organisation]:
    """Who signed the published text: endorsements of exactly that revision."""
    if statement.published_number is None:
        return []
    return sorted((e.organisation for e in active_endorsements(statement)
                   if e.revision_number == statement.published_number),
                  key=lambda o: o.name)


def sign(actor: Any, statement: Statement, organisation: Organisation,
         now: datetime | None = None) -> Endorsement:
    """Sign (or re-confirm) for an organisation at the current head revision."""
    now = now or utcnow()
    if statement.status != "open":
        raise ServiceError(_("This statement is not open for sign-on."))
    if statement.signon_deadline is not None and now > statement.signon_deadline:
        raise ServiceError(_("The sign-on deadline has passed."))
    current = next((e for e in active_endorsements(statement)
                    if e.organisation_id == organisation.id), None)
    if current is not None and current.revision_number == statement.head_number:
        raise ServiceError(_("%(org)s has already signed this version.", org=organisation.name))
    endorsement = Endorsement(statement_id=statement.id, organisation_id=organisation.id,
                              revision_number=statement.head_number,
                              signed_by_id=getattr(actor, "id", None), signed_at=now)
    db.session.add(endorsement)
    record(actor, "statement.reconfirm" if current else "statement.sign", statement,
           {"organisation": [None, organisation.name],
            "revision": [current.revision_number if current else None, statement.head_number]},
           organisation=organisation)
    return endorsement


def withdraw_signature(actor: Any, statement: Statement, organisation: Organisation) -> None:
    if statement.status == "published":
        raise ServiceError(_("The statement is published; its signatories are fixed."))
    current = next((e for e in active_endorsements(statement)
                    if e.organisation_id == organisation.id), None)
    if current is None:
        raise ServiceError(_("%(org)s has not signed this statement (or has already withdrawn).",
                             org=organisation.name))
    current.withdrawn_at = utcnow()
    current.withdrawn_by_id = getattr(actor, "id", None)
    record(actor, "statement.withdraw_signature", statement,
           {"organisation": [organisation.name, None]}, organisation=organisation)


# --- comments ---------------------------------------------------------------------------------

def add_comment(actor: Any, statement: Statement, organisation: Organisation | None,
                body: str, quote: str = "", parent: Comment | None = None) -> Comment:
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Write a comment."), "body")
    if len(body) > 20_000:
        raise ServiceError(_("The comment is too long."), "body")
    quote = (quote or "").strip()[:2000]
    if quote and not _quotes(head(statement).text, quote):
        raise ServiceError(_("The quoted passage is not in the current text."), "quote")
    if parent is not None and parent.statement_id != statement.id:
        raise ServiceError(_("That comment belongs to another statement."))
    if parent is not None and parent.removed_at is not None:
        raise ServiceError(_("That comment has been removed: start a new comment instead."))
    comment = Comment(statement_id=statement.id, revision_number=statement.head_number,
                      parent_id=parent.id if parent else None, quote=quote, body=body,
                      body_html=render_html(body), author_id=getattr(actor, "id", None),
                      organisation_id=getattr(organisation, "id", None))
    db.session.add(comment)
    record(actor, "statement.comment", statement, {"comment": [None, body[:200]]},
           organisation=organisation)
    # notify (issue 11): @organisation-slug and @person@e-mail mentions who may read it.
    from coalition.notifications.events import mentions
    mentions(actor, statement, comment)
    return comment


def remove_comment(actor: Any, comment: Comment) -> None:
    """Take a comment out of its thread (its author, or the coordinator moderating: the rule is
    `statement.remove_comment` in coalition.access). The thread shows "comment removed by ...";
    the text leaves the comment row and is kept whole in the audit trail. Replies stay.
    """
    if comment.removed_at is not None:
        raise ServiceError(_("This comment has already been removed."))
    statement = db.session.get(Statement, comment.statement_id)
    record(actor, "statement.remove_comment", statement,
           {"comment": [comment.body, "removed"],
            **({"quote": [comment.quote, None]} if comment.quote else {})})
    comment.body, comment.body_html = "", ""
    comment.removed_at = utcnow()
    comment.removed_by_id = getattr(actor, "id", None)


def resolve_comment(actor: Any, comment: Comment) -> None:
    if comment.removed_at is not None:
        raise ServiceError(_("This comment has been removed."))
    if comment.resolved_at is not None:
        raise ServiceError(_("This comment is already resolved."))
    comment.resolved_at = utcnow()
    comment.resolved_by_id = getattr(actor, "id", None)
    statement = db.session.get(Statement, comment.statement_id)
    record(actor, "statement.resolve_comment", statement, {"comment": [comment.body[:200],
                                                                       "resolved"]})


@dataclass
class CommentThread:
    comment: Comment
    passage_present: bool  # carried forward: its quoted passage is still in the head text


def comment_threads(statement: Statement) -> list[CommentThread]:
    text = head(statement).text
    top = db.session.scalars(select(Comment).where(
        Comment.statement_id == statement.id, Comment.parent_id.is_(None))
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


def who_wrote_what(statement: Statement, max_steps: int = BLAME_STEPS,
                   max_seconds: float = BLAME_SECONDS) -> WhoWroteWhat:
    """Who wrote what in the head text, from the attributions kept per revision.

    The missing attributions (new revisions) are computed oldest first, each from its parent's
    (text.attribute: the same result as text.blame over the whole chain), and stored; at most
    `max_steps` of them, within about `max_seconds`. If the head's is still missing, the newest
    revision that has one is shown, with `pending` saying how many remain. A view with nothing
    missing sends three queries and diffs nothing.
    """
    head_number = _current_head_number(statement)
    digests = dict(db.session.execute(select(Attribution.number, Attribution.digest).where(
        Attribution.statement_id == statement.id, Attribution.number <= head_number)).all())
    missing = [n for n in range(1, head_number + 1) if n not in digests]
    computed: dict[int, list[Any]] = {}
    if missing:
        computed = _attribute(statement, missing, digests, max_steps, max_seconds)
    shown = max(digests, default=None)  # the head's, unless it is still being prepared
    pending = len(missing) - len(computed)
    if shown is None:
        return WhoWroteWhat([], None, head_number, pending, 0)
    text = db.session.execute(select(Revision.text).where(
        Revision.statement_id == statement.id, Revision.number == shown)).scalar_one()
    attrs = computed.get(shown)
    if attrs is None:
        attrs = textlib.decode_runs(_runs(statement, shown))
    return WhoWroteWhat(textlib.passages(text, attrs), shown, head_number, pending,
                        len(computed))


def _runs(statement: Statement, number: int) -> str:
    return db.session.execute(select(Attribution.runs).where(
        Attribution.statement_id == statement.id, Attribution.number == number)).scalar_one()


def _attribute(statement: Statement, missing: list[int], digests: dict[int, str],
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
            Revision.statement_id == statement.id, Revision.number >= batch[0] - 1,
            Revision.number <= batch[-1]))}
    latest_by_digest: dict[str, int] = {}
    for number, digest in sorted(digests.items()):
        latest_by_digest[digest] = number
    computed: dict[int, list[Any]] = {}

    def attrs_of(number: int) -> list[Any]:
        if number not in computed:
            computed[number] = textlib.decode_runs(_runs(statement, number))
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
        stored.append({"statement_id": statement.id, "number": number, "digest": digest,
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
        index_elements=["statement_id", "number"]), rows)
