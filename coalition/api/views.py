"""API v1 (issue 10): read endpoints for the tracker's data, writes for members, errors as JSON.

Who calls: a personal API token (`Authorization: Bearer <token>`) acts as its owner, with its
owner's rights and at most its scope (read, or read and write); without a token the caller is
anonymous, which reads only what the public tracker shows, and only while PUBLIC_TRACKER is
on. Session cookies are never read here: a signed-in browser calling the API is anonymous too,
so no cookie can make a write and the API needs no CSRF token.

Every view names its action of the one policy (coalition.access.RULES) with `api_guard`, as
the web views do with `guard`; the lists are narrowed by the same rules
(visible_assessments, "statement.read_public", "person.view_name").
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl, urlencode

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Response as FlaskResponse
from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from coalition.access import can, guard, public, tracker_audience, visible_assessments
from coalition.api import schemas
from coalition.api.forms import TokenForm
from coalition.api.services import (
    ApiError,
    by_id,
    current_caller,
    dumps,
    etag_of,
    matches,
    recommendation_filters,
    recommendations_page,
    visible_saved_views,
)
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error
from coalition.core.time import utcnow
from coalition.extensions import db, login_manager
from coalition.organisations.models import Organisation
from coalition.recommendations import services as tracker_services
from coalition.recommendations.models import Assessment, Recommendation, Response
from coalition.reviews.models import Review, State, Theme
from coalition.statements.models import Statement

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="The coalition's UPR data: reviews, recommendations, the State's "
                           "responses, assessments, published statements.")

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large",
         415: "unsupported_media_type", 422: "invalid_value", 429: "too_many_requests",
         500: "server_error", 503: "busy"}


# --- errors -----------------------------------------------------------------------------------

def error_response(status: int, code: str | None, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> FlaskResponse:
    """{"error": {"code", "message", "field"}} with `status`."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": str(message),
                      "field": field}}
    response = FlaskResponse(dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="coalition"')
    return response


def render_error(code: int, detail: str | None) -> FlaskResponse:
    """The app's error pages for /api/v1 (core.web.render_error hands them here): unknown
    paths, wrong methods, too large bodies, rate limits and server errors, as JSON."""
    from coalition.core.web import ERROR_TEXT

    _title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    return error_response(code, None, str(detail or text))


def _first_problem(messages: Any, field: str | None = None) -> tuple[str | None, str]:
    """The first (field, message) of webargs' nested messages
    ({"query": {"limit": ["Must be ..."]}}, {"json": {"status": ["..."]}}, list indexes)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = field
            if key not in ("query", "json", "headers", "form", "_schema"):
                name = f"{field}.{key}" if field else str(key)
            return _first_problem(value, name)
    if isinstance(messages, list | tuple) and messages:
        first = messages[0]
        if isinstance(first, str):
            return field, first
        return _first_problem(first, field)
    return field, str(messages)


@bp.errorhandler(ApiError)
def api_error(error: ApiError) -> FlaskResponse:
    return error_response(error.status, error.code, error.message, error.field, error.headers)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> FlaskResponse:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:  # webargs: a parameter or body that did not validate
        field, message = _first_problem(messages)
        if field and isinstance(messages, dict) and "query" in messages:
            field = field.split(".")[0]  # a repeated parameter is named, not its n-th value
        if message == "Invalid JSON body.":
            return error_response(400, "invalid_json", _("The body is not valid JSON."))
        text = f"{field}: {message}" if field else message
        return error_response(status, "invalid_value", text, field,
                              data.get("headers"))
    if error.response is not None:
        return error.response  # type: ignore[return-value]
    detail = error.description if error.description != type(error).description else None
    return render_error(status, detail)


# --- who is calling ---------------------------------------------------------------------------

@bp.before_request
def identify_caller() -> None:
    """The token's user is the request's user (Flask-Login's current_user), or an anonymous
    user: cookies are never consulted. An invalid token is 401 at once."""
    caller = current_caller()
    g._login_user = caller.user or login_manager.anonymous_user()


@bp.teardown_request
def touch_token(_exc: BaseException | None = None) -> None:
    from coalition.api.services import touch_after_request

    touch_after_request()


def api_guard(action: str, load: Callable[..., Any] | None = None,
              write: bool = False) -> Callable:
    """The API's `guard`: load the object (404), then refuse with 401 (no token, where one is
    needed), 403 insufficient_scope (a read token writing), 403 (the policy says no), 415
    (a write whose body is not JSON); then run the view. Marks the view with its action for
    the url_map sweep (tests/test_routes_guarded.py)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            caller = current_caller()
            obj = load(**kwargs) if load is not None else None
            if write and caller.token is None:
                raise ApiError(401, "unauthorized", _("Writing needs a token with the write "
                                                      "scope."), "Authorization")
            if write and caller.token.scope != "write":
                raise ApiError(403, "insufficient_scope", _("This token may only read: make "
                                                            "a token with the write scope."),
                               "Authorization")
            if not can(current_user, action, obj):
                if caller.token is None:
                    raise ApiError(401, "unauthorized", _("Send a personal API token: "
                                                          "Authorization: Bearer <token>."),
                                   "Authorization")
                raise ApiError(403, "forbidden", _("Your account may not do this."))
            if write and request.mimetype != "application/json":
                raise ApiError(415, "unsupported_media_type", _(
                    "Send the body as JSON (Content-Type: application/json)."), "Content-Type")
            return view(*args, **kwargs) if load is None else view(obj, *args, **kwargs)

        wrapped.access_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def api_public(view: Callable) -> Callable:
    """An endpoint open to everyone, deliberately (the rule runs per object inside)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        current_caller()  # a bad token is still 401
        return view(*args, **kwargs)

    wrapped.access_public = True  # type: ignore[attr-defined]
    return wrapped


# --- answers ----------------------------------------------------------------------------------

def respond(schema: ma.Schema, data: Any, status: int = 200) -> FlaskResponse:
    """JSON of `data` dumped by `schema`, with an ETag; 304 when If-None-Match names it."""
    body = dumps(schema.dump(data))
    etag = etag_of(body)
    if status == 200 and request.method == "GET" and matches(
            request.headers.get("If-None-Match"), etag):
        response = FlaskResponse(status=304)
    else:
        response = FlaskResponse(body, status=status, mimetype="application/json")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Authorization, Accept-Language"
    return response


def page(schema: ma.Schema, items: list[dict[str, Any]], cursor: str | None) -> FlaskResponse:
    return respond(schema, {"items": items, "next": cursor})


def _review_dict(review: Review) -> dict[str, Any]:
    return {"id": review.id, "slug": review.slug,
            "state": {"code": review.state.code, "name": review.state.name},
            "cycle": review.cycle, "session": review.session, "review_date": review.review_date,
            "report_symbol": review.report_symbol, "responses_symbol": review.responses_symbol,
            "recommendations": url_for("api.recommendations", review=review.slug)}


def _recommendation_dict(rec: Recommendation, audience: str) -> dict[str, Any]:
    latest = rec.latest_for(audience)
    return {
        "id": rec.id, "review": rec.review.slug, "review_id": rec.review_id,
        "paragraph": rec.paragraph, "text": rec.text, "kind": rec.kind,
        "recommending_states": [{"code": s.code, "name": s.name}
                                for s in rec.recommending_states],
        "themes": [{"id": t.id, "kind": t.kind, "code": t.code, "name": t.name}
                   for t in rec.themes],
        "sdgs": [s.number for s in rec.sdgs],
        "affected_persons": [a.name for a in rec.affected_groups],
        "territories": rec.territories, "position": rec.position,
        "position_words": rec.position_words, "action_category": rec.action_category,
        "repeated_from": rec.repeated_from_id,
        "latest_assessment": None if latest is None else {
            "organisation": latest.organisation.name, "status": latest.status,
            "assessed_on": latest.assessed_on},
        "uhri_annotation_id": rec.uhri_annotation_id, "upr_info_id": rec.upr_info_id,
        "updated_at": rec.updated_at,
        "url": url_for("recommendations.show", rec_id=rec.id),
    }


def _response_dict(response: Response) -> dict[str, Any]:
    return {"id": response.id, "recommendation": response.recommendation_id,
            "kind": response.kind, "responded_on": response.responded_on,
            "position": response.position, "words": response.words, "source": response.source,
            "url": response.url, "created_at": response.created_at}


def _assessment_dict(assessment: Assessment) -> dict[str, Any]:
    author = assessment.author
    named = author is not None and can(current_user, "person.view_name", author)
    return {"id": assessment.id, "recommendation": assessment.recommendation_id,
            "organisation": {"id": assessment.organisation.id,
                             "name": assessment.organisation.name},
            "author": author.display_name if named else None,
            "status": assessment.status, "assessed_on": assessment.assessed_on,
            "evidence": assessment.evidence, "source_links": assessment.links,
            "visibility": assessment.visibility, "created_at": assessment.created_at}


def _statement_dict(statement: Statement, text: bool = False) -> dict[str, Any]:
    from coalition.statements import services as statements

    data = {"id": statement.id, "title": statement.title, "occasion": statement.occasion,
            "kind": statement.kind, "language": statement.language,
            "lead_organisation": statement.lead_organisation.name,
            "published_revision": statement.published_number,
            "published_at": statement.published_at,
            "signatories": [o.name for o in statements.signatories(statement)],
            "url": url_for("statements.public_page", statement_id=statement.id)}
    if text:
        revision = statements.revision(statement, statement.published_number)
        data["text"] = revision.text if revision is not None else ""
    return data


def _review_by_ref(ref: str) -> Review | None:
    from coalition.reviews.services import review_from_slug

    if ref.isdigit() and len(ref) < 10:
        return db.session.get(Review, int(ref))
    return review_from_slug(ref.lower())


def _review_filter(value: str | None) -> int | None:
    """A review parameter (id or slug) as an id; ApiError 400 for an unknown one."""
    if not value:
        return None
    review = _review_by_ref(value)
    if review is None:
        raise ApiError(400, "unknown_value", _("review: no review %(value)s (give its id or a "
                                               "slug such as chn-3).", value=repr(value[:40])),
                       "review")
    return review.id


QUERY = {"location": "query", "error_status_code": 400, "unknown": ma.RAISE}


# --- reviews ----------------------------------------------------------------------------------

@bp.route("/reviews")
@api_guard("tracker.view")
@bp.arguments(schemas.ReviewArgs, **QUERY)
@bp.response(200, schemas.ReviewPage)
def reviews(args: dict[str, Any]) -> FlaskResponse:
    """UPR reviews (a State in a cycle), in id order."""
    query = select(Review).options(selectinload(Review.state))
    if args.get("state"):
        query = query.join(State, State.id == Review.state_id).where(
            State.code == args["state"].upper())
    if args.get("cycle"):
        query = query.where(Review.cycle == args["cycle"])
    rows, cursor = by_id(query, Review, "reviews", args.get("cursor"), args["limit"])
    return page(schemas.ReviewPage(), [_review_dict(r) for r in rows], cursor)


def _load_review(ref: str, **_kwargs: object) -> Review:
    review = _review_by_ref(ref) if len(ref) <= 20 else None
    if review is None:
        raise ApiError(404, "not_found", _("There is no review %(value)s.",
                                           value=repr(ref[:40])), "ref")
    return review


REVIEW_REF = {"in": "path", "name": "ref", "required": True,
              "description": "A review's id or slug (STATE-CYCLE: chn-3).",
              "schema": {"type": "string", "minLength": 1, "maxLength": 20}}


@bp.route("/reviews/<ref>", parameters=[REVIEW_REF])
@api_guard("tracker.view", load=_load_review)
@bp.response(200, schemas.ReviewOut)
def review(review: Review, ref: str) -> FlaskResponse:
    """One review, by id or slug (`chn-3`)."""
    return respond(schemas.ReviewOut(), _review_dict(review))


# --- recommendations --------------------------------------------------------------------------

@bp.route("/recommendations")
@api_guard("tracker.view")
@bp.arguments(schemas.RecommendationArgs, **QUERY)
@bp.response(200, schemas.RecommendationPage)
def recommendations(args: dict[str, Any]) -> FlaskResponse:
    """The tracker's results: the same filters and search as the tracker's URL
    (`/tracker?q=...&territory=Hong+Kong`), a review also as a slug:
    `/api/v1/recommendations?review=chn-3&territory=Hong+Kong`. Values within one parameter
    are alternatives; parameters combine with AND."""
    audience = tracker_audience(current_user)
    filters = recommendation_filters(args, audience)
    rows, cursor = recommendations_page(filters, args.get("cursor"), args["limit"])
    return page(schemas.RecommendationPage(), [_recommendation_dict(r, audience) for r in rows],
                cursor)


def _load_recommendation(rec_id: int, **_kwargs: object) -> Recommendation:
    rec = db.session.get(Recommendation, rec_id)
    if rec is None:
        raise ApiError(404, "not_found", _("There is no recommendation %(id)s.", id=rec_id),
                       "rec_id")
    return rec


@bp.route("/recommendations/<int:rec_id>")
@api_guard("tracker.view", load=_load_recommendation)
@bp.response(200, schemas.RecommendationOut)
def recommendation(rec: Recommendation, rec_id: int) -> FlaskResponse:
    """One recommendation."""
    return respond(schemas.RecommendationOut(),
                   _recommendation_dict(rec, tracker_audience(current_user)))


# --- responses --------------------------------------------------------------------------------

@bp.route("/responses")
@api_guard("tracker.view")
@bp.arguments(schemas.ResponseArgs, **QUERY)
@bp.response(200, schemas.ResponsePage)
def responses(args: dict[str, Any]) -> FlaskResponse:
    """The State's responses (its positions over time, with their sources), in id order."""
    query = select(Response)
    if args.get("recommendation"):
        query = query.where(Response.recommendation_id == args["recommendation"])
    review_id = _review_filter(args.get("review"))
    if review_id is not None:
        query = query.join(Recommendation, Recommendation.id == Response.recommendation_id) \
            .where(Recommendation.review_id == review_id)
    rows, cursor = by_id(query, Response, "responses", args.get("cursor"), args["limit"])
    return page(schemas.ResponsePage(), [_response_dict(r) for r in rows], cursor)


@bp.route("/recommendations/<int:rec_id>/responses", methods=["POST"])
@api_guard("tracker.manage", load=_load_recommendation, write=True)
@bp.arguments(schemas.ResponseIn)
@bp.response(201, schemas.ResponseOut)
def add_response(rec: Recommendation, data: dict[str, Any], rec_id: int) -> FlaskResponse:
    """Record a government response (the steering committee, as on the recommendation's
    page)."""
    try:
        response = tracker_services.add_response(
            current_user, rec, data["kind"], data["position"], data["responded_on"],
            data["words"], data["source"], data["url"])
    except ServiceError as error:
        raise ApiError(422, "invalid_value", error.message, error.field) from None
    return respond(schemas.ResponseOut(), _response_dict(response), 201)


# --- assessments ------------------------------------------------------------------------------

@bp.route("/assessments")
@api_guard("tracker.view")
@bp.arguments(schemas.AssessmentArgs, **QUERY)
@bp.response(200, schemas.AssessmentPage)
def assessments(args: dict[str, Any]) -> FlaskResponse:
    """Organisations' assessments you may read: the coordinator all; a member the coalition's,
    the public ones and its own organisations'; everyone else the public ones."""
    query = select(Assessment).where(visible_assessments(current_user)).options(
        selectinload(Assessment.organisation), selectinload(Assessment.author))
    if args.get("recommendation"):
        query = query.where(Assessment.recommendation_id == args["recommendation"])
    if args.get("organisation"):
        query = query.where(Assessment.organisation_id == args["organisation"])
    review_id = _review_filter(args.get("review"))
    if review_id is not None:
        query = query.join(Recommendation, Recommendation.id == Assessment.recommendation_id) \
            .where(Recommendation.review_id == review_id)
    rows, cursor = by_id(query, Assessment, "assessments", args.get("cursor"), args["limit"])
    return page(schemas.AssessmentPage(), [_assessment_dict(a) for a in rows], cursor)


@bp.route("/recommendations/<int:rec_id>/assessments", methods=["POST"])
@api_guard("assessment.create", load=_load_recommendation, write=True)
@bp.arguments(schemas.AssessmentIn)
@bp.response(201, schemas.AssessmentOut)
def add_assessment(rec: Recommendation, data: dict[str, Any], rec_id: int) -> FlaskResponse:
    """Record an assessment on behalf of an organisation of which you are an editor (as on the
    recommendation's page)."""
    org = db.session.get(Organisation, data["organisation"])
    if org is None or not can(current_user, "assessment.create", org):
        raise ApiError(403, "forbidden", _("You may not record assessments for this "
                                           "organisation."), "organisation")
    try:
        assessment = tracker_services.add_assessment(
            current_user, rec, org, data["status"], data["assessed_on"], data["evidence"],
            "\n".join(data["source_links"]), visibility=data["visibility"])
    except ServiceError as error:
        raise ApiError(422, "invalid_value", error.message, error.field) from None
    return respond(schemas.AssessmentOut(), _assessment_dict(assessment), 201)


# --- reference data ---------------------------------------------------------------------------

@bp.route("/states")
@api_guard("tracker.view")
@bp.arguments(schemas.StateArgs, **QUERY)
@bp.response(200, schemas.StatePage)
def states(args: dict[str, Any]) -> FlaskResponse:
    """States (ISO 3166 alpha-3 codes, names, regional groups), in id order."""
    query = select(State)
    if args.get("group"):
        query = query.where(State.regional_group == args["group"])
    rows, cursor = by_id(query, State, "states", args.get("cursor"), args["limit"])
    return page(schemas.StatePage(), [{"code": s.code, "name": s.name,
                                       "regional_group": s.regional_group} for s in rows], cursor)


@bp.route("/themes")
@api_guard("tracker.view")
@bp.arguments(schemas.ThemeArgs, **QUERY)
@bp.response(200, schemas.ThemePage)
def themes(args: dict[str, Any]) -> FlaskResponse:
    """Themes: OHCHR's coded themes and UPR Info's issues, in id order."""
    query = select(Theme)
    if args.get("kind"):
        query = query.where(Theme.kind == args["kind"])
    rows, cursor = by_id(query, Theme, "themes", args.get("cursor"), args["limit"])
    return page(schemas.ThemePage(), [{"id": t.id, "kind": t.kind, "code": t.code,
                                       "name": t.name} for t in rows], cursor)


# --- published statements ---------------------------------------------------------------------

@bp.route("/statements")
@api_public
@bp.arguments(schemas.ListArgs, **QUERY)
@bp.response(200, schemas.StatementPage)
def statements(args: dict[str, Any]) -> FlaskResponse:
    """Published joint statements (everyone may read them), in id order."""
    query = select(Statement).where(
        Statement.audience == "public", Statement.published_number.is_not(None),
        Statement.status != "withdrawn")
    rows, cursor = by_id(query, Statement, "statements", args.get("cursor"), args["limit"])
    return page(schemas.StatementPage(), [_statement_dict(s) for s in rows
                                          if can(current_user, "statement.read_public", s)],
                cursor)


@bp.route("/statements/<int:statement_id>")
@api_public
@bp.response(200, schemas.StatementOut)
def statement(statement_id: int) -> FlaskResponse:
    """One published statement, with its published text (Markdown)."""
    found = db.session.get(Statement, statement_id)
    if not can(current_user, "statement.read_public", found):
        raise ApiError(404, "not_found", _("There is no published statement %(id)s.",
                                           id=statement_id), "statement_id")
    return respond(schemas.StatementOut(), _statement_dict(found, text=True))


def _api_query(base: str, query: str) -> str:
    """The API address of a saved tracker query: the tracker's parameters the API takes (not
    `page`), in the saved order."""
    names = set(schemas.RecommendationArgs().fields) - {"limit", "cursor"}
    pairs = [(k, v) for k, v in parse_qsl(query or "") if k in names]
    return f"{base}?{urlencode(pairs)}" if pairs else base


# --- saved views ------------------------------------------------------------------------------

@bp.route("/saved-views")
@api_guard("tracker.view")
@bp.arguments(schemas.ListArgs, **QUERY)
@bp.response(200, schemas.SavedViewPage)
def saved_views(args: dict[str, Any]) -> FlaskResponse:
    """Saved tracker views you may use: your own, and those shared with your organisations;
    `recommendations` is the API address of each one's results."""
    from coalition.recommendations.models import SavedView

    user = current_user if current_user.is_authenticated else None
    query = visible_saved_views(user).options(selectinload(SavedView.organisation))
    rows, cursor = by_id(query, SavedView, "saved-views", args.get("cursor"), args["limit"])
    base = url_for("api.recommendations")
    return page(schemas.SavedViewPage(), [{
        "id": v.id, "name": v.name, "query": v.query,
        "organisation": None if v.organisation is None else {
            "id": v.organisation.id, "name": v.organisation.name},
        "mine": user is not None and v.owner_id == user.id,
        "recommendations": _api_query(base, v.query),
    } for v in rows], cursor)



# --- pages: personal tokens, the OpenAPI document and its browsable page -----------------------

pages = FlaskBlueprint("api_pages", __name__)


def _tokens_page(form: TokenForm, status: int = 200, new_token: str | None = None,
                 new_row: Any = None) -> tuple[str, int]:
    from coalition.api.services import tokens_of

    return render_template("api/tokens.html", form=form, tokens=tokens_of(current_user),
                           new_token=new_token, new_row=new_row, now=utcnow(),
                           action_form=ActionForm(formdata=None)), status


@pages.route("/profile/api-tokens", methods=["GET", "POST"])
@guard("profile.edit")
def tokens() -> tuple[str, int]:
    """Your personal API tokens: make one (shown once, on the answer to the form), list them
    (name, scope, made, expires, last used), revoke one."""
    from coalition.api.services import create_token

    form = _offered(TokenForm())
    if form.validate_on_submit():
        once = (form.once.data or "")[:64]
        made = session.get(SENT_FORMS_KEY, [])
        if once and once in made:
            # The answer that showed the token was reloaded (or the button pressed twice): the
            # token exists and its secret cannot be shown again; no second token is made.
            flash(_("This form was already sent: the token %(name)s was made and shown once. "
                    "If you did not copy it, revoke it and make another.",
                    name=form.name.data), "warning")
            return _tokens_page(_fresh_token_form(), 409)
        try:
            row, token = create_token(current_user, form.name.data, form.scope.data,
                                      form.lifetime.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            if once:
                session[SENT_FORMS_KEY] = [*made, once][-SENT_FORMS_KEPT:]
            # The only time the token is shown: this answer is never cached (no-store).
            return _tokens_page(_fresh_token_form(), 201, new_token=token, new_row=row)
    if request.method == "GET":
        form = _fresh_token_form()
    return _tokens_page(form, 400 if request.method == "POST" else 200)


# The token forms this session has sent (their `once` values), newest last, a few kept.
SENT_FORMS_KEY = "api_token_forms_sent"
SENT_FORMS_KEPT = 20


def _offered(form: TokenForm) -> TokenForm:
    """The scopes this user is offered: "Read" only for someone who may not write through the
    API (api.services.may_write: a researcher), who would otherwise get a token that can do
    nothing more."""
    from coalition.api.services import may_write

    if not may_write(current_user):
        form.scope.choices = [c for c in form.scope.choices if c.value == "read"]
        form.scope.description = _("A read token reads what your account may read, through "
                                   "the API.")
    return form


def _fresh_token_form() -> TokenForm:
    form = _offered(TokenForm(formdata=None))
    form.once.data = secrets.token_urlsafe(16)
    return form


@pages.route("/profile/api-tokens/<int:token_id>/revoke", methods=["POST"])
@guard("profile.edit")
def revoke(token_id: int) -> WerkzeugResponse:
    from coalition.api.models import ApiToken
    from coalition.api.services import revoke_token

    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)  # someone else's token is not there, as far as this account can tell
    if not ActionForm().validate_on_submit():
        abort(400)
    if revoke_token(current_user, row):
        flash(_("The token %(name)s is revoked: it no longer works.", name=row.name), "success")
    return redirect(url_for("api_pages.tokens"))


@pages.route("/api/v1/openapi.json")
@public
def openapi() -> FlaskResponse:
    """The OpenAPI 3.1 document, generated from the schemas that validate the requests."""
    from flask import current_app

    spec = current_app.extensions["coalition.api"].spec.to_dict()
    body = dumps(spec)
    response = FlaskResponse(body, mimetype="application/json")
    response.headers["ETag"] = etag_of(body)
    response.headers["Cache-Control"] = "no-cache"
    return response


@pages.route("/api/v1/docs")
@public
def docs() -> str:
    """The browsable documentation (Swagger UI, vendored under static/vendor/swagger-ui)."""
    return render_template("api/docs.html")
