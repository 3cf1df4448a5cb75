"""Follow-up plans (issue 11, item 1): the steering committee assigns and reassigns, the lead
organisation's editors update, members see; bad input is refused with nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from coalition.audit.models import AuditEvent
from coalition.extensions import db
from coalition.followup import services
from coalition.followup.models import FollowUpPlan
from coalition.notifications.models import Notification
from tests.conftest import AuthActions
from tests.followup_scene import Scene, counts, fu_scene  # noqa: F401

ASSIGN = {"lead": "", "priority": "high", "due_on": "2026-06-30"}


def plan_form(values: dict[str, Any]) -> dict[str, Any]:
    """The plan page's update form (its fields prefixed "plan-")."""
    return {f"plan-{key}": value for key, value in values.items()}


def signed_in(app: Any, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def assign_form(org: Any, **extra: Any) -> dict[str, Any]:
    return {**ASSIGN, "lead": str(org.id), **extra}


def test_steering_assigns_and_the_lead_is_told(app: Any, fu: Scene) -> None:
    rec, org = fu.recs[0], fu.world.org
    steering = signed_in(app, "steering@example.org")
    response = steering.post(f"/followup/recommendations/{rec.id}/assign",
                             data=assign_form(org, supporting=[str(fu.world.other.id)]))
    assert response.status_code == 302
    plan = db.session.scalars(select(FollowUpPlan)).one()
    assert (plan.lead_organisation_id, plan.priority, plan.due_on) == (
        org.id, "high", date(2026, 6, 30))
    assert [o.name for o in plan.supporting_organisations] == ["Other Organisation"]
    # The recommendation's page shows the plan; the plans list too.
    page = steering.client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Led by Owning Organisation" in page
    listing = steering.client.get("/followup/").get_data(as_text=True)
    assert "28.1" in listing and "Owning Organisation" in listing
    # Audited; world.org's members (not the steering member who assigned) are told.
    assert db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "followup_plan")).all() == ["followup.create"]
    told = {n.user.email for n in db.session.scalars(select(Notification))}
    assert told == {"viewer@example.org", "editor@example.org", "admin@example.org"}
    # Reassigning tells the new lead, and keeps one plan.
    response = steering.post(f"/followup/recommendations/{rec.id}/assign",
                             data=assign_form(fu.world.other))
    assert response.status_code == 302
    assert counts()["followup_plan"] == 1
    db.session.expire_all()
    assert db.session.scalars(select(FollowUpPlan)).one().lead_organisation_id == \
        fu.world.other.id
    told = {n.user.email for n in db.session.scalars(select(Notification))}
    assert "oeditor@example.org" in told


def test_bad_assignments_are_refused_and_nothing_is_written(app: Any, fu: Scene) -> None:
    rec = fu.recs[0]
    steering = signed_in(app, "steering@example.org")
    cases = [
        (assign_form(fu.dormant), "Dormant Organisation is inactive"),
        (assign_form(fu.world.org, due_on="2018-11-05"),
         "The due date 5 Nov 2018 is before the review (6 Nov 2018)"),
        (assign_form(fu.world.org, supporting=[str(fu.dormant.id)]), "is inactive"),
        ({**ASSIGN, "lead": "999999"}, "Choose an organisation from the list"),
        ({**ASSIGN, "lead": "x"}, "Choose the lead organisation."),
        (assign_form(fu.world.org, priority="urgent"), "Not a valid choice"),
    ]
    for form, message in cases:
        before = counts()
        response = steering.post(f"/followup/recommendations/{rec.id}/assign", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, form
        assert message in page, (form, message)
        assert counts() == before
    assert db.session.scalars(select(Notification)).all() == []


def plan_for(fu: Scene, lead: Any = None, status: str = "not_started") -> FollowUpPlan:
    services.assign(fu.users["steering"], [fu.recs[0].id], lead or fu.world.org, "medium",
                    date(2026, 1, 1))
    plan = db.session.scalars(select(FollowUpPlan)).one()
    plan.status = status
    db.session.commit()
    return plan


def test_lead_editor_updates_status_and_notes(app: Any, fu: Scene) -> None:
    plan = plan_for(fu)
    editor = signed_in(app, "editor@example.org")
    response = editor.post(f"/followup/plans/{plan.id}/update", data=plan_form({
        "status": "in_progress", "due_on": "2026-03-01", "notes": "Met the **bureau**."}))
    assert response.status_code == 302
    page = editor.client.get(f"/followup/plans/{plan.id}").get_data(as_text=True)
    assert "In progress" in page and "<strong>bureau</strong>" in page
    assert db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action == "followup.update")).all() == ["followup.update"]


def test_forbidden_status_jump_keeps_the_typed_notes(app: Any, fu: Scene) -> None:
    plan = plan_for(fu, status="done")
    editor = signed_in(app, "editor@example.org")
    response = editor.post(f"/followup/plans/{plan.id}/update", data=plan_form({
        "status": "dropped", "due_on": "2026-03-01", "notes": "Typed text kept."}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot become “Dropped”" in page and "Typed text kept." in page
    db.session.expire_all()
    assert db.session.get(FollowUpPlan, plan.id).status == "done"
    # Back to "not started" once work is recorded: refused too; reopening is allowed.
    assert editor.post(f"/followup/plans/{plan.id}/update", data=plan_form({
        "status": "not_started", "notes": ""})).status_code == 400
    assert editor.post(f"/followup/plans/{plan.id}/update", data=plan_form({
        "status": "in_progress", "notes": ""})).status_code == 302


def test_due_date_before_the_review_is_refused_on_update(app: Any, fu: Scene) -> None:
    plan = plan_for(fu)
    editor = signed_in(app, "editor@example.org")
    response = editor.post(f"/followup/plans/{plan.id}/update", data=plan_form({
        "status": "not_started", "due_on": "2017-01-01", "notes": ""}))
    assert response.status_code == 400
    assert "before the review" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUpPlan, plan.id).due_on == date(2026, 1, 1)


def test_editor_of_an_unrelated_organisation_gets_403(app: Any, fu: Scene) -> None:
    plan = plan_for(fu)
    before = counts()
    events = db.session.query(AuditEvent).count()
    for email in ("oeditor@example.org", "viewer@example.org"):
        other = signed_in(app, email)
        response = other.post(f"/followup/plans/{plan.id}/update", data=plan_form({
            "status": "in_progress", "notes": "Not mine."}))
        assert response.status_code == 403
        assert other.post(f"/followup/recommendations/{fu.recs[1].id}/assign",
                          data=assign_form(fu.world.other)).status_code == 403
        # ... but they see the plan (members of the coalition).
        assert other.client.get(f"/followup/plans/{plan.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(FollowUpPlan, plan.id).status == "not_started"
    assert counts() == before and db.session.query(AuditEvent).count() == events
    # A researcher does not see follow-up at all.
    researcher = signed_in(app, "researcher@example.org")
    assert researcher.client.get("/followup/").status_code == 403


def test_the_list_filters_and_marks_overdue_in_words(app: Any, fu: Scene) -> None:
    steering = fu.users["steering"]
    past = date.today() - timedelta(days=3)
    services.assign(steering, [fu.recs[0].id], fu.world.org, "high", past)
    services.assign(steering, [fu.recs[1].id], fu.world.other, "low", None)
    db.session.commit()
    viewer = signed_in(app, "viewer@example.org")
    page = viewer.client.get("/followup/?overdue=1").get_data(as_text=True)
    assert "28.1" in page and "28.2" not in page and "Overdue" in page
    page = viewer.client.get(f"/followup/?lead={fu.world.other.id}").get_data(as_text=True)
    assert "28.2" in page and "28.1" not in page
    page = viewer.client.get("/followup/?status=done").get_data(as_text=True)
    assert "No follow-up plan matches." in page
    assert viewer.client.get("/followup/?lead=99999999999999").status_code == 400


def test_the_organisation_page_shows_the_follow_up_it_leads(app: Any, fu: Scene) -> None:
    """A new user looked for Justice Centre's follow-up on its page and found none: the page
    counts the plans it leads and the overdue ones, with links; outsiders see no such section
    (no members list either)."""
    rec1, rec2 = fu.recs[:2]
    services.assign(fu.users["steering"], [rec1.id], fu.world.org, "high",
                    date.today() - timedelta(days=3))
    services.assign(fu.users["steering"], [rec2.id], fu.world.org, "low", None)
    db.session.commit()
    viewer = signed_in(app, "viewer@example.org")
    page = viewer.client.get(f"/organisations/{fu.world.org.slug}").get_data(as_text=True)
    assert "Follow-up it leads" in page
    assert "Leads the follow-up of 2 recommendations." in page and "1 overdue" in page
    assert f'href="/followup/?lead={fu.world.org.id}"' in page
    assert f'href="/followup/?lead={fu.world.org.id}&amp;overdue=1"' in page
    plans = viewer.client.get(f"/followup/?lead={fu.world.org.id}&overdue=1").get_data(
        as_text=True)
    assert rec1.paragraph in plans and rec2.paragraph not in plans
    other = fu.world.other
    page = viewer.client.get(f"/organisations/{other.slug}").get_data(as_text=True)
    assert "It leads no follow-up plan yet." in page
