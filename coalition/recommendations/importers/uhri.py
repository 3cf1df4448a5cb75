"""Read exports of OHCHR's Universal Human Rights Index (UHRI), .xlsx or the same saved as CSV.

The index holds recommendations of every UN mechanism; only the UPR's are imported, and the
rows of other mechanisms (treaty bodies, special procedures) are skipped and counted. Columns
are matched by normalised label (tabular.match_columns; OHCHR spells some headers
"Reccomending", read as "Recommending"):

=============================  ======================================================
Text                           the recommendation, often led by its paragraph ("28.343 ...")
Countries Concerned            the State under review
Document Symbol                the report (A/HRC/40/6)
Themes                         OHCHR themes, one a line ("- Right to health - General")
Affected Persons               one a line, each "- ..."
Sdgs                           one a line: "SDG 16 - ...", "Goal 16", "16 - ..."
UPR Session                    "31"
UPR Position                   Supported / Noted / ...
UPR Recommending States        one a line, each "- ..."
Type / Mechanism / Body        "UPR" or another mechanism
Annotation Id / Id             OHCHR's own identifier, kept in ``uhri_annotation_id``
=============================  ======================================================
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import IO

from flask_babel import gettext as _

from coalition.core.archives import ZipLimits
from coalition.recommendations.importers import tabular
from coalition.recommendations.importers.records import (
    ParsedRecommendation,
    ParseResult,
    RowError,
    UnknownPositionError,
    find_territories,
)
from coalition.recommendations.importers.upr_info import position_of
from coalition.reviews.reference import (
    SdgRef,
    ThemeRef,
    load_themes,
    parse_theme_line,
    resolve_state,
)

__all__ = ["COLUMNS", "FORMAT", "SIGNATURE", "parse", "parse_sdg", "theme_code"]

FORMAT = "uhri"
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("Text", "Recommendation", "Annotation text"),
    "country": ("Countries Concerned", "Country Concerned", "Countries", "Country"),
    "symbol": ("Document Symbol", "Symbol"),
    "themes": ("Themes", "Human rights themes", "Theme"),
    "persons": ("Affected Persons", "Concerned Persons", "Groups of persons", "Affected groups"),
    "sdgs": ("Sdgs", "Sustainable Development Goals", "SDG"),
    "session": ("UPR Session", "Session"),
    "position": ("UPR Position", "Position"),
    "from": ("UPR Recommending States", "UPR Recommending State", "Recommending States",
             "Recommending State"),
    "type": ("Type", "Mechanism", "Mechanisms", "Body", "Bodies", "Source", "Document Type"),
    "id": ("Annotation Id", "AnnotationId", "Annotation", "Id"),
}
REQUIRED = ("text", "country")
# Labels whose presence marks a UHRI export (normalised), for detect_format.
SIGNATURE = frozenset({"text", "countries concerned"})
_SOURCE = "Universal Human Rights Index"

# The first number of up to 3 digits: "31", "31st session", "Session 31"; a year is not one.
_NUMBER = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")
_SDG = re.compile(r"^(?:S\d{1,2}\s+)?(?:SDG|Goal)?\s*(\d{1,2})\b", re.IGNORECASE)
_CODE_DASH = re.compile(r"^([A-Z]\d{1,3})\s*[-\u2013:]\s*")
_TRAILING_GROUP = re.compile(r"\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*[;.]?\s*$")


def _is_upr(mechanism: str) -> bool:
    key = tabular.normalise_label(mechanism)
    return key in {"upr", "universal periodic review"} or key.startswith(
        ("upr ", "universal periodic review "))


@cache
def _themes_by_name() -> dict[str, str]:
    return {tabular.normalise_label(t.name.replace("&", " and ")): t.code for t in load_themes()}


def theme_code(line: str) -> str | None:
    """The OHCHR theme code of a UHRI theme line ("D51 Administration of ...", "D51 - ...",
    or the name alone, matched against reference.load_themes()); None if unknown."""
    text = _CODE_DASH.sub(r"\1 ", " ".join(line.split()))
    parsed = parse_theme_line(text)
    if isinstance(parsed, ThemeRef):
        return parsed.code
    return _themes_by_name().get(tabular.normalise_label(text.replace("&", " and ")))


def parse_sdg(line: str) -> int | None:
    """The goal number of "SDG 16 - Peace ...", "Goal 16", "16 - PEACE ..." or "S16 SDG 16 -
    ..." (1 to 17); None for anything else."""
    parsed = parse_theme_line(line)
    if isinstance(parsed, SdgRef):
        return parsed.number
    match = _SDG.match(line.strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= 17 else None


def _strip_attribution(text: str, states: list[str]) -> str:
    """The text without a trailing "(France; Germany);" naming exactly the row's States."""
    match = _TRAILING_GROUP.search(text)
    if match is None or not states:
        return text
    names = [n for n in re.split(r"[;,]\s*(?![^()]*\))", match.group(1)) if n.strip()]
    codes = {state.code for name in names if (state := resolve_state(name))}
    if len(codes) == len(names) and codes <= set(states):
        return text[: match.start()].rstrip()
    return text


def parse(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    progress: Callable[[int], None] | None = None,
    filename: str = "The file",
    limits: ZipLimits | None = None,
) -> ParseResult:
    """Parse a UHRI export (.xlsx or CSV) from bytes, a binary file object or a path.

    Raises ImportFormatError for an unreadable file or one without Text and Countries
    Concerned columns. Every data row is accounted for: a UPR recommendation, skipped (blank,
    or another mechanism's, with the mechanism named and a summary warning on line 0) or a
    RowError with its line (the sheet row for .xlsx).
    """
    table = tabular.read_table(tabular.read_bytes(source), filename, limits)
    columns = tabular.match_columns(table.header, COLUMNS, REQUIRED,
                                    _("a Universal Human Rights Index export"))
    result = ParseResult(records=[], errors=[], skipped=[], format=FORMAT,
                         encoding=table.encoding, newline=table.newline)
    result.warnings.extend((0, note) for note in table.notes)
    errors = result.errors
    other_mechanisms: Counter[str] = Counter()
    unknown_themes: set[str] = set()
    # Translated once, when a first row is skipped (a UHRI export may hold many such rows).
    not_upr: str | None = None

    cell = tabular.cell_reader(columns)

    for start, cells in tabular.data_rows(table, result, progress):
        mechanism = " ".join(tabular.split_lines_list(cell(cells, "type")))
        if "type" in columns:
            upr = _is_upr(mechanism)
        else:  # no mechanism column: a row with UPR data is a UPR recommendation
            upr = any(cell(cells, key).strip() for key in ("session", "position", "from"))
        if not upr:
            if not_upr is None:
                not_upr = _("not a UPR recommendation (%(label)s)")
                no_upr_data = _("no UPR session, position or recommending State")
            label = mechanism or no_upr_data
            other_mechanisms[label] += 1
            result.skipped.append((start, not_upr % {"label": label}))
            continue

        countries = tabular.split_lines_list(cell(cells, "country"))
        if len(countries) != 1:
            errors.append(RowError(start, _("no country concerned given") if not countries
                                   else _("several countries concerned: %(names)s",
                                          names=", ".join(countries))))
            continue
        to_state = resolve_state(countries[0])
        if to_state is None:
            errors.append(RowError(start, _("unknown State under review %(name)s",
                                            name=repr(countries[0]))))
            continue
        try:
            position, words, pledge = position_of(
                " ".join(tabular.split_lines_list(cell(cells, "position"))))
        except UnknownPositionError as exc:
            errors.append(RowError(start, str(exc)))
            continue
        session: int | None = None
        session_text = " ".join(cell(cells, "session").split())
        if session_text:
            match = _NUMBER.search(session_text)
            if match is None:
                errors.append(RowError(start, _("session is not a number: %(value)s",
                                                value=repr(session_text))))
                continue
            session = int(match.group())

        states: list[str] = []
        unresolved: list[str] = []
        for name in tabular.split_lines_list(cell(cells, "from")):
            state = resolve_state(name)
            if state is None:
                unresolved.append(name)
            elif state.code not in states:
                states.append(state.code)
        if not states and not unresolved and not pledge:
            errors.append(RowError(start, _("no recommending State given")))
            continue
        if unresolved:
            result.warnings.append((start, _("recommending State(s) not recognised: "
                                             "%(names)s", names=", ".join(unresolved))))

        text = " ".join(cell(cells, "text").split())
        paragraph, text = tabular.split_paragraph(text)
        text = _strip_attribution(text, states)
        if not text:
            errors.append(RowError(start, _("recommendation text is empty")))
            continue

        record = ParsedRecommendation(
            source_line=start,
            paragraph=paragraph,
            text=text,
            recommending_states=[] if pledge else states,
            unresolved_states=[] if pledge else unresolved,
            position=position,
            position_words=words,
            position_source=_SOURCE + (f" ({s})" if (s := " ".join(
                cell(cells, "symbol").split())) else ""),
            territories=find_territories(text),
            session=session,
            state_under_review=to_state.code,
            kind="pledge" if pledge else "recommendation",
            uhri_annotation_id=" ".join(cell(cells, "id").split()) or None,
            affected_persons=tabular.split_lines_list(cell(cells, "persons")),
        )
        for line in tabular.split_lines_list(cell(cells, "themes")):
            code = theme_code(line)
            sdg = parse_sdg(line) if code is None else None
            if code is not None:
                if code not in record.themes:
                    record.themes.append(code)
            elif sdg is not None:
                if sdg not in record.sdgs:
                    record.sdgs.append(sdg)
            else:
                if line not in record.issues:
                    record.issues.append(line)
                if line not in unknown_themes:
                    unknown_themes.add(line)
                    result.warnings.append((start, _(
                        "theme %(theme)s is not in OHCHR's list of themes; kept as an issue",
                        theme=repr(line))))
        for line in tabular.split_lines_list(cell(cells, "sdgs")):
            number = parse_sdg(line)
            if number is None:
                result.warnings.append((start, _("unrecognised SDG %(sdg)s",
                                                 sdg=repr(line))))
            elif number not in record.sdgs:
                record.sdgs.append(number)
        result.records.append(record)

    if other_mechanisms:
        total = sum(other_mechanisms.values())
        detail = ", ".join(f"{name}: {count}" for name, count in other_mechanisms.most_common())
        result.warnings.insert(0, (0, _(
            "%(total)s row(s) of other mechanisms skipped, only UPR recommendations are "
            "imported (%(detail)s)", total=total, detail=detail)))
    if progress is not None:
        progress(result.rows_total)
    return result
