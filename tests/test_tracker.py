"""The tracker page: full-text search, facets with counts, filters in the URL, bad filters,
and a fixed number of SQL statements whatever the number of recommendations.

Expected results come from parsing the real matrix in Python, not from the database, so the
same assertions check SQLite (FTS5) and PostgreSQL (tsvector) against one truth.
"""

from __future__ import annotations

import html as html_lib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import docx
import pytest
from sqlalchemy import event, select

from coalition.recommendations.importers import ohchr_matrix
from coalition.recommendations.importers.records import ParseResult
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import import_file
from coalition.reviews.models import Review, Theme
from coalition.reviews.services import create_review

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "China-UPR3-2018-A-HRC-40-6-matrix.docx"
HONG_KONG = {"28.14", "28.205", "28.343", "28.344", "28.345", "28.346"}

FACET_RE = re.compile(r'name="(\w+)" value="([^"]*)" ?(checked)?> (.*?) '
                      r'<span class="count">\((\d+)\)</span>')
RESULT_RE = re.compile(r'<a href="/recommendations/\d+(?:\?back=[^"]*)?">'
                       r'<strong>([^<]+)</strong></a>')
TOTAL_RE = re.compile(r"<strong>(\d+)</strong> recommendations?</p>")


@pytest.fixture(scope="module")
def parsed() -> ParseResult:
    return ohchr_matrix.parse(MATRIX)


def paragraphs_where(parsed: ParseResult, test: Any) -> set[str]:
    return {r.paragraph for r in parsed.records if test(r)}


def words_of(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


@pytest.fixture
def china(app: Any, db: Any) -> Review:
    review = create_review(None, "CHN", 3, session=31, report_symbol="A/HRC/40/6",
                           responses_symbol="A/HRC/40/6/Add.1")
    db.session.commit()
    return review


@pytest.fixture
def imported(db: Any, china: Review) -> Review:
    report = import_file(None, MATRIX.name, MATRIX.read_bytes(), china)
    db.session.commit()
    assert report.created == 346
    return china


@pytest.fixture
def member(auth: Any, world: Any) -> Any:
    auth.login("viewer@example.org")
    return auth


class TrackerPage:
    def __init__(self, response: Any) -> None:
        self.status = response.status_code
        self.html = response.get_data(as_text=True)

    @property
    def total(self) -> int:
        match = TOTAL_RE.search(self.html)
        assert match, "no result count on the page"
        return int(match.group(1))

    @property
    def paragraphs(self) -> list[str]:
        return RESULT_RE.findall(self.html)

    def facet(self, name: str) -> dict[str, tuple[str, int, bool]]:
        """value -> (label, count, checked) of one facet."""
        return {value: (html_lib.unescape(label), int(count), bool(checked))
                for facet, value, checked, label, count in FACET_RE.findall(self.html)
                if facet == name}

    def link(self, rel: str) -> str | None:
        match = re.search(rf'<a href="([^"]+)" rel="{rel}">', self.html)
        return html_lib.unescape(match.group(1)) if match else None


def tracker(client: Any, query: str = "") -> TrackerPage:
    return TrackerPage(client.get("/tracker" + (f"?{query}" if query else "")))


def theme_id(db: Any, code: str) -> int:
    return db.session.execute(select(Theme.id).where(Theme.kind == "ohchr",
                                                     Theme.code == code)).scalar_one()


def test_search_hong_kong_finds_exactly_the_six(client, member, imported, parsed):
    page = tracker(client, "q=Hong+Kong")
    assert page.status == 200
    assert set(page.paragraphs) == HONG_KONG and page.total == 6
    # Case and punctuation do not matter; words are ANDed, not phrase-matched.
    assert set(tracker(client, "q=hong+KONG%2C").paragraphs) == HONG_KONG
    expected = paragraphs_where(parsed, lambda r: {"hong", "kong"} <= words_of(r.text))
    assert expected == HONG_KONG


@pytest.mark.parametrize("query", ["death penalty", "Xinjiang", "Tibet",
                                   "freedom of religion", "Convention"])
def test_search_matches_every_word_on_both_databases(client, member, imported, parsed, query):
    """The same query returns the same recommendations on SQLite and PostgreSQL: the words
    of the text, all of them, whatever the database."""
    expected = paragraphs_where(parsed, lambda r: words_of(query) <= words_of(r.text))
    assert expected, "the query should find something"
    page = tracker(client, f"q={query}")
    assert page.total == len(expected)
    shown = set(page.paragraphs)
    # The first page (50) shows a subset; every paragraph shown is expected.
    assert shown <= expected and len(shown) == min(50, len(expected))


def test_search_operators_are_plain_words(client, member, imported):
    assert tracker(client, 'q="death"+penalty*').total == tracker(client, "q=death+penalty").total
    for query in ["NOT", "OR", "%22", "*", "a+AND+(", "%27%3B--", "x" * 300]:
        page = tracker(client, f"q={query}")
        assert page.status == 200, query


def test_facets_filter_and_count(client, member, imported, parsed, db):
    page = tracker(client)
    assert page.total == 346
    assert page.facet("position") == {"noted": ("Noted", 62, False),
                                       "supported": ("Supported", 284, False)}
    assert page.facet("territory") == {"Hong Kong": ("Hong Kong", 6, False),
                                       "Macao": ("Macao", 1, False)}
    australia = paragraphs_where(parsed, lambda r: "AUS" in r.recommending_states)
    assert page.facet("state")["AUS"] == ("Australia", len(australia), False)
    a41 = paragraphs_where(parsed, lambda r: "A41" in r.themes)
    theme_a41 = theme_id(db, "A41")
    label, count, _ = page.facet("theme")[str(theme_a41)]
    assert label.startswith("A41 ") and count == len(a41) == 44

    # Each facet alone filters the results.
    hk = tracker(client, "territory=Hong+Kong")
    assert set(hk.paragraphs) == HONG_KONG
    assert hk.facet("territory")["Hong Kong"] == ("Hong Kong", 6, True)
    # Other facets count within the territory filter.
    assert hk.facet("position") == {"noted": ("Noted", 1, False),
                                    "supported": ("Supported", 5, False)}
    assert set(tracker(client, "state=AUS").paragraphs) == australia
    assert tracker(client, f"theme={theme_a41}").total == 44
    noted = tracker(client, "position=noted")
    assert noted.total == 62
    # The selected facet keeps counting its other values, so a reader can widen the choice.
    assert noted.facet("position") == {"noted": ("Noted", 62, True),
                                       "supported": ("Supported", 284, False)}


def test_filters_combine_and_across_or_within(client, member, imported, parsed, db):
    # AND across facets.
    page = tracker(client, "territory=Hong+Kong&position=noted")
    assert page.paragraphs == ["28.14"]
    a41 = theme_id(db, "A41")
    expected = paragraphs_where(parsed, lambda r: "A41" in r.themes and r.position == "noted"
                                and {"rights"} <= words_of(r.text))
    page = tracker(client, f"q=rights&theme={a41}&position=noted")
    assert set(page.paragraphs) == expected and page.total == len(expected)
    # OR within a facet.
    either = paragraphs_where(parsed, lambda r: {"AUS", "CAN"} & set(r.recommending_states))
    page = tracker(client, "state=AUS&state=CAN")
    assert set(page.paragraphs) == either and page.total == len(either)
    assert page.facet("state")["AUS"][2] and page.facet("state")["CAN"][2]
    both = tracker(client, "position=noted&position=supported")
    assert both.total == 346
    # OR within, AND across, together.
    expected = paragraphs_where(
        parsed, lambda r: {"AUS", "CAN"} & set(r.recommending_states)
        and "Hong Kong" in r.territories)
    assert expected == {"28.343", "28.345"}
    assert set(tracker(client, "state=AUS&state=can&territory=Hong+Kong").paragraphs) == expected


def test_filter_state_round_trips_in_the_url(client, member, imported):
    query = "position=supported&position=noted&sort=paragraph&q=the"
    first = tracker(client, query)
    assert first.total > 100
    # The form shows the filters, ready to be changed and resubmitted.
    assert 'name="q" value="the"' in first.html
    assert first.facet("position")["noted"][2] and first.facet("position")["supported"][2]
    following = first.link("next")
    assert following, "more than one page"
    args = parse_qs(urlsplit(following).query)
    assert sorted(args["position"]) == ["noted", "supported"]
    assert args["q"] == ["the"] and args["page"] == ["2"]
    second = TrackerPage(client.get(following))
    assert second.total == first.total
    assert "Page 2 of" in second.html
    assert not set(second.paragraphs) & set(first.paragraphs)
    back = second.link("prev")
    assert back and sorted(parse_qs(urlsplit(back).query)["position"]) == ["noted", "supported"]


@pytest.mark.parametrize(("query", "notice"), [
    ("category=abc", "Action category: unknown value 'abc' ignored."),
    ("position=maybe", "Position: unknown value 'maybe' ignored."),
    ("territory=Atlantis", "Territory: unknown value 'Atlantis' ignored."),
    ("theme=A12", "Theme / issue: unknown value 'A12' ignored."),
    ("status=done", "Implementation status: unknown value 'done' ignored."),
    ("sort=recent", "Unknown sort 'recent' ignored."),
    ("review=x", "Review: unknown value 'x' ignored."),
    ("state=Atlantis", "Recommending State: unknown value 'Atlantis' ignored."),
])
def test_unknown_filter_value_is_ignored_with_a_notice(client, member, imported, query, notice):
    """Issue 9, 3.16: an old bookmark (`?sort=recent`) shows the tracker, not a 400 page; the
    unknown value is ignored and the page says so."""
    everything = tracker(client, "")
    page = tracker(client, query)
    assert page.status == 200
    assert re.findall(r'<p class="flash tracker-notice" role="status">([^<]+)</p>',
                      html_lib.unescape(page.html)) == [notice]
    assert page.total == everything.total and page.paragraphs == everything.paragraphs


def test_unknown_value_beside_known_ones_keeps_the_known(client, member, imported, parsed):
    page = tracker(client, "position=noted&position=maybe&sort=recent")
    assert page.status == 200
    noted = paragraphs_where(parsed, lambda r: r.position == "noted")
    assert page.total == len(noted)
    assert "Unknown sort &#39;recent&#39; ignored." in page.html
    assert "Position: unknown value &#39;maybe&#39; ignored." in page.html
    # Links from the page (next page) carry only what the tracker understood.
    following = page.link("next")
    assert following and "maybe" not in following and "recent" not in following


def test_number_beyond_any_id_is_still_a_400_naming_the_parameter(client, member):
    page = tracker(client, "review=1&review=99999999999")
    assert page.status == 400
    match = re.search(r'<p class="form-errors" role="alert">([^<]+)</p>', page.html)
    assert match and match.group(1).startswith("review:")


def test_tracker_is_for_the_coalition(client, auth, world):
    response = client.get("/tracker")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("loner@example.org")
    assert client.get("/tracker").status_code == 403
    auth.logout()
    auth.login("researcher@example.org")
    assert client.get("/tracker").status_code == 200


def _matrix_subset(rows: int) -> bytes:
    """The real matrix with only its first `rows` table rows (header and headings included)."""
    document = docx.Document(str(MATRIX))
    table = document.tables[0]
    for row in list(table.rows)[rows:]:
        table._tbl.remove(row._tr)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@contextmanager
def counting_statements(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_sql_statements_do_not_grow_with_the_rows(client, member, db, china, parsed):
    small = import_file(None, "subset.docx", _matrix_subset(40), china)
    db.session.commit()
    assert 25 <= small.created <= 40
    themes = "&".join(f"theme={theme_id(db, code)}" for code in ("A12", "A3", "A41", "B41"))
    query = (f"q=the&{themes}&position=supported&position=noted"
             "&group=African&group=Asia-Pacific&group=Western+European+and+others")
    tracker(client, query)  # warm up: first-request work is not the page's
    with counting_statements(db.engine) as statements:
        few = tracker(client, query)
    assert few.status == 200 and few.total > 0
    small_count = len(statements)

    full = import_file(None, MATRIX.name, MATRIX.read_bytes(), china)
    db.session.commit()
    assert full.created == 346 - small.created
    with counting_statements(db.engine) as statements:
        many = tracker(client, query)
    assert many.status == 200 and many.total > few.total
    assert len(statements) == small_count, (few.total, many.total)
    assert 3 < small_count < 40, small_count


def test_back_link_returns_to_the_exact_tracker_view(client, member, imported):
    """Issue 9, 3.6: a recommendation opened from a search, filters, a sort and page 2 links
    back to that same view, not to the unfiltered review."""
    query = "q=the&position=noted&position=supported&sort=position&page=2"
    page = tracker(client, query)
    link = re.search(r'<a href="(/recommendations/\d+\?back=[^"]+)"><strong>', page.html)
    assert link, "result links carry the view"
    rec_page = client.get(html_lib.unescape(link.group(1))).get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)">← Back to your tracker search</a>', rec_page)
    assert back
    url = urlsplit(html_lib.unescape(back.group(1)))
    assert url.path == "/tracker" and not url.netloc
    assert parse_qs(url.query) == {"q": ["the"], "position": ["noted", "supported"],
                                   "sort": ["position"], "page": ["2"]}
    # Following it shows the same results as the page the user left.
    assert TrackerPage(client.get(back.group(1).replace("&amp;", "&"))).paragraphs == \
        page.paragraphs


def test_back_link_from_the_plain_tracker_and_never_elsewhere(client, member, imported):
    page = tracker(client, "")
    link = re.search(r'<a href="(/recommendations/(\d+)\?back=)"><strong>', page.html)
    assert link, "even the unfiltered tracker is remembered"
    rec_page = client.get(link.group(1)).get_data(as_text=True)
    assert '<a href="/tracker">← Back to your tracker search</a>' in rec_page
    rec_id = link.group(2)
    # `back` is a tracker query string only: another site, a path or unknown parameters are
    # dropped, never followed.
    for hostile in ("https://evil.example/", "//evil.example/x", "/admin?x=1",
                    "q=a&next=https://evil.example", "x" * 3000):
        html = client.get(f"/recommendations/{rec_id}", query_string={"back": hostile}) \
            .get_data(as_text=True)
        href = re.search(r'<a href="([^"]+)">← Back to your tracker search</a>', html)
        assert href, hostile
        url = urlsplit(html_lib.unescape(href.group(1)))
        assert url.path == "/tracker" and not url.netloc and "evil" not in url.query
    # Opened without `back` (a shared link), the page links to its review in the tracker.
    html = client.get(f"/recommendations/{rec_id}").get_data(as_text=True)
    assert re.search(r'<a href="/tracker\?review=\d+">← Tracker</a>', html)


@pytest.mark.parametrize("back", ["", "q=Hong+Kong&theme=3&page=2", "q=%E9%A6%99%E6%B8%AF+a%26b"])
def test_result_links_are_url_fors_own(app, back):
    """Issue 10: a page's result links come from one url_for call; each is the URL url_for
    writes for that recommendation and `back`."""
    from flask import url_for

    from coalition.recommendations.tracker import result_links

    with app.test_request_context("/tracker"):
        links = result_links([1, 7, 92479, 1234567], back)
        assert links == {rec_id: url_for("recommendations.show", rec_id=rec_id, back=back)
                         for rec_id in (1, 7, 92479, 1234567)}


def test_a_page_past_the_last_says_where_the_results_end(client, member, imported):
    """A new user's walk (issue 10): `?page=8` of 7 pages said "Page 8 of 7" and "No
    recommendation matches"; it now says where the results end, with a link there."""
    page = tracker(client, "page=8&position=noted")
    assert page.status == 200 and page.paragraphs == []
    last = -(-page.total // 50)
    link = f'<a href="/tracker?position=noted&amp;page={last}">page {last}</a>'
    assert f"There is no page 8 of these results: they end on {link}." in page.html
    assert "No recommendation matches" not in page.html and "Page 8 of" not in page.html
    assert tracker(client, f"page={last}&position=noted").paragraphs


def test_a_search_in_chinese_says_the_texts_are_in_english(client, member, imported, world,
                                                          db):
    """A new user's walk (issue 10): the Chinese page suggested searching 香港, which finds
    nothing (the UN publishes the recommendations in English); such a search now says so."""
    page = tracker(client, "q=%E9%A6%99%E6%B8%AF")  # 香港
    assert page.total == 0
    assert "The recommendations are in English, as the UN publishes them" in page.html
    assert "are in English" not in tracker(client, "q=Hong+Kong").html
    world.users["viewer"].locale = "zh_Hant"  # the signed-in member's own language
    db.session.commit()
    chinese = client.get("/tracker?q=%E9%A6%99%E6%B8%AF").get_data(as_text=True)
    assert "聯合國以英文發表建議" in chinese


def test_territories_are_named_in_the_readers_language(client, member, imported, world, db):
    """A new user's walk (issue 10): the Chinese tracker named the territories in English. The
    facet, the badges and the recommendation page say 香港; the URL keeps the stored value."""
    world.users["viewer"].locale = "zh_Hant"
    db.session.commit()
    page = tracker(client, "territory=Hong+Kong")
    assert page.facet("territory")["Hong Kong"] == ("香港", 6, True)
    assert page.html.count('<span class="badge territory">香港</span>') == 6
    rec_id = db.session.scalars(select(Recommendation.id).where(
        Recommendation.paragraph == "28.343")).one()
    show = client.get(f"/recommendations/{rec_id}").get_data(as_text=True)
    assert "<dd>香港</dd>" in show


@pytest.mark.parametrize("query", ["q=Hong+Kong", "q=freedom&position=noted&position=supported",
                                   "territory=Hong+Kong", ""])
def test_each_sort_orders_the_page(client, member, imported, db, query):
    """The page's rows come in the sort's order, with a search, with facets only and with
    neither (PostgreSQL returned a search's page in the facet statement's row order, which
    sorts the facets' rows only: a browser test caught it, issue 10)."""
    recs = {r.paragraph: r for r in db.session.scalars(select(Recommendation))}
    keys = {
        "paragraph": lambda r: (r.review_id, r.paragraph_sort, r.id),
        "position": lambda r: (r.position, r.paragraph_sort, r.id),
        "newest": lambda r: (-r.updated_at.timestamp(), -r.id),
    }
    for sort, key in keys.items():
        shown = tracker(client, f"{query}&sort={sort}").paragraphs
        assert shown, (query, sort)
        assert shown == sorted(shown, key=lambda p: key(recs[p])), (query, sort)


def test_the_filters_toggle_says_how_many_are_on(client, member, imported):
    """A new user's walk (issue 10): on a phone the filter panel closes when a ticked facet
    reloads the page, and nothing said a filter was on. The toggle now counts them."""
    assert ">Filters</summary>" in tracker(client, "q=Hong+Kong").html
    page = tracker(client, "territory=Hong+Kong&position=noted&position=supported")
    assert ">Filters (3 on)</summary>" in page.html
