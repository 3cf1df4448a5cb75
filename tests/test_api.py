"""API v1 (issue 10): every endpoint, pagination, ETags, tokens, and each bad input of the
issue answered by a 4xx JSON error naming the problem.

The "done when" scenario runs on the real OHCHR matrix of China's 2018 review: a researcher
with a token asks for its Hong Kong recommendations and gets the six."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from coalition.api.models import ApiToken
from coalition.api.services import create_token
from coalition.audit.models import AuditEvent
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.recommendations.models import Assessment, Recommendation, Response, SavedView
from coalition.recommendations.services import add_assessment, import_file
from coalition.reviews.services import create_review

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
HONG_KONG = {"28.14", "28.205", "28.343", "28.344", "28.345", "28.346"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(user: Any, scope: str = "read", days: int = 30) -> str:
    _row, token = create_token(user, f"{scope} token", scope, days)
    db.session.commit()
    return token


@pytest.fixture
def china(app: Flask, world: Any) -> Any:
    """China's 2018 review from the real OHCHR matrix (346 recommendations)."""
    review = create_review(None, "CHN", 3, session=31, report_symbol="A/HRC/40/6",
                           responses_symbol="A/HRC/40/6/Add.1")
    import_file(None, MATRIX.name, MATRIX.read_bytes(), review)
    db.session.commit()
    return review


def rec_by_paragraph(paragraph: str) -> Recommendation:
    return db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == paragraph)).one()


def assert_error(response: Any, status: int, field: str | None = None,
                 code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "field"} and error["message"]
    if field is not None:
        assert error["field"] == field, error
    if code is not None:
        assert error["code"] == code, error
    return error


# --- the "done when" scenario ----------------------------------------------------------------

def test_a_researcher_filters_china_2018_to_hong_kong_and_gets_the_six(client, world, china):
    token = make_token(world.users["researcher"])
    response = client.get("/api/v1/recommendations?review=chn-3&territory=Hong+Kong",
                          headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert {item["paragraph"] for item in body["items"]} == HONG_KONG
    assert body["next"] is None
    first = next(i for i in body["items"] if i["paragraph"] == "28.343")
    assert first["text"].startswith("Uphold the rights, freedoms and rule of law")
    assert first["recommending_states"] == [{"code": "AUS", "name": "Australia"}]
    assert first["review"] == "chn-3" and first["position"] == "supported"
    assert "Hong Kong" in first["territories"]
    # The same filter by the review's id, and the tracker's own URL gives the same six.
    by_id = client.get(f"/api/v1/recommendations?review={china.id}&territory=Hong+Kong",
                       headers=bearer(token)).get_json()
    assert [i["id"] for i in by_id["items"]] == [i["id"] for i in body["items"]]


def test_the_tracker_search_and_facets_work_as_in_the_tracker(client, world, china):
    token = make_token(world.users["viewer"])
    found = client.get("/api/v1/recommendations?review=chn-3&q=death+penalty&position=noted",
                       headers=bearer(token)).get_json()["items"]
    assert found and all(i["position"] == "noted" for i in found)
    assert len(found) == 13 and all("death penalty" in i["text"].lower() for i in found)
    two = client.get("/api/v1/recommendations?territory=Macao&territory=Hong+Kong&sort=position",
                     headers=bearer(token)).get_json()["items"]
    assert {i["paragraph"] for i in two} >= HONG_KONG


# --- pagination and ETags --------------------------------------------------------------------

@pytest.mark.parametrize("sort", ["paragraph", "newest", "position", "status"])
def test_walking_the_pages_gives_every_row_once(client, world, china, sort):
    token = make_token(world.users["coordinator"])
    rec = rec_by_paragraph("28.10")
    add_assessment(world.users["editor"], rec, world.org, "partially", date(2021, 1, 1))
    db.session.commit()
    seen: list[int] = []
    url = f"/api/v1/recommendations?review=chn-3&limit=37&sort={sort}"
    pages = 0
    while True:
        body = client.get(url, headers=bearer(token)).get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if body["next"] is None:
            break
        url = f"/api/v1/recommendations?review=chn-3&limit=37&sort={sort}&cursor={body['next']}"
    assert pages == 10
    assert len(seen) == len(set(seen)) == 346


def test_other_lists_walk_by_id(client, world, china):
    token = make_token(world.users["coordinator"])
    seen: list[int] = []
    url = "/api/v1/responses?review=chn-3&limit=100"
    while url:
        body = client.get(url, headers=bearer(token)).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"] and f"/api/v1/responses?review=chn-3&limit=100&cursor={body['next']}"
    assert len(seen) == len(set(seen)) == 346
    assert seen == sorted(seen)


def test_etag_and_if_none_match_give_304(client, world, china):
    token = make_token(world.users["viewer"])
    url = "/api/v1/recommendations?review=chn-3&territory=Hong+Kong"
    first = client.get(url, headers=bearer(token))
    etag = first.headers["ETag"]
    again = client.get(url, headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    # A change to the data changes the answer and its ETag.
    rec = rec_by_paragraph("28.343")
    add_assessment(world.users["editor"], rec, world.org, "fully", date(2022, 5, 1))
    db.session.commit()
    changed = client.get(url, headers={**bearer(token), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    detail = client.get(f"/api/v1/recommendations/{rec.id}", headers=bearer(token))
    assert client.get(f"/api/v1/recommendations/{rec.id}", headers={
        **bearer(token), "If-None-Match": detail.headers["ETag"]}).status_code == 304


# --- every endpoint ---------------------------------------------------------------------------

def test_reviews_states_themes(client, world, china):
    token = make_token(world.users["researcher"])
    reviews = client.get("/api/v1/reviews", headers=bearer(token)).get_json()["items"]
    assert [r["slug"] for r in reviews] == ["chn-3"]
    assert reviews[0]["state"] == {"code": "CHN", "name": "China"}
    assert reviews[0]["report_symbol"] == "A/HRC/40/6"
    listed = client.get(reviews[0]["recommendations"] + "&limit=500",
                        headers=bearer(token)).get_json()
    assert len(listed["items"]) == 346
    for ref in ("chn-3", "CHN-3", str(china.id)):
        one = client.get(f"/api/v1/reviews/{ref}", headers=bearer(token))
        assert one.status_code == 200 and one.get_json()["id"] == china.id
    assert_error(client.get("/api/v1/reviews/xyz-9", headers=bearer(token)), 404, "ref",
                 "not_found")
    filtered = client.get("/api/v1/reviews?state=chn&cycle=3", headers=bearer(token))
    assert len(filtered.get_json()["items"]) == 1
    states = client.get("/api/v1/states?limit=500", headers=bearer(token)).get_json()["items"]
    assert {"code": "AUS", "name": "Australia"} in [{"code": s["code"], "name": s["name"]}
                                                    for s in states]
    themes = client.get("/api/v1/themes?kind=ohchr&limit=500",
                        headers=bearer(token)).get_json()["items"]
    assert any(t["code"] == "A12" for t in themes)
    assert all(t["kind"] == "ohchr" for t in themes)


def test_one_recommendation_and_its_responses(client, world, china):
    token = make_token(world.users["viewer"])
    rec = rec_by_paragraph("28.219")
    body = client.get(f"/api/v1/recommendations/{rec.id}", headers=bearer(token)).get_json()
    assert [t["code"] for t in body["themes"]] == ["A12", "D1", "D51"]
    assert body["sdgs"] == [16]
    assert body["affected_persons"] == ["general", "judges, lawyers and prosecutors"]
    assert body["url"] == f"/recommendations/{rec.id}"
    responses = client.get(f"/api/v1/responses?recommendation={rec.id}",
                           headers=bearer(token)).get_json()["items"]
    assert [(r["position"], r["source"]) for r in responses] == [
        ("supported", "A/HRC/40/6/Add.1 - Para. 2")]
    assert_error(client.get("/api/v1/recommendations/99999999", headers=bearer(token)), 404,
                 "rec_id")


def test_assessments_only_those_the_caller_may_read(app, client, world, china):
    rec = rec_by_paragraph("28.343")
    editor = world.users["editor"]
    own = add_assessment(editor, rec, world.org, "partially", date(2021, 1, 1),
                         visibility="organisation")
    coalition = add_assessment(editor, rec, world.org, "not_implemented", date(2021, 2, 1))
    public = add_assessment(editor, rec, world.org, "regressed", date(2021, 3, 1),
                            visibility="public")
    db.session.commit()

    def ids(role: str) -> set[int]:
        token = make_token(world.users[role])
        items = client.get("/api/v1/assessments", headers=bearer(token)).get_json()["items"]
        return {i["id"] for i in items}

    assert ids("coordinator") == {own.id, coalition.id, public.id}
    assert ids("viewer") == {own.id, coalition.id, public.id}
    assert ids("other_viewer") == {coalition.id, public.id}
    assert ids("researcher") == {public.id}
    # Names of who recorded them: members see them, researchers do not.
    member = client.get("/api/v1/assessments", headers=bearer(make_token(
        world.users["other_viewer"]))).get_json()["items"]
    assert {i["author"] for i in member} == {editor.display_name}
    outside = client.get("/api/v1/assessments", headers=bearer(make_token(
        world.users["researcher"]))).get_json()["items"]
    assert outside[0]["author"] is None and outside[0]["organisation"]["name"] == world.org.name
    # The latest assessment on a recommendation follows the same rule.
    token = make_token(world.users["researcher"])
    body = client.get(f"/api/v1/recommendations/{rec.id}", headers=bearer(token)).get_json()
    assert body["latest_assessment"]["status"] == "regressed"
    filtered = client.get(f"/api/v1/assessments?recommendation={rec.id}&review=chn-3"
                          f"&organisation={world.org.id}", headers=bearer(token))
    assert [i["id"] for i in filtered.get_json()["items"]] == [public.id]


def test_published_statements_only(client, world):
    from tests.test_access_matrix import statement_scene

    partner_scene = statement_scene(world, world.steering_org)
    token = make_token(world.users["no_org"])
    for headers in ({}, bearer(token)):  # anonymous too: published statements are public
        items = client.get("/api/v1/statements", headers=headers).get_json()["items"]
        assert [i["id"] for i in items] == [partner_scene["published"]]
        assert items[0]["signatories"] == ["Other Organisation"]
        assert "text" not in items[0]
        one = client.get(f"/api/v1/statements/{partner_scene['published']}", headers=headers)
        assert one.get_json()["text"].startswith("First paragraph.")
        assert_error(client.get(f"/api/v1/statements/{partner_scene['draft']}",
                                headers=headers), 404, "statement_id")


def test_saved_views_own_and_shared(client, world, china):
    viewer, editor, other = (world.users[r] for r in ("viewer", "editor", "other_viewer"))
    mine = SavedView(owner_id=viewer.id, name="Mine", query="territory=Hong+Kong&page=2")
    shared = SavedView(owner_id=editor.id, organisation_id=world.org.id, name="Shared",
                       query=f"review={china.id}&position=noted")
    private = SavedView(owner_id=editor.id, name="Editor's own", query="q=press")
    elsewhere = SavedView(owner_id=other.id, organisation_id=world.other.id, name="Other's")
    db.session.add_all([mine, shared, private, elsewhere])
    db.session.commit()
    token = make_token(viewer)
    items = client.get("/api/v1/saved-views", headers=bearer(token)).get_json()["items"]
    assert {i["name"]: i["mine"] for i in items} == {"Mine": True, "Shared": False}
    by_name = {i["name"]: i for i in items}
    assert by_name["Shared"]["organisation"] == {"id": world.org.id, "name": world.org.name}
    assert by_name["Mine"]["organisation"] is None
    link = by_name["Mine"]["recommendations"]
    assert link == "/api/v1/recommendations?territory=Hong+Kong"
    assert {i["paragraph"] for i in client.get(
        link + "&review=chn-3", headers=bearer(token)).get_json()["items"]} == HONG_KONG


# --- writes -----------------------------------------------------------------------------------

def test_an_editor_records_an_assessment_for_own_organisation(client, world, china):
    token = make_token(world.users["editor"], "write")
    rec = rec_by_paragraph("28.343")
    response = client.post(f"/api/v1/recommendations/{rec.id}/assessments",
                           headers=bearer(token), json={
                               "organisation": world.org.id, "status": "partially",
                               "assessed_on": "2024-06-01", "evidence": "**Some** progress.",
                               "source_links": ["https://example.org/report"],
                               "visibility": "public"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["organisation"]["id"] == world.org.id and body["visibility"] == "public"
    assert body["source_links"] == ["https://example.org/report"]
    stored = db.session.get(Assessment, body["id"])
    assert stored.evidence_html.startswith("<p><strong>Some</strong>")
    db.session.refresh(rec)
    assert rec.latest_public_status == "partially"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "assessment.create")).one()
    assert event.actor_id == world.users["editor"].id


def test_the_steering_committee_records_a_response(client, world, china):
    token = make_token(world.users["steering"], "write")
    rec = rec_by_paragraph("28.343")
    response = client.post(f"/api/v1/recommendations/{rec.id}/responses",
                           headers=bearer(token), json={
                               "kind": "midterm", "position": "noted",
                               "responded_on": "2022-01-10", "words": "Noted.",
                               "url": "https://example.org/midterm"})
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.refresh(rec)
    assert rec.position == "noted"
    assert db.session.get(Response, response.get_json()["id"]).kind == "midterm"
    # A member who is not on the steering committee may not.
    editor = make_token(world.users["editor"], "write")
    assert_error(client.post(f"/api/v1/recommendations/{rec.id}/responses",
                             headers=bearer(editor), json={
                                 "kind": "midterm", "position": "noted",
                                 "responded_on": "2022-01-10"}), 403, code="forbidden")


def _count(model: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_token_of_organisation_a_cannot_write_for_organisation_b(client, world, china):
    token = make_token(world.users["editor"], "write")  # editor of world.org
    rec = rec_by_paragraph("28.343")
    before = (_count(Assessment), _count(AuditEvent))
    error = assert_error(client.post(
        f"/api/v1/recommendations/{rec.id}/assessments", headers=bearer(token),
        json={"organisation": world.other.id, "status": "fully", "assessed_on": "2024-01-01"}),
        403, "organisation", "forbidden")
    assert "organisation" in error["message"]
    assert (_count(Assessment), _count(AuditEvent)) == before


# --- bad input: 4xx JSON naming the problem -----------------------------------------------------

def test_unknown_filter_values_are_refused_naming_the_parameter(client, world, china):
    token = make_token(world.users["viewer"])
    cases = {
        "territory=Atlantis": "territory",
        "position=enthusiastic": "position",
        "review=xyz-9": "review",
        "review=99999": "review",
        "theme=abc": "theme",
        "theme=99999999999": "theme",
        "state=ZZZZ": "state",
        "state=ZZZ": "state",  # three letters, but no State's code
        "sort=random": "sort",
        "sdg=18": "sdg",
        "cycle=0": "cycle",
        "status=excellent": "status",
        "teritory=Hong+Kong": "teritory",  # a misspelt parameter is not silently ignored
    }
    for query, field in cases.items():
        error = assert_error(client.get(f"/api/v1/recommendations?{query}",
                                        headers=bearer(token)), 400, field)
        assert field in error["message"], (query, error)


def test_malformed_cursors_and_huge_pages(client, world, china):
    token = make_token(world.users["viewer"])
    for cursor in ("garbage", "eyJhIjoxfQ", "x" * 3000, "WyJyZXZpZXdzIixbMV1d.bad"):
        assert_error(client.get(f"/api/v1/recommendations?cursor={cursor}",
                                headers=bearer(token)), 400, "cursor")
    # A cursor of another list or another sort order is refused too.
    reviews_cursor = client.get("/api/v1/responses?limit=1",
                                headers=bearer(token)).get_json()["next"]
    assert_error(client.get(f"/api/v1/recommendations?cursor={reviews_cursor}",
                            headers=bearer(token)), 400, "cursor", "invalid_cursor")
    paragraph = client.get("/api/v1/recommendations?limit=1",
                           headers=bearer(token)).get_json()["next"]
    assert_error(client.get(f"/api/v1/recommendations?sort=newest&cursor={paragraph}",
                            headers=bearer(token)), 400, "cursor")
    # ... and a cursor of another filter (a new user's walk: it gave an empty 200 page). The
    # same filter in another order of parameters, or another page size, keeps it.
    chinese = client.get("/api/v1/recommendations?review=chn-3&limit=2",
                         headers=bearer(token)).get_json()["next"]
    assert_error(client.get(f"/api/v1/recommendations?review=chn-3&territory=Macao&cursor="
                            f"{chinese}", headers=bearer(token)), 400, "cursor", "invalid_cursor")
    following = client.get(f"/api/v1/recommendations?limit=3&cursor={chinese}&review=chn-3",
                           headers=bearer(token))
    assert following.status_code == 200 and len(following.get_json()["items"]) == 3
    for limit in ("1000000000", "0", "-5", "501", "ten"):
        error = assert_error(client.get(f"/api/v1/recommendations?limit={limit}",
                                        headers=bearer(token)), 400, "limit")
        assert "limit" in error["message"]
    assert len(client.get("/api/v1/recommendations?limit=500",
                          headers=bearer(token)).get_json()["items"]) == 346


def test_expired_revoked_and_garbage_tokens_are_401(client, world, china):
    from coalition.api.services import revoke_token

    user = world.users["viewer"]
    expired = make_token(user)
    db.session.execute(text("UPDATE api_token SET expires_at = :t"),
                       {"t": utcnow() - timedelta(minutes=1)})
    db.session.commit()
    revoked_row, revoked = create_token(user, "to revoke", "read", 30)
    revoke_token(user, revoked_row)
    db.session.commit()
    inactive = make_token(world.users["no_org"])
    world.users["no_org"].active = False
    db.session.commit()
    for token in (expired, revoked, inactive, "coal_garbage", "x" * 500,
                  revoked[:-1] + ("A" if revoked[-1] != "A" else "B")):
        response = client.get("/api/v1/reviews", headers=bearer(token))
        assert_error(response, 401, "Authorization", "invalid_token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.get("/api/v1/reviews", headers={"Authorization": "Basic abc"}), 401,
                 "Authorization")


def test_a_read_token_cannot_write(client, world, china):
    token = make_token(world.users["editor"], "read")
    rec = rec_by_paragraph("28.343")
    before = _count(Assessment)
    assert_error(client.post(f"/api/v1/recommendations/{rec.id}/assessments",
                             headers=bearer(token), json={
                                 "organisation": world.org.id, "status": "fully",
                                 "assessed_on": "2024-01-01"}), 403, "Authorization",
                 "insufficient_scope")
    assert _count(Assessment) == before


def test_malformed_json_wrong_content_type_and_invalid_bodies(client, world, china):
    token = make_token(world.users["editor"], "write")
    rec = rec_by_paragraph("28.343")
    url = f"/api/v1/recommendations/{rec.id}/assessments"
    before = _count(Assessment)
    assert_error(client.post(url, headers={**bearer(token), "Content-Type": "application/json"},
                             data="{not json"), 400, code="invalid_json")
    assert_error(client.post(url, headers=bearer(token), data={"status": "fully"}), 415,
                 "Content-Type", "unsupported_media_type")
    assert_error(client.post(url, headers={**bearer(token), "Content-Type": "text/plain"},
                             data='{"status": "fully"}'), 415)
    bodies = [
        ({"organisation": world.org.id, "status": "excellent", "assessed_on": "2024-01-01"},
         "status"),
        ({"organisation": world.org.id, "status": "fully"}, "assessed_on"),
        ({"organisation": world.org.id, "status": "fully", "assessed_on": "yesterday"},
         "assessed_on"),
        ({"organisation": world.org.id, "status": "fully", "assessed_on": "2024-01-01",
          "source_links": ["javascript:alert(1)"]}, "source_links.0"),
        ({"organisation": world.org.id, "status": "fully", "assessed_on": "2024-01-01",
          "colour": "red"}, "colour"),
    ]
    for body, field in bodies:
        assert_error(client.post(url, headers=bearer(token), json=body), 422, field)
    future = (date.today() + timedelta(days=3)).isoformat()
    assert_error(client.post(url, headers=bearer(token), json={
        "organisation": world.org.id, "status": "fully", "assessed_on": future}), 422,
        "assessed_on")
    assert_error(client.post(url, headers=bearer(token), json=[1, 2]), 422)
    assert _count(Assessment) == before


def test_unknown_paths_methods_and_anonymous_writes_are_json(client, world, china):
    assert_error(client.get("/api/v1/nothing-here"), 404, code="not_found")
    assert_error(client.get("/api/v1/"), 404)
    assert_error(client.delete("/api/v1/reviews"), 405, code="method_not_allowed")
    rec = rec_by_paragraph("28.343")
    assert_error(client.post(f"/api/v1/recommendations/{rec.id}/assessments", json={}), 401,
                 "Authorization")
    # A page of the site still answers with its HTML error page.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


# --- who may call -----------------------------------------------------------------------------

def test_anonymous_callers_only_with_the_public_tracker(app, client, world, china):
    rec = rec_by_paragraph("28.343")
    add_assessment(world.users["editor"], rec, world.org, "partially", date(2021, 1, 1))
    add_assessment(world.users["editor"], rec, world.org, "fully", date(2020, 1, 1),
                   visibility="public")
    db.session.commit()
    assert_error(client.get("/api/v1/recommendations"), 401, "Authorization", "unauthorized")
    app.config["PUBLIC_TRACKER"] = True
    body = client.get(f"/api/v1/recommendations/{rec.id}").get_json()
    assert body["latest_assessment"] == {"organisation": world.org.name, "status": "fully",
                                         "assessed_on": "2020-01-01"}
    items = client.get("/api/v1/assessments").get_json()["items"]
    assert [(i["status"], i["author"]) for i in items] == [("fully", None)]
    assert client.get("/api/v1/saved-views").get_json() == {"items": [], "next": None}
    assert_error(client.post(f"/api/v1/recommendations/{rec.id}/assessments",
                             json={"organisation": world.org.id, "status": "fully",
                                   "assessed_on": "2024-01-01"}), 401)


def test_a_signed_in_browser_is_anonymous_to_the_api(app, client, auth, world, china):
    """Cookies never authenticate the API: no cookie can make a write (CSRF), no session can
    read without a token."""
    auth.login("editor@example.org")
    rec = rec_by_paragraph("28.343")
    assert client.get("/profile").status_code == 200
    assert_error(client.get("/api/v1/reviews"), 401)
    before = _count(Assessment)
    assert_error(client.post(f"/api/v1/recommendations/{rec.id}/assessments", json={
        "organisation": world.org.id, "status": "fully", "assessed_on": "2024-01-01"}), 401)
    assert _count(Assessment) == before


def test_no_org_users_and_researchers_read_as_the_web_allows(client, world, china):
    loner = make_token(world.users["no_org"])
    assert_error(client.get("/api/v1/reviews", headers=bearer(loner)), 403, code="forbidden")
    researcher = make_token(world.users["researcher"], "write")
    rec = rec_by_paragraph("28.343")
    assert_error(client.post(f"/api/v1/recommendations/{rec.id}/assessments",
                             headers=bearer(researcher), json={
                                 "organisation": world.org.id, "status": "fully",
                                 "assessed_on": "2024-01-01"}), 403)


# --- tokens: stored hashed, shown once, last use ------------------------------------------------

def test_the_database_never_holds_the_token(app, world):
    token = make_token(world.users["viewer"])
    secret = token.split("_", 2)[2]
    with db.engine.connect() as conn:
        dump = repr([tuple(r) for r in conn.execute(select(ApiToken.__table__))])
        events = repr([tuple(r) for r in conn.execute(select(AuditEvent.__table__))])
    assert secret not in dump and secret not in events
    row = db.session.scalars(select(ApiToken)).one()
    assert len(row.secret_hash) == 64 and token.startswith(f"coal_{row.prefix}_")


def test_last_used_time_is_recorded(client, world, china):
    token = make_token(world.users["viewer"])
    row = db.session.scalars(select(ApiToken)).one()
    assert row.last_used_at is None
    before = utcnow()
    assert client.get("/api/v1/reviews", headers=bearer(token)).status_code == 200
    db.session.expire_all()
    row = db.session.scalars(select(ApiToken)).one()
    assert row.last_used_at is not None and row.last_used_at >= before - timedelta(seconds=1)
    # A refused request (here a write with a read token) is a use too.
    db.session.execute(text("UPDATE api_token SET last_used_at = NULL"))
    db.session.commit()
    rec = rec_by_paragraph("28.343")
    client.post(f"/api/v1/recommendations/{rec.id}/assessments", headers=bearer(token), json={})
    db.session.expire_all()
    assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


def test_the_openapi_document_is_3_1_and_describes_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    operations = {f"{method.upper()} {path}" for path, item in spec["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert operations == {
        "GET /api/v1/reviews", "GET /api/v1/reviews/{ref}", "GET /api/v1/recommendations",
        "GET /api/v1/recommendations/{rec_id}", "GET /api/v1/responses",
        "POST /api/v1/recommendations/{rec_id}/responses", "GET /api/v1/assessments",
        "POST /api/v1/recommendations/{rec_id}/assessments", "GET /api/v1/states",
        "GET /api/v1/themes", "GET /api/v1/statements", "GET /api/v1/statements/{statement_id}",
        "GET /api/v1/saved-views"}
    names = {p["name"] for p in spec["paths"]["/api/v1/recommendations"]["get"]["parameters"]}
    assert names == {"q", "review", "cycle", "state", "group", "theme", "sdg", "affected",
                     "position", "category", "territory", "status", "assessed_by", "kind",
                     "repeated", "sort", "limit", "cursor"}
    assert "bearerAuth" in spec["components"]["securitySchemes"]
