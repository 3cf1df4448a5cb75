"""Asks and impact (issue 12, items 4 and 6): a submission's asks (add, paste, edit, reorder,
remove), links proposed by text similarity and decided by members, the impact page of a
review counted over what the reader may see, and the recommendation page's "Asked for by"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select

from coalition.audit.models import AuditEvent
from coalition.extensions import db
from coalition.impact import services, similarity
from coalition.impact.models import Ask, AskLink
from coalition.recommendations.models import Recommendation, recommending_state
from coalition.recommendations.services import add_assessment
from coalition.reviews.models import State, Theme
from coalition.reviews.services import create_review, ensure_reference_data
from coalition.submissions import services as submissions
from coalition.submissions.models import Submission
from tests.conftest import AuthActions

RECS = {
    "28.205": ("Guarantee freedom of expression, assembly and association including in Hong "
               "Kong, and remove obstacles to freedom of information on the Internet, in "
               "particular for human rights defenders", ["FRA", "DEU"], "noted"),
    "28.343": ("Uphold the rights, freedoms and rule of law embodied in the one country, two "
               "systems framework for Hong Kong", ["AUS"], "supported"),
    "28.344": ("Enhance monitoring of the implementation of the Standard Employment Contract, "
               "particularly for migrant domestic workers in Hong Kong", ["PHL"], "supported"),
    "28.100": ("Continue efforts to reduce poverty in rural areas", ["VNM"], "supported"),
    "28.101": ("Abolish the death penalty", ["FRA"], "noted"),
}


def signed_in(app: Any, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


@pytest.fixture
def scene(app: Any, world: Any) -> dict[str, Any]:
    ensure_reference_data()
    review = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6))
    states = {s.code: s for s in db.session.scalars(select(State))}
    recs = {}
    for n, (paragraph, (text, codes, position)) in enumerate(RECS.items()):
        rec = Recommendation(review=review, paragraph=paragraph, paragraph_sort=n, text=text,
                             text_key=paragraph, position=position,
                             recommending_states=[states[c] for c in codes])
        db.session.add(rec)
        recs[paragraph] = rec
    db.session.flush()
    themes = list(db.session.scalars(select(Theme).where(Theme.kind == "ohchr")
                                     .order_by(Theme.code).limit(2)))
    editor = world.users["editor"]
    public = submissions.create_submission(editor, review, "Public joint", "joint", world.org,
                                           [world.other.id], [themes[0].id], "public", "JS1")
    submissions.answer(world.users["other_editor"], public.participants[0], "confirmed")
    private = submissions.create_submission(editor, review, "Private draft", "individual",
                                            world.org, theme_ids=[themes[1].id])
    add_assessment(editor, recs["28.343"], world.org, "regressed", date(2021, 1, 5))
    db.session.commit()
    return {"review": review, "recs": recs, "public": public, "private": private,
            "themes": themes}


def test_asks_are_added_pasted_edited_moved_and_removed(app: Any, world: Any,
                                                        scene: dict[str, Any]) -> None:
    sub = scene["private"]
    editor = signed_in(app, "editor@example.org")
    url = f"/submissions/{sub.id}/asks"
    # An empty ask: refused naming the field.
    refused = editor.post(url, data={"text": "   "})
    assert refused.status_code == 400 and "Write the ask" in refused.get_data(as_text=True)
    assert editor.post(url, data={"text": "Abolish the death penalty now.",
                                  "themes": [str(scene["themes"][0].id)]}).status_code == 302
    # A pasted numbered list: one ask per paragraph, the numbers taken off.
    pasted = "1. Protect freedom of expression\nin Hong Kong.\n\n2) Reduce rural poverty."
    assert editor.post(f"{url}/paste", data={"pasted": pasted}).status_code == 302
    asks = services.asks_of(sub)
    assert [(a.number, a.text) for a in asks] == [
        (1, "Abolish the death penalty now."), (2, "Protect freedom of expression in Hong Kong."),
        (3, "Reduce rural poverty.")]
    # A list with one ask too long: nothing added, the pasted text shown again.
    too_long = "Short ask.\n" + "x" * (services.MAX_ASK_LENGTH + 1)
    refused = editor.post(f"{url}/paste", data={"pasted": too_long})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Ask 2 of the list is longer than" in page and "Short ask." in page
    # An edit that fails keeps the typed text; one that passes saves it.
    ask = asks[2]
    refused = editor.post(f"{url}/{ask.id}/edit", data={"text": "x" * 5001})
    assert refused.status_code == 400 and "x" * 5001 in refused.get_data(as_text=True)
    assert editor.post(f"{url}/{ask.id}/edit",
                       data={"text": "Reduce poverty in rural areas."}).status_code == 302
    assert editor.post(f"{url}/{ask.id}/up").status_code == 302
    db.session.expire_all()
    assert [a.text[:10] for a in services.asks_of(sub)] == [
        "Abolish th", "Reduce pov", "Protect fr"]
    assert editor.post(f"{url}/{asks[0].id}/delete").status_code == 302
    db.session.expire_all()
    assert [(a.number, a.text[:10]) for a in services.asks_of(sub)] == [
        (1, "Reduce pov"), (2, "Protect fr")]
    # Every step is in the submission's history, with labels.
    from coalition.audit.labels import ACTION_LABELS

    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "submission", AuditEvent.object_id == sub.id)).all()
    assert {"ask.create", "ask.paste", "ask.update", "ask.reorder", "ask.delete"} <= set(
        actions) <= set(ACTION_LABELS)
    # The submission page shows the asks (its include); a viewer may read, not edit.
    viewer = signed_in(app, "viewer@example.org")
    page = viewer.client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Reduce poverty in rural areas." in page and "The asks and their links" in page
    assert viewer.post(url, data={"text": "Mine"}).status_code == 403


def test_proposals_find_the_paraphrased_recommendation(app: Any, world: Any,
                                                       scene: dict[str, Any]) -> None:
    sub, recs = scene["public"], scene["recs"]
    editor = world.users["editor"]
    ask = services.add_ask(editor, sub, "Protect freedom of expression, peaceful assembly and "
                           "association in Hong Kong, and stop restricting online information "
                           "for human rights defenders")
    other = services.add_ask(editor, sub, "Strengthen inspection of employment contracts of "
                             "foreign domestic workers in Hong Kong")
    db.session.commit()
    auth = signed_in(app, "editor@example.org")
    assert auth.post(f"/submissions/{sub.id}/asks/propose").status_code == 302
    db.session.expire_all()
    links = {(lk.ask_id, lk.recommendation_id): lk for lk in db.session.scalars(select(AskLink))}
    best = links[(ask.id, recs["28.205"].id)]
    assert best.state == "proposed" and best.score >= similarity.THRESHOLD
    assert {"freedom", "expression", "association", "defender"} <= set(best.words)
    assert (other.id, recs["28.344"].id) in links
    assert (ask.id, recs["28.100"].id) not in links  # poverty: nowhere near
    page = auth.client.get(f"/submissions/{sub.id}/asks").get_data(as_text=True)
    assert "<mark>freedom</mark>" in page and "Matching words" in page
    assert f"score {round(best.score)}" in page
    # Confirm one, reject the other: the rejected one is not proposed again.
    wrong = links[(other.id, recs["28.344"].id)]
    assert auth.post(f"/submissions/{sub.id}/asks/links/{best.id}/confirm").status_code == 302
    assert auth.post(f"/submissions/{sub.id}/asks/links/{wrong.id}/reject").status_code == 302
    services.refresh_proposals(editor, scene["review"], sub)
    db.session.commit()
    db.session.expire_all()
    rows = {(lk.ask_id, lk.recommendation_id): lk.state
            for lk in db.session.scalars(select(AskLink))}
    assert rows[(ask.id, recs["28.205"].id)] == "confirmed"
    assert rows[(other.id, recs["28.344"].id)] == "rejected"
    assert sum(1 for k in rows if k == (other.id, recs["28.344"].id)) == 1
    # A link by hand: by paragraph; an unknown paragraph is a field error, text kept.
    refused = auth.post(f"/submissions/{sub.id}/asks/{other.id}/link",
                        data={f"l{other.id}-reference": "28.999"})
    assert refused.status_code == 400
    assert "No recommendation 28.999 in this review" in refused.get_data(as_text=True)
    assert auth.post(f"/submissions/{sub.id}/asks/{other.id}/link",
                     data={f"l{other.id}-reference": "28.344"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(AskLink.state).where(
        AskLink.ask_id == other.id, AskLink.recommendation_id == recs["28.344"].id)).one() \
        == "confirmed"
    # A confirmed co-submitter's editor may decide links; its viewer may not.
    propose = f"/submissions/{sub.id}/asks/propose"
    assert signed_in(app, "oeditor@example.org").post(propose).status_code == 302
    assert signed_in(app, "oviewer@example.org").post(propose).status_code == 403


def _link(actor: Any, ask: Ask, paragraph: str) -> None:
    services.link_by_hand(actor, ask, paragraph)


def test_impact_counts_only_what_the_reader_may_see(app: Any, world: Any,
                                                    scene: dict[str, Any]) -> None:
    editor = world.users["editor"]
    public, private, recs = scene["public"], scene["private"], scene["recs"]
    a1 = services.add_ask(editor, public, "Guarantee freedom of expression in Hong Kong")
    a2 = services.add_ask(editor, public, "Uphold the rule of law in Hong Kong",
                          [scene["themes"][1].id])
    services.add_ask(editor, public, "Something no State recommended")
    p1 = services.add_ask(editor, private, "Abolish the death penalty")
    _link(editor, a1, "28.205")
    _link(editor, a2, "28.343")
    _link(editor, p1, "28.101")
    submissions.change_status(editor, public, "submitted", date(2018, 3, 1))
    submissions.change_status(editor, public, "published", date(2018, 8, 1))
    db.session.commit()
    review = scene["review"]

    member = services.impact(world.users["viewer"], review)  # sees both
    assert (member.submissions, member.asks, member.taken_up) == (2, 4, 3)
    by_org = {name: (made, taken) for _id, name, made, taken in member.by_organisation}
    assert by_org == {"Owning Organisation": (4, 3), "Other Organisation": (3, 2)}
    by_state = {name: (taken, n) for name, taken, n in member.by_state}
    assert by_state == {"France": (2, 2), "Germany": (1, 1), "Australia": (1, 1)}
    assert member.by_position == {"noted": 2, "supported": 1}
    assert member.by_status == {None: 2, "regressed": 1}
    themes = {code: (made, taken) for code, _name, made, taken in member.by_theme}
    t0, t1 = (t.code for t in scene["themes"])
    # a1 and the unlinked ask carry the submission's theme, a2 its own, p1 its submission's.
    assert themes == {t0: (2, 1), t1: (2, 2)}

    outsider = services.impact(world.users["other_viewer"], review)  # not the private draft
    assert (outsider.submissions, outsider.asks, outsider.taken_up) == (1, 3, 2)
    assert "France" in {n for n, *_ in outsider.by_state}
    assert {n: t for n, t, _ in outsider.by_state}["France"] == 1

    other = signed_in(app, "oviewer@example.org")
    page = other.client.get(f"/reviews/{review.slug}/impact").get_data(as_text=True)
    assert "Abolish the death penalty" not in page and "Private draft" not in page
    assert "Guarantee freedom of expression in Hong Kong" in page
    assert other.client.get(f"/submissions/{private.id}/asks").status_code == 403
    rec_page = other.client.get(f"/recommendations/{recs['28.101'].id}").get_data(as_text=True)
    assert "Asked for by" not in rec_page and "Private draft" not in rec_page
    rec_page = other.client.get(f"/recommendations/{recs['28.205'].id}").get_data(as_text=True)
    assert "Asked for by" in rec_page and "Public joint" in rec_page
    own = signed_in(app, "viewer@example.org")
    rec_page = own.client.get(f"/recommendations/{recs['28.101'].id}").get_data(as_text=True)
    assert "Asked for by" in rec_page and "Private draft" in rec_page
    page = own.client.get(f"/reviews/{review.slug}/impact").get_data(as_text=True)
    assert "Abolish the death penalty" in page and "Regressed" in page
    # Researchers: published public submissions only; the public status only.
    researcher = services.impact(world.users["researcher"], review)
    assert (researcher.asks, researcher.taken_up) == (3, 2)
    assert researcher.by_status == {None: 2}


def test_the_impact_page_takes_the_same_queries_whatever_the_size(
        app: Any, world: Any, scene: dict[str, Any]) -> None:
    editor = world.users["editor"]
    review = scene["review"]

    def queries() -> int:
        count = 0

        def seen(*_args: Any) -> None:
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            db.session.expire_all()
            services.impact(editor, review)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return count

    small = queries()
    for n in range(12):
        sub = submissions.create_submission(editor, review, f"More {n}", "individual",
                                            world.org, theme_ids=[scene["themes"][n % 2].id])
        for text in ("Uphold the rule of law in Hong Kong", "Abolish the death penalty"):
            ask = services.add_ask(editor, sub, text)
            _link(editor, ask, "28.343" if "law" in text else "28.101")
    db.session.commit()
    # Seven queries of its own, the rest load the reader (memberships) after expire_all.
    assert queries() == small <= 12


def test_the_demo_seeds_submissions_with_linked_asks(app: Any, world: Any) -> None:
    from coalition.demo.impact import JOINT_TITLE, seed_submissions
    from coalition.demo.services import seed_demo

    db.session.rollback()
    from tests.conftest import clear_tables

    clear_tables()
    assert seed_demo() is True
    db.session.commit()
    assert seed_submissions() is False  # once
    joint = db.session.scalars(select(Submission).where(Submission.title == JOINT_TITLE)).one()
    assert joint.kind == "joint" and [p.state for p in joint.participants] == ["confirmed"] * 3
    states = db.session.scalars(select(AskLink.state).join(Ask).where(
        Ask.submission_id == joint.id)).all()
    assert states.count("confirmed") == 3 and "proposed" in states and "rejected" in states
    confirmed = db.session.scalars(select(Recommendation.paragraph).join(
        AskLink, AskLink.recommendation_id == Recommendation.id).where(
        AskLink.state == "confirmed")).all()
    assert sorted(confirmed) == ["28.205", "28.343", "28.344", "28.346"]
    assert db.session.scalar(select(recommending_state.c.state_id).limit(1)) is not None
