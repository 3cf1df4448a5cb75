"""The submissions list with facets (issue 12, item 5): counts per review, organisation (lead
or co-submitter), theme, status and kind, over only what the reader may see, each counted
under the other facets' filters; links that combine filters; a constant number of queries."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from coalition.extensions import db
from coalition.reviews.models import Theme
from coalition.reviews.services import create_review, ensure_reference_data
from coalition.submissions import services
from coalition.submissions.services import SubmissionFilters
from tests.conftest import AuthActions
from tests.test_desk import counting


@pytest.fixture
def scene(app: Any, world: Any) -> Any:
    """world.org: a private draft (theme A), a joint draft with world.other (themes A, B);
    world.other: its own private draft; steering: a coalition-visible draft; a published
    public one led by world.other in the 3rd cycle review."""
    ensure_reference_data()
    themes = list(db.session.scalars(select(Theme).where(Theme.kind == "ohchr")
                                     .order_by(Theme.code).limit(2)))
    cycle4 = create_review(None, "CHN", 4, session=45, review_date=date(2024, 1, 23))
    cycle3 = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6))
    editor, other = world.users["editor"], world.users["other_editor"]
    steering = world.users["steering"]
    own = services.create_submission(editor, cycle4, "Own private draft", "individual",
                                     world.org, theme_ids=[themes[0].id])
    joint = services.create_submission(editor, cycle4, "Joint draft", "joint", world.org,
                                       [world.other.id], [t.id for t in themes])
    theirs = services.create_submission(other, cycle4, "Their private draft", "individual",
                                        world.other)
    coalition = services.create_submission(steering, cycle4, "Steering coalition draft",
                                           "individual", world.steering_org,
                                           visibility="coalition")
    public = services.create_submission(other, cycle3, "Published public", "individual",
                                        world.other, theme_ids=[themes[1].id],
                                        visibility="public")
    db.session.flush()
    services.change_status(other, public, "submitted", date(2018, 3, 1))
    services.change_status(other, public, "published", date(2018, 6, 1))
    db.session.commit()
    return {"themes": themes, "cycle4": cycle4, "cycle3": cycle3, "own": own,
            "joint": joint, "theirs": theirs, "coalition": coalition, "public": public}


def counts(user: Any, **filters: Any) -> dict[str, dict[Any, int]]:
    facets = services.facet_counts(user, SubmissionFilters(**filters))
    return {name: {v.value: v.count for v in values} for name, values in facets.items()}


def test_counts_cover_only_what_the_reader_may_see(app: Any, world: Any, scene: Any) -> None:
    s = scene
    # world.org's editor: its two, the coalition one, the published one; not world.other's
    # private draft.
    seen = counts(world.users["editor"])
    assert seen["status"] == {"draft": 3, "published": 1}
    assert seen["kind"] == {"individual": 3, "joint": 1}
    assert seen["review"] == {s["cycle4"].id: 3, s["cycle3"].id: 1}
    # Lead or co-submitter: world.other takes part in the joint one and leads the public one.
    assert seen["organisation"] == {world.org.id: 2, world.other.id: 2,
                                    world.steering_org.id: 1}
    assert seen["theme"] == {s["themes"][0].id: 2, s["themes"][1].id: 2}
    # world.other's viewer: its private draft, the joint one, the coalition one, the public.
    other = counts(world.users["other_viewer"])
    assert other["organisation"] == {world.org.id: 1, world.other.id: 3,
                                     world.steering_org.id: 1}
    # A researcher: only the published public one.
    assert counts(world.users["researcher"])["status"] == {"published": 1}
    # The coordinator: all five.
    assert sum(counts(world.users["coordinator"])["status"].values()) == 5


def test_each_facet_is_counted_under_the_others(app: Any, world: Any, scene: Any) -> None:
    s = scene
    chosen = counts(world.users["editor"], review=s["cycle4"].id, kind="individual")
    # The review facet ignores its own choice: what choosing another review would show.
    assert chosen["review"] == {s["cycle4"].id: 2, s["cycle3"].id: 1}
    assert chosen["kind"] == {"individual": 2, "joint": 1}
    assert chosen["status"] == {"draft": 2}
    assert chosen["organisation"] == {world.org.id: 1, world.steering_org.id: 1}


def signed_in(app: Any, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def test_the_page_lists_facets_with_links_that_combine(app: Any, world: Any,
                                                       scene: Any) -> None:
    s = scene
    editor = signed_in(app, "editor@example.org")
    html = editor.client.get(f"/submissions/?review={s['cycle4'].id}").get_data(as_text=True)
    assert "Own private draft" in html and "Joint draft" in html
    assert "Their private draft" not in html and "Published public" not in html
    assert 'class="facets-toggle"' in html and 'class="facets"' in html
    # A link for "joint" keeps the chosen review; the chosen review's link takes it away.
    links = re.findall(r'href="(/submissions/\?[^"]+)"', html.replace("&amp;", "&"))
    assert f"/submissions/?review={s['cycle4'].id}&kind=joint" in links
    assert '<a href="/submissions/" aria-current="true"' in html  # the chosen review, unchosen
    # Following the combination.
    html = editor.client.get(f"/submissions/?review={s['cycle4'].id}&kind=joint&"
                             f"organisation={world.other.id}").get_data(as_text=True)
    assert "Joint draft" in html and "Own private draft" not in html
    assert "Stakeholder submissions: Other Organisation" in html
    # Per theme: just a filtered list.
    html = editor.client.get(f"/submissions/?theme={s['themes'][1].id}").get_data(as_text=True)
    assert "Joint draft" in html and "Published public" in html
    assert "Own private draft" not in html


def test_another_organisations_draft_never_shows_even_in_a_count(app: Any, world: Any,
                                                                  scene: Any) -> None:
    editor = signed_in(app, "editor@example.org")
    html = editor.client.get(f"/submissions/?organisation={world.other.id}&status=draft"
                             ).get_data(as_text=True)
    assert "Their private draft" not in html
    assert "Joint draft" in html


def test_the_organisation_page_links_to_its_submissions(app: Any, world: Any,
                                                        scene: Any) -> None:
    editor = signed_in(app, "editor@example.org")
    html = editor.client.get(f"/organisations/{world.other.slug}").get_data(as_text=True)
    assert f"/submissions/?organisation={world.other.id}" in html


def test_a_constant_number_of_queries(app: Any, world: Any, scene: Any) -> None:
    editor = signed_in(app, "editor@example.org")
    url = f"/submissions/?review={scene['cycle4'].id}&status=draft"

    def queries() -> int:
        with counting() as statements:
            assert editor.client.get(url).status_code == 200
        return len(statements)

    few = queries()
    for n in range(25):
        joint = services.create_submission(
            world.users["editor"], scene["cycle4"], f"More {n:02d}", "joint", world.org,
            [world.other.id, world.steering_org.id], [t.id for t in scene["themes"]])
        db.session.flush()
        services.answer(world.users["other_editor"], joint.participants[0], "confirmed")
    db.session.commit()
    assert queries() == few
