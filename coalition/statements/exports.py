"""A published statement as PDF (WeasyPrint, from the public page's HTML) and DOCX.

Both are XML underneath: characters XML 1.0 refuses (NUL and other control characters, which
text stored before input was filtered, or pasted through an import, may hold) are left out of
every string that goes in (`xml_text`), so the export never fails on them."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from coalition.core.inputs import clean_text as xml_text
from coalition.i18n import date_local, translated
from coalition.organisations.models import Organisation
from coalition.statements.models import Statement


def to_pdf(statement: Statement, text_html: Markup, signatories: Sequence[Organisation]) -> bytes:
    """The PDF of a statement from its text's stored HTML (services.revision_html)."""
    from weasyprint import HTML  # imported here: it loads Pango, needed only for this

    # The stored HTML was rendered from text cleaned on input; xml_text also clears anything
    # older rows may hold that XML refuses.
    # The PDF speaks the statement's language (its headings, its date), whoever downloads it.
    with translated(statement.language):
        html = xml_text(render_template("statements/print.html", statement=statement,
                                        html=text_html, signatories=signatories))
    # No base_url and no fetching: the document is self-contained, nothing is fetched.
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"external resource refused: {url}")


# Blocks of the stored HTML (coalition.core.markdown.ALLOWED_TAGS) and the DOCX style of each;
# a list item's style depends on its list.
_BLOCK_STYLES = {"p": None, "h2": "Heading 2", "h3": "Heading 3", "h4": "Heading 4",
                 "h5": "Heading 5", "h6": "Heading 6", "pre": None, "blockquote": "Quote",
                 "th": None, "td": None}
_LIST_STYLES = {"ul": "List Bullet", "ol": "List Number"}


class _DocxWriter(HTMLParser):
    """Writes the sanitised HTML of a statement's text into a python-docx Document: paragraphs,
    headings, lists, quotes and tables, with bold, italic and code as run formatting. The
    words are the HTML's words: emphasis is formatting, never characters taken out (issue 9,
    3.4); a link's address follows its text in brackets."""

    def __init__(self, document: Any) -> None:
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph: Any = None
        self.styles: list[str] = []  # the open blocks' DOCX styles (innermost last)
        self.lists: list[str] = []
        self.bold = self.italic = self.code = self.pre = 0
        self.href: list[str | None] = []
        self.link_text: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.rows: list[list[str]] = []

    def _new_paragraph(self) -> Any:
        style = self.styles[-1] if self.styles else None
        if self.lists and style in (None, "List Bullet", "List Number"):
            style = _LIST_STYLES[self.lists[-1]]
        self.paragraph = self.document.add_paragraph(style=style) if style else \
            self.document.add_paragraph()
        return self.paragraph

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.pre += tag == "pre"
        if tag in _LIST_STYLES:
            self.lists.append(tag)
            self.paragraph = None
        elif tag == "li":
            self.styles.append(_LIST_STYLES[self.lists[-1]] if self.lists else "List Bullet")
            self.paragraph = None
        elif tag == "table":
            self.rows = []
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell = []
        elif tag == "p":  # a paragraph in a quote or a list item takes its style
            self.styles.append(self.styles[-1] if self.styles else "")
            self.paragraph = None
        elif tag in _BLOCK_STYLES:
            self.styles.append(_BLOCK_STYLES[tag] or "")
            self.paragraph = None
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.link_text.append("")
        elif tag == "br":
            if self.cell is not None:
                self.cell.append(" ")
            elif self.paragraph is not None:
                self.paragraph.add_run().add_break()
        elif tag == "hr":
            self.paragraph = None

    def handle_endtag(self, tag: str) -> None:
        self.pre -= tag == "pre" and self.pre > 0
        if tag in _LIST_STYLES:
            if self.lists:
                self.lists.pop()
            self.paragraph = None
        elif tag == "li" or (tag in _BLOCK_STYLES and tag not in ("th", "td")):
            if self.styles:
                self.styles.pop()
            self.paragraph = None
        elif tag in ("th", "td") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag == "table":
            self._table()
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "code":
            self.code = max(0, self.code - 1)
        elif tag == "a" and self.href:
            href, text = self.href.pop(), self.link_text.pop()
            if href and href != text.strip() and href != f"mailto:{text.strip()}":
                self.handle_data(f" ({href})")

    def _table(self) -> None:
        rows = [r for r in self.rows if r]
        if rows:
            width = max(len(r) for r in rows)
            table = self.document.add_table(rows=len(rows), cols=width)
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    table.cell(i, j).text = value
        self.rows = []
        self.paragraph = None

    def handle_data(self, data: str) -> None:
        if self.link_text:
            self.link_text[-1] += data
        if self.cell is not None:
            self.cell.append(data)
            return
        if self.paragraph is None:
            if not data.strip():
                return
            self._new_paragraph()
            data = data.lstrip()
        if not self.pre:  # outside <pre>, a line break in the source is a space
            data = re.sub(r"\s*\n\s*", " ", data)
        run = self.paragraph.add_run(data)
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None
        if self.code:
            run.font.name = "Courier New"

    def close(self) -> None:
        super().close()
        for paragraph in self.document.paragraphs:  # no trailing spaces left by line breaks
            if paragraph.runs:
                last = paragraph.runs[-1]
                last.text = last.text.rstrip()


def to_docx(statement: Statement, text_html: Markup | str,
            signatories: Sequence[Organisation]) -> bytes:
    """The DOCX of a statement from its text's stored HTML (services.revision_html), so that it
    says the same words as the public page and the PDF."""
    from docx import Document

    document = Document()
    document.add_heading(xml_text(statement.title), level=1)
    # The date and the headings in the statement's own language, as the PDF has them.
    with translated(statement.language):
        published = date_local(statement.published_at, "long")
        signatories_heading = _("Signatories")
    meta = ", ".join(p for p in (xml_text(statement.occasion or ""), published) if p)
    if meta:
        document.add_paragraph(meta)
    writer = _DocxWriter(document)
    writer.feed(xml_text(str(text_html)))
    writer.close()
    if signatories:
        document.add_heading(signatories_heading, level=2)
        for org in signatories:
            document.add_paragraph(xml_text(org.name), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
