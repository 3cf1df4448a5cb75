"""Find user-visible text in templates that is not marked for translation (issue 9).

Each template is run through Jinja's own lexer. The literal template text (`data` tokens) that
lies outside `{% trans %}...{% endtrans %}` is put back together, every expression or tag
replaced by a marker that is not a letter, and read as HTML: what a reader would see is the
text between tags (not inside <script>/<style>) and the attributes a browser shows or reads
out (title, alt, placeholder, aria-label, label, and the value of input buttons). Words found
there fail the check unless they are on the allow-list (proper names, acronyms, symbols). Text
inside `{{ _('...') }}` or `{% trans %}` is not literal template data, so it never appears.

Not seen: string literals inside expressions (`{{ 'Draft' if x }}`); mark those by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

# Words that are the same in every language: names of things, acronyms, file formats, the
# languages' own names. Compared exactly (case matters: "UN" is allowed, "un" is not).
ALLOWED_WORDS = frozenset({
    "Coalition", "UPR", "OHCHR", "UN", "HRC", "SDG", "SDGs", "UHRI", "UPR-Info", "Info",
    "Markdown", "CSV", "PDF", "DOCX", "XLSX", "JSON", "HTML", "URL", "UTC", "AGPL", "ID",
    "English", "繁體中文", "Pico", "GitHub", "Chromium", "WeasyPrint", "CJK",
})
# Attributes whose value a browser shows or reads out.
VISIBLE_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label", "label",
                                "aria-placeholder", "aria-roledescription", "aria-valuetext"})
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})
TEMPLATE_SUFFIXES = (".html", ".txt")
# A letter run: Latin words (with inner apostrophes or hyphens) or a run of CJK characters.
WORD = re.compile("[^\\W\\d_]+(?:['\u2019-][^\\W\\d_]+)*")
MARKER = "\x00"


@dataclass(frozen=True)
class UnmarkedText:
    """Literal text a reader sees in `template` at `line`, outside any translation mark."""

    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: unmarked text {self.text!r}"


def unmarked_words(text: str, allowed: frozenset[str] = ALLOWED_WORDS) -> list[str]:
    """The words of `text` that are not on the allow-list (symbols and numbers are no words)."""
    return [w for w in WORD.findall(text.replace(MARKER, " ")) if w not in allowed]


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0

    def _note(self, text: str, at_tag: bool = False) -> None:
        words = unmarked_words(text)
        if not words:
            return
        line = self.getpos()[0]
        if not at_tag:  # data: the line of its first unmarked word, not of the text's start
            line += text[:text.find(words[0])].count("\n")
        self.found.append((line, " ".join(text.replace(MARKER, " ").split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            is_button_value = (name == "value" and tag == "input"
                               and (values.get("type") or "").lower() in BUTTON_INPUT_TYPES)
            if name in VISIBLE_ATTRIBUTES or is_button_value:
                self._note(value, at_tag=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._note(data)


def literal_text(env: Environment, source: str, name: str | None = None) -> str:
    """The template's literal text outside trans blocks, with every expression, tag and trans
    block replaced by MARKER; newlines are kept so that line numbers stay the template's."""
    parts: list[str] = []
    line = 1
    in_trans = False
    previous = ""  # the kind of the last token that is not whitespace
    for lineno, kind, value in env.lex(source, name):
        if kind == "name" and previous == "block_begin":
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind != "whitespace":
            previous = kind
        if kind != "data" or in_trans:
            if not parts or parts[-1] != MARKER:
                parts.append(MARKER)
            continue
        if lineno > line:
            parts.append("\n" * (lineno - line))
            line = lineno
        parts.append(value)
        line += value.count("\n")
    return "".join(parts)


def check_source(env: Environment, source: str, name: str) -> list[UnmarkedText]:
    """The unmarked visible text of one template's source."""
    parser = _VisibleText()
    parser.feed(literal_text(env, source, name))
    parser.close()
    return [UnmarkedText(name, line, text) for line, text in parser.found]


def template_files(root: Path, only: Iterable[str] = ()) -> list[Path]:
    """The templates under `root` (`*.html`, `*.txt`), or only those named in `only`: each a
    file or a directory relative to `root` ('base.html', 'errors', 'email'). Raises ValueError
    naming an entry that does not exist."""
    chosen = list(only)
    if not chosen:
        return sorted(p for p in root.rglob("*") if p.suffix in TEMPLATE_SUFFIXES)
    files: list[Path] = []
    for entry in chosen:
        path = root / entry
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in TEMPLATE_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"No template or folder {entry!r} under {root}.")
    return files


def check_templates(env: Environment, root: Path,
                    only: Iterable[str] = ()) -> list[UnmarkedText]:
    """Every unmarked visible text of the templates under `root` (or of `only`), in file and
    line order. `env` is the app's Jinja environment (its delimiters and i18n extension)."""
    found: list[UnmarkedText] = []
    for path in template_files(root, only):
        name = path.relative_to(root).as_posix()
        found.extend(check_source(env, path.read_text(encoding="utf-8"), name))
    return found
