"""What a new user tripped over on the tracker and a recommendation's page (issue 9, 3.5 and
3.7): the government's words shown with raw Markdown in a badge, and an assessment form that
preselected "Not implemented"."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from sqlalchemy import func, select

from coalition.core.markdown import plain_text
from coalition.recommendations.models import Assessment, Recommendation
from tests import test_recommendations as recommendations
from tests.test_recommendations import page_of, tracker_html

# The recommendations page's fixtures: China's review with three recommendations, and 28.343.
review = recommendations.review
rec = recommendations.rec

WORDS = ("*Demo data.* The Government considers the existing **framework** sufficient and "
         "sees no need for further legislation at this stage.")
WORDS_TEXT = ("Demo data. The Government considers the existing framework sufficient and sees "
              "no need for further legislation at this stage.")


def record_words(auth: Any, rec: Recommendation) -> None:
    auth.login("steering@example.org")
    response = auth.post(f"/recommendations/{rec.id}/responses", data={
        "kind": "legco", "responded_on": "2021-03-17", "position": "noted", "words": WORDS,
        "source": "LegCo paper"})
    assert response.status_code == 302


def test_plain_text_strips_markdown_and_keeps_badges_short() -> None:
    assert plain_text(WORDS) == WORDS_TEXT
    short = plain_text(WORDS, 40)
    assert len(short) <= 40 and short.endswith("…") and "*" not in short
    assert WORDS_TEXT.startswith(short[:-1])
    # Words in angle brackets and ampersands are words, not markup to drop.
    assert plain_text("We, <name of organisation>, call on A & B") == \
        "We, <name of organisation>, call on A & B"
    assert plain_text("Supported", 40) == "Supported"
    assert plain_text(None) == ""


def test_badge_in_the_tracker_shows_short_words_without_markdown(client, auth, world, rec):
    record_words(auth, rec)
    html = tracker_html(client, "")
    html = html[html.index(">28.343</strong></a>"):]
    badge = re.search(r'<span class="badge position-noted" title="([^"]*)">([^<]*)</span>',
                      html)
    assert badge, "the noted recommendation's badge"
    title, text = html_lib.unescape(badge.group(1)), html_lib.unescape(badge.group(2))
    assert "*" not in text and "*" not in title
    assert text.startswith("Noted (Demo data. The Government") and text.endswith("…)")
    assert len(text) <= len("Noted ()") + 40
    assert title == WORDS_TEXT  # the full words, on hover


def test_recommendation_page_renders_the_words(client, auth, world, rec):
    record_words(auth, rec)
    html = page_of(client, rec)
    current = re.search(r"<dt>Current position</dt><dd>(.*?)</dd>", html, re.S).group(1)
    badge = re.search(r'<span class="badge[^"]*">([^<]*)</span>', current).group(1)
    assert badge == "Noted"
    assert "*Demo data.*" not in html and "**framework**" not in html
    assert "<em>Demo data.</em> The Government considers the existing " \
           "<strong>framework</strong>" in current
    timeline = html[html.index('id="timeline"'):]
    assert "“<em>Demo data.</em> The Government" in timeline


def test_assessment_status_must_be_chosen(client, auth, world, rec, db):
    auth.login("editor@example.org")
    html = page_of(client, rec)
    select_html = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', html, re.S)
    assert select_html
    options = re.findall(r'<option([^>]*)>([^<]*)</option>', select_html.group(1))
    assert options[0][1] == "Choose a status…" and 'value=""' in options[0][0]
    assert [attrs for attrs, _label in options if "selected" in attrs] in ([], [options[0][0]])

    def count() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count(Assessment.id)))

    before = count()
    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.org.id, "status": "", "assessed_on": "2021-06-30",
        "evidence": "Some training took place; no evaluation.", "source_links": ""})
    assert response.status_code == 400 and count() == before
    page = response.get_data(as_text=True)
    assert "Implementation status: Choose the implementation status." in page
    assert "Some training took place; no evaluation.</textarea>" in page

    response = auth.post(f"/recommendations/{rec.id}/assessments", data={
        "organisation": world.org.id, "status": "done", "assessed_on": "2021-06-30"})
    assert response.status_code == 400 and count() == before
    assert "Implementation status:" in response.get_data(as_text=True)


def test_the_states_words_are_rendered_once_per_distinct_text(monkeypatch) -> None:
    """Markdown is rendered once: the tracker shows the same words on many rows and pages, so
    each distinct text goes through the renderer once (a bounded cache), not per view."""
    from coalition.core import markdown

    markdown._text_of.cache_clear()
    markdown._inline_html.cache_clear()
    calls: list[str] = []
    real = markdown.render_html
    monkeypatch.setattr(markdown, "render_html", lambda text, *a, **k: (calls.append(text),
                                                                      real(text, *a, **k))[1])
    for _ in range(50):
        plain_text(WORDS, 40)
        markdown.render_inline(WORDS)
    assert calls == [WORDS, WORDS]  # once for the text, once for the inline HTML
