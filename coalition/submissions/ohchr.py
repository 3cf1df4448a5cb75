"""OHCHR's rules for stakeholder submissions to the UPR, checked as the text is written
(issue 12, item 2): the word count against the limit, the sections OHCHR's guidelines expect,
the co-submitters at the top of a joint submission, numbered paragraphs, and the DOCX export.

Pure functions: the Markdown text is an argument (whoever stores the text passes it in), so the
rules do not depend on where or how a submission's text is kept.

The rules and where they come from
----------------------------------
- OHCHR, "Universal Periodic Review (third and fourth cycles): Technical guidelines for the
  submission of stakeholders' information", as announced on OHCHR's page "4th UPR cycle:
  contributions and participation of 'other stakeholders' in the UPR"
  (https://www.ohchr.org/en/hr-bodies/upr/ngos-nhris) and summarised by UPR Info
  ("New guidelines and deadlines for 'other stakeholders' reports for the 4th UPR cycle",
  January 2022; "New guidelines and matrices for third cycle NGO submissions"):
  * an individual submission is at most 2,815 words, a joint submission at most 5,630 words
    (`DEFAULT_WORD_LIMITS`);
  * endnotes (footnotes) carry references, not substance, and are not counted; further
    information may be annexed, and annexes are not counted either (`count_words`);
  * contributions focus on the follow-up of the previous review (the implementation of its
    recommendations) and on developments since then (`section_warnings`).
- OHCHR, "Technical guidelines for the submission of stakeholders' information" (2008,
  https://www.ohchr.org/EN/HRBodies/UPR/Pages/TechnicalGuide.aspx), kept in the later
  guidelines:
  * a paragraph describing the submitting organisation(s) is welcomed (`section_warnings`);
  * a joint submission names all submitting stakeholders at the beginning of the text
    (`section_warnings`, `docx_bytes`);
  * the paragraphs (and pages) are numbered (`numbered_paragraphs`);
  * the submission is a Word document, not a PDF (`docx_bytes`).

The limits per cycle are configurable: `SUBMISSION_WORD_LIMITS` in the app config,
{cycle: {"individual": words, "joint": words}} (see `word_limit`).

How words are counted (`count_words`, and the same in static/js/ohchr-wordcount.js)
-----------------------------------------------------------------------------------
As Microsoft Word counts them, which is what OHCHR uses: whitespace-separated tokens of the
text a reader sees, with these decisions:

1. Everything from the first *annex heading* on is left out: an ATX heading (`#` to `######`)
   whose text starts with "Annex", "Annexes", "Appendix", "Appendices" (any case, e.g.
   "Annex I: list of cases") or "附件", "附錄", "附录". Only a heading starts the annexes: the
   word "Annex" in a sentence does not.
2. Footnote definitions are left out: a line `[^label]: ...`, the indented lines after it (and
   blank lines between them), and lines that continue it directly (lazy continuation, as in
   Markdown). Footnote markers `[^label]` in the text are left out.
3. Markdown syntax is not text: link targets (`[text](url)` counts "text"), images (alt texts
   are not counted, as Word does not count them), reference definitions (`[id]: url`), HTML
   tags, and the numbers of ordered list items (`1.` at the start of a line: the export numbers
   paragraphs itself, and Word does not count automatic numbering). An autolink `<https://…>`
   is a URL the reader sees and counts as one word, as a URL typed in Word does.
4. A token counts only if it contains a letter or a digit: `#`, `*`, `-` bullets, `>`, `|`,
   `---` rules and a dash between spaces do not. (Word counts a dash standing between two
   spaces as a word; we do not, because the same characters are Markdown syntax: the count may
   be lower than Word's by the number of such spaced dashes.)
5. CJK: each Han character, kana and Bopomofo letter counts as one word, as Word counts each
   East Asian character (Chinese is written without spaces between words). CJK punctuation
   (U+3000-U+303F and full-width forms) is not counted. "2019年" is two words: "2019" and "年".
   Hangul is counted by spaces, as Korean separates words with them.

Whitespace is the list in `_SPACE` (the same in Python and JavaScript, whose `\\s` differ).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from coalition.submissions.models import Submission

__all__ = [
    "DEFAULT_WORD_LIMITS",
    "SECTION_KEYWORDS",
    "OhchrWarning",
    "count_words",
    "docx_bytes",
    "numbered_paragraphs",
    "section_warnings",
    "split_text",
    "word_limit",
]

# OHCHR's limits for the 3rd and 4th cycles (see the module docstring); a cycle not listed in
# the config takes the latest cycle's limits.
DEFAULT_WORD_LIMITS: dict[int, dict[str, int]] = {
    3: {"individual": 2815, "joint": 5630},
    4: {"individual": 2815, "joint": 5630},
}

# --- the count --------------------------------------------------------------------------------

_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_CHARS = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B)))
_TOKEN_RE = re.compile(f"[^{_SPACE}]+")
# Han (unified, extension A, compatibility, extensions B-H), kana, Bopomofo: one word each.
_CJK = ("\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        "\U00020000-\U0003134f")
_CJK_RE = re.compile(f"[{_CJK}]")
# What separates words besides spaces: CJK characters themselves (counted apart), CJK symbols
# and punctuation, full-width and vertical forms.
_CJK_SPLIT_RE = re.compile(f"[{_CJK}\u3000-\u303f\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uff0f"
                           "\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
_LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")  # JavaScript: [\p{L}\p{N}]

_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+([^\n]*?))?(?:[ \t]+#+)?[ \t]*$")
_ANNEX_RE = re.compile(r"^(?:(?:annex(?:es)?|appendix|appendices)(?![A-Za-z])|附件|附錄|附录)",
                       re.IGNORECASE)
_FOOTNOTE_DEF_RE = re.compile(rf"^ {{0,3}}\[\^([^\]{_SPACE}]+)\]:[ \t]?(.*)$")
_INDENTED_RE = re.compile(r"^(?: {4}|\t)")
_REFERENCE_DEF_RE = re.compile(rf"^ {{0,3}}\[[^\]\n]+\]:[ \t]*[^{_SPACE}]")
_FOOTNOTE_REF_RE = re.compile(rf"\[\^[^\]{_SPACE}]+\]")
_IMAGE_RE = re.compile(r"!\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]\n]*\])?")
_LINK_RE = re.compile(r"\[([^\[\]\n]*)\](?:\([^()\n]*\)|\[[^\[\]\n]*\])")
_AUTOLINK_RE = re.compile(
    rf"<((?:[A-Za-z][A-Za-z0-9+.-]{{1,31}}:|[^@{_SPACE}<>]+@)[^<>{_SPACE}]*)>")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>\n]*>")
# An ordered list item at the margin: "12. " / "12) ".
_ORDERED_ITEM_RE = re.compile(r"[0-9]{1,9}[.)][ \t]+\S")
_ORDERED_MARKER_RE = re.compile(r"^((?:[ \t]*>)*[ \t]*)[0-9]{1,9}[.)](?=[ \t]|$)", re.MULTILINE)


@dataclass
class Parts:
    """A submission text cut the way OHCHR counts it (see `split_text`)."""

    body: list[str]  # the lines before the annexes, without footnote definitions
    footnotes: list[tuple[str, str]]  # (label, text), in the order they are defined
    annexes: list[str]  # the lines from the first annex heading on


def _heading_text(line: str) -> str | None:
    match = _HEADING_RE.match(line)
    if not match:
        return None
    return (match.group(2) or "").strip(_SPACE_CHARS)


def _is_annex_heading(line: str) -> bool:
    text = _heading_text(line)
    return text is not None and _ANNEX_RE.match(text.strip("*_ \t")) is not None


def split_text(markdown: str) -> Parts:
    """Cut a Markdown text into its body, its footnote definitions and its annexes (rules 1
    and 2 of the module docstring). Footnote definitions are taken out wherever they are (after
    the annexes too, where many texts keep them)."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    parts = Parts([], [], [])
    kept = parts.body
    in_footnote = False
    previous_blank = True
    for line in lines:
        blank = not _TOKEN_RE.search(line)
        heading = _heading_text(line) is not None
        definition = _FOOTNOTE_DEF_RE.match(line)
        if definition:
            parts.footnotes.append((definition.group(1), definition.group(2).strip()))
            in_footnote = True
        elif in_footnote and not heading and (blank or _INDENTED_RE.match(line)
                                              or not previous_blank):
            if not blank:
                label, text = parts.footnotes[-1]
                parts.footnotes[-1] = (label, f"{text} {line.strip()}".strip())
        else:
            in_footnote = False
            if heading and kept is parts.body and _is_annex_heading(line):
                kept = parts.annexes
            kept.append(line)
        previous_blank = blank
    return parts


def _visible(text: str) -> str:
    """The words a reader sees of Markdown lines (rule 3)."""
    text = "\n".join(line for line in text.split("\n") if not _REFERENCE_DEF_RE.match(line))
    text = _FOOTNOTE_REF_RE.sub("", text)
    text = _IMAGE_RE.sub(" ", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _AUTOLINK_RE.sub(r"\1", text)
    text = _TAG_RE.sub(" ", text)
    return _ORDERED_MARKER_RE.sub(r"\1", text)


def _count_visible(text: str) -> int:
    cjk = len(_CJK_RE.findall(text))
    text = _CJK_SPLIT_RE.sub(" ", text)
    search = _LETTER_OR_DIGIT_RE.search
    return cjk + sum(1 for token in _TOKEN_RE.findall(text) if search(token))


def count_words(markdown: str) -> int:
    """Words of a submission's Markdown text as OHCHR counts them: footnotes and annexes
    excluded, Markdown syntax not counted, each CJK character one word (module docstring)."""
    return _count_visible(_visible("\n".join(split_text(markdown or "").body)))


# --- the limit --------------------------------------------------------------------------------

def _for_cycle(table: Mapping[int, Mapping[str, int]], cycle: int,
               later: bool) -> Mapping[str, int]:
    """The limits of `cycle`, else the nearest earlier cycle's (OHCHR's limits stand until new
    guidelines change them), else (when `later`) the latest cycle's."""
    known = sorted(int(c) for c in table)
    earlier = [c for c in known if c <= cycle]
    if earlier:
        return table[earlier[-1]]
    return table[known[-1]] if later and known else {}


def word_limit(submission: Submission,
               limits: Mapping[int, Mapping[str, int]] | None = None) -> int:
    """The word limit of a submission, by its review's cycle and its kind.

    `limits` (by default the app config's `SUBMISSION_WORD_LIMITS`, {cycle: {kind: words}})
    overrides `DEFAULT_WORD_LIMITS`; for a cycle it does not name, the nearest earlier cycle's
    limits apply.
    """
    if limits is None:
        limits = (current_app.config.get("SUBMISSION_WORD_LIMITS") if has_app_context()
                  else None) or {}
    review = getattr(submission, "review", None)
    cycle = review.cycle if review is not None else max(DEFAULT_WORD_LIMITS)
    chosen = {**_for_cycle(DEFAULT_WORD_LIMITS, cycle, later=True),
              **_for_cycle({int(c): v for c, v in limits.items()}, cycle, later=False)}
    return int(chosen.get(submission.kind) or chosen["individual"])


# --- the sections OHCHR's guidelines expect ----------------------------------------------------

# Words that, in a heading, show the section is there. Matched case-insensitively anywhere in
# the heading's text. English, then Traditional Chinese (Hong Kong usage), then Simplified.
SECTION_KEYWORDS: dict[str, tuple[str, ...]] = {
    # The submitting organisation(s): "About us", "The submitting organisations",
    # "Organisation description"; 機構簡介 (about the organisation), 關於我們 (about us),
    # 提交機構 (submitting organisations), 聯盟簡介 (about the coalition).
    "organisation": ("about us", "about the", "who we are", "organisation", "organization",
                     "submitting", "coalition", "機構", "關於我們", "組織", "聯盟", "团体",
                     "機構簡介", "机构", "关于我们", "组织", "联盟"),
    # The period covered / the previous review: "Period covered", "Since the third cycle",
    # "Scope"; 涵蓋期間 (period covered), 上一次審議 / 上次審議 (the previous review),
    # 報告期 (reporting period), 範圍 (scope).
    "period": ("period", "covered", "since the", "previous review", "last review",
               "previous cycle", "scope", "timeframe", "time frame",
               "涵蓋期間", "期間", "上一次審議", "上次審議", "上一輪", "報告期", "範圍",
               "涵盖期间", "期间", "上一次审议", "上次审议", "上一轮", "报告期", "范围"),
    # Follow-up of the previous review's recommendations: "Follow-up to the previous review",
    # "Implementation of recommendations"; 跟進上一次審議的建議 (follow-up of the previous
    # review's recommendations), 落實 / 實施 / 執行 (implementation).
    "follow_up": ("follow-up", "follow up", "followup", "implementation", "implemented",
                  "previous recommendations", "跟進", "落實", "實施", "執行",
                  "跟进", "落实", "实施", "执行"),
}
_SECTION_MESSAGES = {
    "organisation": _l("No section describes the submitting organisation(s): OHCHR's "
                       "guidelines ask for a short description (for example a heading "
                       "“About the organisations” or 機構簡介)."),
    "period": _l("No section says what period the submission covers (since the previous "
                 "review), as OHCHR's guidelines expect (for example a heading “Period "
                 "covered” or 涵蓋期間)."),
    "follow_up": _l("No section follows up the previous review's recommendations, which OHCHR "
                    "asks submissions to focus on (for example a heading “Follow-up of the "
                    "previous review” or 跟進上一次審議的建議)."),
}


@dataclass(frozen=True)
class OhchrWarning:
    """Something OHCHR's guidelines expect that the text lacks: a code and a message for the
    reader (a lazy, translated string)."""

    code: str
    message: Any
    names: tuple[str, ...] = ()


def _headings(lines: list[str]) -> list[str]:
    return [text for text in map(_heading_text, lines) if text is not None]


def _top(body: list[str]) -> str:
    """The opening of a text, where OHCHR asks a joint submission to list its organisations:
    what comes before the first heading that follows some text (the title's heading does not
    end it); without such a heading, the first three paragraphs."""
    seen_text = False
    top: list[str] = []
    for line in body:
        if _heading_text(line) is not None and seen_text:
            return "\n".join(top)
        if line.strip() and _heading_text(line) is None:
            seen_text = True
        top.append(line)
    return "\n\n".join(text for _, text in numbered_paragraphs("\n".join(body))[:3])


def _names_of(submission: Submission) -> list[tuple[str, tuple[str, ...]]]:
    """The organisations on a joint submission (lead, then confirmed), each with the names it
    may be given in the text (its name and its short name)."""
    orgs = [submission.lead_organisation, *(p.organisation for p in submission.participants
                                            if p.state == "confirmed")]
    return [(o.name, tuple(n for n in (o.name, getattr(o, "short_name", None)) if n))
            for o in orgs if o is not None]


def section_warnings(markdown: str,
                     submission: Submission | None = None) -> list[OhchrWarning]:
    """What the text lacks of the sections OHCHR's guidelines expect (`SECTION_KEYWORDS`,
    looked for in the headings of the body), and, for a joint submission, the organisations
    on it (the lead and the confirmed co-submitters) that the top of the text does not name."""
    parts = split_text(markdown or "")
    headings = [h.casefold() for h in _headings(parts.body)]
    warnings = [OhchrWarning(code, _SECTION_MESSAGES[code])
                for code, words in SECTION_KEYWORDS.items()
                if not any(word in heading for heading in headings for word in words)]
    if submission is not None and submission.kind == "joint":
        top = _visible(_top(parts.body)).casefold()
        missing = tuple(name for name, names in _names_of(submission)
                        if not any(n.casefold() in top for n in names))
        if missing:
            warnings.append(OhchrWarning("co_submitters", _l(
                "A joint submission names every organisation submitting it (the lead and each "
                "co-submitter) at the top of its text, as OHCHR asks; not named there: "
                "%(names)s. (The DOCX export adds the list above the text.)",
                names="; ".join(missing)), missing))
    return warnings


# --- numbered paragraphs ---------------------------------------------------------------------

def _blocks(lines: list[str]) -> list[tuple[str, str]]:
    """Blocks of Markdown lines: ("heading", text) or ("paragraph", text); a paragraph is the
    lines between blank lines or headings. Each item of an ordered list is its own paragraph
    (authors number OHCHR's paragraphs as "1. ... 2. ...", often without blank lines); a
    bulleted list without blank lines stays one paragraph."""
    blocks: list[tuple[str, str]] = []
    current: list[str] = []
    fenced = False

    def flush() -> None:
        if current:
            blocks.append(("paragraph", "\n".join(current)))
            current.clear()

    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            current.append(line)
            continue
        heading = None if fenced else _heading_text(line)
        if heading is not None:
            flush()
            blocks.append(("heading", line))
        elif not line.strip() and not fenced:
            flush()
        elif not _REFERENCE_DEF_RE.match(line) or fenced:
            if not fenced and _ORDERED_ITEM_RE.match(line):
                flush()
            current.append(line)
    flush()
    return blocks


def numbered_paragraphs(markdown: str) -> list[tuple[int, str]]:
    """The body's paragraphs numbered as OHCHR asks: every paragraph of text consecutively from
    1, headings, footnotes and annexes not numbered. Each is (number, its Markdown text), an
    ordered list item's own number taken off (ours replaces it)."""
    out: list[tuple[int, str]] = []
    for kind, text in _blocks(split_text(markdown or "").body):
        if kind == "paragraph" and _count_visible(_visible(text)) + len(
                _FOOTNOTE_REF_RE.findall(text)) > 0:
            out.append((len(out) + 1, _ORDERED_MARKER_RE.sub(r"\1", text).strip()))
    return out


# --- the DOCX export ------------------------------------------------------------------------

_INLINE_RE = re.compile(
    r"(?P<ref>\[\^(?P<label>[^\]\s]+)\])"
    r"|(?P<image>!\[[^\[\]\n]*\](?:\([^()\n]*\))?)"
    r"|\[(?P<text>[^\[\]\n]*)\]\((?P<url>[^()\s\n]*)(?:\s+\"[^\"\n]*\")?\)"
    r"|<(?P<auto>(?:https?|mailto):[^<>\s]*)>"
    r"|(?P<strong>\*\*|__)(?P<strong_text>.+?)(?P=strong)"
    r"|(?<![\w*])(?P<em>[*_])(?P<em_text>[^*_\s](?:[^*_]*?[^*_\s])?)(?P=em)(?![\w*])"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?P<tag></?[A-Za-z][^<>\n]*>)"
)
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BLOCK_MARKER_RE = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?")


def _add_hyperlink(paragraph: Any, text: str, url: str) -> None:
    """A clickable link (python-docx has no API for hyperlinks: the XML is built by hand)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    text_el = OxmlElement("w:t")
    text_el.text = text
    text_el.set(qn("xml:space"), "preserve")
    run.append(text_el)
    link.append(run)
    paragraph._p.append(link)


def _add_inline(paragraph: Any, text: str, notes: dict[str, int]) -> None:
    """Markdown inline text as runs: bold, italic, code, links, footnote markers (superscript
    numbers, in the order the notes are first referred to). Line breaks inside a paragraph
    (list items) stay line breaks; list and quote markers are dropped."""
    lines = [_BLOCK_MARKER_RE.sub("", line, count=1) for line in text.split("\n")]
    for index, line in enumerate(lines):
        if index:
            paragraph.add_run().add_break()
        position = 0
        for match in _INLINE_RE.finditer(line):
            if match.start() > position:
                paragraph.add_run(line[position:match.start()])
            position = match.end()
            if match.group("ref"):
                label = match.group("label")
                number = notes.setdefault(label, len(notes) + 1)
                paragraph.add_run(str(number)).font.superscript = True
            elif match.group("url") is not None and match.group("text") is not None:
                url = match.group("url")
                if url.startswith(("http://", "https://", "mailto:")):
                    _add_hyperlink(paragraph, match.group("text") or url, url)
                else:
                    paragraph.add_run(match.group("text"))
            elif match.group("auto"):
                _add_hyperlink(paragraph, match.group("auto"), match.group("auto"))
            elif match.group("strong"):
                paragraph.add_run(match.group("strong_text")).bold = True
            elif match.group("em"):
                paragraph.add_run(match.group("em_text")).italic = True
            elif match.group("code"):
                paragraph.add_run(match.group("code")).font.name = "Courier New"
            # images and HTML tags: dropped (the export is text)
        if position < len(line):
            paragraph.add_run(line[position:])


def docx_bytes(submission: Submission, markdown: str,
               limits: Mapping[int, Mapping[str, int]] | None = None) -> bytes:
    """The submission as a Word document in the shape OHCHR asks for: the title; for a joint
    submission, the organisations on it at the top (the lead, then the confirmed
    co-submitters); the word count against the limit; the body with every paragraph numbered
    (headings not); the footnotes as numbered notes after the body; the annexes last, not
    numbered.

    Footnotes are endnote-style: python-docx has no API for Word's native footnotes, so the
    markers are superscript numbers and the notes a numbered list under "Notes". (OHCHR's
    guidelines speak of endnotes, so this is also what they describe.)
    """
    from docx import Document
    from docx.shared import Pt
    from flask_babel import gettext as _

    from coalition.i18n import number
    from coalition.submissions.models import SUBMISSION_KINDS

    # Characters XML 1.0 forbids (a pasted form feed, a NUL) would make python-docx fail.
    parts = split_text(_XML_ILLEGAL_RE.sub(" ", markdown or ""))
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"  # the font OHCHR's technical guidelines name
    normal.font.size = Pt(12)
    title = _XML_ILLEGAL_RE.sub(" ", submission.title)
    document.core_properties.title = title
    document.add_heading(title, level=0)
    review = submission.review
    document.add_paragraph(f"{SUBMISSION_KINDS[submission.kind]} · "
                           f"{review.display_title if review is not None else ''}".strip(" ·"))
    if submission.kind == "joint":
        document.add_paragraph(_("Joint submission by:")).runs[0].bold = True
        for name, _names in _names_of(submission):
            document.add_paragraph(name, style="List Bullet")
    words, limit = count_words(markdown or ""), word_limit(submission, limits)
    document.add_paragraph(_("Word count: %(count)s (limit %(limit)s; footnotes and annexes "
                             "not counted)", count=number(words),
                             limit=number(limit))).runs[0].italic = True

    # Notes are numbered in the order the text (annexes included) first refers to them.
    notes: dict[str, int] = {}
    for label in _FOOTNOTE_REF_RE.findall("\n".join(parts.body + parts.annexes)):
        notes.setdefault(label[2:-1], len(notes) + 1)
    number = 0
    for kind, text in _blocks(parts.body):
        if kind == "heading":
            match = _HEADING_RE.match(text)
            level = len(match.group(1)) if match else 1
            heading = document.add_heading("", level=min(level, 9))
            _add_inline(heading, (match.group(2) if match else text) or "", notes)
        elif _count_visible(_visible(text)) or _FOOTNOTE_REF_RE.search(text):
            number += 1
            paragraph = document.add_paragraph(f"{number}.\t")
            _add_inline(paragraph, text, notes)

    defined = dict(parts.footnotes)
    if defined:
        document.add_heading(_("Endnotes"), level=1)
        # Notes referred to in the text, in that order; then any defined but never referred to.
        order = sorted(notes, key=notes.get) + [label for label in defined if label not in notes]
        for n, label in enumerate(order, start=1):
            paragraph = document.add_paragraph(f"{n}\t")
            _add_inline(paragraph, defined.get(label, ""), {})
    for kind, text in _blocks(parts.annexes):
        if kind == "heading":
            match = _HEADING_RE.match(text)
            heading = document.add_heading("", level=min(len(match.group(1)) if match else 1,
                                                         9))
            _add_inline(heading, (match.group(2) if match else text) or "", notes)
        else:
            _add_inline(document.add_paragraph(), text, notes)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
