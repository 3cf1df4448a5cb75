"""A published statement as PDF (WeasyPrint, from the public page's HTML) and DOCX.

Both are XML underneath: characters XML 1.0 refuses (NUL and other control characters, which
text stored before input was filtered, or pasted through an import, may hold) are left out of
every string that goes in (`xml_text`), so the export never fails on them."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from flask import render_template
from markupsafe import Markup

from coalition.core.inputs import clean_text as xml_text
from coalition.i18n import translated
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


_INLINE = re.compile(r"(\*\*|__|\*|_|`)")
# The classes stop at an opening bracket too: a run of `[` is scanned once (linear), not once
# per bracket (quadratic, as word_count's was).
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()]*)\)")


def _plain(line: str) -> str:
    return _INLINE.sub("", _LINK.sub(r"\1 (\2)", line)).strip()


def to_docx(statement: Statement, text: str, signatories: Sequence[Organisation]) -> bytes:
    from docx import Document

    text = xml_text(text)
    document = Document()
    document.add_heading(xml_text(statement.title), level=1)
    meta = ", ".join(p for p in (xml_text(statement.occasion or ""),
                                 statement.published_at.strftime(
        "%-d %B %Y") if statement.published_at else "") if p)
    if meta:
        document.add_paragraph(meta)
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            document.add_paragraph(_plain(" ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^\s*[-*+]\s+(.*)$", line)
        numbered = re.match(r"^\s*\d+[.)]\s+(.*)$", line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            document.add_heading(_plain(heading.group(2)), level=min(len(heading.group(1)) + 1,
                                                                      9))
        elif bullet:
            flush()
            document.add_paragraph(_plain(bullet.group(1)), style="List Bullet")
        elif numbered:
            flush()
            document.add_paragraph(_plain(numbered.group(1)), style="List Number")
        else:
            paragraph.append(line.lstrip("> "))
    flush()
    if signatories:
        document.add_heading("Signatories", level=2)
        for org in signatories:
            document.add_paragraph(xml_text(org.name), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
