"""The tracker: full-text search plus facets over recommendations, with counts per value.

Filters live in the URL (`?q=hong+kong&position=noted&theme=12`), so a view is shareable and
bookmarkable. Values within one facet are alternatives (OR); facets combine with AND. Each facet's
counts apply every other facet's filter, so a count says what ticking that value would show.
The number of SQL statements is fixed, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from coalition.core.inputs import to_db_int
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
)
from coalition.reviews.models import REGIONAL_GROUP_LABELS, AffectedGroup, Review, Sdg, State, Theme
from coalition.search.services import recommendation_match

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
    sort: str = "paragraph"

    FACETS = ("review", "cycle", "state", "group", "theme", "sdg", "affected", "position",
              "category", "territory", "status", "assessed_by", "kind", "repeated")

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
            values = []
            for raw in args.getlist(name):
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
        )
        filters.notices = notices
        return filters

    def active(self) -> bool:
        return bool(self.q or any(getattr(self, f) for f in self.FACETS))

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


def _linked(table: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The recommendation has a row in a link table meeting `condition`: a correlated EXISTS
    probing the link table's primary key (recommendation_id, ...), so its cost follows the
    rows being filtered (a search's few thousand) rather than the size of the link table."""
    return exists().where(table.c.recommendation_id == Recommendation.id, condition)


def _facet_condition(f: TrackerFilters, name: str) -> ColumnElement[bool]:
    """The condition one active facet puts on a recommendation row."""
    rec = Recommendation
    if name == "review":
        return rec.review_id.in_(f.review)
    if name == "cycle":
        return rec.review_id.in_(select(Review.id).where(Review.cycle.in_(f.cycle)))
    if name in ("state", "group"):
        states = select(State.id).where(
            State.code.in_(f.state) if name == "state" else State.regional_group.in_(f.group))
        # "+ 0": SQLite would otherwise probe (recommendation, state) once per State of the
        # group (54 Africans) instead of reading the recommendation's one or two States.
        return _linked(recommending_state, (recommending_state.c.state_id + 0).in_(states))
    if name == "theme":
        return _linked(recommendation_theme, recommendation_theme.c.theme_id.in_(f.theme))
    if name == "sdg":
        return _linked(recommendation_sdg, recommendation_sdg.c.sdg_number.in_(f.sdg))
    if name == "affected":
        return _linked(recommendation_affected,
                       recommendation_affected.c.affected_group_id.in_(f.affected))
    if name == "position":
        return rec.position.in_(f.position)
    if name == "category":
        return rec.action_category.in_(f.category)
    if name == "territory":
        return _linked(RecommendationTerritory.__table__,
                       RecommendationTerritory.territory.in_(f.territory))
    if name == "status":
        statuses = [s for s in f.status if s != "none"]
        column = f.status_column
        parts = [column.in_(statuses)] if statuses else []
        if "none" in f.status:
            parts.append(column.is_(None))
        return parts[0] if len(parts) == 1 else parts[0] | parts[1]
    if name == "assessed_by":
        return exists().where(Assessment.recommendation_id == rec.id,
                              Assessment.organisation_id.in_(f.assessed_by),
                              f.assessment_visible())
    if name == "kind":
        return rec.kind.in_(f.kind)
    if name == "repeated":
        if set(f.repeated) == {"yes", "no"}:
            return literal(True)
        return (rec.repeated_from_id.is_not(None) if "yes" in f.repeated
                else rec.repeated_from_id.is_(None))
    raise ValueError(name)


def _active(f: TrackerFilters) -> list[str]:
    return [name for name in f.FACETS if getattr(f, name)]


def _conditions(f: TrackerFilters, skip: str | None = None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    match = recommendation_match(f.q)
    if match is not None:
        conds.append(match)
    conds += [_facet_condition(f, name) for name in _active(f) if name != skip]
    return conds


def filtered_ids(f: TrackerFilters, skip: str | None = None) -> Select[Any]:
    return select(Recommendation.id).where(and_(True, *_conditions(f, skip)))


def results_query(f: TrackerFilters) -> Select[Any]:
    order = {
        "paragraph": (Recommendation.review_id, Recommendation.paragraph_sort, Recommendation.id),
        "newest": (Recommendation.updated_at.desc(), Recommendation.id.desc()),
        "position": (Recommendation.position, Recommendation.paragraph_sort, Recommendation.id),
        "status": (f.status_column, Recommendation.paragraph_sort, Recommendation.id),
    }[f.sort]
    return (
        select(Recommendation).where(and_(True, *_conditions(f)))
        .options(
            selectinload(Recommendation.review).selectinload(Review.state),
            selectinload(Recommendation.recommending_states),
            selectinload(Recommendation.themes),
            selectinload(Recommendation.territory_rows),
            selectinload(Recommendation.latest_public_assessment if f.audience == "public"
                         else Recommendation.latest_assessment).selectinload(
                Assessment.organisation),
        )
        .order_by(*order)
    )


@dataclass
class FacetValue:
    value: Any
    label: str
    count: int
    selected: bool


def _labelled(*columns: Any) -> list[Any]:
    names = ("facet", "value", "a", "b", "c", "n", "by_count", "by_text", "by_number")
    return [column.label(name) for column, name in zip(columns, names, strict=True)]


def facet_counts(f: TrackerFilters) -> dict[str, list[FacetValue]]:
    """For every facet, its values with counts under the other facets' filters.

    One statement, whatever the number of facets: the recommendations matching the search are
    read once, with one 0/1 column per active facet saying whether the row passes it. A
    facet's counts take the rows passing every other active facet; the rows failing two or
    more facets count nowhere and are dropped first. Each filter is thus evaluated once per
    matching row instead of once per facet.
    """
    rec = Recommendation
    active = _active(f)
    flags = {name: case((_facet_condition(f, name), 1), else_=0).label(f"f_{name}")
             for name in active}
    repeated_key = case((rec.repeated_from_id.is_not(None), "yes"), else_="no")
    base = select(rec.id, rec.review_id, rec.position, rec.action_category,
                  f.status_column.label("latest_status"), rec.kind,
                  repeated_key.label("repeated"), *flags.values())
    match = recommendation_match(f.q)
    if match is not None:
        base = base.where(match)
    if len(active) > 1:
        failing_at_most_one = sum(base.selected_columns[f"f_{n}"] for n in active)
        base = base.where(failing_at_most_one >= len(active) - 1)
    rows = base.cte("tracker_rows")

    def passing(name: str) -> list[ColumnElement[bool]]:
        return [rows.c[f"f_{other}"] == 1 for other in active if other != name]

    def via(column: Any) -> Any:
        # "+ 0": join from the (few) matching rows to the link table's primary key, never the
        # other way round (SQLite would scan the whole link table).
        return column == rows.c.id + 0

    text, number = String(), Integer()
    none_text, none_number = null().cast(text), null().cast(number)
    status_key = func.coalesce(rows.c.latest_status, "none")
    link, tlink, slink = recommending_state, recommendation_theme, recommendation_sdg
    alink, territory = recommendation_affected, RecommendationTerritory
    # Every part: facet, value, label parts a/b/c, count, then the facet's sort keys.
    parts = [
        select(*_labelled(literal(0), cast(Review.id, text), State.name, cast(Review.cycle, text),
               none_text, func.count(rows.c.id), literal(0), State.name, Review.cycle))
        .join(Review, Review.id == rows.c.review_id).join(State, State.id == Review.state_id)
        .where(*passing("review")).group_by(Review.id, State.name, Review.cycle),
        select(*_labelled(literal(1), cast(Review.cycle, text), none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), none_text, Review.cycle))
        .join(Review, Review.id == rows.c.review_id)
        .where(*passing("cycle")).group_by(Review.cycle),
        select(*_labelled(literal(2), State.code, State.name, none_text, none_text,
               func.count(link.c.recommendation_id), -func.count(link.c.recommendation_id),
               State.name, none_number))
        .join(link, via(link.c.recommendation_id)).join(State, State.id == link.c.state_id)
        .where(*passing("state")).group_by(State.code, State.name),
        select(*_labelled(literal(3), State.regional_group, none_text, none_text, none_text,
               func.count(func.distinct(link.c.recommendation_id)), literal(0),
               State.regional_group, none_number))
        .join(link, via(link.c.recommendation_id)).join(State, State.id == link.c.state_id)
        .where(State.regional_group.is_not(None), *passing("group"))
        .group_by(State.regional_group),
        select(*_labelled(literal(4), cast(Theme.id, text), Theme.code, Theme.name, Theme.kind,
               func.count(tlink.c.recommendation_id), -func.count(tlink.c.recommendation_id),
               Theme.code, none_number))
        .join(tlink, via(tlink.c.recommendation_id)).join(Theme, Theme.id == tlink.c.theme_id)
        .where(*passing("theme")).group_by(Theme.id, Theme.kind, Theme.code, Theme.name),
        select(*_labelled(literal(5), cast(Sdg.number, text), Sdg.name, none_text, none_text,
               func.count(slink.c.recommendation_id), literal(0), none_text, Sdg.number))
        .join(slink, via(slink.c.recommendation_id))
        .join(Sdg, Sdg.number == slink.c.sdg_number)
        .where(*passing("sdg")).group_by(Sdg.number, Sdg.name),
        select(*_labelled(literal(6), cast(AffectedGroup.id, text), AffectedGroup.name, none_text,
               none_text, func.count(alink.c.recommendation_id), literal(0),
               AffectedGroup.name, none_number))
        .join(alink, via(alink.c.recommendation_id))
        .join(AffectedGroup, AffectedGroup.id == alink.c.affected_group_id)
        .where(*passing("affected")).group_by(AffectedGroup.id, AffectedGroup.name),
        select(*_labelled(literal(7), rows.c.position, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), rows.c.position, none_number))
        .where(*passing("position")).group_by(rows.c.position),
        select(*_labelled(literal(8), cast(rows.c.action_category, text), none_text, none_text,
               none_text, func.count(rows.c.id), literal(0), none_text, rows.c.action_category))
        .where(rows.c.action_category.is_not(None), *passing("category"))
        .group_by(rows.c.action_category),
        select(*_labelled(literal(9), territory.territory, none_text, none_text, none_text,
               func.count(territory.recommendation_id), literal(0), territory.territory,
               none_number))
        .join(territory, via(territory.recommendation_id))
        .where(*passing("territory")).group_by(territory.territory),
        select(*_labelled(literal(10), status_key, none_text, none_text, none_text,
                          func.count(rows.c.id), literal(0), status_key, none_number))
        .where(*passing("status")).group_by(status_key),
        select(*_labelled(literal(11), cast(Organisation.id, text), Organisation.name, none_text,
               none_text, func.count(func.distinct(Assessment.recommendation_id)), literal(0),
               Organisation.name, none_number))
        .join(Assessment, via(Assessment.recommendation_id))
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(f.assessment_visible(), *passing("assessed_by"))
        .group_by(Organisation.id, Organisation.name),
        select(*_labelled(literal(12), rows.c.kind, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), rows.c.kind, none_number))
        .where(*passing("kind")).group_by(rows.c.kind),
        select(*_labelled(literal(13), rows.c.repeated, none_text, none_text, none_text,
               func.count(rows.c.id), literal(0), rows.c.repeated, none_number))
        .where(*passing("repeated")).group_by(rows.c.repeated),
    ]
    for index, part in enumerate(parts):
        if index < 7 or index in (9, 11):  # the parts above that start from a join
            parts[index] = part.select_from(rows)
    counted = union_all(*parts).subquery("facets")
    query = select(counted).order_by(counted.c.facet, counted.c.by_count, counted.c.by_text,
                                     counted.c.by_number)

    integer_facets = {"review", "cycle", "theme", "sdg", "affected", "category", "assessed_by"}
    labels = {**IMPLEMENTATION_STATUSES, "none": NOT_ASSESSED}
    facets: dict[str, list[FacetValue]] = {name: [] for name in f.FACETS}
    for row in db.session.execute(query):
        name = f.FACETS[row[0]]
        raw, first, second, third, n = row[1], row[2], row[3], row[4], row[5]
        val: Any = int(raw) if name in integer_facets else raw
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
        elif name == "status":
            label = labels.get(raw, raw)
        elif name == "territory":
            label = raw
        elif name == "kind":
            label = ENTRY_KINDS.get(raw, raw)
        elif name == "repeated":
            label = REPEATED.get(raw, raw)
        else:
            label = first
        chosen = {str(v) for v in getattr(f, name)}
        facets[name].append(FacetValue(val, str(label), n, str(val) in chosen))
    return facets


FACET_LABELS = {
    "review": _l("Review"), "cycle": _l("Cycle"), "state": _l("Recommending State"),
    "group": _l("Regional group"), "theme": _l("Theme / issue"), "sdg": _l("SDG"),
    "affected": _l("Affected persons"), "position": _l("Position"),
    "category": _l("Action category"), "territory": _l("Territory"),
    "status": _l("Implementation status"), "assessed_by": _l("Assessed by"), "kind": _l("Kind"),
    "repeated": _l("Repeated from an earlier cycle"),
}


# The parameters of a tracker view (what `back` may carry to a recommendation's page).
TRACKER_PARAMS = frozenset({"q", "sort", "page", *TrackerFilters.FACETS})
BACK_MAX = 2000  # characters of a `back` query string; a longer one is not a view of ours


def back_query(filters: TrackerFilters, page: int | None) -> str:
    """The query string of a tracker view (its filters and page), as the `back` parameter of
    its result links, so a recommendation's page links back to exactly that view (issue 9,
    3.6). "" for the tracker with no filter, first page."""
    return urlencode(filters.args(page=page if page and page > 1 else None), doseq=True)


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
