"""The coalition's position on how far a recommendation is implemented (issue 11, item 3).

Member organisations record assessments and may disagree; a steering member (rule
"position.adopt") adopts one of them as the coalition's position at a date, with a reason, or
writes the coalition's own. Positions are append-only (CoalitionPosition): the newest, by
adopted_on then id, is current and is also kept in CoalitionPositionCurrent (one row per
recommendation) for the tracker's facet and the dashboards. Positions are coalition-internal
(rule "followup.view"): never shown to researchers or the public, nor exported.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from coalition.access import can
from coalition.audit.services import record
from coalition.core.errors import ServiceError
from coalition.core.markdown import render_html
from coalition.extensions import db
from coalition.followup.models import CoalitionPosition, FollowUpPlan
from coalition.followup.position_models import CoalitionPositionCurrent
from coalition.notifications.services import notify
from coalition.organisations.models import Membership, Organisation
from coalition.recommendations.models import IMPLEMENTATION_STATUSES, Assessment, Recommendation

REASON_MAX = 20_000  # characters of a position's reason (Markdown)


def acting_organisation(actor: Any) -> Organisation | None:
    """The steering organisation `actor` adopts a position for (the first by name of the
    active steering organisations they belong to); None for the coordinator acting alone."""
    orgs = sorted((m.organisation for m in getattr(actor, "memberships", [])
                   if m.organisation.active and m.organisation.is_steering),
                  key=lambda o: o.name)
    return orgs[0] if orgs else None


def adopt(actor: Any, rec: Recommendation, adopted_on: date | None, reason: str = "",
          assessment: Assessment | None = None, status: str | None = None) -> CoalitionPosition:
    """Record a coalition position on `rec` at `adopted_on`: `assessment`'s status (a member
    assessment of `rec` that `actor` may read) or, without one, `status` written by the
    steering member, then with a reason required. The caller checks "position.adopt".

    Returns the flushed CoalitionPosition; the current position (CoalitionPositionCurrent)
    follows in the same statement, atomically (two adoptions racing keep the newest).
    Notifies the members of the assessment's organisation and of the plan's lead
    organisation (kind "position_adopted"), not `actor`.

    Raises ServiceError naming the field ("assessment", "status", "adopted_on", "reason");
    nothing is written then.
    """
    reason = (reason or "").strip()
    if assessment is not None:
        if assessment.recommendation_id != rec.id:
            raise ServiceError(_("This assessment is not one of this recommendation's."),
                               "assessment")
        if not can(actor, "assessment.view", assessment):
            raise ServiceError(_("Choose an assessment from the list."), "assessment")
        status = assessment.status
    elif status not in IMPLEMENTATION_STATUSES:
        raise ServiceError(_("Choose an implementation status from the list."), "status")
    elif not reason:
        raise ServiceError(_("Give the reason for the coalition's own position."), "reason")
    if adopted_on is None:
        raise ServiceError(_("Give the date of the position."), "adopted_on")
    if adopted_on > date.today():
        raise ServiceError(_("A position cannot be dated in the future."), "adopted_on")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("The reason is too long (at most %(n)s characters).",
                             n=REASON_MAX), "reason")
    organisation = acting_organisation(actor)
    position = CoalitionPosition(
        recommendation_id=rec.id, status=status, adopted_on=adopted_on, reason=reason,
        reason_html=render_html(reason), assessment_id=assessment.id if assessment else None,
        adopted_by_id=getattr(actor, "id", None),
        organisation_id=organisation.id if organisation else None)
    db.session.add(position)
    db.session.flush()
    _keep_current(position)
    record(actor, "position.adopt", rec, {
        "status": [None, status], "adopted_on": [None, adopted_on.isoformat()],
        "assessment": [None, assessment.organisation.name if assessment else None]},
        organisation=organisation)
    _notify(actor, rec, position, assessment)
    return position


def _keep_current(position: CoalitionPosition) -> None:
    """Upsert the recommendation's current position: replaced only by a newer one (by
    adopted_on, then id), in one statement, so concurrent adoptions cannot lose the newest."""
    table: Any = CoalitionPositionCurrent.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(recommendation_id=position.recommendation_id,
                                     position_id=position.id, status=position.status,
                                     adopted_on=position.adopted_on)
    new = statement.excluded
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.recommendation_id],
        set_={"position_id": new.position_id, "status": new.status,
              "adopted_on": new.adopted_on},
        where=or_(table.c.adopted_on < new.adopted_on,
                  and_(table.c.adopted_on == new.adopted_on,
                       table.c.position_id < new.position_id))))
    db.session.expire_all()


def _notify(actor: Any, rec: Recommendation, position: CoalitionPosition,
            assessment: Assessment | None) -> None:
    org_ids = set()
    if assessment is not None:
        org_ids.add(assessment.organisation_id)
    lead = db.session.scalar(select(FollowUpPlan.lead_organisation_id).where(
        FollowUpPlan.recommendation_id == rec.id))
    if lead is not None:
        org_ids.add(lead)
    if not org_ids:
        return
    users = [m.user for m in db.session.scalars(
        select(Membership).join(Organisation).where(
            Membership.organisation_id.in_(org_ids), Organisation.active.is_(True))
        .options(joinedload(Membership.user)))]
    from flask import has_request_context, url_for

    # Outside a request (the demo, a CLI command) without SERVER_NAME, url_for cannot build.
    path = (url_for("recommendations.show", rec_id=rec.id) if has_request_context()
            else f"/recommendations/{rec.id}")
    notify(users, "position_adopted",
           _l("The coalition adopted its position on recommendation %(number)s."),
           args={"number": rec.paragraph or f"#{rec.id}"},
           url=path + "#coalition-position",
           key=f"position:{position.id}", exclude=actor)


def history(rec: Recommendation) -> list[CoalitionPosition]:
    """Every position on `rec`, newest (the current one) first, with who adopted it, for
    which organisation, and the assessment adopted."""
    return list(db.session.scalars(
        select(CoalitionPosition).where(CoalitionPosition.recommendation_id == rec.id)
        .order_by(CoalitionPosition.adopted_on.desc(), CoalitionPosition.id.desc())
        .options(joinedload(CoalitionPosition.adopted_by),
                 joinedload(CoalitionPosition.organisation),
                 joinedload(CoalitionPosition.assessment).joinedload(Assessment.organisation))))


def current(rec_ids: Iterable[int]) -> dict[int, CoalitionPosition]:
    """The current position of each of `rec_ids` that has one ({recommendation id:
    CoalitionPosition}), in one statement."""
    ids = list(rec_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(CoalitionPosition).join(CoalitionPositionCurrent,
                                       CoalitionPositionCurrent.position_id
                                       == CoalitionPosition.id)
        .where(CoalitionPositionCurrent.recommendation_id.in_(ids))
        .options(joinedload(CoalitionPosition.organisation)))
    return {p.recommendation_id: p for p in rows}


def adoptable_assessments(actor: Any, rec: Recommendation) -> list[Assessment]:
    """The assessments of `rec` that `actor` may read (and so adopt), newest first."""
    from coalition.access import visible_assessments

    return list(db.session.scalars(
        select(Assessment).where(Assessment.recommendation_id == rec.id,
                                 visible_assessments(actor))
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        .options(joinedload(Assessment.organisation))))

