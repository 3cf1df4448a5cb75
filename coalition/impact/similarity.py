"""Which UN recommendations reflect an ask: text similarity within one review (issue 12).

Both texts are reduced to their *content words* (coalition.recommendations.repeats.
content_words: case-folded words without English function words and UPR boilerplate such as
"continue", "ensure", "take steps"), each cut to a crude stem ("workers" / "worker",
"ratifying" / "ratify") so a paraphrase meets its recommendation half-way. Then rapidfuzz's
`fuzz.token_set_ratio` scores each pair 0-100: the words both share against the words either
adds, so a short ask inside a long grouped recommendation still scores high.

Why this scorer and THRESHOLD = 60 (measured on China's 2018 matrix, 346 recommendations,
against six asks paraphrasing its Hong Kong recommendations in other words, see
tests/test_impact.py and bench/ask_similarity.py): token_set_ratio on stemmed content words put
the intended recommendation first for four asks and in the top three for the other two
(scores 65-92), the best wrong candidates 50-84; token_sort_ratio missed the "Ratify the
Migrant Workers Convention" ask entirely (its recommendation is long: order-sensitive scorers
punish length), WRatio and partial_token_set_ratio gave 86-100 to dozens of unrelated
recommendations. So the platform proposes the TOP_N best at or above THRESHOLD, and a member
decides: a proposal is a suggestion, never a link.

rapidfuzz's `process.cdist` (one call for the whole matrix) needs numpy, which the project does
not depend on; `process.extract` per ask runs the loop over the review's recommendations in
C++ on texts prepared once, which is the same work (bench/ask_similarity.py: 1,000 asks x 350
recommendations well under the 2 s budget).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from coalition.recommendations.repeats import STOP_WORDS

THRESHOLD = 60.0
TOP_N = 3
_SUFFIXES = ("ing", "ed", "es", "s")
_WORD = re.compile(r"\w+", re.UNICODE)


def stem(word: str) -> str:
    """A crude English stem: enough for "workers"/"worker", "ratifying"/"ratify"."""
    for suffix in _SUFFIXES:
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words_of(text: str) -> list[str]:
    """The stemmed content words of a text, in order."""
    # One-letter tokens are what is left of "children's" or "(a)": never content.
    return [stem(w) for w in default_process(text or "").split()
            if len(w) > 1 and w not in STOP_WORDS]


def prepared(text: str) -> str:
    """What the scorer compares: the stemmed content words joined by spaces."""
    return " ".join(words_of(text))


def shared_words(ask_text: str, rec_text: str) -> list[str]:
    """The stemmed content words both texts use, in the recommendation's order."""
    mine = set(words_of(ask_text))
    seen: list[str] = []
    for word in words_of(rec_text):
        if word in mine and word not in seen:
            seen.append(word)
    return seen


@dataclass(frozen=True, slots=True)
class Proposal:
    ask_id: int
    recommendation_id: int
    score: float
    words: tuple[str, ...]


def propose(asks: Sequence[tuple[int, str]], recommendations: Sequence[tuple[int, str]],
            skip: Iterable[tuple[int, int]] = (), threshold: float = THRESHOLD,
            top_n: int = TOP_N) -> list[Proposal]:
    """The best recommendations for each ask: (ask id, text) x (recommendation id, text) ->
    up to `top_n` proposals per ask scoring at least `threshold`, best first; pairs in `skip`
    (already decided: confirmed or rejected) are left out and do not take a place."""
    skipped = set(skip)
    choices = [prepared(text) for _, text in recommendations]
    rec_ids = [rec_id for rec_id, _ in recommendations]
    rec_texts = [text for _, text in recommendations]
    out: list[Proposal] = []
    for ask_id, ask_text in asks:
        query = prepared(ask_text)
        if not query:
            continue
        # A few more than top_n, so that skipped pairs do not leave the ask short.
        found = process.extract(query, choices, scorer=fuzz.token_set_ratio, processor=None,
                                score_cutoff=threshold, limit=top_n + 10)
        kept = 0
        for _choice, score, index in found:
            if (ask_id, rec_ids[index]) in skipped:
                continue
            out.append(Proposal(ask_id, rec_ids[index], round(float(score), 1),
                                tuple(shared_words(ask_text, rec_texts[index]))))
            kept += 1
            if kept == top_n:
                break
    return out


def highlight(text: str, words: Iterable[str]) -> Markup:
    """`text`, escaped, with the words whose stem is in `words` marked (<mark>)."""
    wanted = set(words)
    if not wanted:
        return escape(text)
    parts: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        token = match.group(0)
        if stem(token.lower()) in wanted:
            parts.append(str(escape(text[last:match.start()])))
            parts.append(f"<mark>{escape(token)}</mark>")
            last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))  # noqa: S704  (every piece escaped above)
