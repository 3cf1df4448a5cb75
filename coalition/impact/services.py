"""What asks and impact do (issue 12, item 4): a submission's asks (add, paste a list, edit,
remove, reorder), the links the platform proposes between asks and the UN recommendations of
the same review (coalition.impact.similarity), a member's decision on each, links made by
hand, and the impact of a review's submissions counted for one reader.

Every write is audited on the submission (its history shows what happened to its asks) and
flushed, never committed: the request commits. A ServiceError names the form field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, exists, func, not_, select, union_all

from coalition.access import tracker_audience
from coalition.audit import record
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.impact import similarity
from coalition.impact.models import Ask, AskLink, ask_theme
from coalition.organisations.models import Organisation
from coalition.recommendations.models import Recommendation, recommending_state
from coalition.reviews.models import Review, State, Theme
from coalition.reviews.services import chosen_themes
from coalition.submissions.models import Submission, SubmissionParticipant, submission_theme
from coalition.submissions.services import visible_submissions

MAX_ASK_LENGTH = 5000
MAX_ASKS = 200  # per submission: OHCHR's word limit keeps real ones to a few dozen
# The audit actions of a decision (each has its label in coalition.audit.labels).
DECIDE_ACTIONS = {"confirmed": "ask.link_confirm", "rejected": "ask.link_reject"}
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·]|\(?[0-9]{1,3}[.)]|\(?[a-zA-Z][.)])\s+")


# --- asks --------------------------------------------------------------------------------------

def asks_of(submission: Submission) -> list[Ask]:
    """The submission's asks in order, with their links and themes."""
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(Ask).where(Ask.submission_id == submission.id)
        .options(selectinload(Ask.themes),
                 selectinload(Ask.links).selectinload(AskLink.recommendation))
        .order_by(Ask.number, Ask.id)))


def _clean(text: str, field_name: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the ask: what the State should do."), field_name)
    if len(text) > MAX_ASK_LENGTH:
        raise ServiceError(_("An ask is at most %(num)s characters long.", num=MAX_ASK_LENGTH),
                           field_name)
    return text


def _count(submission: Submission) -> int:
    return db.session.scalar(select(func.count(Ask.id)).where(
        Ask.submission_id == submission.id)) or 0


def add_ask(actor: Any, submission: Submission, text: str,
            theme_ids: Sequence[int] = ()) -> Ask:
    """Add an ask at the end of the submission's list."""
    text = _clean(text)
    themes = chosen_themes(theme_ids)
    number = _count(submission) + 1
    if number > MAX_ASKS:
        raise ServiceError(_("A submission has at most %(num)s asks.", num=MAX_ASKS), "text")
    ask = Ask(submission=submission, number=number, text=text, themes=themes,
              created_by_id=getattr(actor, "id", None))
    db.session.add(ask)
    record(actor, "ask.create", submission, {
        "ask": [None, f"{number}. {text[:200]}"], "themes": [None, [t.code for t in themes]]})
    return ask


def split_pasted(pasted: str) -> list[str]:
    """A pasted list of asks, one per paragraph when the text has blank lines between them,
    else one per line; list markers ("1.", "a)", "-", "•") taken off."""
    text = (pasted or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    chunks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    out = []
    for chunk in chunks:
        one = " ".join(line.strip() for line in chunk.split("\n") if line.strip())
        one = _LIST_MARKER.sub("", one).strip()
        if one:
            out.append(one)
    return out


def add_pasted_asks(actor: Any, submission: Submission, pasted: str) -> list[Ask]:
    """Add every ask of a pasted list, in order; all or nothing (one too long refuses all,
    naming it, and the view shows the pasted text again)."""
    texts = split_pasted(pasted)
    if not texts:
        raise ServiceError(_("Paste at least one ask, one per line or paragraph."), "pasted")
    for index, text in enumerate(texts, start=1):
        if len(text) > MAX_ASK_LENGTH:
            raise ServiceError(_("Ask %(number)s of the list is longer than %(num)s "
                                 "characters.", number=index, num=MAX_ASK_LENGTH), "pasted")
    first = _count(submission) + 1
    if first - 1 + len(texts) > MAX_ASKS:
        raise ServiceError(_("A submission has at most %(num)s asks.", num=MAX_ASKS), "pasted")
    asks = []
    for offset, text in enumerate(texts):
        ask = Ask(submission=submission, number=first + offset, text=text,
                  created_by_id=getattr(actor, "id", None))
        db.session.add(ask)
        asks.append(ask)
    record(actor, "ask.paste", submission,
           {"asks": [None, [f"{a.number}. {a.text[:120]}" for a in asks]]})
    return asks


def update_ask(actor: Any, ask: Ask, text: str, theme_ids: Sequence[int] = ()) -> bool:
    """Change an ask's words or themes. Its links stay (the member who changed the words
    decides whether they still hold); returns whether anything changed."""
    text = _clean(text)
    themes = chosen_themes(theme_ids)
    changes: dict[str, list[Any]] = {}
    if text != ask.text:
        changes["ask"] = [f"{ask.number}. {ask.text[:200]}", f"{ask.number}. {text[:200]}"]
        ask.text = text
    before = [t.code for t in ask.themes]
    if sorted(before) != sorted(t.code for t in themes):
        changes["themes"] = [before, [t.code for t in themes]]
        ask.themes = themes
    if changes:
        ask.updated_at = utcnow()
        record(actor, "ask.update", ask.submission, changes)
    return bool(changes)


def _renumber(submission: Submission, order: list[Ask]) -> None:
    for number, ask in enumerate(order, start=1):
        ask.number = number


def remove_ask(actor: Any, ask: Ask) -> None:
    """Remove an ask and its links; the others are renumbered."""
    submission = ask.submission
    rest = [a for a in asks_of(submission) if a.id != ask.id]
    record(actor, "ask.delete", submission, {"ask": [f"{ask.number}. {ask.text[:200]}", None]})
    db.session.delete(ask)
    db.session.flush()
    _renumber(submission, rest)


def move_ask(actor: Any, ask: Ask, direction: str) -> None:
    """Move an ask one place "up" or "down" in the submission's list."""
    if direction not in ("up", "down"):
        raise ServiceError(_("Move an ask up or down."), "direction")
    order = asks_of(ask.submission)
    index = next(i for i, a in enumerate(order) if a.id == ask.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    _renumber(ask.submission, order)
    record(actor, "ask.reorder", ask.submission,
           {"ask": [f"{index + 1}. {ask.text[:120]}", f"{other + 1}. {ask.text[:120]}"]})


# --- links -------------------------------------------------------------------------------------

def refresh_proposals(actor: Any, review: Review, submission: Submission | None = None) -> int:
    """Propose links for the asks of `submission` (or of every submission of `review`) to the
    review's recommendations, in one batch: earlier proposals not yet decided are replaced;
    confirmed and rejected pairs are never proposed again. Returns how many were proposed."""
    ask_query = select(Ask.id, Ask.text).join(Submission).where(
        Submission.review_id == review.id)
    if submission is not None:
        ask_query = ask_query.where(Ask.submission_id == submission.id)
    asks = [(row.id, row.text) for row in db.session.execute(ask_query)]
    if not asks:
        return 0
    ask_ids = [a for a, _ in asks]
    recs = [(row.id, row.text) for row in db.session.execute(
        select(Recommendation.id, Recommendation.text).where(
            Recommendation.review_id == review.id))]
    db.session.execute(AskLink.__table__.delete().where(
        AskLink.ask_id.in_(ask_ids), AskLink.state == "proposed"))
    decided = {(row.ask_id, row.recommendation_id) for row in db.session.execute(
        select(AskLink.ask_id, AskLink.recommendation_id).where(AskLink.ask_id.in_(ask_ids)))}
    proposals = similarity.propose(asks, recs, skip=decided)
    if proposals:
        db.session.execute(AskLink.__table__.insert(), [
            {"ask_id": p.ask_id, "recommendation_id": p.recommendation_id, "state": "proposed",
             "source": "proposed", "score": p.score, "matched_words": " ".join(p.words)[:500],
             "created_at": utcnow()} for p in proposals])
    db.session.expire_all()
    target = submission if submission is not None else review
    record(actor, "ask.propose", target, {"proposed": [None, len(proposals)]})
    return len(proposals)


def decide(actor: Any, link: AskLink, state: str) -> None:
    """A member confirms or rejects a proposed link (or changes their mind)."""
    if state not in ("confirmed", "rejected"):
        raise ServiceError(_("Confirm or reject the link."), "state")
    if link.state == state:
        return
    before = link.state
    link.state = state
    link.decided_by_id = getattr(actor, "id", None)
    link.decided_at = utcnow()
    rec = link.recommendation
    record(actor, DECIDE_ACTIONS[state], link.ask.submission,
           {"ask": [f"{link.ask.number}", f"{link.ask.number}"],
            "recommendation": [rec.paragraph or f"#{rec.id}", rec.paragraph or f"#{rec.id}"],
            "link": [before, state]})


def find_recommendation(review: Review, reference: str) -> Recommendation | None:
    """A recommendation of `review` by its paragraph number ("28.343") or its id ("#123")."""
    reference = (reference or "").strip()
    if not reference:
        return None
    by_paragraph = db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == review.id, Recommendation.paragraph == reference)).first()
    if by_paragraph is not None:
        return by_paragraph
    digits = reference.lstrip("#")
    if digits.isdigit() and len(digits) < 10:
        rec = db.session.get(Recommendation, int(digits))
        if rec is not None and rec.review_id == review.id:
            return rec
    return None


def link_by_hand(actor: Any, ask: Ask, reference: str) -> AskLink:
    """Link an ask to a recommendation of its review named by paragraph or id: confirmed at
    once (a member chose it). An earlier proposal or rejection of the same pair is confirmed."""
    submission = ask.submission
    rec = find_recommendation(submission.review, reference)
    if rec is None:
        raise ServiceError(_("No recommendation %(reference)s in this review: give its "
                             "paragraph number, e.g. 28.343.", reference=reference.strip()[:40]),
                           "reference")
    link = db.session.scalars(select(AskLink).where(
        AskLink.ask_id == ask.id, AskLink.recommendation_id == rec.id)).first()
    if link is None:
        link = AskLink(ask=ask, recommendation=rec, state="confirmed", source="manual",
                       matched_words=" ".join(similarity.shared_words(ask.text, rec.text))[:500],
                       decided_by_id=getattr(actor, "id", None), decided_at=utcnow())
        db.session.add(link)
    elif link.state == "confirmed":
        raise ServiceError(_("Ask %(number)s is already linked to %(paragraph)s.",
                             number=ask.number, paragraph=rec.paragraph or f"#{rec.id}"),
                           "reference")
    else:
        link.state = "confirmed"
        link.decided_by_id = getattr(actor, "id", None)
        link.decided_at = utcnow()
    record(actor, "ask.link_manual", submission,
           {"ask": [None, f"{ask.number}"],
            "recommendation": [None, rec.paragraph or f"#{rec.id}"]})
    return link


# --- what a reader sees ------------------------------------------------------------------------

def asked_for(user: Any, rec: Recommendation) -> list[tuple[Submission, list[int]]]:
    """The submissions `user` may read whose asks are confirmed-linked to `rec`, each with the
    numbers of those asks (one query)."""
    rows = db.session.execute(
        select(Submission, Ask.number).join(Ask, Ask.submission_id == Submission.id)
        .join(AskLink, AskLink.ask_id == Ask.id)
        .where(AskLink.recommendation_id == rec.id, AskLink.state == "confirmed",
               visible_submissions(user))
        .order_by(Submission.title, Submission.id, Ask.number)).all()
    out: dict[int, tuple[Submission, list[int]]] = {}
    for submission, number in rows:
        out.setdefault(submission.id, (submission, []))[1].append(number)
    return list(out.values())


@dataclass
class Impact:
    """The impact of a review's submissions as one reader may see it."""

    asks: int = 0
    taken_up: int = 0
    submissions: int = 0
    by_organisation: list[Any] = field(default_factory=list)  # (id, name, asks, taken up)
    by_theme: list[Any] = field(default_factory=list)  # (code, name, asks, taken up)
    by_state: list[Any] = field(default_factory=list)  # (name, asks, recommendations)
    by_position: dict[str, int] = field(default_factory=dict)  # distinct recommendations
    by_status: dict[str | None, int] = field(default_factory=dict)  # latest status
    links: list[Any] = field(default_factory=list)  # the confirmed links, rows
    states_of: dict[int, list[str]] = field(default_factory=dict)  # rec id -> State names


def impact(user: Any, review: Review) -> Impact:
    """Count what the review's submissions asked for and what the UN recommendations took up,
    over the submissions `user` may read only (visible_submissions); the implementation status
    is the latest assessment `user`'s audience may read. Seven queries, whatever the size."""
    visible = and_(Submission.review_id == review.id, visible_submissions(user))
    confirmed = select(AskLink.ask_id).where(AskLink.state == "confirmed")
    taken = Ask.id.in_(confirmed)
    taken_count = func.count(distinct(case((taken, Ask.id))))
    status_col = (Recommendation.latest_status if tracker_audience(user) == "coalition"
                  else Recommendation.latest_public_status)
    result = Impact()

    totals = db.session.execute(
        select(func.count(distinct(Ask.id)), taken_count, func.count(distinct(Submission.id)))
        .select_from(Ask).join(Submission, Submission.id == Ask.submission_id)
        .where(visible)).one()
    result.asks, result.taken_up, result.submissions = totals

    # By organisation: the lead and the co-submitters that confirmed each carry the asks.
    carriers = union_all(
        select(Submission.id.label("sid"), Submission.lead_organisation_id.label("oid")),
        select(SubmissionParticipant.submission_id.label("sid"),
               SubmissionParticipant.organisation_id.label("oid"))
        .where(SubmissionParticipant.state == "confirmed")).subquery()
    result.by_organisation = db.session.execute(
        select(Organisation.id, Organisation.name, func.count(distinct(Ask.id)), taken_count)
        .select_from(Ask).join(Submission, Submission.id == Ask.submission_id)
        .join(carriers, carriers.c.sid == Submission.id)
        .join(Organisation, Organisation.id == carriers.c.oid)
        .where(visible).group_by(Organisation.id, Organisation.name)
        .order_by(taken_count.desc(), func.count(distinct(Ask.id)).desc(), Organisation.name)
    ).all()

    # By theme: the ask's own themes, else its submission's.
    has_own = exists(select(ask_theme.c.ask_id).where(ask_theme.c.ask_id == Ask.id))
    themes_of = union_all(
        select(ask_theme.c.ask_id.label("aid"), ask_theme.c.theme_id.label("tid")),
        select(Ask.id.label("aid"), submission_theme.c.theme_id.label("tid"))
        .join(submission_theme, submission_theme.c.submission_id == Ask.submission_id)
        .where(not_(has_own))).subquery()
    result.by_theme = db.session.execute(
        select(Theme.code, Theme.name, func.count(distinct(Ask.id)), taken_count)
        .select_from(Ask).join(Submission, Submission.id == Ask.submission_id)
        .join(themes_of, themes_of.c.aid == Ask.id).join(Theme, Theme.id == themes_of.c.tid)
        .where(visible).group_by(Theme.code, Theme.name)
        .order_by(taken_count.desc(), Theme.code)).all()

    linked = (select(Ask.id.label("aid"), AskLink.recommendation_id.label("rid"))
              .join(AskLink, AskLink.ask_id == Ask.id)
              .join(Submission, Submission.id == Ask.submission_id)
              .where(visible, AskLink.state == "confirmed")).subquery()
    result.by_state = db.session.execute(
        select(State.name, func.count(distinct(linked.c.aid)), func.count(distinct(linked.c.rid)))
        .select_from(linked)
        .join(recommending_state, recommending_state.c.recommendation_id == linked.c.rid)
        .join(State, State.id == recommending_state.c.state_id)
        .group_by(State.name)
        .order_by(func.count(distinct(linked.c.aid)).desc(), State.name)).all()

    for position, status, number in db.session.execute(
            select(Recommendation.position, status_col, func.count(distinct(Recommendation.id)))
            .where(Recommendation.id.in_(select(linked.c.rid)))
            .group_by(Recommendation.position, status_col)):
        result.by_position[position] = result.by_position.get(position, 0) + number
        result.by_status[status] = result.by_status.get(status, 0) + number

    result.links = db.session.execute(
        select(Recommendation.id.label("rec_id"), Recommendation.paragraph,
               Recommendation.text.label("rec_text"), Recommendation.position,
               status_col.label("status"), Ask.number, Ask.text.label("ask_text"),
               Submission.id.label("submission_id"), Submission.title,
               Organisation.name.label("lead"))
        .select_from(AskLink).join(Ask, Ask.id == AskLink.ask_id)
        .join(Submission, Submission.id == Ask.submission_id)
        .join(Organisation, Organisation.id == Submission.lead_organisation_id)
        .join(Recommendation, Recommendation.id == AskLink.recommendation_id)
        .where(visible, AskLink.state == "confirmed")
        .order_by(Recommendation.paragraph_sort.nulls_last(), Recommendation.id,
                  Submission.title, Ask.number)).all()

    for rec_id, name in db.session.execute(
            select(recommending_state.c.recommendation_id, State.name)
            .join(State, State.id == recommending_state.c.state_id)
            .where(recommending_state.c.recommendation_id.in_(select(linked.c.rid)))
            .order_by(State.name)):
        result.states_of.setdefault(rec_id, []).append(name)
    return result


