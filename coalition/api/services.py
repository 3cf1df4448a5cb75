"""What the API does: personal tokens, who is calling, cursors and the queries behind each list.

The API has no logic of its own: a list is the tracker's query (coalition.recommendations
.tracker) or a plain SELECT narrowed by the access policy (coalition.access), cut into pages by
a keyset cursor; a write is the web form's service (coalition.recommendations.services).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from coalition.api.models import TOKEN_SCOPES, ApiToken
from coalition.audit import record
from coalition.audit.services import snapshot
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.extensions import db

# "coal_" + 12 characters of lookup prefix + "_" + 43 characters (256 bits) of secret.
TOKEN_MARK = "coal_"  # noqa: S105 - the public mark every token starts with, not a secret
PREFIX_CHARS = 12
# How long a token may live, in days (the form's choices); the default is the second.
TOKEN_LIFETIMES = (7, 30, 90, 365)
# last_used_at is written at most once per this many seconds per token (a write per request
# would make every read a write).
LAST_USED_EVERY = 60

# Page sizes: `limit` defaults to DEFAULT_LIMIT and may be 1..MAX_LIMIT; more is refused (400).
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class ApiError(Exception):
    """A refusal the API answers as {"error": {"code", "message", "field"}} with `status`."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


# --- tokens ---------------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_write(user: Any) -> bool:
    """May `user` write anything through the API (an assessment, a government response)? The
    same rules as the web forms ("assessment.create", "tracker.manage"): a researcher may not,
    so is offered read-only tokens."""
    from coalition.access import can

    return can(user, "assessment.create") or can(user, "tracker.manage")


def create_token(actor: Any, name: str, scope: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """A new token for `actor`: returns (row, the token itself). The token is shown once and
    never stored (only its SHA-256). Raises ServiceError (field) for an empty name, an unknown
    scope or lifetime. A write scope is a ceiling, not a right: each write is still decided by
    the access policy (the forms offer it only to those who may write: `may_write`)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the token a name, to recognise it later."), "name")
    if scope not in TOKEN_SCOPES:
        raise ServiceError(_("Choose read or read and write."), "scope")
    if lifetime_days not in TOKEN_LIFETIMES:
        raise ServiceError(_("Choose how long the token lasts from the list."), "lifetime")
    prefix = secrets.token_urlsafe(9)[:PREFIX_CHARS].replace("_", "x")
    token = f"{TOKEN_MARK}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(user_id=actor.id, name=name[:80], scope=scope, prefix=prefix,
                   secret_hash=_hash(token), expires_at=utcnow() + timedelta(days=lifetime_days))
    db.session.add(row)
    db.session.flush()
    record(actor, "api_token.create", row, snapshot(row, ["name", "scope", "expires_at"]))
    return row, token


def tokens_of(user: Any) -> Sequence[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, marked so)."""
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def revoke_token(actor: Any, token: ApiToken) -> bool:
    """Revoke `token` (at once: its next request gets 401). False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record(actor, "api_token.revoke", token, {"revoked_at": [None, token.revoked_at.isoformat()]})
    return True


@dataclass
class Caller:
    """Who is calling the API: a token's user (and the token), or nobody (anonymous)."""

    token: ApiToken | None

    @property
    def user(self) -> Any:
        return self.token.user if self.token is not None else None


def bearer_token() -> str | None:
    """The token of the request's `Authorization: Bearer ...` header; None without one.
    Raises ApiError 401 for another scheme."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _space, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "invalid_token", _("Send the token as: Authorization: Bearer "
                                               "<token>."), "Authorization")
    return value.strip()


def find_token(raw: str) -> ApiToken | None:
    """The live token `raw` is, or None (unknown, garbage, revoked, expired, inactive user)."""
    if not raw.startswith(TOKEN_MARK) or len(raw) > 200:
        return None
    prefix = raw[len(TOKEN_MARK):len(TOKEN_MARK) + PREFIX_CHARS]
    row = db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(raw)):
        return None
    if not row.is_live() or not row.user.is_active:
        return None
    return row


def current_caller() -> Caller:
    """The request's caller, found once per request (the rate limiter's key asks first).
    Raises ApiError 401 for a token that is not (or no longer) valid."""
    cached = g.get("api_caller")
    if cached is not None:
        return cached
    raw = bearer_token()
    if raw is None:
        caller = Caller(None)
    else:
        token = find_token(raw)
        if token is None:
            raise ApiError(401, "invalid_token", _("The token is unknown, expired or revoked."),
                           "Authorization")
        caller = Caller(token)
        _touch(token)
    g.api_caller = caller
    return caller


def _touch(token: ApiToken) -> None:
    """Note the token's use, recorded after the request (touch_after_request), at most once a
    minute."""
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= \
            LAST_USED_EVERY:
        g.api_touch_token = token.id


def touch_after_request() -> None:
    """teardown_request: record the last use of the request's token, in its own short
    transaction once the request's has ended (so a refused request still counts as a use, a
    read holds no write lock, and SQLite never sees a read transaction turn into a write)."""
    token_id = g.pop("api_touch_token", None)
    if token_id is None:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token_id)
                         .values(last_used_at=utcnow()))
    except SQLAlchemyError:  # a busy database must not turn a served answer into an error
        current_app.logger.warning("Could not record the last use of token %s", token_id,
                                   exc_info=True)


def rate_limit_key() -> str:
    """Flask-Limiter's key for an API request: the token's id, else the client's address."""
    from flask_limiter.util import get_remote_address

    try:
        caller = current_caller()
    except ApiError:
        caller = Caller(None)
    if caller.token is not None:
        return f"api-token:{caller.token.id}"
    return f"api-anon:{get_remote_address()}"


def rate_limit() -> str:
    """The limit for the caller: API_RATELIMIT for a token, API_RATELIMIT_ANONYMOUS else."""
    key = rate_limit_key()
    config = current_app.config
    return config["API_RATELIMIT"] if key.startswith("api-token:") \
        else config["API_RATELIMIT_ANONYMOUS"]


# --- cursors ----------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="coalition.api.cursor")


def encode_cursor(kind: str, values: Sequence[Any]) -> str:
    """An opaque, signed cursor: the sort key of the last row of a page, for the list `kind`
    (a cursor of one list or sort order is refused by another)."""
    return _serializer().dumps([kind, [v.isoformat() if isinstance(v, datetime) else v
                                       for v in values]])


def decode_cursor(cursor: str, kind: str, size: int) -> list[Any]:
    """The sort key a cursor carries. Raises ApiError 400 (field "cursor") for anything that is
    not a cursor this server made for this list."""
    try:
        made_for, values = _serializer().loads(cursor)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        raise ApiError(400, "invalid_cursor", _("The cursor is not one this API gave out: "
                                                "use the value of \"next\" as it is."),
                       "cursor") from None
    if made_for != kind or not isinstance(values, list) or len(values) != size:
        raise ApiError(400, "invalid_cursor", _("This cursor belongs to another list, filter "
                                                "or sort order."), "cursor")
    return values


def _listed(kind: str) -> str:
    """`kind` bound to the request's parameters other than the cursor and the page size: a
    cursor given out for `?review=chn-3` is refused by `?review=chn-3&territory=Macao` (it
    would silently give a wrong or empty page) instead of being read as a position in it."""
    if not has_request_context():
        return kind
    asked = sorted((k, v) for k, v in request.args.items(multi=True)
                   if k not in ("cursor", "limit"))
    return f"{kind}|{hashlib.sha256(json.dumps(asked).encode()).hexdigest()[:16]}"


def after(keys: Sequence[tuple[Any, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    """The keyset condition "after `values`" for the order `keys` ((column, descending) pairs,
    no NULLs): (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..., with < for descending keys."""
    parts = []
    for i, (column, descending) in enumerate(keys):
        equal = [keys[j][0] == values[j] for j in range(i)]
        step = column < values[i] if descending else column > values[i]
        parts.append(and_(*equal, step))
    return or_(*parts)


def page_of(query: Any, kind: str, keys: Sequence[tuple[Any, bool]], key_of: Any,
            cursor: str | None, limit: int, parse: Any = None) -> tuple[list[Any], str | None]:
    """One page of `query` in the order `keys`, after `cursor`: (rows, next cursor or None).
    `key_of(row)` gives a row's sort key values; `parse(values)` turns a cursor's JSON values
    back into column values (dates)."""
    kind = _listed(kind)
    if cursor:
        values = decode_cursor(cursor, kind, len(keys))
        if parse is not None:
            try:
                values = parse(values)
            except (TypeError, ValueError):
                raise ApiError(400, "invalid_cursor", _("The cursor is not one this API gave "
                                                        "out: use the value of \"next\" as it "
                                                        "is."), "cursor") from None
        query = query.where(after(keys, values))
    order = [column.desc() if descending else column for column, descending in keys]
    rows = list(db.session.scalars(query.order_by(None).order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(kind, key_of(rows[-1])) if more and rows else None)


# --- recommendations: the tracker's filters ---------------------------------------------------

def tracker_args(args: dict[str, Any]) -> MultiDict[str, str]:
    """The tracker's URL parameters from validated API arguments, a review slug (`chn-3`)
    turned into its id. Raises ApiError 400 (field "review") for a review that does not
    exist."""
    from coalition.recommendations.tracker import TrackerFilters
    from coalition.reviews.models import Review
    from coalition.reviews.services import review_from_slug

    pairs: list[tuple[str, str]] = []
    if args.get("q"):
        pairs.append(("q", args["q"]))
    for name in TrackerFilters.FACETS:
        for value in args.get(name) or []:
            if name == "review":
                value = str(value)
                review = (db.session.get(Review, int(value)) if value.isdigit()
                          and len(value) < 10 else review_from_slug(value.lower()))
                if review is None:
                    raise ApiError(400, "unknown_value", _("review: no review %(value)s (give "
                                                           "its id or a slug such as chn-3).",
                                                           value=repr(value[:40])), "review")
                value = review.id
            pairs.append((name, str(value)))
    if args.get("sort"):
        pairs.append(("sort", args["sort"]))
    return MultiDict(pairs)


def recommendation_filters(args: dict[str, Any], audience: str) -> Any:
    """TrackerFilters for validated API arguments, parsed as the tracker parses its URL.
    Raises ApiError 400 naming the parameter for a value the tracker would ignore."""
    from coalition.recommendations.tracker import FilterError, TrackerFilters, strict_notices

    try:
        filters = TrackerFilters.from_args(tracker_args(args))
    except FilterError as error:
        raise ApiError(400, "invalid_value", str(error)) from None
    filters.audience = audience
    notices = strict_notices(filters)
    if notices:  # the schema refuses most such values first; unknown State codes come here
        raise ApiError(400, "unknown_value", notices[0],
                       "state" if not filters.notices else None)
    filters.audience = audience
    return filters


def recommendation_keys(filters: Any) -> list[tuple[Any, bool]]:
    """The API's order for a tracker sort: the tracker's, made total and free of NULLs (a
    keyset needs both), ending with the id."""
    from coalition.recommendations.models import Recommendation as Rec

    paragraph = func.coalesce(Rec.paragraph_sort, -1)
    return {
        "paragraph": [(Rec.review_id, False), (paragraph, False), (Rec.id, False)],
        "newest": [(Rec.updated_at, True), (Rec.id, True)],
        "position": [(Rec.position, False), (paragraph, False), (Rec.id, False)],
        "status": [(func.coalesce(filters.status_column, ""), False), (paragraph, False),
                   (Rec.id, False)],
    }[filters.sort]


def recommendation_key_of(filters: Any) -> Any:
    def key(rec: Any) -> list[Any]:
        paragraph = rec.paragraph_sort if rec.paragraph_sort is not None else -1
        return {
            "paragraph": [rec.review_id, paragraph, rec.id],
            "newest": [rec.updated_at, rec.id],
            "position": [rec.position, paragraph, rec.id],
            "status": [(rec.latest_public_status if filters.audience == "public"
                        else rec.latest_status) or "", paragraph, rec.id],
        }[filters.sort]
    return key


def parse_newest(values: list[Any]) -> list[Any]:
    return [datetime.fromisoformat(values[0]), int(values[1])]


def recommendations_page(filters: Any, cursor: str | None, limit: int
                         ) -> tuple[list[Any], str | None]:
    """A page of the tracker's results for `filters` (its query, with SDGs and affected
    persons loaded too)."""
    from sqlalchemy.orm import selectinload

    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.tracker import results_query

    query = results_query(filters).options(selectinload(Recommendation.sdgs),
                                           selectinload(Recommendation.affected_groups))
    return page_of(query, f"recommendations:{filters.sort}", recommendation_keys(filters),
                   recommendation_key_of(filters), cursor, limit,
                   parse=parse_newest if filters.sort == "newest" else None)


def by_id(query: Any, model: Any, kind: str, cursor: str | None, limit: int
          ) -> tuple[list[Any], str | None]:
    """A page of `query` in id order."""
    return page_of(query, kind, [(model.id, False)], lambda row: [row.id], cursor, limit,
                   parse=lambda values: [int(values[0])])


def visible_saved_views(user: Any) -> Any:
    """Saved tracker views `user` may read: the tracker's own rule
    (coalition.recommendations.saved_views.visible_query)."""
    from coalition.recommendations.saved_views import visible_query

    return visible_query(user)


# --- ETags ------------------------------------------------------------------------------------

def etag_of(body: bytes) -> str:
    """A strong ETag of a response body: the first 32 hex digits of its SHA-256, quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Does an If-None-Match header name `etag` (or "*")? Weak forms (W/"...") match too."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def dumps(data: Any) -> bytes:
    """The JSON of an answer, compact, keys in order, non-ASCII as is (UTF-8)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
