"""The columns of a recommendations export: names, types and descriptions (issue 10).

One list serves every format: the CSV/XLSX header, the JSON Lines keys, the data package's
table schema (Frictionless "Table Schema" field types) and docs/export.md. Where the concept is
one a well-known source already names, the column takes that name: UPR Info's database
(`state_under_review`, `recommending_state`, `response`, `action_category`, `issues`, `cycle`,
`session`) and OHCHR's Universal Human Rights Index (`annotation_id`, `symbol`, `themes`,
`sdgs`, `affected_persons`).

Multi-valued columns (`many=True`) hold their values in one cell joined by SEPARATOR (" | "
would be ambiguous with State names such as "Bolivia (Plurinational State of)": no value
contains "|"). In the long variant `recommending_state`, its code and regional group hold one
State per row (one row per recommendation and recommending State, as UPR Info's database).

A reader's export holds only the assessments that reader may see
(coalition.access.visible_assessments); the `assessment_*` columns are the latest of those.
"""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "|"


@dataclass(frozen=True)
class ExportColumn:
    """A column: `name` (the header), `type` (a Frictionless Table Schema type: string,
    integer, date, datetime), `description` (English, for the data package and the docs),
    `many` (several values joined by SEPARATOR in one cell)."""

    name: str
    type: str
    description: str
    many: bool = False


RECOMMENDATION_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("recommendation_id", "integer",
                 "This platform's identifier of the recommendation."),
    ExportColumn("review", "string",
                 "The review, as ISO 3166-1 alpha-3 code of the State under review and cycle "
                 "in lower case, e.g. chn-3 (China, third cycle)."),
    ExportColumn("state_under_review", "string", "The State under review (UN short name)."),
    ExportColumn("state_under_review_code", "string",
                 "ISO 3166-1 alpha-3 code of the State under review."),
    ExportColumn("state_under_review_regional_group", "string",
                 "UN regional group of the State under review."),
    ExportColumn("cycle", "integer", "UPR cycle (1 to 4 so far)."),
    ExportColumn("session", "integer", "Session of the UPR Working Group."),
    ExportColumn("review_date", "date", "Date of the review in the Working Group."),
    ExportColumn("symbol", "string",
                 "UN document symbol of the Working Group's report, e.g. A/HRC/40/6."),
    ExportColumn("responses_symbol", "string",
                 "UN document symbol of the State's responses (the report's addendum), e.g. "
                 "A/HRC/40/6/Add.1."),
    ExportColumn("midterm_due", "date",
                 "When the State's voluntary mid-term report on this review is due."),
    ExportColumn("paragraph", "string",
                 "Paragraph number of the recommendation in the report, e.g. 28.343."),
    ExportColumn("kind", "string",
                 "recommendation, or pledge (a voluntary pledge of the State under review)."),
    ExportColumn("recommendation", "string", "The text of the recommendation."),
    ExportColumn("recommending_state", "string",
                 "The recommending State(s) (UN short names).", many=True),
    ExportColumn("recommending_state_code", "string",
                 "ISO 3166-1 alpha-3 codes of the recommending State(s).", many=True),
    ExportColumn("recommending_state_regional_group", "string",
                 "UN regional groups of the recommending State(s), in the same order.",
                 many=True),
    ExportColumn("response", "string",
                 "The State's current position: supported, supported_in_part, noted or "
                 "pending."),
    ExportColumn("response_words", "string",
                 "The State's own words about its position, as written in its response."),
    ExportColumn("response_source", "string",
                 "Where the position was read (the document and its paragraph)."),
    ExportColumn("action_category", "integer",
                 "UPR Info's action category, 1 (minimal action) to 5 (specific action)."),
    ExportColumn("issues", "string", "UPR Info's issues.", many=True),
    ExportColumn("themes", "string",
                 "OHCHR's themes (Universal Human Rights Index), as code and name, e.g. "
                 "\"A12 Acceptance of international norms\".", many=True),
    ExportColumn("sdgs", "string", "Sustainable Development Goals, as numbers 1 to 17.",
                 many=True),
    ExportColumn("affected_persons", "string",
                 "Groups of affected persons (Universal Human Rights Index).", many=True),
    ExportColumn("territories", "string",
                 "Territories the recommendation names (Hong Kong, Macao).", many=True),
    ExportColumn("annotation_id", "string",
                 "The Universal Human Rights Index's annotation identifier, when imported "
                 "from it."),
    ExportColumn("upr_info_id", "string",
                 "UPR Info's record identifier, when imported from its database."),
    ExportColumn("repeated_from", "integer",
                 "recommendation_id of the same recommendation in an earlier cycle."),
    ExportColumn("assessment_status", "string",
                 "Implementation status in the latest assessment the reader may see: "
                 "not_implemented, partially, fully, regressed or unclear."),
    ExportColumn("assessment_date", "date", "Date of that assessment."),
    ExportColumn("assessment_organisation", "string", "The organisation that made it."),
    ExportColumn("updated_at", "datetime", "When the row last changed here (UTC)."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in RECOMMENDATION_COLUMNS)

# One row per government response (the State's statements on a recommendation over time) to
# the recommendations an export's filter selects.
RESPONSE_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("response_id", "integer", "This platform's identifier of the response."),
    ExportColumn("recommendation_id", "integer",
                 "The recommendation responded to (recommendation_id of the recommendations "
                 "export)."),
    ExportColumn("review", "string", "The review, e.g. chn-3 (see the recommendations export)."),
    ExportColumn("paragraph", "string", "Paragraph number of the recommendation in the report."),
    ExportColumn("kind", "string",
                 "Where the State responded: addendum, midterm, treaty_body, legco, "
                 "press_release or other."),
    ExportColumn("responded_on", "date", "Date of the response."),
    ExportColumn("position", "string",
                 "The position it states: supported, supported_in_part, noted or pending."),
    ExportColumn("words", "string", "The State's own words, as written in the response."),
    ExportColumn("source", "string", "The document and paragraph the response was read in."),
    ExportColumn("url", "string", "Address of that document."),
    ExportColumn("created_at", "datetime", "When the response was recorded here (UTC)."),
)

# One row per assessment the reader may see (coalition.access.visible_assessments) of the
# recommendations an export's filter selects. No author column: who works where stays inside
# the coalition.
ASSESSMENT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("assessment_id", "integer", "This platform's identifier of the assessment."),
    ExportColumn("recommendation_id", "integer",
                 "The recommendation assessed (recommendation_id of the recommendations "
                 "export)."),
    ExportColumn("review", "string", "The review, e.g. chn-3 (see the recommendations export)."),
    ExportColumn("paragraph", "string", "Paragraph number of the recommendation in the report."),
    ExportColumn("organisation", "string", "The organisation that made the assessment."),
    ExportColumn("status", "string",
                 "Implementation status: not_implemented, partially, fully, regressed or "
                 "unclear."),
    ExportColumn("assessed_on", "date", "Date of the assessment."),
    ExportColumn("visibility", "string",
                 "Who may read it: organisation (its own organisation), coalition or public."),
    ExportColumn("evidence", "string", "The evidence, as written (Markdown)."),
    ExportColumn("source_links", "string", "Addresses of the sources cited.", many=True),
    ExportColumn("created_at", "datetime", "When the assessment was recorded here (UTC)."),
)
