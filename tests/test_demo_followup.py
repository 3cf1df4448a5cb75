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
