# ruff: noqa: RUF001  (Chinese text: full-width punctuation is meant)
"""The tracker, recommendation, reviews, import pages and the home page in two languages
(issue 9, section 1): every text of their templates is marked, no page shows a placeholder
(`%(n)s`) that was not filled in, and a Chinese browser gets them in Chinese.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from flask import Flask
from sqlalchemy import select

from coalition.i18n import catalogue
from coalition.recommendations.models import (
    ENTRY_KINDS,
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    RESPONSE_KINDS,
    Recommendation,
    _in,
)
from coalition.recommendations.services import import_file
from tests.test_import_flow import clean_csv, csv_with_problems, job_id_of, upload

# The templates this file is about, as `coalition translations check --templates` takes them.
TEMPLATES = "recommendations reviews core _macros"
# Where the marked strings of these pages come from (templates and Python).
SOURCES = ("templates/recommendations/", "templates/reviews/", "templates/core/home.html",
           "templates/_macros/", "coalition/recommendations/forms.py",
           "coalition/recommendations/views.py", "coalition/recommendations/services.py",
           "coalition/recommendations/tracker.py", "coalition/recommendations/models.py",
           "coalition/recommendations/jobs.py", "coalition/reviews/", "coalition/cli.py")
# A placeholder left in the page: `%(name)s`, `%(n)d`, or one half-eaten by escaping.
LEFTOVER = re.compile(r"%\(\w*\)?[sd]?|%\w*\)[sd]")


@pytest.fixture
def pages(db: Any, client: Any, auth: Any, world: Any) -> dict[str, str]:
    """The pages of this area, signed in as a steering-committee editor (who may import):
    name -> path. The data: an Egypt review with five recommendations from a UPR Info
    export, and a previewed import of a file with two problem rows."""
    import_file(None, "egypt.csv", clean_csv())
    db.session.commit()
    rec = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).first()
    assert rec is not None
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, csv_with_problems(), "egypt-problems.csv"))
    return {
        "home": "/",
        "tracker": "/tracker",
        "tracker filtered": "/tracker?position=supported&q=torture",
        "tracker bad filter": "/tracker?review=abc",
        "recommendation": f"/recommendations/{rec.id}",
        "reviews": "/reviews",
        "review": "/reviews/egy-2",
        "review edit": "/reviews/egy-2/edit",
        "new review": "/reviews/new",
        "imports": "/imports/",
        "new import": "/imports/new",
        "import preview": f"/imports/{job_id}",
        "import rows": f"/imports/{job_id}?outcome=created",
    }


def fetch(client: Any, path: str, language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 400), (path, response.status_code)
    return response.get_data(as_text=True)


def test_english_pages_fill_every_placeholder(client: Any, pages: dict[str, str]) -> None:
    for name, path in pages.items():
        html = fetch(client, path)
        assert '<html lang="en">' in html, name
        assert not LEFTOVER.search(html), (name, LEFTOVER.search(html))
    tracker = fetch(client, pages["tracker"])
    assert "<strong>5</strong> recommendations</p>" in tracker
    assert ">Filters</summary>" in tracker and "Apply filters" in tracker
    assert "Supported" in tracker and "Egypt, cycle 2" in tracker
    assert "Review: unknown value &#39;abc&#39; ignored." in fetch(client,
                                                                  pages["tracker bad filter"])
    preview = fetch(client, pages["import preview"])
    assert "As it is, this file imports nothing: 2 rows have problems" in preview
    assert "Review EGY cycle 2" not in preview  # the review exists: no notice
    assert "Import the 5 good rows and skip 2" in preview
    review = fetch(client, pages["review"])
    assert "Egypt: UPR cycle 2" in review and "All 5 recommendations" in review


def in_chinese(db: Any, world: Any) -> None:
    """The signed-in steering member's profile says 繁體中文 (a profile's language beats the
    browser's; the requests also send Accept-Language: zh-HK, as a Hong Kong browser does)."""
    world.users["steering"].locale = "zh_Hant"
    db.session.commit()


def test_chinese_browsers_get_the_pages_in_zh_hant_without_placeholders(
        db: Any, client: Any, world: Any, pages: dict[str, str]) -> None:
    """Whatever the catalogue holds, a Chinese reader gets these pages whole: the Chinese
    layout, no raw placeholder, and the data (States, recommendation texts) untranslated."""
    in_chinese(db, world)
    for name, path in pages.items():
        html = fetch(client, path, "zh-HK")
        assert '<html lang="zh-Hant">' in html, name
        assert not LEFTOVER.search(html), (name, LEFTOVER.search(html))
    tracker = fetch(client, pages["tracker"], "zh-HK")
    assert "Ratify the OP-CAT" in tracker  # a recommendation's text stays in its language


def test_chinese_pages_say_it_in_chinese(db: Any, client: Any, world: Any,
                                         pages: dict[str, str]) -> None:
    in_chinese(db, world)
    tracker = fetch(client, pages["tracker"], "zh-HK")
    assert "<h1>建議追蹤</h1>" in tracker
    assert ">篩選</summary>" in tracker and "套用篩選" in tracker
    assert "<strong>5</strong> 項建議" in tracker and "支持" in tracker
    for english in ("Recommendation tracker", "Apply filters", "Recommended by", "Supported"):
        assert english not in tracker, english
    assert "普遍定期審議第 2 輪" in fetch(client, pages["recommendation"], "zh-HK")
    reviews = fetch(client, pages["reviews"], "zh-HK")
    assert "受審議國" in reviews and "部分支持" in reviews and "注意到" in reviews
    preview = fetch(client, pages["import preview"], "zh-HK")
    assert "預覽：尚未儲存任何內容" in preview and "匯入 5 列沒有問題的列，略過 2 列" in preview
    assert "匯入建議" in fetch(client, pages["new import"], "zh-HK")


def test_every_text_of_these_templates_is_marked(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["translations", "check", "--skip-catalogue", "--templates", TEMPLATES])
    assert result.exit_code == 0, result.output
    assert "Templates: 0 unmarked text(s) in 0 file(s)." in result.output


def test_every_string_of_these_pages_has_a_zh_hant_translation(app: Flask) -> None:
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string
                  for m in catalogue.read_catalog("zh_Hant") if m.id}
    marked = [m.id if isinstance(m.id, str) else m.id[0] for m in catalogue.extract()
              if m.id and any(path.startswith(SOURCES) for path, _line in m.locations)]
    assert len(marked) > 250
    missing = [msgid for msgid in marked if not translated.get(msgid)]
    assert missing == []


def test_translated_labels_leave_the_stored_keys_alone() -> None:
    """The labels are lazy (translated when shown); the keys, which the database stores and its
    CHECK constraints list, are the same plain words as before."""
    assert list(POSITIONS) == ["supported", "supported_in_part", "noted", "pending"]
    assert _in(POSITIONS) == "'supported', 'supported_in_part', 'noted', 'pending'"
    assert list(ENTRY_KINDS) == ["recommendation", "pledge"]
    assert list(RESPONSE_KINDS) == ["addendum", "midterm", "treaty_body", "legco",
                                    "press_release", "other"]
    assert list(IMPLEMENTATION_STATUSES) == ["not_implemented", "partially", "fully",
                                             "regressed", "unclear"]
    assert str(POSITIONS["supported_in_part"]) == "Supported in part"


def test_a_compiled_plural_translation_passes_the_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check read a plural message back from the .mo as a list and compared it with the
    .po's tuple, so every plural (this area has six) was 'not compiled' even once compiled."""
    copy = tmp_path / "translations"
    shutil.copytree(catalogue.TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(catalogue, "TRANSLATIONS_DIR", copy)
    path = catalogue.po_path("zh_Hant")
    with path.open("rb") as handle:
        po = read_po(handle, locale="zh_Hant")
    po.add(("%(count)s warning", "%(count)s warnings"), ("%(count)s 項警告",))
    with path.open("wb") as handle:
        write_po(handle, po)
    catalogue.compile_catalogues()
    problems = {(p.msgid, p.problem) for p in catalogue.check_catalogue()}
    assert ("%(count)s warning", "not compiled") not in problems
    assert ("%(count)s warning", "untranslated") not in problems
