"""Issue 11 (leftover): the tracker's members-only facet "lead", the lead organisation of the
recommendation's follow-up plan: `lead=<organisation id>`, `lead=none` (no plan lead),
`lead=any` (has one). Counts equal what ticking shows; researchers and the public neither see
it nor can use it (the page, exports and the API) to learn anything of the plans.
"""

from __future__ import annotations

import html as html_lib
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.followup.models import FollowUpPlan
from coalition.organisations.models import Organisation
from coalition.recommendations.models import Recommendation
from tests.test_tracker_speed_counts import counts, page_of


@pytest.fixture
def demo(app: Any, db: Any) -> dict[str, Any]:
    assert seed_demo()
    db.session.commit()
    jchk = db.session.scalars(select(Organisation).where(
        Organisation.short_name == "JCHK")).one()
    led = db.session.execute(select(Recommendation.paragraph, FollowUpPlan.lead_organisation_id)
                             .join(FollowUpPlan, FollowUpPlan.recommendation_id ==
                                   Recommendation.id)).all()
    total = db.session.scalar(select(func.count()).select_from(Recommendation))
    return {"jchk": jchk, "led": led, "total": total}


def login(auth: Any, email: str) -> None:
    response = auth.login(email, DEMO_PASSWORD)
    assert response.status_code in (200, 302)


def test_lead_shows_exactly_what_the_organisation_leads(app, db, auth, demo):
    jchk, led, total = demo["jchk"], demo["led"], demo["total"]
    jchk_paragraphs = {p for p, lead in led if lead == jchk.id}
    assert jchk_paragraphs, "the demo has plans led by Justice Centre"
    with_lead = [p for p, lead in led if lead is not None]
    login(auth, "viewer@example.org")  # a member organisation's viewer

    page = page_of(auth.client)
    facet = page.facet("lead")
    assert facet[str(jchk.id)][:2] == ("Justice Centre Hong Kong", len(jchk_paragraphs))
    assert facet["any"][:2] == ("Any lead organisation", len(with_lead))
    assert facet["none"][:2] == ("No lead organisation", total - len(with_lead))
    assert "Lead organisation</summary>" in page.html

    chosen = page_of(auth.client, f"lead={jchk.id}")
    assert chosen.status == 200
    assert set(chosen.paragraphs) == jchk_paragraphs
    assert chosen.total == len(jchk_paragraphs) == chosen.facet("lead")[str(jchk.id)][1]
    assert chosen.facet("lead")[str(jchk.id)][2]  # ticked
    # Every value's count is what ticking it shows (kept counts and filtered ones alike).
    for value, (label, count, _checked) in facet.items():
        assert page_of(auth.client, f"lead={value}").total == count, (value, label)
    assert page_of(auth.client, "lead=any").total + page_of(
        auth.client, "lead=none").total == total
    # Values within the facet are alternatives; with another facet, AND.
    both = page_of(auth.client, f"lead={jchk.id}&lead=none")
    assert both.total == len(jchk_paragraphs) + total - len(with_lead)
    territory = page_of(auth.client, f"lead={jchk.id}&territory=Hong+Kong")
    assert territory.total == len(jchk_paragraphs)  # the demo's plans are all on Hong Kong
    # Counts under another facet: the lead counts apply it.
    hk = page_of(auth.client, "territory=Hong+Kong")
    assert counts(hk, "lead")["any"] == len(with_lead)
    assert counts(hk, "lead").get("none", 0) == hk.total - len(with_lead)

    # Exports apply it for members: the CSV holds exactly those rows.
    body = auth.client.get(f"/exports/recommendations?format=csv&lead={jchk.id}").get_data(
        as_text=True)
    lines = [line for line in body.splitlines()[1:] if line.strip()]
    assert len(lines) == len(jchk_paragraphs)


def test_researchers_get_no_lead_facet_and_cannot_probe(app, db, auth, demo):
    jchk = demo["jchk"]
    login(auth, "researcher@example.org")
    page = page_of(auth.client)
    assert page.status == 200
    assert page.facet("lead") == {}
    assert "lead organisation" not in page.html.lower()
    # The parameter is not applied: the same results, whatever it names.
    for query in (f"lead={jchk.id}", "lead=none", "lead=any", "lead=999999"):
        probed = page_of(auth.client, query)
        assert probed.status == 200 and probed.total == page.total, query
        assert probed.facet("lead") == {}
        assert set(probed.paragraphs) == set(page.paragraphs)
        # Said, not silently dropped; the same words whatever the value (nothing to probe).
        assert "Lead organisation: a filter for coalition members, ignored." in probed.html
    # Exports: byte for byte the export without it (an unknown id is not even checked).
    plain = auth.client.get("/exports/recommendations?format=csv").get_data()
    for query in (f"lead={jchk.id}", "lead=none", "lead=999999"):
        response = auth.client.get(f"/exports/recommendations?format=csv&{query}")
        assert response.status_code == 200, query
        assert response.get_data() == plain, query
    # The API takes neither "lead" nor the other members-only facets, from anyone: the same
    # 400, for a researcher and for a member alike.
    from coalition.accounts.models import User
    from tests.test_api import bearer, make_token

    for email in ("researcher@example.org", "viewer@example.org"):
        user = db.session.scalars(select(User).where(User.email == email)).one()
        headers = bearer(make_token(user))
        assert auth.client.get("/api/v1/recommendations", headers=headers).status_code == 200
        answers = []
        for name in ("lead", "coalition"):
            response = auth.client.get(f"/api/v1/recommendations?{name}=none",
                                       headers=headers)
            assert response.status_code == 400, (email, name)
            body = response.get_data(as_text=True)
            assert "Justice Centre" not in body
            answers.append(body.replace(name, "NAME"))
        assert answers[0] == answers[1], answers


def test_bad_lead_values_are_named(app, db, auth, demo):
    login(auth, "viewer@example.org")
    everything = page_of(auth.client).total
    # Not a number: ignored with a notice on the page, as `coalition=abc` is; an export
    # (which must hold exactly the filter asked for) refuses it with a 400 naming it.
    for name in ("lead", "coalition"):
        page = page_of(auth.client, f"{name}=abc")
        assert page.status == 200 and page.total == everything
        assert "unknown value &#39;abc&#39; ignored" in page.html, name
        response = auth.client.get(f"/exports/recommendations?format=csv&{name}=abc")
        assert response.status_code == 400, name
    notice = html_lib.unescape(page_of(auth.client, "lead=abc").html)
    assert "Lead organisation: unknown value 'abc' ignored." in notice
    # Past any database id: a 400 naming the parameter (as for `assessed_by`).
    for name in ("lead", "assessed_by"):
        response = auth.client.get(f"/tracker?{name}=99999999999")
        assert response.status_code == 400
        assert f"{name}: &#39;99999999999&#39; is not a number" in response.get_data(
            as_text=True)
        response = auth.client.get(f"/exports/recommendations?format=csv&{name}=99999999999")
        assert response.status_code == 400
    # An id no organisation has: the page shows its (empty) result; an export refuses it,
    # as it refuses a State code no State has.
    assert page_of(auth.client, "lead=999999").total == 0
    response = auth.client.get("/exports/recommendations?format=csv&lead=999999")
    assert response.status_code == 400
    assert "lead: no organisation has the id 999999" in response.get_data(as_text=True)
    response = auth.client.get("/exports/recommendations?format=csv&state=ZZZ")
    assert response.status_code == 400


def test_bulk_assignment_keeps_its_lead_field_apart_from_the_filter(app, db, auth, demo):
    """The bulk assignment carries the tracker's filter along; its own `lead` field is the
    organisation to assign. A `lead` filter must neither replace that field nor be replaced by
    it (which would assign other rows than the ones shown)."""
    jchk = demo["jchk"]
    unison = db.session.scalars(select(Organisation).where(
        Organisation.short_name == "Unison")).one()
    led_by_jchk = set(db.session.scalars(select(FollowUpPlan.recommendation_id).where(
        FollowUpPlan.lead_organisation_id == jchk.id)))
    login(auth, "coordinator@example.org")
    tracker_html = auth.client.get(f"/tracker?lead={jchk.id}").get_data(as_text=True)
    assert f'name="filter_lead" value="{jchk.id}"' in tracker_html
    response = auth.client.get(f"/followup/bulk?scope=all&filter_lead={jchk.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'name="filter_lead" value="{jchk.id}"' in html
    # Choose Unison as the new lead; the filter (led by JCHK) still selects the same rows.
    data = {"scope": "all", "filter_lead": str(jchk.id), "lead": str(unison.id),
            "priority": "medium", "due_on": ""}
    response = auth.post("/followup/bulk", data)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    text = html_lib.unescape(response.get_data(as_text=True))
    assert f"existing plans reassigned to {unison.name}" in text or (
        f"existing plan reassigned to {unison.name}" in text)
    response = auth.post("/followup/bulk", {**data, "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert set(db.session.scalars(select(FollowUpPlan.recommendation_id).where(
        FollowUpPlan.lead_organisation_id == unison.id))) >= led_by_jchk
    assert db.session.scalar(select(func.count()).select_from(FollowUpPlan).where(
        FollowUpPlan.lead_organisation_id == jchk.id)) == 0
    assert page_of(auth.client, f"lead={jchk.id}").total == 0


def test_a_data_package_describes_the_lead_filter_only_where_applied(app, db, demo):
    """The data package's filter description names the lead organisation for a member; for
    the public audience, where the facet is not applied, it neither says nor echoes it."""
    from werkzeug.datastructures import MultiDict

    from coalition.exports.datapackage import describe_filters
    from coalition.exports.services import filters_from_args

    jchk = demo["jchk"]
    args = MultiDict([("lead", str(jchk.id)), ("lead", "none"), ("territory", "Hong Kong")])
    with app.test_request_context("/"):
        query, words = describe_filters(filters_from_args(args, "coalition"))
        assert f"lead={jchk.id}" in query and "lead=none" in query
        assert "lead organisation: Justice Centre Hong Kong or no lead organisation" in words
        query, words = describe_filters(filters_from_args(args, "public"))
        assert "lead" not in query and "lead" not in words
        assert words == "territory: Hong Kong"
