"""Reviews: the list and a review's page with their counts, creating and editing a review
(steering committee), refusals with a field message; and the demo's China 2018 review."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.recommendations.importers import ohchr_matrix
from coalition.recommendations.models import Assessment, Recommendation, Response
from coalition.recommendations.services import import_file
from coalition.reviews.models import Review
from coalition.reviews.services import create_review, review_from_slug

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
HONG_KONG = {"28.14", "28.205", "28.343", "28.344", "28.345", "28.346"}


@pytest.fixture
def china(app: Any, db: Any) -> Review:
    review = create_review(None, "CHN", 3, session=31, review_date=None,
                           report_symbol="A/HRC/40/6", responses_symbol="A/HRC/40/6/Add.1")
    db.session.commit()
    return review


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<small id="{field}-error" class="field-error" role="alert">([^<]+)',
                      html)
    assert match, f"no error message on the field {field}"
    return match.group(1)


def test_list_and_page_show_the_counts(client, auth, world, db, china):
    import_file(None, MATRIX.name, MATRIX.read_bytes(), china)
    create_review(None, "VNM", 3, session=32)
    db.session.commit()
    parsed = ohchr_matrix.parse(MATRIX)

    auth.login("viewer@example.org")
    html = client.get("/reviews").get_data(as_text=True)
    rows = set(re.findall(r'<a href="/reviews/([a-z]{3}-\d)">', html))
    china_row = re.search(r'<a href="/reviews/chn-3">China</a>.*?</tr>', html, re.S).group(0)
    # Supported, supported in part, noted, pending.
    assert re.findall(r"<td>(\d+)</td>", china_row)[-4:] == ["284", "0", "62", "0"]
    viet_nam = re.search(r'<a href="/reviews/vnm-3">.*?</tr>', html, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", viet_nam)[-4:] == ["0", "0", "0", "0"]
    assert set(rows) == {"chn-3", "vnm-3"}
    assert "New review" not in html  # a viewer manages nothing

    page = client.get("/reviews/chn-3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "China: UPR cycle 3" in html and "A/HRC/40/6/Add.1" in html
    assert "All 346 recommendations" in html
    positions = dict(re.findall(r">(Supported|Noted|Pending)</a></td><td>(\d+)</td>", html))
    assert positions == {"Supported": "284", "Noted": "62", "Pending": "0"}
    # By theme and by recommending State, most frequent first, counted from the file.
    themes = Counter(t for r in parsed.records for t in r.themes)
    top_theme = re.search(r"<h2>By theme</h2>\s*<ol><li><a [^>]*>(\w+) [^<]*</a> — (\d+)</li>",
                          html)
    assert top_theme and (top_theme.group(1), int(top_theme.group(2))) == ("A41",
                                                                          themes["A41"])
    assert themes["A41"] == max(themes.values())
    states = Counter(s for r in parsed.records for s in r.recommending_states)
    top_state = re.search(r"<h2>By recommending State</h2>\s*<ol><li><a [^>]*>([^<]+)</a> — "
                          r"(\d+)</li>", html)
    assert top_state and top_state.group(1) == "Australia"
    assert int(top_state.group(2)) == states["AUS"] == max(states.values())
    # Each count links to the tracker filtered on it.
    assert f'href="/tracker?review={china.id}&amp;position=noted"' in html
    assert client.get("/reviews/atl-3").status_code == 404


def test_steering_member_creates_a_review(client, auth, world, db):
    auth.login("steering@example.org")
    assert "New review" in client.get("/reviews").get_data(as_text=True)
    assert client.get("/reviews/new").status_code == 200
    response = auth.post("/reviews/new", data={
        "state_code": "VNM", "cycle": "3", "session": "32", "review_date": "2019-01-22",
        "report_symbol": "A/HRC/41/7", "responses_symbol": "A/HRC/41/7/Add.1",
        "midterm_due": "2021-07-31"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reviews/vnm-3")
    html = client.get("/reviews/vnm-3").get_data(as_text=True)
    assert "Viet Nam: UPR cycle 3" in html and "reviewed 22 January 2019" in html
    db.session.expire_all()
    review = review_from_slug("vnm-3")
    assert review is not None and review.session == 32
    assert review.responses_symbol == "A/HRC/41/7/Add.1"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.create")).one()
    assert event.object_id == review.id and event.actor_id == world.users["steering"].id


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"state_code": "CHN", "cycle": "3"}, "cycle", "China already has a review in cycle 3."),
    ({"state_code": "VNM", "cycle": "2", "session": "31"}, "session",
     "Session 31 belongs to cycle 3, not 2."),
    ({"state_code": "VNM", "cycle": "4", "session": "150"}, "session",
     "Session 150 is in no known UPR cycle."),
    ({"state_code": "ATL", "cycle": "3"}, "state_code", "Not a valid choice"),
    ({"state_code": "VNM", "cycle": "12"}, "cycle", "between 1 and 9"),
    ({"state_code": "VNM", "cycle": "3", "review_date": "22 Jan 2019"}, "review_date",
     "Not a valid date"),
])
def test_bad_review_is_refused_with_a_field_message(client, auth, world, db, china, data,
                                                    field, message):
    auth.login("steering@example.org")
    before = db.session.execute(select(func.count(Review.id))).scalar_one()
    response = auth.post("/reviews/new", data=data)
    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), field)
    db.session.expire_all()
    assert db.session.execute(select(func.count(Review.id))).scalar_one() == before == 1


def test_only_the_steering_committee_manages_reviews(client, auth, world, db, china):
    auth.login("editor@example.org")
    assert client.get("/reviews/new").status_code == 403
    assert auth.post("/reviews/new", data={"state_code": "VNM", "cycle": "3"}).status_code == 403
    assert auth.post("/reviews/chn-3/edit", data={"cycle": "3", "session": "31",
                                                  "midterm_due": "2021-03-31"}).status_code == 403
    db.session.expire_all()
    assert db.session.execute(select(func.count(Review.id))).scalar_one() == 1
    assert review_from_slug("chn-3").midterm_due is None


def test_steering_member_edits_a_review(client, auth, world, db, china):
    auth.login("steering@example.org")
    response = auth.post("/reviews/chn-3/edit", data={
        "cycle": "3", "session": "31", "review_date": "2018-11-06",
        "report_symbol": "A/HRC/40/6", "responses_symbol": "A/HRC/40/6/Add.1",
        "midterm_due": "2021-03-31"})
    assert response.status_code == 302
    assert "mid-term report due 31 March 2021" in client.get("/reviews/chn-3").get_data(
        as_text=True)
    response = auth.post("/reviews/chn-3/edit", data={"cycle": "2", "session": "31"})
    assert response.status_code == 400
    assert "belongs to cycle 3" in field_error(response.get_data(as_text=True), "session")
    db.session.expire_all()
    review = review_from_slug("chn-3")
    assert review.cycle == 3 and str(review.midterm_due) == "2021-03-31"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.update")).one()
    assert event.changes["midterm_due"] == [None, "2021-03-31"]


def test_demo_seeds_china_2018_with_hong_kong_follow_up(app, db):
    from coalition.demo.services import seed_demo

    assert seed_demo() is True
    db.session.commit()
    review = review_from_slug("chn-3")
    assert review is not None and review.report_symbol == "A/HRC/40/6"
    positions = Counter(db.session.scalars(select(Recommendation.position).where(
        Recommendation.review_id == review.id)))
    assert positions == {"supported": 284, "noted": 62}
    assessed = list(db.session.scalars(select(Recommendation).join(
        Assessment, Assessment.recommendation_id == Recommendation.id).distinct()))
    assert assessed, "the demo has assessments"
    assert {r.paragraph for r in assessed} <= HONG_KONG
    assert all("Hong Kong" in r.territories for r in assessed)
    # An assessment its organisation keeps to itself is in no one's tracker status (issue 10);
    # every other assessed recommendation has one, and public ones reach researchers.
    shared = [r for r in assessed if any(
        a.visibility != "organisation" for a in db.session.scalars(
            select(Assessment).where(Assessment.recommendation_id == r.id)))]
    assert shared and all(r.latest_status for r in shared)
    assert {a.visibility for a in db.session.scalars(select(Assessment))} == {
        "organisation", "coalition", "public"}
    assert any(r.latest_public_status for r in assessed)
    hong_kong_responses = db.session.scalars(select(Response).where(
        Response.kind != "addendum")).all()
    assert hong_kong_responses
    assert all(r.recommendation.paragraph in HONG_KONG for r in hong_kong_responses)

    counts = (db.session.execute(select(func.count(Recommendation.id))).scalar_one(),
              db.session.execute(select(func.count(Assessment.id))).scalar_one())
    assert seed_demo() is False
    db.session.commit()
    assert counts == (db.session.execute(select(func.count(Recommendation.id))).scalar_one(),
                      db.session.execute(select(func.count(Assessment.id))).scalar_one())
