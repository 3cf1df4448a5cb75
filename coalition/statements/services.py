"""What the coalition does with joint statements. Every write is audited; no text is lost.

The text is the statement's Document, drafted with coalition.drafting.services (revisions,
three-way merge, kept conflicts, autosave, presence, comments, who wrote what), shared with
stakeholder submissions. The functions here keep their statement-shaped signatures: they check
what only a statement has (its status, its notifications) and record the same audit events
("statement.save", "statement.conflict", ...) naming the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from coalition.audit import diff, record
from coalition.audit.services import snapshot
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.drafting import services as drafting
from coalition.drafting.services import (  # noqa: F401  (part of this module's interface)
    BLAME_SECONDS,
    BLAME_STEPS,
    PRESENCE_WINDOW,
    SAVE_ATTEMPTS,
    CommentThread,
    SaveOutcome,
    WhoWroteWhat,
    conflict_view,
    revision_html,
)
from coalition.drafting.services import check_text as _check_text
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.statements.models import (
    LANGUAGES,
    STATEMENT_KINDS,
    Comment,
    ConflictCopy,
    Draft,
    Endorsement,
    Revision,
    Statement,
    StatementDrafter,
)

EDITABLE = {"draft", "in_review", "open"}
# The audit actions of a statement's text (the same as before drafting was shared).
ACTIONS = drafting.Actions(save="statement.save", conflict="statement.conflict",
                           comment="statement.comment",
                           remove_comment="statement.remove_comment",
                           resolve_comment="statement.resolve_comment")


def revision(statement: Statement, number: int) -> Revision | None:
    """Revision `number` of the statement's text, or None."""
    return drafting.revision(statement.document, number)


def head(statement: Statement) -> Revision:
    """The statement's latest revision."""
    return drafting.head(statement.document)


def revisions(statement: Statement) -> list[Revision]:
    """Every revision of the statement's text, oldest first."""
    return drafting.revisions(statement.document)


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
    drafting.first_revision(statement.document, actor, lead, text)
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


def _current_head_number(statement: Statement) -> int:
    return drafting.current_head_number(statement.document)


def _check_editable(statement: Statement) -> None:
    if statement.status not in EDITABLE:
        if statement.status == "published":
            raise ServiceError(_("A published statement cannot be edited. Ask the steering "
                                 "committee to reopen it for a correction."))
        raise ServiceError(_("A %(status)s statement cannot be edited.",
                             status=statement.status_label.lower()))


def _saved(actor: Any, statement: Statement, outcome: SaveOutcome) -> SaveOutcome:
    if outcome.kind in {"saved", "merged"} and outcome.revision is not None:
        # notify (issue 11): signatures of the text before this one need re-confirmation.
        from coalition.notifications.events import text_changed
        text_changed(actor, statement, outcome.revision.parent_number)
    return outcome


def save_text(actor: Any, statement: Statement, organisation: Organisation | None,
              base_number: int, text: str, summary: str = "", kind: str = "edit") -> SaveOutcome:
    """Save an editor's text, started from revision `base_number`. Nothing submitted is lost."""
    _check_editable(statement)
    return _saved(actor, statement, drafting.save_text(
        actor, statement.document, organisation, base_number, text, summary, kind,
        subject=statement, actions=ACTIONS))


def resolve_conflict(actor: Any, copy: ConflictCopy, choices: list[str],
                     organisation: Organisation | None) -> SaveOutcome:
    """Resolve a kept conflict: each clash takes theirs, mine, both, or a new wording."""
    statement = _statement_of(copy.document_id)
    if copy.resolved_at is None:
        _check_editable(statement)
    return _saved(actor, statement, drafting.resolve_conflict(
        actor, copy, choices, organisation, subject=statement, actions=ACTIONS))


def _statement_of(document_id: int) -> Statement:
    statement = db.session.execute(select(Statement).where(
        Statement.document_id == document_id)).scalar_one()
    return statement


def open_conflicts(statement: Statement) -> list[ConflictCopy]:
    """The statement's conflict copies not yet resolved."""
    return drafting.open_conflicts(statement.document)


def restore(actor: Any, statement: Statement, number: int,
            organisation: Organisation | None) -> SaveOutcome:
    """Bring back an old text as a new revision (history is never rewritten)."""
    if revision(statement, number) is not None:
        _check_editable(statement)
    return _saved(actor, statement, drafting.restore(
        actor, statement.document, number, organisation, subject=statement, actions=ACTIONS))


# --- drafts and presence ----------------------------------------------------------------------

def autosave(user: Any, statement: Statement, base_number: int, text: str) -> Draft:
    """Keep the user's unsaved text as their draft of the statement."""
    return drafting.autosave(user, statement.document, base_number, text)


def draft_of(user: Any, statement: Statement) -> Draft | None:
    """The user's autosaved draft of the statement, if any."""
    return drafting.draft_of(user, statement.document)


def heartbeat(user: Any, statement: Statement) -> list[str]:
    """Record that `user` has the editor open; the names of the others editing now."""
    return drafting.heartbeat(user, statement.document)


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
    """Comment on the statement's text (or reply); @mentions are notified."""
    comment = drafting.add_comment(actor, statement.document, organisation, body, quote, parent,
                                   subject=statement, actions=ACTIONS)
    # notify (issue 11): @organisation-slug and @person@e-mail mentions who may read it.
    from coalition.notifications.events import mentions
    mentions(actor, statement, comment)
    return comment


def remove_comment(actor: Any, comment: Comment) -> None:
    """Take a comment out of its thread (its author, or the coordinator moderating: the rule is
    `statement.remove_comment` in coalition.access). The thread shows "comment removed by ...";
    the text leaves the comment row and is kept whole in the audit trail. Replies stay.
    """
    drafting.remove_comment(actor, comment, subject=_statement_of(comment.document_id),
                            actions=ACTIONS)


def resolve_comment(actor: Any, comment: Comment) -> None:
    """Mark a comment on a statement resolved."""
    drafting.resolve_comment(actor, comment, subject=_statement_of(comment.document_id),
                             actions=ACTIONS)


def comment_threads(statement: Statement) -> list[CommentThread]:
    """The statement's top-level comments, each saying if its passage is still there."""
    return drafting.comment_threads(statement.document)


# --- "who wrote what" -------------------------------------------------------------------------

def who_wrote_what(statement: Statement, max_steps: int = BLAME_STEPS,
                   max_seconds: float = BLAME_SECONDS) -> WhoWroteWhat:
    """Who wrote what in the statement's head text (drafting.who_wrote_what)."""
    return drafting.who_wrote_what(statement.document, max_steps, max_seconds)
