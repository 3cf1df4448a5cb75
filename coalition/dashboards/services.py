"""Dashboards (issue 11, item 4): implementation status by theme, SDG, recommending State,
regional group and lead organisation; supported vs noted; status over time; coverage.

"Status" is the coalition position, else the latest assessment the coalition may read
(Recommendation.latest_status), else "none" (not assessed): the tracker's "overall" facet, so
every bar links to exactly the tracker rows it counts. Filters are the tracker's
(TrackerFilters, literal values), for the coalition audience (the dashboards are members-only).

Two aggregate SQL statements, whatever the number of rows: one UNION ALL of group-by
aggregates over the filtered recommendations (each chart a part), one for the status over
time (the intervals in which each position and assessment was the one in force, as +1/-1 per
month, summed up in Python). No per-row query. Their rows are kept per filter and day at the
tracker's data version, as the tracker keeps its facet counts (see `_rows`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import g, url_for
from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy import text as sql_text
from werkzeug.datastructures import MultiDict

from coalition.extensions import db
from coalition.followup.models import CoalitionPosition, FollowUpPlan
from coalition.followup.position_models import CoalitionPositionCurrent
from coalition.i18n import date_local, number
from coalition.organisations.models import Organisation
from coalition.recommendations.models import (
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    Assessment,
    Recommendation,
    recommendation_sdg,
    recommendation_theme,
    recommending_state,
)
from coalition.recommendations.tracker import (
    NOT_ASSESSED,
    FilterError,
    TrackerFilters,
    filtered_ids,
)
from coalition.reviews.models import REGIONAL_GROUP_LABELS, Sdg, State, Theme
from coalition.search.freshness import (
    TrackerDataVersion,
    TrackerFacetCache,
    kept_payload,
    store,
)

# The statuses in the order charts stack them (worst first), then "not assessed".
STATUS_ORDER = ("regressed", "not_implemented", "unclear", "partially", "fully", "none")
COALITION_VISIBLE = ("coalition", "public")
MONTHS = 24  # month ends shown by "status over time", the last one being today
RECENT_DAYS = 365  # "an assessment in the last 12 months"
STATE_ROWS = 25  # the recommending States charted (the most recommending; the table has all)
CHART_NAMES = ("theme", "sdg", "state", "group", "lead", "position")


def status_label(status: str) -> str:
    return str(IMPLEMENTATION_STATUSES.get(status, NOT_ASSESSED))


@dataclass
class Segment:
    """A part of a bar: `n` recommendations of `key` (a status, or "covered"/"uncovered"),
    linking to `url` (None: no tracker filter says exactly this)."""

    key: str
    label: str
    n: int
    url: str | None = None
    text: str = ""  # `n` written the reader's way (set by `dashboard`)


@dataclass
class Bar:
    """One category of a chart (a theme, a State, a month), its segments and total."""

    label: str
    segments: list[Segment]
    url: str | None = None
    total_text: str = ""  # `total` written the reader's way (set by `dashboard`)

    @cached_property
    def total(self) -> int:
        return sum(s.n for s in self.segments)


@dataclass
class Chart:
    """A chart and its table: `columns` are the segment keys in order, with their labels."""

    name: str
    title: str
    bars: list[Bar]
    columns: list[tuple[str, str]]
    note: str = ""
    all_bars: list[Bar] = field(default_factory=list)  # the table's rows, if more than charted

    @property
    def table_bars(self) -> list[Bar]:
        return self.all_bars or self.bars

    @cached_property
    def max_total(self) -> int:
        return max((b.total for b in self.bars), default=0) or 1


@dataclass
class Dashboard:
    total: int
    charts: list[Chart]
    coverage: dict[str, int]


def _assessed_cte(src: Any) -> Any:
    """The recommendations of `src` (the recommendation table, or the filtered rows: columns
    id, position, latest_status) that have a status (see module): (id, position, status).

    Few of them (an assessment or a coalition position: 17,000 of 100,000 in bench/), so each
    chart counts its totals from the link tables alone (their indexes) and only these rows by
    status; "none" (not assessed) is the rest (`dashboard`). Counting every row by status
    joined 100,000 wide recommendation rows into each chart: 1.6 to 2 s at 100k."""
    current = CoalitionPositionCurrent
    adopted = (select(current.recommendation_id.label("id"), src.c.position.label("position"),
                      current.status.label("status"))
               .join(src, src.c.id == current.recommendation_id))
    assessed = (select(src.c.id.label("id"), src.c.position.label("position"),
                       src.c.latest_status.label("status"))
                .where(src.c.latest_status.is_not(None),
                       ~select(current.recommendation_id)
                       .where(current.recommendation_id == src.c.id).exists()))
    return union_all(adopted, assessed).cte("dash_assessed")


def _aggregate_statement(filters: TrackerFilters, since: date) -> Any:
    """One UNION ALL of (chart, key, label, extra, status, n) rows: for each chart, a row per
    category with status NULL giving its total, and a row per category and status for the
    recommendations with a status (`dashboard` makes "none" the difference)."""
    rec = Recommendation
    ids = None
    src: Any = rec.__table__
    if filters.active():
        # The filtered rows once, with the columns the charts read (a CTE referred to several
        # times is computed once, in both databases), then a semi-join in each chart:
        # PostgreSQL planned the filter anew inside every part (2.3 s for one theme at 100k),
        # and looked each id up in the recommendation table again for every part.
        src = (select(rec.id, rec.position, rec.latest_status)
               .where(filtered_ids(filters).whereclause).cte("dash_ids"))
        ids = select(src.c.id)
    assessed = _assessed_cte(src)
    text = String()
    none_text = null().cast(text)

    def part(chart: str, link_key: Any, rid: Any, names: Any, *where: Any,
             through: Any = None) -> list[Any]:
        """The total rows and the status rows of one chart. `link_key` and `rid` are the
        category and recommendation id columns of a link table; the counts are grouped by
        `link_key` alone (the link table's index) and `names(grouped)` then gives
        (key, label, extra, FROM clause joining the category's names, ON conditions).
        `through` (the regional group) maps the link key to the charted key first, counting
        each recommendation once."""
        link = link_key.table

        def named(grouped: Any, status: Any) -> Any:
            key, label, extra, joined = names(grouped.c.k)
            return select(literal(chart).label("chart"), cast(key, text).label("key"),
                          cast(label, text).label("label"), cast(extra, text).label("extra"),
                          status.label("status"), grouped.c.n.label("n")).select_from(joined)

        filtered = [rid.in_(ids)] if ids is not None else []
        if through is None:
            total = (select(link_key.label("k"), func.count().label("n"))
                     .where(*where, *filtered).group_by(link_key).subquery())
            by_status = (select(link_key.label("k"), assessed.c.status.label("s"),
                                func.count().label("n"))
                         .select_from(assessed).join(link, rid == assessed.c.id)
                         .where(*where).group_by(link_key, assessed.c.status).subquery())
        else:  # each recommendation once per charted key, whatever its link rows
            mapped, join_on = through
            pairs = (select(rid.label("rid"), mapped.label("k")).distinct()
                     .join(mapped.table, join_on).where(*where, *filtered).subquery())
            total = (select(pairs.c.k, func.count().label("n")).group_by(pairs.c.k)
                     .subquery())
            by_status = (select(mapped.label("k"), assessed.c.status.label("s"),
                                func.count(func.distinct(assessed.c.id)).label("n"))
                         .select_from(assessed).join(link, rid == assessed.c.id)
                         .join(mapped.table, join_on).where(*where)
                         .group_by(mapped, assessed.c.status).subquery())
        return [named(total, none_text), named(by_status, by_status.c.s)]

    theme_link, sdg_link, state_link = recommendation_theme, recommendation_sdg, recommending_state
    parts = [
        *part("theme", theme_link.c.theme_id, theme_link.c.recommendation_id,
              lambda k: (Theme.id, Theme.name, func.coalesce(Theme.kind, "") + "|" + Theme.code,
                         k.table.join(Theme, Theme.id == k))),
        *part("sdg", sdg_link.c.sdg_number, sdg_link.c.recommendation_id,
              lambda k: (Sdg.number, Sdg.name, none_text, k.table.join(Sdg, Sdg.number == k))),
        *part("state", state_link.c.state_id, state_link.c.recommendation_id,
              lambda k: (State.code, State.name, none_text,
                         k.table.join(State, State.id == k))),
        *part("group", state_link.c.state_id, state_link.c.recommendation_id,
              lambda k: (k, none_text, none_text, k.table), State.regional_group.is_not(None),
              through=(State.regional_group, State.id == state_link.c.state_id)),
        *part("lead", FollowUpPlan.lead_organisation_id, FollowUpPlan.recommendation_id,
              lambda k: (Organisation.id, Organisation.name, none_text,
                         k.table.join(Organisation, Organisation.id == k)),
              FollowUpPlan.lead_organisation_id.is_not(None)),
    ]
    # The State's position: a column of the recommendation itself.
    parts.append(select(literal("position").label("chart"), cast(src.c.position, text)
                        .label("key"), none_text.label("label"), none_text.label("extra"),
                        none_text.label("status"), func.count().label("n"))
                 .group_by(src.c.position))
    parts.append(select(literal("position").label("chart"), cast(assessed.c.position, text)
                        .label("key"), none_text.label("label"), none_text.label("extra"),
                        assessed.c.status.label("status"), func.count().label("n"))
                 .select_from(assessed).group_by(assessed.c.position, assessed.c.status))
    recent = select(Assessment.recommendation_id).where(
        Assessment.assessed_on >= since, Assessment.visibility.in_(COALITION_VISIBLE))
    led = select(FollowUpPlan.recommendation_id).where(
        FollowUpPlan.lead_organisation_id.is_not(None))

    def coverage(key: Any, n: Any) -> Any:
        return select(literal("coverage").label("chart"), key.label("key"),
                      none_text.label("label"), none_text.label("extra"),
                      none_text.label("status"), n.label("n"))

    parts.append(coverage(none_text, select(func.count()).select_from(src).scalar_subquery()))
    for key, subset in (("lead", led), ("recent", recent)):
        parts.append(coverage(literal(key), select(func.count()).select_from(src).where(
            src.c.id.in_(subset)).scalar_subquery()))
    return union_all(*parts)


def _rows(filters: TrackerFilters, today: date) -> tuple[list[Any], list[Any]]:
    """The rows of the two aggregate statements for `filters` as at `today`: kept in
    tracker_facet_cache (scope "dash:<hash of the filters, the date, the database>") at the
    data version they were computed from, and used only while that version is current (the
    database bumps it on every write to what a chart counts: coalition.search.freshness
    FACET_TABLES). The version is read before the aggregates, so counts kept under a version
    are never older than it. In a PostgreSQL transaction that has itself written to those
    tables, the kept rows are not read (as the tracker's).

    SQL statements: one when kept; else four or five (version, two aggregates, keep, drop
    older kept dashboards)."""
    dialect = db.engine.dialect.name
    scope = _scope(filters, today)
    cache, version = TrackerFacetCache, TrackerDataVersion
    payload = kept_payload(scope)
    if payload is not None:
        kept = json.loads(payload)
        return kept["aggregates"], kept["over_time"]
    current = db.session.scalar(select(version.version).where(version.id == 1))
    if dialect == "postgresql":
        # As the tracker's facet statement: JIT compiling these aggregates costs more than
        # running them.
        db.session.execute(sql_text("SET LOCAL jit = off"))
    rows = [list(row) for row in db.session.execute(_aggregate_statement(
        filters, today - timedelta(days=RECENT_DAYS)))]
    time_rows = [list(row) for row in db.session.execute(_over_time_statement(filters))]
    if current is not None:
        store(scope, int(current), json.dumps(
            {"aggregates": rows, "over_time": time_rows,
             "query": urlencode(filters.args(), doseq=True)}, default=str))
        # A day's kept dashboards are never read after it (the scope names the day).
        db.session.execute(delete(cache).where(cache.scope.startswith("dash:"),
                                               cache.scope < _scope_prefix(today)))
    return rows, time_rows


def _scope_prefix(today: date) -> str:
    return f"dash:{today:%Y%m%d}:"


def _scope(filters: TrackerFilters, today: date) -> str:
    """The tracker_facet_cache key of a dashboard: "dash:YYYYMMDD:" + 24 hex digits of the
    SHA-256 of the database kind and the filters (38 characters; the column holds 40)."""
    query = urlencode(filters.args(), doseq=True)
    digest = hashlib.sha256(f"{db.engine.dialect.name}|{query}".encode()).hexdigest()
    return _scope_prefix(today) + digest[:24]


def warm(today: date | None = None) -> int:
    """Recompute, at the current data version, the unfiltered dashboard and every dashboard
    viewed today whose kept rows a write has made stale, so that the next viewer reads them
    (one statement) instead of waiting for the aggregates (about half a second at 100,000
    recommendations). The worker runs it every minute (`warm_dashboards`); without a worker
    the first viewer after a write computes, as before. Returns the number recomputed; one
    statement when nothing is stale. Each is committed on its own."""
    today = today or date.today()
    cache, version = TrackerFacetCache, TrackerDataVersion
    current = db.session.scalar(select(version.version).where(version.id == 1))
    if current is None:
        return 0
    prefix = _scope_prefix(today)
    unfiltered = TrackerFilters()
    unfiltered.audience = "coalition"
    stale = db.session.execute(
        select(cache.scope, cache.payload).where(cache.scope.startswith(prefix),
                                                 cache.version < current)).all()
    queries = {json.loads(payload).get("query") or "" for _scope_, payload in stale}
    fresh = db.session.scalar(select(cache.scope).where(
        cache.scope == _scope(unfiltered, today), cache.version == current))
    if fresh is None:
        queries.add("")
    done = 0
    for query in sorted(queries):
        try:
            filters = TrackerFilters.from_args(MultiDict(parse_qsl(query)))
        except FilterError:  # a filter no longer valid (a theme removed): not kept again
            continue
        filters.audience = "coalition"
        _rows(filters, today)
        db.session.commit()
        done += 1
    db.session.commit()
    return done


def _month(column: Any) -> Any:
    """'YYYY-MM' of a date column, in either database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _over_time_statement(filters: TrackerFilters) -> Any:
    """(month, status, delta): +1 in the month a position or assessment came in force, -1 in
    the month it stopped being (a newer one of its kind; for an assessment, also the first
    coalition position, which outranks every assessment from then on).

    One pass: positions and the assessments the coalition may read, as one stream per
    recommendation, sorted once for the window functions (no join)."""
    cp, a = CoalitionPosition, Assessment
    ids = filtered_ids(filters) if filters.active() else None

    def restrict(column: Any) -> list[Any]:
        return [column.in_(ids)] if ids is not None else []

    stream = union_all(
        select(cp.recommendation_id.label("rid"), literal(1).label("kind"),
               cp.status.label("status"), cp.adopted_on.label("start"), cp.id.label("id"))
        .where(*restrict(cp.recommendation_id)),
        select(a.recommendation_id.label("rid"), literal(0).label("kind"),
               a.status.label("status"), a.assessed_on.label("start"), a.id.label("id"))
        .where(a.visibility.in_(COALITION_VISIBLE), *restrict(a.recommendation_id)),
    ).subquery("s")
    nxt = func.lead(stream.c.start).over(partition_by=(stream.c.rid, stream.c.kind),
                                         order_by=(stream.c.start, stream.c.id))
    first = func.min(case((stream.c.kind == 1, stream.c.start))).over(
        partition_by=stream.c.rid)
    windowed = select(stream.c.kind, stream.c.status, stream.c.start, nxt.label("nxt"),
                      first.label("first")).subquery("w")
    w = windowed.c
    stop = case((w.kind == 1, w.nxt), (w.first.is_(None), w.nxt), (w.nxt.is_(None), w.first),
                (w.nxt < w.first, w.nxt), else_=w.first)
    intervals = select(w.status, w.start, stop.label("stop")).cte("intervals")
    i = intervals.c
    live = (i.stop.is_(None)) | (i.stop > i.start)
    one = literal(1, Integer())
    events = union_all(
        select(_month(i.start).label("month"), i.status, one.label("delta")).where(live),
        select(_month(i.stop).label("month"), i.status, (-one).label("delta"))
        .where(live, i.stop.is_not(None)),
    ).subquery("e")
    return (select(events.c.month, events.c.status, func.sum(events.c.delta))
            .group_by(events.c.month, events.c.status))


def month_ends(today: date, count: int = MONTHS) -> list[date]:
    """The last `count` month ends, oldest first, the last one being `today` (as at today)."""
    ends = [today]
    first_of_month = today.replace(day=1)
    while len(ends) < count:
        ends.append(first_of_month - timedelta(days=1))
        first_of_month = ends[-1].replace(day=1)
    return ends[::-1]


def _tracker_url(filters: TrackerFilters, **change: Any) -> str:
    """The tracker's URL for `filters` with some changed (as url_for would write it; the path
    is looked up once per request: a dashboard has thousands of links)."""
    path = g.get("dashboard_tracker_path")
    if path is None:
        path = g.dashboard_tracker_path = url_for("recommendations.tracker_page")
    query = urlencode(filters.args(**change), doseq=True)
    return f"{path}?{query}" if query else path


def _write_numbers(charts: list[Chart]) -> None:
    """Every count of `charts` written the reader's way, each distinct number formatted once."""
    written: dict[int, str] = {}

    def text(n: int) -> str:
        if n not in written:
            written[n] = number(n)
        return written[n]

    for chart in charts:
        for bar in {id(b): b for b in (*chart.bars, *chart.table_bars)}.values():
            bar.total_text = text(bar.total)
            for seg in bar.segments:
                seg.text = text(seg.n)


def dashboard(filters: TrackerFilters, today: date | None = None) -> Dashboard:
    """Every chart for the recommendations `filters` select (coalition audience), as at
    `today` (default: the server's date). Two SQL statements (see the module)."""
    today = today or date.today()
    filters.audience = "coalition"
    rows, time_rows = _rows(filters, today)
    grouped: dict[str, dict[tuple[str, str, str], dict[str, int]]] = defaultdict(
        lambda: defaultdict(dict))
    coverage: dict[str, int] = {"total": 0, "lead": 0, "recent": 0}
    totals: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
    for chart, key, label, extra, status, n in rows:
        if chart == "coverage":
            coverage["total" if key is None else key] = int(n or 0)
        elif status is None:
            totals[chart][(key, label or "", extra or "")] = int(n)
        else:
            grouped[chart][(key, label or "", extra or "")][status] = int(n)
    for chart, by_key in totals.items():  # "not assessed": the rest of each category
        for item, n in by_key.items():
            rest = n - sum(grouped[chart][item].values())
            if rest > 0:
                grouped[chart][item]["none"] = rest
    total = coverage["total"]
    statuses = [(s, status_label(s)) for s in STATUS_ORDER]
    labels = dict(statuses)  # translated once

    def bars(chart: str, label_of: Any, url_args: Any, order: Any = None) -> list[Bar]:
        items = list(grouped[chart].items())
        items.sort(key=order or (lambda item: (-sum(item[1].values()), label_of(*item[0]))))
        result = []
        for (key, label, extra), counts in items:
            change = url_args(key)
            segments = [Segment(s, labels[s], counts.get(s, 0),
                                _tracker_url(filters, overall=[s], **change)
                                if change is not None else None)
                        for s in STATUS_ORDER if counts.get(s)]
            result.append(Bar(label_of(key, label, extra), segments,
                              _tracker_url(filters, **change) if change is not None else None))
        return result

    def theme_label(_key: str, name: str, extra: str) -> str:
        kind, _sep, code = extra.partition("|")
        return f"{code} {name}" if kind == "ohchr" and code != name else name

    state_bars = bars("state", lambda k, name, _e: name, lambda k: {"state": [k]})
    charts = [
        Chart("theme", _("Implementation status by theme"),
              bars("theme", theme_label, lambda k: {"theme": [int(k)]}), statuses),
        Chart("sdg", _("Implementation status by SDG"),
              bars("sdg", lambda k, name, _e: _("SDG %(number)s: %(name)s", number=k,
                                                 name=name),
                   lambda k: {"sdg": [int(k)]}, order=lambda item: int(item[0][0])),
              statuses),
        Chart("state", _("Implementation status by recommending State"),
              state_bars[:STATE_ROWS], statuses, all_bars=state_bars,
              note=_("The %(n)s States with the most recommendations are charted; the table "
                     "lists every State.", n=STATE_ROWS) if len(state_bars) > STATE_ROWS
              else ""),
        Chart("group", _("Implementation status by regional group of the recommending State"),
              bars("group", lambda k, _l, _e: str(REGIONAL_GROUP_LABELS.get(k, k)),
                   lambda k: {"group": [k]}), statuses),
        Chart("lead", _("Implementation status by lead organisation"),
              bars("lead", lambda k, name, _e: name, lambda k: {"lead": [k]}), statuses),
        Chart("position", _("Supported and noted recommendations, by implementation status"),
              bars("position", lambda k, _l, _e: str(POSITIONS.get(k, k)),
                   lambda k: {"position": [k]},
                   order=lambda item: list(POSITIONS).index(item[0][0])
                   if item[0][0] in POSITIONS else 99), statuses),
        _over_time(time_rows, today, total, statuses),
        Chart("coverage", _("Coverage"), [
            Bar(_("With a lead organisation"), [
                Segment("covered", _("Yes"), coverage["lead"],
                        _tracker_url(filters, lead=["any"])),
                Segment("uncovered", _("No"), total - coverage["lead"],
                        _tracker_url(filters, lead=["none"]))]),
            Bar(_("With an assessment in the last 12 months"), [
                Segment("covered", _("Yes"), coverage["recent"]),
                Segment("uncovered", _("No"), total - coverage["recent"])]),
        ], [("covered", _("Yes")), ("uncovered", _("No"))]),
    ]
    _write_numbers(charts)
    return Dashboard(total, charts, coverage)


def _over_time(time_rows: list[Any], today: date, total: int,
               statuses: list[tuple[str, str]]) -> Chart:
    """Status as at each of the last MONTHS month ends (the last: today), from the rows of
    _over_time_statement."""
    deltas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, status, delta in time_rows:
        if month is not None:
            deltas[month][status] += int(delta or 0)
    ends = month_ends(today)
    running: dict[str, int] = defaultdict(int)
    months = sorted(deltas)
    index = 0
    result = []
    for end in ends:
        key = end.strftime("%Y-%m")
        while index < len(months) and months[index] <= key:
            for status, delta in deltas[months[index]].items():
                running[status] += delta
            index += 1
        counts = {s: n for s, n in running.items() if n}
        counts["none"] = max(total - sum(counts.values()), 0)
        result.append(Bar(_("as at %(date)s", date=date_local(end)), [
            Segment(s, status_label(s), counts.get(s, 0)) for s in STATUS_ORDER
            if counts.get(s)]))
    return Chart("time", _("Implementation status over time (as at each month end)"),
                 result, statuses,
                 note=_("Each bar counts the coalition position in force at that date, else "
                        "the latest assessment then; recommendations are counted whenever "
                        "they were imported."))


@dataclass
class FilterOptions:
    """The dashboard's filter choices: (value, label, selected) per filter."""

    reviews: list[tuple[int, str, bool]]
    territories: list[tuple[str, str, bool]]
    themes: list[tuple[int, str, bool]]


def filter_options(filters: TrackerFilters) -> FilterOptions:
    """The reviews, territories and themes a dashboard may be filtered by (two queries)."""
    from coalition.recommendations.models import TERRITORIES, territory_label
    from coalition.reviews.models import Review

    reviews = db.session.execute(
        select(Review.id, State.name, Review.cycle).join(State, State.id == Review.state_id)
        .order_by(State.name, Review.cycle)).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.kind, Theme.code)).all()
    return FilterOptions(
        [(rid, _("%(state)s — cycle %(cycle)s", state=name, cycle=cycle), rid in filters.review)
         for rid, name, cycle in reviews],
        [(t, territory_label(t), t in filters.territory) for t in TERRITORIES],
        [(t.id, t.label, t.id in filters.theme) for t in themes])
