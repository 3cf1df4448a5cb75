"""What stakeholder submissions do (issue 12, item 1): create and edit a submission, invite
co-submitting organisations, let them confirm or decline, move it through its statuses, list
what a reader may see.

Every write is audited (coalition.audit.record) and flushed, never committed: the request
commits, so a refusal half-way leaves nothing written. A ServiceError names the form field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, and_, delete, exists, func, or_, select, true, union, update
from sqlalchemy.orm import joinedload, selectinload

from coalition.access import can, is_coalition_member, is_coordinator, member_organisation_ids
from coalition.audit import diff, record
from coalition.core import files
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment, ConflictCopy, Document, Revision
from coalition.extensions import db
from coalition.i18n import number
from coalition.notifications import events
from coalition.organisations.models import Organisation
from coalition.reviews.models import Review, Theme
from coalition.reviews.services import chosen_themes
from coalition.submissions import ohchr
from coalition.submissions.models import (
    PARTICIPATION_STATES,
    SUBMISSION_FILE_KINDS,
    SUBMISSION_KINDS,
    SUBMISSION_STATUSES,
    SUBMISSION_VISIBILITIES,
    Submission,
    SubmissionFile,
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


# --- lists with facets (issue 12, item 5) -----------------------------------------------------
# The list's facets, in the order the page shows them; each is one URL parameter with one value
# (`?review=3&organisation=7&theme=12&status=draft&kind=joint`), facets combine with AND. Each
# facet's counts apply every other facet's filter, so a count says what choosing it would show.
FACETS = ("review", "organisation", "theme", "status", "kind")


@dataclass(frozen=True)
class SubmissionFilters:
    """The list's filters, from the URL; `args()` gives the URL parameters, with changes."""

    review: int | None = None
    organisation: int | None = None
    theme: int | None = None
    status: str | None = None
    kind: str | None = None

    def args(self, **changes: Any) -> dict[str, Any]:
        """The URL parameters of these filters with `changes` (None drops a facet)."""
        values = {name: getattr(self, name) for name in FACETS}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def active(self) -> bool:
        return any(getattr(self, name) for name in FACETS)


def _takes_part(organisation_id: Any) -> Any:
    return or_(Submission.lead_organisation_id == organisation_id,
               exists(select(SubmissionParticipant.id).where(
                   SubmissionParticipant.submission_id == Submission.id,
                   SubmissionParticipant.organisation_id == organisation_id)))


def _conditions(user: Any, f: SubmissionFilters, skip: str | None = None) -> list[Any]:
    """What the reader may see, and every active facet but `skip`."""
    conds = [visible_submissions(user)]
    if f.review and skip != "review":
        conds.append(Submission.review_id == f.review)
    if f.organisation and skip != "organisation":
        conds.append(_takes_part(f.organisation))
    if f.theme and skip != "theme":
        conds.append(exists(select(submission_theme.c.theme_id).where(
            submission_theme.c.submission_id == Submission.id,
            submission_theme.c.theme_id == f.theme)))
    if f.status in SUBMISSION_STATUSES and skip != "status":
        conds.append(Submission.status == f.status)
    if f.kind in SUBMISSION_KINDS and skip != "kind":
        conds.append(Submission.kind == f.kind)
    return conds


def submissions_query(user: Any, review_id: int | None = None,
                      organisation_id: int | None = None, theme_id: int | None = None,
                      status: str | None = None, kind: str | None = None) -> Select:
    """The list page's query: what `user` may read, filtered, newest review first; the
    review, its State, the lead and the co-submitters come with the rows (a page of rows
    costs the same number of queries whatever its length)."""
    f = SubmissionFilters(review_id, organisation_id, theme_id, status, kind)
    return (select(Submission).join(Review).where(*_conditions(user, f))
            .options(joinedload(Submission.review).joinedload(Review.state),
                     joinedload(Submission.lead_organisation),
                     selectinload(Submission.participants))
            .order_by(Review.review_date.desc().nulls_last(), Submission.title,
                      Submission.id))


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: its URL value, label, count, and whether it is chosen."""

    value: Any
    label: str
    count: int
    selected: bool


def facet_counts(user: Any, f: SubmissionFilters) -> dict[str, list[FacetValue]]:
    """Each facet's values with their counts, over only the submissions `user` may read,
    each facet counted under every other facet's filter: five grouped queries, whatever the
    number of submissions. Values with no submission are left out (a chosen one stays)."""
    def ids(skip: str) -> Any:
        return select(Submission.id).where(*_conditions(user, f, skip))

    reviews_by_id = {r.id: r for r in db.session.scalars(
        select(Review).options(joinedload(Review.state)))}
    review_counts = dict(db.session.execute(
        select(Submission.review_id, func.count()).where(Submission.id.in_(ids("review")))
        .group_by(Submission.review_id)).all())
    pairs = union(
        select(Submission.id.label("sid"), Submission.lead_organisation_id.label("oid")),
        select(SubmissionParticipant.submission_id.label("sid"),
               SubmissionParticipant.organisation_id.label("oid"))).subquery()
    org_rows = db.session.execute(
        select(Organisation.id, Organisation.name, func.count(pairs.c.sid.distinct()))
        .join(pairs, pairs.c.oid == Organisation.id)
        .where(pairs.c.sid.in_(ids("organisation")))
        .group_by(Organisation.id, Organisation.name)).all()
    theme_rows = db.session.execute(
        select(Theme.id, Theme.code, Theme.name, func.count())
        .join(submission_theme, submission_theme.c.theme_id == Theme.id)
        .where(submission_theme.c.submission_id.in_(ids("theme")))
        .group_by(Theme.id, Theme.code, Theme.name).order_by(Theme.code)).all()
    status_counts = dict(db.session.execute(
        select(Submission.status, func.count()).where(Submission.id.in_(ids("status")))
        .group_by(Submission.status)).all())
    kind_counts = dict(db.session.execute(
        select(Submission.kind, func.count()).where(Submission.id.in_(ids("kind")))
        .group_by(Submission.kind)).all())

    ordered_reviews = sorted(
        (reviews_by_id[i] for i in review_counts if i in reviews_by_id),
        key=lambda r: (-(r.review_date.toordinal() if r.review_date else 0), r.state.name))
    return {
        "review": [FacetValue(r.id, r.display_title, review_counts[r.id], f.review == r.id)
                   for r in ordered_reviews],
        "organisation": [FacetValue(i, name, n, f.organisation == i) for i, name, n in
                         sorted(org_rows, key=lambda row: (-row[2], row[1].casefold()))],
        "theme": [FacetValue(i, f"{code} {name}", n, f.theme == i)
                  for i, code, name, n in theme_rows],
        "status": [FacetValue(k, str(label), status_counts[k], f.status == k)
                   for k, label in SUBMISSION_STATUSES.items() if k in status_counts],
        "kind": [FacetValue(k, str(label), kind_counts[k], f.kind == k)
                 for k, label in SUBMISSION_KINDS.items() if k in kind_counts],
    }


# --- files (issue 12, item 3) -----------------------------------------------------------------
# What a submission's file may be: OHCHR takes Word, PDF (and the coalition OpenDocument text);
# checked by the bytes (coalition.core.files.sniff), never by the name.
SUBMISSION_ACCEPTED = {media_type: files.ACCEPTED[media_type] for media_type in (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/pdf",
    "application/vnd.oasis.opendocument.text")}


def max_file_bytes() -> int:
    """The most one submission file may weigh (config SUBMISSION_MAX_BYTES, default 20 MB)."""
    return files.max_bytes("SUBMISSION_MAX_BYTES")


def add_file(actor: Any, submission: Submission, upload: IO[bytes], name: str | None,
             kind: str = "final") -> tuple[SubmissionFile, files.StoredFile]:
    """Attach a file to a submission: checked by content (.docx, .pdf, .odt), kept outside
    the web root under its SHA-256, audited. FileRefused on "file" (400; 413 over
    SUBMISSION_MAX_BYTES), ServiceError on "kind"; nothing is kept from a refused upload.
    Returns the row and the kept file (the caller discards it if the commit fails)."""
    if kind not in SUBMISSION_FILE_KINDS:
        raise ServiceError(_("Choose the kind of file from the list."), "kind")

    def attach(stored: files.StoredFile) -> SubmissionFile:
        kept = SubmissionFile(submission=submission, kind=kind, filename=stored.filename,
                              media_type=stored.media_type, size=stored.size,
                              sha256=stored.sha256, uploaded_by_id=getattr(actor, "id", None))
        db.session.add(kept)
        db.session.flush()
        record(actor, "submission.add_file", submission, {
            "file": [None, stored.filename], "file_kind": [None, kind],
            "size": [None, stored.size], "sha256": [None, stored.sha256]})
        return kept

    return files.store_attached(upload, name, max_file_bytes(), attach,
                                accept=SUBMISSION_ACCEPTED)


def remove_file(actor: Any, kept: SubmissionFile) -> str:
    """Remove a submission's file (audited). Returns its SHA-256: once the request commits,
    the caller drops the bytes if no other row names them (files.discard_unreferenced)."""
    submission = kept.submission
    record(actor, "submission.remove_file", submission, {
        "file": [kept.filename, None], "file_kind": [kept.kind, None],
        "sha256": [kept.sha256, None]})
    sha256 = kept.sha256
    submission.files.remove(kept)
    db.session.flush()
    return sha256


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
    themes = chosen_themes(theme_ids)
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
    db.session.flush()  # the submission's id, for the invitation's link
    events.co_submission_invited(actor, submission, co_submitters)
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
    themes = chosen_themes(theme_ids)
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
    invited = [org for org in co_submitters if org.id not in have]
    for org in invited:
        submission.participants.append(SubmissionParticipant(organisation=org))
    events.co_submission_invited(actor, submission, invited)
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
                  on: date | None = None, *, text: str | None = None,
                  override_reason: str = "") -> None:
    """Move a submission to `status`; sent to OHCHR and published carry their date (today
    unless given). A joint submission is sent only with at least one other organisation
    confirmed and none still invited (OHCHR lists the co-submitters on the first page: each
    must have said yes or no).

    `text` (its Markdown, when known) is checked against OHCHR's word limit on the way to
    "submitted": over the limit it is refused, unless a steering member gives a reason
    (`override_reason`), which the audit event records with the word count. A draft may be
    over the limit."""
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
    checked = _check_word_limit(actor, submission, text, override_reason) \
        if status == "submitted" else {}
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
    changes.update(checked)
    submission.updated_at = utcnow()
    record(actor, STATUS_ACTIONS[status], submission, changes)


# ohchr (issue 12, item 2): OHCHR's word limit on sending; the rules are in ohchr.py.
OVERRIDE_REASON_MAX = 500


def _check_word_limit(actor: Any, submission: Submission, text: str | None,
                      override_reason: str) -> dict[str, list[Any]]:
    """Refuse to send a text over OHCHR's word limit, unless a steering member gives a reason.
    Returns what the audit event adds: the word count, and the reason of an override."""
    if text is None:
        return {}
    words, limit = ohchr.count_words(text), ohchr.word_limit(submission)
    changes: dict[str, list[Any]] = {"word_count": [None, words]}
    if words <= limit:
        return changes
    reason = (override_reason or "").strip()
    over = _("The text has %(count)s words, over OHCHR's limit of %(limit)s for this kind of "
             "submission (footnotes and annexes not counted): shorten it before sending it.",
             count=number(words), limit=number(limit))
    if not can(actor, "submission.override_word_limit", submission):
        raise ServiceError(over, "status")
    if not reason:
        raise ServiceError(over + " " + _("A steering committee member may send it anyway: "
                                          "give the reason."), "override_reason")
    if len(reason) > OVERRIDE_REASON_MAX:
        raise ServiceError(_("The reason is at most %(num)s characters long.",
                             num=OVERRIDE_REASON_MAX), "override_reason")
    changes["override_reason"] = [None, reason]
    return changes


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
