"""The coalition's mid-term assessment of a review (issue 11, item 7).

Half-way through a UPR cycle the coalition publishes how far the government has implemented the
recommendations it follows. This module gathers, for one review, every TRACKED recommendation
(one with a follow-up plan or with a coalition position) and writes the draft:

- grouped by theme: each recommendation under its FIRST theme (OHCHR themes first, in the
  natural order of their codes: D7 before D43; then UPR Info's issues by name), its other themes
  named in an "Also under" line, so that every recommendation appears exactly once and the
  counts add up; recommendations without a theme come last, under "No theme recorded";
- within a theme, in paragraph order (28.9 before 28.10), then by id;
- for each: paragraph, text, recommending States, the government's latest response (the
  Response with the latest date, an undated one (the addendum) counting as the earliest; ties by
  id; without any Response, the recommendation's own recorded position), the follow-up plan,
  the coalition's current position (the newest CoalitionPosition by adopted_on, then id) and its
  evidence: the adopted assessment's evidence and links, when that assessment is visible to the
  whole coalition (an assessment its organisation keeps to itself is named, not quoted), and the
  plan's advocacy actions that are done, with their outcomes, links and evidence file names.

The draft opens as a joint statement (coalition.statements.services.create_statement) of kind
"midterm", so that it is co-edited, signed on and published with the statement machinery. The
same text downloads as Markdown and as DOCX (the DOCX is the Markdown rendered by the site's
own renderer and written with the statements' DOCX writer, so both say the same words).

Headings and labels are in the language of the person generating (Flask-Babel's current
locale); the UN's and the State's words, organisation names and what members wrote are kept as
they are. Text the report did not write is escaped where it could break the document's
structure: plain text (the recommendation, the State's words) is escaped for Markdown; Markdown
written by members (evidence, outcomes, reasons) keeps its emphasis, links and lists, but cannot
open a heading (a line starting with '#', a setext underline, a raw <h2>), so the report's
outline stays the report's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from coalition.access import is_coordinator
from coalition.core.errors import ServiceError
from coalition.core.inputs import clean_text as xml_text
from coalition.core.markdown import render_markdown
from coalition.extensions import db
from coalition.followup.models import AdvocacyAction, CoalitionPosition, FollowUpPlan
from coalition.i18n import current_locale, date_local
from coalition.organisations.models import MEMBER_ROLES, Organisation
from coalition.recommendations.models import Assessment, Recommendation, Response
from coalition.reviews.models import Review, Theme
from coalition.statements.models import LANGUAGES, Statement

# An adopted assessment is quoted only if the whole coalition may read it: the draft is read by
# the steering committee and, once opened for sign-on, by every member.
QUOTABLE_VISIBILITIES = ("coalition", "public")


# --- the data -----------------------------------------------------------------------------------

@dataclass
class LatestResponse:
    """The government's latest word on a recommendation: its position label, its own words, the
    date (None: undated, e.g. the addendum), the kind of document and the source."""

    position_label: str
    words: str
    responded_on: date | None
    kind_label: str
    source: str


@dataclass
class ReportEntry:
    """One tracked recommendation and what the coalition knows about it."""

    recommendation: Recommendation
    other_themes: list[Theme]
    response: LatestResponse
    plan: FollowUpPlan | None
    position: CoalitionPosition | None
    # The adopted assessment when the whole coalition may read it (QUOTABLE_VISIBILITIES).
    adopted: Assessment | None
    done_actions: list[AdvocacyAction]


@dataclass
class ThemeSection:
    """A theme (None: recommendations with no theme) and its entries in paragraph order."""

    theme: Theme | None
    entries: list[ReportEntry] = field(default_factory=list)


@dataclass
class MidtermReport:
    review: Review
    sections: list[ThemeSection]

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sections)


def _tracked(review: Review) -> Select[tuple[int]]:
    """The ids of the review's tracked recommendations (with a plan or a position)."""
    return select(Recommendation.id).where(
        Recommendation.review_id == review.id,
        or_(exists().where(FollowUpPlan.recommendation_id == Recommendation.id),
            exists().where(CoalitionPosition.recommendation_id == Recommendation.id)))


def count_tracked(review: Review) -> int:
    """How many of the review's recommendations are tracked (have a plan or a position)."""
    return db.session.execute(
        select(func.count()).select_from(_tracked(review).subquery())).scalar_one()


def _natural(code: str) -> tuple[Any, ...]:
    """'D7' before 'D43': digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part.lower()
                 for part in re.findall(r"\d+|\D+", code or ""))


def _theme_key(theme: Theme) -> tuple[Any, ...]:
    if theme.kind == "ohchr":
        return (0, _natural(theme.code), theme.id)
    return (1, theme.name.lower(), theme.id)


def _latest_response(rec: Recommendation, responses: list[Response]) -> LatestResponse:
    if responses:
        latest = max(responses, key=lambda r: (r.responded_on or date.min, r.id))
        return LatestResponse(latest.position_label, latest.words, latest.responded_on,
                              latest.kind_label, latest.source)
    return LatestResponse(rec.position_label, rec.position_words, None, "",
                          rec.position_source or "")


def build_report(review: Review) -> MidtermReport:
    """The review's tracked recommendations, grouped and ordered as the module says.

    Six queries whatever the number of recommendations (recommendations with their States and
    themes, plans with their organisations and actions, positions, responses)."""
    tracked = _tracked(review).scalar_subquery()
    recs = list(db.session.scalars(
        select(Recommendation).where(Recommendation.id.in_(tracked))
        .options(selectinload(Recommendation.recommending_states),
                 selectinload(Recommendation.themes))
        .order_by(Recommendation.paragraph_sort.is_(None), Recommendation.paragraph_sort,
                  Recommendation.paragraph, Recommendation.id)))
    plans = {p.recommendation_id: p for p in db.session.scalars(
        select(FollowUpPlan).where(FollowUpPlan.recommendation_id.in_(tracked))
        .options(selectinload(FollowUpPlan.lead_organisation),
                 selectinload(FollowUpPlan.supporting_organisations),
                 selectinload(FollowUpPlan.actions).selectinload(
                     AdvocacyAction.owner_organisation),
                 selectinload(FollowUpPlan.actions).selectinload(
                     AdvocacyAction.evidence_files)))}
    positions: dict[int, CoalitionPosition] = {}
    for pos in db.session.scalars(
            select(CoalitionPosition).where(CoalitionPosition.recommendation_id.in_(tracked))
            .options(selectinload(CoalitionPosition.organisation),
                     selectinload(CoalitionPosition.assessment).selectinload(
                         Assessment.organisation))
            .order_by(CoalitionPosition.adopted_on, CoalitionPosition.id)):
        positions[pos.recommendation_id] = pos  # ordered: the newest stays
    responses: dict[int, list[Response]] = {}
    for resp in db.session.scalars(select(Response).where(
            Response.recommendation_id.in_(tracked))):
        responses.setdefault(resp.recommendation_id, []).append(resp)

    sections: dict[int | None, ThemeSection] = {}
    for rec in recs:
        themes = sorted(rec.themes, key=_theme_key)
        first = themes[0] if themes else None
        section = sections.setdefault(first.id if first else None, ThemeSection(first))
        plan = plans.get(rec.id)
        position = positions.get(rec.id)
        adopted = position.assessment if position is not None else None
        if adopted is not None and adopted.visibility not in QUOTABLE_VISIBILITIES:
            adopted = None
        done = sorted((a for a in (plan.actions if plan else []) if a.done_on is not None),
                      key=lambda a: (a.done_on, a.id))
        section.entries.append(ReportEntry(rec, themes[1:], _latest_response(
            rec, responses.get(rec.id, [])), plan, position, adopted, done))
    ordered = sorted((s for s in sections.values() if s.theme is not None),
                     key=lambda s: _theme_key(s.theme))  # type: ignore[arg-type]
    if None in sections:
        ordered.append(sections[None])
    return MidtermReport(review, ordered)


# --- Markdown -------------------------------------------------------------------------------------

_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]|])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^([#>+\-=]|\d+(?=[.)]))")


def escape_text(text: str | None, block: bool = False) -> str:
    """Plain text (the UN's words, a name) as Markdown that shows exactly these words on one
    line: whitespace runs become one space; emphasis, code, link, table and HTML syntax are
    escaped and, for a `block` (a paragraph of its own), a line-opening heading, quote or list
    marker too."""
    one_line = " ".join((text or "").split())
    escaped = _INLINE_SYNTAX.sub(r"\\\1", one_line)
    escaped = _ENTITY.sub("&amp;", escaped)
    escaped = _TAG_START.sub("&lt;", escaped)
    if not block:
        return escaped
    match = _LINE_START.match(escaped)
    if match:
        if match.group(1) == "=":
            escaped = "&#61;" + escaped[1:]
        elif match.group(1).isdigit():
            end = match.end()
            escaped = escaped[:end] + "\\" + escaped[end:]
        else:
            escaped = "\\" + escaped
    return escaped


_ATX = re.compile(r"^( {0,3})(#)")
_SETEXT = re.compile(r"^( {0,3})([=-])(?=\2*\s*$)")
_RAW_TAG = re.compile(r"<(?!(?:https?://|mailto:))(?=[A-Za-z/!?])")


def contained_markdown(text: str | None) -> str:
    """Markdown a member wrote (evidence, an outcome, a reason), kept as Markdown (emphasis,
    links, lists) but unable to open a heading or raw HTML in the report: a line-opening '#' is
    escaped, a setext underline ('===', '---') is no longer one, raw tags are shown as text
    (autolinks stay). Trailing blank lines go."""
    lines = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _ATX.sub(r"\1\\\2", line)
        line = _SETEXT.sub(lambda m: m.group(1) + ("&#61;" if m.group(2) == "=" else "\\-"),
                           line)
        lines.append(_RAW_TAG.sub("&lt;", line))
    return "\n".join(lines).strip("\n")


def _date(value: date | None) -> str:
    return date_local(value, "long") if value else ""


def report_title(review: Review) -> str:
    """'Mid-term assessment: China, cycle 3' in the current language."""
    return _("Mid-term assessment: %(state)s, cycle %(cycle)s", state=review.state.name,
             cycle=review.cycle)


def _review_line(review: Review) -> str:
    parts = [_("%(state)s: UPR cycle %(cycle)s", state=escape_text(review.state.name),
               cycle=review.cycle)]
    if review.session:
        parts.append(_("Working Group session %(session)s", session=review.session))
    if review.review_date:
        parts.append(_("reviewed %(date)s", date=_date(review.review_date)))
    if review.report_symbol:
        parts.append(_("report %(symbol)s", symbol=escape_text(review.report_symbol)))
    if review.responses_symbol:
        parts.append(_("responses %(symbol)s", symbol=escape_text(review.responses_symbol)))
    if review.midterm_due:
        parts.append(_("mid-term report due %(date)s", date=_date(review.midterm_due)))
    return " · ".join(parts)


def _label(name: str, value: str) -> str:
    return f"- **{name}** {value}"


def _names(orgs: Iterable[Organisation]) -> str:
    return ", ".join(escape_text(o.name) for o in orgs)


def _response_line(response: LatestResponse) -> str:
    where = ", ".join(escape_text(p) for p in (response.kind_label, response.source) if p)
    if response.responded_on:
        where = ", ".join(p for p in (where, _date(response.responded_on)) if p)
    words = escape_text(response.words)
    text = response.position_label
    if words and words != escape_text(response.position_label):
        text = _("%(position)s: “%(words)s”", position=text, words=words)
    return f"{text} ({where})" if where else text


def _plan_line(plan: FollowUpPlan) -> str:
    parts = [_("lead: %(org)s", org=escape_text(plan.lead_organisation.name))
             if plan.lead_organisation else _("no lead organisation")]
    if plan.supporting_organisations:
        parts.append(_("supporting: %(orgs)s", orgs=_names(plan.supporting_organisations)))
    parts.append(plan.status_label)
    if plan.due_on:
        parts.append(_("due %(date)s", date=_date(plan.due_on)))
    return "; ".join(parts)


def _position_line(position: CoalitionPosition | None) -> str:
    if position is None:
        return _("No coalition position adopted yet.")
    if position.organisation is not None:
        return _("%(status)s, adopted %(date)s by %(org)s.", status=position.status_label,
                 date=_date(position.adopted_on), org=escape_text(position.organisation.name))
    return _("%(status)s, adopted %(date)s.", status=position.status_label,
             date=_date(position.adopted_on))


_URL = re.compile(r"https?://[^\s<>]+\Z")


def _links(links: list[str]) -> list[str]:
    """A list of source links: a web address as a link, anything else as text."""
    return [f"- <{link}>" if _URL.match(link) else f"- {escape_text(link)}" for link in links]


def _entry_markdown(entry: ReportEntry) -> list[str]:
    rec = entry.recommendation
    number = rec.paragraph or f"#{rec.id}"
    out = ["### " + _("Recommendation %(number)s", number=escape_text(number)), "",
           escape_text(rec.text, block=True), ""]
    states = ", ".join(escape_text(s.name) for s in rec.recommending_states)
    out.append(_label(_("Recommended by:"), states or _("no recommending State (a voluntary "
                                                           "pledge)")))
    if entry.other_themes:
        out.append(_label(_("Also under:"), "; ".join(
            escape_text(t.label) for t in entry.other_themes)))
    out.append(_label(_("Government's latest response:"), _response_line(entry.response)))
    if entry.plan is not None:
        out.append(_label(_("Follow-up:"), _plan_line(entry.plan)))
    out.append(_label(_("Coalition position:"), _position_line(entry.position)))
    out.append("")
    position = entry.position
    if position is not None and position.reason.strip():
        out += ["#### " + _("Reason for the position"), "",
                contained_markdown(position.reason), ""]
    out += ["#### " + _("Evidence"), ""]
    evidence = False
    if position is not None and position.assessment is not None and entry.adopted is None:
        evidence = True
        out += [_("The adopted assessment, by %(org)s, is kept by its organisation and not "
                  "quoted here.", org=escape_text(position.assessment.organisation.name)), ""]
    if entry.adopted is not None:
        evidence = True
        adopted = entry.adopted
        out += ["**" + _("Assessment by %(org)s, %(date)s: %(status)s",
                         org=escape_text(adopted.organisation.name),
                         date=_date(adopted.assessed_on), status=adopted.status_label) + "**",
                ""]
        if adopted.evidence.strip():
            out += [contained_markdown(adopted.evidence), ""]
        if adopted.links:
            out += [_("Sources:"), "", *_links(adopted.links), ""]
    for action in entry.done_actions:
        evidence = True
        out += ["**" + _("%(kind)s: %(title)s", kind=action.kind_label,
                         title=escape_text(action.title)) + "** — "
                + _("done %(date)s by %(org)s", date=_date(action.done_on),
                    org=escape_text(action.owner_organisation.name)), ""]
        if action.outcome.strip():
            out += [contained_markdown(action.outcome), ""]
        if action.link_list:
            out += [_("Sources:"), "", *_links(action.link_list), ""]
        if action.evidence_files:
            out += [_("Evidence files: %(names)s", names=", ".join(
                escape_text(f.filename) for f in action.evidence_files)), ""]
    if not evidence:
        out += [_("No evidence recorded yet."), ""]
    return out


def to_markdown(report: MidtermReport, today: date | None = None) -> str:
    """The report as the statement's Markdown text (no title: the statement has one; headings
    from level 2, as statements' texts allow)."""
    today = today or date.today()
    out = ["*" + ngettext("Draft generated on %(date)s from the coalition's follow-up records: "
                          "%(num)s tracked recommendation. Check every entry before the text "
                          "is opened for sign-on.",
                          "Draft generated on %(date)s from the coalition's follow-up records: "
                          "%(num)s tracked recommendations. Check every entry before the text "
                          "is opened for sign-on.", report.count, date=_date(today)) + "*", "",
           _review_line(report.review), ""]
    for section in report.sections:
        heading = escape_text(section.theme.label) if section.theme else _("No theme recorded")
        out += [f"## {heading}", ""]
        for entry in section.entries:
            out += _entry_markdown(entry)
    return "\n".join(out).rstrip("\n") + "\n"


def to_docx(report: MidtermReport, today: date | None = None) -> bytes:
    """The report as a Word document: its title, then the Markdown text rendered by the site's
    renderer and written by the statements' DOCX writer (headings, lists, bold, quotes)."""
    from docx import Document

    from coalition.statements.exports import _DocxWriter

    document = Document()
    document.add_heading(xml_text(report_title(report.review)), level=1)
    writer = _DocxWriter(document)
    writer.feed(xml_text(str(render_markdown(to_markdown(report, today)))))
    writer.close()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the statement draft --------------------------------------------------------------------------

def drafting_organisations(user: Any) -> list[Organisation]:
    """The organisations `user` may draft the report for, by name: the active steering
    organisations in which they are at least an editor; the coordinator (the secretariat): also
    every active organisation they belong to as an editor, and every active steering one.
    Empty: they may not draft it (a steering member who is only a viewer)."""
    rank = MEMBER_ROLES.index("editor")
    mine = [m.organisation for m in getattr(user, "memberships", [])
            if m.organisation.active and MEMBER_ROLES.index(m.role) >= rank]
    if is_coordinator(user):
        steering = db.session.scalars(select(Organisation).where(
            Organisation.active.is_(True), Organisation.is_steering.is_(True)))
        orgs = {o.id: o for o in [*mine, *steering]}
    else:
        orgs = {o.id: o for o in mine if o.is_steering}
    return sorted(orgs.values(), key=lambda o: (o.name.lower(), o.id))


def live_draft(review: Review) -> Statement | None:
    """The review's mid-term assessment draft that is not withdrawn, if one was opened (there is
    at most one: the index uq_statement_live_midterm)."""
    return db.session.scalars(select(Statement).where(
        Statement.midterm_review_id == review.id,
        Statement.status != "withdrawn").order_by(Statement.id)).first()


@dataclass
class Draft:
    """What generate_draft did: the statement, how many recommendations the report had, and
    whether the statement is new (False: the review's live draft, opened before)."""

    statement: Statement
    count: int
    created: bool


def generate_draft(actor: Any, review: Review, organisation: Organisation,
                   today: date | None = None) -> Draft:
    """Open the mid-term assessment of `review` as a joint-statement draft led by
    `organisation`, or, when the review already has one that is not withdrawn, give that one
    back (created=False; nothing written). After a withdrawal a fresh draft is opened.

    Two requests at the same moment open one draft: the review's row is locked while the
    draft is looked for and opened (PostgreSQL), and the database keeps at most one live draft
    per review (a partial unique index); the request that loses the race gets the winner's.

    Raises ServiceError (nothing written) when no recommendation of the review is tracked, when
    `organisation` is not one `actor` may draft for (field "organisation"), or when the text
    is longer than a statement may be. Who may call it is the policy's "midterm.generate"."""
    from sqlalchemy.exc import IntegrityError

    from coalition.statements.services import create_statement

    if organisation.id not in {o.id for o in drafting_organisations(actor)}:
        raise ServiceError(_("Choose an organisation you draft for."), "organisation")
    # Wait for whoever is opening this review's draft right now (a no-op on SQLite, whose
    # writers are serialised and which the unique index below still guards).
    db.session.execute(select(Review.id).where(Review.id == review.id).with_for_update())
    report = build_report(review)
    existing = live_draft(review)
    if existing is not None:
        return Draft(existing, report.count, False)
    if not report.count:
        raise ServiceError(_("No recommendation of this review is tracked yet: assign "
                             "follow-up or adopt a coalition position first, then draft the "
                             "mid-term assessment."))
    language = current_locale()
    try:
        with db.session.begin_nested():
            statement = create_statement(
                actor, organisation, report_title(review),
                _("Mid-term assessment of the recommendations of %(review)s",
                  review=review.report_symbol or review.display_title),
                "midterm", language if language in LANGUAGES else "en", [],
                to_markdown(report, today))
            statement.midterm_review_id = review.id
            db.session.flush()
    except IntegrityError:
        # Another request opened the review's draft between our look and our write.
        existing = live_draft(review)
        if existing is None:
            raise
        return Draft(existing, report.count, False)
    return Draft(statement, report.count, True)
