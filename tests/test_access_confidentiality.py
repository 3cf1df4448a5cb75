"""Issue 7, "Access and confidentiality", by kind of fault:

1. *Visibility by status, not by audience*: a withdrawn draft became readable by every member.
   A statement is read by the audience its text has ever reached (Statement.audience).
2. *Co-drafters*: a replace that keeps an organisation gave a 500; any co-drafter could replace
   the whole list.
3. *Acting on behalf of an organisation one may not act for*: edits credited to an organisation
   that does not draft; the same kind wherever a user picks "for which organisation"
   (assessments, sign-on, a new statement's lead, comments, restores, conflict resolutions).
4. *People's names shown outside the coalition*: "Recorded by <person>" to the public.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from coalition.access import can, person_label
from coalition.audit.models import AuditEvent
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.recommendations.models import Assessment
from coalition.statements import services
from coalition.statements.models import (
    Comment,
    Endorsement,
    Revision,
    Statement,
    StatementDrafter,
)
from tests.conftest import ROLES, AuthActions
from tests.test_recommendations import rec, review  # noqa: F401  (fixtures)

TEXT = "We welcome the adoption of the outcome.\n\nThank you, Mr President.\n"

# The roles of the `world` fixture, as in tests/test_access_policy.py
OWN = {"viewer", "editor", "org_admin"}                    # members of world.org, which drafts
OWN_EDITORS = {"editor", "org_admin"}
COORDINATOR = {"coordinator"}
MEMBERS = set(ROLES) - {"anonymous", "researcher", "no_org"}


def person(app: Flask, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def fresh(statement_id: int) -> Statement:
    db.session.commit()
    db.session.expire_all()
    statement = db.session.get(Statement, statement_id)
    assert statement is not None
    return statement


def everything_about(statement_id: int) -> tuple:
    """What a refused request must leave exactly as it was."""
    db.session.rollback()
    db.session.expire_all()
    statement = db.session.get(Statement, statement_id)
    assert statement is not None
    return (statement.status, statement.audience, statement.title, statement.head_number,
            sorted((d.organisation_id, d.is_lead) for d in statement.drafters),
            db.session.scalar(select(func.count(Revision.id))),
            db.session.scalar(select(func.count(Comment.id))),
            db.session.scalar(select(func.count(Endorsement.id))),
            db.session.scalar(select(func.count(AuditEvent.id))))


# --- 1. visibility follows the audience the text reached, not the status ------------------------

# Who may read (and comment), and who may edit, for each audience reached; world.org drafts.
READERS = {"drafters": COORDINATOR | OWN,
           "steering": COORDINATOR | OWN | {"steering"},
           "members": MEMBERS,
           "public": MEMBERS}
EDITORS = {"drafters": COORDINATOR | OWN_EDITORS,
           "steering": COORDINATOR | OWN_EDITORS | {"steering"},
           "members": COORDINATOR | OWN_EDITORS | {"steering"},
           "public": COORDINATOR | OWN_EDITORS | {"steering"}}

# Every path through the workflow, step by step: (transition, audience reached afterwards).
WALKS = {
    "withdrawn as a draft": [("withdraw", "drafters")],
    "withdrawn in review": [("submit", "steering"), ("withdraw", "steering")],
    "sent back to draft": [("submit", "steering"), ("back_to_draft", "steering"),
                           ("withdraw", "steering")],
    "opened from draft, withdrawn": [("open_signon", "members"), ("withdraw", "members")],
    "opened from review, withdrawn": [("submit", "steering"), ("open_signon", "members"),
                                      ("withdraw", "members")],
    "published from review": [("submit", "steering"), ("publish", "public")],
    "published, withdrawn": [("open_signon", "members"), ("publish", "public"),
                             ("withdraw", "public")],
    "published, corrected, republished": [
        ("submit", "steering"), ("open_signon", "members"), ("publish", "public"),
        ("reopen", "public"), ("back_to_draft", "public"), ("submit", "public"),
        ("publish", "public")],
}


def who_may(world: Any, action: str, statement: Statement) -> set[str]:
    from flask_login import AnonymousUserMixin

    return {role for role in ROLES
            if can(AnonymousUserMixin() if role == "anonymous" else world.users[role], action,
                   statement)}


@pytest.mark.parametrize("walk", list(WALKS))
def test_visibility_by_audience_not_status_through_every_transition(app: Flask, world: Any,
                                                                    walk: str) -> None:
    """Kind: visibility decided by the current status. At every step of every path the
    policy's readers, commenters and editors are those of the widest audience reached."""
    statement = services.create_statement(world.users["editor"], world.org, "Walk", text=TEXT)
    db.session.commit()
    steps = [(None, "drafters"), *WALKS[walk]]
    for action, audience in steps:
        if action is not None:
            deadline = utcnow() + timedelta(days=7) if action == "open_signon" else None
            services.transition(world.users["coordinator"], statement, action, deadline,
                                note="A correction." if action == "reopen" else "")
            db.session.commit()
        statement = fresh(statement.id)
        where = f"{walk}: after {action or 'create'} ({statement.status})"
        assert statement.audience == audience, where
        assert who_may(world, "statement.view", statement) == READERS[audience], where
        assert who_may(world, "statement.comment", statement) == READERS[audience], where
        assert who_may(world, "statement.edit", statement) == EDITORS[audience], where


def test_a_withdrawn_draft_stays_with_its_drafters(app: Flask, world: Any, make_org: Any,
                                                  make_user: Any) -> None:
    """Kind: visibility decided by the current status. The issue's case: MFMW's admin creates a
    draft, it goes to the steering committee, a steering member withdraws it; another
    organisation's viewer gets 403 on it, its history, diff, blame and on commenting, and
    nothing changes."""
    mfmw = make_org("Mission for Migrant Workers", short_name="MFMW")
    make_user("admin@mfmw.example.org", mfmw, "org_admin")
    admin = person(app, "admin@mfmw.example.org")
    response = admin.post("/statements/new", data={
        "title": "MFMW draft on domestic workers", "occasion": "HRC 55", "kind": "oral",
        "language": "en", "lead": str(mfmw.id), "text": TEXT})
    assert response.status_code == 302
    statement_id = db.session.scalar(select(Statement.id).where(
        Statement.title == "MFMW draft on domestic workers"))
    # Not yet submitted: the steering committee neither sees nor moves it.
    steering = person(app, "steering@example.org")
    assert steering.client.get(f"/statements/{statement_id}").status_code == 403
    assert steering.post(f"/statements/{statement_id}/status/withdraw").status_code == 403
    assert admin.post(f"/statements/{statement_id}/status/submit").status_code == 302
    assert steering.post(f"/statements/{statement_id}/status/withdraw").status_code == 302
    assert fresh(statement_id).status == "withdrawn"

    outsider = person(app, "oviewer@example.org")   # a viewer of another organisation
    before = everything_about(statement_id)
    for path in ("", "/history", "/diff", "/diff?a=1&b=1", "/blame"):
        assert outsider.client.get(f"/statements/{statement_id}{path}").status_code == 403, path
    assert outsider.post(f"/statements/{statement_id}/comments",
                         data={"body": "Interesting!", "quote": ""}).status_code == 403
    assert "MFMW draft" not in outsider.client.get("/statements").get_data(as_text=True)
    assert outsider.client.get(f"/s/{statement_id}").status_code == 404
    assert everything_about(statement_id) == before
    # Its drafters and the committee it reached still read it.
    assert admin.client.get(f"/statements/{statement_id}/history").status_code == 200
    assert steering.client.get(f"/statements/{statement_id}/blame").status_code == 200


def test_withdrawing_a_draft_never_submitted_hides_it_from_the_committee(app: Flask,
                                                                         world: Any) -> None:
    """Kind: visibility decided by the current status (withdrawn by the coordinator)."""
    statement = services.create_statement(world.users["editor"], world.org, "Quiet", text=TEXT)
    db.session.commit()
    coordinator = person(app, "coordinator@example.org")
    assert coordinator.post(f"/statements/{statement.id}/status/withdraw").status_code == 302
    for email in ("steering@example.org", "oviewer@example.org"):
        someone = person(app, email)
        for path in ("", "/history", "/diff", "/blame"):
            assert someone.client.get(f"/statements/{statement.id}{path}").status_code == 403
    assert person(app, "viewer@example.org").client.get(
        f"/statements/{statement.id}").status_code == 200


def test_a_steering_viewer_moves_a_statement_that_reached_the_committee_but_not_its_text(
        app: Flask, world: Any, make_user: Any) -> None:
    """Kind: visibility decided by the current status. Moving a statement through the workflow
    is the steering committee's (any of its members); editing its text credits an organisation,
    so it needs an editor; neither reaches a draft never submitted."""
    make_user("sviewer@example.org", world.steering_org, "viewer")
    statement = services.create_statement(world.users["editor"], world.org, "Moved", text=TEXT)
    db.session.commit()
    reviewer = person(app, "sviewer@example.org")
    assert reviewer.post(f"/statements/{statement.id}/status/withdraw").status_code == 403
    services.transition(world.users["editor"], fresh(statement.id), "submit")
    db.session.commit()
    assert reviewer.client.get(f"/statements/{statement.id}/edit").status_code == 403
    assert "Withdraw statement" in reviewer.client.get(
        f"/statements/{statement.id}").get_data(as_text=True)
    assert reviewer.post(f"/statements/{statement.id}/status/withdraw").status_code == 302
    assert fresh(statement.id).status == "withdrawn"


def test_every_statement_route_asks_the_policy_with_the_statement(app: Flask,
                                                                 world: Any) -> None:
    """Kind: a route deciding without the statement. Every route under /statements/<id> that
    acts on one statement is guarded by an action the policy decides with that statement."""
    from coalition.access import RULES

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/statements/<int:statement_id>"):
            continue
        view = app.view_functions[rule.endpoint]
        action = getattr(view, "access_action", None)
        assert action in RULES and action.startswith("statement."), rule.rule
    # ... and each of those actions refuses someone for a draft they never saw.
    statement = services.create_statement(world.users["editor"], world.org, "Q", text=TEXT)
    db.session.commit()
    outsider = world.users["other_admin"]
    for action in ("statement.view", "statement.comment", "statement.edit", "statement.sign",
                   "statement.manage_drafters"):
        assert not can(outsider, action, statement), action


def test_the_migration_gives_existing_statements_the_audience_they_reached(
        app: Flask, world: Any) -> None:
    """Kind: visibility decided by the current status, for rows older than the column: the
    migration reads how far each statement went from its status and its audit trail."""
    from flask_migrate import downgrade, upgrade

    steps = {"drafters": ["withdraw"], "steering": ["submit", "back_to_draft"],
             "members": ["open_signon", "withdraw"], "public": ["open_signon", "publish",
                                                               "withdraw"],
             "steering, withdrawn": ["submit", "withdraw"]}
    ids = {}
    for name, actions in steps.items():
        statement = services.create_statement(world.users["editor"], world.org, name,
                                              text=TEXT)
        for action in actions:
            services.transition(world.users["coordinator"], statement, action,
                                utcnow() + timedelta(days=3))
        ids[name] = statement.id
    db.session.commit()
    db.session.remove()
    downgrade(revision="a24a581ade9b")
    upgrade()
    db.session.remove()
    reached = {name: db.session.get(Statement, i).audience for name, i in ids.items()}
    assert reached == {"drafters": "drafters", "steering": "steering", "members": "members",
                       "public": "public", "steering, withdrawn": "steering"}


# --- 2. co-drafters -----------------------------------------------------------------------------

def drafting_ids(statement_id: int) -> list[int]:
    db.session.rollback()
    return sorted(db.session.scalars(select(StatementDrafter.organisation_id).where(
        StatementDrafter.statement_id == statement_id, StatementDrafter.is_lead.is_(False))))


def set_drafters(auth: AuthActions, statement_id: int, org_ids: list[int]) -> Any:
    token = auth.csrf("/profile")
    return auth.client.post(f"/statements/{statement_id}/drafters",
                            data={"csrf_token": token, "co_drafters": [str(i) for i in org_ids]})


def test_replacing_co_drafters_works_for_any_overlap(app: Flask, world: Any,
                                                    make_org: Any) -> None:
    """Kind: a replace inserting before it deletes (500 on the unique constraint)."""
    a, b, c = (make_org(f"Partner {n}") for n in "ABC")
    statement = services.create_statement(world.users["editor"], world.org, "Co", text=TEXT,
                                          co_drafters=[a, b])
    db.session.commit()
    editor = person(app, "editor@example.org")
    for wanted in ([b.id, c.id], [c.id], [a.id, b.id, c.id], [c.id, world.other.id], [],
                   [a.id]):
        response = set_drafters(editor, statement.id, wanted)
        assert response.status_code == 302, wanted
        assert drafting_ids(statement.id) == sorted(wanted)
    # The lead stays the lead, whatever is chosen.
    lead = db.session.scalars(select(StatementDrafter).where(
        StatementDrafter.statement_id == statement.id, StatementDrafter.is_lead)).one()
    assert lead.organisation_id == world.org.id
    changes = db.session.scalars(select(AuditEvent.changes).where(
        AuditEvent.action == "statement.update")).all()
    assert len(changes) == 6 and all("co_drafters" in c for c in changes)


def test_only_the_lead_and_the_committee_manage_co_drafters(app: Flask, world: Any,
                                                           make_org: Any,
                                                           make_user: Any) -> None:
    """Kind: any drafter replacing the whole list (removing the lead's partners, letting an
    observer in). A co-drafter gets 403 and nothing changes, by the form or the details form."""
    partner = make_org("Partner Organisation")
    observer = make_org("Observer Organisation", kind="observer")
    statement = services.create_statement(world.users["editor"], world.org, "Co", text=TEXT,
                                          co_drafters=[world.other, partner])
    db.session.commit()
    co_drafter = person(app, "oeditor@example.org")
    before = everything_about(statement.id)
    assert set_drafters(co_drafter, statement.id, [world.other.id, observer.id]).status_code \
        == 403
    assert co_drafter.post(f"/statements/{statement.id}/details", data={
        "title": "Co", "occasion": "", "kind": "oral", "language": "en",
        "co_drafters": [str(observer.id)]}).status_code == 302   # details only, not drafters
    after = everything_about(statement.id)
    assert after[4] == before[4]
    assert "Save co-drafters" not in co_drafter.client.get(
        f"/statements/{statement.id}").get_data(as_text=True)
    # The lead's viewer may not either; its editor may.
    assert set_drafters(person(app, "viewer@example.org"), statement.id, []).status_code == 403
    assert drafting_ids(statement.id) == sorted([world.other.id, partner.id])
    editor = person(app, "editor@example.org")
    assert "Save co-drafters" in editor.client.get(
        f"/statements/{statement.id}").get_data(as_text=True)
    assert set_drafters(editor, statement.id, [partner.id]).status_code == 302
    assert drafting_ids(statement.id) == [partner.id]
    # The steering committee, once the statement reached it.
    steering = person(app, "steering@example.org")
    assert set_drafters(steering, statement.id, []).status_code == 403
    services.transition(world.users["editor"], fresh(statement.id), "submit")
    db.session.commit()
    assert set_drafters(steering, statement.id, []).status_code == 302
    assert drafting_ids(statement.id) == []


def test_an_inactive_or_unknown_co_drafter_is_refused_with_a_message(app: Flask, world: Any,
                                                                    make_org: Any) -> None:
    """Kind: a forged choice gives a clear refusal, never a 500 or a half-written change."""
    dormant = make_org("Dormant Organisation", active=False)
    statement = services.create_statement(world.users["editor"], world.org, "Co", text=TEXT,
                                          co_drafters=[world.other])
    db.session.commit()
    editor = person(app, "editor@example.org")
    for forged in ([dormant.id], [world.other.id, 987654]):
        response = set_drafters(editor, statement.id, forged)
        assert response.status_code == 302
        flashed = editor.client.get(f"/statements/{statement.id}").get_data(as_text=True)
        assert "Check the co-drafting organisations" in flashed
        assert drafting_ids(statement.id) == [world.other.id]


# --- 3. acting on behalf of an organisation one may not act for ---------------------------------

def saving_for_options(auth: AuthActions, statement_id: int) -> set[str]:
    import re

    html = auth.client.get(f"/statements/{statement_id}/edit").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="organisation".*?</select>', html, re.S)
    assert select_html, "no Saving for field"
    return set(re.findall(r"<option[^>]*>([^<]*)</option>", select_html.group(0)))


def main_of(auth: AuthActions, statement_id: int, path: str) -> str:
    """A page's content without its (per-request) CSRF tokens."""
    import re

    html = auth.client.get(f"/statements/{statement_id}{path}").get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*>|<meta name="csrf-token"[^>]*>', "", html)


def save(auth: AuthActions, statement_id: int, org_id: int, text: str) -> Any:
    return auth.post(f"/statements/{statement_id}/edit", data={
        "base_number": str(fresh(statement_id).head_number), "text": text,
        "summary": "mine", "organisation": str(org_id)})


@pytest.fixture
def codrafted(world: Any, make_user: Any) -> int:
    """Led by world.org with world.other co-drafting; `both` edits world.org, views world.other;
    revision 1 by world.org."""
    from coalition.organisations.services import add_member

    both = make_user("both@example.org", world.org, "editor")
    add_member(None, world.other, both, "viewer")
    statement = services.create_statement(world.users["editor"], world.org, "Joint",
                                          text=TEXT, co_drafters=[world.other])
    db.session.commit()
    return statement.id


def test_saving_for_offers_and_accepts_only_drafting_orgs_where_one_edits(
        app: Flask, world: Any, make_org: Any, make_user: Any, codrafted: int) -> None:
    """Kind: edits credited to an organisation not drafting (or not the user's to speak for).
    A forged choice is a form error naming the field, the text stays in the form, nothing is
    saved, and history and blame are unchanged."""
    from coalition.accounts.models import User
    from coalition.organisations.services import add_member

    elsewhere = make_org("Elsewhere")
    user = db.session.scalars(select(User).where(User.email == "both@example.org")).one()
    add_member(None, elsewhere, user, "editor")
    db.session.commit()
    auth = person(app, "both@example.org")
    assert saving_for_options(auth, codrafted) == {world.org.name}
    history_before, blame_before = main_of(auth, codrafted, "/history"), main_of(
        auth, codrafted, "/blame")
    before = everything_about(codrafted)
    for forged in (world.other.id, elsewhere.id, 987654):
        response = save(auth, codrafted, forged, TEXT + "Said for someone else.\n")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, forged
        assert "Choose an organisation you may save for" in html
        assert "Said for someone else." in html   # the typed text is kept in the form
        assert everything_about(codrafted) == before
    assert main_of(auth, codrafted, "/history") == history_before
    assert main_of(auth, codrafted, "/blame") == blame_before
    assert save(auth, codrafted, world.org.id, TEXT + "Ours.\n").status_code == 302
    assert services.head(fresh(codrafted)).organisation_id == world.org.id


def test_saving_for_as_a_co_drafter_a_reviewer_and_the_coordinator(app: Flask, world: Any,
                                                                  codrafted: int) -> None:
    """Kind: edits credited to an organisation not drafting. A co-drafter's editor saves for the
    co-drafter; a steering member, once the statement reached the committee, for their steering
    organisation as its reviewer; the coordinator for a drafting organisation."""
    other_editor = person(app, "oeditor@example.org")
    assert saving_for_options(other_editor, codrafted) == {world.other.name}
    assert save(other_editor, codrafted, world.other.id, TEXT + "Theirs.\n").status_code == 302
    coordinator = person(app, "coordinator@example.org")
    assert saving_for_options(coordinator, codrafted) == {world.org.name, world.other.name}
    assert save(coordinator, codrafted, world.steering_org.id, TEXT + "X.\n").status_code \
        == 400
    steering = person(app, "steering@example.org")
    assert steering.client.get(f"/statements/{codrafted}/edit").status_code == 403
    services.transition(world.users["editor"], fresh(codrafted), "submit")
    db.session.commit()
    assert saving_for_options(steering, codrafted) == {world.steering_org.name}
    assert save(steering, codrafted, world.org.id, TEXT + "Reviewed.\n").status_code == 400
    assert save(steering, codrafted, world.steering_org.id,
                TEXT + "Reviewed.\n").status_code == 302
    names = [r.organisation_id for r in services.revisions(fresh(codrafted))]
    assert names == [world.org.id, world.other.id, world.steering_org.id]
    # Restoring credits an organisation the restorer may save for, never another.
    assert steering.post(f"/statements/{codrafted}/restore/1").status_code == 302
    assert services.head(fresh(codrafted)).organisation_id == world.steering_org.id


def test_a_comment_is_shown_under_an_organisation_the_author_belongs_to(
        app: Flask, world: Any, codrafted: int) -> None:
    """Kind: acting on behalf of an organisation one is not in (the coordinator's comments were
    credited to the first drafting organisation)."""
    for email, expected in (("coordinator@example.org", None),
                            ("oviewer@example.org", world.other.id),
                            ("viewer@example.org", world.org.id)):
        auth = person(app, email)
        assert auth.post(f"/statements/{codrafted}/comments",
                         data={"body": f"From {email}", "quote": ""}).status_code == 302
        comment = db.session.scalars(select(Comment).where(
            Comment.body == f"From {email}")).one()
        assert comment.organisation_id == expected, email


def test_assessments_sign_on_and_a_new_statement_refuse_a_forged_organisation(
        app: Flask, world: Any, rec: Any, codrafted: int) -> None:  # noqa: F811
    """Kind: acting on behalf of an organisation one may not act for, wherever it is chosen:
    the server checks exactly what the form offers, and nothing is written."""
    editor = person(app, "editor@example.org")   # editor of world.org only

    def assessments() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count(Assessment.id)))

    count = assessments()
    response = editor.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": str(world.other.id), "status": "partially",
        "assessed_on": "2021-01-01", "evidence": "", "source_links": ""})
    assert response.status_code == 400 and assessments() == count
    assert world.other.name not in response.get_data(as_text=True).split(
        'name="organisation"')[1].split("</select>")[0]

    statement = fresh(codrafted)
    services.transition(world.users["steering"], statement, "open_signon",
                        utcnow() + timedelta(days=3))
    db.session.commit()
    admin = person(app, "admin@example.org")     # org_admin of world.org only
    before = everything_about(codrafted)
    assert admin.post(f"/statements/{codrafted}/sign",
                      data={"organisation": str(world.other.id)}).status_code == 403
    assert everything_about(codrafted) == before
    assert admin.post(f"/statements/{codrafted}/sign",
                      data={"organisation": str(world.org.id)}).status_code == 302

    count_statements = db.session.scalar(select(func.count(Statement.id)))
    response = editor.post("/statements/new", data={
        "title": "Led by someone else", "kind": "oral", "language": "en",
        "lead": str(world.other.id), "text": "Forged."})
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count(Statement.id))) == count_statements


# --- 4. people's names are coalition-internal ---------------------------------------------------

@pytest.fixture
def assessed(app: Flask, world: Any, rec: Any, make_user: Any) -> Any:  # noqa: F811
    from datetime import date

    from coalition.recommendations.services import add_assessment

    author = make_user("amy@example.org", world.org, "editor", name="Amy Assessor")
    # Public: researchers and the public tracker see public assessments only (issue 10).
    add_assessment(author, rec, world.org, "partially", date(2021, 1, 1), "Some progress.",
                   visibility="public")
    db.session.commit()
    return rec


@pytest.mark.parametrize(("who", "shows_name"), [("anonymous", False), ("researcher", False),
                                                 ("viewer", True), ("other_viewer", True),
                                                 ("coordinator", True)])
def test_who_recorded_an_assessment_is_named_only_inside_the_coalition(
        app: Flask, world: Any, assessed: Any, who: str, shows_name: bool) -> None:
    """Kind: people's names shown outside the coalition (public tracker on)."""
    app.config["PUBLIC_TRACKER"] = True
    client = app.test_client()
    if who != "anonymous":
        email = {"researcher": "researcher@example.org", "viewer": "viewer@example.org",
                 "other_viewer": "oviewer@example.org",
                 "coordinator": "coordinator@example.org"}[who]
        assert AuthActions(client).login(email).status_code == 302
    html = client.get(f"/recommendations/{assessed.id}").get_data(as_text=True)
    assert ("Amy Assessor" in html) is shows_name
    assert "amy@example.org" not in html
    if shows_name:
        assert f"Recorded by Amy Assessor ({world.org.name})" in html
    else:
        assert f"Recorded by {world.org.name}" in html


def test_person_label_is_the_one_decision(app: Flask, world: Any) -> None:
    """Kind: people's names shown outside the coalition; one helper decides, by the policy."""
    from flask_login import AnonymousUserMixin

    amy = world.users["editor"]
    for role in ROLES:
        viewer = AnonymousUserMixin() if role == "anonymous" else world.users[role]
        label = person_label(amy, world.org, viewer=viewer)
        if role in MEMBERS:
            assert label == f"{amy.display_name} ({world.org.name})", role
        else:
            assert label == world.org.name, role
            assert person_label(amy, None, viewer=viewer) == "a member of the coalition"
            assert person_label(None, None, viewer=viewer, kept_name="x@example.org",
                                nobody="system") == "a member of the coalition"
    assert person_label(None, None, viewer=world.users["viewer"]) == "someone"


def test_a_published_statement_and_its_exports_name_organisations_only(
        app: Flask, world: Any, make_user: Any) -> None:
    """Kind: people's names shown outside the coalition: the public page, the DOCX and the
    Markdown name no drafter, commenter or signer; members see names inside."""
    writer = make_user("wendy@example.org", world.org, "org_admin", name="Wendy Writer")
    statement = services.create_statement(writer, world.org, "Public one", text=TEXT)
    services.add_comment(writer, statement, world.org, "Looks good.")
    services.transition(world.users["coordinator"], statement, "open_signon",
                        utcnow() + timedelta(days=3))
    services.sign(writer, statement, world.org)
    services.transition(world.users["coordinator"], statement, "publish")
    db.session.commit()
    anonymous = app.test_client()
    page = anonymous.get(f"/s/{statement.id}").get_data(as_text=True)
    assert world.org.name in page and "Wendy" not in page
    markdown = anonymous.get(f"/s/{statement.id}.md").get_data(as_text=True)
    assert "Wendy" not in markdown
    docx_bytes = anonymous.get(f"/s/{statement.id}.docx").get_data()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        xml = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                      if n.endswith(".xml"))
    assert world.org.name in xml and "Wendy" not in xml
    # Inside the coalition, the sign-on list, comments and history name the person.
    member = person(app, "oviewer@example.org")
    for path in ("", "/history"):
        html = member.client.get(f"/statements/{statement.id}{path}").get_data(as_text=True)
        assert "Wendy Writer" in html, path
