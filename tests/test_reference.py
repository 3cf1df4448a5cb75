"""Reference data: States, regional groups, cycles, themes and SDGs (no app needed)."""

from __future__ import annotations

import collections

import pytest

from coalition.reviews.reference import (
    CYCLES,
    REGIONAL_GROUP_NAMES,
    REGIONAL_GROUPS,
    SdgRef,
    ThemeRef,
    cycle_for_session,
    load_sdgs,
    load_states,
    load_themes,
    normalise_regional_group,
    parse_theme_line,
    resolve_state,
)

# Every distinct State spelling in the real UPR Info export (sessions 1-5, To/From columns) and
# in the recommending-State parentheses of OHCHR's matrix for China's 3rd cycle, with the State
# it must resolve to. Kept inline so the test needs no copy of the full files.
REAL_FILE_NAMES = [
    ("Afghanistan", "AFG"),
    ("Albania", "ALB"),
    ("Algeria", "DZA"),
    ("Angola", "AGO"),
    ("Argentina", "ARG"),
    ("Armenia", "ARM"),
    ("Australia", "AUS"),
    ("Austria", "AUT"),
    ("Azerbaijan", "AZE"),
    ("Bahamas", "BHS"),
    ("Bahrain", "BHR"),
    ("Bangladesh", "BGD"),
    ("Barbados", "BRB"),
    ("Belarus", "BLR"),
    ("Belgium", "BEL"),
    ("Belize", "BLZ"),
    ("Benin", "BEN"),
    ("Bhutan", "BTN"),
    ("Bolivarian Republic of Venezuela", "VEN"),
    ("Bolivia", "BOL"),
    ("Botswana", "BWA"),
    ("Brazil", "BRA"),
    ("Brunei Darussalam", "BRN"),
    ("Bulgaria", "BGR"),
    ("Burkina Faso", "BFA"),
    ("Burundi", "BDI"),
    ("Cambodia", "KHM"),
    ("Cameroon", "CMR"),
    ("Canada", "CAN"),
    ("Cape Verde", "CPV"),
    ("Central African Republic", "CAF"),
    ("Chad", "TCD"),
    ("Chile", "CHL"),
    ("China", "CHN"),
    ("Colombia", "COL"),
    ("Comoros", "COM"),
    ("Congo", "COG"),
    ("Costa Rica", "CRI"),
    ("Cote d'Ivoire", "CIV"),
    ("Croatia", "HRV"),
    ("Cuba", "CUB"),
    ("Cyprus", "CYP"),
    ("Czech Republic", "CZE"),
    ("Czechia", "CZE"),
    ("C\u00f4te d\u2019Ivoire", "CIV"),
    ("DPR Korea", "PRK"),
    ("Democratic People\u2019s Republic of Korea", "PRK"),
    ("Democratic Republic of Congo", "COD"),
    ("Democratic Republic of the Congo", "COD"),
    ("Denmark", "DNK"),
    ("Djibouti", "DJI"),
    ("Dominican Republic", "DOM"),
    ("Ecuador", "ECU"),
    ("Egypt", "EGY"),
    ("El Salvador", "SLV"),
    ("Equatorial Guinea", "GNQ"),
    ("Eritrea", "ERI"),
    ("Estonia", "EST"),
    ("Ethiopia", "ETH"),
    ("Fiji", "FJI"),
    ("Finland", "FIN"),
    ("France", "FRA"),
    ("Gabon", "GAB"),
    ("Georgia", "GEO"),
    ("Germany", "DEU"),
    ("Ghana", "GHA"),
    ("Greece", "GRC"),
    ("Guatemala", "GTM"),
    ("Guinea", "GIN"),
    ("Guyana", "GUY"),
    ("Haiti", "HTI"),
    ("Holy See", "VAT"),
    ("Honduras", "HND"),
    ("Hungary", "HUN"),
    ("Iceland", "ISL"),
    ("India", "IND"),
    ("Indonesia", "IDN"),
    ("Iran", "IRN"),
    ("Iraq", "IRQ"),
    ("Ireland", "IRL"),
    ("Islamic Republic of Iran", "IRN"),
    ("Israel", "ISR"),
    ("Italy", "ITA"),
    ("Jamaica", "JAM"),
    ("Japan", "JPN"),
    ("Jordan", "JOR"),
    ("Kazakhstan", "KAZ"),
    ("Kenya", "KEN"),
    ("Kuwait", "KWT"),
    ("Kyrgyzstan", "KGZ"),
    ("Lao People\u2019s Democratic Republic", "LAO"),
    ("Laos", "LAO"),
    ("Latvia", "LVA"),
    ("Lebanon", "LBN"),
    ("Lesotho", "LSO"),
    ("Libya", "LBY"),
    ("Liechtenstein", "LIE"),
    ("Lithuania", "LTU"),
    ("Luxembourg", "LUX"),
    ("Macedonia FYR", "MKD"),
    ("Madagascar", "MDG"),
    ("Malaysia", "MYS"),
    ("Maldives", "MDV"),
    ("Mali", "MLI"),
    ("Malta", "MLT"),
    ("Mauritania", "MRT"),
    ("Mauritius", "MUS"),
    ("Mexico", "MEX"),
    ("Moldova", "MDA"),
    ("Monaco", "MCO"),
    ("Montenegro", "MNE"),
    ("Morocco", "MAR"),
    ("Mozambique", "MOZ"),
    ("Myanmar", "MMR"),
    ("Namibia", "NAM"),
    ("Nepal", "NPL"),
    ("Netherlands", "NLD"),
    ("New Zealand", "NZL"),
    ("Nicaragua", "NIC"),
    ("Niger", "NER"),
    ("Nigeria", "NGA"),
    ("Norway", "NOR"),
    ("Oman", "OMN"),
    ("Pakistan", "PAK"),
    ("Palestine", "PSE"),
    ("Panama", "PAN"),
    ("Paraguay", "PRY"),
    ("Peru", "PER"),
    ("Philippines", "PHL"),
    ("Plurinational State of Bolivia", "BOL"),
    ("Poland", "POL"),
    ("Portugal", "PRT"),
    ("Qatar", "QAT"),
    ("Republic of Congo", "COG"),
    ("Republic of Korea", "KOR"),
    ("Republic of Moldova", "MDA"),
    ("Romania", "ROU"),
    ("Russian Federation", "RUS"),
    ("Rwanda", "RWA"),
    ("Saudi Arabia", "SAU"),
    ("Senegal", "SEN"),
    ("Serbia", "SRB"),
    ("Seychelles", "SYC"),
    ("Singapore", "SGP"),
    ("Slovakia", "SVK"),
    ("Slovenia", "SVN"),
    ("Somalia", "SOM"),
    ("South Africa", "ZAF"),
    ("Spain", "ESP"),
    ("Sri Lanka", "LKA"),
    ("State of Palestine", "PSE"),
    ("Sudan", "SDN"),
    ("Sweden", "SWE"),
    ("Switzerland", "CHE"),
    ("Syria", "SYR"),
    ("Syrian Arab Republic", "SYR"),
    ("Tajikistan", "TJK"),
    ("Tanzania", "TZA"),
    ("Thailand", "THA"),
    ("Togo", "TGO"),
    ("Tonga", "TON"),
    ("Trinidad & Tobago", "TTO"),
    ("Tunisia", "TUN"),
    ("Turkey", "TUR"),
    ("Turkmenistan", "TKM"),
    ("Tuvalu", "TUV"),
    ("Uganda", "UGA"),
    ("Ukraine", "UKR"),
    ("United Arab Emirates", "ARE"),
    ("United Kingdom", "GBR"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("United Republic of Tanzania", "TZA"),
    ("United States", "USA"),
    ("United States of America", "USA"),
    ("Uruguay", "URY"),
    ("Uzbekistan", "UZB"),
    ("Vanuatu", "VUT"),
    ("Venezuela", "VEN"),
    ("Viet Nam", "VNM"),
    ("Yemen", "YEM"),
    ("Zambia", "ZMB"),
    ("Zimbabwe", "ZWE"),
]


def test_states_cover_the_un_membership_and_observers() -> None:
    states = load_states()
    codes = [state.code for state in states]
    assert len(states) == 195
    assert len(set(codes)) == 195
    assert len({state.name for state in states}) == 195
    members = [state for state in states if state.code not in {"VAT", "PSE"}]
    assert len(members) == 193
    assert all(len(code) == 3 and code.isupper() for code in codes)
    groups = collections.Counter(state.regional_group for state in members)
    assert groups == {
        "African": 54,
        "Asia-Pacific": 54,
        "Eastern European": 23,
        "Latin American and Caribbean": 33,
        "Western European and others": 29,
    }


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("USA", "Western European and others"),
        ("ISR", "Western European and others"),
        ("TUR", "Western European and others"),
        ("KIR", "Asia-Pacific"),
        ("CYP", "Asia-Pacific"),
        ("CHN", "Asia-Pacific"),
        ("RUS", "Eastern European"),
        ("CUB", "Latin American and Caribbean"),
        ("ZAF", "African"),
        ("PSE", "Asia-Pacific"),
        ("VAT", None),
    ],
)
def test_regional_groups_of_states_people_ask_about(code: str, group: str | None) -> None:
    state = resolve_state(code)
    assert state is not None
    assert state.regional_group == group


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("China", "CHN"),
        ("Bolivia", "BOL"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Plurinational State of Bolivia", "BOL"),
        ("Iran", "IRN"),
        ("Korea (Republic of)", "KOR"),
        ("Republic of Korea", "KOR"),
        ("Democratic People's Republic of Korea", "PRK"),
        ("Democratic People\u2019s Republic of Korea", "PRK"),
        ("DPR Korea", "PRK"),
        ("Russia", "RUS"),
        ("Turkey", "TUR"),
        ("T\u00fcrkiye", "TUR"),
        ("Turkiye", "TUR"),
        ("Viet Nam", "VNM"),
        ("Vietnam", "VNM"),
        ("C\u00f4te d'Ivoire", "CIV"),
        ("C\u00f4te d\u2019Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Holy See", "VAT"),
        ("Palestine", "PSE"),
        ("State of Palestine", "PSE"),
        ("United Kingdom", "GBR"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("Swaziland", "SWZ"),
        ("Eswatini", "SWZ"),
        ("Macedonia", "MKD"),
        ("North Macedonia", "MKD"),
        ("Macedonia FYR", "MKD"),
        ("Cape Verde", "CPV"),
        ("Cabo Verde", "CPV"),
        ("Syria", "SYR"),
        ("Laos", "LAO"),
        ("Moldova", "MDA"),
        ("Tanzania", "TZA"),
        ("Venezuela", "VEN"),
        ("Micronesia", "FSM"),
        ("Brunei", "BRN"),
        ("Sao Tome", "STP"),
        ("S\u00e3o Tom\u00e9 and Pr\u00edncipe", "STP"),
        ("Timor Leste", "TLS"),
        ("Timor-Leste", "TLS"),
        ("Congo", "COG"),
        ("Republic of Congo", "COG"),
        ("Democratic Republic of Congo", "COD"),
        ("Netherlands", "NLD"),
        ("Trinidad & Tobago", "TTO"),
        ("United States", "USA"),
        # Whitespace, case, punctuation and articles as they arrive from real cells.
        ("  new\u00a0zealand ", "NZL"),
        ("Uruguay;", "URY"),
        ("Mali.", "MLI"),
        ("The Gambia", "GMB"),
        ("the Netherlands", "NLD"),
        ("FRANCE", "FRA"),
        ("deu", "DEU"),
    ],
)
def test_resolve_state_tricky_names(name: str, code: str) -> None:
    state = resolve_state(name)
    assert state is not None, name
    assert state.code == code


@pytest.mark.parametrize(("name", "code"), REAL_FILE_NAMES)
def test_every_state_name_in_the_real_files_resolves(name: str, code: str) -> None:
    state = resolve_state(name)
    assert state is not None, name
    assert state.code == code


@pytest.mark.parametrize(
    "name", ["", "   ", "(Unknown)", "Atlantis", "ILO", "the Paris Principles", "Korea", "2016"]
)
def test_resolve_state_refuses_what_is_not_a_state(name: str) -> None:
    assert resolve_state(name) is None


def test_every_state_resolves_by_its_own_name_and_code() -> None:
    for state in load_states():
        assert resolve_state(state.name) == state
        assert resolve_state(state.code) == state


@pytest.mark.parametrize(
    ("value", "group"),
    [
        ("Africa", "African"),
        ("AF", "African"),
        ("Asia", "Asia-Pacific"),
        ("APG", "Asia-Pacific"),
        ("ASIA", "Asia-Pacific"),
        ("EEG", "Eastern European"),
        ("GRULAC", "Latin American and Caribbean"),
        ("WEOG", "Western European and others"),
        ("Western European and others", "Western European and others"),
        (" weog ", "Western European and others"),
        ("Observer", None),
        ("(Unknown)", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_regional_group(value: str | None, group: str | None) -> None:
    assert normalise_regional_group(value) == group


def test_regional_group_mapping_only_yields_canonical_names() -> None:
    assert set(REGIONAL_GROUPS.values()) == set(REGIONAL_GROUP_NAMES)


def test_cycles() -> None:
    assert [(c.number, c.start_year, c.end_year) for c in CYCLES] == [
        (1, 2008, 2011),
        (2, 2012, 2016),
        (3, 2017, 2022),
        (4, 2022, 2027),
    ]


@pytest.mark.parametrize(
    ("session", "cycle"),
    [(1, 1), (5, 1), (12, 1), (13, 2), (26, 2), (27, 3), (31, 3), (40, 3), (41, 4), (54, 4)],
)
def test_cycle_for_session(session: int, cycle: int) -> None:
    assert cycle_for_session(session) == cycle


@pytest.mark.parametrize("session", [0, -1, 55])
def test_cycle_for_session_outside_known_cycles(session: int) -> None:
    with pytest.raises(ValueError, match="not in a known cycle"):
        cycle_for_session(session)


def test_themes_are_named_as_in_the_matrix() -> None:
    themes = {theme.code: theme for theme in load_themes()}
    assert themes["A12"] == ThemeRef("A12", "Acceptance of international norms", "ohchr")
    assert themes["D51"].name == "Administration of justice & fair trial"
    assert themes["S"].name == "Sustainable Development Goal implementation"
    assert all(theme.kind == "ohchr" for theme in themes.values())
    assert len(themes) == len(load_themes())


def test_sdgs_are_one_to_seventeen() -> None:
    sdgs = load_sdgs()
    assert [sdg.number for sdg in sdgs] == list(range(1, 18))
    assert sdgs[15] == SdgRef(16, "SDG 16 - peace, justice and strong institutions")
    assert all(sdg.name.startswith(f"SDG {sdg.number} - ") for sdg in sdgs)


_NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "A12 Acceptance of international norms",
            ThemeRef("A12", "Acceptance of international norms"),
        ),
        (
            "Theme: D51 Administration of justice & fair trial ",
            ThemeRef("D51", "Administration of justice & fair trial"),
        ),
        (
            f"F14 Participation of women in political and public life{_NBSP}",
            ThemeRef("F14", "Participation of women in political and public life"),
        ),
        (
            "S Sustainable Development Goal implementation",
            ThemeRef("S", "Sustainable Development Goal implementation"),
        ),
        (
            "S16 SDG 16 - peace, justice and strong institutions",
            SdgRef(16, "SDG 16 - peace, justice and strong institutions"),
        ),
        (f"S04 SDG 4 {_NBSP}- education", SdgRef(4, "SDG 4 - education")),
        ("S01 SDG 1 - poverty", SdgRef(1, "SDG 1 - poverty")),
        ("Affected persons:", None),
        ("- women", None),
        ("", None),
        ("S18 SDG 18 - nothing", None),
    ],
)
def test_parse_theme_line(line: str, expected: ThemeRef | SdgRef | None) -> None:
    assert parse_theme_line(line) == expected
