"""A recommendation's page: its timeline of government responses and organisations'
assessments, who may add to it, what is refused, and evidence that renders inert."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import docx
import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.recommendations.models import Assessment, Recommendation, Response
from coalition.recommendations.services import import_file
from coalition.reviews.models import Review
from coalition.reviews.services import create_review

MATRIX_HEADER = ["Recommendation", "Position", "Full list of themes",
                 "Assessment/comments on level of implementation"]
SOURCE = "\nSource of position: A/HRC/40/6/Add.1 - Para. 2"
THEMES = ("D51 Administration of justice & fair trial\n"
          "S16 SDG 16 - peace, justice and strong institutions\n"
          "Affected persons:\n- general")
ROWS = [
    ("28.343 Uphold the rights, freedoms and rule of law embodied in the one country, two "
     "systems framework for Hong Kong (Australia);" + SOURCE, "Supported", THEMES),
    ("28.344 Guarantee freedom of the press in Hong Kong (Philippines)." + SOURCE,
     "Supported", THEMES),
    ("28.14 Establish a national human rights institution (Niger)." + SOURCE, "Noted", THEMES),
]


def matrix_docx(rows: list[tuple[str, str, str]]) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=1, cols=4)
    for cell, value in zip(table.rows[0].cells, MATRIX_HEADER, strict=True):
        cell.text = value
    for recommendation, position, themes in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = recommendation, position, themes
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def review(app: Any, db: Any) -> Review:
    review = create_review(None, "CHN", 3, session=31, report_symbol="A/HRC/40/6",
                           responses_symbol="A/HRC/40/6/Add.1")
    import_file(None, "matrix.docx", matrix_docx(ROWS), review)
    db.session.commit()
    return review


@pytest.fixture
def rec(db: Any, review: Review) -> Recommendation:
    return db.session.execute(select(Recommendation).where(
        Recommendation.paragraph == "28.343")).scalar_one()


def written(db: Any) -> tuple[int, int, int]:
    """Responses, assessments and audit events in the database now."""
    db.session.expire_all()
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (Response, Assessment, AuditEvent))  # type: ignore[return-value]


def page_of(client: Any, rec: Recommendation) -> str:
    response = client.get(f"/recommendations/{rec.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def tracker_html(client: Any, query: str) -> str:
    response = client.get(f"/tracker?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def facet_count(html: str, name: str, value: str) -> int | None:
    match = re.search(rf'name="{name}" value="{re.escape(value)}" ?(?:checked)?> [^<]*'
                      r'<span class="count">\((\d+)\)</span>', html)
    return int(match.group(1)) if match else None


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<small id="{field}-error" class="field-error" role="alert">([^<]+)',
                      html)
    assert match, f"no error message on the field {field}"
    return match.group(1)


def test_page_shows_the_recommendation_and_its_timeline(client, auth, world, rec):
    auth.login("viewer@example.org")
    html = page_of(client, rec)
    assert "Recommendation 28.343" in html
    assert "one country, two systems framework for Hong Kong" in html
    assert ">Australia</a>" in html
    assert 'class="badge position-supported">Supported</span>' in html
    assert "D51 Administration of justice" in html
    assert "Hong Kong" in re.search(r"<dt>Territories</dt><dd>([^<]*)</dd>", html).group(1)
    timeline = html[html.index('id="timeline"'):]
    assert "Addendum to the Working Group report" in timeline
    assert "Source: A/HRC/40/6/Add.1 - Para. 2" in timeline
    assert client.get("/recommendations/999999").status_code == 404


@pytest.mark.parametrize("email", ["viewer@example.org", "researcher@example.org"])
def test_readers_see_no_forms_and_cannot_post(client, auth, world, rec, db, email):
    auth.login(email)
    html = page_of(client, rec)
    for form in ("Record an implementation assessment", "Record a government statement",
                 "Edit territories", f"/recommendations/{rec.id}/assessments",
                 f"/recommendations/{rec.id}/responses"):
        assert form not in html
    before = written(db)
    assert auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.org.id, "status": "fully",
        "assessed_on": "2021-01-01"}).status_code == 403
    assert auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "legco", "position": "noted", "responded_on": "2021-01-01"}).status_code == 403
    assert auth.post(f"/recommendations/{rec.id}/territories",
                     data={"territories": "Macao"}).status_code == 403
    assert written(db) == before


def test_a_later_response_moves_the_position(client, auth, world, rec, db):
    auth.login("steering@example.org")
    html = page_of(client, rec)
    assert "Record a government statement" in html
    assert facet_count(tracker_html(client, ""), "position", "noted") == 1

    response = auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "legco", "responded_on": "2021-03-17", "position": "noted",
        "words": "The Government considers the existing framework sufficient.",
        "source": "LegCo paper CB(2)123/21", "url": "https://www.legco.gov.hk/paper"})
    assert response.status_code == 302
    html = page_of(client, rec)
    current = re.search(r"<dt>Current position</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert "Noted" in current and "existing framework sufficient" in current
    timeline = html[html.index('id="timeline"'):]
    addendum = timeline.index("Addendum to the Working Group report")
    legco = timeline.index("Legislative Council answer</strong>, 17 Mar 2021")
    assert addendum < legco  # oldest first
    assert 'href="https://www.legco.gov.hk/paper"' in timeline

    # The tracker's position facet and filter follow the new position.
    tracker = tracker_html(client, "")
    assert facet_count(tracker, "position", "noted") == 2
    assert facet_count(tracker, "position", "supported") == 1
    assert ">28.343</strong>" in tracker_html(client, "position=noted")
    assert ">28.343</strong>" not in tracker_html(client, "position=supported")

    # A statement dated earlier does not override a later one.
    assert auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "midterm", "responded_on": "2019-01-10", "position": "supported",
        "source": "Mid-term report"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).position == "noted"

    history = client.get(f"/recommendations/{rec.id}/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert text.count("response.create") == 2
    assert "supported → noted" in text
    assert "Legislative Council answer: noted" in text


def test_the_current_position_names_the_source_of_its_words(client, auth, world, rec, db):
    """Walk of issue 10: after a LegCo answer the page showed its words with the UN addendum's
    source ("(A/HRC/40/6/Add.1 - Para. 2)"), and exports wrote the same pair. The words and the
    source of the current position come from one statement; re-importing the matrix (which
    speaks for the addendum) changes neither."""
    from coalition.recommendations import services

    services.add_response(world.users["steering"], rec, "legco", "noted", date(2021, 3, 17),
                          "The Government considers the existing framework sufficient.",
                          "LegCo paper CB(2)123/21")
    db.session.commit()
    auth.login("viewer@example.org")
    current = re.search(r"<dt>Current position</dt><dd>(.*?)</dd>", page_of(client, rec),
                        re.S).group(1)
    assert "existing framework sufficient" in current
    assert "(LegCo paper CB(2)123/21)" in current and "A/HRC/40/6/Add.1" not in current
    export = client.get("/exports/recommendations?format=csv").get_data(as_text=True)
    row = next(line for line in export.splitlines() if "28.343" in line)
    assert "LegCo paper CB(2)123/21" in row and "A/HRC/40/6/Add.1 - Para. 2" not in row

    # The same matrix again: nothing changes, the LegCo answer stays the current position.
    report = import_file(None, "matrix.docx", matrix_docx(ROWS), rec.review)
    db.session.commit()
    assert (report.created, report.updated) == (0, 0)
    db.session.expire_all()
    again = db.session.get(Recommendation, rec.id)
    assert (again.position, again.position_source) == ("noted", "LegCo paper CB(2)123/21")
    # A corrected source in the file corrects the addendum, not the current position.
    fixed = [(ROWS[0][0].replace("Para. 2", "Para. 3"), *ROWS[0][1:]), *ROWS[1:]]
    report = import_file(None, "matrix.docx", matrix_docx(fixed), rec.review)
    db.session.commit()
    assert report.updated == 1
    db.session.expire_all()
    addendum = db.session.scalars(select(Response).where(
        Response.recommendation_id == rec.id, Response.kind == "addendum")).one()
    assert addendum.source == "A/HRC/40/6/Add.1 - Para. 3"
    assert db.session.get(Recommendation, rec.id).position_source == "LegCo paper CB(2)123/21"


def test_response_form_refuses_bad_input(client, auth, world, rec, db):
    auth.login("steering@example.org")
    before = written(db)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "legco", "responded_on": tomorrow, "position": "noted"})
    assert response.status_code == 400
    assert "cannot be in the future" in field_error(response.get_data(as_text=True),
                                                    "responded_on")
    response = auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "legco", "responded_on": "2021-03-17", "position": "withdrawn"})
    assert response.status_code == 400
    assert "Not a valid choice" in field_error(response.get_data(as_text=True), "position")
    for malformed, message in (("17/03/2021", "Not a valid date"), ("", "required")):
        response = auth.post(f"/recommendations/{rec.id}/responses", data={
            "kind": "legco", "responded_on": malformed, "position": "noted"})
        assert response.status_code == 400
        assert message in field_error(response.get_data(as_text=True), "responded_on")
    assert written(db) == before
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).position == "supported"


def test_non_steering_editor_cannot_record_a_response(client, auth, world, rec, db):
    auth.login("editor@example.org")
    before = written(db)
    response = auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "legco", "responded_on": "2021-03-17", "position": "noted"})
    assert response.status_code == 403
    assert written(db) == before


def test_editor_records_an_assessment_for_their_organisation(client, auth, world, rec, db,
                                                             make_user):
    auth.login("editor@example.org")
    html = page_of(client, rec)
    assert "Record an implementation assessment" in html
    options = re.search(r'<select[^>]*name="organisation"[^>]*>(.*?)</select>', html, re.S)
    assert options and "Owning Organisation" in options.group(1)
    assert "Other Organisation" not in options.group(1)

    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.org.id, "status": "partially", "assessed_on": "2021-06-30",
        "evidence": "Some **training** took place.",
        "source_links": "https://example.org/report"})
    assert response.status_code == 302
    html = page_of(client, rec)
    timeline = html[html.index('id="timeline"'):]
    assert "Assessment by Owning Organisation</strong>, 30 Jun 2021" in timeline
    assert "<strong>Partially implemented</strong>" in timeline
    assert "<strong>training</strong>" in timeline
    assert 'href="https://example.org/report"' in timeline
    latest = re.search(r"<dt>Latest assessment</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert "Partially implemented" in latest and "Owning Organisation" in latest

    tracker = tracker_html(client, "")
    assert ("latest assessment: <strong>Partially implemented</strong> by Owning Organisation "
            "(30 Jun 2021)") in tracker
    assert facet_count(tracker, "status", "partially") == 1
    assert facet_count(tracker, "status", "none") == 2
    assert facet_count(tracker, "assessed_by", str(world.org.id)) == 1
    assert ">28.343</strong>" in tracker_html(client, f"assessed_by={world.org.id}")
    assert ">28.343</strong>" not in tracker_html(client, "status=none")
    auth.logout()

    # An older assessment by another organisation does not displace the latest one...
    auth.login("oeditor@example.org")
    assert auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.other.id, "status": "not_implemented",
        "assessed_on": "2020-01-15"}).status_code == 302
    assert "by Owning Organisation (30 Jun 2021)" in tracker_html(client, "")
    # ... a newer one does, and names its organisation.
    assert auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.other.id, "status": "regressed",
        "assessed_on": "2022-02-01"}).status_code == 302
    tracker = tracker_html(client, "")
    assert ("latest assessment: <strong>Regressed</strong> by Other Organisation "
            "(1 Feb 2022)") in tracker
    assert facet_count(tracker, "assessed_by", str(world.org.id)) == 1
    assert facet_count(tracker, "assessed_by", str(world.other.id)) == 1
    html = page_of(client, rec)
    timeline = html[html.index('id="timeline"'):]
    assert timeline.count("Assessment by") == 3
    assert (timeline.index("15 Jan 2020") < timeline.index("30 Jun 2021")
            < timeline.index("1 Feb 2022"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("status", "done", "Not a valid choice"),
    ("assessed_on", "tomorrow", "cannot be in the future"),  # worked out when the test runs
    ("assessed_on", "2021-13-45", "Not a valid date"),
    ("assessed_on", "", "This field is required"),
    ("source_links", "javascript:alert(1)", "Not a web link"),
])
def test_assessment_form_refuses_bad_input(client, auth, world, rec, db, field, value,
                                           message):
    auth.login("editor@example.org")
    before = written(db)
    if value == "tomorrow":  # not at collection: a run that passes midnight failed here
        value = (date.today() + timedelta(days=1)).isoformat()
    data = {"organisation": world.org.id, "status": "partially", "assessed_on": "2021-06-30",
            field: value}
    response = auth.post(f"/recommendations/{rec.id}/assessments", data=data)
    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), field)
    assert written(db) == before
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).latest_status is None


def test_editor_cannot_assess_on_behalf_of_another_organisation(client, auth, world, rec, db):
    auth.login("editor@example.org")
    before = written(db)
    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.other.id, "status": "fully", "assessed_on": "2021-06-30"})
    assert response.status_code in (400, 403)
    assert written(db) == before
    auth.logout()
    # A viewer of an organisation may not assess for it either.
    auth.login("oviewer@example.org")
    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.other.id, "status": "fully", "assessed_on": "2021-06-30"})
    assert response.status_code == 403
    assert written(db) == before


def test_coordinator_may_assess_for_any_organisation(client, auth, world, rec, db):
    auth.login("coordinator@example.org")
    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.other.id, "status": "fully", "assessed_on": "2021-06-30"})
    assert response.status_code == 302
    db.session.expire_all()
    (assessment,) = db.session.scalars(select(Assessment))
    assert assessment.organisation_id == world.other.id and assessment.status == "fully"


def test_evidence_markdown_renders_inert(client, auth, world, rec, db):
    auth.login("editor@example.org")
    evidence = ("Findings in **bold**.\n\n<script>alert(1)</script>\n\n"
                '<iframe src="https://evil.example/"></iframe>\n\n'
                "[x](javascript:alert(1)) and <a href=\"javascript:alert(2)\">y</a> and "
                '<img src=x onerror="alert(3)">')
    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.org.id, "status": "unclear", "assessed_on": "2021-06-30",
        "evidence": evidence})
    assert response.status_code == 302
    html = page_of(client, rec)
    evidence_html = re.search(r'<div class="evidence">(.*?)</div>', html, re.S).group(1)
    assert "<strong>bold</strong>" in evidence_html
    assert "<script" not in evidence_html.lower()
    assert "<iframe" not in html.lower()
    assert "javascript:" not in html.lower()
    assert "onerror" not in html.lower()
    assert "alert(1)</script>" not in html
    # The stored text is the editor's, unchanged: sanitising happens on display.
    db.session.expire_all()
    assert db.session.scalars(select(Assessment.evidence)).one() == evidence


def test_steering_edits_territories(client, auth, world, rec, db):
    auth.login("steering@example.org")
    assert auth.post(f"/recommendations/{rec.id}/territories",
                     data={"territories": ["Hong Kong", "Macao"]}).status_code == 302
    tracker = tracker_html(client, "")
    assert facet_count(tracker, "territory", "Macao") == 1
    assert ">28.343</strong>" in tracker_html(client, "territory=Macao")
    history = client.get(f"/recommendations/{rec.id}/history").get_data(as_text=True)
    assert "territories" in history


def test_history_is_for_members_only(client, auth, world, rec):
    auth.login("researcher@example.org")
    assert "History of changes" not in page_of(client, rec)
    assert client.get(f"/recommendations/{rec.id}/history").status_code == 403
    auth.logout()
    auth.login("viewer@example.org")
    assert "History of changes" in page_of(client, rec)
    assert client.get(f"/recommendations/{rec.id}/history").status_code == 200
