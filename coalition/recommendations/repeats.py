"""Repeated recommendations: link a recommendation to the same one in the State's previous review.

A State under review hears many of the same recommendations cycle after cycle, often in
nearly the same words ("Ratify the International Covenant on Civil and Political Rights
(ICCPR)" in cycle 2, "Ratify the International Covenant on Civil and Political Rights" in
cycle 3). `Recommendation.repeated_from_id` points from the later one to the earlier one; the
recommendation page shows the link both ways and the tracker filters on it.

The rule (see `link_repeated`): a recommendation of review L repeats one of review E when

* E is the same State's previous review: the latest review of that State with an earlier
  cycle that holds recommendations (so cycle 3 links to cycle 1 while cycle 2 is not imported,
  and to cycle 2 once it is);
* both were made by at least one same recommending State (voluntary pledges have none and are
  never linked); and
* their texts score at least `THRESHOLD` with rapidfuzz's `fuzz.token_sort_ratio` on the texts'
  *content words* (`content_words`: case-folded words, without English function words and the
  boilerplate verbs of UPR recommendations such as "continue", "efforts", "take steps",
  "consider", "ensure"). Of several candidates, the highest score wins (then the lowest id).

Why this scorer and 70: on hand-built pairs modelled on China's 2nd/3rd-cycle texts
(tests/test_repeats.py), same recommendations reworded (an added "(ICCPR)" or "at the earliest
possible date", "dialogue in Tibet" / "two-way dialogue on Tibet", a reordered "the system of
re-education through labour" / "the re-education through labour system", "standing
invitation to all special procedures" with or without "mandate holders") score 74 to 100,
while different recommendations in the same boilerplate ("... promote the rights of women" /
"... of children", "Ratify the CRPD" / "Ratify the CRC", "reduce poverty" / "improve education
in rural areas") score 55 to 67. On the raw texts no rapidfuzz scorer separates the two
groups (the one-word difference "women" / "children" scores 86 to 94), because the shared
boilerplate dominates; removing it is what makes the difference visible. Checked on real data:
China's 1st-cycle (UPR Info) against its 3rd-cycle (OHCHR matrix) recommendations, 70 links
only "Resume the dialogue in Tibet" / "Resume the two-way dialogue on Tibet" (New Zealand,
84); next come New Zealand's "Continue to reform towards abolition of the death penalty" and
its 1st-cycle "Recommended continued reform towards the eventual abolition of the death
penalty, including greater transparency ..." (67, arguably the same; the 3rd-cycle row read
from the matrix also carries a second recommendation's text), then 63 and less. The
threshold leans towards missing a reworded repeat rather than claiming a false one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process
from sqlalchemy import select, update

from coalition.extensions import db
from coalition.recommendations.models import Recommendation, recommending_state
from coalition.reviews.models import Review

THRESHOLD = 70.0
PAIRS_PER_STEP = 5  # (later, earlier) pairs whose recommendations are in memory at once

# English function words and the boilerplate of UPR recommendations: they make two different
# recommendations look alike ("Continue its efforts to promote the rights of women/children").
_STOP_WORDS = """
a an the of to in on at by for from with without into within as and or nor but if than that
this these those such its it their his her they them which who whom whose be is are was were
been being has have had all any each every other also more most further well so including
continue continues continued continuing efforts effort take taking steps step measures
necessary ensure consider considering recommend recommends recommended
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def content_words(text: str) -> str:
    """The words of a recommendation that say what it is about, for comparison.

    The words in their order, lower-cased and split at anything but letters and digits
    (rapidfuzz's `utils.default_process`), without STOP_WORDS. "Continue its efforts to
    promote the rights of women" -> "promote rights women".
    """
    return " ".join([w for w in default_process(text).split() if w not in STOP_WORDS])


def sorted_words(text: str) -> str:
    """content_words() in alphabetical order: what token_sort_ratio compares, computed once
    per text rather than once per comparison."""
    return " ".join(sorted(content_words(text).split()))


def similarity(earlier: str, later: str) -> float:
    """0 to 100: rapidfuzz's token_sort_ratio of the two texts' content words (the score
    compared with THRESHOLD)."""
    return fuzz.ratio(sorted_words(earlier), sorted_words(later))


@dataclass(slots=True)
class _Rows:
    """One review's recommendations as the comparison needs them."""

    texts: dict[int, str] = field(default_factory=dict)  # id -> sorted_words(text)
    states: dict[int, list[int]] = field(default_factory=dict)  # id -> recommending State ids
    linked: dict[int, int | None] = field(default_factory=dict)  # id -> repeated_from_id

    def by_state(self) -> dict[int, dict[int, str]]:
        """State id -> {recommendation id: sorted words} of the recommendations it made."""
        out: dict[int, dict[int, str]] = defaultdict(dict)
        for rec_id, states in self.states.items():
            for state_id in states:
                out[state_id][rec_id] = self.texts[rec_id]
        return out


def _pairs(review_ids: Iterable[int]) -> list[tuple[int, int | None]]:
    """(later review, its previous review or None) for each given review and for the next
    review of the same State after it (whose previous review it may now be)."""
    wanted = set(review_ids)
    if not wanted:
        return []
    states = set(db.session.scalars(select(Review.state_id).where(Review.id.in_(wanted))))
    if not states:
        return []
    with_rows = set(db.session.scalars(select(Recommendation.review_id).distinct().join(
        Review, Review.id == Recommendation.review_id).where(Review.state_id.in_(states))))
    by_state: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for review_id, state_id, cycle in db.session.execute(
            select(Review.id, Review.state_id, Review.cycle).where(Review.state_id.in_(states))):
        by_state[state_id].append((cycle, review_id))
    pairs: dict[int, int | None] = {}
    for reviews in by_state.values():
        reviews.sort()
        order = [review_id for _, review_id in reviews]

        def previous(index: int, order: list[int] = order) -> int | None:
            return next((r for r in reversed(order[:index]) if r in with_rows), None)

        for index, review_id in enumerate(order):
            if review_id not in wanted:
                continue
            pairs[review_id] = previous(index)
            after = next((i for i in range(index + 1, len(order)) if order[i] in with_rows),
                         None)
            if after is not None:
                pairs[order[after]] = previous(after)
    return sorted(pairs.items())


def _load(review_ids: set[int]) -> dict[int, _Rows]:
    """The recommendations of these reviews: content words, recommending States, links."""
    rows: dict[int, _Rows] = {review_id: _Rows() for review_id in review_ids}
    review_of: dict[int, int] = {}
    for rec_id, review_id, text, linked in db.session.execute(
            select(Recommendation.id, Recommendation.review_id, Recommendation.text,
                   Recommendation.repeated_from_id)
            .where(Recommendation.review_id.in_(review_ids)).order_by(Recommendation.id)):
        rows[review_id].texts[rec_id] = sorted_words(text)
        rows[review_id].states[rec_id] = []
        rows[review_id].linked[rec_id] = linked
        review_of[rec_id] = review_id
    link = recommending_state
    for rec_id, state_id in db.session.execute(
            select(link.c.recommendation_id, link.c.state_id)
            .join(Recommendation, Recommendation.id == link.c.recommendation_id)
            .where(Recommendation.review_id.in_(review_ids))):
        rows[review_of[rec_id]].states[rec_id].append(state_id)
    return rows


def _best(later: _Rows, earlier: dict[int, dict[int, str]]) -> dict[int, int | None]:
    """For each recommendation of the later review, the earlier one it repeats, or None."""
    found: dict[int, int | None] = {}
    for rec_id, text in later.texts.items():
        best: tuple[float, int] | None = None
        for state_id in later.states[rec_id]:
            choices = earlier.get(state_id)
            if not choices:
                continue
            # ratio() on sorted words is token_sort_ratio without re-sorting each choice.
            hit = process.extractOne(text, choices, scorer=fuzz.ratio, processor=None,
                                     score_cutoff=THRESHOLD)
            if hit is not None:
                _, score, earlier_id = hit
                if best is None or (-score, earlier_id) < (-best[0], best[1]):
                    best = (score, earlier_id)
        found[rec_id] = best[1] if best else None
    return found


def link_repeated(review_ids: list[int]) -> int:
    """Set `repeated_from_id` for the recommendations of these reviews, and of the next review
    of the same State after each (so importing an older review later links the newer one back).

    Every link of those reviews is recomputed (a link that no longer holds is cleared). Runs in
    the current transaction and does not commit; the caller (an import) commits or rolls back.
    Compares only recommendations made by the same State (rapidfuzz's extractOne with a score
    cutoff), a few reviews at a time, so memory stays bounded on large imports.

    Returns the number of recommendations whose link was set to a new earlier recommendation.
    """
    pairs = _pairs(review_ids)
    # A review with no earlier one links nothing: clear what it held in one statement.
    alone = [later for later, earlier in pairs if earlier is None]
    for start in range(0, len(alone), 500):
        db.session.execute(update(Recommendation).where(
            Recommendation.review_id.in_(alone[start:start + 500]),
            Recommendation.repeated_from_id.is_not(None)).values(repeated_from_id=None)
            .execution_options(synchronize_session=False))
    pairs = [(later, earlier) for later, earlier in pairs if earlier is not None]
    changed = 0
    for start in range(0, len(pairs), PAIRS_PER_STEP):
        step = pairs[start:start + PAIRS_PER_STEP]
        loaded = _load({r for pair in step for r in pair if r is not None})
        updates: list[dict[str, int | None]] = []
        for later_id, earlier_id in step:
            earlier = loaded[earlier_id].by_state()  # type: ignore[index]
            later = loaded[later_id]
            for rec_id, repeated in _best(later, earlier).items():
                if later.linked[rec_id] != repeated:
                    updates.append({"id": rec_id, "repeated_from_id": repeated})
                    changed += repeated is not None
        if updates:
            db.session.execute(update(Recommendation), updates)
    return changed


def repeated_in(rec: Recommendation) -> list[Recommendation]:
    """The recommendations of later reviews that repeat this one (newest cycle last)."""
    return list(db.session.scalars(
        select(Recommendation).join(Review, Review.id == Recommendation.review_id)
        .where(Recommendation.repeated_from_id == rec.id)
        .order_by(Review.cycle, Recommendation.paragraph_sort, Recommendation.id)))
