"""The one authorization policy.

Every view names an action and the object it acts on; `can()` alone decides. The rules follow
the access table of DESIGN.md. An unknown action is a programming error and refuses access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, has_app_context
from flask_babel import gettext as _
from flask_login import current_user

from coalition.extensions import login_manager
from coalition.organisations.models import MEMBER_ROLES, Organisation

Rule = Callable[[Any, Any], bool]


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_coordinator(user: Any) -> bool:
    return _signed_in(user) and user.coalition_role == "coordinator"


def is_researcher(user: Any) -> bool:
    return _signed_in(user) and user.coalition_role == "researcher"


def role_in(user: Any, organisation: Organisation | None) -> str | None:
    """The user's role in an active organisation, or None."""
    if not _signed_in(user) or organisation is None or not organisation.active:
        return None
    membership = user.membership_in(organisation)
    return membership.role if membership else None


def has_role(user: Any, organisation: Organisation | None, least: str) -> bool:
    role = role_in(user, organisation)
    return role is not None and MEMBER_ROLES.index(role) >= MEMBER_ROLES.index(least)


def is_coalition_member(user: Any) -> bool:
    """Belongs to at least one active organisation: may read coalition-internal data."""
    return _signed_in(user) and any(m.organisation.active for m in user.memberships)


def is_steering_member(user: Any) -> bool:
    return _signed_in(user) and any(
        m.organisation.active and m.organisation.is_steering for m in user.memberships
    )


def _in_coalition(user: Any, _obj: Any = None) -> bool:
    return is_coordinator(user) or is_researcher(user) or is_coalition_member(user)


def _view_organisation(user: Any, org: Organisation) -> bool:
    if is_coordinator(user):
        return True
    if org is None or not org.active:
        return False
    return _in_coalition(user)


def _view_members(user: Any, org: Organisation) -> bool:
    # Who works where is coalition-internal: members see it, researchers do not.
    return is_coordinator(user) or (org is not None and org.active and is_coalition_member(user))


def _view_member_emails(user: Any, org: Organisation) -> bool:
    # Members' e-mail addresses: their own organisation's members and the coordinator (issue 9,
    # 3.19: who works where is shared in the coalition, how to reach them is not), unless the
    # organisation shares them with every member (Organisation.share_member_emails).
    if is_coordinator(user) or (org is not None and role_in(user, org) is not None):
        return True
    return (org is not None and bool(getattr(org, "share_member_emails", False))
            and _view_members(user, org))


def _manage_members(user: Any, org: Organisation) -> bool:
    return is_coordinator(user) or has_role(user, org, "org_admin")


def _self_or_coordinator(user: Any, other: Any) -> bool:
    return is_coordinator(user) or (_signed_in(user) and other is not None and user.id == other.id)


def _manage_tracker(user: Any, _obj: Any = None) -> bool:
    # Reviews, recommendations, imports and the State's responses: the steering committee.
    return is_coordinator(user) or is_steering_member(user)


def _assess(user: Any, obj: Any) -> bool:
    """Record an assessment: on behalf of an organisation, as its editor; of a recommendation
    (no organisation chosen yet), as the editor of at least one organisation."""
    if is_coordinator(user):
        return True
    if isinstance(obj, Organisation):
        return has_role(user, obj, "editor")
    return _signed_in(user) and any(
        m.organisation.active and MEMBER_ROLES.index(m.role) >= MEMBER_ROLES.index("editor")
        for m in user.memberships)


def tracker_audience(user: Any) -> str:
    """Which of the tracker's two audiences `user` belongs to (issue 10): "coalition" (the
    coordinator and members of an active organisation: assessments visible to the coalition or
    the public) or "public" (researchers, anonymous visitors of the public tracker: public
    assessments only). See Recommendation.latest_for."""
    return "coalition" if is_coordinator(user) or is_coalition_member(user) else "public"


def member_organisation_ids(user: Any) -> list[int]:
    """The ids of the active organisations `user` belongs to (any role)."""
    if not _signed_in(user):
        return []
    return [m.organisation_id for m in user.memberships if m.organisation.active]


def visible_assessments(user: Any) -> Any:
    """A SQL condition on Assessment rows: those `user` may read (issue 10). The coordinator:
    all; a member: public and coalition ones, and its own organisations' private ones; everyone
    else (researchers, anonymous visitors): public ones. Exports, the API and the recommendation
    page filter with it; the rule "assessment.view" says the same for one assessment."""
    from sqlalchemy import or_, true

    from coalition.recommendations.models import Assessment

    if is_coordinator(user):
        return true()
    if tracker_audience(user) == "public":
        return Assessment.visibility == "public"
    return or_(Assessment.visibility.in_(("coalition", "public")),
               Assessment.organisation_id.in_(member_organisation_ids(user)))


def readable_assessment_events(user: Any, recommendation_id: int) -> Any:
    """A SQL condition on AuditEvent rows of a recommendation's history: drops the events of
    assessments (recorded, visibility changed) that `user` may not read now (issue 10). An
    event names its organisation, not its assessment: the events of an organisation with an
    assessment of this recommendation that `user` may not read are dropped, unless `user`
    belongs to that organisation. So an assessment kept to its organisation, or made so
    after it was recorded, leaves no trace of its status or date in other members' history
    (the coordinator and its own members see everything)."""
    from sqlalchemy import not_, or_, select, true

    from coalition.audit.models import AuditEvent
    from coalition.recommendations.models import Assessment

    if is_coordinator(user):
        return true()
    unreadable = select(Assessment.organisation_id).where(
        Assessment.recommendation_id == recommendation_id, not_(visible_assessments(user)))
    return or_(AuditEvent.action.not_in(ASSESSMENT_EVENTS),
               AuditEvent.organisation_id.in_(member_organisation_ids(user)),
               AuditEvent.organisation_id.not_in(unreadable))


# The audit actions that describe one assessment (its status, date, organisation).
ASSESSMENT_EVENTS = ("assessment.create", "assessment.visibility")


# --- notify (issue 11): "what changed since my last visit" on the desk ------------------------

def readable_audit_events(user: Any) -> Any:
    """A SQL condition on AuditEvent rows across the whole platform: those a member may read
    as news on the desk. Only the kinds of object whose history the member may read are kept,
    each with its own rule: recommendations and reviews (tracker data; events of assessments the
    member may not read dropped exactly as in `readable_assessment_events`, for every
    recommendation at once), follow-up (coalition-internal) and statements the member may read
    (`_view_statement` as SQL: reached every member, drafted by one of the member's
    organisations, or reached the steering committee and the member is on it). Organisations'
    and people's own events are never news. The coordinator: everything; anyone who is not a
    member of an active organisation: nothing."""
    from sqlalchemy import and_, exists, false, not_, or_, select, true

    from coalition.audit.models import AuditEvent
    from coalition.recommendations.models import Assessment
    from coalition.statements.models import AUDIENCE_ORDER, Statement, StatementDrafter

    if is_coordinator(user):
        return true()
    if not is_coalition_member(user):
        return false()
    mine = member_organisation_ids(user)
    unreadable_assessment = exists(select(Assessment.id).where(
        Assessment.recommendation_id == AuditEvent.object_id,
        Assessment.organisation_id == AuditEvent.organisation_id,
        not_(visible_assessments(user))))
    tracker = and_(AuditEvent.object_type.in_(("recommendation", "review")), or_(
        AuditEvent.action.not_in(ASSESSMENT_EVENTS), AuditEvent.organisation_id.in_(mine),
        not_(unreadable_assessment)))
    followup = AuditEvent.object_type.in_(
        ("followup_plan", "advocacy_action", "evidence_file", "coalition_position"))
    audiences = list(AUDIENCE_ORDER[AUDIENCE_ORDER.index("members"):])
    if is_steering_member(user):
        audiences = list(AUDIENCE_ORDER[AUDIENCE_ORDER.index("steering"):])
    readable_statement = exists(select(Statement.id).where(
        Statement.id == AuditEvent.object_id,
        or_(Statement.audience.in_(audiences), exists(select(StatementDrafter.id).where(
            StatementDrafter.statement_id == Statement.id,
            StatementDrafter.organisation_id.in_(mine))))))
    statements = and_(AuditEvent.object_type == "statement", readable_statement)
    return or_(tracker, followup, statements)


def _view_assessment(user: Any, assessment: Any) -> bool:
    """Read one assessment: a public one, whoever may read the tracker (anonymous visitors
    too when the public tracker is on); a coalition one, members; an organisation's own, its
    members; the coordinator, all."""
    if assessment is None:
        return False
    if is_coordinator(user):
        return True
    if assessment.visibility == "public":
        return can(user, "tracker.view")
    if assessment.visibility == "coalition":
        return is_coalition_member(user)
    return assessment.organisation_id in member_organisation_ids(user)


def _set_assessment_visibility(user: Any, assessment: Any) -> bool:
    """Who may say who reads an assessment: its organisation's editors and the coordinator."""
    return assessment is not None and (
        is_coordinator(user) or has_role(user, assessment.organisation, "editor"))


def _create_saved_view(user: Any, _obj: Any = None) -> bool:
    """Save a tracker view: anyone signed in who may read the tracker (issue 10)."""
    return _signed_in(user) and can(user, "tracker.view")


def _own_saved_view(user: Any, view: Any) -> bool:
    return _signed_in(user) and view is not None and view.owner_id == user.id


def _read_saved_view(user: Any, view: Any) -> bool:
    """Its owner; the members of the active organisation it is shared with."""
    return _own_saved_view(user, view) or (
        _signed_in(user) and view is not None and view.organisation_id is not None
        and view.organisation_id in member_organisation_ids(user))


def _view_import(user: Any, job: Any) -> bool:
    return _manage_tracker(user) and (is_coordinator(user) or job is None
                                      or job.created_by_id == user.id)


def _drafts(user: Any, statement: Any, least: str = "viewer") -> bool:
    return any(has_role(user, org, least) for org in statement.drafting_organisations)


def _reached(statement: Any, audience: str) -> bool:
    """Has the statement's text ever been shown to `audience`? (Statement.audience, raised only
    by the status transitions: withdrawing never widens it, sending back never narrows it.)"""
    from coalition.statements.models import AUDIENCE_ORDER

    reached = getattr(statement, "audience", None) or "drafters"
    return AUDIENCE_ORDER.index(reached) >= AUDIENCE_ORDER.index(audience)


def _view_statement(user: Any, statement: Any) -> bool:
    """Read a statement (text, history, diff, blame, comments, conflicts): the audience its text
    has reached, never more (DESIGN.md): its drafting organisations' members; the steering
    committee once it was submitted for review; every member once opened for sign-on or
    published. The status alone decides nothing: a withdrawn draft stays with its drafters."""
    if is_coordinator(user):
        return True
    if statement is None:
        return is_coalition_member(user)
    if _drafts(user, statement):
        return True
    if is_steering_member(user) and _reached(statement, "steering"):
        return True
    return is_coalition_member(user) and _reached(statement, "members")


def _steering_editor_orgs(user: Any) -> list[Organisation]:
    """Steering organisations in which the user is at least an editor: a steering member saves a
    statement in review "for" their own steering organisation, as its reviewer."""
    if not _signed_in(user):
        return []
    return sorted((m.organisation for m in user.memberships
                   if m.organisation.active and m.organisation.is_steering
                   and MEMBER_ROLES.index(m.role) >= MEMBER_ROLES.index("editor")),
                  key=lambda o: o.name)


def credit_organisations(user: Any, statement: Any) -> list[Organisation]:
    """The organisations a text saved by `user` may be credited to ("Saving for"), in order of
    preference; empty when the user may not edit the statement.

    - a drafting organisation in which the user is at least an editor;
    - once the statement has reached the steering committee, a steering organisation in which
      the user is at least an editor (a reviewer's edit, credited to the reviewing organisation);
    - the coordinator (the secretariat, typing for the drafters): any active drafting one.
    History and blame name the organisation credited, so nothing else may be chosen.
    """
    if not _signed_in(user) or statement is None:
        return []
    drafting = [o for o in statement.drafting_organisations if o.active]
    if is_coordinator(user):
        mine = drafting
    else:
        mine = [o for o in drafting if has_role(user, o, "editor")]
    if _reached(statement, "steering"):
        mine += [o for o in _steering_editor_orgs(user) if o not in mine]
    return mine


def _edit_statement(user: Any, statement: Any) -> bool:
    # Whoever edits must be able to say for which organisation: one rule for both.
    if statement is None:
        return is_coordinator(user)
    return bool(credit_organisations(user, statement))


def _save_for(user: Any, pair: Any) -> bool:
    """Credit an edit of a statement to an organisation: obj is (statement, organisation)."""
    if not isinstance(pair, tuple) or len(pair) != 2:
        return False
    statement, org = pair
    return org is not None and any(o.id == org.id
                                   for o in credit_organisations(user, statement))


def _read_public_statement(_user: Any, statement: Any) -> bool:
    """A statement's published text, its exports and its place in the list of published
    statements: everyone, anonymous visitors too, once its text has reached the public
    (Statement.audience) and while a published revision stands (not withdrawn)."""
    return (statement is not None and getattr(statement, "audience", None) == "public"
            and getattr(statement, "published_number", None) is not None
            and statement.status != "withdrawn")


def _manage_statement(user: Any, statement: Any) -> bool:
    """Move a statement through review, sign-on, publication: the steering committee, for a
    statement it may read (one never submitted is not yet theirs, unless they draft it)."""
    if is_coordinator(user):
        return True
    return is_steering_member(user) and (statement is None or _view_statement(user, statement))


def _manage_drafters(user: Any, statement: Any) -> bool:
    """Choose the co-drafting organisations: the lead organisation's editors, the steering
    committee (for a statement it may read) and the coordinator; never a co-drafter, who could
    otherwise remove the lead's partners or let anyone in."""
    if statement is None:
        return is_coordinator(user)
    return (_manage_statement(user, statement)
            or has_role(user, getattr(statement, "lead_organisation", None), "editor"))


def _comment_statement(user: Any, statement: Any) -> bool:
    return _view_statement(user, statement)


def _sign_for(user: Any, org: Any) -> bool:
    return is_coordinator(user) or (isinstance(org, Organisation)
                                    and has_role(user, org, "org_admin"))


def _signs_for_someone(user: Any, statement: Any = None) -> bool:
    if statement is not None and not _view_statement(user, statement):
        return False
    return is_coordinator(user) or any(
        m.organisation.active and m.role == "org_admin" for m in user.memberships)


def _view_names(user: Any, _person: Any = None) -> bool:
    # Who works where (people's names) is coalition-internal, as organisation.view_members:
    # members and the coordinator see names; researchers and the public see organisations.
    return is_coordinator(user) or is_coalition_member(user)


def _remove_comment(user: Any, comment: Any) -> bool:
    # Its author, while they may still read the statement, takes a comment back; the
    # coordinator moderates every thread (DESIGN.md gives moderation to no one else).
    if is_coordinator(user):
        return True
    return (comment is not None and _signed_in(user) and comment.author_id == user.id
            and _view_statement(user, comment.statement))


def _view_followup(user: Any, _obj: Any = None) -> bool:
    """Follow-up plans, actions, evidence and coalition positions are coalition-internal
    (issue 11): members of an active organisation and the coordinator."""
    return is_coordinator(user) or is_coalition_member(user)


def _update_plan(user: Any, plan: Any) -> bool:
    """Update a plan's status, due date and notes: the steering committee (who assigns) and the
    editors of its lead organisation."""
    if _manage_tracker(user):
        return True
    return plan is not None and has_role(user, getattr(plan, "lead_organisation", None), "editor")


def _add_action(user: Any, plan: Any) -> bool:
    """Log an advocacy action under a plan: whoever updates the plan, and the editors of its
    supporting organisations."""
    if _update_plan(user, plan):
        return True
    return plan is not None and any(
        has_role(user, org, "editor") for org in plan.supporting_organisations)


def _edit_action(user: Any, action: Any) -> bool:
    """Change an action (done date, outcome, evidence): the steering committee and the editors of
    the organisation that owns it."""
    if _manage_tracker(user):
        return True
    return action is not None and has_role(user, action.owner_organisation, "editor")


def _read_evidence(user: Any, evidence: Any) -> bool:
    return evidence is not None and _view_followup(user)


# --- midterm (issue 11, item 7; helper "midterm") ---
def _generate_midterm(user: Any, _obj: Any = None) -> bool:
    """Draft a review's mid-term assessment as a joint statement: the coordinator and the
    editors of a steering organisation (the draft is led by an organisation they draft for,
    coalition.followup.midterm.drafting_organisations)."""
    return is_coordinator(user) or bool(_steering_editor_orgs(user))
# --- end midterm ---


# --- submissions (issue 12, item 1) ---
def _submission_orgs(submission: Any) -> list[Organisation]:
    return [submission.lead_organisation, *(p.organisation for p in submission.participants)]


def _view_submission(user: Any, submission: Any) -> bool:
    """Read a stakeholder submission: the audience it has reached, never more (DESIGN.md).
    Members of its lead and co-submitting organisations (declined ones too: they were shown
    the draft) always; every coalition member when its visibility is "coalition" or "public",
    or once OHCHR has published it; researchers and anonymous visitors only a "public" one
    that OHCHR has published. The coordinator: all. coalition.submissions.services.
    visible_submissions says the same in SQL for the list."""
    if submission is None:
        return False
    if is_coordinator(user):
        return True
    if submission.visibility == "public" and submission.status == "published":
        return True
    if any(role_in(user, org) is not None for org in _submission_orgs(submission)):
        return True
    return is_coalition_member(user) and (
        submission.visibility in ("coalition", "public") or submission.status == "published")


def _list_submissions(user: Any, _obj: Any = None) -> bool:
    """The list of submissions: coalition members, researchers and the coordinator (each sees
    the rows visible to them)."""
    return _in_coalition(user)


def _create_submission(user: Any, obj: Any) -> bool:
    """Start a submission: led by an organisation, as its editor (the coordinator: any); with
    no organisation chosen yet, as the editor of at least one organisation (DESIGN.md: an
    editor of X creates X's submissions)."""
    return _assess(user, obj)


def _edit_submission(user: Any, submission: Any) -> bool:
    """Edit a submission and move it through its statuses: the editors of its lead
    organisation and the coordinator. Co-submitters answer; they do not edit."""
    return submission is not None and (
        is_coordinator(user) or has_role(user, submission.lead_organisation, "editor"))


def _answer_participation(user: Any, participant: Any) -> bool:
    """Confirm or decline a co-submitting organisation's participation: that organisation's
    editors and org admins, and the coordinator."""
    return participant is not None and (
        is_coordinator(user) or has_role(user, participant.organisation, "editor"))


def _link_asks(user: Any, submission: Any) -> bool:
    """Propose, confirm and reject the links between a submission's asks and the UN
    recommendations (issue 12, item 4): the editors of its lead organisation and of the
    co-submitters that confirmed, the steering committee (who keeps the tracker) for a
    submission it may read, and the coordinator."""
    if submission is None:
        return False
    if is_coordinator(user) or has_role(user, getattr(submission, "lead_organisation", None),
                                        "editor"):
        return True
    if any(getattr(p, "state", None) == "confirmed" and has_role(user, p.organisation, "editor")
           for p in getattr(submission, "participants", ())):
        return True
    return _manage_tracker(user) and _view_submission(user, submission)


def _download_submission_file(user: Any, kept: Any) -> bool:
    """Download a submission's file (issue 12): whoever may read the submission, nobody else
    (a draft of organisation A is never B's, whatever URL B knows)."""
    return kept is not None and _view_submission(user, kept.submission)


def _remove_submission_file(user: Any, kept: Any) -> bool:
    """Remove a submission's file: whoever may edit the submission."""
    return kept is not None and _edit_submission(user, kept.submission)


def _view_calendar(user: Any, _obj: Any = None) -> bool:
    """The coalition calendar page (issue 12): the tracker's readers; members also see the
    follow-up due dates on it (followup.view)."""
    return _in_coalition(user)


def _override_word_limit(user: Any, submission: Any) -> bool:
    """ohchr (issue 12, item 2): send a submission to OHCHR although its text is over OHCHR's
    word limit, with a recorded reason: the steering committee (DESIGN.md: the steering
    committee decides for the coalition). Changing the status at all still needs
    "submission.edit"."""
    return submission is not None and is_steering_member(user)
# --- end submissions ---


# --- submission drafting (issue 12, item 2) ---
def _submission_drafting_orgs(submission: Any) -> list[Organisation]:
    """The organisations drafting a submission's text: its lead and the co-submitters that
    confirmed (an invited or declined one reads the draft, it does not write it)."""
    return [submission.lead_organisation,
            *(p.organisation for p in submission.participants if p.state == "confirmed")]


def _draft_submission(user: Any, submission: Any) -> bool:
    """Write a submission's text (save, autosave, restore, resolve a conflict): the editors of
    its lead and confirmed co-submitting organisations, while it is a draft."""
    return (submission is not None and submission.status == "draft" and any(
        has_role(user, org, "editor")
        for org in _submission_drafting_orgs(submission)))


def _comment_submission(user: Any, submission: Any) -> bool:
    """Comment on a submission's text: every member of its lead and confirmed co-submitting
    organisations (viewers too: commenting is how they take part), and the coordinator."""
    if submission is None:
        return False
    return is_coordinator(user) or any(
        role_in(user, org) is not None
        for org in _submission_drafting_orgs(submission))


def _remove_submission_comment(user: Any, comment: Any) -> bool:
    """Take a comment on a submission's text out of its thread: its author while they may
    still comment there, and the coordinator moderating (as for statements)."""
    if is_coordinator(user):
        return True
    return (comment is not None and _signed_in(user) and comment.author_id == user.id
            and _comment_submission(user, comment.submission))
# --- end submission drafting ---


RULES: dict[str, Rule] = {
    "directory.view": _in_coalition,
    "organisation.view": _view_organisation,
    "organisation.view_members": _view_members,
    "organisation.view_member_emails": _view_member_emails,
    "organisation.create": lambda user, _obj: is_coordinator(user),
    "organisation.edit": lambda user, _obj: is_coordinator(user),
    "organisation.manage_members": _manage_members,
    "organisation.history": _manage_members,
    "user.manage": lambda user, _obj: is_coordinator(user),
    "user.history": _self_or_coordinator,
    "audit.view_log": lambda user, _obj: is_coordinator(user),
    "profile.edit": lambda user, _obj: _signed_in(user),
    # The recommendation tracker
    "tracker.view": _in_coalition,
    "tracker.manage": _manage_tracker,
    "tracker.import": _manage_tracker,
    # Download what the tracker shows (issue 10): whoever may view the tracker; the rows hold
    # only the assessments the reader may read (visible_assessments).
    "tracker.export": _in_coalition,
    "import.view": _view_import,
    "assessment.create": _assess,
    "assessment.view": _view_assessment,
    "assessment.set_visibility": _set_assessment_visibility,
    # Saved tracker views (issue 10)
    "saved_view.create": _create_saved_view,
    "saved_view.view": _read_saved_view,
    "saved_view.edit": _own_saved_view,
    "saved_view.delete": _own_saved_view,
    "recommendation.history": lambda user, _obj: is_coordinator(user) or is_coalition_member(
        user),
    # Follow-up (issue 11)
    "followup.view": _view_followup,
    "followup.assign": _manage_tracker,
    "followup.update": _update_plan,
    "followup.add_action": _add_action,
    "followup.edit_action": _edit_action,
    "followup.download_evidence": _read_evidence,
    "position.adopt": _manage_tracker,
    "midterm.generate": _generate_midterm,  # midterm (issue 11, item 7)
    # --- positions (issue 11): the dashboards, coalition-internal like the follow-up.
    "dashboard.view": _view_followup,
    # --- end positions
    "notifications.view": lambda user, _obj: _signed_in(user),
    # Joint statements
    "statement.view": _view_statement,
    "statement.read_public": _read_public_statement,
    # Start a statement: as an editor of some organisation; led by an organisation: its editor.
    "statement.create": _assess,
    "statement.edit": _edit_statement,
    "statement.save_for": _save_for,
    "statement.comment": _comment_statement,
    "statement.manage": _manage_statement,
    "statement.manage_drafters": _manage_drafters,
    "statement.sign": _signs_for_someone,
    "statement.sign_for": _sign_for,
    # People
    "person.view_name": _view_names,


    "statement.remove_comment": _remove_comment,
    # Stakeholder submissions (issue 12)
    "submission.list": _list_submissions,
    "submission.view": _view_submission,
    "submission.create": _create_submission,
    "submission.edit": _edit_submission,
    "submission.answer": _answer_participation,
    # Asks and impact (issue 12, item 4): asks are edited by whoever edits the submission.
    "submission.asks": _edit_submission,
    "submission.link_asks": _link_asks,
    "impact.view": _in_coalition,
    "submission.download_file": _download_submission_file,
    "submission.remove_file": _remove_submission_file,
    "calendar.view": _view_calendar,
    "submission.override_word_limit": _override_word_limit,  # ohchr (issue 12, item 2)
    "submission.draft": _draft_submission,  # its text (issue 12, item 2)
    "submission.comment": _comment_submission,
    "submission.remove_comment": _remove_submission_comment,
}

# Actions that anonymous visitors may take when the coalition opens them to the public.
PUBLIC_WHEN_ENABLED = {"tracker.view": "PUBLIC_TRACKER", "tracker.export": "PUBLIC_TRACKER",
                       "calendar.view": "PUBLIC_TRACKER"}
# Actions whose rule decides for anonymous visitors too (what is public is the rule's answer).
OPEN_TO_EVERYONE = {"statement.read_public", "assessment.view", "submission.view",
                    "submission.download_file"}


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May `user` do `action` on `obj`? Inactive and anonymous users fail every rule."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no access rule for action {action!r}")
    # `current_user` is a proxy that looks the user up on every attribute; a rule reads
    # several, and a tracker page asks about 90 times: resolve it once.
    resolve = getattr(user, "_get_current_object", None)
    if resolve is not None:
        user = resolve()
    setting = PUBLIC_WHEN_ENABLED.get(action)
    public_now = bool(setting and has_app_context() and current_app.config.get(setting))
    if not _signed_in(user):
        return public_now or (action in OPEN_TO_EVERYONE and bool(rule(user, obj)))
    return public_now or bool(rule(user, obj))


def person_label(person: Any, organisation: Any = None, viewer: Any = None,
                 nobody: str | None = None, kept_name: str | None = None) -> str:
    """How a person who did something is named to `viewer` (default: the current user):
    "Name (Organisation)" inside the coalition; "Organisation" alone outside it (researchers,
    the public), since who works where is coalition-internal; `nobody` when neither is known.
    `nobody` defaults to "someone" (translated). `kept_name` names a person whose account is
    gone (the audit trail keeps it as text).
    The one place pages, exports and history decide whether to show a person's name."""
    if viewer is None:
        viewer = current_user if has_app_context() else None
    org_name = getattr(organisation, "name", None)
    name = getattr(person, "display_name", None) if person is not None else kept_name
    if name and can(viewer, "person.view_name", person):
        return f"{name} ({org_name})" if org_name else name
    if org_name:
        return org_name
    if name:
        return _("a member of the coalition")
    return nobody if nobody is not None else _("someone")


def authorize(action: str, obj: Any = None) -> None:
    """Abort the request unless the current user may do `action` on `obj`."""
    if can(current_user, action, obj):
        return
    if not current_user.is_authenticated:
        # Anonymous visitors are sent to sign in and brought back afterwards.
        abort(login_manager.unauthorized())
    abort(403)


def guard(action: str, load: Callable[..., Any] | None = None) -> Callable:
    """View decorator: load the object (404), check `action` on it (403), then run the view.

    With `load`, the view receives the loaded object as its first argument.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if load is None:
                authorize(action)
                return view(*args, **kwargs)
            obj = load(**kwargs)
            authorize(action, obj)
            return view(obj, **kwargs)

        wrapped.access_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, deliberately (the url_map test checks for a mark)."""
    view.access_public = True  # type: ignore[attr-defined]
    return view
