"""Reference data and reviews. Every write is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from coalition.audit import diff, record
from coalition.audit.services import snapshot
from coalition.core.errors import ServiceError
from coalition.extensions import db
from coalition.reviews import reference
from coalition.reviews.models import AffectedGroup, Review, Sdg, State, Theme

REVIEW_FIELDS = [
    "cycle",
    "session",
    "review_date",
    "report_symbol",
    "responses_symbol",
    "midterm_due",
    "submission_deadline",
    "presession_date",
    "adoption_date",
    "hrc_session",
]


def ensure_reference_data() -> None:
    """Insert the States, SDGs and OHCHR themes shipped with the package that are missing.

    Idempotent and cheap when nothing is missing, so every importer and the demo call it.
    """
    have_states = set(db.session.execute(select(State.code)).scalars())
    for ref in reference.load_states():
        if ref.code not in have_states:
            db.session.add(State(code=ref.code, name=ref.name, regional_group=ref.regional_group))
    have_sdgs = set(db.session.execute(select(Sdg.number)).scalars())
    for sdg in reference.load_sdgs():
        if sdg.number not in have_sdgs:
            db.session.add(Sdg(number=sdg.number, name=sdg.name))
    have_themes = set(db.session.execute(select(Theme.code).where(Theme.kind == "ohchr")).scalars())
    for theme in reference.load_themes():
        if theme.code not in have_themes:
            db.session.add(Theme(kind="ohchr", code=theme.code, name=theme.name))
    db.session.flush()


def state_by_code(code: str) -> State | None:
    return db.session.execute(select(State).where(State.code == code.upper())).scalar_one_or_none()


def get_review(state_code: str, cycle: int) -> Review | None:
    return db.session.execute(
        select(Review).join(State).where(State.code == state_code.upper(), Review.cycle == cycle)
    ).scalar_one_or_none()


def review_from_slug(slug: str) -> Review | None:
    """`chn-3` (State code and cycle) names a review in URLs and on the command line."""
    code, _dash, cycle = slug.partition("-")
    if not cycle.isdigit() or len(code) != 3:
        return None
    return get_review(code, int(cycle))


def create_review(
    actor: Any,
    state_code: str,
    cycle: int,
    session: int | None = None,
    review_date: date | None = None,
    report_symbol: str | None = None,
    responses_symbol: str | None = None,
    midterm_due: date | None = None,
    submission_deadline: date | None = None,
    presession_date: date | None = None,
    adoption_date: date | None = None,
    hrc_session: int | None = None,
) -> Review:
    ensure_reference_data()
    state = state_by_code(state_code or "")
    if state is None:
        raise ServiceError(_("Unknown State code %(code)s.", code=repr(state_code)), "state_code")
    _check_cycle(cycle, session)
    if get_review(state.code, cycle) is not None:
        raise ServiceError(_("%(state)s already has a review in cycle %(cycle)s.",
                             state=state.name, cycle=cycle), "cycle")
    review = Review(
        state=state,
        cycle=cycle,
        session=session,
        review_date=review_date,
        report_symbol=report_symbol or None,
        responses_symbol=responses_symbol or None,
        midterm_due=midterm_due,
        submission_deadline=submission_deadline,
        presession_date=presession_date,
        adoption_date=adoption_date,
        hrc_session=hrc_session,
    )
    db.session.add(review)
    record(actor, "review.create", review, snapshot(review, REVIEW_FIELDS))
    return review


def _check_cycle(cycle: int, session: int | None) -> None:
    if not 1 <= cycle <= 9:
        raise ServiceError(_("A UPR cycle is a number from 1."), "cycle")
    if session is not None:
        try:
            expected = reference.cycle_for_session(session)
        except ValueError as exc:
            raise ServiceError(_("Session %(session)s is in no known UPR cycle.", session=session),
                               "session") from exc
        if expected != cycle:
            raise ServiceError(
                _("Session %(session)s belongs to cycle %(expected)s, not %(cycle)s.",
                  session=session, expected=expected, cycle=cycle), "session"
            )


def update_review(actor: Any, review: Review, **values: Any) -> dict[str, list[Any]]:
    values = {k: v for k, v in values.items() if k in REVIEW_FIELDS}
    _check_cycle(values.get("cycle", review.cycle), values.get("session", review.session))
    if values.get("cycle", review.cycle) != review.cycle:
        other = get_review(review.state.code, values["cycle"])
        if other is not None:
            raise ServiceError(_("%(state)s already has a review in that cycle.",
                                 state=review.state.name), "cycle")
    changes = diff(review, values)
    if changes:
        record(actor, "review.update", review, changes)
    return changes


def list_reviews() -> list[tuple[Review, int, int, int, int]]:
    """Every review with its counts of supported, supported-in-part, noted and pending
    recommendations (in that order)."""
    from coalition.recommendations.models import Recommendation

    def count_of(position: str) -> Any:
        return func.count(case((Recommendation.position == position, 1)))

    rows = db.session.execute(
        select(Review, count_of("supported"), count_of("supported_in_part"), count_of("noted"),
               count_of("pending"))
        .join(State)
        .outerjoin(Recommendation, Recommendation.review_id == Review.id)
        .group_by(Review.id, State.name)
        .order_by(State.name, Review.cycle.desc())
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def affected_group_ids(names: set[str]) -> dict[str, int]:
    """Ids of affected-persons groups by name, creating the ones not seen before."""
    known = dict(
        db.session.execute(
            select(AffectedGroup.name, AffectedGroup.id).where(AffectedGroup.name.in_(names))
        ).all()
    )
    for name in names - set(known):
        group = AffectedGroup(name=name)
        db.session.add(group)
        db.session.flush()
        known[name] = group.id
    return known


def chosen_themes(ids: Sequence[int], field_name: str = "themes") -> list[Theme]:
    """The themes of `ids` (None ignored, each once, by id); a ServiceError on `field_name`
    when one of them does not exist (a form's choices tampered with or gone)."""
    wanted = sorted({i for i in ids if i is not None})
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(wanted)))) if wanted else []
    if len(themes) != len(wanted):
        raise ServiceError(_("Choose themes from the list."), field_name)
    return themes
