"""Two languages (issue 9): which one a request is served in, and dates, numbers and relative
times written the way that language writes them.

The interface speaks English (`en`, the source strings) and Traditional Chinese as written in
Hong Kong (`zh_Hant`, coalition/translations/zh_Hant). The locale of a request is, in order:

1. the signed-in person's profile (`User.locale`);
2. the choice an anonymous visitor made with the language switch (cookie `coalition_locale`,
   set by `core.set_language` and by the profile form); a choice made with the switch before
   signing in becomes the profile's at sign-in (audited), so a visitor who switched the sign-in
   page to Chinese stays in Chinese;
3. the browser's Accept-Language, best quality first: any Chinese tag (zh, zh-HK, zh-TW, zh-MO,
   zh-Hant, and also zh-CN / zh-Hans) gives `zh_Hant`, since this is a Hong Kong coalition with
   no Simplified catalogue and a Simplified Chinese reader reads Traditional far better than
   English; an English tag gives `en`; other languages are skipped;
4. English.

Formatting: English dates are written the British way (`30 Nov 2026`, 24-hour clock) as the
pages always did; Chinese ones as Hong Kong writes them (`2026年11月30日`). Times are shown in
BABEL_DEFAULT_TIMEZONE (UTC unless configured); stored naive times are UTC.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import flask_babel
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale, get_timezone, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept

from coalition.core.time import as_utc, utcnow

# The interface's languages: code -> the name shown in the switch, each in its own language
# (a reader who cannot read the current one still finds theirs).
LOCALES: dict[str, str] = {"en": "English", "zh_Hant": "繁體中文"}
DEFAULT_LOCALE = "en"
# The anonymous visitor's choice; a year, like any preference cookie.
COOKIE = "coalition_locale"
COOKIE_MAX_AGE = 365 * 24 * 3600
# `<html lang>` / `lang=` values (BCP 47) of each locale.
HTML_LANG = {"en": "en", "zh_Hant": "zh-Hant"}
# The Babel locale that formats dates and numbers for each interface locale.
FORMAT_LOCALE = {"en": "en_GB", "zh_Hant": "zh_Hant_HK"}


def locale_from_accept_language(accept: LanguageAccept) -> str | None:
    """The interface locale for an Accept-Language header (parsed by Werkzeug, best first), or
    None when it names neither English nor any Chinese. See the module docstring for the rule."""
    for tag, quality in accept:
        if quality <= 0:
            continue
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary == "zh":
            return "zh_Hant"
        if primary == "en":
            return "en"
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: 'en' or 'zh_Hant' (order in the module docstring).
    Outside a request (CLI, background tasks) it is the environment's (locale_from_environment)."""
    if not has_request_context():
        return locale_from_environment()
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    return locale_from_accept_language(request.accept_languages) or DEFAULT_LOCALE


# Set (for the browser session only) when a visitor who is not signed in uses the switch: the
# sign-in that follows makes that language the profile's. A language chosen by someone else
# on a shared device (the long-lived COOKIE) never changes another person's profile.
CHOSEN_SIGNED_OUT = "coalition_locale_chosen"


def remember_locale(response: Any, locale: str, signed_out: bool = False) -> Any:
    """`response` with the cookie that keeps `locale` on this device (COOKIE_MAX_AGE seconds),
    set by the language switch and by the profile and read by select_locale(); with
    `signed_out`, also CHOSEN_SIGNED_OUT, which the next sign-in reads (take_signed_out_choice).
    """
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    response.set_cookie(COOKIE, locale, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=secure)
    if signed_out:
        response.set_cookie(CHOSEN_SIGNED_OUT, locale, httponly=True, samesite="Lax",
                            secure=secure)
    return response


def signed_out_choice() -> str | None:
    """The language this browser chose with the switch before signing in, if any."""
    chosen = request.cookies.get(CHOSEN_SIGNED_OUT)
    return chosen if chosen in LOCALES else None


def locale_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """Outside a request (the command line, the worker): the locale POSIX names for messages
    (LC_ALL, else LC_MESSAGES, else LANG; `zh_HK.UTF-8` or any `zh` gives zh_Hant), else
    English. A request's locale never comes from here; a report the worker writes for someone
    uses their profile's (`translated`)."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "zh_Hant" if value.lower().startswith("zh") else DEFAULT_LOCALE
    return DEFAULT_LOCALE


# What app.js writes on pages, translated here and handed to it as JSON in an attribute of the
# layout's <body> (no inline script: the Content-Security-Policy allows none). The script fills
# the `{name}` placeholders.
SCRIPT_STRINGS: dict[str, Any] = {
    "copied": _l("Copied"),
    "progress": _l("%(done)s of %(total)s recommendations"),
    "restored": _l("Your text from this browser is back in the editor; it is kept as your "
                   "draft at the next autosave."),
    "kept": _l("Draft kept at %(time)s"),
    "token_expired": _l("the page's security token had expired."),
    "error_code": _l("error %(code)s."),
    "not_kept": _l("Your draft was NOT kept on the server: %(why)s Your text is still here, and "
                   "a copy is kept in this browser; it is tried again in 30 seconds."),
    "unreachable": _l("Could not reach the server to keep your draft: check your connection. "
                      "Your text is still here, and a copy is kept in this browser."),
    "editing_now": _l("Also editing now: %(names)s. Your changes will be merged with theirs."),
    "saved_since": _l("Revision %(number)s has been saved since you started; saving will "
                      "merge."),
    "comment_on_this": _l("Comment on this"),
}


def script_strings() -> dict[str, str]:
    """SCRIPT_STRINGS in this request's language, for the layout's `data-script-strings`;
    placeholders become `{name}` (a page's text never shows a bare `%(name)s`)."""
    return {key: re.sub(r"%\((\w+)\)s", r"{\1}", str(text))
            for key, text in SCRIPT_STRINGS.items()}


# Babel's str(Locale) rebuilds the identifier on every call (about 25 µs): a tracker page asks
# for the locale a few hundred times (every number, date and label), so the code is looked up
# by the locale's parts instead (bench/README.md, issue 10: 15 % of the page's time).
_CODES: dict[tuple[str | None, ...], str] = {}
_FORMAT_LOCALES: dict[str, Locale] = {}


def current_locale() -> str:
    """The locale of this request ('en' | 'zh_Hant'), as Flask-Babel selected it."""
    locale = get_locale()
    if locale is None:
        return DEFAULT_LOCALE
    parts = (locale.language, locale.script, locale.territory, locale.variant)
    code = _CODES.get(parts)
    if code is None:
        code = str(locale)
        code = _CODES.setdefault(parts, code if code in LOCALES else DEFAULT_LOCALE)
    return code


def html_lang(locale: str | None = None) -> str:
    """The BCP 47 tag for `<html lang>` of `locale` (default: this request's): 'en' | 'zh-Hant'.
    An unknown locale gives 'en'."""
    return HTML_LANG.get(locale or current_locale(), "en")


def _format_locale(code: str | None = None) -> Locale:
    code = code or current_locale()
    locale = _FORMAT_LOCALES.get(code)
    if locale is None:
        locale = _FORMAT_LOCALES.setdefault(code, Locale.parse(FORMAT_LOCALE[code]))
    return locale


# Whole numbers as both languages write them ("1,234": thousands grouped by the locale's
# symbol), without Babel's general number formatting (which costs 50 µs a number; a page shows
# a hundred): the pattern of each format locale is checked once to be the plain "#,##0".
_PLAIN_GROUPING: dict[tuple[str | None, ...], str | None] = {}


def _group_symbol(locale: Locale) -> str | None:
    key = (locale.language, locale.script, locale.territory)
    if key not in _PLAIN_GROUPING:
        pattern = locale.decimal_formats.get(None)
        plain = pattern is not None and pattern.grouping == (3, 3) and not pattern.prefix[0] \
            and not pattern.suffix[0] \
            and locale.number_symbols["latn"]["minusSign"] == "-"
        _PLAIN_GROUPING[key] = locale.number_symbols["latn"]["group"] if plain else None
    return _PLAIN_GROUPING[key]


def _localise(value: datetime) -> datetime:
    aware = as_utc(value)
    assert aware is not None
    return aware.astimezone(get_timezone())


def date_local(value: date | datetime | None, format: str = "medium") -> str:
    """A date as this request's language writes it: '30 Nov 2026' / '2026年11月30日' (medium),
    '30 November 2026' / '2026年11月30日' (long), or a Babel pattern. A datetime is first moved
    to the display time zone. None gives ''."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _localise(value).date()
    return _format_date(value, format, current_locale())


@functools.lru_cache(maxsize=4096)
def _format_date(value: date, format: str, code: str) -> str:
    # Babel's format_date takes about 15 µs; a page writes the same dates again and again (a
    # tracker page: one per assessed result). Bounded, keyed by the interface locale.
    return babel_dates.format_date(value, format, locale=_format_locale(code))


def datetime_local(value: datetime | None, format: str = "medium") -> str:
    """A date and time: '30 Nov 2026, 14:05' / '2026年11月30日 下午2:05' (medium: the medium
    date and the short time, no seconds), 'full'/'long'/'short' as Babel has them. Naive values
    are UTC; shown in the display time zone. None gives ''."""
    if value is None:
        return ""
    moment = _localise(value)
    locale = _format_locale()
    if format == "medium":
        pattern = locale.datetime_formats["medium"]
        return str(pattern).format(
            babel_dates.format_time(moment, "short", locale=locale),
            babel_dates.format_date(moment.date(), "medium", locale=locale))
    return babel_dates.format_datetime(moment, format, locale=locale)


def number(value: float | int | None, decimals: int | None = None) -> str:
    """A number with this language's grouping: '1,234,567' (both languages group by thousands);
    `decimals` fixes the digits after the point. None gives ''."""
    if value is None:
        return ""
    locale = _format_locale()
    if decimals is None and isinstance(value, int) and not isinstance(value, bool):
        group = _group_symbol(locale)
        if group is not None:
            return f"{value:,}".replace(",", group) if group != "," else f"{value:,}"
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return babel_numbers.format_decimal(value, pattern, locale=locale)


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago (or how soon) `value` is from `now` (default: now): '3 hours ago' /
    '3 小時前', 'in 2 days' / '2 天後'. Naive values are UTC. None gives ''."""
    if value is None:
        return ""
    moment = as_utc(value)
    assert moment is not None
    delta: timedelta = moment - (as_utc(now) or utcnow())
    return babel_dates.format_timedelta(delta, add_direction=True, locale=_format_locale())


def _babel_state() -> SimpleNamespace | None:
    """Flask-Babel's state of this request (its `g._flask_babel`), read from Flask's context
    variable: Flask-Babel's own lookup goes through the `g` proxy three times on every locale,
    domain and string it looks up (`if not g`, `hasattr`, then the attribute), a few hundred
    times a tracker page (bench/README.md, issue 10: 13 % of the page's time)."""
    context = _cv_app.get(None)
    if context is None:
        return None
    globals_ = context.g
    try:
        return globals_._flask_babel  # type: ignore[no-any-return]
    except AttributeError:
        state = globals_._flask_babel = SimpleNamespace()
        return state


class _Domain(Domain):
    """Flask-Babel's message domain with the request's translations looked up once per locale:
    Flask-Babel's own `get_translations` asks for the locale and builds `str(locale)` (its
    cache key) on every string. Kept beside Flask-Babel's state with the locale object they are
    for, so `force_locale` (an e-mail in its recipient's language) gets its own: a different
    locale object than the one kept means a new lookup."""

    def get_translations(self) -> Any:
        state = _babel_state()
        if state is None:
            return super().get_translations()
        locale = get_locale()
        kept = getattr(state, "coalition_translations", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        state.coalition_translations = (locale, translations)
        return translations


def _translations() -> Any:
    """This request's translations (see `_Domain`)."""
    return get_translations()


def _speed_up_flask_babel(babel: Babel) -> None:
    """Flask-Babel's request-state lookup and translations, made cheap (see `_babel_state`
    and `_Domain`). Flask-Babel (pinned < 5) reads `_get_current_context` as a module global
    at each call, so replacing it changes every lookup; `domain_instance` is a cached property
    of the Babel object, so setting it replaces the default domain."""
    flask_babel._get_current_context = _babel_state
    if not isinstance(babel.__dict__.get("domain_instance"), _Domain):
        babel.domain_instance = _Domain()  # type: ignore[misc]


# Values written into a translated template string as they are (numbers need no escaping).
_PLAIN_VALUES = (int, float)


def _markup_format(text: str, variables: dict[str, Any]) -> Markup:
    """`Markup(text) % variables`, as Jinja's newstyle gettext writes a translated string into
    an autoescaped template, but with the values escaped by markupsafe's C `escape` up front
    instead of through Markup's per-value wrapper (about 10 µs a call; a tracker page makes two
    hundred). A format the fast path cannot take (`%d` of a non-number) goes the original way,
    with the original error."""
    # The text is the catalogue's (trusted, as Jinja takes it); every value is escaped.
    try:
        return Markup(text % {  # noqa: S704
            key: value if type(value) in _PLAIN_VALUES else escape(value)
            for key, value in variables.items()})
    except (TypeError, ValueError):
        return Markup(text) % variables  # noqa: S704


@pass_eval_context
def _template_gettext(eval_ctx: Any, string: str, **variables: Any) -> str:
    """The templates' `_()` / `gettext()` (Jinja's newstyle gettext, see `_markup_format`).

    Given the evaluation context (as Jinja's own newstyle gettext), not the template context:
    Jinja derives a copy of the template context for every call of a context function inside
    a loop, and its `_` alias of gettext is one; a tracker page makes some 160 such calls."""
    text = _translations().ugettext(string)
    if eval_ctx.autoescape:
        return _markup_format(text, variables)
    return text % variables  # type: ignore[no-any-return]


@pass_eval_context
def _template_ngettext(eval_ctx: Any, singular: str, plural: str, num: int,
                       **variables: Any) -> str:
    """The templates' `ngettext()` and `{% pluralize %}` (as `_template_gettext`)."""
    variables.setdefault("num", num)
    text = _translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        return _markup_format(text, variables)
    return text % variables  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """The filters (`date_local`, `datetime_local`, `number`, `ago`) and the template globals
    `html_lang()`, `current_locale()` and `LOCALES` (the language switch); the templates'
    gettext through `_translations` (after Flask-Babel's init_app, which installs its own)."""
    _speed_up_flask_babel(app.extensions["babel"].instance)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    # `_` too: Jinja's own `_` is a context function that calls `gettext` (see
    # `_template_gettext`).
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext,
                                 ngettext=_template_ngettext)
    app.jinja_env.filters.update(date_local=date_local, datetime_local=datetime_local,
                                 number=number, ago=ago)
    app.jinja_env.globals.update(html_lang=html_lang, current_locale=current_locale,
                                 LOCALES=LOCALES, script_strings=script_strings)


def translated(locale: str) -> Any:
    """`with translated('zh_Hant'):` renders text (an e-mail to someone else) in that locale;
    an unknown locale gives English."""
    from flask_babel import force_locale

    return force_locale(locale if locale in LOCALES else DEFAULT_LOCALE)
