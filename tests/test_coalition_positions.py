"""Issue 11, item 3: the coalition position on implementation.

Member organisations assess and may disagree; a steering member adopts one assessment as the
coalition position at a date with a reason, or writes the coalition's own. The history is
kept (append-only) and shown on the recommendation page; the tracker shows the position next
to the latest assessment, with a facet for each, for members only.
"""

from __future__ import annotations

import html as html_lib
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.followup.models import CoalitionPosition, FollowUpPlan
from coalition.followup.position_models import CoalitionPositionCurrent
from coalition.notifications.models import Notification
from coalition.recommendations import services
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import import_file
from tests.test_tracker import _matrix_subset, china  # noqa: F401  (fixture)
from tests.test_tracker_speed_counts import assert_counts_agree, counts, page_of

PAST = date(2026, 3, 1)


@pytest.fixture
def recs(db: Any, china: Any) -> list[Recommendation]:  # noqa: F811
    import_file(None, "subset.docx", _matrix_subset(30), china)
    db.session.commit()
    return list(db.session.scalars(select(Recommendation).order_by(Recommendation.id)))


@pytest.fixture
def disagreeing(db: Any, world: Any, recs: list[Recommendation]) -> dict[str, Any]:
    """Two organisations disagree on the first recommendation; a third keeps its own."""
    rec = recs[0]
    ours = services.add_assessment(world.users["editor"], rec, world.org, "partially",
                                   date(2026, 1, 10), "Some progress.")
    theirs = services.add_assessment(world.users["other_editor"], rec, world.other,
                                     "not_implemented", date(2026, 2, 1), "Nothing done.")
    private = services.add_assessment(world.users["other_editor"], rec, world.other,
                                      "fully", date(2026, 2, 2), "Kept to ourselves.",
                                      visibility="organisation")
    db.session.commit()
    return {"rec": rec, "ours": ours, "theirs": theirs, "private": private}


def positions(db: Any) -> list[CoalitionPosition]:
    return list(db.session.scalars(select(CoalitionPosition).order_by(CoalitionPosition.id)))


def adopt(auth: Any, rec: Any, **data: Any) -> Any:
    values = {"source": "own", "status": "", "adopted_on": PAST.isoformat(), "reason": ""}
    values.update({k: str(v) for k, v in data.items()})
    return auth.post(f"/recommendations/{rec.id}/positions",
                     {f"position-{name}": value for name, value in values.items()})


def test_steering_member_adopts_an_assessment(app, db, auth, world, disagreeing):
    rec, ours = disagreeing["rec"], disagreeing["ours"]
    db.session.add(FollowUpPlan(recommendation_id=rec.id, lead_organisation_id=world.other.id))
    db.session.commit()
    auth.login("steering@example.org")
    page = auth.client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Adopt the coalition position" in page
    response = adopt(auth, rec, source=ours.id, reason="The **best** evidence.")
    assert response.status_code == 302, response.get_data(as_text=True)
    [position] = positions(db)
    assert (position.status, position.assessment_id, position.adopted_on) == (
        "partially", ours.id, PAST)
    assert position.organisation_id == world.steering_org.id
    assert "<strong>best</strong>" in position.reason_html
    current = db.session.get(CoalitionPositionCurrent, rec.id)
    assert (current.position_id, current.status) == (position.id, "partially")
    # The page shows the position, who adopted it and from which assessment.
    page = auth.client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Partially implemented" in page and "current" in page
    assert "from the assessment by Owning Organisation" in html_lib.unescape(page)
    assert "Adopted by User" in page or "Adopted by" in page
    # Audited on the recommendation.
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "position.adopt")).one()
    assert event.object_id == rec.id and event.changes["status"] == [None, "partially"]
    # Notified: the members of the assessed organisation and of the plan's lead one.
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "position_adopted")))
    members = {world.users[r].id for r in ("viewer", "editor", "org_admin", "other_viewer",
                                           "other_editor", "other_admin")}
    assert told == members
    assert world.users["steering"].id not in told
    from coalition.notifications.services import message

    note = db.session.scalars(select(Notification).where(
        Notification.kind == "position_adopted")).first()
    assert rec.paragraph in message(note) and note.url.endswith(
        f"/recommendations/{rec.id}#coalition-position")


def test_own_position_and_history_is_append_only(app, db, auth, world, disagreeing):
    rec = disagreeing["rec"]
    auth.login("steering@example.org")
    assert adopt(auth, rec, source=disagreeing["theirs"].id,
                 adopted_on=date(2026, 2, 5)).status_code == 302
    assert adopt(auth, rec, status="regressed", reason="New law.",
                 adopted_on=date(2026, 3, 5)).status_code == 302
    # An older date: kept in the history, but not current.
    assert adopt(auth, rec, status="fully", reason="Late record of an old view.",
                 adopted_on=date(2026, 1, 1)).status_code == 302
    history = positions(db)
    assert [p.status for p in history] == ["not_implemented", "regressed", "fully"]
    assert db.session.get(CoalitionPositionCurrent, rec.id).status == "regressed"
    page = auth.client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    section = page[page.index('id="coalition-position"'):page.index('id="timeline"')]
    assert section.index("Regressed") < section.index("Not implemented") < section.index(
        "Fully implemented")
    assert "the coalition&#39;s own position" in page or "the coalition's own position" in page


@pytest.mark.parametrize("case", ["other_rec", "unreadable", "future", "empty_reason",
                                  "no_status", "bad_status", "not_a_number", "too_big",
                                  "bad_date", "long_reason"])
def test_bad_input_writes_nothing(app, db, auth, world, recs, disagreeing, case):
    rec = disagreeing["rec"]
    elsewhere = services.add_assessment(world.users["editor"], recs[1], world.org, "fully",
                                        date(2026, 1, 1), "")
    db.session.commit()
    data = {
        "other_rec": {"source": elsewhere.id},
        "unreadable": {"source": disagreeing["private"].id},
        "future": {"source": disagreeing["ours"].id,
                   "adopted_on": date.today() + timedelta(days=1)},
        "empty_reason": {"status": "fully", "reason": "   "},
        "no_status": {"reason": "A reason typed in full."},
        "bad_status": {"status": "done", "reason": "A reason typed in full."},
        "not_a_number": {"source": "x"},
        "too_big": {"source": str(10**25)},
        "bad_date": {"source": disagreeing["ours"].id, "adopted_on": "31/02/2026"},
        "long_reason": {"status": "fully", "reason": "x" * 20_001},
    }[case]
    auth.login("steering@example.org")
    response = adopt(auth, rec, **data)
    assert response.status_code == 400
    assert positions(db) == []
    assert db.session.scalar(select(func.count()).select_from(CoalitionPositionCurrent)) == 0
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body
    if "reason" in data and data["reason"].strip():
        assert data["reason"] in body  # what the user typed comes back


@pytest.mark.parametrize("role", ["viewer", "editor", "org_admin", "researcher", "no_org"])
def test_only_the_steering_committee_adopts(app, db, auth, world, disagreeing, role):
    auth.login(world.users[role].email)
    response = adopt(auth, disagreeing["rec"], source=disagreeing["ours"].id)
    assert response.status_code == 403
    assert positions(db) == []


def test_anonymous_is_sent_to_sign_in(app, db, client, world, disagreeing):
    response = client.post(f"/recommendations/{disagreeing['rec'].id}/positions",
                           data={"position-source": "own"})
    assert response.status_code in (302, 400, 401)
    assert positions(db) == []


def test_researchers_never_see_positions(app, db, auth, world, disagreeing):
    from coalition.followup import positions as service

    rec = disagreeing["rec"]
    service.adopt(world.users["steering"], rec, PAST, "Secret reasoning XYZZY.",
                  status="regressed")
    services.set_assessment_visibility(world.users["editor"], disagreeing["ours"], "public")
    db.session.commit()
    auth.login("researcher@example.org")
    page = auth.client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "XYZZY" not in page and "Coalition position" not in page
    tracker_page = page_of(auth.client)
    assert "coalition position" not in tracker_page.html.lower()
    assert tracker_page.facet("coalition") == {} and tracker_page.facet("overall") == {}
    # A coalition-position filter in the URL is not applied for them (nothing leaks).
    assert page_of(auth.client, "coalition=regressed").total == tracker_page.total
    for path in ("/exports/recommendations?format=csv", "/exports/assessments?format=csv",
                 "/api/v1/recommendations"):
        body = auth.client.get(path).get_data(as_text=True)
        assert "XYZZY" not in body and "regressed" not in body.lower()


def test_tracker_shows_both_side_by_side_with_true_counts(app, db, auth, world, disagreeing,
                                                          recs):
    from coalition.followup import positions as service

    rec = disagreeing["rec"]
    auth.login("viewer@example.org")
    total = len(recs)
    page = assert_counts_agree(auth.client, total)
    assert counts(page, "coalition") == {"none": total}
    # The kept counts follow an adoption (the new table bumps the data version).
    service.adopt(world.users["steering"], rec, PAST, "", assessment=disagreeing["ours"])
    db.session.commit()
    page = assert_counts_agree(auth.client, total)
    assert counts(page, "coalition") == {"partially": 1, "none": total - 1}
    assert counts(page, "overall")["partially"] == 1
    for facet in ("coalition", "overall"):
        for value, (_label, count, _c) in page.facet(facet).items():
            assert page_of(auth.client, f"{facet}={value}").total == count
    # Side by side in the row: the latest assessment and the coalition position.
    row = page_of(auth.client, "coalition=partially").html
    assert "latest assessment: <strong>Not implemented</strong>" in row
    assert "coalition position: <strong>Partially implemented</strong>" in row
    # A newer own position replaces it.
    service.adopt(world.users["steering"], rec, date(2026, 4, 1), "Backslide.",
                  status="regressed")
    db.session.commit()
    page = assert_counts_agree(auth.client, total)
    assert counts(page, "coalition") == {"regressed": 1, "none": total - 1}


def test_a_rollback_leaves_no_current_position(app, db, world, disagreeing):
    from coalition.followup import positions as service

    service.adopt(world.users["steering"], disagreeing["rec"], PAST, "Why.", status="fully")
    db.session.rollback()
    assert positions(db) == []
    assert db.session.get(CoalitionPositionCurrent, disagreeing["rec"].id) is None
