"""The tracker: full-text search plus facets over recommendations, with counts per value.

Filters live in the URL (`?q=hong+kong&position=noted&theme=12`), so a view is shareable and
bookmarkable. Values within one facet are alternatives (OR); facets combine with AND. Each facet's
counts apply every other facet's filter, so a count says what ticking that value would show.
The number of SQL statements is fixed, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations.models import (
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
    "paragraph": "Paragraph",
    "newest": "Recently changed",
    "position": "Position",
    "status": "Implementation status",
}
PER_PAGE = 50


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
    sort: str = "paragraph"

    FACETS = ("review", "cycle", "state", "group", "theme", "sdg", "affected", "position",
              "category", "territory", "status", "assessed_by")

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> TrackerFilters:
        def ints(name: str) -> list[int]:
            values = []
            for raw in args.getlist(name):
                if raw == "":
                    continue
                try:
                    values.append(int(raw))
                except ValueError as exc:
                    raise FilterError(f"{name}: {raw!r} is not a number.") from exc
            return values

        def choices(name: str, allowed: Any) -> list[str]:
            values = [v for v in args.getlist(name) if v != ""]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise FilterError(f"{name}: unknown value {bad[0]!r}.")
            return values

        sort = args.get("sort", "paragraph") or "paragraph"
        if sort not in SORTS:
            raise FilterError(f"sort: unknown order {sort!r}.")
        return cls(
            q=(args.get("q") or "").strip()[:200],
            review=ints("review"), cycle=ints("cycle"),
            state=[v.upper() for v in args.getlist("state") if v][:200],
            group=choices("group", REGIONAL_GROUP_LABELS),
            theme=ints("theme"), sdg=ints("sdg"), affected=ints("affected"),
            position=choices("position", POSITIONS), category=ints("category"),
            territory=choices("territory", TERRITORIES),
            status=choices("status", {**IMPLEMENTATION_STATUSES, "none": "Not assessed"}),
            assessed_by=ints("assessed_by"), sort=sort,
        )

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


def _has_link(table: Any, column: str, values: list[Any]) -> ColumnElement[bool]:
    return Recommendation.id.in_(select(table.c.recommendation_id).where(
        table.c[column].in_(values)))


def _conditions(f: TrackerFilters, skip: str | None = None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    match = recommendation_match(f.q)
    if match is not None:
        conds.append(match)
    use: Callable[[str], bool] = lambda name: name != skip and bool(getattr(f, name))  # noqa: E731
    if use("review"):
        conds.append(Recommendation.review_id.in_(f.review))
    if use("cycle"):
        conds.append(Recommendation.review_id.in_(
            select(Review.id).where(Review.cycle.in_(f.cycle))))
    if use("state"):
        conds.append(Recommendation.id.in_(
            select(recommending_state.c.recommendation_id).join(State).where(
                State.code.in_(f.state))))
    if use("group"):
        conds.append(Recommendation.id.in_(
            select(recommending_state.c.recommendation_id).join(State).where(
                State.regional_group.in_(f.group))))
    if use("theme"):
        conds.append(_has_link(recommendation_theme, "theme_id", f.theme))
    if use("sdg"):
        conds.append(_has_link(recommendation_sdg, "sdg_number", f.sdg))
    if use("affected"):
        conds.append(_has_link(recommendation_affected, "affected_group_id", f.affected))
    if use("position"):
        conds.append(Recommendation.position.in_(f.position))
    if use("category"):
        conds.append(Recommendation.action_category.in_(f.category))
    if use("territory"):
        conds.append(Recommendation.id.in_(
            select(RecommendationTerritory.recommendation_id).where(
                RecommendationTerritory.territory.in_(f.territory))))
    if use("status"):
        statuses = [s for s in f.status if s != "none"]
        parts = [Recommendation.latest_status.in_(statuses)] if statuses else []
        if "none" in f.status:
            parts.append(Recommendation.latest_status.is_(None))
        conds.append(parts[0] if len(parts) == 1 else parts[0] | parts[1])
    if use("assessed_by"):
        conds.append(Recommendation.id.in_(
            select(Assessment.recommendation_id).where(
                Assessment.organisation_id.in_(f.assessed_by))))
    return conds


def filtered_ids(f: TrackerFilters, skip: str | None = None) -> Select[Any]:
    return select(Recommendation.id).where(and_(True, *_conditions(f, skip)))


def results_query(f: TrackerFilters) -> Select[Any]:
    order = {
        "paragraph": (Recommendation.review_id, Recommendation.paragraph_sort, Recommendation.id),
        "newest": (Recommendation.updated_at.desc(), Recommendation.id.desc()),
        "position": (Recommendation.position, Recommendation.paragraph_sort, Recommendation.id),
        "status": (Recommendation.latest_status, Recommendation.paragraph_sort,
                   Recommendation.id),
    }[f.sort]
    return (
        select(Recommendation).where(and_(True, *_conditions(f)))
        .options(
            selectinload(Recommendation.review).selectinload(Review.state),
            selectinload(Recommendation.recommending_states),
            selectinload(Recommendation.themes),
            selectinload(Recommendation.territory_rows),
            selectinload(Recommendation.latest_assessment).selectinload(
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


def facet_counts(f: TrackerFilters) -> dict[str, list[FacetValue]]:
    """For every facet, its values with counts under the other facets' filters."""
    def ids(name: str) -> Any:
        return filtered_ids(f, skip=name).subquery()

    def rows(name: str, query: Select[Any]) -> list[FacetValue]:
        chosen = {str(v) for v in getattr(f, name)}
        return [FacetValue(value, label, count, str(value) in chosen)
                for value, label, count in db.session.execute(query)]

    rec = Recommendation
    facets: dict[str, list[FacetValue]] = {}
    sub = ids("review")
    facets["review"] = rows("review", select(
        Review.id, State.name + " — cycle " + func.cast(Review.cycle, db.String),
        func.count(rec.id)).join(State, Review.state_id == State.id)
        .join(rec, rec.review_id == Review.id).where(rec.id.in_(select(sub.c.id)))
        .group_by(Review.id, State.name, Review.cycle).order_by(State.name, Review.cycle))
    sub = ids("cycle")
    facets["cycle"] = rows("cycle", select(
        Review.cycle, "Cycle " + func.cast(Review.cycle, db.String), func.count(rec.id))
        .join(rec, rec.review_id == Review.id).where(rec.id.in_(select(sub.c.id)))
        .group_by(Review.cycle).order_by(Review.cycle))
    sub = ids("state")
    link = recommending_state
    facets["state"] = rows("state", select(
        State.code, State.name, func.count(link.c.recommendation_id))
        .join(link, link.c.state_id == State.id)
        .where(link.c.recommendation_id.in_(select(sub.c.id)))
        .group_by(State.code, State.name).order_by(func.count(link.c.recommendation_id).desc(),
                                                   State.name))
    sub = ids("group")
    facets["group"] = [
        FacetValue(v.value, REGIONAL_GROUP_LABELS.get(v.value, v.value), v.count, v.selected)
        for v in rows("group", select(
            State.regional_group, State.regional_group,
            func.count(func.distinct(link.c.recommendation_id)))
            .join(link, link.c.state_id == State.id)
            .where(link.c.recommendation_id.in_(select(sub.c.id)),
                   State.regional_group.is_not(None))
            .group_by(State.regional_group).order_by(State.regional_group))]
    sub = ids("theme")
    tlink = recommendation_theme
    chosen_themes = set(f.theme)
    facets["theme"] = [
        FacetValue(theme_id, f"{code} {name}" if kind == "ohchr" and name != code else name,
                   count, theme_id in chosen_themes)
        for theme_id, kind, code, name, count in db.session.execute(select(
            Theme.id, Theme.kind, Theme.code, Theme.name, func.count(tlink.c.recommendation_id))
            .join(tlink, tlink.c.theme_id == Theme.id)
            .where(tlink.c.recommendation_id.in_(select(sub.c.id)))
            .group_by(Theme.id, Theme.kind, Theme.code, Theme.name)
            .order_by(func.count(tlink.c.recommendation_id).desc(), Theme.code))]
    sub = ids("sdg")
    slink = recommendation_sdg
    facets["sdg"] = rows("sdg", select(
        Sdg.number, Sdg.name, func.count(slink.c.recommendation_id))
        .join(slink, slink.c.sdg_number == Sdg.number)
        .where(slink.c.recommendation_id.in_(select(sub.c.id)))
        .group_by(Sdg.number, Sdg.name).order_by(Sdg.number))
    sub = ids("affected")
    alink = recommendation_affected
    facets["affected"] = rows("affected", select(
        AffectedGroup.id, AffectedGroup.name, func.count(alink.c.recommendation_id))
        .join(alink, alink.c.affected_group_id == AffectedGroup.id)
        .where(alink.c.recommendation_id.in_(select(sub.c.id)))
        .group_by(AffectedGroup.id, AffectedGroup.name).order_by(AffectedGroup.name))
    sub = ids("position")
    facets["position"] = [FacetValue(v.value, POSITIONS.get(v.value, v.value), v.count,
                                     v.selected)
                          for v in rows("position", select(
                              rec.position, rec.position, func.count(rec.id))
                              .where(rec.id.in_(select(sub.c.id)))
                              .group_by(rec.position).order_by(rec.position))]
    sub = ids("category")
    facets["category"] = [FacetValue(v.value, f"Category {v.value}", v.count, v.selected)
                          for v in rows("category", select(
                              rec.action_category, rec.action_category, func.count(rec.id))
                              .where(rec.id.in_(select(sub.c.id)),
                                     rec.action_category.is_not(None))
                              .group_by(rec.action_category).order_by(rec.action_category))]
    sub = ids("territory")
    facets["territory"] = rows("territory", select(
        RecommendationTerritory.territory, RecommendationTerritory.territory,
        func.count(RecommendationTerritory.recommendation_id))
        .where(RecommendationTerritory.recommendation_id.in_(select(sub.c.id)))
        .group_by(RecommendationTerritory.territory).order_by(RecommendationTerritory.territory))
    sub = ids("status")
    status_key = func.coalesce(rec.latest_status, "none")
    labels = {**IMPLEMENTATION_STATUSES, "none": "Not assessed"}
    facets["status"] = [FacetValue(v.value, labels.get(v.value, v.value), v.count, v.selected)
                        for v in rows("status", select(status_key, status_key, func.count(rec.id))
                                      .where(rec.id.in_(select(sub.c.id)))
                                      .group_by(status_key).order_by(status_key))]
    sub = ids("assessed_by")
    facets["assessed_by"] = rows("assessed_by", select(
        Organisation.id, Organisation.name,
        func.count(func.distinct(Assessment.recommendation_id)))
        .join(Assessment, Assessment.organisation_id == Organisation.id)
        .where(Assessment.recommendation_id.in_(select(sub.c.id)))
        .group_by(Organisation.id, Organisation.name).order_by(Organisation.name))
    return facets


FACET_LABELS = {
    "review": "Review", "cycle": "Cycle", "state": "Recommending State",
    "group": "Regional group", "theme": "Theme / issue", "sdg": "SDG",
    "affected": "Affected persons", "position": "Position", "category": "Action category",
    "territory": "Territory", "status": "Implementation status",
    "assessed_by": "Assessed by",
}
