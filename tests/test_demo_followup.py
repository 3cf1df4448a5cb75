"""The demo's follow-up (issue 11, item 8): China's 2018 Hong Kong recommendations assigned to
demo organisations, actions done and overdue, two disagreeing assessments and an adopted
coalition position; seeded once, however often `coalition demo` runs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from coalition.demo.services import DEMO_ACTIONS, DEMO_PLANS, seed_demo, seed_followup
from coalition.followup.models import AdvocacyAction, CoalitionPosition, FollowUpPlan
from coalition.recommendations.models import Assessment, Recommendation


def counts(db: Any) -> dict[str, int]:
    db.session.expire_all()
    return {model.__name__: db.session.execute(select(func.count()).select_from(model))
            .scalar_one() for model in (FollowUpPlan, AdvocacyAction, CoalitionPosition,
                                        Assessment)}


def test_the_demo_seeds_follow_up_once_with_real_shapes(app, db, client, auth):
    assert seed_demo() is True
    db.session.commit()
    first = counts(db)
    assert first["FollowUpPlan"] == len(DEMO_PLANS) == 6
    assert first["AdvocacyAction"] == len(DEMO_ACTIONS)
    assert first["CoalitionPosition"] == 1
    # Seeding again, whole or in part, adds nothing.
    assert seed_demo() is False
    assert seed_followup() is False
    db.session.commit()
    assert counts(db) == first

    today = date.today()
    plans = db.session.scalars(select(FollowUpPlan)).all()
    # Every plan is on a Hong Kong recommendation of China's 2018 review, led by a demo
    # organisation (Justice Centre, Unison, the Mission among them), with supporters.
    assert all("Hong Kong" in p.recommendation.territories for p in plans)
    assert {p.recommendation.review.title for p in plans} == {"China — cycle 3, 2018"}
    leads = {p.lead_organisation.name for p in plans}
    assert {"Justice Centre Hong Kong", "Hong Kong Unison",
            "Mission for Migrant Workers"} <= leads
    assert all(p.supporting_organisations for p in plans)
    assert any(p.is_overdue(today) for p in plans)
    actions = db.session.scalars(select(AdvocacyAction)).all()
    overdue = [a for a in actions if a.is_overdue(today)]
    done = [a for a in actions if a.done_on is not None]
    assert len(overdue) >= 2 and all(a.done_on is None for a in overdue)
    assert len(done) >= 3 and all(a.outcome.strip() and a.outcome_html for a in done)
    assert any(not a.is_overdue(today) and a.done_on is None for a in actions)  # due soon
    # Overdue stays overdue: the dates count from the day of seeding.
    assert all(a.is_overdue(today + timedelta(days=365)) for a in overdue)

    # Two organisations disagree about 28.344; the coalition adopted one of them, with a reason.
    rec = db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == "28.344")).one()
    recent = db.session.scalars(select(Assessment).where(
        Assessment.recommendation_id == rec.id,
        Assessment.assessed_on > today - timedelta(days=365))).all()
    assert len(recent) == 2
    assert len({a.organisation_id for a in recent}) == 2
    assert len({a.status for a in recent}) == 2
    position = db.session.scalars(select(CoalitionPosition)).one()
    assert position.recommendation_id == rec.id
    assert position.assessment in recent and position.status == position.assessment.status
    assert position.reason.strip() and position.organisation.is_steering
    assert position.adopted_on >= max(a.assessed_on for a in recent)
    # The tracker's latest assessment follows the newer of the two.
    assert rec.latest_assessment is not None and rec.latest_assessment in recent


def test_the_demo_mid_term_assessment_opens_as_a_statement(app, db, client, auth):
    """The demo review's mid-term draft holds the demo's follow-up, from its first start."""
    seed_demo()
    db.session.commit()
    auth.login("steering@example.org", "upr-demo-2018")
    page = client.get("/reviews/chn-3").get_data(as_text=True)
    assert "6 recommendations of this review are tracked." in page
    from coalition.organisations.models import Organisation

    pen = db.session.scalars(select(Organisation).where(
        Organisation.short_name == "PEN HK")).one()
    response = auth.post("/reviews/chn-3/midterm-assessment", {"organisation": str(pen.id)})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mid-term assessment: China, cycle 3" in shown
    assert "Recommendation 28.344" in shown and "Mission for Migrant Workers" in shown
    assert "Not implemented" in shown


def test_justice_centre_has_its_own_editor_who_writes_its_follow_up(app, db, client, auth):
    """The demo's Justice Centre (JCHK) editor: its actions, its plan's updates and its
    assessments are theirs, and they carry the follow-up flow themselves (no coordinator
    acting for Justice Centre): their desk shows JCHK's work, and they mark the open shadow
    report chapter done."""
    from coalition.accounts.models import User
    from coalition.audit.models import AuditEvent
    from coalition.demo.services import DEMO_PASSWORD, demo_accounts

    assert seed_demo()
    db.session.commit()
    assert ("Editor (Justice Centre Hong Kong)", "jchk-editor@example.org") in demo_accounts()
    editor = db.session.scalars(select(User).where(
        User.email == "jchk-editor@example.org")).one()
    assert [(m.organisation.short_name, m.role) for m in editor.memberships] == [
        ("JCHK", "editor")]
    actions = db.session.scalars(select(AdvocacyAction).where(
        AdvocacyAction.owner_organisation.has(short_name="JCHK"))).all()
    assert len(actions) == 2
    assert all(a.created_by_id == editor.id and a.owner_id == editor.id for a in actions)
    jchk_assessments = db.session.scalars(select(Assessment).where(
        Assessment.organisation.has(short_name="JCHK"))).all()
    assert len(jchk_assessments) == 2 and all(
        a.author_id == editor.id for a in jchk_assessments)
    plan = next(p for p in db.session.scalars(select(FollowUpPlan))
                if p.lead_organisation.short_name == "JCHK")
    updates = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "followup.update", AuditEvent.object_id == plan.id)).all()
    assert updates and all(e.actor_id == editor.id for e in updates)
    # Others' follow-up stays the steering member's.
    steering = db.session.scalars(select(User).where(
        User.email == "steering@example.org")).one()
    assert all(a.created_by_id == steering.id
               for a in db.session.scalars(select(AdvocacyAction)) if a not in actions)

    auth.login("jchk-editor@example.org", DEMO_PASSWORD)
    desk = client.get("/").get_data(as_text=True)
    assert "Chapter of the mid-term shadow report" in desk.split('id="desk-due"')[1]
    assert "recommendation 28.343" in desk.split('id="desk-overdue"')[1]
    chapter = next(a for a in actions if a.done_on is None)
    form = client.get(f"/followup/actions/{chapter.id}/edit").get_data(as_text=True)
    assert "Chapter of the mid-term shadow report" in form
    response = auth.post(f"/followup/actions/{chapter.id}/edit", {
        "title": chapter.title, "kind": chapter.kind,
        "owner_organisation": str(chapter.owner_organisation_id), "owner": str(editor.id),
        "due_on": chapter.due_on.isoformat(), "done_on": date.today().isoformat(),
        "outcome": "Chapter sent to the coalition.", "links": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(AdvocacyAction, chapter.id).done_on == date.today()
