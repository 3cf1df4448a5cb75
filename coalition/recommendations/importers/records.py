"""What every recommendation importer returns, whatever file it read.

Importers only parse: they never touch the database. A service decides what to do with a
ParseResult (preview it, refuse it because of errors, or write it all in one transaction), so the
same parsers serve the web upload, the CLI and the tests.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from flask_babel import gettext as _

__all__ = [
    "POSITIONS",
    "ImportFormatError",
    "ParseResult",
    "ParsedRecommendation",
    "Position",
    "ReviewDetails",
    "RowError",
    "UnknownPositionError",
    "find_territories",
    "is_pledge",
    "map_position",
]

Position = Literal["supported", "supported_in_part", "noted", "pending"]
POSITIONS: tuple[Position, ...] = ("supported", "supported_in_part", "noted", "pending")
Kind = Literal["recommendation", "pledge"]


class ImportFormatError(ValueError):
    """The file as a whole is not something this importer reads; nothing in it was parsed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownPositionError(ValueError):
    """A State's response words that map_position() does not know."""


@dataclass(slots=True)
class ParsedRecommendation:
    """One recommendation as read from a file, before it becomes a model row."""

    # Table row (OHCHR) or physical CSV line (UPR Info) where the recommendation starts, 1-based
    # with the header counted, so a user can find it in Word or a text editor.
    source_line: int
    paragraph: str | None
    text: str
    recommending_states: list[str] = field(default_factory=list)
    unresolved_states: list[str] = field(default_factory=list)
    position: Position = "pending"
    position_words: str = ""
    position_source: str | None = None
    themes: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    affected_persons: list[str] = field(default_factory=list)
    action_category: int | None = None
    issues: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    session: int | None = None
    # The UPR cycle (1-4) when the file names it, with or without a session: the older OHCHR
    # matrices' page header reads "UPR of Egypt - Second Cycle" and names no session.
    cycle: int | None = None
    state_under_review: str | None = None
    # "pledge": a voluntary pledge by the State under review (no recommending State).
    kind: Kind = "recommendation"
    # Each source's own identifier, when the file carries one (re-imports match on it).
    uhri_annotation_id: str | None = None
    upr_info_id: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not become (part of) a recommendation, and why."""

    source_line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ReviewDetails:
    """What a file says of a review besides its State and cycle (this platform's own export
    names them): the import creates a missing review with them."""

    session: int | None = None
    review_date: date | None = None
    report_symbol: str | None = None
    responses_symbol: str | None = None
    midterm_due: date | None = None


@dataclass(slots=True)
class ParseResult:
    """Everything an importer made of one file.

    Every data row ends up in exactly one place, so nothing is lost without a trace:
    ``rows_total == len(records) + rows_merged + len(errors) + len(skipped)``.
    """

    records: list[ParsedRecommendation]
    errors: list[RowError]
    skipped: list[tuple[int, str]]
    format: str
    # Data rows read (header excluded).
    rows_total: int = 0
    # Rows folded into a recommendation created by an earlier row (UPR Info has one row per
    # recommending State; OHCHR never merges).
    rows_merged: int = 0
    # Things a reviewer should see although nothing was lost (e.g. rows of one recommendation
    # disagreeing on UPR Info's action category).
    warnings: list[tuple[int, str]] = field(default_factory=list)
    encoding: str | None = None
    newline: str | None = None
    # True when the file has one row per recommending State (UPR Info's old export): an
    # excerpt of it may lack some States' rows, so a re-import adds States and never removes one.
    states_per_row: bool = False
    # Details of the reviews the file names, by (State code, cycle), when it gives them.
    reviews: dict[tuple[str, int], ReviewDetails] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_accounted(self) -> int:
        return len(self.records) + self.rows_merged + len(self.errors) + len(self.skipped)


# Keys are normalised by _position_key() (case, punctuation and spacing ignored, so
# "Supported/Noted" is "supported noted"). The State's own words are always kept beside the
# mapped position, and each position is mapped explicitly: a partial acceptance is
# "supported_in_part", never flattened into plain "supported" or "noted".
_POSITION_WORDS: dict[str, Position] = {
    # Supported. UPR Info's older database says "Accepted" for what OHCHR calls "Supported".
    "supported": "supported",
    "accepted": "supported",
    "supported and already implemented": "supported",
    "accepted and already implemented": "supported",
    "supported already implemented": "supported",
    "already implemented": "supported",
    # Supported in part: one recommendation the State supports only partly. OHCHR's older
    # matrices write "Supported/Noted" for it (Egypt's second cycle has 23 of them).
    "supported noted": "supported_in_part",
    "supported in part": "supported_in_part",
    "partially supported": "supported_in_part",
    "supported partially": "supported_in_part",
    "partially accepted": "supported_in_part",
    "accepted in part": "supported_in_part",
    # Noted: the State does not commit to it. UPR Info's Uwazi database says "Not Supported".
    "noted": "noted",
    "not supported": "noted",
    "rejected": "noted",
    "not accepted": "noted",
    # No response yet, or one that takes no position on this recommendation.
    "pending": "pending",
    "": "pending",
    "no response": "pending",
    "general response": "pending",
}

# UPR Info's "Response" for a voluntary pledge: an entry of another kind, not a response.
_PLEDGE_WORDS = frozenset({"voluntary pledge", "voluntary pledges", "pledge",
                           "voluntary commitment"})


def _position_key(words: str) -> str:
    text = unicodedata.normalize("NFKC", words).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def is_pledge(words: str | None) -> bool:
    """Whether a response cell marks a voluntary pledge rather than a State's response.

    UPR Info's databases put "Voluntary Pledge" in the Response column of the commitments a
    State under review makes itself, unprompted by any recommending State. Such a row is an
    entry of kind "pledge" (``ParsedRecommendation.kind``), with no recommending State. Matches
    "Voluntary Pledge", "Voluntary pledges" and "Pledge" in any case, spacing or punctuation.
    """
    return _position_key(words or "") in _PLEDGE_WORDS


# Cached: a 100,000-row import repeats the same handful of words.
@lru_cache(maxsize=256)
def map_position(words: str | None) -> tuple[Position, str]:
    """Map a State's response words to (position, the words as written, stripped).

    Positions are "supported", "supported_in_part", "noted" and "pending"; the table above
    lists every wording read and its mapping (OHCHR matrices, UPR Info old and new, UHRI).

    A voluntary pledge (is_pledge() is true) maps to "supported", with its words kept as
    written ("Voluntary Pledge"): the State under review made the commitment itself, so it is
    as committed to it as to a recommendation it supported. The caller must also set the
    entry's kind to "pledge"; the position alone does not say that it is one.

    Raises UnknownPositionError for words not in the table ("Considered", "Supported in
    principle", a bare "Partially"): a wrong guess would misstate a government's commitment,
    so a human must decide (and extend the table).
    """
    original = (words or "").strip()
    key = _position_key(original)
    if key in _PLEDGE_WORDS:
        return "supported", original
    position = _POSITION_WORDS.get(key)
    if position is None:
        raise UnknownPositionError(_("unknown position %(words)s", words=repr(original)))
    return position, original


_TERRITORY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Hong Kong", re.compile(r"\bHong[\s\u00a0-]*Kong\b|\bHKSAR\b", re.IGNORECASE)),
    ("Macao", re.compile(r"\bMaca[ou]\b|\bMSAR\b", re.IGNORECASE)),
)


_TERRITORY_MARKERS = ("hong", "hksar", "maca", "msar")


def find_territories(text: str) -> list[str]:
    """Territories reviewed as part of a State that the text names ("Hong Kong", "Macao").

    China's review covers both SARs; coalitions track the recommendations that name them.
    """
    lowered = text.lower()
    # A cheap substring test first: almost no text names a territory, and imports are large.
    if not any(marker in lowered for marker in _TERRITORY_MARKERS):
        return []
    return [name for name, pattern in _TERRITORY_PATTERNS if pattern.search(text)]
