"""What stakeholder submissions do (issue 12, item 1): create and edit a submission, invite
co-submitting organisations, let them confirm or decline, move it through its statuses, list
what a reader may see.

Every write is audited (coalition.audit.record) and flushed, never committed: the request
commits, so a refusal half-way leaves nothing written. A ServiceError names the form field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, and_, delete, exists, or_, select, true, update

from coalition.access import is_coalition_member, is_coordinator, member_organisation_ids
from coalition.audit import diff, record
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, ConflictCopy, Document, Revision
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.reviews.models import Review, Theme
from coalition.submissions.models import (
    PARTICIPATION_STATES,
    SUBMISSION_KINDS,
    SUBMISSION_STATUSES,
    SUBMISSION_VISIBILITIES,
    Submission,
    SubmissionParticipant,
    submission_theme,
)

# Which status may follow which: sent to OHCHR, then published by OHCHR; a submission sent by
# mistake may go back to draft until OHCHR publishes it. A published one stays published.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"published", "draft"}),
    "published": frozenset(),
}

# The audit actions (each has its label in coalition.audit.labels.ACTION_LABELS).
STATUS_ACTIONS = {"submitted": "submission.submitted", "published": "submission.published",
                  "draft": "submission.draft"}
ANSWER_ACTIONS = {"confirmed": "submission.confirm", "declined": "submission.decline"}


# --- who sees what ---------------------------------------------------------------------------

def visible_submissions(user: Any) -> Any:
    """A SQL condition on Submission rows: those `user` may read; the rule "submission.view"
    (coalition.access) says the same for one submission."""
    published_public = and_(Submission.visibility == "public", Submission.status == "published")
    if is_coordinator(user):
        return true()
    if not is_coalition_member(user):
        return published_public  # researchers, anonymous visitors
    mine = member_organisation_ids(user)
    takes_part = exists(select(SubmissionParticipant.id).where(
        SubmissionParticipant.submission_id == Submission.id,
        SubmissionParticipant.organisation_id.in_(mine)))
    return or_(Submission.lead_organisation_id.in_(mine), takes_part,
               Submission.visibility.in_(("coalition", "public")),
               Submission.status == "published")


def submissions_query(user: Any, review_id: int | None = None,
                      organisation_id: int | None = None, theme_id: int | None = None,
                      status: str | None = None, kind: str | None = None) -> Select:
    """The list page's query: what `user` may read, filtered, newest review first."""
    query = select(Submission).join(Review).where(visible_submissions(user))
    if review_id:
        query = query.where(Submission.review_id == review_id)
    if organisation_id:
        query = query.where(or_(
            Submission.lead_organisation_id == organisation_id,
            exists(select(SubmissionParticipant.id).where(
                SubmissionParticipant.submission_id == Submission.id,
                SubmissionParticipant.organisation_id == organisation_id))))
    if theme_id:
        query = query.where(exists(select(submission_theme.c.theme_id).where(
            submission_theme.c.submission_id == Submission.id,
            submission_theme.c.theme_id == theme_id)))
    if status in SUBMISSION_STATUSES:
        query = query.where(Submission.status == status)
    if kind in SUBMISSION_KINDS:
        query = query.where(Submission.kind == kind)
    return query.order_by(Review.review_date.desc().nulls_last(), Submission.title,
                          Submission.id)


def deadline_words(review: Review, today: date | None = None) -> str | None:
    """The review's submission deadline in words: "12 days left", "last day today",
    "deadline passed"; None when the review has no deadline."""
    deadline = review.submission_deadline
    if deadline is None:
        return None
    days = (deadline - (today or date.today())).days
    if days < 0:
        return _("deadline passed")
    if days == 0:
        return _("last day today")
    return ngettext("%(num)s day left", "%(num)s days left", days)


# --- checks ----------------------------------------------------------------------------------

def _check_values(title: str, kind: str, visibility: str, review: Review | None,
                  reference: str | None) -> None:
    if review is None:
        raise ServiceError(_("Choose a review from the list."), "review")
    if not (title or "").strip():
        raise ServiceError(_("Give the submission a title."), "title")
    if len(title) > 300:
        raise ServiceError(_("The title is at most 300 characters long."), "title")
    if kind not in SUBMISSION_KINDS:
        raise ServiceError(_("Choose individual or joint."), "kind")
    if visibility not in SUBMISSION_VISIBILITIES:
        raise ServiceError(_("Choose who may read the submission."), "visibility")
    if reference and len(reference) > 40:
        raise ServiceError(_("The OHCHR reference is at most 40 characters long."),
                           "ohchr_reference")


def _organisations(ids: Sequence[int], lead: Organisation) -> list[Organisation]:
    wanted = sorted({i for i in ids if i is not None})
    if lead.id in wanted:
        raise ServiceError(_("The lead organisation is not also a co-submitter."),
                           "co_submitters")
    orgs = list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(wanted), Organisation.active.is_(True)))) if wanted else []
    if len(orgs) != len(wanted):
        raise ServiceError(_("Choose organisations from the list."), "co_submitters")
    return orgs


def _themes(ids: Sequence[int]) -> list[Theme]:
    wanted = sorted({i for i in ids if i is not None})
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(wanted)))) if wanted else []
    if len(themes) != len(wanted):
        raise ServiceError(_("Choose themes from the list."), "themes")
    return themes


def _check_kind(kind: str, co_submitters: Sequence[Organisation]) -> None:
    if kind == "individual" and co_submitters:
        raise ServiceError(_("An individual submission has no co-submitting organisations: "
                             "make it a joint submission or remove them."), "co_submitters")
    if kind == "joint" and not co_submitters:
        raise ServiceError(_("A joint submission needs at least one co-submitting "
                             "organisation besides the lead organisation."), "co_submitters")


# --- writes ----------------------------------------------------------------------------------

def create_submission(actor: Any, review: Review | None, title: str, kind: str,
                      lead: Organisation | None, co_submitter_ids: Sequence[int] = (),
                      theme_ids: Sequence[int] = (), visibility: str = "organisation",
                      ohchr_reference: str | None = None) -> Submission:
    title = (title or "").strip()
    reference = (ohchr_reference or "").strip() or None
    _check_values(title, kind, visibility, review, reference)
    if lead is None or not lead.active:
        raise ServiceError(_("Choose the lead organisation from the list."), "lead")
    co_submitters = _organisations(co_submitter_ids, lead)
    _check_kind(kind, co_submitters)
    themes = _themes(theme_ids)
    submission = Submission(review=review, title=title, kind=kind, lead_organisation=lead,
                            visibility=visibility, ohchr_reference=reference, themes=themes,
                            created_by_id=getattr(actor, "id", None))
    for org in co_submitters:
        submission.participants.append(SubmissionParticipant(organisation=org))
    db.session.add(submission)
    record(actor, "submission.create", submission, {
        "title": [None, title], "kind": [None, kind], "lead": [None, lead.name],
        "review": [None, review.title if review else None],
        "co_submitters": [None, [o.name for o in co_submitters]],
        "themes": [None, [t.code for t in themes]], "visibility": [None, visibility],
        "ohchr_reference": [None, reference]})
    return submission


def update_submission(actor: Any, submission: Submission, review: Review | None, title: str,
                      kind: str, co_submitter_ids: Sequence[int] = (),
                      theme_ids: Sequence[int] = (), visibility: str = "organisation",
                      ohchr_reference: str | None = None) -> dict[str, list[Any]]:
    """Change a submission's details. An organisation that answered (confirmed or declined)
    stays listed: unticking it is refused, so who was asked is never silently lost."""
    title = (title or "").strip()
    reference = (ohchr_reference or "").strip() or None
    _check_values(title, kind, visibility, review, reference)
    co_submitters = _organisations(co_submitter_ids, submission.lead_organisation)
    wanted = {o.id for o in co_submitters}
    answered = [p for p in submission.participants if p.state != "invited"]
    kept_out = [p.organisation.name for p in answered if p.organisation_id not in wanted]
    if kept_out:
        raise ServiceError(_("%(names)s already answered: an organisation that answered "
                             "stays listed.", names=", ".join(kept_out)), "co_submitters")
    _check_kind(kind, co_submitters)
    if submission.status != "draft" and wanted != {p.organisation_id
                                                   for p in submission.participants}:
        raise ServiceError(_("The submission was already sent to OHCHR: its co-submitters "
                             "no longer change."), "co_submitters")
    if submission.status != "draft" and review is not None and review.id != submission.review_id:
        raise ServiceError(_("A submission sent to OHCHR stays with its review."), "review")
    themes = _themes(theme_ids)
    before_orgs = [p.organisation.name for p in submission.participants]
    before_themes = [t.code for t in submission.themes]
    before_review = submission.review.title
    changes = diff(submission, {"title": title, "kind": kind, "visibility": visibility,
                                "ohchr_reference": reference})
    if review is not None and review.id != submission.review_id:
        submission.review = review
        changes["review"] = [before_review, review.title]
    for participant in list(submission.participants):
        if participant.organisation_id not in wanted:
            submission.participants.remove(participant)
    have = {p.organisation_id for p in submission.participants}
    for org in co_submitters:
        if org.id not in have:
            submission.participants.append(SubmissionParticipant(organisation=org))
    after_orgs = [p.organisation.name for p in submission.participants]
    if sorted(before_orgs) != sorted(after_orgs):
        changes["co_submitters"] = [before_orgs, after_orgs]
    if sorted(before_themes) != sorted(t.code for t in themes):
        submission.themes = themes
        changes["themes"] = [before_themes, [t.code for t in themes]]
    if changes:
        submission.updated_at = utcnow()
        record(actor, "submission.update", submission, changes)
    return changes


def answer(actor: Any, participant: SubmissionParticipant, state: str) -> None:
    """A co-submitting organisation confirms or declines (and may change its answer while the
    submission is a draft)."""
    if state not in ("confirmed", "declined"):
        raise ServiceError(_("Confirm or decline."), "state")
    submission = participant.submission
    if submission.status != "draft":
        raise ServiceError(_("The submission was already sent to OHCHR: its co-submitters "
                             "no longer change."), "state")
    if participant.state == state:
        return
    before = participant.state
    participant.state = state
    participant.answered_by_id = getattr(actor, "id", None)
    participant.answered_at = utcnow()
    record(actor, ANSWER_ACTIONS[state], submission,
           {"organisation": [participant.organisation.name, participant.organisation.name],
            "participation": [before, state]},
           organisation=participant.organisation)


def change_status(actor: Any, submission: Submission, status: str,
                  on: date | None = None) -> None:
    """Move a submission to `status`; sent to OHCHR and published carry their date (today
    unless given). A joint submission is sent only with at least one other organisation
    confirmed and none still invited (OHCHR lists the co-submitters on the first page: each
    must have said yes or no)."""
    if status not in SUBMISSION_STATUSES:
        raise ServiceError(_("Choose a status from the list."), "status")
    if status == submission.status:
        return
    if status not in STATUS_TRANSITIONS[submission.status]:
        raise ServiceError(_("A submission that is %(now)s cannot become %(then)s.",
                             now=str(SUBMISSION_STATUSES[submission.status]).lower(),
                             then=str(SUBMISSION_STATUSES[status]).lower()), "status")
    if on is not None and on > date.today():
        raise ServiceError(_("The date cannot be in the future."), "on")
    if status == "submitted" and submission.kind == "joint":
        if not any(p.state == "confirmed" for p in submission.participants):
            raise ServiceError(_("A joint submission is sent with at least one other "
                                 "organisation: no co-submitting organisation has confirmed "
                                 "yet."), "status")
        waiting = [p.organisation.name for p in submission.participants
                   if p.state == "invited"]
        if waiting:
            raise ServiceError(_("Still waiting for an answer from %(names)s: they confirm or "
                                 "decline first.", names=", ".join(waiting)), "status")
    values: dict[str, Any] = {"status": status}
    if status == "submitted":
        values["submitted_on"] = on or date.today()
    elif status == "published":
        if on is not None and submission.submitted_on and on < submission.submitted_on:
            raise ServiceError(_("OHCHR publishes a submission after it was sent."), "on")
        values["published_on"] = on or date.today()
    else:
        values["submitted_on"] = None
    changes = diff(submission, values)
    submission.updated_at = utcnow()
    record(actor, STATUS_ACTIONS[status], submission, changes)


def participation_label(state: str) -> str:
    return str(PARTICIPATION_STATES.get(state, state))


def reviews() -> list[Review]:
    from coalition.reviews.models import State

    return list(db.session.scalars(select(Review).join(State).order_by(
        Review.review_date.desc().nulls_last(), State.name, Review.cycle)))



# --- drafting (issue 12, item 2): the submission's text, drafted like a joint statement -------
# The machinery is coalition.drafting's (revisions, three-way merge, kept conflicts, autosave,
# comments, who wrote what); this says what only a submission has: its text is written while it
# is a draft, and the audit events name the submission.

DRAFTING_ACTIONS = drafting.Actions(
    save="submission.save", conflict="submission.conflict", comment="submission.comment",
    remove_comment="submission.remove_comment", resolve_comment="submission.resolve_comment")


def current_text(submission: Submission) -> str:
    """The submission's text as Markdown: its head revision ("" when nothing is written)."""
    if submission.document_id is None:
        return ""
    document = db.session.get(Document, submission.document_id)
    return drafting.head(document).text if document is not None else ""


def document_of(actor: Any, submission: Submission,
                organisation: Organisation | None = None) -> Document:
    """The submission's document, made (with an empty first revision) the first time its text
    is opened for writing. Two first openings at once make one: the submission takes a
    document only while it has none, and the loser's is removed."""
    if submission.document_id is not None:
        return db.session.get(Document, submission.document_id)
    document = drafting.new_document("submission", actor,
                                     organisation or submission.lead_organisation)
    taken = db.session.execute(
        update(Submission).where(Submission.id == submission.id,
                                 Submission.document_id.is_(None))
        .values(document_id=document.id)
        .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    if not taken:
        db.session.execute(delete(Revision).where(Revision.document_id == document.id))
        db.session.delete(document)
        db.session.flush()
    db.session.refresh(submission, ["document_id"])
    return db.session.get(Document, submission.document_id)


def drafting_organisation(user: Any, submission: Submission) -> Organisation | None:
    """The organisation a user's writing is credited to: the lead if they are its editor, else
    the first confirmed co-submitter they edit for (None: they write for none)."""
    from coalition.access import has_role

    orgs = [submission.lead_organisation, *sorted(
        (p.organisation for p in submission.participants if p.state == "confirmed"),
        key=lambda o: o.name)]
    return next((o for o in orgs if has_role(user, o, "editor")), None)


def _check_draft(submission: Submission) -> None:
    if submission.status != "draft":
        raise ServiceError(_("Only a draft submission's text can be edited; return it to draft "
                             "first."))


def save_text(actor: Any, submission: Submission, organisation: Organisation | None,
              base_number: int, text: str, summary: str = "") -> drafting.SaveOutcome:
    """Save an editor's text, started from revision `base_number`: saved, merged with what was
    saved meanwhile, or kept as a conflict copy. Nothing is lost."""
    _check_draft(submission)
    return drafting.save_text(actor, document_of(actor, submission, organisation), organisation,
                              base_number, text, summary, subject=submission,
                              actions=DRAFTING_ACTIONS)


def resolve_conflict(actor: Any, submission: Submission, copy: ConflictCopy, choices: list[str],
                     organisation: Organisation | None) -> drafting.SaveOutcome:
    """Resolve a kept conflict copy of the submission's text."""
    if copy.resolved_at is None:
        _check_draft(submission)
    return drafting.resolve_conflict(actor, copy, choices, organisation, subject=submission,
                                     actions=DRAFTING_ACTIONS)


def restore(actor: Any, submission: Submission, number: int,
            organisation: Organisation | None) -> drafting.SaveOutcome:
    """Bring back revision `number` of the text as a new revision."""
    _check_draft(submission)
    return drafting.restore(actor, document_of(actor, submission, organisation), number,
                            organisation, subject=submission, actions=DRAFTING_ACTIONS)


def add_comment(actor: Any, submission: Submission, organisation: Organisation | None,
                body: str, quote: str = "", parent: Comment | None = None) -> Comment:
    """Comment on the submission's text (or reply to a comment)."""
    return drafting.add_comment(actor, document_of(actor, submission, organisation),
                                organisation, body, quote, parent, subject=submission,
                                actions=DRAFTING_ACTIONS)


def resolve_comment(actor: Any, submission: Submission, comment: Comment) -> None:
    """Mark a comment on the submission resolved."""
    drafting.resolve_comment(actor, comment, subject=submission, actions=DRAFTING_ACTIONS)


def remove_comment(actor: Any, submission: Submission, comment: Comment) -> None:
    """Take a comment out of its thread (kept whole in the audit trail)."""
    drafting.remove_comment(actor, comment, subject=submission, actions=DRAFTING_ACTIONS)
# --- end drafting
