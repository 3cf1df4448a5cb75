"""The home page as a desk, per role (issue 11, item 5): a member's overdue and due work,
statements waiting for the organisation's signature, what changed since the last visit (and
nothing the policy hides); the steering committee's coverage and overdue list; a researcher's
recent imports; a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event

from coalition.core.time import utcnow
from coalition.extensions import db
from tests.test_notifications import TEXT, make_action, make_plan, make_recommendation


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def home(client: Any) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_member_desk_shows_overdue_due_and_led_work(app, world, auth, client):
    today = utcnow().date()
    plan = make_plan(world.org, due_on=today + timedelta(days=12))
    make_action(plan, world.org, today - timedelta(days=2), title="Overdue meeting")
    make_action(plan, world.org, today + timedelta(days=20), title="Meeting in three weeks")
    make_action(plan, world.org, today + timedelta(days=45), title="Far future meeting")
    other_plan = make_plan(world.other, due_on=today - timedelta(days=5), paragraph="28.9")
    make_action(other_plan, world.other, today - timedelta(days=1), title="Another org's action")
    db.session.commit()
    auth.login("viewer@example.org")
    page = home(client)
    overdue = page.split('id="desk-overdue"')[1].split("</section>")[0]
    assert "Overdue meeting" in overdue and "Overdue</strong>" in overdue  # marked in text
    due = page.split('id="desk-due"')[1].split("</section>")[0]
    assert "Meeting in three weeks" in due and "recommendation 28.1" in due
    assert "Far future meeting" not in page
    assert "Another org" not in page
    assert "1 follow-up plan." in page
    assert "Coverage" not in page  # not on the steering committee


def test_statements_waiting_for_signature_and_reconfirmation(app, world, auth, client):
    from coalition.statements import services

    waiting = services.create_statement(world.users["editor"], world.org, "Sign me", text=TEXT)
    services.transition(world.users["steering"], waiting, "open_signon",
                        utcnow() + timedelta(days=5))
    changed = services.create_statement(world.users["editor"], world.org, "Changed since",
                                        text=TEXT)
    services.transition(world.users["steering"], changed, "open_signon",
                        utcnow() + timedelta(days=5))
    services.sign(world.users["org_admin"], changed, world.org)
    services.save_text(world.users["editor"], changed, world.org, 1, TEXT + "\nMore.\n")
    draft = services.create_statement(world.users["other_editor"], world.other,
                                      "Secret draft of another organisation", text=TEXT)
    db.session.commit()
    assert draft.status == "draft"
    auth.login("admin@example.org")
    page = home(client)
    section = page.split('id="desk-statements"')[1].split("</section>")[0]
    assert "Sign me" in section and "not signed yet" in section
    assert "Changed since" in section and "re-confirm" in section
    assert "Secret draft" not in page


def test_changes_since_the_last_visit_hide_what_the_policy_hides(app, world, auth, client,
                                                                  make_user):
    from coalition.recommendations.services import add_assessment
    from coalition.statements import services

    rec = make_recommendation()
    db.session.commit()
    auth.login("viewer@example.org")
    home(client)  # the first visit
    auth.logout()
    services.create_statement(world.users["other_editor"], world.other,
                              "Hidden draft title", text=TEXT)
    add_assessment(world.users["other_editor"], rec, world.other, "partially",
                   date(2025, 1, 1), visibility="organisation")
    visible = services.create_statement(world.users["editor"], world.org, "Our own draft",
                                        text=TEXT)
    db.session.commit()
    assert visible.id
    auth.login("viewer@example.org")
    page = home(client)
    changes = page.split('id="desk-changes"')[1].split("</section>")[0]
    assert "since your last visit" in changes
    assert "Our own draft" in changes
    assert "Hidden draft title" not in page
    assert "Other Organisation" not in changes  # its private assessment leaves no trace
    # The other organisation's own member sees its assessment among the changes.
    auth.logout()
    auth.login("oviewer@example.org")
    assert "Other Organisation" in home(client).split('id="desk-changes"')[1]


def test_steering_desk_shows_coverage_and_the_overdue_list(app, world, auth, client):
    today = utcnow().date()
    make_plan(world.org, due_on=today - timedelta(days=3))
    make_recommendation("28.2", "Another recommendation")
    db.session.commit()
    auth.login("steering@example.org")
    page = home(client)
    coverage = page.split('id="desk-coverage"')[1].split("</section>")[0]
    assert "With a lead organisation" in coverage and "50%" in coverage
    overdue = page.split('id="desk-coalition-overdue"')[1].split("</section>")[0]
    assert "recommendation 28.1" in overdue and "Overdue" in overdue


def test_researcher_desk_shows_recent_recommendations_not_follow_up(app, world, auth, client):
    make_plan(world.org, due_on=utcnow().date() - timedelta(days=3))
    db.session.commit()
    auth.login("researcher@example.org")
    page = home(client)
    assert 'id="desk-recent"' in page and "recommendation 28.1" in page
    assert 'id="desk-imports"' in page
    assert "desk-overdue" not in page and "desk-changes" not in page


def test_anonymous_home_is_unchanged(client):
    page = home(client)
    assert "Sign in" in page and "desk-" not in page


def test_the_desk_runs_a_constant_number_of_statements(app, world, auth, client):
    today = utcnow().date()

    def add_plans(start: int, count: int) -> None:
        for n in range(start, start + count):
            plan = make_plan(world.org, due_on=today + timedelta(days=n % 40 - 10),
                             paragraph=f"28.{n}")
            make_action(plan, world.org, today + timedelta(days=n % 30 - 5))
        db.session.commit()

    add_plans(1, 3)
    auth.login("steering@example.org")  # steering: every section of a member's and more
    from coalition.organisations.services import add_member

    add_member(None, world.org, world.users["steering"], "editor")
    db.session.commit()
    home(client)
    with counting() as few:
        home(client)
    add_plans(10, 40)
    with counting() as many:
        page = home(client)
    assert "40" in page or "43" in page
    assert len(many) == len(few), (len(few), len(many))


def test_changes_show_a_statement_in_review_to_the_steering_committee_only(app, world):
    """access.readable_audit_events agrees with the rule "statement.view"."""
    from sqlalchemy import select

    from coalition.access import can, readable_audit_events
    from coalition.audit.models import AuditEvent
    from coalition.statements import services

    statement = services.create_statement(world.users["other_editor"], world.other,
                                          "In review statement", text=TEXT)
    services.transition(world.users["other_editor"], statement, "submit")
    db.session.commit()
    for role in ("viewer", "steering", "other_viewer", "coordinator", "researcher", "no_org"):
        user = world.users[role]
        seen = db.session.scalars(select(AuditEvent.object_label).where(
            AuditEvent.object_type == "statement", readable_audit_events(user))).all()
        shown = "In review statement" in seen
        assert shown == (role in ("steering", "other_viewer", "coordinator")), role
        assert shown == can(user, "statement.view", statement), role


def test_the_desk_writes_dates_the_readers_way(app, world, auth, client):
    """A due action and its reminder on the desk: '15 Nov 2026' in English, '2026年11月15日' in
    繁體中文; never the stored ISO date."""
    from coalition.accounts.services import update_profile
    from coalition.notifications.events import send_reminders

    today = utcnow().date()
    due = today + timedelta(days=3)
    plan = make_plan(world.org, due_on=today + timedelta(days=60))
    make_action(plan, world.org, due, title="LegCo submission")
    with app.test_request_context():
        send_reminders(today)
    db.session.commit()
    auth.login("editor@example.org")
    english = f"{due.day} {due.strftime('%b')} {due.year}"
    chinese = f"{due.year}年{due.month}月{due.day}日"
    page = home(client)
    told = page.split('id="desk-notifications"')[1].split("</section>")[0]
    assert f"Due on {english}: LegCo submission" in told
    listed = page.split('id="desk-due"')[1].split("</section>")[0]
    assert f">{english}</time>" in listed
    assert due.isoformat() not in told and f">{due.isoformat()}<" not in listed
    editor = world.users["editor"]
    update_profile(editor, editor.display_name, "zh_Hant")
    db.session.commit()
    page = home(client)
    told = page.split('id="desk-notifications"')[1].split("</section>")[0]
    assert f"{chinese} 到期：LegCo submission" in told  # noqa: RUF001
    listed = page.split('id="desk-due"')[1].split("</section>")[0]
    assert f">{chinese}</time>" in listed
