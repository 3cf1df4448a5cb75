"""Markdown to HTML: bounded in time, sanitised with nh3 before it is ever marked safe.

Python-Markdown is quadratic (or recursive) on some constructs: 14,000 `[` in a comment took
21 s to render, a line of 10,000 `1. ` overflows the stack, and a run of unclosed `<a` tags
keeps HTML parsing busy for seconds. So, before rendering, the text is cut at blank lines into
chunks (`_chunks`) and each chunk gets a cost estimate, computed in linear time from the
constructs known to be expensive (`_chunk_cost`). A chunk that costs more than `CHUNK_BUDGET`
or nests containers deeper than `MAX_NESTING`, then the costliest chunks until the whole text
fits in `TEXT_BUDGET` (and `MAX_BLOCKS`), are rendered as escaped plain text instead of
Markdown: nothing the author wrote is dropped, it just loses its formatting. Ordinary text
costs far below the budgets and renders exactly as before. `bench/markdown_render.py` measures
the worst cases (200,000 characters of each construct, under 1 s each).

Words in angle brackets are words: raw HTML the author wrote keeps only the tags of
ALLOWED_TAGS (sanitised by nh3) and STRIPPED_TAGS (removed on purpose: scripts, frames, images);
any other `<...>` (`We, <name of organisation>, call on`, `<div>`, comments) is shown escaped,
as typed, never dropped.

Rendering happens once, when the text is saved (`render_html`, stored next to the source);
pages output the stored HTML. `render_markdown` is for the few places that render on request
(the editor's preview, the PDF export), which are bounded by the same budgets.
"""

from __future__ import annotations

import html as htmllib
import re
import secrets
from functools import lru_cache
from html.parser import HTMLParser

import markdown as md
import markdown.extensions
import markdown.postprocessors
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th",
    "td", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
EXTENSIONS = ["tables", "sane_lists"]
# HTML elements an author may have written that are removed on purpose (their markup never
# reaches a page; script and style lose their content too, as nh3 does by default). Any other
# tag the author wrote that is not in ALLOWED_TAGS (`<name of organisation>`, `<insert date>`,
# `<div>`) and any comment is shown as the text it is: words in angle brackets are never dropped
# (issue 9, 3.3).
STRIPPED_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "img",
    "svg", "math", "video", "audio", "source", "track", "canvas", "picture", "form", "input",
    "button", "select", "option", "textarea", "link", "meta", "base", "noscript", "template",
    "html", "head", "body", "title",
}
_RAW_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^<>]*>")

# Costs are counted in characters of prose: a chunk costs its length, plus the extra work each
# construct makes Python-Markdown and the sanitiser do, measured by bench/markdown_render.py
# (200,000 `*a` take about 4 times as long as 200,000 characters of prose; an unclosed `[` makes the
# link pattern scan on to the end of its paragraph, about a tenth of a prose character per
# character scanned; a table cell costs about 120). Only costly chunks become plain text: a
# chunk over CHUNK_BUDGET, then the costliest ones until the text fits in TEXT_BUDGET (prose of
# the longest statement, 200,000 characters, fits with room to spare).
CHUNK_BUDGET = 100_000
TEXT_BUDGET = 300_000
# Python-Markdown takes blocks (parts between blank lines) off the front of a list, which is
# quadratic in their number: 100,000 empty blocks took 2.7 s. Above this many, the chunks with
# the most blocks become plain text.
MAX_BLOCKS = 10_000
# Blocks are grouped into chunks of at least this many characters before they are costed, so
# that a text of 100,000 tiny blocks costs 100 estimates, not 100,000.
CHUNK_CHARS = 2_000
# Blockquotes and lists nest by recursion in Python-Markdown; deeper than this is not prose.
MAX_NESTING = 12
_SYNTAX_WEIGHTS = {"*": 8, "_": 8, "`": 8, "\\": 8, "[": 8, "]": 8, "!": 8, "~": 8, "#": 8,
                   ">": 8, "&": 8, "<": 8, "|": 120, ":": 2, "=": 2, "-": 2}
_BRACKET_SCAN = 0.1
_TAG_SCAN = 0.05
_BLOCK_SPLIT = re.compile(r"(\n[ \t]*\n)")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_MARKER = r"(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))"
_DEEP = re.compile(rf"^[ \t]*(?:{_MARKER}[ \t]*){{{MAX_NESTING + 1},}}"
                   rf"|^(?: {{4}}|\t){{{MAX_NESTING + 1},}}[ ]{{0,3}}{_MARKER}", re.MULTILINE)


def _bracket_cost(block: str) -> int:
    """Characters Python-Markdown scans looking for the `]` that closes each `[`.

    Its link pattern walks forward from every `[` to the matching `]` (or the end of the
    paragraph when there is none): quadratic for runs of `[`. Computed with a stack in one pass
    (to the end of the chunk, which over-estimates a little).
    """
    if "[" not in block:
        return 0
    cost = 0
    stack: list[int] = []
    for match in re.finditer(r"[\[\]]", block):
        if match.group() == "[":
            stack.append(match.start())
        elif stack:
            cost += match.start() - stack.pop()
    end = len(block)
    cost += sum(end - pos for pos in stack)
    return cost


def _tag_cost(block: str, text: str, offset: int) -> int:
    """Characters the HTML parser scans for the `>` that ends each `<tag` (it scans the whole
    text, not the block, and an unclosed tag sends it to the next `>` or the end)."""
    cost = 0
    close = -1
    for match in _TAG_START.finditer(block):
        start = offset + match.start()
        if close < start:  # the next `>` after the previous tag serves every tag before it
            close = text.find(">", start)
            if close < 0:
                close = len(text)
        cost += close - start
    return cost


def _chunk_cost(chunk: str, text: str, offset: int) -> float:
    """Estimated cost of rendering `chunk` (in the units above), linear time; a chunk nested
    deeper than MAX_NESTING costs more than any budget."""
    if _DEEP.search(chunk):
        return TEXT_BUDGET + 1
    cost = len(chunk) + sum(w * chunk.count(c) for c, w in _SYNTAX_WEIGHTS.items())
    if cost > CHUNK_BUDGET:  # plain text already: spare the scans below
        return cost
    return (cost + _BRACKET_SCAN * _bracket_cost(chunk)
            + _TAG_SCAN * _tag_cost(chunk, text, offset))


def _chunks(text: str) -> list[str]:
    """The text cut after blank lines into pieces of at least CHUNK_CHARS, except that a block
    (the text between two blank lines) of CHUNK_CHARS or more is a piece of its own, so a costly
    block does not take its short neighbours into plain text. The pieces join into the text."""
    chunks: list[str] = []
    start = block_start = 0
    for match in _BLOCK_SPLIT.finditer(text):
        if match.start() - block_start >= CHUNK_CHARS and block_start > start:
            chunks.append(text[start:block_start])
            start = block_start
        if match.end() - start >= CHUNK_CHARS:
            chunks.append(text[start:match.end()])
            start = match.end()
        block_start = match.end()
    if len(text) - block_start >= CHUNK_CHARS and block_start > start:
        chunks.append(text[start:block_start])
        start = block_start
    if start < len(text):
        chunks.append(text[start:])
    return chunks


def _plain(text: str) -> str:
    """Text as escaped HTML, line breaks kept: safe without sanitising."""
    return htmllib.escape(text, quote=True).replace("\n", "<br>\n")


def _raw_html_as_text(raw: str) -> str:
    """HTML the author wrote (one stashed fragment of Python-Markdown: an inline tag or a block
    of HTML) with every tag kept that is allowed or deliberately stripped (nh3 then sanitises
    them), and everything else that starts with `<` escaped, so it is shown as written."""
    out: list[str] = []
    pos = 0
    for match in _RAW_TAG.finditer(raw):
        name = match.group(2).lower()
        if name not in ALLOWED_TAGS and name not in STRIPPED_TAGS:
            continue
        out.append(raw[pos:match.start()].replace("<", "&lt;"))
        out.append(match.group())
        pos = match.end()
    out.append(raw[pos:].replace("<", "&lt;"))
    return "".join(out)


class _RawHtmlAsText(md.postprocessors.RawHtmlPostprocessor):
    """Python-Markdown's restoring of raw HTML, through `_raw_html_as_text`."""

    def stash_to_string(self, text: str) -> str:
        return _raw_html_as_text(str(text))


class _AngleBrackets(md.extensions.Extension):
    """Words in angle brackets stay words (see STRIPPED_TAGS)."""

    def extendMarkdown(self, markdown: md.Markdown) -> None:
        markdown.postprocessors.register(_RawHtmlAsText(markdown), "raw_html", 30)


def _markdown(text: str) -> str:
    return md.markdown(text, extensions=[*EXTENSIONS, _AngleBrackets()], output_format="html")


def _clean(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


def _render(text: str) -> str:
    """Markdown to sanitised HTML, the costliest chunks as plain text (see the module
    docstring)."""
    chunks = _chunks(text)
    offsets, pos = [], 0
    for chunk in chunks:
        offsets.append(pos)
        pos += len(chunk)
    costs = [_chunk_cost(chunk, text, offsets[i]) for i, chunk in enumerate(chunks)]
    blocks = [len(_BLOCK_SPLIT.findall(chunk)) + 1 for chunk in chunks]
    plain = {i for i, cost in enumerate(costs) if cost > CHUNK_BUDGET}
    total = sum(cost for i, cost in enumerate(costs) if i not in plain)
    for i in sorted(range(len(costs)), key=costs.__getitem__, reverse=True):
        if total <= TEXT_BUDGET:
            break
        if i not in plain:
            plain.add(i)
            total -= costs[i]
    count = sum(n for i, n in enumerate(blocks) if i not in plain) + len(plain)
    for i in sorted(range(len(blocks)), key=blocks.__getitem__, reverse=True):
        if count <= MAX_BLOCKS:
            break
        if i not in plain:
            plain.add(i)
            count -= blocks[i] - 1
    if not plain:
        return _clean(_markdown(text))
    # Each plain chunk is replaced by a token of letters that Markdown and the sanitiser leave
    # alone, and the token by the escaped chunk after sanitising (escaped text needs none).
    nonce = secrets.token_hex(8)
    source = []
    for i, chunk in enumerate(chunks):
        if i in plain:
            # A blank line after the token ends its paragraph; the chunk's own blank lines go
            # with it into the escaped text.
            source.append(f"coalitionplain{nonce}x{i}x" + ("\n\n" if chunk[-1:].isspace()
                                                            else ""))
        else:
            source.append(chunk)
    out = _clean(_markdown("".join(source)))
    found: set[int] = set()

    def escaped(match: re.Match[str]) -> str:
        i = int(match.group(1) or match.group(2))
        found.add(i)
        return f"<p>{_plain(chunks[i].rstrip())}</p>" if match.group(1) else \
            _plain(chunks[i].rstrip())

    out = re.sub(rf"<p>coalitionplain{nonce}x(\d+)x</p>|coalitionplain{nonce}x(\d+)x",
                 escaped, out)
    if found != plain:  # never drop text: if a token went missing, the whole text is plain
        return f"<p>{_plain(text)}</p>"
    return out


def render_html(text: str | None) -> str:
    """Safe HTML of user-written Markdown, as a string to store next to its source.

    Bounded: any text of up to 200,000 characters renders in well under a second (costly
    chunks become escaped plain text). Sanitised: scripts, iframes, styles, event handlers and
    javascript: links go (nh3, an allow-list of tags and attributes).
    """
    text = (text or "").replace("\r\n", "\n")
    try:
        return _render(text)
    except RecursionError:  # a nesting the estimate missed: the text is still shown, plain
        return f"<p>{_plain(text)}</p>"


def render_markdown(text: str | None) -> Markup:
    """`render_html` marked safe for a template (for texts rendered on request: the preview)."""
    return Markup(render_html(text))  # noqa: S704 - sanitised by nh3 in render_html


def stored_html(html: str | None) -> Markup:
    """HTML stored by `render_html`, for a template: it was sanitised when it was stored."""
    return Markup(html or "")  # noqa: S704 - stored only by render_html, which sanitises


# Characters that may make Markdown (or HTML entities) of a text; a text without any of them
# reads the same as plain text, so `plain_text` need not render it.
_MARKUP_CHARS = re.compile(r"[*_`\[\]<>&#\\!~|]|^\s*(?:[-+=]|\d+[.)])", re.MULTILINE)
_BLOCK_TAGS = {"p", "br", "hr", "li", "ul", "ol", "blockquote", "pre", "table", "thead",
               "tbody", "tr", "td", "th", "h2", "h3", "h4", "h5", "h6"}


class _TextOf(HTMLParser):
    """The text of sanitised HTML: block elements become spaces, inline ones vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str | None, limit: int | None = None) -> str:
    """The words of user-written Markdown without its markup, on one line, for badges and
    other short displays (`*Demo data.* Noted` -> `Demo data. Noted`; issue 9, 3.5).

    Rendered through `render_html` (so bounded and sanitised the same way), then reduced to its
    text; a text with no Markdown character is returned as it is, whitespace collapsed.
    `limit` (characters, at least 2): a longer result is cut at a word boundary where there is
    one in its last third, and ends with "…" (the result is then at most `limit` characters).
    The result is plain text: templates escape it as any other string.
    """
    text = " ".join(_text_of((text or "").replace("\r\n", "\n")).split())
    if limit is None or len(text) <= limit:
        return text
    cut = text[:max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"


def render_inline(text: str | None) -> Markup:
    """`render_markdown` for a short text shown inside a sentence: one paragraph loses its
    `<p>` wrapper (several paragraphs keep theirs). Rendered on request, so for short texts
    only (a State's words, up to 5,000 characters), each distinct text once per process
    (`_inline_html`); a text with no Markdown character (most State's words: "Supported",
    "Noted") is only escaped, without calling the renderer."""
    return Markup(_inline_html(text or ""))  # noqa: S704 - escaped, or sanitised by nh3


# The State's words repeat across thousands of recommendations ("Supported", one addendum's
# sentence) and are shown on every tracker page: each distinct text is rendered once per
# process and kept (bounded), so a page view does not render Markdown again.
@lru_cache(maxsize=4096)
def _text_of(text: str) -> str:
    if not _MARKUP_CHARS.search(text):
        return text
    parser = _TextOf()
    parser.feed(render_html(text))
    parser.close()
    return "".join(parser.parts)


@lru_cache(maxsize=4096)
def _inline_html(text: str) -> str:
    if not _MARKUP_CHARS.search(text):  # no Markdown: the text itself, escaped
        return htmllib.escape(text, quote=True)
    html = render_html(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
