"""Bulk assignment from the tracker (issue 11, item 1): ticked rows or every row of a filter,
a confirmation with the counts, one transaction, a cap that refuses and changes nothing."""

from __future__ import annotations

import re
import threading
from datetime import date
from typing import Any

from sqlalchemy import select

from coalition.audit.models import AuditEvent
from coalition.extensions import db
from coalition.followup import services
from coalition.followup.models import FollowUpPlan
from coalition.notifications.models import Notification
from tests.followup_scene import Scene, add_recs, counts, fu_scene  # noqa: F401
from tests.test_followup_plans import signed_in


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)


def test_tracker_shows_bulk_controls_to_the_steering_committee_only(app: Any,
                                                                    fu: Scene) -> None:
    steering = signed_in(app, "steering@example.org")
    page = steering.client.get(f"/tracker?review={fu.review.id}").get_data(as_text=True)
    assert 'id="bulk-assign-form"' in page and "Assign all 5 recommendations" in page
    assert page.count('form="bulk-assign-form"') == 5
    editor = signed_in(app, "editor@example.org")
    page = editor.client.get(f"/tracker?review={fu.review.id}").get_data(as_text=True)
    assert "bulk-assign-form" not in page


def test_ticked_rows_confirm_then_assign_in_one_go(app: Any, fu: Scene) -> None:
    rec1, rec2, rec3 = fu.recs[:3]
    services.assign(fu.users["steering"], [rec1.id], fu.world.other, "low", None)
    services.assign(fu.users["steering"], [rec2.id], fu.world.org, "low", None)
    db.session.commit()
    steering = signed_in(app, "steering@example.org")
    query = f"scope=selected&rec={rec1.id}&rec={rec2.id}&rec={rec3.id}&review={fu.review.id}"
    page = steering.client.get(f"/followup/bulk?{query}").get_data(as_text=True)
    assert "3 selected recommendations." in page
    before = counts()
    token = steering.csrf("/profile")
    form = [*hidden_fields(page), ("csrf_token", token), ("lead", str(fu.world.org.id)),
            ("priority", "high"), ("due_on", "2027-01-31")]
    form = [(k, v) for k, v in form if k != "csrf_token"] + [("csrf_token", token)]
    confirm = steering.client.post("/followup/bulk", data=_multi(form))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "This changes 3 recommendations:" in page
    assert "1 new plan created" in page
    assert "1 existing plan reassigned to Owning Organisation" in page
    assert "1 already led by Owning Organisation" in page
    assert counts() == before  # the confirmation page changes nothing
    done = steering.client.post("/followup/bulk", data=_multi(
        [*hidden_fields(page), ("csrf_token", token)]))
    assert done.status_code == 302
    plans = db.session.scalars(select(FollowUpPlan).order_by(FollowUpPlan.id)).all()
    assert len(plans) == 3
    assert {(p.lead_organisation_id, p.priority, p.due_on) for p in plans} == {
        (fu.world.org.id, "high", date(2027, 1, 31))}
    # The lead's members are told once for the two newly led plans (one message; the first
    # is from the setup's assignment of rec2).
    editor_notes = db.session.scalars(select(Notification).where(
        Notification.user_id == fu.users["editor"].id).order_by(Notification.id)).all()
    assert len(editor_notes) == 2 and editor_notes[1].payload["args"]["count"] == 2


def _multi(pairs: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def test_all_rows_of_a_filter(app: Any, fu: Scene) -> None:
    hk = add_recs(fu.review, 3, start=50, territory="Hong Kong")
    db.session.commit()
    steering = signed_in(app, "steering@example.org")
    page = steering.client.get("/followup/bulk?scope=all&territory=Hong+Kong").get_data(
        as_text=True)
    assert "All 3 recommendations matching the tracker filter." in page
    token = steering.csrf("/profile")
    form = [*hidden_fields(page), ("lead", str(fu.world.other.id)), ("priority", "medium"),
            ("csrf_token", token)]
    page = steering.client.post("/followup/bulk", data=_multi(form)).get_data(as_text=True)
    assert "3 new plans created" in page
    response = steering.client.post("/followup/bulk", data=_multi(
        [*hidden_fields(page), ("csrf_token", token)]))
    assert response.status_code == 302
    assert set(db.session.scalars(select(FollowUpPlan.recommendation_id))) == {
        r.id for r in hk}


def test_over_the_cap_is_refused_and_nothing_changes(app: Any, fu: Scene) -> None:
    """A filter matching more rows than BULK_ASSIGN_MAX (here 3, standing for 100,000 rows
    over the default 2,000): a 400 with a clear message, on the page and on the POST."""
    app.config["BULK_ASSIGN_MAX"] = 3
    steering = signed_in(app, "steering@example.org")
    response = steering.client.get(f"/followup/bulk?scope=all&review={fu.review.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This would change 5 recommendations; one bulk assignment changes at most 3." in page
    before = counts()
    events = db.session.query(AuditEvent).count()
    response = steering.post("/followup/bulk", data={
        "scope": "all", "review": str(fu.review.id), "lead": str(fu.world.org.id),
        "priority": "high", "confirm": "1"})
    assert response.status_code == 400 and "at most 3" in response.get_data(as_text=True)
    assert counts() == before and db.session.query(AuditEvent).count() == events


def test_refused_bulk_writes_nothing(app: Any, fu: Scene) -> None:
    steering = signed_in(app, "steering@example.org")
    base = {"scope": "all", "review": str(fu.review.id), "priority": "high", "confirm": "1"}
    for extra, message in [({"lead": str(fu.dormant.id)}, "is inactive"),
                           ({"lead": str(fu.world.org.id), "due_on": "2018-01-01"},
                            "before the review")]:
        before = counts()
        response = steering.post("/followup/bulk", data={**base, **extra})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert counts() == before
    # Members who are not steering: 403, nothing changes.
    editor = signed_in(app, "editor@example.org")
    assert editor.client.get(f"/followup/bulk?scope=all&review={fu.review.id}"
                             ).status_code == 403
    assert editor.post("/followup/bulk", data={**base, "lead": str(fu.world.org.id)}
                       ).status_code == 403
    assert counts()["followup_plan"] == 0


def test_one_transaction_a_failure_midway_leaves_nothing(app: Any, fu: Scene,
                                                         monkeypatch: Any) -> None:
    """If anything fails after some plans were written, none of them stays."""
    calls = {"n": 0}
    real = services.record

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "record", failing)
    steering = signed_in(app, "steering@example.org")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = steering.post("/followup/bulk", data={
        "scope": "all", "review": str(fu.review.id), "lead": str(fu.world.org.id),
        "priority": "high", "confirm": "1"})
    assert response.status_code == 500
    assert counts()["followup_plan"] == 0


def test_two_bulk_assignments_at_once_make_one_plan_each(app: Any, fu: Scene) -> None:
    """Two steering members assign overlapping rows at the same moment (PostgreSQL: real
    concurrency; SQLite: the writes queue): no duplicate plan, no error, every row led by
    one of the two organisations."""
    ids = [r.id for r in fu.recs]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(lead_id: int, email: str) -> None:
        from coalition.accounts.models import User
        from coalition.organisations.models import Organisation

        try:
            with app.app_context():
                actor = db.session.scalars(select(User).where(User.email == email)).one()
                lead = db.session.get(Organisation, lead_id)
                barrier.wait(timeout=10)
                with app.test_request_context():
                    services.assign(actor, ids, lead, "high", None)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(fu.world.org.id, "steering@example.org")),
               threading.Thread(target=run, args=(fu.world.other.id,
                                                  "coordinator@example.org"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    plans = db.session.scalars(select(FollowUpPlan)).all()
    assert sorted(p.recommendation_id for p in plans) == sorted(ids)
    assert len({p.lead_organisation_id for p in plans}) == 1


def test_blank_due_date_and_supporters_keep_each_plans_own(app: Any, fu: Scene) -> None:
    """A bulk reassignment that leaves the due date and the supporters blank keeps each
    plan's own (the helper's walk found them wiped); the confirmation page says so."""
    rec1, rec2 = fu.recs[:2]
    services.assign(fu.users["steering"], [rec1.id], fu.world.other, "low", date(2027, 3, 1),
                    [fu.world.org])
    services.assign(fu.users["steering"], [rec2.id], fu.world.other, "low", date(2027, 4, 1))
    db.session.commit()
    steering = signed_in(app, "steering@example.org")
    query = f"scope=selected&rec={rec1.id}&rec={rec2.id}&review={fu.review.id}"
    page = steering.client.get(f"/followup/bulk?{query}").get_data(as_text=True)
    token = steering.csrf("/profile")
    form = [(k, v) for k, v in hidden_fields(page) if k != "csrf_token"] + [
        ("csrf_token", token), ("lead", str(fu.world.org.id)), ("priority", "high"),
        ("due_on", "")]
    confirm = steering.client.post("/followup/bulk", data=_multi(form))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200, page
    assert "Each plan keeps its own due date." in page
    assert "Each plan keeps its own supporting organisations." in page
    done = steering.client.post("/followup/bulk", data=_multi(
        [*hidden_fields(page), ("csrf_token", token)]))
    assert done.status_code == 302
    db.session.expire_all()
    plans = {p.recommendation_id: p for p in db.session.scalars(select(FollowUpPlan))}
    assert plans[rec1.id].lead_organisation_id == fu.world.org.id
    assert plans[rec1.id].due_on == date(2027, 3, 1)
    assert plans[rec2.id].due_on == date(2027, 4, 1)
    assert plans[rec2.id].priority == "high"
    # The supporter who is now the lead cannot also support; the rest are kept.
    assert [o.id for o in plans[rec1.id].supporting_organisations] in ([], [fu.world.org.id])
