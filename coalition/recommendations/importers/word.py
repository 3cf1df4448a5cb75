"""The text Word shows in a .docx table or header, with all tracked changes accepted.

python-docx's ``cell.text`` and ``paragraph.text`` read only the runs that are direct children of
a paragraph, so text inside tracked insertions (``w:ins``), smart tags (``w:smartTag``, Word
2003/2007 country tags), hyperlinks, simple and complex fields and content controls (``w:sdt``)
is silently missing, while table rows wrapped in a content control are skipped altogether. This
module walks the WordprocessingML instead (ECMA-376 Part 1, section 17), reading what Word
displays once every change is accepted:

- insertions (``w:ins``) and moved-in text (``w:moveTo``) are read; deletions (``w:del``,
  ``w:delText``, ``w:delInstrText``) and moved-out text (``w:moveFrom``) are not;
- a deleted paragraph mark joins the paragraph to the next one; a deleted table row is dropped;
- a field shows its result, never its instruction: ``w:fldSimple``'s runs, and for complex
  fields the runs between ``w:fldChar`` ``separate`` and ``end`` (``w:instrText`` is skipped);
- ``w:tab`` and ``w:ptab`` (headers' aligned tabs) read as a tab, ``w:br``/``w:cr`` as a
  newline, ``w:noBreakHyphen`` as "-";
- an ``mc:AlternateContent`` block is read once (its first ``mc:Choice``), not twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from docx.opc.constants import RELATIONSHIP_TYPE
from lxml import etree

__all__ = ["cell_text", "header_texts", "iter_rows", "iter_tables", "paragraph_texts", "row_texts"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


_P, _T, _TAB, _BR, _CR = _w("p"), _w("t"), _w("tab"), _w("br"), _w("cr")
_TBL, _TR, _TC = _w("tbl"), _w("tr"), _w("tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = _w("sdt"), _w("sdtContent"), _w("customXml")
_FLD_CHAR, _NO_BREAK_HYPHEN, _PTAB = _w("fldChar"), _w("noBreakHyphen"), _w("ptab")
_PPR, _RPR, _TRPR, _TCPR = _w("pPr"), _w("rPr"), _w("trPr"), _w("tcPr")
_DEL, _MOVE_FROM = _w("del"), _w("moveFrom")
_GRID_SPAN, _GRID_BEFORE, _VAL = _w("gridSpan"), _w("gridBefore"), _w("val")
_FLD_CHAR_TYPE = _w("fldCharType")
_ALTERNATE, _CHOICE = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice"

# Elements whose whole subtree Word does not show once changes are accepted, or that hold no
# displayed text (properties; the field instruction; deleted text and instructions).
_SKIPPED = frozenset(
    {
        _DEL,
        _MOVE_FROM,
        _w("delText"),
        _w("delInstrText"),
        _w("instrText"),
        _PPR,
        _RPR,
        _w("sdtPr"),
        _w("sdtEndPr"),
        _w("customXmlPr"),
        _w("smartTagPr"),
        _w("fldData"),
        _w("footnoteReference"),
        _w("endnoteReference"),
    }
)
# Block-level wrappers whose children are paragraphs, tables or rows.
_BLOCK_WRAPPERS = frozenset({_SDT, _SDT_CONTENT, _CUSTOM_XML, _w("ins"), _w("moveTo")})


class _FieldState:
    """Nesting of complex fields: text shows only outside fields or in a result part."""

    __slots__ = ("stack",)

    def __init__(self) -> None:
        # One entry per open field: False while reading its instruction, True in its result.
        self.stack: list[bool] = []

    @property
    def showing(self) -> bool:
        return all(self.stack)

    def update(self, element: etree._Element) -> None:
        kind = element.get(_FLD_CHAR_TYPE)
        if kind == "begin":
            self.stack.append(False)
        elif kind == "separate" and self.stack:
            self.stack[-1] = True
        elif kind == "end" and self.stack:
            self.stack.pop()


def _inline_text(element: etree._Element, fields: _FieldState, out: list[str]) -> None:
    """Append the displayed text under `element` (a paragraph or inline container) to `out`."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == _ALTERNATE:
            choice = child.find(_CHOICE)
            if choice is not None:
                _inline_text(choice, fields, out)
            continue
        if tag == _FLD_CHAR:
            fields.update(child)
            continue
        if tag == _T:
            if fields.showing:
                out.append(child.text or "")
        elif tag in (_TAB, _PTAB):
            # (w:tab in a paragraph's properties is a tab stop, skipped with w:pPr above.)
            if fields.showing:
                out.append("\t")
        elif tag in (_BR, _CR):
            if fields.showing:
                out.append("\n")
        elif tag == _NO_BREAK_HYPHEN:
            if fields.showing:
                out.append("-")
        elif tag == _P:
            # A paragraph nested in an inline container (a text box): a line of its own.
            out.append("\n")
            _inline_text(child, fields, out)
            out.append("\n")
        else:
            _inline_text(child, fields, out)


def _mark_deleted(paragraph: etree._Element) -> bool:
    """Whether the paragraph's own mark is a tracked deletion (it then joins the next one)."""
    ppr = paragraph.find(_PPR)
    if ppr is None:
        return False
    rpr = ppr.find(_RPR)
    return rpr is not None and (rpr.find(_DEL) is not None or rpr.find(_MOVE_FROM) is not None)


def _iter_paragraphs(container: etree._Element, tables: bool) -> Iterator[etree._Element]:
    """The paragraphs of a cell, header or body in order, through content controls; nested
    tables are entered only if `tables` (a cell's nested table is not part of its text, as in
    python-docx; a page header laid out as a table is)."""
    for child in container:
        if child.tag == _P:
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _iter_paragraphs(child, tables)
        elif tables and child.tag == _TBL:
            for tr in iter_rows(child):
                for tc in _iter_cells(tr):
                    yield from _iter_paragraphs(tc, tables)


def paragraph_texts(container: etree._Element, tables: bool = False) -> list[str]:
    """One string per paragraph Word shows in `container` (a ``w:tc``, ``w:hdr`` or body),
    the paragraphs of nested tables included if `tables`.

    Paragraphs whose mark was deleted are joined to the next, as Word does on accepting the
    change. Text is returned as written (no whitespace clean-up).
    """
    texts: list[str] = []
    pending = ""
    fields = _FieldState()  # a complex field may span paragraphs
    for paragraph in _iter_paragraphs(container, tables):
        out: list[str] = []
        _inline_text(paragraph, fields, out)
        text = pending + "".join(out)
        if _mark_deleted(paragraph):
            pending = text
            continue
        pending = ""
        texts.append(text)
    if pending:
        texts.append(pending)
    return texts


def cell_text(tc: etree._Element) -> str:
    """A table cell's displayed text, paragraphs joined by newlines (like ``cell.text``)."""
    return "\n".join(paragraph_texts(tc))


def _row_deleted(tr: etree._Element) -> bool:
    trpr = tr.find(_TRPR)
    return trpr is not None and trpr.find(_DEL) is not None


def _int_val(parent: etree._Element | None, tag: str) -> int:
    if parent is None:
        return 0
    element = parent.find(tag)
    if element is None:
        return 0
    try:
        return int(element.get(_VAL, "0"))
    except ValueError:
        return 0


def _iter_cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _iter_cells(child)


def row_texts(tr: etree._Element) -> list[str]:
    """The displayed text of each grid column of a row.

    A cell spanning n columns (``w:gridSpan``) is repeated n times and columns skipped by
    ``w:gridBefore`` read as "", so indexes match the header row's columns.
    """
    texts = [""] * _int_val(tr.find(_TRPR), _GRID_BEFORE)
    for tc in _iter_cells(tr):
        span = max(1, _int_val(tc.find(_TCPR), _GRID_SPAN))
        texts.extend([cell_text(tc)] * span)
    return texts


def iter_rows(tbl: etree._Element) -> Iterator[etree._Element]:
    """A table's rows in order, including rows wrapped in content controls, without the rows
    deleted by tracked changes."""
    for child in tbl:
        if child.tag == _TR:
            if not _row_deleted(child):
                yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from iter_rows(child)


def iter_tables(body: etree._Element) -> Iterator[etree._Element]:
    """The body's top-level tables in order, including tables inside content controls."""
    for child in body:
        if child.tag == _TBL:
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from iter_tables(child)


def header_texts(document: object) -> list[str]:
    """The displayed text of every paragraph of every page header of a python-docx Document,
    read from the header parts themselves (reading ``section.header`` would add definitions)."""
    texts: list[str] = []
    part = document.part  # type: ignore[attr-defined]
    for rel in part.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.HEADER and not rel.is_external:
            texts.extend(paragraph_texts(rel.target_part.element, tables=True))
    return texts
