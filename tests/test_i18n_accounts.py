"""Issue 9 §1 and §3 item 12 for accounts, organisations and the audit log: every text of their
templates is marked for translation, and the audit log shows people words, not code names
(`statement.open_signon`, `locale en → zh_Hant`), with dates written the reader's way."""

from __future__ import annotations

import ast
import html as html_lib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from coalition.audit.labels import ACTION_LABELS, action_label, change_value, field_label
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.i18n.templatecheck import check_templates
from coalition.statements import services as statements

ROOT = Path(__file__).resolve().parent.parent
# Calls that record an audit event, and the position of their action argument.
RECORDING_CALLS = {"record": 1, "set_password": 3}


def visible_text(page: str) -> str:
    """What a reader sees of a page: its text without tags, attributes, scripts and styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def recorded_actions() -> set[str]:
    """Every action name the code base passes to audit.record() (directly, or through
    accounts' set_password()); `f"statement.{action}"` stands for every statement transition."""
    found: set[str] = set()
    for path in sorted((ROOT / "coalition").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = RECORDING_CALLS.get(name or "")
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.JoinedStr):
                prefix = "".join(str(part.value) for part in argument.values
                                 if isinstance(part, ast.Constant))
                assert prefix == "statement.", f"{path}: unexpected f-string action {prefix!r}"
                found.update(f"statement.{action}" for action in statements.TRANSITIONS)
                continue
            found.update(const.value for const in ast.walk(argument)
                         if isinstance(const, ast.Constant) and isinstance(const.value, str))
    return found


def test_the_account_organisation_and_audit_templates_have_no_unmarked_text(app: Flask) -> None:
    found = check_templates(app.jinja_env, ROOT / "templates",
                            ["accounts", "organisations", "audit"])
    assert [str(f) for f in found] == []


def test_every_recorded_action_has_a_label() -> None:
    actions = recorded_actions()
    # The scan finds what the issue names, and the calls through set_password().
    assert {"statement.open_signon", "user.update_profile", "user.change_password",
            "user.reset_password", "membership.update"} <= actions
    assert sorted(actions - ACTION_LABELS.keys()) == []


def test_the_audit_log_shows_labels_not_code_names(app: Flask, world: Any, auth: Any,
                                                   client: FlaskClient) -> None:
    statement = statements.create_statement(world.users["editor"], world.org,
                                            "Joint statement", "HRC", "oral", "en", [], "Text.")
    statements.transition(world.users["steering"], statement, "open_signon",
                          utcnow() + timedelta(days=7))
    db.session.commit()
    auth.login("coordinator@example.org")
    page = client.get("/audit").get_data(as_text=True)
    text = visible_text(page)
    assert "Opened for sign-on" in text
    assert "Statement created" in text
    assert "statement.open_signon" not in text and "statement.create" not in text
    # The object type, the changed fields and their coded values are named too.
    assert "Statement: Joint statement" in text
    assert "Status Draft → Open for sign-on" in text
    assert "Sign-on deadline" in text and "signon_deadline" not in text
    # The filter offers the labels, and still filters by the stored name.
    assert re.search(r'<option value="statement.open_signon"\s*>Opened for sign-on</option>',
                     page)
    filtered = visible_text(client.get("/audit?action=statement.open_signon")
                            .get_data(as_text=True))
    assert "Opened for sign-on" in filtered and "Statement created" not in filtered.split(
        "Changes", 1)[1]


def test_a_language_change_reads_as_language_english_to_chinese(app: Flask, world: Any,
                                                                auth: Any,
                                                                client: FlaskClient) -> None:
    auth.login("viewer@example.org")
    response = auth.post("/profile", {"display_name": "User viewer", "locale": "zh_Hant"})
    assert response.status_code == 302
    auth.logout()
    auth.login("coordinator@example.org")
    user_id = world.users["viewer"].id
    text = visible_text(client.get(f"/users/{user_id}/history").get_data(as_text=True))
    assert "Profile changed" in text and "user.update_profile" not in text
    assert "Language English → 繁體中文" in text
    assert "locale" not in text and "zh_Hant" not in text


def test_the_audit_log_writes_dates_the_readers_way(app: Flask, world: Any, auth: Any,
                                                    client: FlaskClient) -> None:
    auth.login("coordinator@example.org")
    today = utcnow()
    english = visible_text(client.get("/audit").get_data(as_text=True))
    assert f"{today.day} {today:%b} {today.year}" in english
    # The same log for a coordinator who reads Chinese: Hong Kong's date, and the labels
    # (English until the lead merges this helper's translations into the catalogue).
    auth.post("/profile", {"display_name": "Coordinator", "locale": "zh_Hant"})
    chinese_page = client.get("/audit").get_data(as_text=True)
    chinese = visible_text(chinese_page)
    assert f"{today.year}年{today.month}月{today.day}日" in chinese
    assert '<html lang="zh-Hant">' in chinese_page
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-HK"}):
        label = action_label("user.update_profile")
        language = field_label("locale")
    assert label in chinese and language in chinese
    assert "user.update_profile" not in chinese


def test_code_values_of_a_change_are_shown_by_their_labels(app: Flask) -> None:
    with app.test_request_context():
        assert change_value("locale", "zh_Hant") == "繁體中文"
        assert change_value("role", "org_admin") == "Organisation admin"
        assert change_value("coalition_role", "coordinator") == "Coordinator"
        assert change_value("is_steering", True) == "Yes"
        assert change_value("active", False) == "No"
        assert change_value("password_hash", "(hidden)") == "(hidden)"
        assert change_value("status", "open") == "Open for sign-on"
        assert change_value("status", "not_implemented") == "Not implemented"
        assert change_value("status", "previewing") == "previewing"
        assert change_value("position", "supported_in_part") == "Supported in part"
        assert change_value("email", None) == "—"
        assert change_value("signon_deadline", "2026-12-07T09:00:00+00:00") == "7 Dec 2026, 09:00"
        assert change_value("review_date", "2027-01-22") == "22 Jan 2027"
        assert action_label("no.such_action") == "no.such_action"
    # A fresh app context: Flask-Babel keeps the locale it chose on `g`.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-HK"}):
        assert change_value("review_date", "2027-01-22") == "2027年1月22日"


def test_a_compiled_plural_translation_is_not_reported_as_not_compiled(
        app: Flask, tmp_path: Path, monkeypatch: Any) -> None:
    """The sign-in back-off and "signed out everywhere else" messages are plurals (ngettext);
    once translated and compiled the check must accept them (a .mo reads a plural's strings
    back as a list, the .po as a tuple)."""
    import shutil

    from babel.messages.pofile import read_po, write_po

    from coalition.i18n import catalogue

    copy = tmp_path / "translations"
    shutil.copytree(catalogue.TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(catalogue, "TRANSLATIONS_DIR", copy)
    path = catalogue.po_path("zh_Hant")
    with path.open("rb") as handle:
        po = read_po(handle, locale="zh_Hant")
    plural = ("Signed out everywhere else (%(num)d other session).",
              "Signed out everywhere else (%(num)d other sessions).")
    po.add(plural, ("已在其他 %(num)d 個登入工作階段登出",))
    with path.open("wb") as handle:
        write_po(handle, po)
    catalogue.compile_catalogues()
    problems = {(p.msgid, p.problem) for p in catalogue.check_catalogue()}
    assert (plural[0], "not compiled") not in problems
    assert not [p for p in problems if p[0] == plural[0]]


def test_an_assessments_history_reads_in_the_readers_language(app: Flask, world: Any,
                                                               auth: Any,
                                                               client: FlaskClient) -> None:
    """Found trying it in Chinese: a recommendation's history showed "Hong Kong Unison: Not
    implemented (2026-11-30)" (a sentence stored in English) under a heading "assessment"."""
    from datetime import date

    from sqlalchemy import select

    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import add_assessment, import_file
    from coalition.reviews.services import create_review
    from tests.test_recommendations import ROWS, matrix_docx

    review = create_review(None, "CHN", 3, session=31)
    import_file(None, "matrix.docx", matrix_docx(ROWS), review)
    rec = db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == "28.343")).one()
    add_assessment(world.users["editor"], rec, world.org, "partially", date(2021, 6, 30),
                   "Evidence", "")
    db.session.commit()
    auth.login("coordinator@example.org")
    english = visible_text(client.get(f"/recommendations/{rec.id}/history").get_data(
        as_text=True))
    assert "Status — → Partially implemented" in english and "30 Jun 2021" in english
    auth.post("/profile", {"display_name": "Coordinator", "locale": "zh_Hant"})
    chinese = visible_text(client.get(f"/recommendations/{rec.id}/history").get_data(
        as_text=True))
    assert "Partially implemented" not in chinese and "2021年6月30日" in chinese
