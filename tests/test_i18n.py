# ruff: noqa: RUF001  (Chinese text: full-width punctuation is meant)
"""Two languages (issue 9, section 1): which language a page is in, the language switch, dates
and numbers per locale, the error pages and e-mails in Chinese, and the translations check."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from flask import Flask, render_template_string
from sqlalchemy import select

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.i18n import catalogue, templatecheck
from tests.conftest import AuthActions, csrf_from


def page(client: Any, path: str = "/", language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- which language ---------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["zh-HK", "zh-TW", "zh-Hant", "zh-MO", "zh-Hant-HK",
                                    "zh-CN", "zh", "fr-FR, zh-HK;q=0.8, en;q=0.5",
                                    "en;q=0.4, zh-HK"])
def test_a_chinese_browser_gets_the_chinese_layout(client: Any, header: str) -> None:
    html = page(client, "/", header)
    assert '<html lang="zh-Hant">' in html
    assert ">登入</a>" in html and "跳至主要內容" in html
    assert "語言：" in html and "Skip to content" not in html


@pytest.mark.parametrize("header", [None, "en-GB", "en-US,en;q=0.9", "fr-FR, de;q=0.8",
                                    "en, zh-HK;q=0.5"])
def test_other_browsers_get_english(client: Any, header: str | None) -> None:
    html = page(client, "/", header)
    assert '<html lang="en">' in html
    assert ">Sign in</a>" in html and "Skip to content" in html


def test_the_profile_language_beats_the_browsers(app: Flask, db: Any, make_user: Any) -> None:
    make_user("amy@example.org")
    user = make_user("bo@example.org")
    user.locale = "zh_Hant"
    db.session.commit()

    chinese = AuthActions(app.test_client())
    chinese.login("bo@example.org")
    html = page(chinese.client, "/", "en-GB")
    assert '<html lang="zh-Hant">' in html and ">登出</button>" in html

    english = AuthActions(app.test_client())
    english.login("amy@example.org")
    html = page(english.client, "/", "zh-HK")
    assert '<html lang="en">' in html and ">Sign out</button>" in html


# --- the language switch ----------------------------------------------------------------------

def switch(client: Any, locale: str, next_path: str = "/login", **headers: str) -> Any:
    token = csrf_from(page(client, "/login"))
    return client.post("/language", data={"csrf_token": token, "locale": locale,
                                          "next": next_path}, headers=headers)


def test_an_anonymous_visitors_choice_persists(client: Any) -> None:
    response = switch(client, "zh_Hant", "/login?next=%2Ftracker")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=%2Ftracker")
    # Every later page, whatever the browser says, until switched back.
    assert '<html lang="zh-Hant">' in page(client, "/login", "en-GB")
    html = page(client, "/")
    assert '<html lang="zh-Hant">' in html
    # The current language is shown, the other offered as a button in its own language.
    assert '<strong aria-current="true" lang="zh-Hant">繁體中文</strong>' in html
    assert 'value="en" lang="en"' in html
    assert switch(client, "en").status_code == 302
    assert '<html lang="en">' in page(client, "/", "zh-HK")


def test_the_switch_refuses_unknown_languages_and_foreign_next(client: Any) -> None:
    response = switch(client, "klingon")
    assert response.status_code == 400
    assert "Choose English or 繁體中文." in response.get_data(as_text=True)
    response = switch(client, "zh_Hant", "https://elsewhere.example/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    without_token = client.post("/language", data={"locale": "zh_Hant"})
    assert without_token.status_code == 400


def test_a_signed_in_switch_updates_the_profile_with_an_audit_entry(
        app: Flask, db: Any, make_user: Any) -> None:
    user = make_user("amy@example.org")
    auth = AuthActions(app.test_client())
    auth.login("amy@example.org")
    response = auth.post("/language", {"locale": "zh_Hant", "next": "/profile"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "zh_Hant"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "user.update_profile")).scalar_one()
    assert event.changes["locale"] == ["en", "zh_Hant"]
    # Signed out, the same browser keeps the language (the cookie was set too).
    auth.logout()
    assert '<html lang="zh-Hant">' in page(auth.client, "/login")


def test_a_language_chosen_before_signing_in_stays_after(app: Flask, db: Any,
                                                         make_user: Any) -> None:
    """Found trying it as a new user: the sign-in page switched to 繁體中文 went back to English
    once signed in, because the profile's default (English) won."""
    user = make_user("amy@example.org")
    auth = AuthActions(app.test_client())
    switch(auth.client, "zh_Hant")
    auth.login("amy@example.org")
    assert '<html lang="zh-Hant">' in page(auth.client, "/")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "zh_Hant"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "user.update_profile")).scalar_one()
    assert event.changes["locale"] == ["en", "zh_Hant"]


def test_another_persons_choice_on_a_shared_device_changes_no_profile(
        app: Flask, db: Any, make_user: Any) -> None:
    amy, ben = make_user("amy@example.org"), make_user("ben@example.org")
    auth = AuthActions(app.test_client())
    auth.login("amy@example.org")
    auth.post("/language", {"locale": "zh_Hant", "next": "/"})  # Amy's own choice, signed in
    auth.logout()
    auth.login("ben@example.org")
    db.session.expire_all()
    assert db.session.get(User, amy.id).locale == "zh_Hant"
    assert db.session.get(User, ben.id).locale == "en"
    assert '<html lang="en">' in page(auth.client, "/")


def test_the_profiles_language_is_kept_on_the_device_too(app: Flask, db: Any,
                                                         make_user: Any) -> None:
    make_user("amy@example.org")
    auth = AuthActions(app.test_client())
    switch(auth.client, "zh_Hant")
    auth.login("amy@example.org")
    form = page(auth.client, "/profile")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token is not None
    auth.client.post("/profile", data={"csrf_token": token.group(1), "display_name": "Amy",
                                       "locale": "en"})
    auth.logout()
    # Back to English on this device: the next sign-in does not bring Chinese back.
    auth.login("amy@example.org")
    assert '<html lang="en">' in page(auth.client, "/")


# --- dates, numbers, relative times -----------------------------------------------------------

TEMPLATE = ("{{ day|date_local }}|{{ day|date_local('long') }}|{{ moment|datetime_local }}|"
            "{{ 1234567|number }}|{{ 0.5|number(2) }}|{{ earlier|ago(moment) }}|"
            "{{ later|ago(moment) }}")
VALUES = {"day": date(2026, 11, 30), "moment": datetime(2026, 11, 30, 14, 5, tzinfo=UTC),
          "earlier": datetime(2026, 11, 30, 11, 5), "later": datetime(2026, 12, 2, 14, 5,
                                                                       tzinfo=UTC)}


@pytest.mark.parametrize(("header", "expected"), [
    ("en-GB", "30 Nov 2026|30 November 2026|30 Nov 2026, 14:05|1,234,567|0.50|3 hours ago|"
              "in 2 days"),
    ("zh-HK", "2026年11月30日|2026年11月30日|2026年11月30日 下午2:05|1,234,567|0.50|3 小時前|"
              "2 日後"),
])
def test_dates_numbers_and_relative_times_per_locale(app: Flask, header: str,
                                                     expected: str) -> None:
    with app.test_request_context(headers={"Accept-Language": header}):
        assert render_template_string(TEMPLATE, **VALUES) == expected
        assert render_template_string("{{ none|date_local }}{{ none|ago }}", none=None) == ""


@pytest.mark.parametrize("header", ["en-GB", "zh-HK"])
def test_whole_numbers_are_written_as_babel_writes_them(app: Flask, header: str) -> None:
    """`number` writes whole numbers without Babel's general formatter (the tracker shows a
    hundred a page): the result must be Babel's, digit for digit, in both languages."""
    from babel import numbers as babel_numbers

    from coalition.i18n import FORMAT_LOCALE, current_locale, number

    values = [0, 7, -7, 999, 1000, -1000, 12345, 1234567, -98765432, 10**12]
    with app.test_request_context(headers={"Accept-Language": header}):
        babel_locale = FORMAT_LOCALE[current_locale()]
        for value in values:
            assert number(value) == babel_numbers.format_decimal(value, locale=babel_locale)


def test_one_request_switches_language_and_back_with_the_same_dates(app: Flask) -> None:
    """The request's translations and formatted dates are kept per request and locale (issue 10:
    looked up once, not per string): a message in another language inside a Chinese request
    (`translated`, as e-mails are written) is in that language, the request is Chinese again
    afterwards, and a date written in both keeps each language's form."""
    from flask_babel import gettext

    from coalition.i18n import date_local, translated

    day = date(2026, 11, 30)
    with app.test_request_context(headers={"Accept-Language": "zh-HK"}):
        chinese = gettext("Recommendation tracker")
        assert chinese != "Recommendation tracker" and date_local(day) == "2026年11月30日"
        with translated("en"):
            assert gettext("Recommendation tracker") == "Recommendation tracker"
            assert date_local(day) == "30 Nov 2026"
            assert render_template_string("{{ _('Recommendation tracker') }}") == \
                "Recommendation tracker"
        assert gettext("Recommendation tracker") == chinese
        assert render_template_string("{{ _('Recommendation tracker') }}") == chinese
        assert date_local(day) == "2026年11月30日"


@pytest.mark.parametrize("header", ["en-GB", "zh-HK"])
def test_the_fast_template_gettext_writes_what_jinjas_writes(app: Flask, header: str) -> None:
    """The templates' gettext/ngettext and `_` (issue 10: values escaped up front, no context
    copied per call) give exactly Jinja's newstyle output: values escaped unless Markup, numbers
    with %d/%s, "%%" kept as "%", a lazy string escaped, the same inside a loop, and a format
    Jinja refuses refused the same way."""
    from flask_babel import lazy_gettext
    from jinja2 import Environment
    from markupsafe import Markup

    from coalition.i18n import _translations

    reference = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    values = {"state": '<script>alert("x")</script> & Co', "safe": Markup("<em>ok</em>"),
              "n": 1234, "f": 0.5, "flag": True, "lazy": lazy_gettext("Recommendation tracker"),
              "none": None}
    sources = [
        "{{ _('%(state)s, cycle %(cycle)s', state=state, cycle=n) }}",
        "{{ _('Recommended by %(states)s', states=safe) }}",
        "{{ _('Page %(page)s of %(pages)s (%(total)s in all)', page=n, pages=f, total=lazy) }}",
        "{{ _('100%% of %(n)d', n=n) }}|{{ _('%(x)s', x=flag) }}|{{ _('%(x)s', x=none) }}",
        "{% trans trimmed status=state, organisation=safe %}latest assessment: <strong>"
        "{{ status }}</strong> by {{ organisation }}{% endtrans %}",
        "{% trans count=n %}{{ count }} recommendation{% pluralize %}{{ count }} "
        "recommendations{% endtrans %}",
        "{{ ngettext('%(num)s file', '%(num)s files', n, extra=state) }}",
        # Inside a loop (where Jinja's own `_` copied the template context on every call):
        "{% for s in [state, safe, lazy] %}{{ _('%(state)s, cycle %(cycle)s', state=s, "
        "cycle=loop.index) }}|{{ gettext('Recommended by %(states)s', states=s) }}"
        "{% endfor %}",
    ]
    with app.test_request_context(headers={"Accept-Language": header}):
        translations = _translations()
        reference.install_gettext_callables(  # type: ignore[attr-defined]
            translations.ugettext, translations.ungettext, newstyle=True)
        for source in sources:
            ours = render_template_string(source, **values)
            assert ours == reference.from_string(source).render(**values), source
        assert "<script>" not in render_template_string(sources[0], **values)
        with pytest.raises(ValueError, match="invalid literal"):  # as Jinja's own
            render_template_string("{{ _('%(n)d', n=state) }}", **values)


# --- error pages and e-mails ------------------------------------------------------------------

def test_error_pages_in_chinese(client: Any) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "zh-HK"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="zh-Hant">' in html
    assert "<title>找不到頁面 · Coalition</title>" in html
    assert "（錯誤 404）" in html and "此網址沒有任何內容，可能已被移走或刪除。" in html
    assert "前往首頁" in html

    expired = client.post("/login", data={"email": "amy@example.org", "password": "x"},
                          headers={"Accept-Language": "zh-TW"})
    assert expired.status_code == 400
    html = expired.get_data(as_text=True)
    assert "表格已逾時" in html and "你輸入的內容" in html and ">複製</button>" in html


def test_json_errors_stay_plain_strings(client: Any) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json",
                                                     "Accept-Language": "zh-HK"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "找不到頁面"


def test_a_password_mail_is_written_in_the_recipients_language(
        app: Flask, db: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from coalition.accounts import mail, services

    sent: list[tuple[str, str, str]] = []

    class Deliver:
        @staticmethod
        def delay(to: str, subject: str, body: str) -> None:
            sent.append((to, subject, body))

    monkeypatch.setattr(mail, "deliver", Deliver)
    user = make_user("bo@example.org", name="Bo")
    user.locale = "zh_Hant"
    db.session.commit()
    # Asked for in English (the coordinator's page), written in Bo's language.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        services.send_mail(user.email, services._l("Reset your Coalition password"),
                           "email/password_reset.txt", locale=user.locale, user=user,
                           link="https://coalition.test/password/reset/x")
    ((to, subject, body),) = sent
    assert (to, subject) == ("bo@example.org", "重設你的 Coalition 密碼")
    assert body.startswith("Bo，你好：")
    assert "（bo@example.org）" in body and "https://coalition.test/password/reset/x" in body


def test_an_invitation_mail_uses_the_inviters_language_and_local_dates(app: Flask,
                                                                          world: Any) -> None:
    from flask import render_template

    from coalition.accounts.services import create_invitation

    invitation, _token = create_invitation(world.users["org_admin"], world.org,
                                           "new@example.org", "editor")
    invitation.expires_at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "zh-HK"}):
        body = render_template("email/invitation.txt", invitation=invitation,
                               inviter=world.users["org_admin"], link="L")
    assert "以編輯身分" in body and "加入Owning Organisation" in body
    assert "2026年12月7日" in body


# --- the translations check -------------------------------------------------------------------

def test_every_template_is_marked_and_every_string_translated(app: Flask) -> None:
    # The whole tree: every template, every marked string of the code.
    result = app.test_cli_runner().invoke(args=["translations", "check"])
    assert result.exit_code == 0, result.output
    assert "Catalogue: 0 problem(s)." in result.output
    assert "Templates: 0 unmarked text(s) in 0 file(s)." in result.output


def test_the_check_fails_on_an_unmarked_word(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "good.html").write_text(
        '{% extends "base.html" %}{% block title %}{{ _("Tracker") }}{% endblock %}\n'
        '<p>{% trans n=3 %}{{ n }} results{% endtrans %} · PDF · DOCX · 42 · UPR</p>\n'
        '<input type="submit" value="{{ _(\'Save\') }}"><style>p { content: "x" }</style>\n'
        '<a href="/x" class="button">{{ _("Next") }} →</a>{# a note #}\n')
    (tmp_path / "pages" / "bad.html").write_text(
        '<h1>{{ title }}</h1>\n'
        '<p>\n  Published {{ day }}</p>\n'
        '<input placeholder="Search" type="text"><input type="submit" value="Go">\n'
        '<nav aria-label="Pages"><img alt="{{ _(\'Logo\') }}" src="x.png"></nav>\n')
    found = templatecheck.check_templates(app.jinja_env, tmp_path)
    assert [(f.template, f.line, f.text) for f in found] == [
        ("pages/bad.html", 3, "Published"),
        ("pages/bad.html", 4, "Search"),
        ("pages/bad.html", 4, "Go"),
        ("pages/bad.html", 5, "Pages"),
    ]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["translations", "check", "--skip-catalogue",
                                 "--template-dir", str(tmp_path), "--templates", "pages"])
    assert result.exit_code == 1
    assert "pages/bad.html:3: unmarked text 'Published'" in result.output
    assert "Templates: 4 unmarked text(s) in 1 file(s)." in result.output
    only_good = runner.invoke(args=["translations", "check", "--skip-catalogue",
                                    "--template-dir", str(tmp_path),
                                    "--templates", "pages/good.html"])
    assert only_good.exit_code == 0, only_good.output
    unknown = runner.invoke(args=["translations", "check", "--templates", "no-such-dir"])
    assert unknown.exit_code == 2 and "No template or folder 'no-such-dir'" in unknown.output


def test_the_check_fails_on_a_missing_or_fuzzy_translation(
        app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "translations"
    shutil.copytree(catalogue.TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(catalogue, "TRANSLATIONS_DIR", copy)
    path = catalogue.po_path("zh_Hant")
    with path.open("rb") as handle:
        po = read_po(handle, locale="zh_Hant")
    po["Tracker"].string = ""
    po["Reviews"].flags.add("fuzzy")
    po["(error %(code)s)"].string = "（錯誤）"
    with path.open("wb") as handle:
        write_po(handle, po)
    problems = {(p.msgid, p.problem) for p in catalogue.check_catalogue()}
    assert ("Tracker", "untranslated") in problems
    assert ("Reviews", "fuzzy") in problems
    assert ("(error %(code)s)", "placeholders differ") in problems
    # The .mo still holds the old words: it must be compiled again.
    assert ("(error %(code)s)", "not compiled") in problems
    catalogue.compile_catalogues()
    after = {(p.msgid, p.problem) for p in catalogue.check_catalogue()}
    assert after == {("Tracker", "untranslated"), ("Reviews", "fuzzy"),
                     ("(error %(code)s)", "placeholders differ")}
    result = app.test_cli_runner().invoke(args=["translations", "check", "--skip-templates"])
    assert result.exit_code == 1 and "untranslated: 'Tracker'" in result.output


def test_the_sign_in_prompt_is_flashed_in_the_visitors_language(client: Any) -> None:
    response = client.get("/tracker", headers={"Accept-Language": "zh-HK"})
    assert response.status_code == 302
    html = page(client, "/login", "zh-HK")
    assert "請先登入以查看此頁。" in html


def test_a_chinese_statements_public_page_and_pdf_use_its_language(app: Flask, db: Any,
                                                                     world: Any) -> None:
    """The public page, like the PDF, is in the statement's language throughout, whatever the
    reader's (found trying it: an English reader saw "Signatories", "Published ..." around a
    Chinese statement)."""
    import io
    from datetime import timedelta

    from pypdf import PdfReader

    from coalition.core.time import utcnow
    from coalition.statements import services

    statement = services.create_statement(
        world.users["editor"], world.org, "就普遍定期審議結果的聯合聲明", "人權理事會", "oral",
        "zh_Hant", [], "我們促請政府落實獲支持的建議。")
    db.session.commit()
    services.transition(world.users["steering"], statement, "open_signon",
                        utcnow() + timedelta(days=7))
    services.sign(world.users["org_admin"], statement, world.org)
    services.transition(world.users["steering"], statement, "publish")
    db.session.commit()

    html = page(app.test_client(), f"/s/{statement.id}", "en-GB")
    assert '<html lang="zh-Hant">' in html
    assert '<h1 lang="zh-Hant">就普遍定期審議結果的聯合聲明</h1>' in html
    assert ('<div lang="zh-Hant" class="statement-text"><p>我們促請政府落實獲支持的建議。</p>'
            in html)
    assert "聯署機構" in html and "Signatories" not in html
    pdf = app.test_client().get(f"/s/{statement.id}.pdf", headers={"Accept-Language": "en"})
    assert pdf.status_code == 200
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "我們促請政府落實獲支持的建議。" in words and "聯署機構" in words
    assert "Owning Organisation" in words and "Signatories" not in words


def test_the_command_line_speaks_the_environments_language(app: Flask) -> None:
    """Outside a request (the CLI), the locale is the environment's (LC_ALL, LC_MESSAGES,
    LANG): a Hong Kong terminal gets Chinese, any other English."""
    from coalition.i18n import locale_from_environment

    assert locale_from_environment({"LANG": "zh_HK.UTF-8"}) == "zh_Hant"
    assert locale_from_environment({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_HK.UTF-8"}) == "en"
    assert locale_from_environment({"LANG": "C.UTF-8"}) == "en"
    assert locale_from_environment({}) == "en"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["imports-sweep"], env={"LC_ALL": "zh_HK.UTF-8"})
    assert "已將 0 項停止回報的匯入工作標示為失敗" in result.output, result.output


def test_the_scripts_messages_come_in_the_pages_language(client: Any) -> None:
    """app.js's messages (autosave, merges, progress) were English on Chinese pages: the layout
    hands them, translated, to the script as JSON in an attribute of <body> (no inline script,
    and no bare `%(name)s` in a page)."""
    import html as html_lib
    import json

    def strings(language: str) -> dict[str, str]:
        found = re.search(r"<body data-script-strings='([^']*)'", page(client, "/login",
                                                                             language))
        assert found is not None
        return json.loads(html_lib.unescape(found.group(1)))

    chinese = strings("zh-HK")
    assert chinese["kept"] == "草稿已於 {time} 保存"
    assert "NOT kept" not in chinese["not_kept"] and "{why}" in chinese["not_kept"]
    assert strings("en")["kept"] == "Draft kept at {time}"


def test_the_commands_help_speaks_the_environments_language(monkeypatch: Any,
                                                            capsys: Any) -> None:
    from coalition.cli import main

    monkeypatch.setenv("LC_ALL", "zh_HK.UTF-8")
    try:
        main(["--help"])
    except SystemExit as done:
        assert done.code == 0
    assert "Coalition：普遍定期審議聯盟平台。" in capsys.readouterr().out


@pytest.mark.parametrize("header,expected", [("zh-Hant", "此欄位是必需的。"),
                                             ("en", "This field is required.")])
def test_wtforms_own_messages_are_in_the_readers_script(app: Flask, header: str,
                                                        expected: str) -> None:
    """WTForms' built-in messages (a required date left empty) in Traditional Chinese, not
    the Simplified "该字段是必填字段" gettext falls back to for zh_Hant (a new user saw it)."""
    from wtforms import DateField
    from wtforms.validators import DataRequired

    from coalition.core.forms import Form

    class DateOnly(Form):
        when = DateField(validators=[DataRequired()])

    with app.test_request_context("/", method="POST", data={"when": ""},
                                  headers={"Accept-Language": header}):
        form = DateOnly(meta={"csrf": False})
        assert not form.validate()
        assert form.when.errors == [expected]
