"""An import's problem rows are written in the uploader's language (issue 9 §1).

The report of an import is produced in the background worker, where there is no request: the
worker writes it in the language of the profile of the person who uploaded the file, so a
coordinator reading Chinese reads the problem rows in Chinese on the import's page, while the
same file uploaded by someone reading English (or imported on the command line) stays English.

The Chinese checked here is the catalogue's: the fixture compiles the repository's zh-Hant
catalogue, adding the two row problems of the test file where the catalogue does not have them
yet, into a temporary directory that the app then reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, gettext
from markupsafe import escape

from coalition import PACKAGE_DIR
from coalition.extensions import babel
from coalition.recommendations.models import ImportJob
from tests.test_import_flow import PROBLEMS, csv_with_problems, job_id_of, upload

UNKNOWN_STATE = "unknown recommending State %(name)s"
UNKNOWN_POSITION = "unknown position %(words)s"
# The test file's two problem rows, as the reviewer reading Chinese reads them; used only when
# the repository's catalogue does not translate them (yet).
FALLBACK = {UNKNOWN_STATE: "不明的提出建議的國家 %(name)s",
            UNKNOWN_POSITION: "不明的立場 %(words)s"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _clear_translation_cache() -> None:
    """Flask-Babel caches loaded catalogues on its one Domain, for every app alike."""
    babel.domain_instance.cache.clear()


@pytest.fixture
def zh_catalogue(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """The repository's zh-Hant catalogue (plus FALLBACK where it lacks those), compiled into
    tmp_path and read by the app for the test's duration."""
    source = PACKAGE_DIR / "translations" / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalogue = read_po(handle, locale="zh_Hant")
    for msgid, msgstr in FALLBACK.items():
        present = catalogue.get(msgid)
        if present is None or not present.string:
            catalogue.add(msgid, msgstr, flags=("python-format",))
    target = tmp_path / "zh_Hant" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    config = app.extensions["babel"]
    saved = config.translation_directories
    config.translation_directories = [str(tmp_path)]
    _clear_translation_cache()
    try:
        yield tmp_path
    finally:
        config.translation_directories = saved
        _clear_translation_cache()


def expected_problems(locale: str) -> list[tuple[int, str]]:
    """The test file's problem rows (line, reason) as the catalogue words them in `locale`."""
    with force_locale(locale):
        return [(4, gettext(UNKNOWN_STATE, name=repr("Atlantis"))),
                (7, gettext(UNKNOWN_POSITION, words=repr("Maybe later")))]


def test_a_chinese_reader_uploading_sees_the_problem_rows_in_chinese(
        db: Any, client: Any, auth: Any, world: Any, zh_catalogue: Path) -> None:
    world.users["steering"].locale = "zh_Hant"
    db.session.commit()
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, csv_with_problems(), "egypt.csv"))

    problems = expected_problems("zh_Hant")
    assert all(CJK.search(reason) for _, reason in problems)
    # Stored in the report as the worker wrote them, in the uploader's language...
    job = db.session.get(ImportJob, job_id)
    assert [tuple(error) for error in job.report["errors"]] == problems
    # ...and shown so on the import's page, each with its line.
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    for line, reason in problems:
        assert f"<td>{line}</td><td>{escape(reason)}</td>" in html
    assert "unknown recommending State" not in html


def test_an_english_reader_uploading_the_same_file_sees_english(
        db: Any, client: Any, auth: Any, world: Any, zh_catalogue: Path) -> None:
    world.users["steering"].locale = "en"
    db.session.commit()
    auth.login("steering@example.org")
    job_id = job_id_of(upload(auth, csv_with_problems(), "egypt.csv"))

    job = db.session.get(ImportJob, job_id)
    assert [tuple(error) for error in job.report["errors"]] == PROBLEMS
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "<td>4</td><td>unknown recommending State &#39;Atlantis&#39;</td>" in html
    assert "<td>7</td><td>unknown position &#39;Maybe later&#39;</td>" in html
    assert "不明" not in html


def test_the_worker_answers_in_chinese_without_a_request(app: Flask, zh_catalogue: Path) -> None:
    """translated() works in the worker's app context alone (no request context)."""
    from flask import has_request_context

    from coalition.i18n import translated
    from coalition.recommendations.importers.records import UnknownPositionError, map_position

    assert not has_request_context()
    with translated("zh_Hant"), pytest.raises(UnknownPositionError) as caught:
        map_position("Maybe later")
    assert str(caught.value) == expected_problems("zh_Hant")[1][1]
    with pytest.raises(UnknownPositionError) as caught:
        map_position("Maybe later")
    assert str(caught.value) == "unknown position 'Maybe later'"
