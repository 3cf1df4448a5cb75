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

import pycountry

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
        "\u2032": "'",
        # Dashes and hyphens all become spaces: "Guinea-Bissau", "Guinea Bissau" and
        # "Timor\u2013Leste" are one name.
        "-": " ",
        "\u2013": " ",
        "\u2014": " ",
        "\u2010": " ",
        "\u2011": " ",
        "&": " and ",
    }
)
_LEADING_THE = re.compile(r"^the\s+")
# "St Lucia", "St. Kitts": a whole word "st", with or without its full stop. Never inside a word
# ("1st", "East").
_SAINT = re.compile(r"\bst\b\.?\s*")
# "Korea, Republic of", "Iran (Islamic Republic of)", "Netherlands (Kingdom of the)",
# "Gambia, The": the ISO 3166 and UN list forms that put the head word first.
_INVERTED = re.compile(r"^(?P<head>[^,()]+?)\s*(?:,\s*(?P<comma>[^,()]+)|\((?P<paren>[^()]+)\))$")
_INVERTED_TAIL = re.compile(r"(?:^the|\bof(?: the)?)$")


def _plain_key(name: str, *, saint: bool = True) -> str:
    """Everything normalise_state_key() does except putting an inverted name back in order.

    ``saint=False`` leaves "St" alone, for the squashed look-up: a PDF break in "St ate" must
    not become "Saint ate".
    """
    # Translate before NFKC too: NFKC turns an acute accent (U+00B4) used as an apostrophe
    # into a space and a combining accent.
    text = unicodedata.normalize("NFKC", name.translate(_APOSTROPHES)).translate(_APOSTROPHES)
    # Fold accents too, so "Turkiye" and "Côte" match whichever spelling the list holds.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = text.casefold()
    if saint:
        text = _SAINT.sub("saint ", text)
    text = " ".join(text.split())
    # rstrip, not a `[...]+$` regex: the regex retries from every character of a long run.
    text = text.rstrip(" ;:.,").strip()
    return _LEADING_THE.sub("", text)


def normalise_state_key(name: str) -> str:
    """The lookup key for a State name as written in some file.

    Real files differ in exactly these ways, and all of them give the same key: curly or
    typographic apostrophes (U+2019, U+2018, U+02BC, acute accent, backtick) in OHCHR's Word
    files; dropped accents in UPR Info ("Cote d'Ivoire", "Turkiye"); case; non-breaking and
    repeated spaces; hyphens or dashes for spaces ("Guinea Bissau"); "&" for "and" ("Trinidad &
    Tobago"); "St." or "St" for "Saint"; a trailing ";" or "." left over from the recommendation
    text; a leading "The"; and the inverted list forms "Korea, Republic of" and "Iran (Islamic
    Republic of)", which become "republic of korea" and "islamic republic of iran".
    """
    text = _plain_key(name)
    match = _INVERTED.match(text)
    if match:
        tail = (match["comma"] or match["paren"]).strip()
        if _INVERTED_TAIL.search(tail):
            text = _LEADING_THE.sub("", f"{tail} {match['head']}")
    return text


_NOT_LETTERS = re.compile(r"[\W_]+")
# Squashed keys this short are never matched: codes and abbreviations ("usa", "dprk"), and
# four-letter names whose pieces are English words ("To go", "I ran", "O man").
_MIN_SQUASHED = 5


def _squash(key: str) -> str:
    return _NOT_LETTERS.sub("", key)


def _pycountry_names(code: str) -> list[str]:
    """ISO 3166's names for a State: short name, official name and common name, where present."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return []
    names = [country.name]
    for attribute in ("official_name", "common_name"):
        value = getattr(country, attribute, None)
        if value:
            names.append(value)
    return names


@cache
def _known_names() -> list[tuple[str, StateRef]]:
    """Every spelling the resolver knows, as written in its source, with its State.

    Sources, most authoritative first: the UN short and formal names in states.csv, then
    aliases.csv (older UN names, UPR Info's and other common spellings), then the ISO 3166
    names from pycountry. Our own files must agree with each other (ValueError otherwise,
    raised on first use and caught by the tests); a pycountry name whose key our files already
    give to another State is left out, so a new pycountry release can never re-point a name.
    ISO alpha-3 codes are looked up apart (see _codes()); ISO alpha-2 codes are deliberately
    absent: "IN", "IS", "TO", "NO" and "BE" are English words.
    """
    by_code = {state.code: state for state in load_states()}
    owner: dict[str, str] = {}
    names: list[tuple[str, StateRef]] = []

    def add(name: str, code: str, source: str | None) -> None:
        key = normalise_state_key(name)
        existing = owner.get(key)
        if existing is not None and existing != code:
            if source is None:
                return
            raise ValueError(f"{source}: {name!r} is ambiguous ({existing} and {code})")
        owner[key] = code
        names.append((name, by_code[code]))

    for row in _read_csv("states.csv"):
        code = row["code"].strip()
        add(row["name"], code, "states.csv")
        if (row.get("formal_name") or "").strip():
            add(row["formal_name"], code, "states.csv")
    for row in _read_csv("aliases.csv"):
        code = row["code"].strip()
        if code not in by_code:
            raise ValueError(f"aliases.csv: {row['alias']!r} points to unknown code {code!r}")
        add(row["alias"], code, "aliases.csv")
    for code in by_code:
        for name in _pycountry_names(code):
            add(name, code, None)
    return names


@cache
def _codes() -> dict[str, StateRef]:
    """ISO alpha-3 code -> State. Matched only against a cell that is exactly three letters, so
    that a "&" or "and" left alone in a cell never becomes Andorra's code."""
    return {state.code: state for state in load_states()}


@cache
def _state_index() -> dict[str, StateRef]:
    """normalise_state_key(name) -> State, for every name in _known_names()."""
    return {normalise_state_key(name): state for name, state in _known_names()}


@cache
def _squashed_index() -> dict[str, StateRef]:
    """The known names with every space and punctuation mark removed -> State.

    For names broken by PDF-to-Word conversion ("Sierra Le one", "Plurinational S tate of"):
    the letters must be exactly those of one known name, in order, either as written or put
    back in order ("Republic of Korea" for "Korea, Republic of"). A squashed key shared by two
    States is left out, and so are keys shorter than five letters (see _MIN_SQUASHED).
    """
    candidates: dict[str, set[str]] = {}
    for name, state in _known_names():
        forms = (normalise_state_key(name), _plain_key(name), _plain_key(name, saint=False))
        for form in forms:
            squashed = _squash(form)
            if len(squashed) >= _MIN_SQUASHED:
                candidates.setdefault(squashed, set()).add(state.code)
    by_code = {state.code: state for state in load_states()}
    return {
        squashed: by_code[next(iter(codes))]
        for squashed, codes in candidates.items()
        if len(codes) == 1
    }


# Importers call this once per row; 100,000-row files repeat a few hundred distinct names.
@lru_cache(maxsize=4096)
def resolve_state(name: str) -> StateRef | None:
    """The State a name, alias or ISO alpha-3 code refers to, or None if it is not known.

    `name` is one State's name as some file writes it (see normalise_state_key() for the
    spellings that are read as one). When the exact key is unknown, the name is tried once more
    with all spaces and punctuation removed, for names broken by PDF-to-Word conversion
    ("Ne w Zealand"); that second try accepts only a name whose letters are exactly those of
    one State's known name. Nothing is guessed beyond that: a wrong State would silently
    misattribute a recommendation, so an unknown name gives None for the caller to report.
    ISO alpha-2 codes are not accepted.
    """
    if not name or not name.strip():
        return None
    key = normalise_state_key(name)
    state = _state_index().get(key)
    if state is not None:
        return state
    bare = name.strip().rstrip(" ;:.,")
    if len(bare) == 3 and bare.isascii() and bare.isalpha():
        return _codes().get(bare.upper())
    squashed = _squashed_index()
    for form in (key, _plain_key(name), _plain_key(name, saint=False)):
        letters = _squash(form)
        if len(letters) >= _MIN_SQUASHED and letters in squashed:
            return squashed[letters]
    return None


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
