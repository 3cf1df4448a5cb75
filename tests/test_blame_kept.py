"""Issue 7, item 10: "who wrote what" has a cost cap.

Kind of fault, "unbounded attribution": every view of the blame page diffed the whole chain of
revisions again (about 0.9 s more per large revision). Now each revision's attribution is
computed once, from its parent's, and kept; a request computes at most
BLAME_STEPS_PER_REQUEST missing ones and otherwise shows what is ready, saying so.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete

from coalition.extensions import db
from coalition.statements import services
from coalition.statements import text as textlib
from coalition.statements.models import Attribution
from tests.test_statements import TEXT, fresh, page, person

WORDS = ["state", "party", "ensure", "independence", "lawyers", "release", "detained",
         "repeal", "law", "review"]


@pytest.fixture
def attributions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the attribution steps (each one a word diff of a revision against its parent)."""
    calls: list[int] = []
    original = textlib.attribute

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(textlib, "attribute", counting)
    return calls


def _statement(world: Any) -> int:
    statement = services.create_statement(world.users["editor"], world.org, "Joint statement",
                                          co_drafters=[world.other], text=TEXT)
    db.session.commit()
    return statement.id


def _edit(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    choice = rng.random()
    if choice < 0.4:
        words[i] = rng.choice(WORDS)
    elif choice < 0.8 or len(words) < 4:
        words.insert(i, " ".join(rng.choices(WORDS, k=rng.randint(1, 4))))
    else:
        del words[i]
    return " ".join(words)


def _save(world: Any, statement_id: int, text: str, who: str) -> None:
    statement = fresh(statement_id)
    org = world.org if who == "editor" else world.other
    outcome = services.save_text(world.users[who], statement, org, statement.head_number, text)
    assert outcome.kind in {"saved", "unchanged"}
    db.session.commit()


def _whole_chain(statement_id: int) -> list[tuple[str, Any]]:
    return textlib.blame([(r.text, r.organisation_id)
                          for r in services.revisions(fresh(statement_id))])


def _shown(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="blame-\d" title="([^"]+)" tabindex="0">([^<]*)</span>',
                      html)


def test_unbounded_attribution_a_second_view_does_no_attribution_work(
        app: Flask, world: Any, attributions: list[int]) -> None:
    statement_id = _statement(world)
    rng = random.Random(7)
    text = TEXT
    for n in range(5):
        text = _edit(rng, text)
        _save(world, statement_id, text, "editor" if n % 2 else "other_editor")
    viewer = person(app, "viewer@example.org")
    first = page(viewer, f"/statements/{statement_id}/blame")
    assert len(attributions) == 6  # one per revision
    second = page(viewer, f"/statements/{statement_id}/blame")
    assert len(attributions) == 6, "the second view computed attributions again"
    assert _shown(second) == _shown(first)
    assert {"Owning Organisation", "Other Organisation"} <= {name for name, _ in _shown(first)}

    _save(world, statement_id, _edit(rng, text), "editor")
    page(viewer, f"/statements/{statement_id}/blame")
    assert len(attributions) == 7  # only the new revision


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_unbounded_attribution_kept_equals_the_whole_chain_computed_afresh(
        app: Flask, world: Any, seed: int) -> None:
    statement_id = _statement(world)
    rng = random.Random(seed)
    texts = [TEXT]
    for n in range(12):
        if n % 5 == 4:  # a restore of an older text (not the parent's)
            outcome = services.restore(world.users["other_editor"], fresh(statement_id),
                                       rng.randint(1, max(1, len(texts) - 2)), world.other)
            db.session.commit()
            texts.append(outcome.revision.text if outcome.revision else texts[-1])
        else:
            texts.append(_edit(rng, texts[-1]))
            _save(world, statement_id, texts[-1], rng.choice(["editor", "other_editor"]))
        if n % 3 == 0:  # attributions computed along the way, from each parent's
            kept = services.who_wrote_what(fresh(statement_id), max_steps=100)
            assert kept.number == fresh(statement_id).head_number
            assert kept.passages == _whole_chain(statement_id)
    kept = services.who_wrote_what(fresh(statement_id), max_steps=100)
    assert kept.passages == _whole_chain(statement_id)
    db.session.execute(delete(Attribution))
    assert services.who_wrote_what(fresh(statement_id), max_steps=100).passages == \
        kept.passages


def test_unbounded_attribution_a_request_computes_at_most_k_and_says_the_rest_is_coming(
        app: Flask, world: Any, attributions: list[int]) -> None:
    app.config["BLAME_STEPS_PER_REQUEST"] = 2
    statement_id = _statement(world)
    rng = random.Random(3)
    text = TEXT
    for n in range(4):
        text = _edit(rng, text)
        _save(world, statement_id, text, "editor" if n % 2 else "other_editor")
    viewer = person(app, "viewer@example.org")
    path = f"/statements/{statement_id}/blame"
    html = page(viewer, path)
    assert len(attributions) == 2
    assert "being prepared" in html and "This shows revision 2, not the latest (5)" in html
    html = page(viewer, path)
    assert len(attributions) == 4 and "This shows revision 4" in html
    html = page(viewer, path)
    assert len(attributions) == 5 and "being prepared" not in html
    names = {world.org.id: "Owning Organisation", world.other.id: "Other Organisation"}
    assert _shown(html) == [(names[key], str(passage).replace("&", "&amp;"))
                            for passage, key in _whole_chain(statement_id)]
