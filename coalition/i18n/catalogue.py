"""The message catalogue: extract the marked strings, update the zh_Hant catalogue, compile it,
and check that every marked string has a translation (issue 9).

Babel's Python API does the work (no `pybabel` subprocess). The sources are this package's
Python files (keywords `_`, `gettext`, `ngettext`, `lazy_gettext`, `_l`, ...) and the templates
(`*.html`, `*.txt`, with Jinja's i18n extension); `babel.cfg` at the top of the repository says
the same for anyone running `pybabel extract -F babel.cfg -k _l -k lazy_gettext`.

Files: coalition/translations/messages.pot (the template),
coalition/translations/zh_Hant/LC_MESSAGES/messages.po (the translations) and messages.mo (the
compiled catalogue, committed so that `pip install` needs no build step).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from coalition import PACKAGE_DIR, resource_dir

TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
DOMAIN = "messages"
# The languages translated from the English source strings.
TARGET_LOCALES = ("zh_Hant",)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}
TEMPLATE_SUFFIXES = (".html", ".txt")
PROJECT = "Coalition"
HEADER = ("# The strings of Coalition's interface, extracted by `coalition translations update`.\n"
          "# This file is distributed under the same licence as Coalition "
          "(AGPL-3.0-or-later).")


def pot_path() -> Path:
    return TRANSLATIONS_DIR / f"{DOMAIN}.pot"


def po_path(locale: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _no_cache(path: str) -> bool:
    return "__pycache__" not in Path(path).parts


def extract() -> Catalog:
    """Every marked string of the package's Python files and of the templates, as a catalogue
    (msgid -> locations, flags such as python-format)."""
    from coalition import __version__

    catalog = Catalog(project=PROJECT, version=__version__, charset="utf-8", fuzzy=False,
                      header_comment=HEADER, creation_date=datetime(2026, 11, 30, tzinfo=UTC))
    sources = [
        (PACKAGE_DIR, [("**.py", "python")], {}, "coalition"),
        (resource_dir("templates"),
         [(f"**{suffix}", "jinja2.ext:babel_extract") for suffix in TEMPLATE_SUFFIXES],
         {f"**{suffix}": {"silent": "false"} for suffix in TEMPLATE_SUFFIXES}, "templates"),
    ]
    for directory, method_map, options_map, prefix in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                directory, method_map, options_map, keywords=KEYWORDS,
                directory_filter=_no_cache):
            catalog.add(message, None, [(f"{prefix}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def _write_po(catalog: Catalog, path: Path, **options: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, **options)


def read_catalog(locale: str) -> Catalog:
    """The translations of `locale` as they stand in its .po file."""
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def update() -> dict[str, int]:
    """Extract into messages.pot and merge it into each target .po (new strings untranslated,
    strings no longer used marked obsolete). Returns {locale: untranslated count}."""
    template = extract()
    _write_po(template, pot_path(), omit_header=False)
    counts = {}
    for locale in TARGET_LOCALES:
        if po_path(locale).exists():
            catalog = read_catalog(locale)
            catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project=PROJECT, charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
        _write_po(catalog, po_path(locale), ignore_obsolete=True)
        counts[locale] = sum(1 for m in catalog if m.id and not _translated(m))
    return counts


def compile_catalogues() -> list[Path]:
    """Write each target's .mo from its .po (fuzzy entries left out); returns the paths."""
    written = []
    for locale in TARGET_LOCALES:
        catalog = read_catalog(locale)
        with mo_path(locale).open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path(locale))
    return written


def _translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(s and s.strip() for s in strings)


def _strings(message: Message) -> tuple[str, ...]:
    """A message's translation(s) as a tuple, whether singular or plural."""
    string = message.string
    return tuple(string) if isinstance(string, tuple | list) else (string,)


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@dataclass(frozen=True)
class CatalogueProblem:
    """One failure of the catalogue check: the locale, the English text, where it is used, and
    what is wrong with it ('untranslated', 'fuzzy', 'placeholders differ', 'not compiled')."""

    locale: str
    msgid: str
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.locale}] {self.problem}: {self.msgid!r}"


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def check_catalogue(locales: tuple[str, ...] = TARGET_LOCALES) -> list[CatalogueProblem]:
    """Every string marked in the code and templates today, against each locale's .po and its
    compiled .mo: fails on a string missing from the .po or untranslated, a fuzzy one, a
    translation whose %(name)s placeholders differ from the English, and a .mo that does not
    say what the .po says (run `coalition translations compile`)."""
    template = extract()
    problems: list[CatalogueProblem] = []
    for locale in locales:
        if not po_path(locale).exists():
            problems.append(CatalogueProblem(locale, "", str(po_path(locale)), "no catalogue"))
            continue
        catalog = read_catalog(locale)
        compiled: Catalog | None = None
        if mo_path(locale).exists():
            with mo_path(locale).open("rb") as handle:
                compiled = read_mo(handle)
        for message in template:
            if not message.id:
                continue
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
            found = catalog.get(message.id, message.context)
            first = _ids(message)[0]
            if found is None or not _translated(found):
                problem = "fuzzy" if found is not None and found.fuzzy else "untranslated"
                problems.append(CatalogueProblem(locale, first, where, problem))
                continue
            strings = found.string if isinstance(found.string, tuple | list) else (found.string,)
            wanted = {name for msgid in _ids(message) for name in _PLACEHOLDER.findall(msgid)}
            for text in strings:
                if {name for name in _PLACEHOLDER.findall(text)} != wanted:
                    problems.append(CatalogueProblem(locale, first, where,
                                                     "placeholders differ"))
                    break
            in_mo = compiled.get(first, message.context) if compiled is not None else None
            # A .mo gives a plural's strings back as a list, a .po as a tuple.
            if in_mo is None or _strings(in_mo) != _strings(found):
                problems.append(CatalogueProblem(locale, first, where, "not compiled"))
    return problems


def unused_translations(locale: str) -> Iterator[str]:
    """msgids of `locale`'s .po that no code or template marks any more (information only)."""
    marked = {_ids(m)[0] for m in extract() if m.id}
    for message in read_catalog(locale):
        if message.id and _ids(message)[0] not in marked:
            yield _ids(message)[0]
