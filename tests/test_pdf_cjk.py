# ruff: noqa: RUF001  (Chinese text: full-width punctuation is meant)
"""Chinese in statement PDFs (issue 9): the fonts embedded in a Chinese statement's PDF have a
real glyph (not .notdef, not an empty outline) for every character of its text, and those are
Traditional Chinese fonts (Noto ... CJK TC). On a machine with only DejaVu fonts every Chinese
character printed as a missing-glyph box: the last test renders the same PDF with fontconfig
limited to DejaVu and shows that the check then fails.

The fonts come from Debian's fonts-noto-cjk (.ci/run installs it)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from markupsafe import Markup
from pypdf import PdfReader

from coalition.organisations.models import Organisation
from coalition.statements.exports import to_pdf
from coalition.statements.models import Statement

ROOT = Path(__file__).resolve().parents[1]
TITLE = "就普遍定期審議結果的聯合聲明"
OCCASION = "人權理事會第四十屆會議"
TEXT = ("主席先生：我們是香港的民間社會組織。我們促請締約國全面落實第三輪普遍定期審議中"
        "獲支持的建議，並就注意到的建議作出回應。")
ORGANISATION = "香港人權監察"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_BFCHAR = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_BFRANGE = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def chinese_pdf() -> bytes:
    """The PDF of a published Chinese statement (in a request context of the caller's app)."""
    statement = Statement(title=TITLE, occasion=OCCASION, language="zh_Hant",
                          published_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return to_pdf(statement, Markup("<p>{}</p>").format(TEXT), [Organisation(name=ORGANISATION)])


def _to_unicode(font: Any) -> set[str]:
    """The characters a font's ToUnicode CMap says it draws (bfchar and bfrange entries)."""
    if "/ToUnicode" not in font:
        return set()
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    chars: set[str] = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for _, target in _BFCHAR.findall(block):
            chars.update(bytes.fromhex(target).decode("utf-16-be"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in _BFRANGE.findall(block):
            first = int(start, 16)
            chars.update(chr(first + i) for i in range(int(high, 16) - int(low, 16) + 1))
    return chars


def _drawable(program: bytes, wanted: set[str]) -> set[str]:
    """The characters of `wanted` the embedded font program has a real glyph for: mapped by its
    cmap to a glyph other than .notdef whose outline is not empty."""
    font = TTFont(io.BytesIO(program))
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap() or {}
    drawable = set()
    for char in wanted:
        name = cmap.get(ord(char))
        if name is None or name == ".notdef":
            continue
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds is not None:
            drawable.add(char)
    return drawable


def covered_characters(pdf: bytes) -> dict[str, set[str]]:
    """{embedded font's name: characters it draws (ToUnicode) and has a real glyph for}."""
    fonts: dict[str, set[str]] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = (font["/DescendantFonts"][0].get_object()
                          if "/DescendantFonts" in font else font)
            descriptor = descendant["/FontDescriptor"].get_object()
            stream = next((descriptor[key] for key in ("/FontFile2", "/FontFile3", "/FontFile")
                           if key in descriptor), None)
            if stream is None:
                continue
            drawn = _to_unicode(font)
            drawn &= _drawable(stream.get_object().get_data(), drawn)
            fonts.setdefault(str(font["/BaseFont"]), set()).update(drawn)
    return fonts


def missing_characters(pdf: bytes, text: str) -> set[str]:
    """The characters of `text` (spaces aside) that no embedded font really draws."""
    covered = set().union(*covered_characters(pdf).values())
    return {c for c in text if not c.isspace()} - covered


def test_fonts_in_a_chinese_statements_pdf_cover_every_character(app: Flask) -> None:
    with app.test_request_context():
        pdf = chinese_pdf()
    everything = TITLE + OCCASION + TEXT + ORGANISATION
    assert missing_characters(pdf, everything) == set()
    # Traditional Chinese glyph forms: the CJK characters come from a TC font (fontconfig's own
    # fallback is Noto Sans CJK JP, whose forms are Japanese).
    fonts = covered_characters(pdf)
    cjk = {c for c in everything if "\u4e00" <= c <= "\u9fff"}
    from_tc = set().union(*(chars for name, chars in fonts.items() if "CJK-TC" in name))
    assert cjk <= from_tc, sorted(fonts)
    # The PDF speaks the statement's language: headings and date in Chinese, whoever asks.
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "聯署機構" in words and "2026年11月30日" in words
    assert "Signatories" not in words


def test_the_check_fails_when_only_dejavu_fonts_are_installed(tmp_path: Path) -> None:
    """The missing-glyph boxes of a fresh machine: fontconfig sees only DejaVu."""
    if not DEJAVU.is_dir():
        raise AssertionError(f"{DEJAVU} is missing: install fonts-dejavu-core")
    conf = tmp_path / "fonts.conf"
    conf.write_text(textwrap.dedent(f"""\
        <?xml version="1.0"?>
        <!DOCTYPE fontconfig SYSTEM "fonts.dtd">
        <fontconfig><dir>{DEJAVU}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>
    """))
    out = tmp_path / "dejavu-only.pdf"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from coalition import create_app
        from tests.test_pdf_cjk import chinese_pdf
        app = create_app({{"TESTING": True, "SECRET_KEY": "pdf", "RATELIMIT_STORAGE_URI":
                           "memory://", "SQLALCHEMY_DATABASE_URI": "sqlite://"}})
        with app.test_request_context():
            Path({str(out)!r}).write_bytes(chinese_pdf())
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    missing = missing_characters(out.read_bytes(), TITLE + TEXT + ORGANISATION)
    assert set(TEXT) - set("，：。") <= missing
