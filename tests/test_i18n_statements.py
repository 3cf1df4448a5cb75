"""The joint-statement pages in two languages (issue 9, section 1): every text of their
templates is marked, every page fills its placeholders in English and for a Chinese reader,
dates are formatted per locale (no fixed `strftime` pattern), and the DOCX of a Chinese
statement is headed in Chinese as its PDF is.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from coalition.access import person_label
from coalition.extensions import db
from coalition.statements import services
from coalition.statements.models import (
    AUDIENCES,
    LANGUAGES,
    STATEMENT_KINDS,
    STATEMENT_STATUSES,
    _in,
)
from tests.conftest import AuthActions
from tests.test_statements import TEXT, fresh, open_for_signon, person, published_scene

# The templates this file is about, as `coalition translations check --templates` takes them.
TEMPLATES = "statements _macros"
# A placeholder left in the page: `%(name)s`, `%(n)d`, or one half-eaten by escaping.
LEFTOVER = re.compile(r"%\(\w*\)?[sd]?|%\w*\)[sd]")


@pytest.fixture
def scene(app: Flask, world: Any) -> dict[str, Any]:
    """A statement with everything its pages show: a merge, a kept conflict, comments (one
    replied to, one removed), sign-on open with one current and one earlier signature; and a
    second statement, in Chinese, published. Returns the ids and the conflict's URL."""
    statement = services.create_statement(
        world.users["editor"], world.org, "Joint statement on China's UPR outcome",
        "HRC 40th session, item 6", "oral", "en", [world.other], TEXT)
    db.session.commit()
    sid = statement.id
    services.save_text(world.users["editor"], fresh(sid), world.org, 1,
                       TEXT.replace("welcome", "applaud"), "Warmer opening")
    services.save_text(world.users["other_editor"], fresh(sid), world.other, 1,
                       TEXT.replace("Thank you", "We thank you"), "Politer ending")
    conflict = services.save_text(world.users["other_editor"], fresh(sid), world.other, 1,
                                  TEXT.replace("welcome", "regret")).conflict
    first = services.add_comment(world.users["editor"], fresh(sid), world.org,
                                 "Too strong?", quote="We urge the Government")
    services.add_comment(world.users["other_editor"], fresh(sid), world.other, "No.",
                         parent=first)
    second = services.add_comment(world.users["editor"], fresh(sid), world.org, "Typo.")
    services.remove_comment(world.users["editor"], second)
    db.session.commit()
    open_for_signon(sid, world)
    services.sign(world.users["other_admin"], fresh(sid), world.other)
    head = services.head(fresh(sid))
    services.save_text(world.users["editor"], fresh(sid), world.org, head.number,
                       head.text + "\nOne more line.\n")
    db.session.commit()

    chinese = services.create_statement(
        world.users["editor"], world.org, "就普遍定期審議結果的聯合聲明", "人權理事會第四十屆會議",
        "oral", "zh_Hant", [world.other], "我們歡迎通過審議結果。\n")
    db.session.commit()
    return {"id": sid, "chinese": chinese.id,
            "conflict": f"/statements/{sid}/conflicts/{conflict.id}"}


def page_paths(scene: dict[str, Any]) -> dict[str, str]:
    sid = scene["id"]
    return {
        "index": "/statements",
        "new": "/statements/new",
        "show": f"/statements/{sid}",
        "edit": f"/statements/{sid}/edit",
        "history": f"/statements/{sid}/history",
        "diff": f"/statements/{sid}/diff?a=1&b=3",
        "latest changes": f"/statements/{sid}/diff",
        "blame": f"/statements/{sid}/blame",
        "conflict": scene["conflict"],
        "published list": "/statements/published",
    }


def fetch(auth: AuthActions, path: str, language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = auth.client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def words(html: str) -> str:
    return " ".join(html.split())


def test_every_text_of_the_statement_templates_is_marked(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["translations", "check", "--skip-catalogue", "--templates", TEMPLATES])
    assert result.exit_code == 0, result.output
    assert "Templates: 0 unmarked text(s) in 0 file(s)." in result.output


def test_english_statement_pages_fill_every_placeholder(app: Flask, world: Any,
                                                        scene: dict[str, Any]) -> None:
    editor = person(app, "oeditor@example.org")
    for name, path in page_paths(scene).items():
        html = fetch(editor, path)
        assert '<html lang="en">' in html, name
        assert not LEFTOVER.search(html), (name, LEFTOVER.search(html))
    show = words(fetch(editor, f"/statements/{scene['id']}"))
    assert "· revision 4 · " in show and " words</p>" in show
    assert ("Drafted by Owning Organisation (lead), Other Organisation." in show)
    assert "signed an earlier version</strong> (revision 3): asked to re-confirm" in show
    assert "Comment removed by" in show and "(its author)" in show
    assert ": text from revision 1 (" in show  # the kept conflict copy
    history = words(fetch(editor, f"/statements/{scene['id']}/history"))
    assert "4 (latest)" in history and "merged from 1" in history
    assert 'data-confirm="Restore revision 3 as a new revision?"' in history
    diff = words(fetch(editor, f"/statements/{scene['id']}/diff?a=1&b=3"))
    assert "<h1>Revision 1 → 3</h1>" in diff
    assert "Revision 3 by" in diff and ": Politer ending." in diff
    conflict = words(fetch(editor, scene["conflict"]))
    assert "You started from revision 1; revision 3 was saved meanwhile." in conflict
    assert 'aria-label="New wording for passage 1"' in conflict


def test_dates_follow_the_locale_not_a_fixed_pattern(app: Flask, world: Any,
                                                     scene: dict[str, Any]) -> None:
    """English shows '30 Nov 2026, 14:05'-style dates (no ISO `%Y-%m-%d` pattern left);
    Chinese shows 2026年11月30日."""
    editor = person(app, "oeditor@example.org")
    statement = fresh(scene["id"])
    year = statement.created_at.year
    for path in (f"/statements/{scene['id']}", f"/statements/{scene['id']}/history"):
        english = fetch(editor, path)
        assert not re.search(rf"{year}-\d\d-\d\d \d\d:\d\d", english), path
        assert re.search(rf"\d{{1,2}} \w{{3,4}} {year}, \d\d:\d\d", english), path
        world.users["other_editor"].locale = "zh_Hant"
        db.session.commit()
        chinese = fetch(editor, path, "zh-HK")
        world.users["other_editor"].locale = "en"
        db.session.commit()
        assert re.search(rf"{year}年\d{{1,2}}月\d{{1,2}}日", chinese), path


def test_chinese_readers_get_statement_pages_without_placeholders(
        app: Flask, world: Any, scene: dict[str, Any]) -> None:
    """Whatever the catalogue holds, a Chinese reader gets these pages whole: the Chinese
    layout, no raw placeholder, and the statement's own text untranslated."""
    world.users["other_editor"].locale = "zh_Hant"
    db.session.commit()
    editor = person(app, "oeditor@example.org")
    for name, path in page_paths(scene).items():
        html = fetch(editor, path, "zh-HK")
        assert '<html lang="zh-Hant">' in html, name
        assert not LEFTOVER.search(html), (name, LEFTOVER.search(html))
    show = fetch(editor, f"/statements/{scene['id']}", "zh-HK")
    assert "We urge the Government to implement" in show
    assert "<h2>聯署機構</h2>" not in show  # the sign-on section is not the print heading


def test_published_pages_and_docx_in_the_statements_language(
        app: Flask, world: Any, scene: dict[str, Any]) -> None:
    """A Chinese statement's DOCX, like its PDF, is headed and dated in Chinese whatever the
    reader's language; so is its public page (found trying it as a new user)."""
    published_scene(app, world, scene["chinese"])
    anonymous = AuthActions(app.test_client())
    public = words(fetch(anonymous, f"/s/{scene['chinese']}"))
    statement = fresh(scene["chinese"])
    # The public page is in the statement's language, as its PDF is, for any reader.
    published = statement.published_at
    assert f"{published.year}年{published.month}月{published.day}日" in public, public
    assert "Published" not in public and "Signatories" not in public
    assert not LEFTOVER.search(public)
    from docx import Document

    data = anonymous.client.get(f"/s/{scene['chinese']}.docx").data
    texts = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert "聯署機構" in texts, texts
    year = statement.published_at.year
    assert any(re.search(rf"{year}年\d{{1,2}}月\d{{1,2}}日", t) for t in texts), texts
    listing = words(fetch(anonymous, "/statements/published"))
    assert f"published {statement.published_at.day} " in listing


def test_status_and_kind_labels_are_lazy_and_keys_unchanged(app: Flask) -> None:
    assert list(STATEMENT_STATUSES) == ["draft", "in_review", "open", "published", "withdrawn"]
    assert _in(STATEMENT_STATUSES) == ("'draft', 'in_review', 'open', 'published', "
                                       "'withdrawn'")
    assert list(STATEMENT_KINDS) == ["oral", "written", "midterm", "press", "other"]
    assert list(AUDIENCES) == ["drafters", "steering", "members", "public"]
    assert list(LANGUAGES) == ["en", "zh_Hant", "zh_Hans", "fr", "es"]
    with app.test_request_context():
        assert str(STATEMENT_STATUSES["open"]) == "Open for sign-on"
        assert str(LANGUAGES["zh_Hant"]) == "Traditional Chinese"
        assert person_label(None) == "someone"
        assert person_label(None, nobody="—") == "—"


def test_refusals_and_flashes_fill_their_placeholders(app: Flask, world: Any,
                                                      scene: dict[str, Any]) -> None:
    """A service refusal said on the statement page names the organisation and the status."""
    admin = person(app, "oadmin@example.org")
    sid = scene["id"]
    response = admin.post(f"/statements/{sid}/withdraw-signature",
                          data={"organisation": str(world.other.id)}, follow_redirects=True)
    assert response.status_code == 200
    response = admin.post(f"/statements/{sid}/withdraw-signature",
                          data={"organisation": str(world.other.id)}, follow_redirects=True)
    html = words(response.get_data(as_text=True))
    assert ("Other Organisation has not signed this statement (or has already withdrawn)."
            in html)
    assert not LEFTOVER.search(html)
