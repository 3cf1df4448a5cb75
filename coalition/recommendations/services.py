"""What the tracker does: import recommendations, record responses and assessments.

Every write is audited. An import is one transaction: the caller commits or rolls back the
whole file (a dry run always rolls back), so a fatal error leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from itertools import chain
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from coalition.audit import record
from coalition.core.archives import ZipLimits
from coalition.core.errors import ServiceError
from coalition.core.markdown import render_html
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.recommendations.importers import (
    coalition_export,
    detect_format,
    ohchr_matrix,
    uhri,
    upr_info,
    uwazi,
)
from coalition.recommendations.importers.records import (
    ImportFormatError,
    ParsedRecommendation,
    ParseResult,
)
from coalition.recommendations.importers.upr_info import text_key as normalised_text
from coalition.recommendations.models import (
    ASSESSMENT_VISIBILITIES,
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    RESPONSE_KINDS,
    TERRITORIES,
    Assessment,
    Recommendation,
    RecommendationTerritory,
    Response,
    recommendation_affected,
    recommendation_sdg,
    recommendation_theme,
    recommending_state,
)
from coalition.recommendations.repeats import link_repeated
from coalition.reviews import reference
from coalition.reviews.models import AffectedGroup, Review, State, Theme
from coalition.reviews.services import affected_group_ids, ensure_reference_data, get_review

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000
BATCH = 5000  # recommendations per INSERT batch
SQLITE_ROWS_PER_INSERT = 256  # rows per multi-row INSERT on SQLite (see _insert_sqlite)
CURRENT_CHUNK = 25  # existing reviews whose current state is read at once
MAX_CHANGES_LISTED = 500
# The rows a preview lists by outcome (created / updated / unchanged), per outcome. Each row is
# stored compactly as [line, paragraph, first 100 characters of the text, recommending States],
# about 137 bytes of JSON. Measured: 100,000 rows listed in full make 13.7 MB of report, read
# again on every page of the preview; 5,000 make 0.67 MB, so the three lists stay under 2 MB
# whatever the file, and the page says "and N more" beyond the cap. Problem rows are never
# capped: each one is listed.
ROWS_LISTED = 5000
# Skipped rows named in the audit event of an import that skipped them (the import's own page
# lists them all).
AUDITED_ROWS = 1000
ROW_SNIPPET = 100
OUTCOMES = ("created", "updated", "unchanged")


def _english(label: Any) -> str:
    """A (lazy) label as English text: what the audit trail stores, whatever the user's
    language, so that the trail reads the same for everyone."""
    with force_locale("en"):
        return str(label)


class ImportRefused(ServiceError):
    """The file has problem rows and the user did not choose to skip them: nothing is imported.

    `report` lists every problem row (line, reason); its counts are those reached when the
    problems were found (none, when they are found before any recommendation is compared).
    The caller rolls back (the import may have created reviews before it found a problem).
    """

    def __init__(self, report: ImportReport) -> None:
        count = len(report.errors)
        super().__init__(ngettext(
            "%(num)d row of the file has a problem, so nothing was imported. Correct the "
            "file, or import the good rows and skip the problem rows (--skip-errors on the "
            "command line).",
            "%(num)d rows of the file have problems, so nothing was imported. Correct the "
            "file, or import the good rows and skip the problem rows (--skip-errors on the "
            "command line).", count), "file")
        self.report = report


@dataclass(frozen=True, slots=True)
class NewReview:
    """A review named on the command line or the upload form (`egy-2`) that does not exist yet:
    the import creates it, with a notice, unless it is a dry run."""

    state_code: str
    cycle: int


def review_target(slug: str) -> Review | NewReview:
    """The review `STATE-CYCLE` names (`chn-3`, `egy-2`): the existing one, or a NewReview to
    create. ServiceError (field "review") for a malformed slug, an unknown State code, or a
    cycle outside 1 to 9."""
    code, _dash, cycle = (slug or "").strip().partition("-")
    if len(code) != 3 or not code.isalpha() or not cycle.isdigit():
        raise ServiceError(_("%(name)s is not a review: write the State's three-letter code "
                             "and the cycle, e.g. chn-3.", name=repr(slug)), "review")
    if not 1 <= int(cycle) <= 9:  # checked first: a huge number must not reach the database
        raise ServiceError(_("A UPR cycle is a number from 1 to 9."), "review")
    existing = get_review(code.upper(), int(cycle))
    if existing is not None:
        return existing
    if not any(ref.code == code.upper() for ref in reference.load_states()):
        raise ServiceError(_("No review %(name)s: %(code)s is not a State's code.",
                             name=repr(slug), code=code.upper()), "review")
    return NewReview(code.upper(), int(cycle))
# The columns insert_batch() writes, in the order of its tuples.
_RECOMMENDATION_COLUMNS = ("review_id", "paragraph", "paragraph_sort", "text", "text_key", "kind",
                           "uhri_annotation_id", "upr_info_id", "action_category", "position",
                           "position_words", "position_source", "created_at", "updated_at")
_RESPONSE_COLUMNS = ("recommendation_id", "kind", "responded_on", "position", "words", "source",
                     "url", "created_by_id", "created_at")


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), row by row where it matters."""

    filename: str
    format: str
    dry_run: bool
    rows_total: int = 0
    rows_merged: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)
    encoding: str | None = None
    # Things the user must know before confirming, e.g. "Review EGY cycle 2 will be created".
    notices: list[str] = field(default_factory=list)
    # The user chose to import the good rows and skip the problem rows (`errors`).
    skip_errors: bool = False
    # Problem rows and no skip_errors: nothing was (or, in a preview, would be) imported.
    refused: bool = False
    # Per outcome, up to ROWS_LISTED rows as [line, paragraph, text snippet, States].
    rows: dict[str, list[list[Any]]] = field(
        default_factory=lambda: {outcome: [] for outcome in OUTCOMES})

    @property
    def recommendations(self) -> int:
        return self.created + self.updated + self.unchanged

    def count_of(self, outcome: str) -> int:
        """How many recommendations had (or would have) this outcome."""
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged}[outcome]

    def listed(self, outcome: str, rec: ParsedRecommendation) -> None:
        rows = self.rows.setdefault(outcome, [])
        if len(rows) < ROWS_LISTED:
            rows.append([rec.source_line, rec.paragraph, rec.text[:ROW_SNIPPET],
                         ", ".join(rec.recommending_states)])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        for key in ("errors", "skipped", "warnings"):
            data[key] = [tuple(item) for item in data.get(key, [])]
        known = {f.name for f in fields(cls)}  # reports stored by older versions lack some
        return cls(**{key: value for key, value in data.items() if key in known})


def parse_file(filename: str, data: bytes) -> ParseResult:
    """Pick the importer from the file's content and parse it; ServiceError if unreadable.

    A .docx or .xlsx is checked against the app's ZIP_MAX_* limits before it is unpacked.
    """
    try:
        limits = ZipLimits.from_config(current_app.config)
        fmt = detect_format(filename, data, limits)
        if fmt == "ohchr_matrix":
            return ohchr_matrix.parse(data, filename, limits)
        if fmt == "uhri":
            return uhri.parse(data, filename=filename, limits=limits)
        if fmt == "upr_info_uwazi":
            return uwazi.parse(data, filename=filename, limits=limits)
        if fmt == "coalition_export":
            return coalition_export.parse(data, filename=filename, limits=limits)
        return upr_info.parse(data, filename=filename, limits=limits)
    except ImportFormatError as exc:
        raise ServiceError(exc.message, "file") from exc


def text_key(text: str) -> str:
    """A fixed-size identity for a recommendation's text (UPR Info rows have no paragraph)."""
    return hashlib.sha256(normalised_text(text).encode()).hexdigest()


def paragraph_sort_key(paragraph: str | None) -> int | None:
    """28.9 -> 28_0009, 28.10 -> 28_0010: numeric order of OHCHR paragraph numbers."""
    if not paragraph:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", paragraph)[:2]]
    if not numbers:
        return None
    major, minor = numbers[0], numbers[1] if len(numbers) > 1 else 0
    return major * 100_000 + minor


@dataclass(slots=True)
class _PlannedState:
    code: str
    name: str


@dataclass(slots=True)
class _PlannedReview:
    """A review a dry run would create: what the report and the comparison need of it, with a
    negative id, since nothing is written."""

    id: int
    state: Any  # .code and .name
    cycle: int
    session: int | None
    responses_symbol: str | None = None

    @property
    def title(self) -> str:
        return f"{self.state.name} — cycle {self.cycle}"


class _Importer:
    """Writes one parsed file; set-based so that 100,000 rows stay fast.

    A dry run only reads: it counts what it would create and compares what it would update,
    writing nothing, so a preview never holds SQLite's write lock (a comment posted while a
    120,000-row file previews must be saved, not "database is locked").
    """

    def __init__(self, actor: Any, result: ParseResult, report: ImportReport,
                 review: Review | NewReview | None, progress: Progress | None,
                 dry_run: bool = False, skip_errors: bool = False) -> None:
        self.dry_run = dry_run
        self.skip_errors = skip_errors
        self.target = review if isinstance(review, NewReview) else None
        self.planned = 0  # negative ids handed out to what a dry run would create
        self.actor = actor
        self.result = result
        self.report = report
        self.review: Any = None if isinstance(review, NewReview) else review
        self.progress = progress or (lambda done, total: None)
        self.now = utcnow()
        self.state_ids: dict[str, int] = {}
        self.reviews: dict[tuple[str, int], Review] = {}
        self.theme_ids: dict[tuple[str, str], int] = {}
        self.new_review_ids: set[int] = set()  # reviews this import created: nothing to compare
        self.created_notices: list[str] = []  # "Review ... was created", unsaid if refused
        self.current: dict[int, _CurrentState] = {}

    # --- lookups ------------------------------------------------------------------------------

    def fake_id(self) -> int:
        self.planned -= 1
        return self.planned

    def load_lookups(self) -> None:
        if not self.dry_run:
            ensure_reference_data()
        self.state_ids = {code: id_ for code, id_ in db.session.execute(
            select(State.code, State.id))}
        self.theme_ids = {(kind, code): id_ for kind, code, id_ in db.session.execute(
            select(Theme.kind, Theme.code, Theme.id))}

    def create_themes(self, records: list[ParsedRecommendation]) -> None:
        """The themes and issues the file names that the database lacks, in one flush."""
        missing: dict[tuple[str, str], str] = {}
        for rec in records:
            for code in rec.themes:
                if ("ohchr", code) not in self.theme_ids:
                    missing.setdefault(("ohchr", code), code)
            for issue in rec.issues:
                if ("upr_info", issue[:120]) not in self.theme_ids:
                    missing.setdefault(("upr_info", issue[:120]), issue[:200])
        if not missing:
            return
        if self.dry_run:
            self.theme_ids.update({key: self.fake_id() for key in missing})
            return
        themes = [Theme(kind=kind, code=code, name=name)
                  for (kind, code), name in missing.items()]
        db.session.add_all(themes)
        db.session.flush()
        self.theme_ids.update({(t.kind, t.code): t.id for t in themes})

    def theme_id(self, kind: str, code: str, name: str) -> int:
        key = (kind, code)
        if key not in self.theme_ids and self.dry_run:
            self.theme_ids[key] = self.fake_id()
        if key not in self.theme_ids:
            theme = Theme(kind=kind, code=code, name=name)
            db.session.add(theme)
            db.session.flush()
            self.theme_ids[key] = theme.id
        return self.theme_ids[key]

    def load_reviews(self, records: list[ParsedRecommendation]) -> None:
        """Find or create every review the file names, set-based, in order of first mention.

        Records review_for() would refuse are left for it to report.
        """
        if self.review is not None:
            return
        wanted: dict[tuple[str, int], int | None] = {}
        for rec in records:
            if rec.unresolved_states or not rec.state_under_review:
                continue
            try:
                cycle = _cycle_of(rec)
            except ValueError:
                continue
            if cycle is not None:
                wanted.setdefault((rec.state_under_review, cycle), rec.session)
        if not wanted:
            return
        codes = {code for code, _ in wanted}
        states = {s.code: s for s in db.session.scalars(select(State).where(
            State.code.in_(codes)))}
        for review in db.session.scalars(select(Review).join(State).where(
                State.code.in_(codes)).options(contains_eager(Review.state))):
            if (review.state.code, review.cycle) in wanted:
                self.reviews[(review.state.code, review.cycle)] = review
        if self.dry_run:
            for (code, cycle), session in wanted.items():
                if (code, cycle) not in self.reviews:
                    self.reviews[(code, cycle)] = self.plan_review(states.get(code), code,
                                                                   cycle, session)
            return
        created = [self.new_review(states[code], cycle, session)
                   for (code, cycle), session in wanted.items()
                   if (code, cycle) not in self.reviews]
        if not created:
            return
        db.session.add_all(created)
        db.session.flush()
        self.new_review_ids.update(review.id for review in created)
        for review in created:
            self.reviews[(review.state.code, review.cycle)] = review
            self.review_created(review)

    def new_review(self, state: State, cycle: int, session: int | None) -> Review:
        """A review to create for records naming it, with the date and report symbol the file
        gives for it (ParseResult.reviews: this platform's own export names them)."""
        details = self.result.reviews.get((state.code, cycle))
        if details is None:
            return Review(state=state, cycle=cycle, session=session)
        return Review(state=state, cycle=cycle,
                      session=details.session if details.session is not None else session,
                      review_date=details.review_date, report_symbol=details.report_symbol,
                      responses_symbol=details.responses_symbol,
                      midterm_due=details.midterm_due)

    def review_created(self, review: Review) -> None:
        """Audit a review this import created, and tell the user."""
        changes: dict[str, Any] = {"state": [None, review.state.code],
                                   "cycle": [None, review.cycle],
                                   "session": [None, review.session]}
        if review.review_date is not None:
            changes["review_date"] = [None, review.review_date.isoformat()]
        for name in ("report_symbol", "responses_symbol"):
            if getattr(review, name):
                changes[name] = [None, getattr(review, name)]
        if review.midterm_due is not None:
            changes["midterm_due"] = [None, review.midterm_due.isoformat()]
        record(self.actor, "review.create", review, changes)
        notice = _("Review %(code)s cycle %(cycle)s was created (%(state)s).",
                   code=review.state.code, cycle=review.cycle, state=review.state.name)
        self.created_notices.append(notice)
        self.report.notices.append(notice)

    def resolve_target(self, records: list[ParsedRecommendation]) -> None:
        """The review named by the user that does not exist yet (NewReview): planned in a dry
        run, created otherwise. Its session is the first the file gives in that cycle."""
        if self.target is None:
            return
        code, cycle = self.target.state_code, self.target.cycle
        session = None
        for rec in records:
            if rec.session is None:
                continue
            try:
                if reference.cycle_for_session(rec.session) == cycle:
                    session = rec.session
                    break
            except ValueError:
                continue
        state = db.session.execute(select(State).where(State.code == code)).scalar_one_or_none()
        existing = get_review(code, cycle)
        if existing is not None:  # created since the user named it
            self.review = existing
        elif self.dry_run or state is None:
            self.review = self.plan_review(state, code, cycle, session)
        else:
            review = Review(state=state, cycle=cycle, session=session)
            db.session.add(review)
            db.session.flush()
            self.new_review_ids.add(review.id)
            self.review_created(review)
            self.review = review

    def plan_review(self, state: State | None, code: str, cycle: int,
                    session: int | None) -> Any:
        """What a dry run reports for a review it would create (the State may be missing
        too, on a database that has no reference data yet)."""
        if state is None:
            ref = next((r for r in reference.load_states() if r.code == code), None)
            state = _PlannedState(code=code, name=ref.name if ref else code)
        planned = _PlannedReview(id=self.fake_id(), state=state, cycle=cycle, session=session)
        self.new_review_ids.add(planned.id)
        self.report.notices.append(_("Review %(code)s cycle %(cycle)s will be created "
                                     "(%(state)s).", code=code, cycle=cycle,
                                     state=state.name))
        return planned

    def review_for(self, rec: ParsedRecommendation) -> Review:
        """The review a record belongs to; ServiceError for a problem with the whole file."""
        if self.review is not None:
            if rec.state_under_review and rec.state_under_review != self.review.state.code:
                raise _RowProblem(_("the row is for %(row_state)s, not %(state)s",
                                    row_state=rec.state_under_review,
                                    state=self.review.state.name))
            # A review chosen by hand must not contradict the cycle the file names: importing
            # China's 3rd-cycle matrix into its 1st cycle would duplicate a whole review (and
            # make false "repeated" links).
            try:
                cycle = _cycle_of(rec)
            except ValueError:
                cycle = None
            if cycle is not None and cycle != self.review.cycle:
                raise _RowProblem(_("the file names cycle %(cycle)s of the review, not "
                                    "cycle %(review_cycle)s", cycle=cycle,
                                    review_cycle=self.review.cycle))
            return self.review
        try:
            cycle = _cycle_of(rec)
        except ValueError as exc:
            raise _RowProblem(_("session %(session)s is in no known UPR cycle",
                                session=rec.session)) from exc
        if not rec.state_under_review or cycle is None:
            raise ServiceError(_("The file does not say which review it is: choose the review "
                                 "(on the command line, --review STATE-CYCLE such as chn-3)."),
                               "review")
        key = (rec.state_under_review, cycle)
        if key not in self.reviews:  # load_reviews() made them all; this is a safety net
            review = get_review(*key)
            if review is None and self.dry_run:
                review = self.plan_review(db.session.execute(select(State).where(
                    State.code == rec.state_under_review)).scalar_one_or_none(),
                    rec.state_under_review, cycle, rec.session)
            if review is None:
                state = db.session.execute(
                    select(State).where(State.code == rec.state_under_review)).scalar_one()
                review = self.new_review(state, cycle, rec.session)
                db.session.add(review)
                db.session.flush()
                self.new_review_ids.add(review.id)
                self.review_created(review)
            self.reviews[key] = review
        return self.reviews[key]

    # --- the import ---------------------------------------------------------------------------

    def refuse_if_errors(self) -> None:
        """All or nothing: with problem rows and no skip_errors, a preview is marked refused
        and an import raises ImportRefused (the caller rolls back what it wrote)."""
        if not self.report.errors or self.skip_errors:
            return
        self.report.refused = True
        if not self.dry_run:
            self.report.errors.sort()
            # The reviews this import created are rolled back with it: say nothing of them.
            self.report.notices = [n for n in self.report.notices
                                   if n not in self.created_notices]
            raise ImportRefused(self.report)

    def run(self) -> None:
        self.load_lookups()
        records = self.result.records
        total = len(records)
        self.resolve_target(records)
        self.load_reviews(records)
        self.create_themes(records)
        by_review: dict[int, list[tuple[ParsedRecommendation, str]]] = defaultdict(list)
        reviews: dict[int, Review] = {}
        for index, rec in enumerate(records, start=1):
            if rec.unresolved_states:
                self.report.errors.append((rec.source_line, _(
                    "unknown recommending State(s): %(names)s",
                    names=", ".join(rec.unresolved_states))))
                continue
            try:
                review = self.review_for(rec)
            except _RowProblem as problem:
                self.report.errors.append((rec.source_line, str(problem)))
                continue
            reviews[review.id] = review
            by_review[review.id].append((rec, text_key(rec.text)))
            if index % PROGRESS_EVERY == 0:
                self.progress(index // 4, total)  # sorting is about a quarter of the work
        # Every problem known so far is found before a recommendation is written.
        self.refuse_if_errors()
        done = 0
        order = list(by_review)
        for position, review_id in enumerate(order):
            review = reviews[review_id]
            if review_id not in self.current:
                self.load_current(order[position:])
            created_before, updated_before = self.report.created, self.report.updated
            self.import_review(review, by_review[review_id],
                               lambda n, done_=done: self.progress(
                                   total // 4 + (done_ + n) * 3 // 4, total))
            self.current.pop(review_id, None)
            done += len(by_review[review_id])
            self.report.reviews.append(review.title)
            if self.dry_run:
                continue
            record(self.actor, "recommendations.import", review, {
                "file": [None, self.report.filename],
                "created": [None, self.report.created - created_before],
                "updated": [None, self.report.updated - updated_before]})
        self.refuse_if_errors()  # rows the comparison found twice in the file
        link_repeated([] if self.dry_run else list(reviews))
        self.progress(total, total)

    def load_current(self, review_ids: list[int]) -> None:
        """What the next reviews hold now, read for several reviews at once."""
        existing = [r for r in review_ids if r not in self.new_review_ids][:CURRENT_CHUNK]
        self.current.update(_CurrentState.for_reviews(existing))
        for review_id in review_ids:
            if review_id in self.new_review_ids:
                self.current.setdefault(review_id, _CurrentState.empty())

    def import_review(self, review: Review, items: list[tuple[ParsedRecommendation, str]],
                      progress: Callable[[int], None]) -> None:
        current = self.current.get(review.id) or _CurrentState.for_reviews([review.id])[review.id]
        new: list[tuple[ParsedRecommendation, str]] = []
        seen: set[int] = set()
        match = current.matcher()
        for rec, key in items:
            rec_id = match(rec, key)
            if rec_id is None:
                new.append((rec, key))
                self.report.listed("created", rec)
            elif rec_id in seen:
                self.report.errors.append((rec.source_line, _(
                    "the same recommendation appears twice in the file")))
            else:
                seen.add(rec_id)
                if self.result.states_per_row:
                    # One row per recommending State (UPR Info's old export): a file that lacks
                    # a State's row is a filtered excerpt, not a withdrawal, so States are added
                    # to those the recommendation has, never taken away.
                    rec.recommending_states = sorted(
                        {*current.states.get(rec_id, ()), *rec.recommending_states})
                if current.differs(rec_id, rec, key):
                    self.update_existing(rec_id, rec, key)
                else:
                    self.report.unchanged += 1
                    self.report.listed("unchanged", rec)
        for start in range(0, len(new), BATCH):
            self.insert_batch(review, new[start:start + BATCH])
            progress(start + len(new[start:start + BATCH]))

    def link_ids(self, rec: ParsedRecommendation) -> dict[str, list[Any]]:
        themes = [self.theme_id("ohchr", code, code) for code in dict.fromkeys(rec.themes)]
        themes += [self.theme_id("upr_info", issue[:120], issue[:200])
                   for issue in dict.fromkeys(rec.issues)]
        return {
            "states": [self.state_ids[c] for c in dict.fromkeys(rec.recommending_states)],
            "themes": list(dict.fromkeys(themes)),
            "sdgs": list(dict.fromkeys(rec.sdgs)),
        }

    def insert_batch(self, review: Review, batch: list[tuple[ParsedRecommendation, str]]) -> None:
        """Create a batch of one review's new recommendations with their links and first
        responses: one multi-row insert (SQLite) or COPY (PostgreSQL) per table."""
        if self.dry_run:
            self.report.created += len(batch)
            return
        now = self.now
        ids = _insert_rows(Recommendation.__table__, _RECOMMENDATION_COLUMNS, [(
            review.id, rec.paragraph, paragraph_sort_key(rec.paragraph), rec.text, key,
            rec.kind, rec.uhri_annotation_id, rec.upr_info_id, rec.action_category,
            rec.position, rec.position_words[:200],
            (rec.position_source or None) and rec.position_source[:200], now, now,
        ) for rec, key in batch], returning="id")
        names = {g for rec, _ in batch for g in rec.affected_persons}
        groups = affected_group_ids(names) if names else {}
        states: list[tuple[int, int]] = []
        themes: list[tuple[int, int]] = []
        sdgs: list[tuple[int, int]] = []
        affected: list[tuple[int, int]] = []
        territories: list[tuple[int, str]] = []
        responses: list[tuple[Any, ...]] = []
        created_by = getattr(self.actor, "id", None)
        default_source = review.responses_symbol or (
            "UPR Info database" if self.result.format.startswith("upr_info") else "")
        state_ids, theme_ids = self.state_ids, self.theme_ids
        for rec_id, (rec, _key) in zip(ids, batch, strict=True):
            # As link_ids(), inlined: this runs once per new recommendation.
            states += [(rec_id, state_ids[c]) for c in dict.fromkeys(rec.recommending_states)]
            linked = [theme_ids.get(("ohchr", c)) or self.theme_id("ohchr", c, c)
                      for c in rec.themes]
            linked += [theme_ids.get(("upr_info", i[:120]))
                       or self.theme_id("upr_info", i[:120], i[:200]) for i in rec.issues]
            themes += [(rec_id, t) for t in dict.fromkeys(linked)]
            sdgs += [(rec_id, n) for n in dict.fromkeys(rec.sdgs)]
            affected += [(rec_id, groups[g]) for g in dict.fromkeys(rec.affected_persons)]
            territories += [(rec_id, t) for t in dict.fromkeys(rec.territories)
                            if t in TERRITORIES]
            source = rec.position_source or default_source
            responses.append((rec_id, "addendum", None, rec.position, rec.position_words,
                              source[:300], None, created_by, now))
        for table, columns, rows_ in (
                (recommending_state, ("recommendation_id", "state_id"), states),
                (recommendation_theme, ("recommendation_id", "theme_id"), themes),
                (recommendation_sdg, ("recommendation_id", "sdg_number"), sdgs),
                (recommendation_affected, ("recommendation_id", "affected_group_id"), affected),
                (RecommendationTerritory.__table__, ("recommendation_id", "territory"),
                 territories),
                (Response.__table__, _RESPONSE_COLUMNS, responses)):
            _insert_rows(table, columns, rows_)
        self.report.created += len(batch)

    def update_existing(self, rec_id: int, rec: ParsedRecommendation, key: str) -> None:
        obj = db.session.get(Recommendation, rec_id)
        assert obj is not None
        # position_words follows the latest response (refresh_position); the file speaks for
        # the first one, compared below.
        values: dict[str, Any] = {"text": rec.text, "text_key": key, "kind": rec.kind}
        if rec.action_category is not None:
            values["action_category"] = rec.action_category
        for name in ("uhri_annotation_id", "upr_info_id"):  # kept when a file lacks them
            if getattr(rec, name):
                values[name] = getattr(rec, name)
        before = {
            "recommending_states": sorted(s.code for s in obj.recommending_states),
            "themes": sorted(t.code for t in obj.themes),
            "sdgs": sorted(s.number for s in obj.sdgs),
            "affected_persons": sorted(g.name for g in obj.affected_groups),
        }
        after = {
            "recommending_states": sorted(rec.recommending_states),
            "themes": sorted({*rec.themes, *(i[:120] for i in rec.issues)}),
            "sdgs": sorted(set(rec.sdgs)),
            "affected_persons": sorted(set(rec.affected_persons)),
        }
        # Compared, not applied (diff() would apply them): a dry run changes nothing.
        changes: dict[str, Any] = {name: [getattr(obj, name), value]
                                   for name, value in values.items()
                                   if getattr(obj, name) != value}
        changes.pop("text_key", None)
        for name in before:
            if before[name] != after[name]:
                changes[name] = [before[name], after[name]]
        # A corrected position replaces the imported first response, and moves the current
        # position only if no later statement has been recorded since.
        first = db.session.scalars(select(Response).where(
            Response.recommendation_id == obj.id, Response.kind == "addendum",
            Response.responded_on.is_(None)).order_by(Response.id).limit(1)).first()
        if first is not None and (first.position, first.words) != (rec.position,
                                                                   rec.position_words):
            changes["position"] = [first.position, rec.position]
        # The file's source of position is the first response's (the current position's only
        # while no later statement has been recorded: refresh_position).
        if rec.position_source:
            if first is None:
                if obj.position_source != rec.position_source:
                    values["position_source"] = rec.position_source
                    changes["position_source"] = [obj.position_source, rec.position_source]
            elif first.source != rec.position_source[:300]:
                changes["position_source"] = [first.source, rec.position_source]
        if changes and not self.dry_run:
            self.apply_update(obj, rec, values, changes, first)
        if changes:
            self.report.updated += 1
            self.report.listed("updated", rec)
            if len(self.report.changes) < MAX_CHANGES_LISTED:
                self.report.changes.append({"line": rec.source_line,
                                            "recommendation": obj.paragraph or obj.text[:80],
                                            "changes": changes})
        else:
            self.report.unchanged += 1
            self.report.listed("unchanged", rec)

    def apply_update(self, obj: Recommendation, rec: ParsedRecommendation,
                     values: dict[str, Any], changes: dict[str, Any],
                     first: Response | None) -> None:
        for name, value in values.items():
            setattr(obj, name, value)
        links = self.link_ids(rec)
        if "recommending_states" in changes:
            obj.recommending_states = list(db.session.scalars(
                select(State).where(State.id.in_(links["states"]))))
        if "themes" in changes:
            obj.themes = list(db.session.scalars(select(Theme).where(
                Theme.id.in_(links["themes"]))))
        if "sdgs" in changes:
            from coalition.reviews.models import Sdg

            obj.sdgs = list(db.session.scalars(select(Sdg).where(Sdg.number.in_(links["sdgs"]))))
        if "affected_persons" in changes:
            groups = affected_group_ids(set(rec.affected_persons))
            obj.affected_groups = list(db.session.scalars(select(AffectedGroup).where(
                AffectedGroup.id.in_(groups.values()))))
        if first is not None and ("position" in changes or "position_source" in changes):
            first.position, first.words = rec.position, rec.position_words
            if rec.position_source:
                first.source = rec.position_source[:300]
            refresh_position(obj)
        obj.updated_at = self.now
        record(self.actor, "recommendation.update", obj, changes)


class _CurrentState:
    """What a review's recommendations hold now, read in a few set queries (for several
    reviews at once), so that re-importing an unchanged file costs no query per row."""

    def __init__(self) -> None:
        self.rows: dict[int, Any] = {}
        self.states: dict[int, set[Any]] = defaultdict(set)
        self.themes: dict[int, set[Any]] = defaultdict(set)
        self.sdgs: dict[int, set[Any]] = defaultdict(set)
        self.affected: dict[int, set[Any]] = defaultdict(set)
        self.first_response: dict[int, tuple[str, str, str]] = {}

    @classmethod
    def empty(cls) -> _CurrentState:
        return cls()

    @classmethod
    def for_reviews(cls, review_ids: list[int]) -> dict[int, _CurrentState]:
        states = {review_id: cls() for review_id in review_ids}
        if not review_ids:
            return states
        of_rec: dict[int, _CurrentState] = {}
        for row in db.session.execute(
                select(Recommendation.id, Recommendation.review_id, Recommendation.paragraph,
                       Recommendation.text_key, Recommendation.text,
                       Recommendation.action_category, Recommendation.position_words,
                       Recommendation.position_source, Recommendation.kind,
                       Recommendation.uhri_annotation_id, Recommendation.upr_info_id)
                .where(Recommendation.review_id.in_(review_ids))):
            state = states[row.review_id]
            state.rows[row.id] = row
            of_rec[row.id] = state
        if not of_rec:
            return states
        in_reviews = select(Recommendation.id).where(Recommendation.review_id.in_(review_ids))
        for attr, query in (
            ("states", select(recommending_state.c.recommendation_id, State.code).join(State)
             .where(recommending_state.c.recommendation_id.in_(in_reviews))),
            ("themes", select(recommendation_theme.c.recommendation_id, Theme.code).join(Theme)
             .where(recommendation_theme.c.recommendation_id.in_(in_reviews))),
            ("sdgs", select(recommendation_sdg.c.recommendation_id,
                            recommendation_sdg.c.sdg_number)
             .where(recommendation_sdg.c.recommendation_id.in_(in_reviews))),
            ("affected", select(recommendation_affected.c.recommendation_id, AffectedGroup.name)
             .join(AffectedGroup)
             .where(recommendation_affected.c.recommendation_id.in_(in_reviews))),
        ):
            for rec_id, value in db.session.execute(query):
                getattr(of_rec[rec_id], attr)[rec_id].add(value)
        for rec_id, position, words, source in db.session.execute(
                select(Response.recommendation_id, Response.position, Response.words,
                       Response.source)
                .where(Response.recommendation_id.in_(in_reviews), Response.kind == "addendum",
                       Response.responded_on.is_(None)).order_by(Response.id.desc())):
            # ends on the earliest
            of_rec[rec_id].first_response[rec_id] = (position, words, source)
        return states

    def matcher(self) -> Callable[[ParsedRecommendation, str], int | None]:
        """How a file's record finds the recommendation it is: by the source's own identifier
        first (the same UHRI annotation or UPR Info id is the same recommendation, even if its
        text was corrected since), then by paragraph number, then by kind and normalised text.
        A row that carries a different identifier of the same source is another
        recommendation, whatever its text."""
        ids = {name: {getattr(row, name): rec_id for rec_id, row in self.rows.items()
                      if getattr(row, name)}
               for name in ("uhri_annotation_id", "upr_info_id")}
        by_paragraph = {row.paragraph: rec_id for rec_id, row in self.rows.items()
                        if row.paragraph}
        by_key = {(row.kind, row.text_key): rec_id for rec_id, row in self.rows.items()
                  if not row.paragraph}

        def match(rec: ParsedRecommendation, key: str) -> int | None:
            for name, known in ids.items():
                value = getattr(rec, name)
                if value and value in known:
                    return known[value]
            rec_id = (by_paragraph.get(rec.paragraph) if rec.paragraph
                      else by_key.get((rec.kind, key)))
            if rec_id is None:
                return None
            row = self.rows[rec_id]
            for name in ids:
                value, theirs = getattr(rec, name), getattr(row, name)
                if value and theirs and value != theirs:
                    return None
            return rec_id

        return match

    def differs(self, rec_id: int, rec: ParsedRecommendation, key: str) -> bool:
        row = self.rows[rec_id]
        if (row.text, row.text_key, row.kind) != (rec.text, key, rec.kind):
            return True
        for name in ("uhri_annotation_id", "upr_info_id"):
            if getattr(rec, name) and getattr(rec, name) != getattr(row, name):
                return True
        first = self.first_response.get(rec_id)
        if rec.position_source and rec.position_source[:300] != (
                first[2] if first is not None else row.position_source):
            return True
        if rec.action_category is not None and rec.action_category != row.action_category:
            return True
        themes = {*rec.themes, *(issue[:120] for issue in rec.issues)}
        return (self.states.get(rec_id, set()) != set(rec.recommending_states)
                or self.themes.get(rec_id, set()) != themes
                or self.sdgs.get(rec_id, set()) != set(rec.sdgs)
                or self.affected.get(rec_id, set()) != set(rec.affected_persons)
                or (first is not None and first[:2] != (rec.position, rec.position_words)))


def _insert_rows(table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 returning: str | None = None) -> list[Any]:
    """Insert many rows (tuples of values in the order of `columns`) into a table, in this
    transaction; with `returning` (an integer key column with a sequence), the new rows' keys,
    in the order of `rows`.

    Values are converted by the columns' own SQLAlchemy types (e.g. UTCDateTime), once per
    distinct value, and always travel as data, never as SQL text: table and column names come
    from the models. PostgreSQL takes them through COPY (`_copy_rows`), SQLite as multi-row
    INSERTs (`_insert_sqlite`). Both keep the full-text search current: PostgreSQL's index is
    on an expression of the column, SQLite's FTS5 table is fed by its insert trigger.
    """
    if not rows:
        return []
    dialect = db.session.get_bind().dialect
    typed = [(index, process, {}) for index, c in enumerate(columns)
             if (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))]
    if typed:
        def convert(row: Sequence[Any]) -> Sequence[Any]:
            out = list(row)
            for index, process, seen in typed:
                raw = out[index]
                if raw is not None:
                    value = seen.get(raw)
                    if value is None:
                        value = seen[raw] = process(raw)
                    out[index] = value
            return out

        rows = [convert(row) for row in rows]
    if dialect.name == "postgresql":
        return _copy_rows(table, columns, rows, returning)
    return _insert_sqlite(table, columns, rows, returning)


def _copy_rows(table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               returning: str | None) -> list[Any]:
    """PostgreSQL: the rows through COPY ... FROM STDIN on the session's own connection (so in
    its transaction), each value sent by psycopg's `Copy.write_row` in COPY's text format.

    Ten times cheaper than INSERTs, which psycopg and SQLAlchemy process parameter by
    parameter. New keys come from the column's sequence first (`nextval` once per row, in one
    statement), so COPY needs no RETURNING and the caller still learns every row's key. A
    constraint violation raises SQLAlchemy's IntegrityError, as an INSERT would.
    """
    from psycopg import sql
    from psycopg.errors import IntegrityError as PgIntegrityError
    from sqlalchemy.dialects.postgresql import REGCLASS

    keys: list[Any] = []
    if returning is not None:
        sequence = cast(func.pg_get_serial_sequence(table.name, returning), REGCLASS)
        keys = list(db.session.scalars(select(func.nextval(sequence)).select_from(
            func.generate_series(1, len(rows)))))
        columns = [returning, *columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    cursor = db.session.connection().connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            if returning is None:
                for row in rows:
                    copy.write_row(row)
            else:
                for key, row in zip(keys, rows, strict=True):
                    copy.write_row((key, *row))
    except PgIntegrityError as error:
        raise IntegrityError(statement.as_string(cursor), None, error) from error
    finally:
        cursor.close()
    return keys


def _insert_sqlite(table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                   returning: str | None) -> list[Any]:
    """SQLite: multi-row INSERTs of up to SQLITE_ROWS_PER_INSERT rows straight to the driver.

    SQLAlchemy would run one INSERT per row (executemany, and for an ordered RETURNING a
    statement per row), which fires the full-text trigger as a statement of its own each time,
    ten times slower than inside one statement. SQLite numbers new rows in the order it
    inserts them (the largest rowid plus one), so sorting the returned keys restores the
    rows' order.

    Memory: Python's sqlite3 keeps the last 128 prepared statements per connection, and a
    prepared multi-row INSERT grows with its rows (about 1 MB for 1,000 rows of 14 columns).
    With a statement per remainder size, a 100,000-row import kept some 70 MB of them; so the
    rows go in statements of SQLITE_ROWS_PER_INSERT, then of powers of two for the rest: at
    most nine shapes per table.
    """
    dialect = db.session.get_bind().dialect
    limit = 32_766 if dialect.dbapi.sqlite_version_info >= (3, 32) else 999
    per_statement = max(1, min(SQLITE_ROWS_PER_INSERT, limit // len(columns)))
    placeholders = "(" + ", ".join("?" * len(columns)) + ")"
    # Table and column names come from the models, values go as parameters.
    head = (f'INSERT INTO "{table.name}" ('  # noqa: S608
            + ", ".join(f'"{c}"' for c in columns) + ") VALUES ")
    tail = f' RETURNING "{returning}"' if returning else ""
    # The session's own DB-API connection, so in its transaction; its cursor hands back the
    # keys without SQLAlchemy's row processing.
    cursor = db.session.connection().connection.cursor()
    returned: list[Any] = []
    try:
        start = 0
        while start < len(rows):
            size = min(per_statement, 1 << ((len(rows) - start).bit_length() - 1))
            chunk = rows[start:start + size]
            start += size
            statement = head + ", ".join([placeholders] * size) + tail
            cursor.execute(statement, tuple(chain.from_iterable(chunk)))
            if returning:
                returned.extend(key for (key,) in cursor.fetchall())
    except dialect.dbapi.IntegrityError as error:
        raise IntegrityError(head, None, error) from error
    finally:
        cursor.close()
    if returning:
        returned.sort()
        if len(returned) != len(rows):
            raise RuntimeError(f"an insert into {table.name} did not return one row per row")
    return returned


class _RowProblem(Exception):
    """A record that cannot be imported; reported with its line, the rest goes on."""


def _cycle_of(rec: ParsedRecommendation) -> int | None:
    """The UPR cycle a record names: its own `cycle` (an importer may read one) or the cycle of
    its session; None if it names neither. ValueError for a session in no known cycle."""
    cycle = getattr(rec, "cycle", None)
    if cycle is not None:
        return int(cycle)
    if rec.session is None:
        return None
    return reference.cycle_for_session(rec.session)


def import_file(actor: Any, filename: str, data: bytes, review: Review | NewReview | None = None,
                dry_run: bool = False, progress: Progress | None = None,
                skip_errors: bool = False, job: Any = None) -> ImportReport:
    """Import a recommendations file into the current transaction and report what it did.

    All or nothing: a file with problem rows (unreadable rows, unknown recommending States, a
    row for another review, a recommendation twice) imports nothing and raises ImportRefused,
    whose report lists every problem row, unless `skip_errors` is set: then the good rows are
    imported and the problem rows are reported as skipped (and audited on `job`, if given).
    A dry run never raises ImportRefused: its report is marked `refused` instead.

    Raises ServiceError for a file that cannot be imported at all. The caller commits, or rolls
    back on any error (ImportRefused included); a dry run writes nothing.
    """
    return import_parsed(actor, filename, parse_file(filename, data), review, dry_run, progress,
                         skip_errors=skip_errors, job=job)


def import_parsed(actor: Any, filename: str, result: ParseResult,
                  review: Review | NewReview | None = None, dry_run: bool = False,
                  progress: Progress | None = None, skip_errors: bool = False,
                  job: Any = None) -> ImportReport:
    """import_file() for a file parse_file() has already read: the parsing, which takes most
    of the time, then happens before the write transaction begins."""
    report = ImportReport(filename=filename, format=result.format, dry_run=dry_run,
                          rows_total=result.rows_total, rows_merged=result.rows_merged,
                          errors=[(e.source_line, e.reason) for e in result.errors],
                          skipped=list(result.skipped), warnings=list(result.warnings),
                          encoding=result.encoding, skip_errors=skip_errors)
    _Importer(actor, result, report, review, progress, dry_run, skip_errors).run()
    report.errors.sort()
    if not dry_run and skip_errors and report.errors and job is not None:
        record(actor, "import.skip_errors", job, {
            "skip_errors": [False, True],
            "imported": [None, report.recommendations],
            "skipped_rows": [None, [f"line {line}: {reason}"
                                    for line, reason in report.errors[:AUDITED_ROWS]]
                             + ([f"and {len(report.errors) - AUDITED_ROWS} more (listed on "
                                 "the import's page)"]
                                if len(report.errors) > AUDITED_ROWS else [])]})
    return report


# --- responses and assessments ----------------------------------------------------------------

def refresh_position(rec: Recommendation) -> None:
    """The current position is that of the latest dated response (undated ones come first):
    its position, its words and the source of those words, together (a LegCo answer's words
    are never shown as the UN addendum's)."""
    responses = db.session.scalars(select(Response).where(
        Response.recommendation_id == rec.id)).all()
    if not responses:
        return
    latest = max(responses, key=lambda r: (r.responded_on or date.min, r.id))
    rec.position = latest.position
    rec.position_words = latest.words[:200]
    rec.position_source = (latest.source or "")[:200] or None


def add_response(actor: Any, rec: Recommendation, kind: str, position: str,
                 responded_on: date | None, words: str = "", source: str = "",
                 url: str | None = None) -> Response:
    if kind not in RESPONSE_KINDS:
        raise ServiceError(_("Choose a kind of statement from the list."), "kind")
    if position not in POSITIONS:
        raise ServiceError(_("Choose supported, supported in part, noted or pending."), "position")
    if responded_on is not None and responded_on > date.today():
        raise ServiceError(_("The date cannot be in the future."), "responded_on")
    response = Response(recommendation=rec, kind=kind, position=position,
                        responded_on=responded_on, words=(words or "").strip(),
                        source=(source or "").strip()[:300], url=(url or "").strip() or None,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(response)
    db.session.flush()
    before = rec.position
    refresh_position(rec)
    changes: dict[str, Any] = {"response": [None, f"{_english(RESPONSE_KINDS[kind])}: {position}"]}
    if rec.position != before:
        changes["position"] = [before, rec.position]
    rec.updated_at = utcnow()
    record(actor, "response.create", rec, changes)
    return response


def add_assessment(actor: Any, rec: Recommendation, organisation: Any, status: str,
                   assessed_on: date, evidence: str = "", source_links: str = "",
                   visibility: str = "coalition") -> Assessment:
    """Record `organisation`'s assessment of `rec`. Raises ServiceError naming the field for an
    unknown status or visibility, or a date in the future."""
    if status not in IMPLEMENTATION_STATUSES:
        raise ServiceError(_("Choose an implementation status from the list."), "status")
    if visibility not in ASSESSMENT_VISIBILITIES:
        raise ServiceError(_("Choose who may read the assessment from the list."), "visibility")
    if assessed_on > date.today():
        raise ServiceError(_("An assessment cannot be dated in the future."), "assessed_on")
    assessment = Assessment(recommendation=rec, organisation=organisation,
                            author_id=getattr(actor, "id", None), status=status,
                            assessed_on=assessed_on, evidence=(evidence or "").strip(),
                            evidence_html=render_html((evidence or "").strip()),
                            source_links=(source_links or "").strip(), visibility=visibility)
    db.session.add(assessment)
    db.session.flush()
    refresh_latest_assessment(rec)
    # Codes and an ISO date, not a sentence: the audit log writes them in its reader's
    # language (coalition.audit.labels).
    record(actor, "assessment.create", rec, {
        "organisation": [None, organisation.name], "status": [None, status],
        "assessed_on": [None, assessed_on.isoformat()], "visibility": [None, visibility]},
        organisation=organisation)
    return assessment


def refresh_latest_assessment(rec: Recommendation) -> None:
    """Set the recommendation's denormalised latest assessments: the latest one the coalition
    may read (visibility coalition or public) and the latest public one (issue 10)."""
    def latest(visibilities: tuple[str, ...]) -> Assessment | None:
        return db.session.scalars(select(Assessment).where(
            Assessment.recommendation_id == rec.id,
            Assessment.visibility.in_(visibilities)).order_by(
            Assessment.assessed_on.desc(), Assessment.id.desc()).limit(1)).first()

    coalition_latest = latest(("coalition", "public"))
    public_latest = latest(("public",))
    rec.latest_assessment_id = coalition_latest.id if coalition_latest else None
    rec.latest_status = coalition_latest.status if coalition_latest else None
    rec.latest_public_assessment_id = public_latest.id if public_latest else None
    rec.latest_public_status = public_latest.status if public_latest else None
    rec.updated_at = utcnow()


def set_assessment_visibility(actor: Any, assessment: Assessment, visibility: str) -> None:
    """Say who may read an assessment: "organisation", "coalition" or "public"
    (ASSESSMENT_VISIBILITIES). Raises ServiceError (field "visibility") for another value."""
    if visibility not in ASSESSMENT_VISIBILITIES:
        raise ServiceError(_("Choose who may read the assessment from the list."), "visibility")
    if visibility == assessment.visibility:
        return
    before = assessment.visibility
    assessment.visibility = visibility
    db.session.flush()
    refresh_latest_assessment(assessment.recommendation)
    record(actor, "assessment.visibility", assessment.recommendation,
           {"visibility": [before, visibility]}, organisation=assessment.organisation)


def set_territories(actor: Any, rec: Recommendation, territories: list[str]) -> None:
    unknown = [t for t in territories if t not in TERRITORIES]
    if unknown:
        raise ServiceError(_("Unknown territory: %(names)s", names=", ".join(unknown)),
                           "territories")
    before = rec.territories
    after = sorted(set(territories))
    if before == after:
        return
    rec.territory_rows = [RecommendationTerritory(territory=t) for t in after]
    record(actor, "recommendation.update", rec, {"territories": [before, after]})


def timeline(rec: Recommendation, visible: Any = None) -> list[tuple[date | None, str, Any]]:
    """Responses and assessments of a recommendation in date order, oldest first, as
    (date, "response" | "assessment", object). `visible`: a condition on Assessment
    (coalition.access.visible_assessments) keeping those the reader may see; None keeps all."""
    responses = db.session.scalars(select(Response).where(
        Response.recommendation_id == rec.id)).all()
    query = select(Assessment).where(Assessment.recommendation_id == rec.id)
    if visible is not None:
        query = query.where(visible)
    assessments = db.session.scalars(query).all()
    items: list[tuple[date | None, str, Any]] = [(r.responded_on, "response", r)
                                                  for r in responses]
    items += [(a.assessed_on, "assessment", a) for a in assessments]
    return sorted(items, key=lambda item: (item[0] or date.min, item[1] != "response",
                                           item[2].id))
