"""Who reads an assessment (issue 10), as each reader notices it.

An assessment is visible to its own organisation, the coalition (the default) or the public.
Researchers and the anonymous public tracker see only public ones: not on the recommendation's
page, not in the tracker's rows, not in its facet counts; members see the coalition's and their
own organisation's; an organisation's private assessment appears only on the recommendation's
page of that organisation's members and the coordinator. Its organisation's editors (and the
coordinator) change who reads it; nobody else can, and a refused change changes nothing.

Fixtures: China's review with 28.343, 28.344 (Hong Kong) and 28.14 (tests/test_recommendations);
world.org ("Owning Organisation") and world.other ("Other Organisation").
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from coalition.access import visible_assessments
from coalition.audit.models import AuditEvent
from coalition.extensions import db
from coalition.recommendations.models import Assessment, Recommendation
from coalition.recommendations.services import add_assessment
from tests import test_recommendations as recommendations
from tests.conftest import AuthActions
from tests.test_access_matrix import database_state

# China's review with 28.343, 28.344 and 28.14; `rec` is 28.343.
review = recommendations.review
rec = recommendations.rec

RESULT_RE = re.compile(r'<a href="/recommendations/\d+(?:\?back=[^"]*)?"><strong>([^<]+)'
                       r'</strong></a>.*?</article>', re.S)
STATUS_FACET_RE = re.compile(r'name="status" value="(\w+)" ?(?:checked)?> [^<]*'
                             r'<span class="count">\((\d+)\)</span>')
TOTAL_RE = re.compile(r"<strong>(\d+)</strong> recommendations?</p>")

COALITION_EVIDENCE = "The coalition's own reading of the ordinance"
PRIVATE_EVIDENCE = "Our interview notes, not for sharing"
PUBLIC_EVIDENCE = "Published in the mid-term report"


def person(app: Flask, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302, email
    return auth


def html_of(auth: AuthActions, path: str, language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = auth.client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return html_lib.unescape(response.get_data(as_text=True))


def latest_line(page: str) -> str:
    """The recommendation page's "Latest assessment" fact, as text."""
    match = re.search(r"<dt>Latest assessment</dt><dd>(.*?)</dd>", page, re.S)
    assert match, "no Latest assessment on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def timeline(page: str) -> str:
    return page[page.index('id="timeline"'):]


def rows(page: str) -> dict[str, str]:
    """The tracker's result rows: paragraph -> the row's text."""
    return {m.group(1): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0)))
            for m in RESULT_RE.finditer(page)}


def status_facet(page: str) -> dict[str, int]:
    return {value: int(count) for value, count in STATUS_FACET_RE.findall(page)}


def assess(rec: Recommendation, visibility: str, status: str = "partially",
           evidence: str = COALITION_EVIDENCE, org: Any = None, author: Any = None,
           when: date = date(2021, 6, 1)) -> int:
    assessment = add_assessment(author, rec, org, status, when, evidence,
                                visibility=visibility)
    db.session.commit()
    return assessment.id


@pytest.fixture
def own_assessment(world: Any, rec: Recommendation) -> Any:
    """`own_assessment(visibility, ...)`: world.org's editor assesses 28.343."""
    def make(visibility: str, **kwargs: Any) -> int:
        return assess(rec, visibility, org=world.org, author=world.users["editor"], **kwargs)
    return make


def set_visibility(auth: AuthActions, assessment_id: int, visibility: str) -> Any:
    return auth.post(f"/assessments/{assessment_id}/visibility",
                     data={f"a{assessment_id}-visibility": visibility})


# --- researchers: public assessments only ---------------------------------------------------------

def test_researcher_sees_no_coalition_assessment_anywhere(app, world, rec, own_assessment):
    own_assessment("coalition")
    researcher = person(app, "researcher@example.org")
    page = html_of(researcher, f"/recommendations/{rec.id}")
    assert latest_line(page) == "Not assessed yet"
    assert COALITION_EVIDENCE not in page and "Partially implemented" not in page
    assert "Assessment by Owning Organisation" not in timeline(page)

    tracker = html_of(researcher, "/tracker")
    assert "Partially implemented" not in rows(tracker)["28.343"]
    assert "not assessed yet" in rows(tracker)["28.343"]
    assert status_facet(tracker) == {"none": 3}
    # A researcher who asks for it by the URL finds nothing, and "Not assessed" has it.
    assert rows(html_of(researcher, "/tracker?status=partially")) == {}
    assert "28.343" in rows(html_of(researcher, "/tracker?status=none"))
    assessed_by = f'name="assessed_by" value="{world.org.id}"'
    assert assessed_by not in tracker

    # A member of another organisation sees it, in the page, the row and the counts.
    member = person(app, "oviewer@example.org")
    page = html_of(member, f"/recommendations/{rec.id}")
    assert latest_line(page).startswith("Partially implemented by Owning Organisation")
    assert COALITION_EVIDENCE in timeline(page)
    tracker = html_of(member, "/tracker")
    assert "Partially implemented" in rows(tracker)["28.343"]
    assert status_facet(tracker) == {"none": 2, "partially": 1}


def test_researcher_sees_a_public_assessment_and_not_a_later_coalition_one(
        app, world, rec, own_assessment):
    own_assessment("public", status="not_implemented", evidence=PUBLIC_EVIDENCE,
                   when=date(2020, 1, 1))
    own_assessment("coalition", status="fully", when=date(2022, 1, 1))
    researcher = person(app, "researcher@example.org")
    page = html_of(researcher, f"/recommendations/{rec.id}")
    assert latest_line(page).startswith("Not implemented by Owning Organisation")
    assert PUBLIC_EVIDENCE in timeline(page)
    assert COALITION_EVIDENCE not in page and "Fully implemented" not in page
    tracker = html_of(researcher, "/tracker")
    assert "latest assessment: Not implemented by Owning Organisation" in rows(
        tracker)["28.343"]
    assert status_facet(tracker) == {"none": 2, "not_implemented": 1}
    # The coalition reads the later one.
    member = person(app, "viewer@example.org")
    assert latest_line(html_of(member, f"/recommendations/{rec.id}")).startswith(
        "Fully implemented by Owning Organisation")
    assert status_facet(html_of(member, "/tracker")) == {"none": 2, "fully": 1}


def facet_and_rows_agree(auth: AuthActions) -> dict[str, int]:
    """Each status count of the tracker's facet is the number of rows its filter shows; returns
    the counts."""
    counts = status_facet(html_of(auth, "/tracker"))
    for value, count in counts.items():
        filtered = html_of(auth, f"/tracker?status={value}")
        assert len(rows(filtered)) == count, (value, count, list(rows(filtered)))
    return counts


def test_changing_visibility_updates_the_tracker_for_researchers(app, world, rec,
                                                                 own_assessment):
    assessment_id = own_assessment("coalition")
    editor = person(app, "editor@example.org")
    researcher = person(app, "researcher@example.org")
    assert facet_and_rows_agree(researcher) == {"none": 3}

    response = set_visibility(editor, assessment_id, "public")
    assert response.status_code == 302
    assert facet_and_rows_agree(researcher) == {"none": 2, "partially": 1}
    assert "Partially implemented by Owning Organisation" in rows(
        html_of(researcher, "/tracker?status=partially"))["28.343"]
    page = html_of(researcher, f"/recommendations/{rec.id}")
    assert latest_line(page).startswith("Partially implemented by Owning Organisation")
    assert COALITION_EVIDENCE in timeline(page)
    assert "Visible to: Public" in timeline(page)

    # Back to the coalition: gone again for the researcher, kept for members.
    assert set_visibility(editor, assessment_id, "coalition").status_code == 302
    assert facet_and_rows_agree(researcher) == {"none": 3}
    assert facet_and_rows_agree(person(app, "oviewer@example.org")) == {
        "none": 2, "partially": 1}
    # Kept to world.org: members of other organisations lose it too.
    assert set_visibility(editor, assessment_id, "organisation").status_code == 302
    assert facet_and_rows_agree(person(app, "oviewer@example.org")) == {"none": 3}
    assert facet_and_rows_agree(editor) == {"none": 3}  # only on the page, even for its own


# --- an organisation's private assessment -------------------------------------------------------

def test_private_assessment_is_read_by_its_organisation_and_the_coordinator_only(
        app, world, rec, own_assessment):
    own_assessment("organisation", status="regressed", evidence=PRIVATE_EVIDENCE)
    for email in ("viewer@example.org", "editor@example.org", "admin@example.org",
                  "coordinator@example.org"):
        page = html_of(person(app, email), f"/recommendations/{rec.id}")
        assert PRIVATE_EVIDENCE in timeline(page), email
        assert "Visible to: Own organisation only" in timeline(page), email
        assert "Regressed" in timeline(page), email
    for email in ("oviewer@example.org", "oeditor@example.org", "oadmin@example.org",
                  "steering@example.org", "researcher@example.org"):
        auth = person(app, email)
        page = html_of(auth, f"/recommendations/{rec.id}")
        assert PRIVATE_EVIDENCE not in page, email
        assert "Regressed" not in timeline(page).split("</ol>")[0], email
        assert latest_line(page) == "Not assessed yet", email
        tracker = html_of(auth, "/tracker")
        assert all("Regressed" not in row for row in rows(tracker).values()), email
        assert status_facet(tracker) == {"none": 3}, email


def test_visible_assessments_matches_what_the_page_shows(app, world, rec):
    """coalition.access.visible_assessments, the condition exports and the API use."""
    ids = {v: assess(rec, v, org=world.org, author=world.users["editor"])
           for v in ("organisation", "coalition", "public")}
    other_private = assess(rec, "organisation", org=world.other,
                           author=world.users["other_editor"])

    def visible(role: str | None) -> set[int]:
        from flask_login import AnonymousUserMixin
        user = AnonymousUserMixin() if role is None else world.users[role]
        return set(db.session.scalars(select(Assessment.id).where(visible_assessments(user))))

    everything = {*ids.values(), other_private}
    assert visible("coordinator") == everything
    assert visible("viewer") == set(ids.values())
    assert visible("other_viewer") == {ids["coalition"], ids["public"], other_private}
    assert visible("steering") == {ids["coalition"], ids["public"]}
    assert visible("researcher") == visible(None) == visible("no_org") == {ids["public"]}


# --- who changes the visibility -----------------------------------------------------------------

@pytest.mark.parametrize("email", ["viewer@example.org", "oeditor@example.org",
                                   "oadmin@example.org", "steering@example.org",
                                   "researcher@example.org"])
def test_only_its_editors_change_who_reads_it(app, world, rec, own_assessment, email):
    assessment_id = own_assessment("coalition")
    auth = person(app, email)
    page = html_of(auth, f"/recommendations/{rec.id}")
    assert "Save who may read it" not in page
    db.session.commit()
    before = database_state()
    for visibility in ("public", "organisation"):
        assert set_visibility(auth, assessment_id, visibility).status_code == 403
    assert database_state() == before
    db.session.expire_all()
    assert db.session.get(Assessment, assessment_id).visibility == "coalition"


def test_editors_and_the_coordinator_change_it_with_the_form_on_the_page(
        app, world, rec, own_assessment):
    assessment_id = own_assessment("coalition")
    for email, visibility in (("editor@example.org", "public"),
                              ("admin@example.org", "organisation"),
                              ("coordinator@example.org", "coalition")):
        auth = person(app, email)
        page = html_of(auth, f"/recommendations/{rec.id}")
        assert "Save who may read it" in page
        assert f'name="a{assessment_id}-visibility"' in page
        response = set_visibility(auth, assessment_id, visibility)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"#assessment-{assessment_id}")
        db.session.expire_all()
        assert db.session.get(Assessment, assessment_id).visibility == visibility
    # A value not in the list changes nothing.
    editor = person(app, "editor@example.org")
    db.session.commit()
    before = database_state()
    response = set_visibility(editor, assessment_id, "everyone")
    assert response.status_code == 302 and database_state() == before
    # Without the CSRF token: refused.
    response = editor.client.post(f"/assessments/{assessment_id}/visibility",
                                  data={f"a{assessment_id}-visibility": "public"})
    assert response.status_code == 400 and database_state() == before


def test_the_assessment_form_records_the_visibility_chosen(app, world, rec):
    editor = person(app, "editor@example.org")
    page = html_of(editor, f"/recommendations/{rec.id}")
    field = re.search(r'<select[^>]*name="visibility"[^>]*>(.*?)</select>', page, re.S)
    assert field, "no visibility field in the assessment form"
    options = re.findall(r'<option([^>]*)value="(\w+)"([^>]*)>([^<]+)</option>',
                         field.group(1))
    assert [(value, label) for _a, value, _b, label in options] == [
        ("organisation", "Own organisation only"), ("coalition", "The coalition"),
        ("public", "Public")]
    assert any("selected" in a + b for a, value, b, _l in options if value == "coalition")
    response = editor.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": str(world.org.id), "status": "fully", "assessed_on": "2021-01-01",
        "evidence": PRIVATE_EVIDENCE, "source_links": "", "visibility": "organisation"})
    assert response.status_code == 302
    assessment = db.session.scalars(select(Assessment)).one()
    assert (assessment.visibility, assessment.status) == ("organisation", "fully")
    other = html_of(person(app, "oviewer@example.org"), f"/recommendations/{rec.id}")
    assert PRIVATE_EVIDENCE not in other
    response = editor.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": str(world.org.id), "status": "fully", "assessed_on": "2021-01-01",
        "evidence": "", "source_links": "", "visibility": "everyone"})
    assert response.status_code == 400
    assert db.session.scalars(select(Assessment)).all() == [assessment]


# --- the audit trail ------------------------------------------------------------------------------

def test_the_change_is_audited_and_named_in_both_languages(app, db, world, rec, own_assessment):
    assessment_id = own_assessment("coalition")
    editor = person(app, "editor@example.org")
    assert set_visibility(editor, assessment_id, "public").status_code == 302
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "assessment.visibility")).one()
    assert event.changes == {"visibility": ["coalition", "public"]}
    assert event.organisation_id == world.org.id
    assert event.actor_id == world.users["editor"].id

    history = html_of(editor, f"/recommendations/{rec.id}/history")
    assert "Who may read an assessment changed" in history
    assert re.search(r"<dt[^>]*>Visible to</dt><dd[^>]*>The coalition → Public</dd>", history)
    coordinator = person(app, "coordinator@example.org")
    log = html_of(coordinator, "/audit")
    assert "Visible to" in log and "The coalition → Public" in log

    world.users["editor"].locale = "zh_Hant"
    db.session.commit()
    history = html_of(editor, f"/recommendations/{rec.id}/history", "zh-HK")
    assert '<html lang="zh-Hant">' in history
    assert re.search(r"<dt[^>]*>可見範圍</dt><dd[^>]*>聯盟 → 公開</dd>", history), history
    assert "Visible to" not in history and "Who may read an assessment changed" not in history


def test_history_hides_another_organisations_private_assessment(app, db, world, rec,
                                                                own_assessment):
    """The recommendation's history (members' page) named the private assessment's status,
    date and organisation to every member: it shows them only to that organisation's members
    and the coordinator."""
    own_assessment("organisation", status="regressed", when=date(2021, 3, 4))
    public_id = assess(rec, "public", status="fully", org=world.other,
                       author=world.users["other_editor"], when=date(2022, 5, 6))
    for email, sees_private in (("viewer@example.org", True), ("coordinator@example.org", True),
                                ("oviewer@example.org", False),
                                ("steering@example.org", False)):
        history = html_of(person(app, email), f"/recommendations/{rec.id}/history")
        assert ("Regressed" in history) is sees_private, email
        assert ("2021-03-04" in history) is sees_private, email
        # The other organisation's public assessment stays in everyone's history.
        assert "Fully implemented" in history, email
    assert public_id


def test_history_hides_an_assessment_made_private_after_it_was_recorded(app, db, world, rec,
                                                                       own_assessment):
    assessment_id = own_assessment("coalition", status="regressed")
    member = person(app, "oviewer@example.org")
    assert "Regressed" in html_of(member, f"/recommendations/{rec.id}/history")
    editor = person(app, "editor@example.org")
    assert set_visibility(editor, assessment_id, "organisation").status_code == 302
    assert "Regressed" not in html_of(member, f"/recommendations/{rec.id}/history")
    assert "Regressed" in html_of(editor, f"/recommendations/{rec.id}/history")
    # Made visible again: back in the other members' history.
    assert set_visibility(editor, assessment_id, "coalition").status_code == 302
    assert "Regressed" in html_of(member, f"/recommendations/{rec.id}/history")


# --- the public tracker ---------------------------------------------------------------------------

def test_the_public_tracker_shows_public_assessments_only(app, client, world, rec,
                                                          own_assessment):
    own_assessment("organisation", status="regressed", evidence=PRIVATE_EVIDENCE,
                   when=date(2022, 1, 1))
    own_assessment("coalition", status="fully", evidence=COALITION_EVIDENCE,
                   when=date(2021, 1, 1))
    own_assessment("public", status="not_implemented", evidence=PUBLIC_EVIDENCE,
                   when=date(2020, 1, 1))
    app.config["PUBLIC_TRACKER"] = True
    anonymous = AuthActions(client)
    tracker = html_of(anonymous, "/tracker")
    assert "latest assessment: Not implemented by Owning Organisation" in rows(
        tracker)["28.343"]
    assert "Fully implemented" not in tracker and "Regressed" not in tracker
    assert status_facet(tracker) == {"none": 2, "not_implemented": 1}
    assert facet_and_rows_agree(anonymous) == {"none": 2, "not_implemented": 1}
    page = html_of(anonymous, f"/recommendations/{rec.id}")
    assert latest_line(page).startswith("Not implemented by Owning Organisation")
    assert PUBLIC_EVIDENCE in timeline(page)
    assert COALITION_EVIDENCE not in page and PRIVATE_EVIDENCE not in page
    assert "Save who may read it" not in page
    # No saved views for an anonymous visitor, and no way to save one.
    assert "Saved views" not in tracker and "Save this view" not in tracker
    # Closed again: the visitor is sent to sign in.
    app.config["PUBLIC_TRACKER"] = False
    assert client.get("/tracker").status_code == 302
