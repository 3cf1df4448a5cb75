"""What the platform tells people of, and whom (issue 11, item 6). The domain services call
these after their own writes (small marked calls in coalition.statements.services); the
reminders run from the CLI (`coalition send-reminders`, and `coalition send-digests` first).

Every function adds notifications in the caller's transaction (through `notify`), and builds
links with `services.app_path` (in a request or not: the demo seeds outside one).

Mentions in a statement comment (documented in the README):

- ``@organisation-slug`` (the slug in the organisation's address, e.g. ``@justice-centre``)
  tells that organisation's members;
- ``@name@example.org`` (``@`` and the person's full e-mail address) tells that person. An
  e-mail address is unique on the platform, so a mention can never reach the wrong person, and
  it is only read by people who may read the comment (coalition members).

Only people who may read the statement are told (the policy's "statement.view"): mentioning
someone outside its audience does not show them the text, nor that it exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.notifications.services import app_path, notify
from coalition.organisations.models import MEMBER_ROLES, Membership, Organisation

DUE_SOON_DAYS = 7
CLOSING_DAYS = 2
OPEN_PLAN_STATUSES = ("not_started", "in_progress")


def _members(organisation_ids: Iterable[int | None], least: str = "viewer") -> dict[int, list]:
    """{organisation id: its active users with at least role `least`}, in one query."""
    from coalition.accounts.models import User

    ids = {i for i in organisation_ids if i is not None}
    if not ids:
        return {}
    roles = MEMBER_ROLES[MEMBER_ROLES.index(least):]
    rows = db.session.execute(
        select(Membership.organisation_id, User).join(User, User.id == Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.organisation_id.in_(ids), Membership.role.in_(roles),
               Organisation.active.is_(True), User.active.is_(True))).all()
    found: dict[int, list] = {}
    for org_id, user in rows:
        found.setdefault(org_id, []).append(user)
    return found


def _recommendation_url(recommendation_id: int) -> str:
    return app_path("recommendations.show", rec_id=recommendation_id)


def _plan_url(plan: Any, action: Any = None) -> str:
    """The plan's page; for an action, at the action (where its due date and evidence are)."""
    path = app_path("followup.show_plan", plan_id=plan.id)
    return f"{path}#action-{action.id}" if action is not None else path


def _statement_url(statement: Any) -> str:
    return app_path("statements.show", statement_id=statement.id)


def _label(plan: Any) -> str:
    rec = plan.recommendation
    return rec.paragraph or str(rec.id)


# --- reminders --------------------------------------------------------------------------------

ACTION_TEXTS = {"overdue": _l("Overdue since %(date)s: %(title)s (recommendation %(number)s)"),
                "due_soon": _l("Due on %(date)s: %(title)s (recommendation %(number)s)")}
PLAN_TEXTS = {"overdue": _l("Follow-up of recommendation %(number)s overdue since %(date)s"),
              "due_soon": _l("Follow-up of recommendation %(number)s due on %(date)s")}


def _remind(users: Iterable[Any], texts: dict[str, Any], what: str, item: Any, today: date,
            **args: Any) -> int:
    """One reminder of `item` (a plan or an action, with id, due_on and the plan's
    recommendation) to `users`: overdue or due soon, keyed by object, event and due date. The
    date is stored ISO and shown in the reader's language (services.message)."""
    kind = "overdue" if item.due_on < today else "due_soon"
    plan = item if what == "plan" else item.plan
    return len(notify(users, kind, texts[kind],
                      args={"date": item.due_on.isoformat(), "number": _label(plan), **args},
                      url=_plan_url(plan, item if what == "action" else None),
                      key=f"{what}:{item.id}:{kind}:{item.due_on.isoformat()}"))


def send_reminders(today: date, now: datetime | None = None) -> int:
    """Tell of advocacy actions and plans due within DUE_SOON_DAYS days of `today` and of those
    overdue, and of statements whose sign-on closes within CLOSING_DAYS days. Idempotent: each
    message's key names the object, the event and its date ("action:12:overdue:2026-11-01"), so
    a second run the same day (or any later day) adds nothing; a moved due date is told anew.
    Actions: their owner organisation's editors and their owner; plans: the members of their
    lead organisation. Returns how many notifications were added. Needs a request context."""
    from coalition.followup.models import AdvocacyAction, FollowUpPlan

    added = 0
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    actions = db.session.scalars(
        select(AdvocacyAction).where(AdvocacyAction.done_on.is_(None),
                                     AdvocacyAction.due_on.is_not(None),
                                     AdvocacyAction.due_on <= horizon)
        .options(selectinload(AdvocacyAction.plan).selectinload(FollowUpPlan.recommendation),
                 selectinload(AdvocacyAction.owner))).all()
    editors = _members((a.owner_organisation_id for a in actions), "editor")
    for action in actions:
        added += _remind([*editors.get(action.owner_organisation_id, []), action.owner],
                         ACTION_TEXTS, "action", action, today, title=action.title)
    plans = db.session.scalars(
        select(FollowUpPlan).where(FollowUpPlan.status.in_(OPEN_PLAN_STATUSES),
                                   FollowUpPlan.due_on.is_not(None),
                                   FollowUpPlan.due_on <= horizon,
                                   FollowUpPlan.lead_organisation_id.is_not(None))
        .options(selectinload(FollowUpPlan.recommendation))).all()
    members = _members(p.lead_organisation_id for p in plans)
    for plan in plans:
        added += _remind(members.get(plan.lead_organisation_id, []), PLAN_TEXTS, "plan", plan,
                         today)
    return added + signon_closing(now or utcnow())


def signon_closing(now: datetime) -> int:
    """Tell the org_admins of active organisations that have not signed the current text of a
    statement whose sign-on closes within CLOSING_DAYS days. Idempotent by key."""
    from coalition.statements.models import Statement
    from coalition.statements.services import signed_revisions

    statements = db.session.scalars(select(Statement).where(
        Statement.status == "open", Statement.signon_deadline.is_not(None),
        Statement.signon_deadline > now,
        Statement.signon_deadline <= now + timedelta(days=CLOSING_DAYS))).all()
    if not statements:
        return 0
    admins = _members(db.session.scalars(select(Organisation.id).where(
        Organisation.active.is_(True))), "org_admin")
    added = 0
    for statement in statements:
        signed = signed_revisions(statement)
        waiting = [user for org_id, users in admins.items()
                   if signed.get(org_id) != statement.head_number for user in users]
        added += len(notify(
            waiting, "signon_closing",
            _l("Sign-on to \u201c%(title)s\u201d closes on %(deadline)s"),
            args={"title": statement.title,
                  "deadline": statement.signon_deadline.isoformat()},
            url=_statement_url(statement),
            key=f"statement:{statement.id}:closing:{statement.signon_deadline.isoformat()}"))
    return added


# --- statements -------------------------------------------------------------------------------

def signon_opened(actor: Any, statement: Any) -> None:
    """A statement was opened for sign-on: tell the org_admins of every active organisation
    (who sign for it). Key per deadline: reopening with a new deadline tells again."""
    admins = _members(db.session.scalars(select(Organisation.id).where(
        Organisation.active.is_(True))), "org_admin")
    deadline = statement.signon_deadline
    notify([u for users in admins.values() for u in users], "signon_open",
           _l("\u201c%(title)s\u201d is open for sign-on until %(deadline)s"),
           args={"title": statement.title,
                 "deadline": deadline.isoformat() if deadline else ""},
           url=_statement_url(statement),
           key=f"statement:{statement.id}:open:{deadline.isoformat() if deadline else ''}",
           exclude=actor)


def text_changed(actor: Any, statement: Any, previous_head: int) -> None:
    """The text of `statement` moved on from revision `previous_head`: the organisations whose
    standing signature was for that revision must re-confirm; tell their org_admins. One
    message per signature (key "endorsement:<id>:reconfirm"): later edits before the
    re-confirmation tell nobody again."""
    from coalition.statements.services import active_endorsements

    stale = [e for e in active_endorsements(statement) if e.revision_number == previous_head]
    if not stale:
        return
    admins = _members((e.organisation_id for e in stale), "org_admin")
    for endorsement in stale:
        notify(admins.get(endorsement.organisation_id, []), "reconfirm",
               _l("\u201c%(title)s\u201d changed after %(org)s signed it: re-confirm the "
                  "signature"),
               args={"title": statement.title, "org": endorsement.organisation.name},
               url=_statement_url(statement), key=f"endorsement:{endorsement.id}:reconfirm",
               exclude=actor)


# "@slug" (letters, digits, hyphens) or "@local@domain.tld"; not preceded by a word character,
# so "amy@example.org" in a sentence is not a mention of "example.org".
MENTION = re.compile(
    r"(?<![\w@.])@(?:(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    r"|(?P<slug>[a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9]))", re.IGNORECASE)


def mentioned(text: str) -> tuple[set[str], set[str]]:
    """The slugs and e-mail addresses (lower case) mentioned in `text`; at most 20 of each."""
    slugs: set[str] = set()
    emails: set[str] = set()
    for match in MENTION.finditer(text or ""):
        if match.group("email"):
            emails.add(match.group("email").rstrip(".").lower())
        else:
            slugs.add(match.group("slug").lower())
    return set(sorted(slugs)[:20]), set(sorted(emails)[:20])


def mentions(actor: Any, statement: Any, comment: Any) -> int:
    """Tell the people and organisations mentioned in `comment` (see the module's docstring)
    who may read `statement`; returns how many were told."""
    from coalition.access import can
    from coalition.accounts.models import User

    slugs, emails = mentioned(comment.body)
    if not slugs and not emails:
        return 0
    users: list[Any] = []
    if emails:
        users += db.session.scalars(select(User).where(
            func.lower(User.email).in_(emails), User.active.is_(True))).all()
    if slugs:
        org_ids = db.session.scalars(select(Organisation.id).where(
            Organisation.slug.in_(slugs), Organisation.active.is_(True))).all()
        users += [u for group in _members(org_ids).values() for u in group]
    readers = [u for u in users if can(u, "statement.view", statement)]
    author = getattr(comment, "organisation", None)
    text = (_l("%(who)s mentioned you in a comment on \u201c%(title)s\u201d") if author else
            _l("You were mentioned in a comment on \u201c%(title)s\u201d"))
    return len(notify(
        readers, "mention", text,
        args={"who": author.name if author else "", "title": statement.title},
        url=_statement_url(statement) + "#comments",
        key=f"comment:{comment.id}:mention", excerpt=comment.body, exclude=actor))


# --- submissions (issue 12) ------------------------------------------------------------------

def co_submission_invited(actor: Any, submission: Any, organisations: Iterable[Any]) -> int:
    """Organisations were asked to co-submit a stakeholder submission: tell their editors and
    admins (who confirm or decline for them), as a sign-on is told ("signon_open"). Once per
    submission and organisation. Returns the notifications added."""
    invited = [org for org in organisations if org is not None]
    members = _members((org.id for org in invited), "editor")
    added = 0
    for org in invited:
        added += len(notify(
            members.get(org.id, []), "signon_open",
            _l("%(lead)s asks %(organisation)s to co-submit \u201c%(title)s\u201d to OHCHR: "
               "confirm or decline"),
            args={"lead": submission.lead_organisation.name, "organisation": org.name,
                  "title": submission.title},
            url=app_path("submissions.show", submission_id=submission.id),
            key=f"submission:{submission.id}:invited:{org.id}", exclude=actor))
    return added
