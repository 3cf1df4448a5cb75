"""Reference data about the UPR: States, regional groups, cycles, OHCHR themes and SDGs.

Plain functions over CSV files shipped inside the package (``coalition/reviews/data``), read with
``importlib.resources`` so they work the same from a checkout and from an installed wheel. No
framework here: importers, services and CLI all use these without an application context.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "CYCLES",
    "REGIONAL_GROUPS",
    "REGIONAL_GROUP_NAMES",
    "Cycle",
    "SdgRef",
    "StateRef",
    "ThemeRef",
    "cycle_for_session",
    "load_sdgs",
    "load_states",
    "load_themes",
    "normalise_regional_group",
    "normalise_state_key",
    "parse_theme_line",
    "resolve_state",
]

# --------------------------------------------------------------------------------------------
# Regional groups
# --------------------------------------------------------------------------------------------

AFRICAN = "African"
ASIA_PACIFIC = "Asia-Pacific"
EASTERN_EUROPEAN = "Eastern European"
LATIN_AMERICAN_CARIBBEAN = "Latin American and Caribbean"
WEOG = "Western European and others"

REGIONAL_GROUP_NAMES: tuple[str, ...] = (
    AFRICAN,
    ASIA_PACIFIC,
    EASTERN_EUROPEAN,
    LATIN_AMERICAN_CARIBBEAN,
    WEOG,
)

# Spellings seen in UPR Info exports (To-Rgrp/From-Rgrp use "Africa", "Asia", "EEG", "GRULAC",
# "WEOG") and in UN documents. Keys are casefolded; look them up through
# normalise_regional_group() rather than directly.
REGIONAL_GROUPS: dict[str, str] = {
    "af": AFRICAN,
    "africa": AFRICAN,
    "african": AFRICAN,
    "african group": AFRICAN,
    "african states": AFRICAN,
    "apg": ASIA_PACIFIC,
    "asia": ASIA_PACIFIC,
    "asian": ASIA_PACIFIC,
    "asia-pacific": ASIA_PACIFIC,
    "asia pacific": ASIA_PACIFIC,
    "asia-pacific group": ASIA_PACIFIC,
    "asia-pacific states": ASIA_PACIFIC,
    "asia and the pacific": ASIA_PACIFIC,
    "eeg": EASTERN_EUROPEAN,
    "eastern european": EASTERN_EUROPEAN,
    "eastern european group": EASTERN_EUROPEAN,
    "eastern european states": EASTERN_EUROPEAN,
    "eastern europe": EASTERN_EUROPEAN,
    "grulac": LATIN_AMERICAN_CARIBBEAN,
    "latin american and caribbean": LATIN_AMERICAN_CARIBBEAN,
    "latin american and caribbean group": LATIN_AMERICAN_CARIBBEAN,
    "latin american and caribbean states": LATIN_AMERICAN_CARIBBEAN,
    "latin america and the caribbean": LATIN_AMERICAN_CARIBBEAN,
    "weog": WEOG,
    "western european and others": WEOG,
    "western european and others group": WEOG,
    "western european and other states": WEOG,
}


def normalise_regional_group(value: str | None) -> str | None:
    """The canonical group name for any known spelling, or None.

    None also for "Observer" (UPR Info's label for the Holy See and Palestine) and for UPR Info's
    "(Unknown)": those are not regional groups, and inventing one would be wrong.
    """
    if not value:
        return None
    key = " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
    return REGIONAL_GROUPS.get(key)


# --------------------------------------------------------------------------------------------
# States
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateRef:
    """A UN member or observer State.

    ``regional_group`` is None only for the Holy See, which belongs to no regional group.
    """

    code: str
    name: str
    regional_group: str | None


def _read_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files("coalition.reviews").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@cache
def load_states() -> list[StateRef]:
    """All 193 UN member States plus the two observer States, in file order.

    The list is cached and shared: callers must not mutate it.
    """
    states = []
    for row in _read_csv("states.csv"):
        group = row["regional_group"].strip() or None
        if group is not None and group not in REGIONAL_GROUP_NAMES:
            raise ValueError(f"states.csv: unknown regional group {group!r} for {row['code']}")
        states.append(StateRef(row["code"].strip(), row["name"].strip(), group))
    return states


_APOSTROPHES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_LEADING_THE = re.compile(r"^the\s+")


def normalise_state_key(name: str) -> str:
    """The lookup key for a State name as written in some file.

    Real files differ in exactly these ways: curly apostrophes (U+2019) in OHCHR's Word
    files, dropped accents in UPR Info ("Cote d'Ivoire"), non-breaking spaces, a trailing
    ";" or "." left over from the recommendation text, and an occasional leading "The".
    """
    text = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES)
    # Fold accents too, so "Turkiye" and "Côte" match whichever spelling the list holds.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = " ".join(text.split()).casefold()
    # rstrip, not a `[...]+$` regex: the regex retries from every character of a long run.
    text = text.rstrip(" ;:.,").strip()
    return _LEADING_THE.sub("", text)


@cache
def _state_index() -> dict[str, StateRef]:
    by_code = {state.code: state for state in load_states()}
    index: dict[str, StateRef] = {}
    for state in by_code.values():
        index[normalise_state_key(state.name)] = state
        index[normalise_state_key(state.code)] = state
    for row in _read_csv("aliases.csv"):
        code = row["code"].strip()
        if code not in by_code:
            raise ValueError(f"aliases.csv: {row['alias']!r} points to unknown code {code!r}")
        key = normalise_state_key(row["alias"])
        existing = index.get(key)
        if existing is not None and existing.code != code:
            raise ValueError(f"aliases.csv: {row['alias']!r} is ambiguous")
        index[key] = by_code[code]
    return index


# Importers call this once per row; 100,000-row files repeat a few hundred distinct names.
@lru_cache(maxsize=4096)
def resolve_state(name: str) -> StateRef | None:
    """The State a name, alias or ISO alpha-3 code refers to, or None if it is not known."""
    if not name or not name.strip():
        return None
    return _state_index().get(normalise_state_key(name))


# --------------------------------------------------------------------------------------------
# Cycles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cycle:
    number: int
    start_year: int
    end_year: int
    first_session: int
    last_session: int


# Cycles overlap by a year at the joins (the 3rd ended and the 4th started in 2022), so a year
# does not identify a cycle; a Working Group session number does.
CYCLES: list[Cycle] = [
    Cycle(1, 2008, 2011, 1, 12),
    Cycle(2, 2012, 2016, 13, 26),
    Cycle(3, 2017, 2022, 27, 40),
    Cycle(4, 2022, 2027, 41, 54),
]


def cycle_for_session(session: int) -> int:
    """The cycle a UPR Working Group session belongs to; ValueError outside cycles 1 to 4."""
    for cycle in CYCLES:
        if cycle.first_session <= session <= cycle.last_session:
            return cycle.number
    raise ValueError(f"UPR session {session} is not in a known cycle")


# --------------------------------------------------------------------------------------------
# Themes and SDGs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThemeRef:
    """A theme of OHCHR's Universal Human Rights Index (e.g. ``D51``)."""

    code: str
    name: str
    kind: str = "ohchr"


@dataclass(frozen=True, slots=True)
class SdgRef:
    """A Sustainable Development Goal, named as OHCHR's matrices name it."""

    number: int
    name: str


@cache
def load_themes() -> list[ThemeRef]:
    """The OHCHR themes known to the platform (cached; do not mutate)."""
    return [
        ThemeRef(row["code"].strip(), row["name"].strip(), row["kind"].strip())
        for row in _read_csv("themes.csv")
    ]


@cache
def load_sdgs() -> list[SdgRef]:
    """SDGs 1 to 17 (cached; do not mutate)."""
    return [SdgRef(int(row["number"]), row["name"].strip()) for row in _read_csv("sdgs.csv")]


# "S16 SDG 16 - peace, justice ..."; the matrix sometimes has a non-breaking space before "-".
_SDG_LINE = re.compile(r"^S(?P<code>\d{1,2})\s+SDG\s*(?P<number>\d{1,2})\s*-\s*(?P<name>.+)$")
# "D51 Administration of justice & fair trial"; a bare "S" is OHCHR's "Sustainable Development
# Goal implementation" theme, which names no particular goal.
_THEME_LINE = re.compile(r"^(?P<code>[A-Z]\d{1,3}|S)\s+(?P<name>\S.*)$")


def parse_theme_line(line: str) -> ThemeRef | SdgRef | None:
    """Read one line of a matrix's themes cell (or a ``Theme:`` heading).

    Returns None for lines that are not themes ("Affected persons:", "- women", blanks). Codes
    missing from themes.csv still parse, with the name as written: OHCHR's index has more themes
    than any one matrix uses, and refusing a valid code would lose data.
    """
    text = " ".join(unicodedata.normalize("NFKC", line).split())
    if text.casefold().startswith("theme:"):
        text = text[len("theme:") :].strip()
    match = _SDG_LINE.match(text)
    if match:
        number = int(match["number"])
        if not 1 <= number <= 17 or int(match["code"]) != number:
            return None
        return SdgRef(number, f"SDG {number} - {match['name'].strip()}")
    match = _THEME_LINE.match(text)
    if match:
        return ThemeRef(match["code"], match["name"].strip())
    return None
