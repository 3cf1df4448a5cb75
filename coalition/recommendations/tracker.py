"""The tracker: full-text search plus facets over recommendations, with counts per value.

Filters live in the URL (`?q=hong+kong&position=noted&theme=12`), so a view is shareable and
bookmarkable. Values within one facet are alternatives (OR); facets combine with AND. Each facet's
counts apply every other facet's filter, so a count says what ticking that value would show.
The number of SQL statements is fixed, whatever the number of rows.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from coalition.core.inputs import int_arg, to_db_int
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations.models import (
    ENTRY_KINDS,
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    TERRITORIES,
    Assessment,
    Recommendation,
    RecommendationTerritory,
    recommendation_affected,
    recommendation_sdg,
    recommendation_theme,
    recommending_state,
    territory_label,
)
from coalition.reviews.models import REGIONAL_GROUP_LABELS, AffectedGroup, Review, Sdg, State, Theme
from coalition.search.freshness import (
    TrackerDataVersion,
    TrackerFacetCache,
    kept_payload,
    store,
)
from coalition.search.services import (
    MATCH_PARAM,
    match_value,
    recommendation_match,
    recommendation_match_param,
)

SORTS = {
    "paragraph": _l("Paragraph"),
    "newest": _l("Recently changed"),
    "position": _l("Position"),
    "status": _l("Implementation status"),
}
PER_PAGE = 50
# The "repeated" facet: is the recommendation linked to the same one in an earlier cycle
# (coalition.recommendations.repeats)?
REPEATED = {"yes": _l("Yes"), "no": _l("No")}
# The "status" facet's value for a recommendation no organisation has assessed.
NOT_ASSESSED = _l("Not assessed")
# --- positions (issue 11): the coalition position facet ("coalition": the current coalition
# position's status) and the "overall" facet (the coalition position, else the latest
# assessment: what the dashboards count). Members only: for the public audience they are
# neither counted nor applied.
NO_POSITION = _l("No coalition position")
MEMBER_STATUS_FACETS = ("coalition", "overall")
# The "lead" facet (issue 11): the lead organisation of the recommendation's follow-up plan
# (an organisation id), "none" (no plan, or a plan without a lead) or "any" (has a lead).
NO_LEAD = _l("No lead organisation")
ANY_LEAD = _l("Any lead organisation")
LEAD_WORDS = ("none", "any")
MEMBER_FACETS = (*MEMBER_STATUS_FACETS, "lead")


def coalition_status() -> Any:
    """The recommendation's current coalition position status (NULL without one): a
    correlated probe of coalition_position_current's primary key."""
    from coalition.followup.position_models import CoalitionPositionCurrent as Current

    return (select(Current.status).where(Current.recommendation_id == Recommendation.id)
            .correlate(Recommendation).scalar_subquery())


def lead_organisation() -> Any:
    """The lead organisation id of the recommendation's follow-up plan (NULL without a plan or
    without a lead): a correlated probe of followup_plan's unique recommendation_id."""
    from coalition.followup.models import FollowUpPlan

    return (select(FollowUpPlan.lead_organisation_id)
            .where(FollowUpPlan.recommendation_id == Recommendation.id)
            .correlate(Recommendation).scalar_subquery())
# --- end positions


class FilterError(ValueError):
    """A filter value that cannot be read; the message names the parameter."""


@dataclass
class TrackerFilters:
    q: str = ""
    review: list[int] = field(default_factory=list)
    cycle: list[int] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    theme: list[int] = field(default_factory=list)
    sdg: list[int] = field(default_factory=list)
    affected: list[int] = field(default_factory=list)
    position: list[str] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    territory: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    assessed_by: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    coalition: list[str] = field(default_factory=list)  # positions (issue 11)
    overall: list[str] = field(default_factory=list)  # positions (issue 11)
    lead: list[str] = field(default_factory=list)  # organisation ids, "none", "any"
    sort: str = "paragraph"

    FACETS = ("review", "cycle", "state", "group", "theme", "sdg", "affected", "position",
              "category", "territory", "status", "assessed_by", "kind", "repeated",
              *MEMBER_FACETS)

    # Messages about parameter values the tracker did not know and ignored (an old bookmark's
    # `?sort=recent`, a facet value since renamed): shown on the page, never part of the URL.
    notices: list[str] = field(default_factory=list, compare=False)
    # Whose view this is (coalition.access.tracker_audience): "coalition" members see the
    # latest assessment visible to the coalition, everyone else the latest public one (issue
    # 10). Set by the caller from the viewer, never from the URL.
    audience: str = field(default="coalition", compare=False)

    @property
    def status_column(self) -> Any:
        """The recommendation's denormalised latest status this audience may see."""
        return (Recommendation.latest_public_status if self.audience == "public"
                else Recommendation.latest_status)

    def assessment_visible(self) -> ColumnElement[bool]:
        """The assessments this audience may count (the "Assessed by" facet)."""
        return (Assessment.visibility == "public" if self.audience == "public"
                else Assessment.visibility.in_(("coalition", "public")))

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> TrackerFilters:
        """Filters from the tracker's URL parameters.

        A value the tracker does not know (an unknown sort, position, status, a State code that
        is not three letters, an id that is not a number) is ignored with a notice in
        `notices`, so old bookmarks keep working (issue 9, 3.16). Raises FilterError, naming
        the parameter, only for a number no database id can be (beyond 2147483647): input
        no link of the site makes.
        """
        notices: list[str] = []

        def unknown(name: str, value: str) -> None:
            notices.append(_("%(filter)s: unknown value %(value)s ignored.",
                             filter=FACET_LABELS[name], value=repr(value[:40])))

        def ints(name: str) -> list[int]:
            return ints_of(name, args.getlist(name))

        def ints_of(name: str, raws: list[str]) -> list[int]:
            values = []
            for raw in raws:
                if raw == "":
                    continue
                value = to_db_int(raw)
                if value is None:
                    if raw.strip().lstrip("+-").isdigit():
                        raise FilterError(_("%(name)s: %(value)s is not a number the tracker "
                                            "knows (an id up to 2147483647).",
                                            name=name, value=repr(raw[:40])))
                    unknown(name, raw)
                    continue
                values.append(value)
            return values

        def choices(name: str, allowed: Any) -> list[str]:
            values = []
            for value in args.getlist(name):
                if value in allowed:
                    values.append(value)
                elif value != "":
                    unknown(name, value)
            return values

        def leads() -> list[str]:
            values: list[str] = []
            for raw in args.getlist("lead"):
                value = raw.strip().lower()
                if value in LEAD_WORDS:
                    values.append(value)
                elif value:
                    values += [str(v) for v in ints_of("lead", [raw])]
            return list(dict.fromkeys(values))

        def state_codes() -> list[str]:
            values = []
            for raw in args.getlist("state")[:200]:
                value = raw.strip().upper()
                if len(value) == 3 and value.isascii() and value.isalpha():
                    values.append(value)
                elif value:
                    unknown("state", raw)
            return values

        sort = args.get("sort", "paragraph") or "paragraph"
        if sort not in SORTS:
            notices.append(_("Unknown sort %(value)s ignored.", value=repr(sort[:40])))
            sort = "paragraph"
        filters = cls(
            q=(args.get("q") or "").strip()[:200],
            review=ints("review"), cycle=ints("cycle"),
            state=state_codes(),
            group=choices("group", REGIONAL_GROUP_LABELS),
            theme=ints("theme"), sdg=ints("sdg"), affected=ints("affected"),
            position=choices("position", POSITIONS), category=ints("category"),
            territory=choices("territory", TERRITORIES),
            status=choices("status", {**IMPLEMENTATION_STATUSES, "none": NOT_ASSESSED}),
            assessed_by=ints("assessed_by"), kind=choices("kind", ENTRY_KINDS),
            repeated=choices("repeated", REPEATED), sort=sort,
            coalition=choices("coalition", {**IMPLEMENTATION_STATUSES, "none": NO_POSITION}),
            overall=choices("overall", {**IMPLEMENTATION_STATUSES, "none": NOT_ASSESSED}),
            lead=leads(),
        )
        filters.notices = notices
        return filters

    def active(self) -> bool:
        return bool(self.q or _active(self))

    def args(self, **change: Any) -> dict[str, Any]:
        """URL parameters of these filters, with some changed (for links and pagination)."""
        data: dict[str, Any] = {"q": self.q} if self.q else {}
        for name in self.FACETS:
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.sort != "paragraph":
            data["sort"] = self.sort
        data.update(change)
        return {k: v for k, v in data.items() if v not in (None, "", [])}


def members_only_notices(filters: TrackerFilters) -> list[str]:
    """For a reader outside the coalition (audience "public"), a notice for each members-only
    filter the URL gives: it is ignored, and the page says so rather than showing every row
    without a word (a researcher following a member's link)."""
    if filters.audience != "public":
        return []
    return [_("%(filter)s: a filter for coalition members, ignored.",
              filter=FACET_LABELS[name]) for name in MEMBER_FACETS if getattr(filters, name)]


def strict_notices(filters: TrackerFilters) -> list[str]:
    """What a strict reader of the tracker's parameters (exports, the API) refuses: the
    notices of values the tracker ignored, and State codes no State has (the tracker page
    shows such a filter's empty result; an export or API answer must not pass an unknown
    value off as an empty result). One query, only when `state` is given.

    Likewise lead organisation ids no organisation has, for members only (the "lead" facet is
    not theirs to use: for the public audience it is ignored, so never checked); set
    `filters.audience` first. One query, only when such ids are given."""
    notices = list(filters.notices)
    if filters.state:
        known = set(db.session.scalars(select(State.code).where(State.code.in_(filters.state))))
        notices += [_("state: no State has the code %(value)s; the tracker does not know it.",
                      value=repr(code))
                    for code in filters.state if code not in known]
    lead_ids = [int(v) for v in filters.lead if v not in LEAD_WORDS]
    if lead_ids and filters.audience != "public":
        known_ids = set(db.session.scalars(select(Organisation.id).where(
            Organisation.id.in_(lead_ids))))
        notices += [_("lead: no organisation has the id %(value)s; the tracker does not know "
                      "it.", value=value) for value in lead_ids if value not in known_ids]
    return notices


def _linked(table: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The recommendation has a row in a link table meeting `condition`: a correlated EXISTS
    probing the link table's primary key (recommendation_id, ...), so its cost follows the
    rows being filtered (a search's few thousand) rather than the size of the link table."""
    return exists().where(table.c.recommendation_id == Recommendation.id, condition)


def _facet_condition(f: TrackerFilters, name: str, param: bool = False) -> ColumnElement[bool]:
    """The condition one active facet puts on a recommendation row. With `param`, the values
    are an expanding bind parameter `v_<name>` (see `_params`), so the statement depends only
    on the shape of the filters (see `_Shape`)."""
    rec = Recommendation

    def values(type_: Any = None) -> Any:
        if not param:
            return getattr(f, name)
        return bindparam(f"v_{name}", expanding=True, type_=type_)

    if name == "review":
        return rec.review_id.in_(values(Integer()))
    if name == "cycle":
        return rec.review_id.in_(select(Review.id).where(Review.cycle.in_(values(Integer()))))
    if name in ("state", "group"):
        states = select(State.id).where(
            State.code.in_(values(String())) if name == "state"
            else State.regional_group.in_(values(String())))
        if db.engine.dialect.name == "postgresql":
            # "= ANY(array)": the States are looked up once (an InitPlan), then each row probes
            # its own one or two links; an IN (subquery) here was planned per row (0.1 ms
            # each, 0.5 s for a search of 4,683 rows).
            ids = select(func.array_agg(State.id)).where(states.whereclause).scalar_subquery()
            return _linked(recommending_state, recommending_state.c.state_id == any_(
                cast(ids, ARRAY(Integer()))))
        # "+ 0": SQLite would otherwise probe (recommendation, state) once per State of the
        # group (54 Africans) instead of reading the recommendation's one or two States.
        return _linked(recommending_state, (recommending_state.c.state_id + 0).in_(states))
    if name == "theme":
        return _linked(recommendation_theme,
                       recommendation_theme.c.theme_id.in_(values(Integer())))
    if name == "sdg":
        return _linked(recommendation_sdg, recommendation_sdg.c.sdg_number.in_(values(Integer())))
    if name == "affected":
        return _linked(recommendation_affected,
                       recommendation_affected.c.affected_group_id.in_(values(Integer())))
    if name == "position":
        return rec.position.in_(values(String()))
    if name == "category":
        return rec.action_category.in_(values(Integer()))
    if name == "territory":
        return _linked(RecommendationTerritory.__table__,
                       RecommendationTerritory.territory.in_(values(String())))
    if name == "lead":
        lead = lead_organisation()
        ids = [v for v in f.lead if v not in LEAD_WORDS]
        parts = []
        if ids:
            parts.append(lead.in_(values(Integer()) if param else [int(v) for v in ids]))
        if "none" in f.lead:
            parts.append(lead.is_(None))
        if "any" in f.lead:
            parts.append(lead.is_not(None))
        return or_(*parts)
    if name in ("status", *MEMBER_STATUS_FACETS):
        column = {"status": f.status_column, "coalition": coalition_status(),
                  "overall": func.coalesce(coalition_status(), f.status_column)}[name]
        chosen = getattr(f, name)
        statuses = [s for s in chosen if s != "none"]
        if param:
            parts = ([column.in_(bindparam(f"v_{name}", expanding=True, type_=String()))]
                     if statuses else [])
        else:
            parts = [column.in_(statuses)] if statuses else []
        if "none" in chosen:
            parts.append(column.is_(None))
        return parts[0] if len(parts) == 1 else parts[0] | parts[1]
    if name == "assessed_by":
        return exists().where(Assessment.recommendation_id == rec.id,
                              Assessment.organisation_id.in_(values(Integer())),
                              f.assessment_visible())
    if name == "kind":
        return rec.kind.in_(values(String()))
    if name == "repeated":
        if set(f.repeated) == {"yes", "no"}:
            return literal(True)
        return (rec.repeated_from_id.is_not(None) if "yes" in f.repeated
                else rec.repeated_from_id.is_(None))
    raise ValueError(name)


def _active(f: TrackerFilters) -> list[str]:
    # positions (issue 11): the member facets are never applied for the public audience.
    return [name for name in f.FACETS if getattr(f, name)
            and not (f.audience == "public" and name in MEMBER_FACETS)]


def _conditions(f: TrackerFilters, skip: str | None = None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    match = recommendation_match(f.q)
    if match is not None:
        conds.append(match)
    conds += [_facet_condition(f, name) for name in _active(f) if name != skip]
    return conds


def filtered_ids(f: TrackerFilters, skip: str | None = None) -> Select[Any]:
    """The ids of the recommendations these filters show (literal values: for exports)."""
    return select(Recommendation.id).where(and_(True, *_conditions(f, skip)))


def _order(sort: str, columns: Any) -> tuple[Any, ...]:
    """The ORDER BY of a sort, over `columns` (the recommendation table's, or the tracker's
    row set's, which has the same column names)."""
    status = columns.latest_status
    return {
        "paragraph": (columns.review_id, columns.paragraph_sort, columns.id),
        "newest": (columns.updated_at.desc(), columns.id.desc()),
        "position": (columns.position, columns.paragraph_sort, columns.id),
        "status": (status, columns.paragraph_sort, columns.id),
    }[sort]


def _page_options(audience: str, themes: bool = True) -> tuple[Any, ...]:
    """What a result shows, loaded with the page: the many-to-ones (review, its State, the
    latest assessment this audience may read and its organisation) joined into the page's
    query, the collections in one query each. `themes=False`: without the themes (the tracker
    page does not show them; exports and the API do)."""
    return (
        joinedload(Recommendation.review, innerjoin=True).joinedload(Review.state,
                                                                     innerjoin=True),
        selectinload(Recommendation.recommending_states),
        *((selectinload(Recommendation.themes),) if themes else ()),
        selectinload(Recommendation.territory_rows),
        joinedload(Recommendation.latest_public_assessment if audience == "public"
                   else Recommendation.latest_assessment).joinedload(Assessment.organisation),
    )


def results_query(f: TrackerFilters) -> Select[Any]:
    """All the recommendations these filters show, in the page's order, with what a result
    shows loaded (literal values: for exports and other lists)."""
    return (select(Recommendation).where(and_(True, *_conditions(f)))
            .options(*_page_options(f.audience))
            .order_by(*_order(f.sort, _RecColumns(f))))


class _RecColumns:
    """The recommendation's columns under the names `_order` uses."""

    def __init__(self, f: TrackerFilters) -> None:
        rec = Recommendation
        self.review_id, self.paragraph_sort, self.id = rec.review_id, rec.paragraph_sort, rec.id
        self.updated_at, self.position = rec.updated_at, rec.position
        self.latest_status = f.status_column


@dataclass
class FacetValue:
    """One value of a facet. `label` is worked out (and translated) when read: the page shows
    the first 40 values of a facet, and the review facet alone may have hundreds."""

    value: Any
    count: int
    selected: bool
    facet: str = ""
    parts: tuple[Any, ...] = ()

    @property
    def label(self) -> str:
        return _facet_label(self.facet, *self.parts)


@dataclass
class ResultsPage:
    """One page of results: what the template reads of Flask-SQLAlchemy's Pagination."""

    items: list[Any]  # TrackerResult
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_number() -> int:
    """?page= of the request: 1 if missing or mistyped; a number past the database's integer
    range aborts with a 400 naming `page` (as coalition.core.pagination)."""
    raw = request.args.get("page", "").strip()
    if raw.lstrip("+-").isdigit() and to_db_int(raw) is None:
        int_arg("page", 1, minimum=1)  # aborts with the message
    return max(to_db_int(raw) or 1, 1)


@dataclass(frozen=True)
class _Shape:
    """What a tracker statement's SQL depends on (values go as bind parameters)."""

    dialect: str
    search: bool
    active: tuple[str, ...]
    statuses: bool  # the status facet has statuses besides "none"
    no_status: bool  # ... and "none"
    repeated: frozenset[str]
    sort: str
    audience: str
    # positions (issue 11): the same two flags for the "coalition" and "overall" facets.
    member_statuses: tuple[tuple[bool, bool], ...] = ()
    # The "lead" facet: has organisation ids, "none", "any".
    leads: tuple[bool, bool, bool] = (False, False, False)

    @classmethod
    def of(cls, f: TrackerFilters) -> _Shape:
        return cls(db.engine.dialect.name, match_value(f.q) is not None, tuple(_active(f)),
                   any(s != "none" for s in f.status), "none" in f.status,
                   frozenset(f.repeated), f.sort, f.audience,
                   tuple((any(s != "none" for s in getattr(f, n)), "none" in getattr(f, n))
                         for n in MEMBER_STATUS_FACETS),
                   (any(v not in LEAD_WORDS for v in f.lead), "none" in f.lead,
                    "any" in f.lead))

    def filters(self) -> TrackerFilters:
        """Filters of this shape (the values are bind parameters; these are placeholders)."""
        def placeholder(statuses: bool, none: bool) -> list[str]:
            return (["fully"] if statuses else []) + (["none"] if none else [])

        members = dict(zip(MEMBER_STATUS_FACETS, self.member_statuses, strict=True)) \
            if self.member_statuses else {}
        lead = [value for value, flag in zip(("0", "none", "any"), self.leads, strict=True)
                if flag]
        return TrackerFilters(status=placeholder(self.statuses, self.no_status),
                              repeated=sorted(self.repeated), sort=self.sort,
                              audience=self.audience, lead=lead,
                              **{n: placeholder(*flags) for n, flags in members.items()})


def _params(f: TrackerFilters) -> dict[str, Any]:
    params: dict[str, Any] = {}
    match = match_value(f.q)
    if match is not None:
        params[MATCH_PARAM] = match
    for name in _active(f):
        if name in ("status", *MEMBER_STATUS_FACETS):
            statuses = [s for s in getattr(f, name) if s != "none"]
            if statuses:
                params[f"v_{name}"] = statuses
        elif name == "lead":
            ids = [int(v) for v in f.lead if v not in LEAD_WORDS]
            if ids:
                params["v_lead"] = ids
        elif name != "repeated":
            params[f"v_{name}"] = list(getattr(f, name))
    return params


# Statements built once per shape (SQLAlchemy then compiles each once): building the facet
# statement and its cache key cost more than running it. Bounded: oldest shapes go first.
# Shared by a server's threads (the statements are immutable; the lock guards the dictionary).
_STATEMENTS: dict[Any, Any] = {}
_STATEMENTS_MAX = 512
_STATEMENTS_LOCK = threading.Lock()


def _memo(key: Any, build: Any) -> Any:
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = build()
        with _STATEMENTS_LOCK:
            while len(_STATEMENTS) >= _STATEMENTS_MAX:
                del _STATEMENTS[next(iter(_STATEMENTS))]
            statement = _STATEMENTS.setdefault(key, statement)
    return statement


# Rows of the facet statement that are not facet values.
_PAGE_ROW, _TOTAL_ROW, _VERSION_ROW = -1, -2, -3


def _labelled(*columns: Any) -> list[Any]:
    names = ("facet", "value", "a", "b", "c", "n", "by_count", "by_text", "by_number")
    return [column.label(name) for column, name in zip(columns, names, strict=True)]


def _facet_statement(shape: _Shape, with_page: bool, with_version: bool) -> Select[Any]:
    """For every facet, its values with counts under the other facets' filters; with
    `with_page` also the ids of one page of results (bind parameters `page_limit`,
    `page_offset`); always the total of results; with `with_version` the data version, read
    in the same statement (so in the same snapshot) as the counts.

    One statement, whatever the number of facets: the recommendations matching the search are
    read once, with one 0/1 column per active facet saying whether the row passes it. A
    facet's counts take the rows passing every other active facet; the rows failing two or
    more facets count nowhere and are dropped first. Each filter is thus evaluated once per
    matching row instead of once per facet. Without search nor facet, the counts are plain
    group-bys of each table (nothing to filter).
    """
    rec = Recommendation
    active = shape.active
    filters = shape.filters()
    status = filters.status_column
    repeated_key = case((rec.repeated_from_id.is_not(None), "yes"), else_="no")
    flags = {name: case((_facet_condition(filters, name, param=True), 1),
                        else_=0).label(f"f_{name}") for name in active}
    members = shape.audience != "public"  # positions (issue 11): the member facets
    coalition = coalition_status() if members else null().cast(String())
    lead = lead_organisation() if members else null().cast(Integer())
    base = select(rec.id, rec.review_id, rec.position, rec.action_category,
                  status.label("latest_status"), rec.kind, repeated_key.label("repeated"),
                  rec.paragraph_sort, rec.updated_at, coalition.label("coalition_status"),
                  lead.label("lead_id"), *flags.values())
    unfiltered = not shape.search and not active
    if shape.search:
        base = base.where(recommendation_match_param())
    if len(active) > 1:
        if db.engine.dialect.name == "postgresql":
            # Each flag once per row: PostgreSQL otherwise evaluates the flags again in the
            # WHERE (building each hashed subplan twice); OFFSET 0 keeps the subquery from
            # being merged back into its parent.
            flagged = base.offset(0).subquery("flagged")
            base = select(*flagged.c).where(
                sum(flagged.c[f"f_{n}"] for n in active) >= len(active) - 1)
        else:  # SQLite evaluates them once a row either way; a subquery only costs a copy
            failing_at_most_one = sum(base.selected_columns[f"f_{n}"] for n in active)
            base = base.where(failing_at_most_one >= len(active) - 1)
    rows: Any = base.subquery("tracker_rows") if unfiltered else base.cte("tracker_rows")

    def passing(name: str | None) -> list[ColumnElement[bool]]:
        return [rows.c[f"f_{other}"] == 1 for other in active if other != name]

    def via(part: Any, column: Any, onclause_table: Any) -> Any:
        if unfiltered:  # every link row counts: no need to go through the recommendations
            return part.select_from(onclause_table)
        # "+ 0": join from the (few) matching rows to the link table's primary key, never the
        # other way round (SQLite would scan the whole link table).
        return part.select_from(rows).join(onclause_table, column == rows.c.id + 0)

    text, number = String(), Integer()
    none_text, none_number = null().cast(text), null().cast(number)
    status_key = func.coalesce(rows.c.latest_status, "none")
    link, tlink, slink = recommending_state, recommendation_theme, recommendation_sdg
    alink, territory = recommendation_affected, RecommendationTerritory
    # Every part: facet, value, label parts a/b/c, count, then the facet's sort keys.
    parts = [
        select(*_labelled(literal(0), cast(Review.id, text), State.name, cast(Review.cycle, text),
               none_text, func.count(rows.c.id), literal(0), State.name, Review.cycle))
        .select_from(rows)
        .join(Review, Review.id == rows.c.review_id).join(State, State.id == Review.state_id)
        .where(*passing("review")).group_by(Review.id, State.name, Review.cycle),
        select(*_labelled(literal(1), cast(Review.cycle, text), none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), none_text, Review.cycle))
        .select_from(rows).join(Review, Review.id == rows.c.review_id)
        .where(*passing("cycle")).group_by(Review.cycle),
        via(select(*_labelled(literal(2), State.code, State.name, none_text, none_text,
                   func.count(link.c.recommendation_id), -func.count(link.c.recommendation_id),
                   State.name, none_number)), link.c.recommendation_id, link)
        .join(State, State.id == link.c.state_id)
        .where(*passing("state")).group_by(State.code, State.name),
        via(select(*_labelled(literal(3), State.regional_group, none_text, none_text, none_text,
                   func.count(func.distinct(link.c.recommendation_id)), literal(0),
                   State.regional_group, none_number)), link.c.recommendation_id, link)
        .join(State, State.id == link.c.state_id)
        .where(State.regional_group.is_not(None), *passing("group"))
        .group_by(State.regional_group),
        via(select(*_labelled(literal(4), cast(Theme.id, text), Theme.code, Theme.name,
                   Theme.kind, func.count(tlink.c.recommendation_id),
                   -func.count(tlink.c.recommendation_id), Theme.code, none_number)),
            tlink.c.recommendation_id, tlink)
        .join(Theme, Theme.id == tlink.c.theme_id)
        .where(*passing("theme")).group_by(Theme.id, Theme.kind, Theme.code, Theme.name),
        via(select(*_labelled(literal(5), cast(Sdg.number, text), Sdg.name, none_text,
                   none_text, func.count(slink.c.recommendation_id), literal(0), none_text,
                   Sdg.number)), slink.c.recommendation_id, slink)
        .join(Sdg, Sdg.number == slink.c.sdg_number)
        .where(*passing("sdg")).group_by(Sdg.number, Sdg.name),
        via(select(*_labelled(literal(6), cast(AffectedGroup.id, text), AffectedGroup.name,
                   none_text, none_text, func.count(alink.c.recommendation_id), literal(0),
                   AffectedGroup.name, none_number)), alink.c.recommendation_id, alink)
        .join(AffectedGroup, AffectedGroup.id == alink.c.affected_group_id)
        .where(*passing("affected")).group_by(AffectedGroup.id, AffectedGroup.name),
        select(*_labelled(literal(7), rows.c.position, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), rows.c.position, none_number))
        .where(*passing("position")).group_by(rows.c.position),
        select(*_labelled(literal(8), cast(rows.c.action_category, text), none_text, none_text,
               none_text, func.count(rows.c.id), literal(0), none_text, rows.c.action_category))
        .where(rows.c.action_category.is_not(None), *passing("category"))
        .group_by(rows.c.action_category),
        via(select(*_labelled(literal(9), territory.territory, none_text, none_text, none_text,
                   func.count(territory.recommendation_id), literal(0), territory.territory,
                   none_number)), territory.recommendation_id, territory.__table__)
        .where(*passing("territory")).group_by(territory.territory),
        select(*_labelled(literal(10), status_key, none_text, none_text, none_text,
                          func.count(rows.c.id), literal(0), status_key, none_number))
        .where(*passing("status")).group_by(status_key),
        via(select(*_labelled(literal(11), cast(Organisation.id, text), Organisation.name,
                   none_text, none_text, func.count(func.distinct(Assessment.recommendation_id)),
                   literal(0), Organisation.name, none_number)),
            Assessment.recommendation_id, Assessment.__table__)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        # coalesce(): SQLite would otherwise read every public assessment through the index
        # on visibility instead of the matching rows' few assessments.
        .where(func.coalesce(Assessment.visibility, "").in_(
            ("public",) if shape.audience == "public" else ("coalition", "public")),
            *passing("assessed_by"))
        .group_by(Organisation.id, Organisation.name),
        select(*_labelled(literal(12), rows.c.kind, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), rows.c.kind, none_number))
        .where(*passing("kind")).group_by(rows.c.kind),
        select(*_labelled(literal(13), rows.c.repeated, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), rows.c.repeated, none_number))
        .where(*passing("repeated")).group_by(rows.c.repeated),
        select(*_labelled(literal(_TOTAL_ROW), none_text, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), none_text, none_number))
        .where(*passing(None)),
    ]
    # --- positions (issue 11): the coalition position and the overall status, members only.
    if members:
        for name, key in (("coalition", func.coalesce(rows.c.coalition_status, "none")),
                          ("overall", func.coalesce(rows.c.coalition_status,
                                                    rows.c.latest_status, "none"))):
            parts.append(select(*_labelled(
                literal(TrackerFilters.FACETS.index(name)), key, none_text, none_text,
                none_text, func.count(rows.c.id), literal(0), key, none_number))
                .where(*passing(name)).group_by(key))
        # The "lead" facet: each lead organisation (labelled by its name), then "any" and
        # "none" (first in the list: by_count -1).
        lead_index = literal(TrackerFilters.FACETS.index("lead"))
        parts.append(select(*_labelled(
            lead_index, cast(Organisation.id, text), Organisation.name, none_text, none_text,
            func.count(rows.c.id), literal(0), Organisation.name, none_number))
            .select_from(rows).join(Organisation, Organisation.id == rows.c.lead_id)
            .where(*passing("lead")).group_by(Organisation.id, Organisation.name))
        led = case((rows.c.lead_id.is_(None), "none"), else_="any")
        parts.append(select(*_labelled(
            lead_index, led, none_text, none_text, none_text, func.count(rows.c.id),
            literal(-1), led, none_number))
            .where(*passing("lead")).group_by(led))
    # --- end positions
    if with_page:
        page = (select(rows.c.id).where(*passing(None))
                .order_by(*_order(shape.sort, rows.c))
                .limit(bindparam("page_limit", type_=Integer()))
                .offset(bindparam("page_offset", type_=Integer())).subquery("page_rows"))
        parts.append(select(*_labelled(literal(_PAGE_ROW), cast(page.c.id, text), none_text,
                                       none_text, none_text, literal(0), literal(0), none_text,
                                       none_number)))
    if with_version:
        version = select(TrackerDataVersion.version).where(
            TrackerDataVersion.id == 1).scalar_subquery()
        parts.append(select(*_labelled(
            literal(_VERSION_ROW), cast(func.coalesce(version, 0), text), none_text, none_text,
            none_text, literal(0), literal(0), none_text, none_number)))
    counted = union_all(*parts).subquery("facets")
    return select(counted.c.facet, counted.c.value, counted.c.a, counted.c.b, counted.c.c,
                  counted.c.n).order_by(counted.c.facet, counted.c.by_count,
                                        counted.c.by_text, counted.c.by_number)


def _facet_label(name: str, raw: Any, first: Any, second: Any, third: Any) -> str:
    """A facet value's label in the viewer's language, from the facet row's value and label
    parts (see `_facet_statement`)."""
    if name == "review":
        label = _("%(state)s — cycle %(cycle)s", state=first, cycle=second)
    elif name == "cycle":
        label = _("Cycle %(cycle)s", cycle=raw)
    elif name == "group":
        label = REGIONAL_GROUP_LABELS.get(raw, raw)
    elif name == "theme":
        label = f"{first} {second}" if third == "ohchr" and second != first else second
    elif name == "position":
        label = POSITIONS.get(raw, raw)
    elif name == "category":
        label = _("Category %(category)s", category=raw)
    elif name in ("status", "overall"):
        label = {**IMPLEMENTATION_STATUSES, "none": NOT_ASSESSED}.get(raw, raw)
    elif name == "coalition":  # positions (issue 11)
        label = {**IMPLEMENTATION_STATUSES, "none": NO_POSITION}.get(raw, raw)
    elif name == "lead":
        label = {"none": NO_LEAD, "any": ANY_LEAD}.get(raw, first)
    elif name == "territory":
        label = territory_label(raw)
    elif name == "kind":
        label = ENTRY_KINDS.get(raw, raw)
    elif name == "repeated":
        label = REPEATED.get(raw, raw)
    else:
        label = first
    return str(label)


def _facet_values(f: TrackerFilters, rows: list[Any]) -> dict[str, list[FacetValue]]:
    """The facets' values with their labels (in the viewer's language), from the facet rows
    (facet index, value, label parts a/b/c, count), in order."""
    integer_facets = {"review", "cycle", "theme", "sdg", "affected", "category", "assessed_by"}
    facets: dict[str, list[FacetValue]] = {name: [] for name in f.FACETS}
    chosen = {name: {str(v) for v in getattr(f, name)} for name in f.FACETS}
    for index, raw, first, second, third, n in rows:
        if index < 0:
            continue
        name = f.FACETS[index]
        val: Any = int(raw) if name in integer_facets else raw
        facets[name].append(FacetValue(val, n, str(val) in chosen[name], name,
                                       (raw, first, second, third)))
    return facets


# Facet-only views (facets, no search) whose counts are kept like the unfiltered tracker's
# (scope "view:" + a digest): counting them live reads every recommendation a facet lets
# through (0.1 to 0.3 s at 100,000). At most KEPT_VIEWS_MAX are kept; past it, the kept views
# of older data versions are dropped to make room, and if none is older the view is counted
# live each time (a visitor enumerating filters cannot grow the table without bound).
VIEW_SCOPE_PREFIX = "view:"
KEPT_VIEWS_MAX = 1000


def _view_scope(f: TrackerFilters) -> str:
    """tracker_facet_cache's key of a facet-only view: "view:" + 32 hex digits of the SHA-256
    of the database kind, the audience and the facets applied (37 characters; the column holds
    40). Values are sorted: `?position=noted&position=supported` is the same view either way."""
    applied = [f"{name}={','.join(sorted(str(v) for v in getattr(f, name)))}"
               for name in _active(f)]
    key = "|".join([db.engine.dialect.name, f.audience, *applied])
    return VIEW_SCOPE_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def _keep_view(scope: str, version: int, payload: str) -> None:
    """Keep a facet-only view's counts, within KEPT_VIEWS_MAX (see VIEW_SCOPE_PREFIX)."""
    cache = TrackerFacetCache
    kept = db.session.scalar(_memo("kept-views", lambda: select(func.count()).select_from(
        cache).where(cache.scope.startswith(VIEW_SCOPE_PREFIX))))
    if kept >= KEPT_VIEWS_MAX:
        try:
            # In a savepoint: two requests making room at once may trip over each other's
            # locks; the page is served either way, the counts are then simply not kept.
            with db.session.begin_nested():
                made = db.session.execute(delete(cache).where(
                    cache.scope.startswith(VIEW_SCOPE_PREFIX), cache.version < version))
        except DBAPIError:
            return
        if not made.rowcount:
            return
    store(scope, version, payload)


def _kept_rows(f: TrackerFilters) -> list[Any]:
    """The facet rows (with the total) of a view without search: from tracker_facet_cache when
    they were computed at the current data version, else computed and kept (see
    coalition.search.freshness: the database bumps the version on every write to what a facet
    counts, so kept counts never disagree with the results). Scope: the audience for the
    unfiltered tracker, `_view_scope` for a facet-only view."""
    dialect = db.engine.dialect.name
    unfiltered = not _active(f)
    scope = f.audience if unfiltered else _view_scope(f)
    payload = kept_payload(scope)
    if payload is not None:
        return json.loads(payload)  # type: ignore[no-any-return]
    # The counts do not depend on the sort: one statement for every sort.
    shape = replace(_Shape.of(f), sort="paragraph")
    statement = _memo(("facets", shape, False, True),
                      lambda: _facet_statement(shape, with_page=False, with_version=True))
    if dialect == "postgresql":
        db.session.execute(_memo("jit-off", lambda: sql_text("SET LOCAL jit = off")))
    rows = [tuple(row) for row in db.session.execute(statement, _params(f))]
    version = next(int(row[1]) for row in rows if row[0] == _VERSION_ROW)
    rows = [row for row in rows if row[0] != _VERSION_ROW]
    if unfiltered:
        store(scope, version, json.dumps(rows))
    else:
        _keep_view(scope, version, json.dumps(rows))
    return rows


def _view_page_ids(f: TrackerFilters, page: int, per_page: int) -> list[int]:
    """The ids of one page of a view without search, in its order: an index read for the
    unfiltered tracker, the facets' filters for a facet-only view (bind parameters, the
    statement built once per shape). The page's ids first, then the page by id: joining the
    page's many-to-ones into an ORDER BY ... LIMIT over every row made SQLite sort them all."""
    shape = _Shape.of(f)

    def build() -> Select[Any]:
        filters = shape.filters()
        conditions = [_facet_condition(filters, name, param=True) for name in shape.active]
        return (select(Recommendation.id).where(*conditions)
                .order_by(*_order(shape.sort, _RecColumns(filters)))
                .limit(bindparam("page_limit", type_=Integer()))
                .offset(bindparam("page_offset", type_=Integer())))

    statement = _memo(("view-page", shape), build)
    return list(db.session.scalars(statement, {**_params(f), "page_limit": per_page,
                                               "page_offset": (page - 1) * per_page}))


@dataclass(frozen=True, slots=True)
class LatestAssessment:
    """What a tracker result shows of its latest assessment (see `TrackerResult`)."""

    status: str
    assessed_on: date | None
    organisation_name: str

    @property
    def status_label(self) -> str:
        return str(IMPLEMENTATION_STATUSES[self.status])


@dataclass(frozen=True, slots=True)
class TrackerResult:
    """One result of a tracker page, as plain values: what templates/recommendations/
    tracker.html shows of a recommendation. Read with Core statements, not as ORM objects:
    building a page's Recommendation, Review, State, Assessment and Organisation objects cost
    1.5 ms of a 12 ms page (bench/README.md, issue 10). `latest` is the latest assessment the
    page's audience may read (Recommendation.latest_for); `states` the recommending States'
    names, by name; `territories` by name."""

    id: int
    paragraph: str | None
    text: str
    position: str
    position_words: str
    kind: str
    action_category: int | None
    state_name: str
    cycle: int
    latest: LatestAssessment | None
    states: tuple[str, ...]
    territories: tuple[str, ...]

    @property
    def position_label(self) -> str:
        return str(POSITIONS[self.position])

    @property
    def states_label(self) -> str:
        return ", ".join(self.states)


def _result_statements(f: TrackerFilters) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The three statements of a page's results by id (bind parameter `ids`): the
    recommendations with their review, State and latest assessment, in the page's order
    (`f.sort`); their recommending States; their territories."""
    audience = f.audience
    rec, ids = Recommendation, bindparam("ids", expanding=True, type_=Integer())
    latest_id = (rec.latest_public_assessment_id if audience == "public"
                 else rec.latest_assessment_id)
    main = (select(rec.id, rec.paragraph, rec.text, rec.position, rec.position_words, rec.kind,
                   rec.action_category, State.name, Review.cycle, Assessment.status,
                   Assessment.assessed_on, Organisation.name)
            .join(Review, Review.id == rec.review_id).join(State, State.id == Review.state_id)
            .outerjoin(Assessment, Assessment.id == latest_id)
            .outerjoin(Organisation, Organisation.id == Assessment.organisation_id)
            .where(rec.id.in_(ids))
            # Ordered again here: the ids come in the facet statement's order of its rows,
            # which sorts the facets' rows, not the page's (PostgreSQL does not keep them).
            .order_by(*_order(f.sort, _RecColumns(f))))
    link = recommending_state
    states = (select(link.c.recommendation_id, State.name)
              .join(State, State.id == link.c.state_id)
              .where(link.c.recommendation_id.in_(ids)).order_by(State.name))
    territory = RecommendationTerritory
    territories = (select(territory.recommendation_id, territory.territory)
                   .where(territory.recommendation_id.in_(ids)).order_by(territory.territory))
    return main, states, territories


def _page_items(f: TrackerFilters, ids: list[int]) -> list[TrackerResult]:
    """The results of a page, from their ids, in the page's order (see `TrackerResult`)."""
    if not ids:
        return []
    main, states, territories = _memo(("results", db.engine.dialect.name, f.audience, f.sort),
                                      lambda: _result_statements(f))
    params = {"ids": ids}
    names: dict[int, list[str]] = {}
    for rec_id, name in db.session.execute(states, params):
        names.setdefault(rec_id, []).append(name)
    places: dict[int, list[str]] = {}
    for rec_id, place in db.session.execute(territories, params):
        places.setdefault(rec_id, []).append(place)
    results = []
    for (rec_id, paragraph, text, position, words, kind, category, state_name, cycle,
         status, assessed_on, organisation) in db.session.execute(main, params):
        latest = (LatestAssessment(status, assessed_on, organisation or "")
                  if status is not None else None)
        results.append(TrackerResult(
            rec_id, paragraph, text, position, words, kind, category, state_name, cycle, latest,
            tuple(names.get(rec_id, ())), tuple(places.get(rec_id, ()))))
    return results


def tracker_results(f: TrackerFilters, page: int = 1, per_page: int = PER_PAGE,
                    ) -> tuple[ResultsPage, dict[str, list[FacetValue]]]:
    """One page of the recommendations `f` shows (`page` from 1; past the last, no items) and
    every facet's values with counts (see `facet_counts`).

    SQL statements: with a search, one for the counts, the total and the page's ids; without,
    one reading the kept counts (when they are stale, also those counting them and keeping
    them) and one for the page's ids; then three for the page's results; none grows with
    the number of rows.
    """
    dialect = db.engine.dialect.name
    offset = (page - 1) * per_page
    if match_value(f.q) is None:  # no search: kept counts (see `_kept_rows`)
        rows = _kept_rows(f)
        total = next((int(row[5]) for row in rows if row[0] == _TOTAL_ROW), 0)
        ids = _view_page_ids(f, page, per_page)
        return ResultsPage(_page_items(f, ids), page, per_page, total), _facet_values(f, rows)
    shape = _Shape.of(f)
    statement = _memo(("facets", shape, True, False),
                      lambda: _facet_statement(shape, with_page=True, with_version=False))
    if dialect == "postgresql":
        # PostgreSQL's estimate for this statement passes jit_above_cost, and compiling it
        # (300 functions) takes far longer than running it: 50 ms to over a second.
        db.session.execute(_memo("jit-off", lambda: sql_text("SET LOCAL jit = off")))
    rows = [tuple(row) for row in db.session.execute(
        statement, {**_params(f), "page_limit": per_page, "page_offset": offset})]
    total = next((int(row[5]) for row in rows if row[0] == _TOTAL_ROW), 0)
    ids = [int(row[1]) for row in rows if row[0] == _PAGE_ROW]
    items = _page_items(f, ids)
    return ResultsPage(items, page, per_page, total), _facet_values(f, rows)


def facet_counts(f: TrackerFilters) -> dict[str, list[FacetValue]]:
    """For every facet, its values with counts under the other facets' filters (a count says
    what ticking that value would show); without search nor facet, from the kept counts."""
    return tracker_results(f, 1)[1]


FACET_LABELS = {
    "review": _l("Review"), "cycle": _l("Cycle"), "state": _l("Recommending State"),
    "group": _l("Regional group"), "theme": _l("Theme / issue"), "sdg": _l("SDG"),
    "affected": _l("Affected persons"), "position": _l("Position"),
    "category": _l("Action category"), "territory": _l("Territory"),
    "status": _l("Implementation status"), "assessed_by": _l("Assessed by"), "kind": _l("Kind"),
    "repeated": _l("Repeated from an earlier cycle"),
    # positions (issue 11)
    "coalition": _l("Coalition position"),
    "overall": _l("Status (coalition position, else latest assessment)"),
    "lead": _l("Lead organisation"),
}


# The parameters of a tracker view (what `back` may carry to a recommendation's page).
TRACKER_PARAMS = frozenset({"q", "sort", "page", *TrackerFilters.FACETS})
BACK_MAX = 2000  # characters of a `back` query string; a longer one is not a view of ours


def back_query(filters: TrackerFilters, page: int | None) -> str:
    """The query string of a tracker view (its filters and page), as the `back` parameter of
    its result links, so a recommendation's page links back to exactly that view (issue 9,
    3.6). "" for the tracker with no filter, first page."""
    return urlencode(filters.args(page=page if page and page > 1 else None), doseq=True)


def result_links(ids: list[int], back: str) -> dict[int, str]:
    """id -> the link of each result of a page (`recommendations.show` with `back`), exactly as
    url_for writes it, from one url_for call: the path of id 1 with the id swapped (a page of
    50 results spent a millisecond building 50 URLs)."""
    sample = url_for("recommendations.show", rec_id=1, back=back)
    path, sep, query = sample.partition("?")
    if not path.endswith("/1"):  # a rule of another shape: one url_for each
        return {rec_id: url_for("recommendations.show", rec_id=rec_id, back=back)
                for rec_id in ids}
    head = path[:-1]
    return {rec_id: f"{head}{rec_id}{sep}{query}" for rec_id in ids}


def back_url(back: str | None) -> str | None:
    """The tracker URL a recommendation's page links back to, from its `back` parameter (a
    tracker query string, see `back_query`); None without one.

    Never an open redirect: the result is always this site's tracker path, followed only by
    tracker parameters (TRACKER_PARAMS) re-encoded from `back`; anything else in it is dropped,
    and a `back` longer than BACK_MAX characters gives the plain tracker.
    """
    if back is None:
        return None
    path = url_for("recommendations.tracker_page")
    if len(back) > BACK_MAX:
        return path
    pairs = [(k, v) for k, v in parse_qsl(back, keep_blank_values=False)
             if k in TRACKER_PARAMS]
    return f"{path}?{urlencode(pairs)}" if pairs else path
