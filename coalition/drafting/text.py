"""The text engine of drafting (joint statements, submissions, the mid-term report):
three-way merge, word diffs, blame and word counts.

Pure Python (no Flask, no database) so that the statement views, the reliability test and the
benchmarks all share one implementation of "nothing submitted is ever lost" (DESIGN.md, "Joint
statements: nothing lost").

Every function works on text whose line endings are normalised to "\\n": browsers submit
textareas with "\\r\\n" while the stored head may have "\\n", and without normalising every line
would differ and every concurrent save would clash. Returned texts therefore use "\\n".

Words are tokens: a run of letters/digits (with combining marks), a run of whitespace, one
punctuation character, or one CJK/Thai-like character (those scripts do not separate words
with spaces, so each character is its own token). Joining the tokens always gives back the
exact text, which is what makes the word-level operations lossless.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape
from merge3 import Merge3

__all__ = [
    "Conflict",
    "MergeResult",
    "attribute",
    "blame",
    "decode_runs",
    "diff_html",
    "encode_runs",
    "merge",
    "normalize_newlines",
    "passages",
    "resolve",
    "side_by_side",
    "text_digest",
    "with_markers",
    "word_count",
    "word_diff",
]

# Scripts written without spaces between words: each character is a token of its own, so that
# a one-character edit in a Chinese sentence does not turn the whole sentence into one "word".
_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi
    "\u3000-\u303f"  # CJK symbols and punctuation
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f\u3190-\u31ff"  # Bopomofo, Kanbun, CJK strokes, Katakana extension
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK unified ideographs (+ extension A)
    "\ua960-\ua97f\uac00-\ud7af"  # Hangul
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # compatibility ideographs, forms, full width
    "\U00020000-\U0003134f"  # CJK extensions B-H
)
# Combining marks belong to the word they modify; Python's \w does not include them, and without
# this Hindi or Arabic words (and decomposed accents) would be cut into pieces.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff"  # Indic scripts, whose vowel signs are marks
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
)
_WORD_CHAR = rf"[^\W{_NO_SPACE_SCRIPTS}]|[{_MARKS}]"
# Alternatives are complete: every character is matched by exactly one of them, so tokens always
# join back into the exact text.
_TOKEN_RE = re.compile(rf"[{_NO_SPACE_SCRIPTS}]|(?:{_WORD_CHAR})+|\s+|[^\w\s]")
_WORD_CHAR_RE = re.compile(_WORD_CHAR)
_SPACE_RE = re.compile(r"\s")
_NEWLINES_RE = re.compile(r"\r\n?")

# diff-match-patch finds a minimal diff (Myers) over characters; word and line tokens are mapped
# to one character each (its linesToChars trick) so it diffs tokens. The time limit bounds the
# cost of one comparison (all the diffs a merge, word diff or blame step makes share it): past
# it the diff is cut short, still correct (nothing is lost) but coarser.
_DIFF_TIMEOUT_S = 1.0
_dmp = diff_match_patch()
_dmp.Diff_Timeout = _DIFF_TIMEOUT_S
_OPS = {0: "equal", 1: "insert", -1: "delete"}


def normalize_newlines(text: str) -> str:
    """Return `text` with "\\r\\n" and lone "\\r" line endings turned into "\\n"."""
    return _NEWLINES_RE.sub("\n", text) if "\r" in text else text


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


class _Alphabet:
    """Maps tokens (lines or words) to single characters and back."""

    __slots__ = ("chars", "tokens")

    # Characters from U+0100 up: above the control characters (harmless for the diff, easier to
    # debug). chr() stops at U+10FFFF; a text with more distinct words than that is far beyond
    # what a statement form accepts, so it is refused rather than diffed wrongly.
    _FIRST = 0x100
    _LIMIT = 0x10FFFF - _FIRST

    def __init__(self) -> None:
        self.chars: dict[str, str] = {}
        self.tokens: list[str] = []

    def encode(self, tokens: Iterable[str]) -> str:
        get = self.chars.get
        return "".join([get(token) or self._add(token) for token in tokens])

    def _add(self, token: str) -> str:
        known = self.tokens
        if len(known) >= self._LIMIT:
            raise ValueError("text too large to compare word by word")
        char = self.chars[token] = chr(len(known) + self._FIRST)
        known.append(token)
        return char

    def decode(self, chars: str) -> list[str]:
        tokens, first = self.tokens, self._FIRST
        return [tokens[ord(c) - first] for c in chars]


def _deadline() -> float:
    return time.time() + _DIFF_TIMEOUT_S  # the clock diff-match-patch itself uses


def _token_diff(
    a: Sequence[str], b: Sequence[str], *, semantic: bool, deadline: float | None = None
) -> tuple[list[tuple[int, str]], _Alphabet]:
    """diff-match-patch diff of two token sequences, in the alphabet's character space."""
    alphabet = _Alphabet()
    ca, cb = alphabet.encode(a), alphabet.encode(b)
    diffs = _anchored_diff(ca, cb, deadline if deadline is not None else _deadline())
    if semantic:
        # Drops coincidental one-token matches (a space, "the") inside a rewritten passage, so a
        # rewrite reads as one replacement: shown as such in diffs, and in a merge it clashes
        # with an edit of the same passage instead of being interleaved word by word with it.
        _dmp.diff_cleanupSemantic(diffs)
    return diffs, alphabet


# Below this length diff-match-patch alone is fast enough.
_ANCHOR_MIN = 16
_ANCHOR_DEPTH = 4


def _anchored_diff(a: str, b: str, deadline: float, depth: int = 0) -> list[tuple[int, str]]:
    """diff-match-patch's diff, first split at tokens that occur once in each text (patience).

    Myers' algorithm costs length x differences, in pure Python: two distant revisions of a
    long paragraph (dozens of scattered word edits) take tens of milliseconds each and hit the
    time limit over a whole statement. Words used once on each side, in the same order, are
    almost always the same words: matching them first leaves only small gaps for Myers, and
    within a gap, words used once in that gap anchor it again (a few levels deep).
    """
    if a and b and set(a).isdisjoint(b):
        # Nothing in common: the answer is known, and Myers would take longest to find it.
        return [(-1, a), (1, b)]
    if len(a) < _ANCHOR_MIN or len(b) < _ANCHOR_MIN or depth > _ANCHOR_DEPTH:
        return _dmp.diff_main(a, b, False, deadline)
    count_a, count_b = Counter(a), Counter(b)
    in_b = {c: j for j, c in enumerate(b) if count_b[c] == 1}
    anchors = _increasing(
        [(i, in_b[c]) for i, c in enumerate(a) if count_a[c] == 1 and c in in_b]
    )
    if not anchors:
        return _dmp.diff_main(a, b, False, deadline)
    diffs: list[tuple[int, str]] = []
    i0 = j0 = 0
    for i, j in anchors:
        diffs += _anchored_diff(a[i0:i], b[j0:j], deadline, depth + 1)
        diffs.append((0, a[i]))
        i0, j0 = i + 1, j + 1
    diffs += _anchored_diff(a[i0:], b[j0:], deadline, depth + 1)
    _dmp.diff_cleanupMerge(diffs)  # joins the pieces, as diff_main's own output would be
    return diffs


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of `pairs` (sorted by first item) whose second items increase."""
    tails: list[int] = []  # tails[k]: index in pairs of the smallest end of a run of length k+1
    tail_values: list[int] = []
    previous: list[int] = []
    for n, (_, j) in enumerate(pairs):
        k = bisect_left(tail_values, j)
        previous.append(tails[k - 1] if k else -1)
        if k == len(tails):
            tails.append(n)
            tail_values.append(j)
        else:
            tails[k] = n
            tail_values[k] = j
    run = []
    n = tails[-1] if tails else -1
    while n >= 0:
        run.append(pairs[n])
        n = previous[n]
    return run[::-1]


class _Matcher:
    """A `difflib.SequenceMatcher` stand-in for Merge3 built on diff-match-patch.

    difflib is quadratic on repeated elements (blank lines, spaces), which every Markdown text
    is full of; Myers' algorithm is not. Merge3 builds its matchers itself, so the settings
    come in through `functools.partial`.
    """

    def __init__(
        self,
        isjunk: Any = None,
        a: Sequence[str] = (),
        b: Sequence[str] = (),
        *,
        semantic: bool,
        deadline: float,
    ) -> None:
        self.a, self.b, self.semantic, self.deadline = a, b, semantic, deadline

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        diffs, _ = _token_diff(self.a, self.b, semantic=self.semantic, deadline=self.deadline)
        blocks = []
        i = j = 0
        for op, chars in diffs:
            n = len(chars)
            if op == 0:
                blocks.append((i, j, n))
                i += n
                j += n
            elif op < 0:
                i += n
            else:
                j += n
        blocks.append((len(self.a), len(self.b), 0))
        return blocks


def _text_diff(old: str, new: str) -> list[tuple[int, str]]:
    """Word-level diff of two texts as (op, text), op being diff-match-patch's -1, 0 or 1.

    Lines first, then words within each run of changed lines: Myers' algorithm costs the
    length times the number of differences, so one word diff over two distant revisions of a
    10,000-word statement (hundreds of scattered edits) takes seconds in Python, while a diff
    per changed paragraph takes milliseconds.
    """
    deadline = _deadline()
    diffs, alphabet = _token_diff(_lines(old), _lines(new), semantic=False, deadline=deadline)
    out: list[tuple[int, str]] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        a, b = "".join(deleted), "".join(inserted)
        deleted.clear()
        inserted.clear()
        if a and b:
            words, word_alphabet = _token_diff(
                _tokens(a), _tokens(b), semantic=True, deadline=deadline
            )
            out.extend((op, "".join(word_alphabet.decode(chars))) for op, chars in words)
        elif a:
            out.append((-1, a))
        elif b:
            out.append((1, b))

    for op, chars in diffs:
        if op < 0:
            deleted.extend(alphabet.decode(chars))
        elif op > 0:
            inserted.extend(alphabet.decode(chars))
        else:
            flush()
            out.append((0, "".join(alphabet.decode(chars))))
    flush()
    return out


@dataclass(frozen=True)
class Conflict:
    """One clashing passage, whole lines, as it reads in each version."""

    index: int
    base: str
    theirs: str
    mine: str
    # Where theirs' passage starts in MergeResult.text (a character offset), for highlighting.
    offset: int = 0


@dataclass
class MergeResult:
    """Outcome of `merge`.

    `text` is always a usable text without markers: conflicts hold theirs' passage (the head's),
    and mine's passage lives in `conflicts` until resolved. `parts` is the merged text as a
    sequence of settled strings and conflicts, from which `with_markers` and `resolve` rebuild.
    """

    text: str
    clean: bool
    conflicts: list[Conflict] = field(default_factory=list)
    parts: list[str | Conflict] = field(default_factory=list, repr=False)


def merge(base: str, theirs: str, mine: str) -> MergeResult:
    """Three-way merge of Markdown: `theirs` is the current head, `mine` the save from `base`.

    Lines are merged with merge3; a region where both sides changed lines is merged again word
    by word, and only a clash between words makes it a conflict. A conflict covers the clashing
    lines. Identical changes on both sides are not conflicts.
    """
    base, theirs, mine = (normalize_newlines(t) for t in (base, theirs, mine))
    # Shortcuts that also guarantee the obvious answers exactly.
    if theirs == mine or mine == base:
        return MergeResult(theirs, True, [], [theirs])
    if theirs == base:
        return MergeResult(mine, True, [], [mine])

    parts: list[str | Conflict] = []
    conflicts: list[Conflict] = []
    pending: list[str] = []
    text_len = 0
    deadline = _deadline()
    lines = partial(_Matcher, semantic=False, deadline=deadline)
    merge3 = Merge3(_lines(base), _lines(theirs), _lines(mine), sequence_matcher=lines)
    for group in merge3.merge_groups():
        if group[0] != "conflict":
            pending.append("".join(group[1]))
            continue
        b, t, m = ("".join(lines) for lines in group[1:])
        merged = _merge_words(b, t, m, deadline)
        if merged is not None:
            pending.append(merged)
            continue
        settled = "".join(pending)
        pending = []
        if settled:
            parts.append(settled)
            text_len += len(settled)
        conflict = Conflict(len(conflicts), b, t, m, text_len)
        parts.append(conflict)
        conflicts.append(conflict)
        text_len += len(t)
    if pending:
        parts.append("".join(pending))
    text = "".join(p.theirs if isinstance(p, Conflict) else p for p in parts)
    return MergeResult(text, not conflicts, conflicts, parts)


def _merge_words(base: str, theirs: str, mine: str, deadline: float) -> str | None:
    """Word-level merge of one clashing line region; None when words clash too."""
    out: list[str] = []
    words = partial(_Matcher, semantic=True, deadline=deadline)
    merge3 = Merge3(_tokens(base), _tokens(theirs), _tokens(mine), sequence_matcher=words)
    for group in merge3.merge_groups():
        if group[0] == "conflict":
            combined = _combine_around(list(group[1]), list(group[2]), list(group[3]))
            if combined is None:
                return None
            out.extend(combined)
        else:
            out.extend(group[1])
    return "".join(out)


def _combine_around(b: list[str], t: list[str], m: list[str]) -> list[str] | None:
    """Settle a clash where one side only added whole lines before or after the passage.

    diff3 calls "theirs added a paragraph after X, mine reworded X" a conflict because the two
    changes touch; for prose both belong in the result: the reworded X, then the new paragraph.
    Only additions that start (or end) with a line break qualify: words added next to a changed
    word ("strongly regret" against "deplore") are one thought and stay a conflict, as do two
    additions at the same place (which goes first is the editors' call).
    """
    if not b:
        return None
    n = len(b)
    t_head, t_tail = t[:n] == b and _new_line(t[n:], 0), t[-n:] == b and _new_line(t[:-n], -1)
    m_head, m_tail = m[:n] == b and _new_line(m[n:], 0), m[-n:] == b and _new_line(m[:-n], -1)
    if t_head and m[:n] != b:
        return m + t[n:]
    if t_tail and m[-n:] != b:
        return t[:-n] + m
    if m_head and t[:n] != b:
        return t + m[n:]
    if m_tail and t[-n:] != b:
        return m[:-n] + t
    return None


def _new_line(added: list[str], edge: int) -> bool:
    """Whether `added` tokens meet the passage at a line break (`edge`: 0 first, -1 last)."""
    return bool(added) and "\n" in added[edge]


def _ending(passage: str) -> str:
    """The line ending a passage needs so that a marker starts on its own line."""
    return "" if not passage or passage.endswith("\n") else "\n"


def with_markers(result: MergeResult) -> str:
    """The merged text with git-style markers around each conflict, for a resolution editor."""
    out = []
    for part in result.parts:
        if isinstance(part, Conflict):
            out.append(
                f"<<<<<<< theirs\n{part.theirs}{_ending(part.theirs)}=======\n"
                f"{part.mine}{_ending(part.mine)}>>>>>>> mine\n"
            )
        else:
            out.append(part)
    return "".join(out)


def _both(theirs: str, mine: str) -> str:
    if not theirs or not mine:
        return theirs + mine
    # Keep the two passages separate Markdown blocks: a single newline would run two paragraphs
    # together into one.
    if theirs.endswith("\n\n"):
        return theirs + mine
    return theirs + ("\n" if theirs.endswith("\n") else "\n\n") + mine


def resolve(base: str, theirs: str, mine: str, choices: list[str]) -> str:
    """The final text of a merge given one choice per conflict, in conflict order.

    A choice is "theirs", "mine", "both" (theirs' passage, then mine's, as separate blocks), or
    any other string, taken as the literal replacement text of that passage.
    """
    result = merge(base, theirs, mine)
    if len(choices) != len(result.conflicts):
        raise ValueError(
            f"{len(result.conflicts)} conflict(s) to resolve, {len(choices)} choice(s) given"
        )
    out = []
    for part in result.parts:
        if not isinstance(part, Conflict):
            out.append(part)
            continue
        choice = choices[part.index]
        if choice == "theirs":
            out.append(part.theirs)
        elif choice == "mine":
            out.append(part.mine)
        elif choice == "both":
            out.append(_both(part.theirs, part.mine))
        else:
            out.append(normalize_newlines(choice))
    return "".join(out)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Inline word-level diff: (op, text) pairs, op being "equal", "insert" or "delete".

    The "equal" and "delete" texts join into `old`, the "equal" and "insert" texts into `new`.
    """
    out: list[tuple[str, str]] = []
    for op, text in _text_diff(normalize_newlines(old), normalize_newlines(new)):
        if not text:
            continue
        name = _OPS[op]
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + text)
        else:
            out.append((name, text))
    return out


def diff_html(old: str, new: str) -> Markup:
    """The word diff as HTML (a `Markup` string): `<ins>` and `<del>`, every text escaped."""
    out = []
    for op, text in word_diff(old, new):
        if op == "insert":
            out.append(f"<ins>{escape(text)}</ins>")
        elif op == "delete":
            out.append(f"<del>{escape(text)}</del>")
        else:
            out.append(str(escape(text)))
    return Markup("".join(out))  # noqa: S704 - every piece of text was escaped above


def diff_sides(theirs: str, mine: str) -> tuple[Markup, Markup]:
    """Two versions of a passage as HTML, each with the words the other lacks in
    `<mark class="diff-theirs">` / `<mark class="diff-mine">` (the conflict page highlights
    what differs). Every text is escaped; the visible words of each side are that side's."""
    left, right = [], []
    for op, text in word_diff(theirs, mine):
        if op == "delete":
            left.append(f'<mark class="diff-theirs">{escape(text)}</mark>')
        elif op == "insert":
            right.append(f'<mark class="diff-mine">{escape(text)}</mark>')
        else:
            left.append(str(escape(text)))
            right.append(str(escape(text)))
    return (Markup("".join(left)),  # noqa: S704 - every piece of text was escaped above
            Markup("".join(right)))  # noqa: S704 - likewise


def side_by_side(old: str, new: str) -> list[tuple[str | None, str | None, str]]:
    """Rows (left line, right line, op) for a two-column diff; op is "equal", "replace",
    "insert" (left is None) or "delete" (right is None). Lines carry no line ending."""
    a = normalize_newlines(old).splitlines()
    b = normalize_newlines(new).splitlines()
    # No semantic cleanup here: the blank lines kept equal between two rewritten paragraphs are
    # what keeps the two columns aligned.
    diffs, alphabet = _token_diff(a, b, semantic=False)
    rows: list[tuple[str | None, str | None, str]] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        # A run of deletions and insertions between two equal stretches is one replacement:
        # pair the lines up, the surplus on either side becomes plain deletions or insertions.
        for left, right in zip(deleted, inserted, strict=False):
            rows.append((left, right, "replace"))
        rows.extend((left, None, "delete") for left in deleted[len(inserted):])
        rows.extend((None, right, "insert") for right in inserted[len(deleted):])
        deleted.clear()
        inserted.clear()

    for op, chars in diffs:
        lines = alphabet.decode(chars)
        if op < 0:
            deleted.extend(lines)
        elif op > 0:
            inserted.extend(lines)
        else:
            flush()
            rows.extend((line, line, "equal") for line in lines)
    flush()
    return rows


def _same_run(x: str, y: str) -> bool:
    """Whether two adjacent characters belong to the same token (see `_TOKEN_RE`)."""
    if _WORD_CHAR_RE.match(x):
        return _WORD_CHAR_RE.match(y) is not None
    return _SPACE_RE.match(x) is not None and _SPACE_RE.match(y) is not None


def _is_boundary(text: str, pos: int) -> bool:
    return pos <= 0 or pos >= len(text) or not _same_run(text[pos - 1], text[pos])


def blame(revisions: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Who wrote what: the newest text as passages, each with the author key that introduced it.

    `revisions` is the chain oldest to newest as (text, author_key). Consecutive texts are
    diffed word by word and attribution is carried forward; a revision whose text equals an
    older one (a restore) takes that revision's attribution back, so restoring a text does not
    make the restorer the author of every passage. Passages never span a line ending, and their
    texts join into the newest text (newlines normalised).

    This computes the whole chain; the statement pages keep each revision's attribution and
    compute only the new ones, one step at a time (`attribute`), with the same result.
    """
    if not revisions:
        return []
    texts = [normalize_newlines(text) for text, _ in revisions]
    # One author per character: lists are only ever sliced and concatenated (C speed), never
    # rebuilt element by element, which keeps 500 revisions of 10,000 words fast.
    by_text: dict[str, list[Any]] = {}
    attrs: list[Any] = []
    for i, text in enumerate(texts):
        attrs = attribute(texts[i - 1] if i else None, attrs, text, revisions[i][1],
                          by_text.get(text))
        by_text[text] = attrs  # never mutated in place, so sharing the list is safe
    return _passages(texts[-1], attrs)


def attribute(parent_text: str | None, parent_attrs: list[Any], text: str, author: Any,
              same_text_attrs: list[Any] | None = None) -> list[Any]:
    """One step of `blame`: the author key of each character of `text` (newlines normalised).

    `parent_text`/`parent_attrs`: the previous revision's text and attribution (None for the
    first revision, whose every character is its author's). `same_text_attrs`: the attribution
    of the newest earlier revision with exactly this text, if any: a restore (or an unchanged
    save) takes it back rather than crediting `author`.
    """
    if same_text_attrs is not None:
        return same_text_attrs
    if parent_text is None:
        return [author] * len(text)
    if parent_text == text:
        return parent_attrs
    return _carry(parent_text, text, parent_attrs, author)


def text_digest(text: str) -> str:
    """SHA-256 (hex) of a text with newlines normalised: finds a revision's earlier twin."""
    return hashlib.sha256(normalize_newlines(text).encode("utf-8")).hexdigest()


def encode_runs(attrs: list[Any]) -> str:
    """An attribution as JSON runs, [[author key, number of characters], ...]."""
    # len(list(...)) counts at C speed; a run is usually thousands of characters long.
    runs = [[key, len(list(group))] for key, group in groupby(attrs)]
    return json.dumps(runs, separators=(",", ":"))


def decode_runs(encoded: str) -> list[Any]:
    """The per-character attribution stored by `encode_runs`."""
    attrs: list[Any] = []
    for key, count in json.loads(encoded):
        attrs += [key] * count
    return attrs


def passages(text: str, attrs: list[Any]) -> list[tuple[str, Any]]:
    """`text` (newlines normalised) cut into passages of one author each (see `blame`)."""
    return _passages(normalize_newlines(text), attrs)


def _carry(old: str, new: str, attrs: list[Any], author: Any) -> list[Any]:
    """Attribution of `new` from that of `old`: kept where words are kept, `author` elsewhere."""
    # Only the stretch between the common prefix and suffix changed; widen it to token
    # boundaries that both texts share, so tokenising it alone matches tokenising the whole.
    prefix = _dmp.diff_commonPrefix(old, new)
    suffix = _dmp.diff_commonSuffix(old[prefix:], new[prefix:])
    start = max(prefix - 1, 0)
    while not _is_boundary(old, start):
        start -= 1
    end = len(old) - suffix + 1 if suffix else len(old)
    while not _is_boundary(old, end):
        end += 1
    new_end = end + len(new) - len(old)

    middle: list[Any] = []
    pos = start
    for op, text in _text_diff(old[start:end], new[start:new_end]):
        n = len(text)
        if op == 0:
            middle += attrs[pos:pos + n]
            pos += n
        elif op < 0:
            pos += n
        else:
            middle += [author] * n
    return attrs[:start] + middle + attrs[end:]


def _passages(text: str, attrs: list[Any]) -> list[tuple[str, Any]]:
    passages: list[tuple[str, Any]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        line_passages: list[list[Any]] = []
        for token in _tokens(line):
            author = attrs[pos]
            pos += len(token)
            # A space between two words of one author reads as theirs, whoever typed it.
            if line_passages and (token.isspace() or line_passages[-1][1] == author):
                line_passages[-1][0] += token
            else:
                line_passages.append([token, author])
        passages.extend((t, a) for t, a in line_passages)
    return passages


# Markdown syntax that is not words: link targets, reference definitions, autolinks, HTML tags.
# Each character class stops at the next opening bracket too, so that a run of `[` or `<` is
# scanned once, not once per bracket (quadratic: 200,000 `[` froze the statement page).
_LINK_RE = re.compile(r"(!?)\[([^\[\]\n]*)\](?:\([^()\n]*\)|\[[^\[\]\n]*\])")
_REFERENCE_RE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[^\n]*$", re.MULTILINE)
_AUTOLINK_RE = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|[^@\s<>]+@)[^<>\s]*>")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>\n]*>")
# Counted as one word each: ideographs and kana (no spaces between words), and runs of letters
# and digits, joined by an inner apostrophe, hyphen or dot ("State's", "follow-up", "U.N").
_IDEOGRAPHS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_COUNT_LETTER = rf"(?:[^\W_{_IDEOGRAPHS}]|[{_MARKS}])"
_COUNT_RE = re.compile(
    rf"[{_IDEOGRAPHS}]|{_COUNT_LETTER}+(?:['\u2019.\-]{_COUNT_LETTER}+)*"
)


def word_count(markdown: str) -> int:
    """Words of a Markdown text, as a reader counts them: no #, *, > or link URLs."""
    text = _REFERENCE_RE.sub("", markdown)
    text = _LINK_RE.sub(r"\2", text)
    text = _AUTOLINK_RE.sub(" ", text)
    text = _TAG_RE.sub(" ", text)
    return len(_COUNT_RE.findall(text))
