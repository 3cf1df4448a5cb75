"""Every UN member and observer State resolves from every common spelling of its name (issue 8).

The table is generated: for each of the 195 States in states.csv, its UN short and formal names,
its ISO 3166 names from pycountry and its alpha-3 code, each written the ways real files write
them (case, spaces, a leading "the", accents dropped, "&", "St.", hyphens, apostrophes, the
inverted "Korea, Republic of" forms). A hand-written table adds the spellings people actually
use ("Ivory Coast", "Burma", "DR Congo") and the broken names of PDF-to-Word conversion.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from importlib import resources

import pycountry
import pytest

from coalition.reviews.reference import load_states, normalise_state_key, resolve_state

APOSTROPHES = ("\u2019", "\u2018", "\u02bc", "\u00b4", "`")


def _rows() -> list[dict[str, str]]:
    text = resources.files("coalition.reviews").joinpath("data", "states.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _base_names(row: dict[str, str]) -> list[tuple[str, str]]:
    """(source, name) for one State: UN short and formal names, ISO 3166 names, alpha-3."""
    names = [("UN short name", row["name"]), ("UN formal name", row["formal_name"])]
    country = pycountry.countries.get(alpha_3=row["code"])
    assert country is not None, row["code"]
    names.append(("ISO 3166 name", country.name))
    for attribute in ("official_name", "common_name"):
        value = getattr(country, attribute, None)
        if value:
            names.append((f"ISO 3166 {attribute.replace('_', ' ')}", value))
    names.append(("alpha-3", row["code"]))
    names.append(("alpha-3 lower case", row["code"].lower()))
    return names


def _spellings(name: str) -> list[tuple[str, str]]:
    """The ways files write one name: (how, spelling)."""
    out = [
        ("as written", name),
        ("upper case", name.upper()),
        ("lower case", name.lower()),
        ("spaces around and inside", "  " + name.replace(" ", "   ") + "\t"),
        ("non-breaking spaces", name.replace(" ", "\u00a0")),
        ("trailing semicolon", name + ";"),
    ]
    if len(name) > 3 and not name.casefold().startswith("the "):
        out.append(("leading 'the'", "the " + name))
        out.append(("leading 'The'", "The " + name))
    if _strip_accents(name) != name:
        out.append(("accents dropped", _strip_accents(name)))
    if "-" in name:
        out.append(("hyphen as space", name.replace("-", " ")))
    if " and " in name:
        out.append(("ampersand", name.replace(" and ", " & ")))
        out.append(("ampersand, no spaces", name.replace(" and ", "&")))
    if "Saint " in name:
        out.append(("St.", name.replace("Saint ", "St. ")))
        out.append(("St", name.replace("Saint ", "St ")))
        out.append(("St. and &", name.replace("Saint ", "St. ").replace(" and ", " & ")))
    if "'" in name:
        for mark in APOSTROPHES:
            out.append((f"apostrophe U+{ord(mark):04X}", name.replace("'", mark)))
        out.append(("apostrophe, accents dropped", _strip_accents(name)))
    if name.endswith(")") and " (" in name:
        # "Bolivia (Plurinational State of)" -> "Bolivia, Plurinational State of" and
        # "Plurinational State of Bolivia".
        head, _, tail = name[:-1].partition(" (")
        out.append(("comma form", f"{head}, {tail}"))
        if tail.endswith((" of", " of the")):
            out.append(("natural order", f"{tail} {head}"))
    if ", " in name:
        head, _, tail = name.partition(", ")
        out.append(("parenthesised form", f"{head} ({tail})"))
        if tail.endswith((" of", " of the")):
            out.append(("natural order", f"{tail} {head}"))
    return out


def _generated_cases() -> list[pytest.param]:
    cases = []
    seen: set[tuple[str, str]] = set()
    for row in _rows():
        for source, name in _base_names(row):
            for how, spelling in _spellings(name):
                if (row["code"], spelling) in seen:
                    continue
                seen.add((row["code"], spelling))
                cases.append(
                    pytest.param(spelling, row["code"], id=f"{row['code']}-{source}-{how}")
                )
    return cases


GENERATED = _generated_cases()


def test_the_table_covers_every_state_in_hundreds_of_spellings() -> None:
    codes = {case.values[1] for case in GENERATED}
    assert len(codes) == 195
    assert {"VAT", "PSE"} <= codes
    assert len(GENERATED) > 3000


@pytest.mark.parametrize(("name", "code"), GENERATED)
def test_every_state_in_every_generated_spelling(name: str, code: str) -> None:
    state = resolve_state(name)
    assert state is not None, f"{name!r} did not resolve"
    assert state.code == code


# The spellings the issue names, and the common ones real files use.
COMMON_SPELLINGS = [
    ("Sao Tome & Principe", "STP"),
    ("S\u00e3o Tom\u00e9 & Pr\u00edncipe", "STP"),
    ("Sao Tome", "STP"),
    ("Antigua & Barbuda", "ATG"),
    ("Trinidad & Tobago", "TTO"),
    ("Bosnia & Herzegovina", "BIH"),
    ("Bosnia-Herzegovina", "BIH"),
    ("St. Kitts & Nevis", "KNA"),
    ("St Kitts and Nevis", "KNA"),
    ("St. Lucia", "LCA"),
    ("St Vincent & the Grenadines", "VCT"),
    ("Cote d'Ivoire", "CIV"),
    ("C\u00f4te d\u2019Ivoire", "CIV"),
    ("C\u00f4te d\u2018Ivoire", "CIV"),
    ("C\u00f4te d\u02bcIvoire", "CIV"),
    ("C\u00f4te d\u00b4Ivoire", "CIV"),
    ("C\u00f4te d`Ivoire", "CIV"),
    ("Ivory Coast", "CIV"),
    ("Turkiye", "TUR"),
    ("T\u00fcrkiye", "TUR"),
    ("Turkey", "TUR"),
    ("Republic of T\u00fcrkiye", "TUR"),
    ("Viet Nam", "VNM"),
    ("Vietnam", "VNM"),
    ("Holy See", "VAT"),
    ("Holy See (Vatican City State)", "VAT"),
    ("Vatican", "VAT"),
    ("State of Palestine", "PSE"),
    ("Palestine", "PSE"),
    ("Palestine, State of", "PSE"),
    ("Lao People's Democratic Republic", "LAO"),
    ("Lao People\u2019s Democratic Republic", "LAO"),
    ("Laos", "LAO"),
    ("Lao PDR", "LAO"),
    ("Czechia", "CZE"),
    ("Czech Republic", "CZE"),
    ("Eswatini", "SWZ"),
    ("Swaziland", "SWZ"),
    ("North Macedonia", "MKD"),
    ("The former Yugoslav Republic of Macedonia", "MKD"),
    ("Macedonia", "MKD"),
    ("Cabo Verde", "CPV"),
    ("Cape Verde", "CPV"),
    ("Myanmar", "MMR"),
    ("Burma", "MMR"),
    ("Timor-Leste", "TLS"),
    ("Timor Leste", "TLS"),
    ("East Timor", "TLS"),
    ("Republic of Moldova", "MDA"),
    ("Moldova", "MDA"),
    ("United Republic of Tanzania", "TZA"),
    ("Tanzania", "TZA"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("United Kingdom", "GBR"),
    ("UK", "GBR"),
    ("United States of America", "USA"),
    ("United States", "USA"),
    ("USA", "USA"),
    ("Russian Federation", "RUS"),
    ("Russia", "RUS"),
    ("Syrian Arab Republic", "SYR"),
    ("Syria", "SYR"),
    ("Democratic Republic of the Congo", "COD"),
    ("DR Congo", "COD"),
    ("Congo, Democratic Republic of the", "COD"),
    ("Congo (Democratic Republic of the)", "COD"),
    ("Congo, The Democratic Republic of the", "COD"),
    ("Congo, Dem. Rep.", "COD"),
    ("Congo", "COG"),
    ("Republic of the Congo", "COG"),
    ("Republic of Congo", "COG"),
    ("Congo (Brazzaville)", "COG"),
    ("Gambia", "GMB"),
    ("The Gambia", "GMB"),
    ("Gambia, The", "GMB"),
    ("Bahamas", "BHS"),
    ("The Bahamas", "BHS"),
    ("Brunei Darussalam", "BRN"),
    ("Brunei", "BRN"),
    ("Democratic People's Republic of Korea", "PRK"),
    ("North Korea", "PRK"),
    ("Korea, Democratic People's Republic of", "PRK"),
    ("Republic of Korea", "KOR"),
    ("Korea, Republic of", "KOR"),
    ("Korea (Republic of)", "KOR"),
    ("South Korea", "KOR"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("Bolivia", "BOL"),
    ("Netherlands (Kingdom of the)", "NLD"),
    ("Netherlands, Kingdom of the", "NLD"),
    ("Kingdom of the Netherlands", "NLD"),
    ("the Netherlands", "NLD"),
    ("Micronesia (Federated States of)", "FSM"),
    ("Micronesia", "FSM"),
    ("Venezuela (Bolivarian Republic of)", "VEN"),
    ("Venezuela", "VEN"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Iran, Islamic Republic of", "IRN"),
    ("Iran", "IRN"),
    ("Kyrgyzstan", "KGZ"),
    ("Kyrgyz Republic", "KGZ"),
    ("Slovak Republic", "SVK"),
    ("Guinea Bissau", "GNB"),
    ("UAE", "ARE"),
    ("  Republic   of\u00a0Korea ", "KOR"),
    ("NEW ZEALAND", "NZL"),
    ("new-zealand", "NZL"),
]


@pytest.mark.parametrize(("name", "code"), COMMON_SPELLINGS)
def test_common_spellings(name: str, code: str) -> None:
    state = resolve_state(name)
    assert state is not None, f"{name!r} did not resolve"
    assert state.code == code


# Names broken by PDF-to-Word conversion, as they arrive in matrices.
BROKEN_NAMES = [
    ("Sierra Le one", "SLE"),
    ("Bolivia (Plurinational S tate of)", "BOL"),
    ("Plurinational S tate of Bolivia", "BOL"),
    ("Bolivia (Plurinational State o f)", "BOL"),
    ("Ne w Zealand", "NZL"),
    ("Uz bekistan", "UZB"),
    ("Niger ia", "NGA"),
    ("Venezuela (Bolivarian Re public of)", "VEN"),
    ("Iran (Islamic Republ ic of)", "IRN"),
    ("United Kingdom of Great Britain and Northern Ire land", "GBR"),
    ("C\u00f4te d\u2019 Ivoire", "CIV"),
]


@pytest.mark.parametrize(("name", "code"), BROKEN_NAMES)
def test_names_broken_by_pdf_conversion_resolve(name: str, code: str) -> None:
    state = resolve_state(name)
    assert state is not None, f"{name!r} did not resolve"
    assert state.code == code


@pytest.mark.parametrize(
    "state", [state for state in load_states() if len(state.name) > 4], ids=lambda s: s.code
)
def test_a_space_anywhere_inside_a_word_of_the_un_name_still_resolves(state) -> None:
    # Not the eight four-letter names: "To go", "I ran" and "O man" are English, and a wrong State
    # is worse than a reported unknown one.
    name = state.name
    wrong = {}
    for cut in range(1, len(name)):
        if name[cut - 1].isalpha() and name[cut].isalpha():
            broken = name[:cut] + " " + name[cut:]
            found = resolve_state(broken)
            if found != state:
                wrong[broken] = found.code if found else None
    assert wrong == {}


# Near neighbours must stay apart, and real non-names must not become States: a wrong State is
# worse than a reported unknown one.
NEIGHBOURS = [
    ("Niger", "NER"),
    ("Nigeria", "NGA"),
    ("the Niger", "NER"),
    ("Guinea", "GIN"),
    ("Guinea-Bissau", "GNB"),
    ("Equatorial Guinea", "GNQ"),
    ("Papua New Guinea", "PNG"),
    ("Dominica", "DMA"),
    ("Dominican Republic", "DOM"),
    ("Congo", "COG"),
    ("Democratic Republic of the Congo", "COD"),
    ("Sudan", "SDN"),
    ("South Sudan", "SSD"),
    ("Republic of the Sudan", "SDN"),
    ("Republic of South Sudan", "SSD"),
    ("Republic of Korea", "KOR"),
    ("Democratic People's Republic of Korea", "PRK"),
    ("Samoa", "WSM"),
    ("Austria", "AUT"),
    ("Australia", "AUS"),
    ("Iran", "IRN"),
    ("Iraq", "IRQ"),
    ("Slovakia", "SVK"),
    ("Slovenia", "SVN"),
]


@pytest.mark.parametrize(("name", "code"), NEIGHBOURS)
def test_near_neighbours_resolve_to_themselves(name: str, code: str) -> None:
    state = resolve_state(name)
    assert state is not None
    assert state.code == code


@pytest.mark.parametrize(
    "text",
    [
        "the Paris Principles",
        "Paris Principles",
        "2016-2020",
        "2016",
        "CEDAW",
        "ICCPR",
        "ILO",
        "OHCHR",
        "Korea",
        "Guinea Equatorial Bissau",
        "New Guinea",
        "Hong Kong",
        "Taiwan",
        "Kosovo",
        "European Union",
        "Atlantis",
        "(Unknown)",
        "in particular women and girls",
        "Sudan and South Sudan",
        "Republic",
        "Democratic Republic",
        "Saint",
        "the",
        "of",
        "-",
        "&",
        "",
        "   ",
        # ISO alpha-2 codes are English words in free text.
        "IN",
        "IS",
        "TO",
        "NO",
        "BE",
        "US",
        "us",
        "AT",
        "ME",
        "MY",
        "I ran",
    ],
)
def test_what_is_not_a_state_resolves_to_none(text: str) -> None:
    assert resolve_state(text) is None


@pytest.mark.parametrize("state", load_states(), ids=lambda state: state.code)
def test_no_state_resolves_from_its_alpha_2_code(state) -> None:
    alpha_2 = pycountry.countries.get(alpha_3=state.code).alpha_2
    assert resolve_state(alpha_2) is None
    assert resolve_state(alpha_2.lower()) is None


def test_inverted_forms_share_one_key() -> None:
    assert normalise_state_key("Korea, Republic of") == "republic of korea"
    assert normalise_state_key("Iran (Islamic Republic of)") == "islamic republic of iran"
    assert normalise_state_key("Netherlands (Kingdom of the)") == "kingdom of the netherlands"
    assert normalise_state_key("Gambia, The") == "gambia"
    assert normalise_state_key("St. Kitts & Nevis") == "saint kitts and nevis"
    assert normalise_state_key("Guinea\u2013Bissau;") == "guinea bissau"
    # A parenthesis that is not an inverted name stays as it is.
    assert normalise_state_key("Holy See (Vatican City State)") == "holy see (vatican city state)"


def test_a_large_import_resolves_each_distinct_name_once() -> None:
    # A 100,000-row UPR Info import resolves two names a row among a few hundred distinct ones:
    # the look-up is cached, so each distinct name is worked out once (no timing asserted).
    names = [row["name"] for row in _rows()] + [f"{row['name']};" for row in _rows()]
    resolve_state.cache_clear()
    for i in range(200_000):
        resolve_state(names[i % len(names)])
    info = resolve_state.cache_info()
    assert info.misses == len(set(names))
    assert info.hits == 200_000 - len(set(names))
