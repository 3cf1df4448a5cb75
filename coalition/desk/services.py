"""What the home page shows a signed-in person (issue 11, item 5): a desk per role.

- a member of an organisation: what the organisation leads, what is due in the next
  DUE_WINDOW_DAYS days and what is overdue (plans it leads, actions it owns), statements
  waiting for its signature or re-confirmation, unread notifications, and what changed since
  the last visit (audit events the policy lets the member read: access.readable_audit_events);
- the steering committee (and the coordinator): coverage (recommendations with a lead, with an
  assessment in the last COVERAGE_DAYS days) and the coalition's overdue list;
- a researcher: recent imports and recently changed recommendations (tracker data only).

`desk_for` runs a fixed number of SQL statements whatever the number of plans, actions or
events (each list is one query with a LIMIT, related rows eagerly loaded in the same statement);
tests/test_desk.py counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from coalition.access import (
    is_coordinator,
    is_researcher,
    is_steering_member,
    member_organisation_ids,
    readable_audit_events,
)
from coalition.extensions import db

DUE_WINDOW_DAYS = 30
COVERAGE_DAYS = 365
LIST_LIMIT = 10  # rows per desk list: the desk shows the top; the lists link on
OPEN_PLAN_STATUSES = ("not_started", "in_progress")


@dataclass
class DeskItem:
    """A plan or an action in a desk list: what it is, for which recommendation, when due."""

    kind: str  # "plan" | "action"
    title: str
    recommendation_id: int
    paragraph: str
    due_on: date | None
    overdue: bool
    organisation: str = ""


@dataclass
class WaitingStatement:
    statement: Any
    organisation: Any
    reconfirm: bool  # signed an earlier text: re-confirm


@dataclass
class Coverage:
    recommendations: int
    with_lead: int
    assessed: int

    def share(self, part: int) -> int:
        """`part` as a whole percentage of all recommendations (0 when there are none)."""
        return round(100 * part / self.recommendations) if self.recommendations else 0


@dataclass
class Desk:
    today: date
    member: bool = False
    steering: bool = False
    researcher: bool = False
    since: datetime | None = None
    led_count: int = 0
    led: list[DeskItem] = field(default_factory=list)
    due: list[DeskItem] = field(default_factory=list)
    overdue: list[DeskItem] = field(default_factory=list)
    waiting: list[WaitingStatement] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)
    coverage: Coverage | None = None
    coalition_overdue: list[DeskItem] = field(default_factory=list)
    imports: list[Any] = field(default_factory=list)
    recent_recommendations: list[Any] = field(default_factory=list)


def _plan_item(plan: Any, today: date) -> DeskItem:
    rec = plan.recommendation
    return DeskItem("plan", rec.text, rec.id, rec.paragraph or str(rec.id), plan.due_on,
                    plan.is_overdue(today),
                    plan.lead_organisation.name if plan.lead_organisation else "")


def _action_item(action: Any, today: date) -> DeskItem:
    rec = action.plan.recommendation
    return DeskItem("action", action.title, rec.id, rec.paragraph or str(rec.id), action.due_on,
                    action.is_overdue(today), action.owner_organisation.name)


def _plans(*conditions: Any, limit: int = LIST_LIMIT) -> list[Any]:
    from coalition.followup.models import FollowUpPlan

    return list(db.session.scalars(
        select(FollowUpPlan).where(*conditions)
        .options(joinedload(FollowUpPlan.recommendation),
                 joinedload(FollowUpPlan.lead_organisation))
        .order_by(FollowUpPlan.due_on.is_(None), FollowUpPlan.due_on, FollowUpPlan.id)
        .limit(limit)))


def _actions(*conditions: Any, limit: int = LIST_LIMIT) -> list[Any]:
    from coalition.followup.models import AdvocacyAction, FollowUpPlan

    return list(db.session.scalars(
        select(AdvocacyAction).where(AdvocacyAction.done_on.is_(None), *conditions)
        .options(joinedload(AdvocacyAction.plan).joinedload(FollowUpPlan.recommendation),
                 joinedload(AdvocacyAction.owner_organisation))
        .order_by(AdvocacyAction.due_on, AdvocacyAction.id).limit(limit)))


def _by_due(items: list[DeskItem]) -> list[DeskItem]:
    return sorted(items, key=lambda i: (i.due_on or date.max, i.kind))[:LIST_LIMIT]


def _member_desk(desk: Desk, user: Any, org_ids: list[int], now: datetime) -> None:
    from coalition.followup.models import AdvocacyAction, FollowUpPlan

    today = desk.today
    led = FollowUpPlan.lead_organisation_id.in_(org_ids)
    desk.led_count = db.session.execute(
        select(func.count(FollowUpPlan.id)).where(led)).scalar_one()
    desk.led = [_plan_item(p, today) for p in _plans(led)]
    window = today + timedelta(days=DUE_WINDOW_DAYS)
    open_plan = FollowUpPlan.status.in_(OPEN_PLAN_STATUSES)
    owned = AdvocacyAction.owner_organisation_id.in_(org_ids)
    desk.due = _by_due(
        [_plan_item(p, today) for p in _plans(led, open_plan, FollowUpPlan.due_on >= today,
                                              FollowUpPlan.due_on <= window)]
        + [_action_item(a, today) for a in _actions(owned, AdvocacyAction.due_on >= today,
                                                    AdvocacyAction.due_on <= window)])
    desk.overdue = _by_due(
        [_plan_item(p, today) for p in _plans(led, open_plan, FollowUpPlan.due_on < today)]
        + [_action_item(a, today) for a in _actions(owned, AdvocacyAction.due_on < today)])
    desk.waiting = _waiting_statements(user, org_ids, now)


def _waiting_statements(user: Any, org_ids: list[int], now: datetime) -> list[WaitingStatement]:
    """Open statements (deadline not passed) that an organisation of `user`'s has not signed,
    or signed at an earlier revision (re-confirm). Two queries."""
    from coalition.statements.models import Endorsement, Statement

    statements = list(db.session.scalars(
        select(Statement).where(Statement.status == "open", (
            Statement.signon_deadline.is_(None)) | (Statement.signon_deadline > now))
        .order_by(Statement.signon_deadline.is_(None), Statement.signon_deadline, Statement.id)
        .limit(LIST_LIMIT)))
    if not statements:
        return []
    standing: dict[tuple[int, int], Any] = {}
    for endorsement in db.session.scalars(select(Endorsement).where(
            Endorsement.statement_id.in_([s.id for s in statements]),
            Endorsement.organisation_id.in_(org_ids)).order_by(Endorsement.id)):
        standing[(endorsement.statement_id, endorsement.organisation_id)] = endorsement
    orgs = sorted((m.organisation for m in user.memberships
                   if m.organisation_id in org_ids), key=lambda o: o.name)
    waiting = []
    for statement in statements:
        for org in orgs:
            current = standing.get((statement.id, org.id))
            if current is None or current.withdrawn_at is not None:
                waiting.append(WaitingStatement(statement, org, False))
            elif current.revision_number != statement.head_number:
                waiting.append(WaitingStatement(statement, org, True))
    return waiting[:LIST_LIMIT]


def _changes(user: Any, since: datetime | None, now: datetime) -> list[Any]:
    from coalition.audit.models import AuditEvent

    start = since or now - timedelta(days=14)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.created_at > start, readable_audit_events(user))
        .options(joinedload(AuditEvent.organisation))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(LIST_LIMIT)))


def _steering_desk(desk: Desk) -> None:
    from coalition.followup.models import AdvocacyAction, FollowUpPlan
    from coalition.recommendations.models import Assessment, Recommendation

    today = desk.today
    row = db.session.execute(select(
        select(func.count(Recommendation.id)).scalar_subquery(),
        select(func.count(func.distinct(FollowUpPlan.recommendation_id))).where(
            FollowUpPlan.lead_organisation_id.is_not(None)).scalar_subquery(),
        select(func.count(func.distinct(Assessment.recommendation_id))).where(
            Assessment.assessed_on >= today - timedelta(days=COVERAGE_DAYS)).scalar_subquery(),
    )).one()
    desk.coverage = Coverage(*row)
    desk.coalition_overdue = _by_due(
        [_plan_item(p, today) for p in _plans(FollowUpPlan.status.in_(OPEN_PLAN_STATUSES),
                                              FollowUpPlan.due_on < today)]
        + [_action_item(a, today) for a in _actions(AdvocacyAction.due_on < today)])


def _researcher_desk(desk: Desk) -> None:
    from coalition.recommendations.models import ImportJob, Recommendation
    from coalition.reviews.models import Review

    desk.imports = list(db.session.scalars(
        select(ImportJob).where(ImportJob.status == "done")
        .options(joinedload(ImportJob.review).joinedload(Review.state))
        .order_by(ImportJob.finished_at.desc(), ImportJob.id.desc()).limit(10)))
    desk.recent_recommendations = list(db.session.scalars(
        select(Recommendation).options(joinedload(Recommendation.review).joinedload(Review.state))
        .order_by(Recommendation.updated_at.desc(), Recommendation.id.desc()).limit(LIST_LIMIT)))


def desk_for(user: Any, today: date, now: datetime, since: datetime | None) -> Desk:
    """The desk of signed-in `user` on `today` (changes since `since`, the previous visit;
    None: the last 14 days). A fixed number of SQL statements (see the module's docstring)."""
    from coalition.notifications.services import notifications_query

    org_ids = member_organisation_ids(user)
    desk = Desk(today=today, since=since, member=bool(org_ids),
                steering=is_coordinator(user) or is_steering_member(user),
                researcher=is_researcher(user))
    desk.notifications = list(db.session.scalars(
        notifications_query(user, unread_only=True).limit(5)))
    if desk.member:
        _member_desk(desk, user, org_ids, now)
    if desk.member or is_coordinator(user):
        desk.changes = _changes(user, since, now)
    if desk.steering:
        _steering_desk(desk)
    if desk.researcher:
        _researcher_desk(desk)
    return desk
