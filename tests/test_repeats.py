"""Repeated recommendations: a recommendation of a State's review is linked to the same one in
its previous review (same recommending State, similar text), shown on both recommendations'
pages and filterable in the tracker; plus the tracker's "Kind" facet and "Supported in part".

The texts are modelled on China's 2nd-cycle (session 17, 2013) and 3rd-cycle (session 31, 2018)
recommendations; the files are built here as UPR Info CSV exports.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from typing import Any

import pytest
from rapidfuzz import fuzz
from sqlalchemy import select

from coalition.recommendations import repeats
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import import_file

HEADER = ["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response",
          "Action", "Issue", "Session"]

CYCLE_2 = [  # (text, recommending State), China, session 17
    ("Resume the dialogue in Tibet", "New Zealand"),
    ("Ratify the International Covenant on Civil and Political Rights (ICCPR)", "France"),
    ("Continue its efforts to promote the rights of women", "Cuba"),
    ("Abolish the system of re-education through labour", "Sweden"),
]
CYCLE_3 = [  # session 31
    ("Resume the two-way dialogue on Tibet", "New Zealand"),  # repeated
    ("Ratify the International Covenant on Civil and Political Rights", "Sweden"),  # other State
    ("Continue its efforts to promote the rights of children", "Cuba"),  # another subject
    ("Abolish the re-education through labour system", "Sweden"),  # repeated, reordered
    ("Establish a national human rights institution", "New Zealand"),  # new
]

# (earlier, later, same recommendation?) -- the pairs the threshold was chosen on.
PAIRS = [
    ("Ratify the International Covenant on Civil and Political Rights (ICCPR)",
     "Ratify the International Covenant on Civil and Political Rights", True),
    ("Take further steps towards the ratification of the International Covenant on Civil and "
     "Political Rights", "Take steps towards ratification of the International Covenant on Civil"
     " and Political Rights at the earliest possible date", True),
    ("Resume the dialogue in Tibet", "Resume the two-way dialogue on Tibet", True),
    ("Continue to reform towards abolition of the death penalty",
     "Continue to reform towards the abolition of the death penalty", True),
    ("Extend a standing invitation to all special procedures of the Human Rights Council",
     "Extend a standing invitation to all special procedures mandate holders", True),
    ("Guarantee the independence of lawyers and allow them to carry out their work without "
     "interference", "Guarantee the independence of lawyers and allow them to work without "
     "harassment or interference", True),
    ("Establish a national human rights institution in accordance with the Paris Principles",
     "Establish a national human rights institution in line with the Paris Principles", True),
    ("Abolish the system of re-education through labour",
     "Abolish the re-education through labour system", True),
    ("Continue its efforts to promote the rights of women",
     "Continue its efforts to promote the rights of children", False),
    ("Ratify the International Covenant on Civil and Political Rights",
     "Ratify the Optional Protocol to the Convention against Torture", False),
    ("Continue to strengthen the role of the judiciary in the protection of human rights",
     "Continue to strengthen the protection of the rights of persons with disabilities", False),
    ("Release detained human rights defenders",
     "Investigate reports of harassment and detention of human rights defenders", False),
    ("Consider establishing a moratorium on the death penalty",
     "Consider establishing a national human rights institution", False),
    ("Continue its efforts to reduce poverty in rural areas",
     "Continue its efforts to improve education in rural areas", False),
    ("Ratify the Convention on the Rights of Persons with Disabilities",
     "Ratify the Convention on the Rights of the Child", False),
]


def upr_info_csv(rows: list[tuple[str, str]], session: int, to: str = "China") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for text, state in rows:
        writer.writerow([to, "", "", text, state, "", "", "Noted", "", "Civil rights",
                         str(session)])
    return out.getvalue().encode()


def import_csv(db: Any, name: str, data: bytes) -> None:
    report = import_file(None, name, data)
    assert not report.errors, report.errors
    db.session.commit()


def rec(db: Any, text: str) -> Recommendation:
    return db.session.execute(select(Recommendation).where(
        Recommendation.text == text)).scalar_one()


def links(db: Any) -> dict[str, str | None]:
    """later text -> earlier text, for every recommendation."""
    out = {}
    for r in db.session.scalars(select(Recommendation)):
        out[r.text] = r.repeated_from.text if r.repeated_from else None
    return out


EXPECTED = {
    "Resume the two-way dialogue on Tibet": "Resume the dialogue in Tibet",
    "Abolish the re-education through labour system":
        "Abolish the system of re-education through labour",
}


@pytest.mark.parametrize(("earlier", "later", "same"), PAIRS)
def test_threshold_separates_the_pairs(earlier, later, same):
    score = repeats.similarity(earlier, later)
    assert score == fuzz.token_sort_ratio(repeats.content_words(earlier),
                                          repeats.content_words(later))
    assert (score >= repeats.THRESHOLD) is same, score


def test_import_links_the_next_cycle_to_the_previous_one(app, db):
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    import_csv(db, "chn-3.csv", upr_info_csv(CYCLE_3, 31))
    found = {later: earlier for later, earlier in links(db).items() if earlier}
    # Same text, another State: not linked; same State, another subject: not linked.
    assert found == EXPECTED


def test_importing_the_previous_review_later_links_back(app, db):
    import_csv(db, "chn-3.csv", upr_info_csv(CYCLE_3, 31))
    assert not any(links(db).values())
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    assert {k: v for k, v in links(db).items() if v} == EXPECTED


def test_a_missing_cycle_is_skipped_and_filled_in_later(app, db):
    """Cycle 3 links to cycle 1 while cycle 2 is not imported, and to cycle 2 once it is."""
    import_csv(db, "chn-1.csv", upr_info_csv([("Resume the dialogue in Tibet", "New Zealand")],
                                             4))
    import_csv(db, "chn-3.csv", upr_info_csv(CYCLE_3, 31))
    tibet = rec(db, "Resume the two-way dialogue on Tibet")
    assert tibet.repeated_from.review.cycle == 1
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    db.session.expire_all()
    assert rec(db, "Resume the two-way dialogue on Tibet").repeated_from.review.cycle == 2
    in_cycle_2 = db.session.execute(select(Recommendation).where(
        Recommendation.text == "Resume the dialogue in Tibet",
        Recommendation.repeated_from_id.is_not(None))).scalar_one()
    assert (in_cycle_2.review.cycle, in_cycle_2.repeated_from.review.cycle) == (2, 1)


def test_other_states_under_review_are_not_linked(app, db):
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    import_csv(db, "vnm-3.csv", upr_info_csv(CYCLE_3, 32, to="Viet Nam"))
    assert not any(links(db).values())


def test_link_repeated_is_idempotent_and_counts_new_links(app, db):
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    import_csv(db, "chn-3.csv", upr_info_csv(CYCLE_3, 31))
    review_ids = list(db.session.scalars(select(Recommendation.review_id).distinct()))
    assert repeats.link_repeated(review_ids) == 0
    db.session.execute(Recommendation.__table__.update().values(repeated_from_id=None))
    assert repeats.link_repeated(review_ids) == 2


def test_cli_links_repeats(app, db):
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    import_csv(db, "chn-3.csv", upr_info_csv(CYCLE_3, 31))
    db.session.execute(Recommendation.__table__.update().values(repeated_from_id=None))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["recommendations", "link-repeats", "--review", "chn-3"])
    assert result.exit_code == 0, result.output
    assert "Linked 2 recommendation(s)" in result.output
    db.session.expire_all()
    assert {k: v for k, v in links(db).items() if v} == EXPECTED
    bad = runner.invoke(args=["recommendations", "link-repeats", "--review", "xyz-9"])
    assert bad.exit_code != 0 and "No review 'xyz-9'" in bad.output


@pytest.fixture
def member(auth: Any, world: Any) -> Any:
    auth.login("viewer@example.org")
    return auth


@pytest.fixture
def two_cycles(app: Any, db: Any) -> None:
    import_csv(db, "chn-2.csv", upr_info_csv(CYCLE_2, 17))
    import_csv(db, "chn-3.csv", upr_info_csv(CYCLE_3, 31))


def test_pages_show_the_link_both_ways(client, member, db, two_cycles):
    later = rec(db, "Resume the two-way dialogue on Tibet")
    earlier = rec(db, "Resume the dialogue in Tibet")
    page = html_lib.unescape(client.get(f"/recommendations/{later.id}").get_data(as_text=True))
    assert "Also recommended in cycle 2" in page
    assert f'href="/recommendations/{earlier.id}"' in page
    assert "Resume the dialogue in Tibet" in page
    page = html_lib.unescape(client.get(f"/recommendations/{earlier.id}").get_data(
        as_text=True))
    assert "Recommended again in cycle 3" in page
    assert f'href="/recommendations/{later.id}"' in page
    new = rec(db, "Establish a national human rights institution")
    page = client.get(f"/recommendations/{new.id}").get_data(as_text=True)
    assert "Also recommended in cycle" not in page and "Recommended again" not in page


FACET_RE = re.compile(r'name="(\w+)" value="([^"]*)" ?(checked)?> (.*?) '
                      r'<span class="count">\((\d+)\)</span>')
TOTAL_RE = re.compile(r"<strong>(\d+)</strong> recommendations?</p>")


def tracker(client: Any, query: str) -> tuple[int, dict[str, dict[str, tuple[str, int]]], str]:
    page = client.get("/tracker?" + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    facets: dict[str, dict[str, tuple[str, int]]] = {}
    for name, value, _checked, label, count in FACET_RE.findall(html):
        facets.setdefault(name, {})[value] = (html_lib.unescape(label), int(count))
    total = TOTAL_RE.search(html)
    return (int(total.group(1)) if total else 0), facets, html_lib.unescape(html)


def test_tracker_repeated_facet(client, member, two_cycles):
    total, facets, _ = tracker(client, "cycle=3")
    assert total == 5
    assert facets["repeated"] == {"yes": ("Yes", 2), "no": ("No", 3)}
    total, facets, html = tracker(client, "cycle=3&repeated=yes")
    assert total == 2
    assert "Resume the two-way dialogue on Tibet" in html
    assert "Establish a national human rights institution" not in html
    # The filter stays in the URL of the next pages and beside the other facets' counts.
    assert 'name="repeated" value="yes" checked' in html
    assert facets["cycle"]["3"][1] == 2
    total, _, _ = tracker(client, "cycle=3&repeated=no")
    assert total == 3
    total, _, _ = tracker(client, "repeated=yes&repeated=no")
    assert total == 9
    # An unknown value is ignored, with a notice (issue 9, 3.16).
    response = client.get("/tracker?repeated=maybe")
    assert response.status_code == 200
    assert "unknown value &#39;maybe&#39; ignored." in response.get_data(as_text=True)


def test_tracker_kind_and_supported_in_part(client, member, db, two_cycles):
    pledge = rec(db, "Establish a national human rights institution")
    pledge.kind = "pledge"
    part = rec(db, "Resume the two-way dialogue on Tibet")
    part.position = "supported_in_part"
    db.session.commit()
    total, facets, _ = tracker(client, "")
    assert facets["kind"] == {"recommendation": ("Recommendation", 8),
                              "pledge": ("Voluntary pledge", 1)}
    assert facets["position"]["supported_in_part"] == ("Supported in part", 1)
    total, facets, html = tracker(client, "kind=pledge")
    assert total == 1 and "Establish a national human rights institution" in html
    total, _, html = tracker(client, "position=supported_in_part")
    assert total == 1 and "Resume the two-way dialogue on Tibet" in html
    total, _, _ = tracker(client, "kind=recommendation&repeated=yes")
    assert total == 2
