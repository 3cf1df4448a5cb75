"""What follow-up does (issue 11): assign recommendations to lead organisations (one at a
time or in bulk), update a plan, log advocacy actions and their evidence files.

Every write is audited (coalition.audit.record) and flushed, never committed: the request
commits, so a refusal half-way leaves nothing written. A ServiceError names the form field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from coalition.audit import record
from coalition.core import files
from coalition.core.errors import ServiceError
from coalition.core.markdown import render_html
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.followup.models import (
    ACTION_KINDS,
    PLAN_STATUSES,
    PLAN_TRANSITIONS,
    PRIORITIES,
    AdvocacyAction,
    EvidenceFile,
    FollowUpPlan,
)
from coalition.i18n import date_local
from coalition.notifications.services import notify
from coalition.organisations.models import Membership, Organisation
from coalition.recommendations.models import Recommendation
from coalition.reviews.models import Review

BULK_ASSIGN_MAX_DEFAULT = 2000
LINKS_MAX = 20
ASSIGNED_ONE = _l("%(organisation)s leads the follow-up of recommendation %(number)s")
ASSIGNED_MANY = _l("%(organisation)s leads the follow-up of %(count)s more recommendations")


def bulk_assign_max() -> int:
    """The most recommendations one bulk assignment may change (config BULK_ASSIGN_MAX)."""
    return int(current_app.config.get("BULK_ASSIGN_MAX") or BULK_ASSIGN_MAX_DEFAULT)


# --- checks ---------------------------------------------------------------------------------

def check_lead(organisation: Organisation | None, field: str = "lead") -> Organisation:
    """The lead organisation, refused (ServiceError on `field`) when missing or inactive."""
    if organisation is None:
        raise ServiceError(_("Choose an organisation from the list."), field)
    if not organisation.active:
        raise ServiceError(_("%(organisation)s is inactive: choose an active organisation.",
                             organisation=organisation.name), field)
    return organisation


def check_supporters(supporters: Sequence[Organisation | None], lead: Organisation,
                     ) -> list[Organisation]:
    """Distinct active supporting organisations other than the lead; ServiceError otherwise."""
    chosen: dict[int, Organisation] = {}
    for org in supporters:
        check_lead(org, "supporting")
        if org is not None and org.id != lead.id:
            chosen[org.id] = org
    return sorted(chosen.values(), key=lambda o: o.name)


def latest_review_date(rec_ids: Sequence[int]) -> date | None:
    """The latest review date of the reviews these recommendations belong to."""
    if not rec_ids:
        return None
    return db.session.scalar(select(func.max(Review.review_date)).join(
        Recommendation, Recommendation.review_id == Review.id).where(
        Recommendation.id.in_(rec_ids)))


def check_due(due_on: date | None, review_date: date | None, field: str = "due_on") -> None:
    """A plan's due date may not come before the review (ServiceError on `field`)."""
    if due_on is not None and review_date is not None and due_on < review_date:
        raise ServiceError(_("The due date %(due)s is before the review (%(review)s): choose a "
                             "date on or after the review.", due=date_local(due_on),
                             review=date_local(review_date)), field)


def check_transition(before: str, after: str) -> None:
    """Refuse (ServiceError on "status") a status the workflow does not allow after `before`."""
    if after not in PLAN_STATUSES:
        raise ServiceError(_("Choose a status from the list."), "status")
    if after != before and after not in PLAN_TRANSITIONS[before]:
        allowed = ", ".join(str(PLAN_STATUSES[s]) for s in PLAN_STATUSES
                            if s in PLAN_TRANSITIONS[before])
        raise ServiceError(_("A plan that is “%(before)s” cannot become “%(after)s”. It may "
                             "become: %(allowed)s.", before=PLAN_STATUSES[before],
                             after=PLAN_STATUSES[after], allowed=allowed), "status")


def parse_links(text: str | None) -> str:
    """Links one per line, http or https only (ServiceError on "links"), blank lines dropped."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines:
        if not line.lower().startswith(("http://", "https://")) or len(line) > 2000 \
                or any(c.isspace() for c in line):
            raise ServiceError(_("Not a web link (http:// or https://): %(link)s",
                                 link=line[:80]), "links")
    if len(lines) > LINKS_MAX:
        raise ServiceError(_("At most %(n)s links.", n=LINKS_MAX), "links")
    return "\n".join(lines)


# --- assignment ---------------------------------------------------------------------------------

@dataclass
class BulkCounts:
    """What a bulk assignment would do: plans created, plans given a new lead, plans already
    led by that organisation (their priority, due date, supporters are still set)."""

    total: int
    new: int
    reassigned: int
    unchanged: int


def bulk_counts(rec_ids: Sequence[int], lead: Organisation) -> BulkCounts:
    """Count what assigning `rec_ids` to `lead` would change (one query)."""
    rows = db.session.execute(select(FollowUpPlan.lead_organisation_id, func.count()).where(
        FollowUpPlan.recommendation_id.in_(rec_ids)).group_by(
        FollowUpPlan.lead_organisation_id)).all()
    existing = sum(n for _lead, n in rows)
    same = sum(n for lead_id, n in rows if lead_id == lead.id)
    return BulkCounts(total=len(rec_ids), new=len(rec_ids) - existing,
                      reassigned=existing - same, unchanged=same)


def _ensure_plans(rec_ids: Sequence[int], actor: Any) -> set[int]:
    """Create the missing plans of `rec_ids` (INSERT ... ON CONFLICT DO NOTHING, so two
    assignments at once never make two plans of one recommendation); the recommendation ids
    whose plan this call created."""
    before = set(db.session.scalars(select(FollowUpPlan.recommendation_id).where(
        FollowUpPlan.recommendation_id.in_(rec_ids))))
    missing = sorted(set(rec_ids) - before)
    if not missing:
        return set()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    created: set[int] = set()
    for start in range(0, len(missing), 500):
        part = missing[start:start + 500]
        statement = insert(FollowUpPlan.__table__).values([
            {"recommendation_id": rec_id, "priority": "medium", "status": "not_started",
             "notes": "", "notes_html": "", "assigned_by_id": getattr(actor, "id", None),
             "created_at": now, "updated_at": now} for rec_id in part
        ]).on_conflict_do_nothing(index_elements=["recommendation_id"]).returning(
            FollowUpPlan.recommendation_id)
        created.update(db.session.scalars(statement))
    return created


def assign(actor: Any, rec_ids: Sequence[int], lead: Organisation | None, priority: str,
           due_on: date | None, supporters: Sequence[Organisation | None] = (),
           keep_blank: bool = False) -> BulkCounts:
    """Assign the recommendations `rec_ids` to `lead` with `priority`, `due_on` and
    `supporters`: a plan is created for those without one, the others are reassigned (their
    status, notes and actions are kept). With `keep_blank` (bulk assignment), a due date of
    None and no supporters leave each plan's own (less the new lead, who cannot support
    itself) instead of clearing them. One transaction (the caller's); every plan changed is
    audited; the lead organisation's members are told (one notification each, naming the
    recommendation for one, the count for several). Returns what changed.

    ServiceError: an inactive or missing lead or supporter, an unknown priority, a due date
    before a review of the recommendations, more than BULK_ASSIGN_MAX recommendations, none."""
    ids = sorted(set(rec_ids))
    if not ids:
        raise ServiceError(_("Choose at least one recommendation."))
    cap = bulk_assign_max()
    if len(ids) > cap:
        raise ServiceError(too_many_message(len(ids), cap))
    lead = check_lead(lead)
    supporting = check_supporters(supporters, lead)
    if priority not in PRIORITIES:
        raise ServiceError(_("Choose a priority from the list."), "priority")
    check_due(due_on, latest_review_date(ids))
    counts = bulk_counts(ids, lead)
    created = _ensure_plans(ids, actor)
    plans = db.session.scalars(
        select(FollowUpPlan).where(FollowUpPlan.recommendation_id.in_(ids))
        .options(selectinload(FollowUpPlan.supporting_organisations),
                 selectinload(FollowUpPlan.recommendation))
        .order_by(FollowUpPlan.recommendation_id).with_for_update(of=FollowUpPlan)
        .execution_options(populate_existing=True)).all()
    newly_led: list[FollowUpPlan] = []
    for plan in plans:
        before_lead = plan.lead_organisation
        values: dict[str, Any] = {"lead_organisation_id": lead.id, "priority": priority}
        if due_on is not None or not keep_blank:
            values["due_on"] = due_on
        changes = _set_plan(plan, values)
        if before_lead is None or before_lead.id != lead.id:
            changes["lead"] = [before_lead.name if before_lead else None, lead.name]
            newly_led.append(plan)
        changes.pop("lead_organisation_id", None)
        before = [o.name for o in plan.supporting_organisations]
        wanted = list(supporting)
        if keep_blank and not supporting:
            wanted = [o for o in plan.supporting_organisations if o.id != lead.id]
        if before != [o.name for o in wanted]:
            plan.supporting_organisations = wanted
            changes["supporting"] = [before, [o.name for o in wanted]]
        if changes or plan.recommendation_id in created:
            plan.assigned_by_id = getattr(actor, "id", None)
            plan.updated_at = utcnow()
            action = "followup.create" if plan.recommendation_id in created \
                else "followup.assign"
            record(actor, action, plan, changes, organisation=lead)
    _tell_lead(actor, lead, newly_led)
    return counts


def _set_plan(plan: FollowUpPlan, values: dict[str, Any]) -> dict[str, list[Any]]:
    from coalition.audit.services import diff

    return diff(plan, values)


def _tell_lead(actor: Any, lead: Organisation, plans: list[FollowUpPlan]) -> None:
    if not plans:
        return
    members = [m.user for m in db.session.scalars(select(Membership).where(
        Membership.organisation_id == lead.id).options(selectinload(Membership.user)))]
    if len(plans) == 1:
        plan = plans[0]
        notify(members, "assignment", ASSIGNED_ONE,
               args={"organisation": lead.name,
                     "number": plan.recommendation.paragraph or f"#{plan.recommendation_id}"},
               url=plan_path(plan.id), exclude=actor)
    else:
        notify(members, "assignment", ASSIGNED_MANY,
               args={"organisation": lead.name, "count": len(plans)},
               url=f"/followup/?lead={lead.id}", exclude=actor)


def plan_path(plan_id: int) -> str:
    """The plan page's path in the app (no request needed: the demo and the CLI assign too)."""
    return f"/followup/plans/{plan_id}"


def too_many_message(count: int, cap: int) -> str:
    return _("This would change %(count)s recommendations; one bulk assignment changes at most "
             "%(cap)s. Narrow the tracker's filter and try again: nothing was changed.",
             count=f"{count:,}", cap=f"{cap:,}")


# --- updating a plan -------------------------------------------------------------------------

def update_plan(actor: Any, plan: FollowUpPlan, status: str, due_on: date | None,
                notes: str | None) -> dict[str, list[Any]]:
    """Set a plan's status (along PLAN_TRANSITIONS), due date and notes (Markdown, rendered
    once here). Returns the audited changes ({} when nothing changed). ServiceError on
    "status" for a forbidden jump, on "due_on" for a date before the review."""
    check_transition(plan.status, status)
    check_due(due_on, plan.recommendation.review.review_date)
    notes = (notes or "").strip()
    changes = _set_plan(plan, {"status": status, "due_on": due_on, "notes": notes})
    if "notes" in changes:
        plan.notes_html = render_html(notes)
        changes["notes"] = ["…", "…"]  # the text is in the plan; the log says it changed
    if changes:
        plan.updated_at = utcnow()
        record(actor, "followup.update", plan, changes, organisation=plan.lead_organisation)
    return changes


# --- listing ---------------------------------------------------------------------------------

def plans_query(status: str | None = None, lead_id: int | None = None, overdue: bool = False,
                today: date | None = None) -> Select[Any]:
    """The plans list, filtered (status code, lead organisation id, overdue: due date passed,
    not done nor dropped; or an action overdue), soonest due first."""
    today = today or date.today()
    query = select(FollowUpPlan).options(
        selectinload(FollowUpPlan.recommendation).selectinload(Recommendation.review),
        selectinload(FollowUpPlan.lead_organisation),
        selectinload(FollowUpPlan.actions))
    if status:
        query = query.where(FollowUpPlan.status == status)
    if lead_id:
        query = query.where(FollowUpPlan.lead_organisation_id == lead_id)
    if overdue:
        late_action = select(AdvocacyAction.id).where(
            AdvocacyAction.plan_id == FollowUpPlan.id, AdvocacyAction.done_on.is_(None),
            AdvocacyAction.due_on < today).exists()
        query = query.where(or_(and_(FollowUpPlan.due_on < today,
                                     FollowUpPlan.status.in_(("not_started", "in_progress"))),
                                late_action))
    return query.order_by(FollowUpPlan.due_on.is_(None), FollowUpPlan.due_on,
                          FollowUpPlan.id)


def led_counts(organisation: Organisation, today: date | None = None) -> tuple[int, int]:
    """(plans the organisation leads, of which overdue), as the plans list counts them: one
    statement."""
    led = plans_query(lead_id=organisation.id).order_by(None).subquery()
    late = plans_query(lead_id=organisation.id, overdue=True, today=today).order_by(None)
    return tuple(db.session.execute(select(
        select(func.count()).select_from(led).scalar_subquery(),
        select(func.count()).select_from(late.subquery()).scalar_subquery())).one())


def plan_of(rec: Recommendation) -> FollowUpPlan | None:
    return db.session.scalar(select(FollowUpPlan).where(
        FollowUpPlan.recommendation_id == rec.id))


# --- advocacy actions ---------------------------------------------------------------------------

def plan_organisations(plan: FollowUpPlan) -> list[Organisation]:
    """The organisations that may own an action of the plan: its lead and supporters (active)."""
    orgs = ([plan.lead_organisation] if plan.lead_organisation else []) + list(
        plan.supporting_organisations)
    return [o for o in orgs if o.active]


def _action_values(plan: FollowUpPlan, title: str, kind: str, owner_org: Organisation | None,
                   owner: Any, due_on: date | None, done_on: date | None, outcome: str,
                   links: str) -> dict[str, Any]:
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the action a title."), "title")
    if kind not in ACTION_KINDS:
        raise ServiceError(_("Choose a kind of action from the list."), "kind")
    if owner_org is None or owner_org not in plan_organisations(plan):
        raise ServiceError(_("The action's organisation must be the plan's lead or a "
                             "supporting organisation."), "owner_organisation")
    if owner is not None and owner.membership_in(owner_org) is None:
        raise ServiceError(_("%(person)s is not a member of %(organisation)s.",
                             person=owner.display_name, organisation=owner_org.name), "owner")
    if done_on is not None and done_on > date.today():
        raise ServiceError(_("An action cannot be done in the future."), "done_on")
    outcome = (outcome or "").strip()
    return {"title": title[:200], "kind": kind, "owner_organisation_id": owner_org.id,
            "owner_id": getattr(owner, "id", None), "due_on": due_on, "done_on": done_on,
            "outcome": outcome, "links": parse_links(links)}


def add_action(actor: Any, plan: FollowUpPlan, *, title: str, kind: str,
               owner_organisation: Organisation | None, owner: Any = None,
               due_on: date | None = None, done_on: date | None = None, outcome: str = "",
               links: str = "", upload: IO[bytes] | None = None,
               upload_name: str | None = None) -> tuple[AdvocacyAction, files.StoredFile | None]:
    """Log an advocacy action under `plan`, with an optional evidence file (checked and kept
    by coalition.core.files). Returns the action and the kept file (for the caller to discard
    if the transaction then fails). ServiceError / FileRefused name the field."""
    values = _action_values(plan, title, kind, owner_organisation, owner, due_on, done_on,
                            outcome, links)
    stored = _keep(upload, upload_name)
    try:
        action = AdvocacyAction(plan=plan, created_by_id=getattr(actor, "id", None),
                                outcome_html=render_html(values["outcome"]), **values)
        db.session.add(action)
        db.session.flush()
        record(actor, "followup.add_action", plan, {
            "title": [None, action.title], "kind": [None, action.kind],
            "due_on": [None, due_on.isoformat() if due_on else None]},
            organisation=owner_organisation)
        if stored is not None:
            _attach(actor, action, stored)
    except Exception:
        files.discard(stored)
        raise
    return action, stored


def edit_action(actor: Any, action: AdvocacyAction, *, title: str, kind: str,
                owner_organisation: Organisation | None, owner: Any = None,
                due_on: date | None = None, done_on: date | None = None, outcome: str = "",
                links: str = "") -> dict[str, list[Any]]:
    """Change an action (title, kind, owner, dates, outcome, links); audited; the changes."""
    values = _action_values(action.plan, title, kind, owner_organisation, owner, due_on,
                            done_on, outcome, links)
    changes = _set_plan(action, values)  # diff() works on any object
    if "outcome" in changes:
        action.outcome_html = render_html(values["outcome"])
        changes["outcome"] = ["…", "…"]
    if changes:
        action.updated_at = utcnow()
        record(actor, "followup.edit_action", action.plan, {
            f"action.{k}" if k != "title" else k: v for k, v in changes.items()},
            organisation=owner_organisation)
    return changes


def _keep(upload: IO[bytes] | None, name: str | None) -> files.StoredFile | None:
    if upload is None:
        return None
    return files.store(upload, name, files.max_bytes())


def _attach(actor: Any, action: AdvocacyAction, stored: files.StoredFile) -> EvidenceFile:
    evidence = EvidenceFile(action=action, filename=stored.filename,
                            media_type=stored.media_type, size=stored.size,
                            sha256=stored.sha256, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    record(actor, "followup.add_evidence", action.plan, {
        "file": [None, stored.filename], "size": [None, stored.size],
        "sha256": [None, stored.sha256]}, organisation=action.owner_organisation)
    return evidence


def add_evidence(actor: Any, action: AdvocacyAction, upload: IO[bytes],
                 name: str | None) -> tuple[EvidenceFile, files.StoredFile]:
    """Attach an evidence file to an action (checked by content, kept under its SHA-256).
    FileRefused on "file" (400, or 413 over EVIDENCE_MAX_BYTES)."""
    return files.store_attached(upload, name, files.max_bytes(),
                                lambda stored: _attach(actor, action, stored))
