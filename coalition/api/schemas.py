"""The API's marshmallow schemas: the same classes validate requests (through flask-smorest and
webargs) and describe requests and answers in the OpenAPI document."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from coalition.api.services import DEFAULT_LIMIT, MAX_LIMIT
from coalition.recommendations.models import (
    ASSESSMENT_VISIBILITIES,
    ENTRY_KINDS,
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    RESPONSE_KINDS,
    TERRITORIES,
)
from coalition.recommendations.tracker import REPEATED, SORTS
from coalition.reviews.models import REGIONAL_GROUP_LABELS

DB_ID = validate.Range(min=1, max=2_147_483_647)


def _doc(text: str, **more: Any) -> dict[str, Any]:
    return {"metadata": {"description": text, **more}}


def _many(field: fields.Field, text: str) -> fields.List:
    """A repeatable query parameter (`?theme=1&theme=2`): values are alternatives (OR)."""
    return fields.List(field, validate=validate.Length(max=200),
                       metadata={"description": text + " Repeat the parameter for several "
                                 "values (any of them matches)."})


# --- errors ------------------------------------------------------------------------------------

class ErrorDetailSchema(ma.Schema):
    code = fields.String(required=True, **_doc(
        "A machine-readable code: bad_request, invalid_value, unknown_value, invalid_cursor, "
        "invalid_json, unsupported_media_type, unauthorized, invalid_token, "
        "insufficient_scope, forbidden, not_found, method_not_allowed, conflict, "
        "too_many_requests, ..."))
    message = fields.String(required=True, **_doc("What is wrong, for a person."))
    field = fields.String(allow_none=True, required=True, **_doc(
        "The parameter, body field or header the error is about, or null."))


class ErrorSchema(ma.Schema):
    """Every error of the API: {"error": {"code", "message", "field"}}."""

    error = fields.Nested(ErrorDetailSchema, required=True)


# --- query parameters ---------------------------------------------------------------------------

class ListArgs(ma.Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                           **_doc(f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); "
                                  "a larger value is refused with 400, not clamped."))
    cursor = fields.String(validate=validate.Length(max=2000), **_doc(
        "The value of `next` of the previous page, as given (opaque)."))


class RecommendationArgs(ListArgs):
    """The tracker's URL parameters (same names, same meaning), plus `limit` and `cursor`."""

    q = fields.String(validate=validate.Length(max=200), **_doc(
        "Full-text search in the recommendation's text."))
    review = _many(fields.String(validate=validate.Length(min=1, max=20)),
                   "A review, by id or as STATE-CYCLE (`chn-3`).")
    cycle = _many(fields.Integer(validate=validate.Range(1, 9)), "A UPR cycle, 1 to 9.")
    state = _many(fields.String(validate=validate.Regexp(r"^[A-Za-z]{3}$")),
                  "A recommending State's ISO 3166 alpha-3 code (`AUS`).")
    group = _many(fields.String(validate=validate.OneOf(list(REGIONAL_GROUP_LABELS))),
                  "A recommending State's regional group.")
    theme = _many(fields.Integer(validate=DB_ID), "A theme id (see /api/v1/themes).")
    sdg = _many(fields.Integer(validate=validate.Range(1, 17)), "A Sustainable Development "
                "Goal, 1 to 17.")
    affected = _many(fields.Integer(validate=DB_ID), "An affected-persons group id.")
    position = _many(fields.String(validate=validate.OneOf(list(POSITIONS))),
                     "The State's current position.")
    category = _many(fields.Integer(validate=validate.Range(1, 5)),
                     "UPR Info's action category, 1 to 5.")
    territory = _many(fields.String(validate=validate.OneOf(list(TERRITORIES))),
                      "A territory the recommendation names.")
    status = _many(fields.String(validate=validate.OneOf([*IMPLEMENTATION_STATUSES, "none"])),
                   "The latest implementation status you may see (`none`: not assessed).")
    assessed_by = _many(fields.Integer(validate=DB_ID), "An organisation id that assessed it.")
    kind = _many(fields.String(validate=validate.OneOf(list(ENTRY_KINDS))),
                 "A recommendation or a voluntary pledge.")
    repeated = _many(fields.String(validate=validate.OneOf(list(REPEATED))),
                     "Repeated from an earlier cycle (yes/no).")
    sort = fields.String(validate=validate.OneOf(list(SORTS)), **_doc(
        "paragraph (default: by review and paragraph), newest (recently changed), position, "
        "status."))


class ReviewArgs(ListArgs):
    state = fields.String(validate=validate.Regexp(r"^[A-Za-z]{3}$"), **_doc(
        "The State under review (ISO 3166 alpha-3)."))
    cycle = fields.Integer(validate=validate.Range(1, 9), **_doc("The UPR cycle."))


class ResponseArgs(ListArgs):
    recommendation = fields.Integer(validate=DB_ID, **_doc("A recommendation's id."))
    review = fields.String(validate=validate.Length(min=1, max=20), **_doc(
        "A review, by id or as `chn-3`."))


class AssessmentArgs(ResponseArgs):
    organisation = fields.Integer(validate=DB_ID, **_doc("The assessing organisation's id."))


class ThemeArgs(ListArgs):
    kind = fields.String(validate=validate.OneOf(["ohchr", "upr_info"]), **_doc(
        "OHCHR's coded themes or UPR Info's issues."))


class StateArgs(ListArgs):
    group = fields.String(validate=validate.OneOf(list(REGIONAL_GROUP_LABELS)), **_doc(
        "A regional group."))


# --- request bodies -----------------------------------------------------------------------------

class AssessmentIn(ma.Schema):
    """An organisation's assessment of a recommendation (as the web form records it)."""

    organisation = fields.Integer(required=True, validate=DB_ID, **_doc(
        "The organisation assessing: one of which you are an editor."))
    status = fields.String(required=True, validate=validate.OneOf(list(IMPLEMENTATION_STATUSES)))
    assessed_on = fields.Date(required=True, **_doc("ISO date, not in the future."))
    evidence = fields.String(load_default="", validate=validate.Length(max=50_000),
                             **_doc("Markdown."))
    source_links = fields.List(
        fields.String(validate=[validate.Length(max=500),
                                validate.Regexp(r"^https?://", error="Not an http(s) link.")]),
        load_default=list, validate=validate.Length(max=50), **_doc("http(s) links."))
    visibility = fields.String(load_default="coalition",
                               validate=validate.OneOf(list(ASSESSMENT_VISIBILITIES)), **_doc(
                                   "Who may read it: organisation, coalition (default), "
                                   "public."))


class ResponseIn(ma.Schema):
    """A government statement on a recommendation (the steering committee records them)."""

    kind = fields.String(required=True, validate=validate.OneOf(list(RESPONSE_KINDS)))
    position = fields.String(required=True, validate=validate.OneOf(list(POSITIONS)))
    responded_on = fields.Date(required=True, **_doc("ISO date, not in the future."))
    words = fields.String(load_default="", validate=validate.Length(max=5000))
    source = fields.String(load_default="", validate=validate.Length(max=300))
    url = fields.String(load_default=None, allow_none=True, validate=[
        validate.Length(max=500), validate.URL(schemes={"http", "https"})])


# --- answers ------------------------------------------------------------------------------------

class StateRef(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class StateOut(StateRef):
    regional_group = fields.String(allow_none=True, required=True)


class ThemeOut(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class ReviewOut(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True, **_doc("STATE-CYCLE, e.g. chn-3."))
    state = fields.Nested(StateRef, required=True)
    cycle = fields.Integer(required=True)
    session = fields.Integer(allow_none=True, required=True)
    review_date = fields.Date(allow_none=True, required=True)
    report_symbol = fields.String(allow_none=True, required=True)
    responses_symbol = fields.String(allow_none=True, required=True)
    recommendations = fields.String(required=True, **_doc(
        "The API address of this review's recommendations."))


class LatestAssessmentOut(ma.Schema):
    organisation = fields.String(required=True)
    status = fields.String(required=True)
    assessed_on = fields.Date(required=True)


class RecommendationOut(ma.Schema):
    id = fields.Integer(required=True)
    review = fields.String(required=True, **_doc("The review's slug."))
    review_id = fields.Integer(required=True)
    paragraph = fields.String(allow_none=True, required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    recommending_states = fields.List(fields.Nested(StateRef), required=True)
    themes = fields.List(fields.Nested(ThemeOut), required=True)
    sdgs = fields.List(fields.Integer(), required=True)
    affected_persons = fields.List(fields.String(), required=True)
    territories = fields.List(fields.String(), required=True)
    position = fields.String(required=True)
    position_words = fields.String(required=True)
    action_category = fields.Integer(allow_none=True, required=True)
    repeated_from = fields.Integer(allow_none=True, required=True, **_doc(
        "The same recommendation in an earlier cycle (its id)."))
    latest_assessment = fields.Nested(LatestAssessmentOut, allow_none=True, required=True, **_doc(
        "The latest assessment you may read (members: the coalition's; everyone else: public "
        "ones)."))
    uhri_annotation_id = fields.String(allow_none=True, required=True)
    upr_info_id = fields.String(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)
    url = fields.String(required=True, **_doc("Its page on this site."))


class ResponseOut(ma.Schema):
    id = fields.Integer(required=True)
    recommendation = fields.Integer(required=True)
    kind = fields.String(required=True)
    responded_on = fields.Date(allow_none=True, required=True)
    position = fields.String(required=True)
    words = fields.String(required=True)
    source = fields.String(required=True)
    url = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class OrganisationRef(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class AssessmentOut(ma.Schema):
    id = fields.Integer(required=True)
    recommendation = fields.Integer(required=True)
    organisation = fields.Nested(OrganisationRef, required=True)
    author = fields.String(allow_none=True, required=True, **_doc(
        "Who recorded it: a name for coalition members, null for everyone else."))
    status = fields.String(required=True)
    assessed_on = fields.Date(required=True)
    evidence = fields.String(required=True, **_doc("Markdown."))
    source_links = fields.List(fields.String(), required=True)
    visibility = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class StatementOut(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    occasion = fields.String(required=True)
    kind = fields.String(required=True)
    language = fields.String(required=True)
    lead_organisation = fields.String(required=True)
    published_revision = fields.Integer(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    signatories = fields.List(fields.String(), required=True)
    url = fields.String(required=True, **_doc("The public page."))
    text = fields.String(**_doc("The published text (Markdown): in the single statement "
                                "only."))


class SavedViewOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    query = fields.String(required=True, **_doc("The tracker's query string."))
    organisation = fields.Nested(OrganisationRef, allow_none=True, required=True, **_doc(
        "The organisation it is shared with; null: private to its owner."))
    mine = fields.Boolean(required=True)
    recommendations = fields.String(required=True, **_doc(
        "The API address of the recommendations it selects."))


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """{"items": [...], "next": cursor or null}."""
    return ma.Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next": fields.String(allow_none=True, required=True, metadata={
            "description": "The cursor of the next page; null on the last page."}),
    }, name=name)


ReviewPage = page_schema(ReviewOut, "ReviewPage")
RecommendationPage = page_schema(RecommendationOut, "RecommendationPage")
ResponsePage = page_schema(ResponseOut, "ResponsePage")
AssessmentPage = page_schema(AssessmentOut, "AssessmentPage")
StatePage = page_schema(StateOut, "StatePage")
ThemePage = page_schema(ThemeOut, "ThemePage")
StatementPage = page_schema(StatementOut, "StatementPage")
SavedViewPage = page_schema(SavedViewOut, "SavedViewPage")
