"""The mid-term assessment of a review (issue 11, item 7): a steering member opens it as a
joint-statement draft; members download it as Markdown and DOCX; who may not, cannot, and
nothing is written; a review with nothing tracked says so."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import docx
import pytest
from sqlalchemy import func, select

from coalition.followup.models import AdvocacyAction, CoalitionPosition, FollowUpPlan
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import add_assessment, add_response, import_file
from coalition.reviews.models import Review
from coalition.reviews.services import create_review
from coalition.statements import services as statements
from coalition.statements.models import Statement
from tests.test_recommendations import SOURCE, matrix_docx

URL = "/reviews/chn-3/midterm-assessment"
THEMES_FREEDOM = ("D43 Freedom of opinion and expression\n"
                  "D51 Administration of justice & fair trial")
ROWS = [
    ("28.343 Uphold the rights, freedoms and rule of law embodied in the one country, two "
     "systems framework for Hong Kong (Australia);" + SOURCE, "Supported",
     "D51 Administration of justice & fair trial"),
    ("28.344 Guarantee freedom of the press in Hong Kong (Philippines)." + SOURCE, "Supported",
     THEMES_FREEDOM),
    # Text that would be Markdown structure if it were not escaped.
    ("28.14 # Establish *a* national human rights institution | <h2>now</h2> (Niger)."
     + SOURCE, "Noted", "A45 National Human Rights Institution (NHRI)"),
    ("28.20 An untracked recommendation on water (France)." + SOURCE, "Supported",
     "E41 Right to health - General"),
]


def rec(db: Any, paragraph: str) -> Recommendation:
    return db.session.execute(select(Recommendation).where(
        Recommendation.paragraph == paragraph)).scalar_one()


@pytest.fixture
def review(app: Any, db: Any, world: Any) -> Review:
    """China's review: 28.343 with a plan (a done action, an open one) and two positions, the
    newer adopting world.org's assessment; 28.344 with a position written anew and a later
    LegCo answer; 28.14 with a plan and no position; 28.20 untracked."""
    review = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6),
                           report_symbol="A/HRC/40/6", responses_symbol="A/HRC/40/6/Add.1")
    import_file(None, "matrix.docx", matrix_docx(ROWS), review)
    users, steering = world.users, world.users["steering"]
    r343, r344, r14 = rec(db, "28.343"), rec(db, "28.344"), rec(db, "28.14")
    plan = FollowUpPlan(recommendation=r343, lead_organisation=world.org,
                        supporting_organisations=[world.other], priority="high",
                        status="in_progress", due_on=date(2027, 3, 31), assigned_by=steering)
    plan.actions = [
        AdvocacyAction(kind="meeting", title="Meeting with the Security Bureau",
                       owner_organisation=world.org, due_on=date(2021, 5, 1),
                       done_on=date(2021, 5, 3),
                       outcome="Officials listened.\n# Not a heading\nNothing *promised*.",
                       links="https://example.org/minutes\nminutes kept on file"),
        AdvocacyAction(kind="media", title="An open action, not evidence yet",
                       owner_organisation=world.org, due_on=date(2021, 6, 1)),
    ]
    db.session.add(plan)
    db.session.add(FollowUpPlan(recommendation=r14, lead_organisation=world.other,
                                status="not_started", assigned_by=steering))
    older = add_assessment(users["other_editor"], r343, world.other, "partially",
                           date(2020, 1, 1), "An older view.", visibility="coalition")
    adopted = add_assessment(users["editor"], r343, world.org, "regressed", date(2021, 6, 1),
                             "Laws adopted since 2020 **go against** it.",
                             "https://example.org/report", visibility="coalition")
    db.session.add_all([
        CoalitionPosition(recommendation=r343, status="partially", adopted_on=date(2020, 2, 1),
                          reason="Superseded reason.", assessment=older,
                          adopted_by=steering, organisation=world.steering_org),
        CoalitionPosition(recommendation=r343, status="regressed", adopted_on=date(2021, 7, 1),
                          reason="The evidence of world.org is the strongest.",
                          assessment=adopted, adopted_by=steering,
                          organisation=world.steering_org),
        CoalitionPosition(recommendation=r344, status="not_implemented",
                          adopted_on=date(2021, 8, 1), reason="Written by the committee.",
                          adopted_by=steering, organisation=world.steering_org),
    ])
    add_response(steering, r344, "legco", "noted", date(2021, 3, 17), "Not accepted.",
                 "LegCo paper CB(2)123")
    db.session.commit()
    return review


def statement_count(db: Any) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count(Statement.id))).scalar_one()


def generate(auth: Any, org_id: int) -> Any:
    return auth.post(URL, {"organisation": str(org_id)})


def test_a_steering_member_opens_the_draft_as_a_joint_statement(client, auth, world, review,
                                                                 db):
    auth.login("steering@example.org")
    page = client.get("/reviews/chn-3").get_data(as_text=True)
    assert "3 recommendations of this review are tracked." in page
    assert "Open as a joint statement draft" in page
    response = generate(auth, world.steering_org.id)
    assert response.status_code == 302
    statement = db.session.scalars(select(Statement)).one()
    assert response.headers["Location"].endswith(f"/statements/{statement.id}")
    assert (statement.title, statement.kind, statement.status) == (
        "Mid-term assessment: China, cycle 3", "midterm", "draft")
    assert statement.lead_organisation_id == world.steering_org.id
    text = statements.head(statement).text
    # Per theme, in the natural order of codes; each recommendation under its first theme.
    headings = re.findall(r"^(#+) (.*)$", text, re.M)
    assert headings == [
        ("##", "A45 National Human Rights Institution (NHRI)"),
        ("###", "Recommendation 28.14"), ("####", "Evidence"),
        ("##", "D43 Freedom of opinion and expression"),
        ("###", "Recommendation 28.344"), ("####", "Reason for the position"),
        ("####", "Evidence"),
        ("##", "D51 Administration of justice & fair trial"),
        ("###", "Recommendation 28.343"), ("####", "Reason for the position"),
        ("####", "Evidence"),
    ]
    assert "untracked" not in text
    assert "**Also under:** D51 Administration of justice & fair trial" in text
    assert "**Recommended by:** Australia" in text
    # The government's latest response: the LegCo answer, not the undated addendum.
    assert ("Noted: “Not accepted.” (Legislative Council answer, LegCo paper CB(2)123, "
            "17 March 2021)") in text
    assert "**Government's latest response:** Supported (Addendum to the Working Group" in text
    # The newest position, its reason, the adopted assessment's evidence and links; the done
    # action with its outcome; not the open action, not the superseded position.
    assert "Regressed, adopted 1 July 2021 by Steering Organisation." in text
    assert "The evidence of world.org is the strongest." in text
    assert "Superseded reason" not in text and "An older view" not in text
    assert "**Assessment by Owning Organisation, 1 June 2021: Regressed**" in text
    assert "Laws adopted since 2020 **go against** it." in text
    assert "- <https://example.org/report>" in text
    assert ("**Meeting with officials: Meeting with the Security Bureau** — done 3 May 2021 "
            "by Owning Organisation") in text
    assert "An open action" not in text
    assert ("**Follow-up:** lead: Owning Organisation; supporting: Other Organisation; "
            "In progress; due 31 March 2027") in text
    # The statement opens for its drafters with the statement machinery.
    shown = client.get(f"/statements/{statement.id}").get_data(as_text=True)
    assert "Mid-term assessment: China, cycle 3" in shown
    assert "Recommendation 28.343" in shown and "Edit text" in shown


def test_a_recommendation_with_no_position_says_so(auth, world, review, db):
    auth.login("steering@example.org")
    generate(auth, world.steering_org.id)
    text = statements.head(db.session.scalars(select(Statement)).one()).text
    entry = text.split("### Recommendation 28.14")[1].split("\n## ")[0]
    assert "**Coalition position:** No coalition position adopted yet." in entry
    assert "No evidence recorded yet." in entry
    # A position written by the committee (no assessment) is the position, with its reason.
    entry = text.split("### Recommendation 28.344")[1].split("\n## ")[0]
    assert "Not implemented, adopted 1 August 2021 by Steering Organisation." in entry
    assert "Written by the committee." in entry


def test_text_that_looks_like_markdown_keeps_the_outline(auth, world, review, db):
    """A recommendation starting with '#', emphasis, a table pipe, a raw heading tag, and an
    outcome with a '#' line: the words are shown as typed, the report's headings stay its own."""
    auth.login("steering@example.org")
    generate(auth, world.steering_org.id)
    statement = db.session.scalars(select(Statement)).one()
    html = str(statements.revision_html(statements.head(statement)))
    assert "<h2>now</h2>" not in html and "<h1>" not in html
    assert ("# Establish *a* national human rights institution | &lt;h2&gt;now&lt;/h2&gt;"
            in html)
    assert "# Not a heading" in html and "<em>promised</em>" in html
    assert len(re.findall(r"<h2>", html)) == 3  # the three themes


def test_members_download_markdown_and_docx(client, auth, world, review):
    auth.login("viewer@example.org")
    md = client.get(URL + ".md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert md.headers["Content-Disposition"] == "attachment; filename=midterm-assessment-chn-3.md"
    assert md.headers["Content-Type"] == "text/markdown; charset=utf-8"
    body = md.get_data(as_text=True)
    assert "## D51 Administration of justice & fair trial" in body
    assert "No coalition position adopted yet." in body
    word = client.get(URL + ".docx")
    assert word.status_code == 200
    assert word.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(word.data))
    by_style: dict[str, list[str]] = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Heading 1"] == ["Mid-term assessment: China, cycle 3"]
    assert by_style["Heading 2"] == ["A45 National Human Rights Institution (NHRI)",
                                     "D43 Freedom of opinion and expression",
                                     "D51 Administration of justice & fair trial"]
    assert by_style["Heading 3"] == ["Recommendation 28.14", "Recommendation 28.344",
                                     "Recommendation 28.343"]
    words = "\n".join(p.text for p in document.paragraphs)
    assert "# Establish *a* national human rights institution | <h2>now</h2>" in words
    assert "No coalition position adopted yet." in words
    assert "Laws adopted since 2020 go against it." in words
    assert "Recommended by: Philippines" in words
    # The review page links both downloads for members.
    page = client.get("/reviews/chn-3").get_data(as_text=True)
    assert URL + ".md" in page and URL + ".docx" in page
    assert "Open as a joint statement draft" not in page


@pytest.mark.parametrize("email", ["viewer@example.org", "editor@example.org",
                                   "oadmin@example.org", "researcher@example.org"])
def test_who_may_not_generate_gets_403_and_nothing_is_created(client, auth, world, review, db,
                                                              email):
    auth.login(email)
    response = generate(auth, world.org.id)
    assert response.status_code == 403
    assert statement_count(db) == 0
    page = client.get("/reviews/chn-3").get_data(as_text=True)
    assert "Open as a joint statement draft" not in page


def test_researchers_and_visitors_do_not_download(client, auth, world, review):
    auth.login("researcher@example.org")
    assert client.get(URL + ".md").status_code == 403
    assert client.get(URL + ".docx").status_code == 403
    assert "Mid-term assessment" not in client.get("/reviews/chn-3").get_data(as_text=True)
    auth.logout()
    response = client.get(URL + ".md")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_organisation_the_member_does_not_draft_for_is_a_field_error(client, auth, world,
                                                                         review, db):
    auth.login("steering@example.org")
    response = generate(auth, world.org.id)  # not theirs
    assert response.status_code == 400
    assert "Drafted by" in response.get_data(as_text=True)
    assert statement_count(db) == 0


def test_a_review_with_nothing_tracked_says_so_and_creates_nothing(client, auth, world, db):
    review = create_review(None, "CHN", 3, session=31)
    import_file(None, "matrix.docx", matrix_docx(ROWS[:1]), review)
    db.session.commit()
    auth.login("steering@example.org")
    message = "No recommendation of this review is tracked yet"
    assert message in client.get("/reviews/chn-3").get_data(as_text=True)
    response = generate(auth, world.steering_org.id)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert statement_count(db) == 0
    download = client.get(URL + ".docx", follow_redirects=True)
    assert download.request.path == URL and message in download.get_data(as_text=True)


def test_the_coordinator_drafts_for_a_steering_organisation(client, auth, world, review, db):
    auth.login("coordinator@example.org")
    assert generate(auth, world.steering_org.id).status_code == 302
    assert statement_count(db) == 1


def test_the_draft_is_in_the_generating_users_language(client, auth, world, review, db):
    """Headings in the language of who generates; the UN's words as they are."""
    world.users["steering"].locale = "zh_Hant"
    db.session.commit()
    auth.login("steering@example.org")
    assert generate(auth, world.steering_org.id).status_code == 302
    statement = db.session.scalars(select(Statement)).one()
    assert statement.language == "zh_Hant"
    text = statements.head(statement).text
    assert "工作組第 31 屆會議" in text  # the review line, as the review page writes it
    assert "Uphold the rights, freedoms and rule of law" in text
    assert "Australia" in text


@pytest.mark.parametrize("text", ["1. Ratify", "- Ratify", "+ Ratify", "> Ratify", "# Ratify",
                                  "=== Ratify", "Ratify <script>x</script> [a](b) `c` &amp;",
                                  "Ratify | the | Convention"])
def test_plain_text_shows_as_typed(app, text):
    from coalition.core.markdown import plain_text, render_html
    from coalition.followup.midterm import escape_text

    html = render_html(escape_text(text, block=True))
    assert re.fullmatch(r"<p>.*</p>", html.strip()), html
    assert plain_text(html) == text


def test_member_markdown_keeps_its_formatting_but_opens_no_heading(app):
    from coalition.core.markdown import render_html
    from coalition.followup.midterm import contained_markdown

    html = render_html(contained_markdown(
        "Title\n===\n\nSub\n---\n\n## Heading\n   # Indented\n<h2>Raw</h2>\n\n"
        "**Bold**, a [link](https://example.org/a) and <https://example.org/b>.\n\n- a list"))
    assert not re.search(r"<h\d", html), html
    assert "<strong>Bold</strong>" in html and 'href="https://example.org/a"' in html
    assert 'href="https://example.org/b"' in html and "<li>a list</li>" in html
    assert "## Heading" in html and "&lt;h2&gt;Raw&lt;/h2&gt;" in html


def test_control_characters_in_stored_text_still_make_a_docx(client, auth, world, review, db):
    """Rows stored before input was filtered may hold characters XML refuses."""
    action = db.session.scalars(select(AdvocacyAction).where(
        AdvocacyAction.done_on.is_not(None))).one()
    action.outcome = "Before\x0bafter\x01 the meeting."
    db.session.commit()
    auth.login("viewer@example.org")
    response = client.get(URL + ".docx")
    assert response.status_code == 200
    words = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
    assert "Beforeafter the meeting." in words


def test_an_adopted_assessment_its_organisation_keeps_is_named_not_quoted(client, auth, world,
                                                                          review, db):
    """The draft is read by the steering committee and then every member: evidence visible
    to its own organisation only stays there (the position itself stands)."""
    from coalition.recommendations.models import Assessment

    adopted = db.session.scalars(select(Assessment).where(
        Assessment.status == "regressed")).one()
    adopted.visibility = "organisation"
    db.session.commit()
    auth.login("steering@example.org")
    generate(auth, world.steering_org.id)
    text = statements.head(db.session.scalars(select(Statement)).one()).text
    assert "Regressed, adopted 1 July 2021 by Steering Organisation." in text
    assert ("The adopted assessment, by Owning Organisation, is kept by its organisation and "
            "not quoted here.") in text
    assert "Laws adopted since 2020" not in text and "example.org/report" not in text
