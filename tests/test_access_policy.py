"""Unit tests of the one policy, `coalition.access.can(user, action, obj)`.

POLICY below is the access table of DESIGN.md written out for the roles of the `world` fixture:
each row is an action on an object, and the set of roles that may do it. Every other role must
be refused. The HTTP side of the same policy is tests/test_access_matrix.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask_login import AnonymousUserMixin

from coalition.access import OPEN_TO_EVERYONE, RULES, can
from coalition.extensions import db
from tests.conftest import ROLES

# --- the policy table ---------------------------------------------------------------------------

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
IN_COALITION = SIGNED_IN - {"no_org"}               # coordinator, researcher, members of an org
MEMBERS = IN_COALITION - {"researcher"}             # coordinator and members of an active org
COORDINATOR = frozenset({"coordinator"})
STEERING = COORDINATOR | {"steering"}              # the steering committee runs the tracker
EDITORS = frozenset({"editor", "org_admin", "other_editor", "other_admin", "steering"})
NOBODY: frozenset[str] = frozenset()
OWN = frozenset({"viewer", "editor", "org_admin"})  # members of world.org

# Objects, by name: "org" is world.org (owned by viewer/editor/org_admin), "other" is world.other
# (other_viewer/other_editor/other_admin), "steering_org" has the steering member as editor,
# "dormant" is an inactive organisation, "self" is the acting user, "viewer_user" is the viewer's
# account, "steering_job"/"coordinator_job" an import started by the steering member or by the
# coordinator, None is no object.
POLICY: list[tuple[str, str | None, frozenset[str]]] = [
    # action                          object          who may
    ("directory.view",                None,           IN_COALITION),
    ("organisation.view",             "org",          IN_COALITION),
    # Members' e-mail addresses: the organisation's own members and the coordinator (issue 9).
    ("organisation.view_member_emails", "org",        COORDINATOR | OWN),
    ("organisation.view_member_emails", "other",      COORDINATOR | {"other_viewer",
                                                                     "other_editor",
                                                                     "other_admin"}),
    ("organisation.view_member_emails", "dormant",    COORDINATOR),
    ("organisation.view",             "other",        IN_COALITION),
    ("organisation.view",             "steering_org", IN_COALITION),
    ("organisation.view",             "dormant",      COORDINATOR),
    ("organisation.view",             None,           COORDINATOR),
    ("organisation.view_members",     "org",          MEMBERS),
    ("organisation.view_members",     "other",        MEMBERS),
    ("organisation.view_members",     "dormant",      COORDINATOR),
    ("organisation.view_members",     None,           COORDINATOR),
    ("organisation.create",           None,           COORDINATOR),
    ("organisation.edit",             "org",          COORDINATOR),
    ("organisation.edit",             "dormant",      COORDINATOR),
    ("organisation.manage_members",   "org",          COORDINATOR | {"org_admin"}),
    ("organisation.manage_members",   "other",        COORDINATOR | {"other_admin"}),
    ("organisation.manage_members",   "steering_org", COORDINATOR),
    ("organisation.manage_members",   "dormant",      COORDINATOR),
    ("organisation.manage_members",   None,           COORDINATOR),
    ("organisation.history",          "org",          COORDINATOR | {"org_admin"}),
    ("organisation.history",          "other",        COORDINATOR | {"other_admin"}),
    ("organisation.history",          "dormant",      COORDINATOR),
    ("organisation.history",          None,           COORDINATOR),
    ("user.manage",                   None,           COORDINATOR),
    ("user.manage",                   "viewer_user",  COORDINATOR),
    ("user.manage",                   "self",         COORDINATOR),
    ("user.history",                  "self",         SIGNED_IN),
    ("user.history",                  "viewer_user",  COORDINATOR | {"viewer"}),
    ("user.history",                  None,           COORDINATOR),
    ("audit.view_log",                None,           COORDINATOR),
    ("profile.edit",                  None,           SIGNED_IN),
    # The recommendation tracker (anonymous only when PUBLIC_TRACKER is on: tested below)
    ("tracker.view",                  None,           IN_COALITION),
    # Downloads of the tracker (issue 10): whoever may view it, the public tracker's visitors too
    ("tracker.export",                None,           IN_COALITION),
    ("tracker.manage",                None,           STEERING),
    ("tracker.import",                None,           STEERING),
    ("import.view",                   None,           STEERING),
    ("import.view",                   "steering_job", STEERING),
    ("import.view",                   "coordinator_job", COORDINATOR),
    ("assessment.create",             None,           COORDINATOR | EDITORS),
    ("assessment.create",             "org",          COORDINATOR | {"editor", "org_admin"}),
    ("assessment.create",             "other",        COORDINATOR | {"other_editor",
                                                                     "other_admin"}),
    ("assessment.create",             "dormant",      COORDINATOR),
    # Who reads an assessment, by its visibility (issue 10); who may change that.
    ("assessment.view",               "own_private",  COORDINATOR | OWN),
    ("assessment.view",               "coalition_a",  MEMBERS),
    ("assessment.view",               "public_a",     IN_COALITION),
    ("assessment.view",               None,           NOBODY),
    ("assessment.set_visibility",     "own_private",  COORDINATOR | {"editor", "org_admin"}),
    ("assessment.set_visibility",     "public_a",     COORDINATOR | {"editor", "org_admin"}),
    ("recommendation.history",        None,           MEMBERS),
    # Saved tracker views (issue 10): "shared_view" is the editor's, shared with world.org;
    # "private_view" the editor's own.
    ("saved_view.create",             None,           IN_COALITION),
    ("saved_view.view",               "shared_view",  OWN),
    ("saved_view.view",               "private_view", frozenset({"editor"})),
    ("saved_view.view",               None,           NOBODY),
    ("saved_view.edit",               "shared_view",  frozenset({"editor"})),
    ("saved_view.edit",               "private_view", frozenset({"editor"})),
    ("saved_view.edit",               None,           NOBODY),
    ("saved_view.delete",             "shared_view",  frozenset({"editor"})),
    ("saved_view.delete",             None,           NOBODY),
    # Joint statements drafted by world.org, by the audience their text has reached
    # (Statement.audience, never the status alone): "draft" never left its drafters,
    # "in_review" reached the steering committee, "open" every member, "published" everyone;
    # "withdrawn" was withdrawn as a draft (still its drafters' only); "codrafted" is a draft
    # led by world.org with world.other co-drafting.
    # The published text (its page, exports and the public list): everyone, anonymous too,
    # while a published revision stands (issue 9).
    ("statement.read_public",         None,           NOBODY),
    ("statement.read_public",         "published",    frozenset(ROLES)),
    ("statement.read_public",         "open",         NOBODY),
    ("statement.read_public",         "withdrawn_public", NOBODY),
    ("statement.view",                None,           MEMBERS),
    ("statement.view",                "draft",        COORDINATOR | OWN),
    ("statement.view",                "withdrawn",    COORDINATOR | OWN),
    ("statement.view",                "in_review",    STEERING | OWN),
    ("statement.view",                "open",         MEMBERS),
    ("statement.view",                "published",    MEMBERS),
    ("statement.view",                "codrafted",    COORDINATOR | OWN | {"other_viewer",
                                                                         "other_editor",
                                                                         "other_admin"}),
    ("statement.create",              None,           COORDINATOR | EDITORS),
    ("statement.create",              "org",          COORDINATOR | {"editor", "org_admin"}),
    ("statement.edit",                "draft",        COORDINATOR | {"editor", "org_admin"}),
    ("statement.edit",                "withdrawn",    COORDINATOR | {"editor", "org_admin"}),
    ("statement.edit",                "in_review",    STEERING | {"editor", "org_admin"}),
    ("statement.edit",                "open",         STEERING | {"editor", "org_admin"}),
    ("statement.save_for",            "draft+org",    COORDINATOR | {"editor", "org_admin"}),
    ("statement.save_for",            "draft+other",  NOBODY),
    ("statement.save_for",            "draft+steering_org", NOBODY),
    ("statement.save_for",            "in_review+steering_org", {"steering"}),
    ("statement.save_for",            "codrafted+other", COORDINATOR | {"other_editor",
                                                                        "other_admin"}),
    ("statement.save_for",            None,           NOBODY),
    ("statement.comment",             "draft",        COORDINATOR | OWN),
    ("statement.comment",             "withdrawn",    COORDINATOR | OWN),
    ("statement.comment",             "in_review",    STEERING | OWN),
    ("statement.comment",             "open",         MEMBERS),
    ("statement.manage",              "draft",        COORDINATOR),
    ("statement.manage",              "in_review",    STEERING),
    ("statement.manage_drafters",     "draft",        COORDINATOR | {"editor", "org_admin"}),
    ("statement.manage_drafters",     "codrafted",    COORDINATOR | {"editor", "org_admin"}),
    ("statement.manage_drafters",     "in_review",    STEERING | {"editor", "org_admin"}),
    ("statement.manage_drafters",     None,           COORDINATOR),
    ("statement.sign",                None,           COORDINATOR | {"org_admin", "other_admin"}),
    ("statement.sign",                "open",         COORDINATOR | {"org_admin", "other_admin"}),
    ("statement.sign",                "draft",        COORDINATOR | {"org_admin"}),
    ("statement.sign_for",            "org",          COORDINATOR | {"org_admin"}),
    ("statement.sign_for",            "other",        COORDINATOR | {"other_admin"}),
    ("statement.sign_for",            None,           COORDINATOR),
    # People's names are coalition-internal (as organisation.view_members)
    ("person.view_name",              None,           MEMBERS),
    ("person.view_name",              "viewer_user",  MEMBERS),
    # Removing a comment (issue 7): its author while they may read the statement; the
    # coordinator moderates. "viewer_comment" is the viewer's on a statement in review;
    # "stranded_comment" other_viewer's on world.org's draft, which other_viewer cannot read.
    ("statement.remove_comment",      "viewer_comment", COORDINATOR | {"viewer"}),
    ("statement.remove_comment",      "stranded_comment", COORDINATOR),
    ("statement.remove_comment",      None,           COORDINATOR),
    # Follow-up (issue 11): coalition-internal; "plan" is led by world.org with world.other
    # supporting; "action" is owned by world.org; "evidence" a file of such an action.
    ("followup.view",                 None,           MEMBERS),
    ("followup.assign",               None,           STEERING),
    ("followup.update",               "plan",         STEERING | {"editor", "org_admin"}),
    ("followup.update",               None,           STEERING),
    ("followup.add_action",           "plan",         STEERING | {"editor", "org_admin",
                                                                  "other_editor",
                                                                  "other_admin"}),
    ("followup.add_action",           None,           STEERING),
    ("followup.edit_action",          "action",       STEERING | {"editor", "org_admin"}),
    ("followup.edit_action",          None,           STEERING),
    ("followup.download_evidence",    "evidence",     MEMBERS),
    ("followup.download_evidence",    None,           NOBODY),
    ("position.adopt",                None,           STEERING),
    ("dashboard.view",                None,           MEMBERS),
    ("midterm.generate",              None,           STEERING),
    ("notifications.view",            None,           SIGNED_IN),
    # Stakeholder submissions (issue 12): led by world.org; "sub_joint" has world.other invited
    # as co-submitter; the audience follows visibility and whether OHCHR published it.
    ("submission.list",               None,           IN_COALITION),
    ("submission.view",               None,           NOBODY),
    ("submission.view",               "sub_solo",     COORDINATOR | OWN),
    ("submission.view",               "sub_joint",    COORDINATOR | OWN | {"other_viewer",
                                                                         "other_editor",
                                                                         "other_admin"}),
    ("submission.view",               "sub_coalition", MEMBERS),
    ("submission.view",               "sub_public_draft", MEMBERS),
    ("submission.view",               "sub_published_org", MEMBERS),
    ("submission.view",               "sub_public_published", frozenset(ROLES)),
    ("submission.create",             None,           COORDINATOR | EDITORS),
    ("submission.create",             "org",          COORDINATOR | {"editor", "org_admin"}),
    ("submission.edit",               "sub_joint",    COORDINATOR | {"editor", "org_admin"}),
    ("submission.edit",               None,           NOBODY),
    ("submission.answer",             "participant_other", COORDINATOR | {"other_editor",
                                                                          "other_admin"}),
    ("submission.answer",             None,           NOBODY),
    # Asks and impact (issue 12, item 4): asks are edited as the submission is; links are
    # decided by the editors of the organisations on it and the steering committee (for a
    # submission it may read); the impact page is for the coalition (rows filtered).
    ("submission.asks",               "sub_joint",    COORDINATOR | {"editor", "org_admin"}),
    ("submission.asks",               None,           NOBODY),
    ("submission.link_asks",          "sub_joint",    COORDINATOR | {"editor", "org_admin"}),
    ("submission.link_asks",          "sub_coalition", COORDINATOR | {"editor", "org_admin",
                                                                      "steering"}),
    ("submission.link_asks",          None,           NOBODY),
    ("impact.view",                   None,           IN_COALITION),
    # Submission files (issue 12, item 3): downloaded by the submission's readers, never more;
    # removed by its editors.
    ("submission.download_file",      "file_solo",    COORDINATOR | OWN),
    ("submission.download_file",      "file_joint",   COORDINATOR | OWN | {"other_viewer",
                                                                         "other_editor",
                                                                         "other_admin"}),
    ("submission.download_file",      "file_public",  frozenset(ROLES)),
    ("submission.download_file",      None,           NOBODY),
    ("submission.remove_file",        "file_solo",    COORDINATOR | {"editor", "org_admin"}),
    ("submission.remove_file",        "file_public",  COORDINATOR | {"editor", "org_admin"}),
    ("submission.remove_file",        None,           NOBODY),
    # The coalition calendar (issue 12, item 5): the tracker's readers.
    ("calendar.view",                 None,           IN_COALITION),
    ("submission.override_word_limit", "sub_solo",    frozenset({"steering"})),  # ohchr
    ("submission.override_word_limit", None,          NOBODY),
    # Its text (issue 12, item 2): the editors of the lead and of confirmed co-submitters, while
    # a draft; comments: every member of those organisations, and the coordinator.
    ("submission.draft",              "sub_joint",    {"editor", "org_admin"}),
    ("submission.draft",              "sub_confirmed", {"editor", "org_admin", "other_editor",
                                                        "other_admin"}),
    ("submission.draft",              "sub_confirmed_sent", NOBODY),
    ("submission.draft",              None,           NOBODY),
    ("submission.comment",            "sub_joint",    COORDINATOR | OWN),
    ("submission.comment",            "sub_confirmed", COORDINATOR | OWN | {
        "other_viewer", "other_editor", "other_admin"}),
    ("submission.comment",            None,           NOBODY),
    ("submission.remove_comment",     "sub_viewer_comment", COORDINATOR | {"viewer"}),
    ("submission.remove_comment",     "sub_stranded_comment", COORDINATOR),
    ("submission.remove_comment",     None,           COORDINATOR),
]

ROWS = [pytest.param(action, target, allowed, id=f"{action}[{target}]")
        for action, target, allowed in POLICY]


# --- helpers ------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def private_tracker(app: Any) -> None:
    app.config["PUBLIC_TRACKER"] = False  # whatever the environment says


@pytest.fixture
def dormant(world: Any, make_org: Any) -> Any:
    return make_org("Dormant Organisation", short_name="DOR", active=False)


def actor(world: Any, role: str) -> Any:
    return AnonymousUserMixin() if role == "anonymous" else world.users[role]


def statement_like(world: Any, status: str, audience: str, co: tuple = ()) -> Any:
    return SimpleNamespace(status=status, audience=audience, lead_organisation=world.org,
                           drafting_organisations=[world.org, *co],
                           published_number=1 if audience == "public" else None)


def submission_like(world: Any, status: str, visibility: str, co: tuple = (),
                    state: str = "invited") -> Any:
    return SimpleNamespace(status=status, visibility=visibility, lead_organisation=world.org,
                           participants=[SimpleNamespace(organisation=o, state=state)
                                         for o in co])


def target_of(world: Any, dormant: Any, target: str | None, user: Any) -> Any:
    if target and "+" in target:  # (statement, organisation): "save for"
        statement, org = target.split("+")
        return (target_of(world, dormant, statement, user),
                target_of(world, dormant, org, user))
    return {
        None: None,
        "org": world.org,
        "other": world.other,
        "steering_org": world.steering_org,
        "dormant": dormant,
        "self": None if isinstance(user, AnonymousUserMixin) else user,
        "viewer_user": world.users["viewer"],
        "shared_view": SimpleNamespace(owner_id=world.users["editor"].id,
                                       organisation_id=world.org.id),
        "private_view": SimpleNamespace(owner_id=world.users["editor"].id,
                                        organisation_id=None),
        "steering_job": SimpleNamespace(created_by_id=world.users["steering"].id),
        "coordinator_job": SimpleNamespace(created_by_id=world.users["coordinator"].id),
        "draft": statement_like(world, "draft", "drafters"),
        "withdrawn": statement_like(world, "withdrawn", "drafters"),
        "in_review": statement_like(world, "in_review", "steering"),
        "open": statement_like(world, "open", "members"),
        "published": statement_like(world, "published", "public"),
        "withdrawn_public": statement_like(world, "withdrawn", "public"),
        "codrafted": statement_like(world, "draft", "drafters", (world.other,)),
        "own_private": SimpleNamespace(visibility="organisation", organisation_id=world.org.id,
                                       organisation=world.org),
        "coalition_a": SimpleNamespace(visibility="coalition", organisation_id=world.org.id,
                                       organisation=world.org),
        "public_a": SimpleNamespace(visibility="public", organisation_id=world.org.id,
                                    organisation=world.org),
        "plan": SimpleNamespace(lead_organisation=world.org,
                                supporting_organisations=[world.other]),
        "action": SimpleNamespace(owner_organisation=world.org),
        "evidence": SimpleNamespace(id=1),
        "viewer_comment": SimpleNamespace(
            author_id=world.users["viewer"].id,
            statement=statement_like(world, "in_review", "steering")),
        "sub_solo": submission_like(world, "draft", "organisation"),
        "sub_joint": submission_like(world, "draft", "organisation", (world.other,)),
        "sub_coalition": submission_like(world, "draft", "coalition"),
        "sub_public_draft": submission_like(world, "submitted", "public"),
        "sub_published_org": submission_like(world, "published", "organisation"),
        "sub_public_published": submission_like(world, "published", "public"),
        "participant_other": SimpleNamespace(organisation=world.other),
        "file_solo": SimpleNamespace(submission=submission_like(world, "draft", "organisation")),
        "file_joint": SimpleNamespace(submission=submission_like(world, "draft", "organisation",
                                                                 (world.other,))),
        "file_public": SimpleNamespace(submission=submission_like(world, "published", "public")),
        # drafting (issue 12, item 2): world.other confirmed; then the same, sent to OHCHR
        "sub_confirmed": submission_like(world, "draft", "organisation", (world.other,),
                                         "confirmed"),
        "sub_confirmed_sent": submission_like(world, "submitted", "organisation",
                                              (world.other,), "confirmed"),
        "sub_viewer_comment": SimpleNamespace(
            author_id=world.users["viewer"].id,
            submission=submission_like(world, "draft", "organisation")),
        "sub_stranded_comment": SimpleNamespace(
            author_id=world.users["other_viewer"].id,
            submission=submission_like(world, "draft", "organisation", (world.other,))),
        "stranded_comment": SimpleNamespace(
            author_id=world.users["other_viewer"].id,
            statement=statement_like(world, "draft", "drafters")),
    }[target]


def decisions(world: Any, dormant: Any, action: str, target: str | None) -> dict[str, bool]:
    result = {}
    for role in ROLES:
        user = actor(world, role)
        result[role] = can(user, action, target_of(world, dormant, target, user))
    return result


# --- the table, row by row ----------------------------------------------------------------------

def test_the_table_covers_every_action() -> None:
    assert {action for action, _, _ in POLICY} == set(RULES)


@pytest.mark.parametrize(("action", "target", "allowed"), ROWS)
def test_policy_row(world: Any, dormant: Any, action: str, target: str | None,
                    allowed: frozenset[str]) -> None:
    expected = {role: role in allowed for role in ROLES}
    assert decisions(world, dormant, action, target) == expected


def test_can_answers_for_every_action_and_role_even_without_an_object(world: Any,
                                                                     dormant: Any) -> None:
    """The policy is total: no rule crashes on a missing object (None) or on its table's."""
    for action in RULES:
        targets = {None} | {target for a, target, _ in POLICY if a == action}
        for target in targets:
            for role in ROLES:
                user = actor(world, role)
                answer = can(user, action, target_of(world, dormant, target, user))
                assert isinstance(answer, bool), (action, target, role)


def test_an_inactive_user_gets_nothing(world: Any, dormant: Any) -> None:
    """Nothing but what is open to everyone (OPEN_TO_EVERYONE: a published statement)."""
    for user in world.users.values():
        user.active = False
    db.session.commit()
    granted = [(role, action, target) for role in sorted(SIGNED_IN)
               for action, target, _ in POLICY
               if action not in OPEN_TO_EVERYONE and can(world.users[role], action,
                      target_of(world, dormant, target, world.users[role]))]
    assert granted == []


def test_anonymous_gets_nothing(world: Any, dormant: Any) -> None:
    """Nothing but what is open to everyone: the published text of a statement, a public
    submission once OHCHR has published it (issue 12)."""
    user = AnonymousUserMixin()
    granted = [(action, target) for action, target, _ in POLICY
               if can(user, action, target_of(world, dormant, target, user))]
    assert granted == [("statement.read_public", "published"),
                       ("submission.view", "sub_public_published"),
                       ("submission.download_file", "file_public")]
    assert {"statement.read_public", "assessment.view", "submission.view",
            "submission.download_file"} == OPEN_TO_EVERYONE


def test_a_public_tracker_opens_only_tracker_view_to_anonymous_and_inactive(
        app: Any, world: Any, dormant: Any) -> None:
    app.config["PUBLIC_TRACKER"] = True
    inactive = world.users["no_org"]
    inactive.active = False
    db.session.commit()
    for user in (AnonymousUserMixin(), inactive):
        granted = {action for action, target, _ in POLICY
                   if can(user, action, target_of(world, dormant, target, user))}
        # The public tracker and its downloads (issue 10).
        assert granted == {"tracker.view", "tracker.export", "calendar.view",
                           *OPEN_TO_EVERYONE}
        # ... and of the assessments, only the public ones (issue 10).
        assert can(user, "assessment.view", target_of(world, dormant, "public_a", user))
        assert not can(user, "assessment.view", target_of(world, dormant, "coalition_a", user))
    assert can(world.users["researcher"], "tracker.view")
    assert not can(world.users["researcher"], "tracker.manage")


@pytest.mark.parametrize("user_role", ["anonymous", "coordinator", "viewer"])
def test_an_unknown_action_raises(world: Any, user_role: str) -> None:
    with pytest.raises(KeyError, match=r"organisation\.veiw"):
        can(actor(world, user_role), "organisation.veiw", world.org)


# --- the cases the design calls out, by name ----------------------------------------------------

def test_an_inactive_organisation_is_visible_only_to_the_coordinator(world: Any) -> None:
    world.org.active = False
    db.session.commit()
    who = {role for role in ROLES if can(actor(world, role), "organisation.view", world.org)}
    assert who == {"coordinator"}
    # Its own admin no longer manages it, and its members no longer see who works there.
    assert not can(world.users["org_admin"], "organisation.manage_members", world.org)
    assert not can(world.users["org_admin"], "organisation.view_members", world.org)
    assert can(world.users["coordinator"], "organisation.manage_members", world.org)


def test_members_of_only_an_inactive_organisation_leave_the_coalition(world: Any) -> None:
    world.org.active = False
    db.session.commit()
    for role in ("viewer", "editor", "org_admin"):
        user = world.users[role]
        assert not can(user, "directory.view")
        assert not can(user, "organisation.view", world.other)
        assert can(user, "profile.edit")
    assert can(world.users["other_viewer"], "directory.view")


def test_a_member_of_an_inactive_and_an_active_organisation_stays_in(world: Any,
                                                                     make_user: Any) -> None:
    from coalition.organisations.services import add_member

    both = make_user("both@example.org", world.org, "org_admin")
    add_member(None, world.other, both, "viewer")
    world.org.active = False
    db.session.commit()
    assert can(both, "directory.view")
    assert can(both, "organisation.view_members", world.other)
    assert not can(both, "organisation.manage_members", world.org)
    assert not can(both, "organisation.view", world.org)


def test_org_admin_of_x_manages_x_but_not_y(world: Any) -> None:
    admin = world.users["org_admin"]
    assert can(admin, "organisation.manage_members", world.org)
    assert can(admin, "organisation.history", world.org)
    assert not can(admin, "organisation.manage_members", world.other)
    assert not can(admin, "organisation.manage_members", world.steering_org)
    assert not can(admin, "organisation.history", world.other)
    assert not can(admin, "organisation.edit", world.org)


@pytest.mark.parametrize("role", ["viewer", "editor", "other_viewer", "other_editor",
                                  "steering"])
def test_viewers_and_editors_cannot_manage_members(world: Any, role: str) -> None:
    user = world.users[role]
    for org in (world.org, world.other, world.steering_org):
        assert not can(user, "organisation.manage_members", org)
        assert not can(user, "organisation.history", org)


def test_a_steering_member_is_not_the_coordinator(world: Any) -> None:
    steering = world.users["steering"]
    for action, obj in [("organisation.create", None), ("organisation.edit", world.org),
                        ("organisation.edit", world.steering_org), ("user.manage", None),
                        ("audit.view_log", None),
                        ("user.history", world.users["viewer"]),
                        ("organisation.manage_members", world.steering_org)]:
        assert not can(steering, action, obj), action
    assert can(steering, "directory.view")
    assert can(steering, "organisation.view_members", world.org)


def test_a_researcher_sees_the_directory_and_pages_but_not_member_lists(world: Any) -> None:
    researcher = world.users["researcher"]
    assert can(researcher, "directory.view")
    for org in (world.org, world.other, world.steering_org):
        assert can(researcher, "organisation.view", org)
        assert not can(researcher, "organisation.view_members", org)
        assert not can(researcher, "organisation.manage_members", org)


def test_a_person_in_no_organisation_sees_only_their_own_account(world: Any) -> None:
    loner = world.users["no_org"]
    assert can(loner, "profile.edit")
    assert can(loner, "user.history", loner)
    assert not can(loner, "directory.view")
    assert not can(loner, "organisation.view", world.org)


def test_an_inactive_coordinator_is_not_a_coordinator(world: Any) -> None:
    coordinator = world.users["coordinator"]
    coordinator.active = False
    db.session.commit()
    assert not can(coordinator, "user.manage")
    assert not can(coordinator, "organisation.view", world.org)
    assert not can(coordinator, "profile.edit")
