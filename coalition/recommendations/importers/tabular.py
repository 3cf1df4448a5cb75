"""Rows from a CSV or XLSX file as spreadsheets save them, and columns matched by label.

Every tabular importer (UPR Info's old and new exports, the Universal Human Rights Index) reads
its file through :func:`read_table`, which settles once per file what Excel, LibreOffice and old
Mac tools vary:

- encoding: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode Text"), or one of
  the two legacy 8-bit code pages such exports come in, Windows-1252 and Mac Roman
  (:func:`detect_encoding`);
- line endings: CR (classic Mac), LF or CRLF, and line breaks inside quoted cells;
- delimiter: ``,``, ``;`` (Excel in French, German or Spanish), tab (Unicode Text), with or
  without Excel's ``sep=;`` first line;
- ``.xlsx`` workbooks, read streaming with openpyxl in read-only mode once the archive has
  passed the zip-bomb check (:func:`coalition.core.archives.open_checked_zip`).

Then :func:`match_columns` finds the columns an importer needs by normalised label, in any
order, ignoring the others.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

from flask_babel import gettext as _

from coalition.core.archives import ArchiveRefused, ZipLimits, open_checked_zip
from coalition.recommendations.importers.records import ImportFormatError, ParseResult, RowError

__all__ = [
    "Row",
    "Table",
    "detect_encoding",
    "detect_newline",
    "is_xlsx",
    "match_columns",
    "normalise_label",
    "read_bytes",
    "read_table",
    "split_lines_list",
    "split_paragraph",
    "zip_names",
]

ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 20  # decoded once to find the newline, the `sep=` line and the delimiter
_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)


@dataclass(slots=True)
class Row:
    """One data row: where it starts (1-based, header counted; see Table) and its cells.

    ``error`` is set (and ``cells`` empty) for a row the CSV reader could not read.
    """

    line: int
    cells: list[str]
    error: str | None = None


@dataclass(slots=True)
class Table:
    """A header and an iterator over the data rows below it (read once, streaming).

    Line numbers: for CSV, the physical line a row starts on, so a user finds it in a text
    editor; an Excel ``sep=`` first line is not counted, as Excel hides it and shows the header
    as row 1. For XLSX, the sheet's row number.
    """

    header: list[str]
    rows: Iterator[Row]
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    newline: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)


def read_bytes(source: str | os.PathLike[str] | bytes | IO[bytes]) -> bytes:
    """The whole file from bytes, a path or a binary file object; TypeError for text."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read()
    data = source.read()
    if isinstance(data, str):
        raise TypeError("importers need bytes or a binary file, not text")
    return data


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Bytes Python's cp1252 cannot decode; Mac Roman uses each of them for a letter or symbol.
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Where Western European languages put their accented lower-case letters: at the start of a
# word ("école", "über", "île") and at its end ("société", "así", "così", "não"). Letters
# outside these sets there are the mark of the wrong code page: Windows-1252's curly quotes
# read as Mac Roman give "ìpeaceful assemblyî".
_WORD_INITIAL = frozenset("áàâäãåæçéèêíîóôöõøúûüœß")
_WORD_FINAL = frozenset("áàâäãåéèêëíìóòôöõúùûüýçñ")
_STANDALONE = frozenset("àáéèóùò")
_OPENING = frozenset("\u2018\u201c\u201e\u201a")  # opening single/double, low-9 quotes
_CLOSING_PUNCT = frozenset(".,;:!?)]")
_DASHES = frozenset("\u2013\u2014")  # en and em dash
_CONTRACTION = re.compile(r"[A-Za-z]\u2019(?:s|t|d|m|ll|re|ve)(?![A-Za-z])")
_SAMPLE_LIMIT = 1 << 16  # bytes of context around high bytes scored per code page


def _char_score(ch: str, prev: str, nxt: str) -> int:
    """How much one non-ASCII character, between its neighbours, looks like real text."""
    prev_letter, next_letter = prev.isalpha(), nxt.isalpha()
    category = unicodedata.category(ch)
    if category == "Ll":
        if prev_letter and next_letter:
            return 2
        if next_letter:
            return 1 if ch in _WORD_INITIAL else -2
        if prev_letter:
            return 1 if ch in _WORD_FINAL else -2
        return 1 if ch in _STANDALONE else -2
    if category == "Lu":
        if prev.islower():
            return -2  # "HissŽne", "CÙte"
        return 1 if next_letter or prev_letter else -1
    if ch in _OPENING:
        return 2 if not prev_letter and (next_letter or nxt.isdigit()) else -2
    if ch == "\u2019":  # right quote or apostrophe: "Kong\u2019s", "rights\u2019 "
        return 2 if prev_letter or prev in _CLOSING_PUNCT else -2
    if ch == "\u201d":
        if (prev_letter or prev.isdigit() or prev in _CLOSING_PUNCT) and not next_letter:
            return 2
        return -2
    if ch in _DASHES:
        if (prev == " " and nxt == " ") or (prev.isdigit() and nxt.isdigit()):
            return 2
        return 1 if prev_letter and next_letter else -1
    if ch in "«»":
        return 1 if prev == " " or nxt == " " else -1
    if ch in "°º":
        return 1 if prev.isdigit() or prev in "nN" else -1
    if ch == "€":
        return 1 if prev.isdigit() or nxt.isdigit() or prev == " " else -1
    if ch in "…\u00a0":
        return 1
    return -2  # symbols in running text: dagger, partial differential, square root, ...


def plausibility(text: str) -> int:
    """Sum of _char_score over the non-ASCII characters of one decoding of a sample."""
    score = 2 * len(_CONTRACTION.findall(text))
    last = len(text) - 1
    for match in _NON_ASCII.finditer(text):
        i = match.start()
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 1] if i < last else " "
        score += _char_score(text[i], prev, nxt)
    return score


def _high_byte_context(data: bytes) -> bytes:
    """Up to _SAMPLE_LIMIT bytes of text around the file's non-ASCII bytes, as separate lines.

    Only these bytes tell code pages apart; a few dozen accented words settle the question,
    and scoring a whole 100,000-row file would cost seconds without changing the answer.
    """
    pieces = []
    size = 0
    end = -1
    for match in _HIGH_BYTE.finditer(data):
        start = match.start()
        if start < end:
            continue  # already inside the previous piece
        begin = max(0, start - 24)
        limit = min(len(data), start + 24)
        # Whole words: cut at the ASCII spaces around the byte (its neighbours are scored).
        left = data.rfind(b" ", begin, start)
        right = data.find(b" ", start, limit)
        piece_start = left if left >= 0 else begin
        end = right + 1 if right >= 0 else limit
        piece = data[piece_start:end]
        pieces.append(piece)
        size += len(piece)
        if size >= _SAMPLE_LIMIT:
            break
    return b"\n".join(pieces)


def _is_utf8(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start:start + step], final=start + step >= len(data))
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_bom(head: bytes) -> str | None:
    """utf-16-le / -be for text with a NUL beside every ASCII character and no BOM."""
    head = head[: len(head) // 2 * 2]
    if len(head) < 4:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) > len(odd) * 0.9 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.9 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def detect_encoding(data: bytes) -> str:
    """Name the encoding of a text export (a Python codec name).

    Order of the decision, each step certain before the next is tried: a BOM (UTF-8, UTF-16,
    UTF-32); UTF-16 without BOM (a NUL beside every ASCII character); pure ASCII; valid UTF-8.
    What remains is one of the two legacy 8-bit code pages Western exports come in. Both
    decode any byte string, so:

    1. a byte Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) means Mac Roman;
    2. otherwise both readings of the text around the high bytes are scored for plausibility
       (_char_score: Windows-1252's curly quotes 0x91-0x94 and dashes 0x96/0x97 open and close
       words where Mac Roman would put "ë í ì î ñ ó" at word starts and ends; Mac Roman's
       accents 0x87-0x9F read as symbols and capitals ("HissŽne") in Windows-1252, its
       quotes 0xD2-0xD5 as capitals inside words);
    3. a tie goes to Mac Roman when lines end in a bare CR (what classic Mac software and
       Excel's "CSV (Macintosh)" write), to Windows-1252 otherwise;
    4. but when most letters around the high bytes are non-ASCII, or neither reading looks
       like text at all, the file is in another script (Cyrillic, Greek, ...) and
       charset-normalizer names the code page. (It is not asked to choose between
       Windows-1252 and Mac Roman: on Western text it answers cp1250 for both.)
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    guessed = _utf16_without_bom(data[:4096])
    if guessed:
        return guessed
    if data.isascii():
        return "ascii"
    if _is_utf8(data):
        return "utf-8"
    if any(byte in data for byte in _CP1252_UNDEFINED):
        return "mac_roman"
    sample = _high_byte_context(data)
    as_windows = sample.decode("cp1252")
    windows = plausibility(as_windows)
    mac = plausibility(sample.decode("mac_roman"))
    if _mostly_non_ascii_letters(as_windows) or (windows < 0 and mac < 0):
        other = _charset_normalizer_guess(sample, data)
        if other:
            return other
    if windows != mac:
        return "cp1252" if windows > mac else "mac_roman"
    return "mac_roman" if detect_newline_bytes(data) == "\r" else "cp1252"


def _mostly_non_ascii_letters(text: str) -> bool:
    """True when most letters around the high bytes are non-ASCII: another script (Cyrillic,
    Greek, ...) in an 8-bit code page, not Western European text, which accents a letter or
    two a word."""
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and len(_NON_ASCII.findall(text)) > letters // 2


def _charset_normalizer_guess(sample: bytes, data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return None
    name = codecs.lookup(best.encoding).name
    try:
        decoded = sample.decode(name)
        codecs.decode(data, name)
    except (UnicodeDecodeError, LookupError):
        return None
    # Only another script is taken from it: for Latin text its guesses (cp1250, ...) are
    # worse than the scorer's.
    letters = [ch for ch in _NON_ASCII.findall(decoded) if ch.isalpha()]
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return name if letters and latin < len(letters) // 2 else None


def detect_newline_bytes(data: bytes) -> str:
    """The dominant line ending of 8-bit or UTF-8 bytes: "\\r\\n", "\\r" or "\\n"."""
    crlf = data.count(b"\r\n")
    cr = data.count(b"\r") - crlf
    lf = data.count(b"\n") - crlf
    best = max((crlf, "\r\n"), (cr, "\r"), (lf, "\n"))
    return best[1] if best[0] else "\n"


def detect_newline(text: str) -> str:
    """The dominant line ending of decoded text: "\\r\\n", "\\r" (classic Mac) or "\\n"."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    best = max((crlf, "\r\n"), (cr, "\r"), (lf, "\n"))
    return best[1] if best[0] else "\n"


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    """The first line of text (ended by CR, LF or CRLF)."""
    match = re.search(r"\r|\n", text)
    return text if match is None else text[: match.start()]


def _choose_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields (',' on a tie)."""
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        try:
            fields = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(fields) > best_count:
            best, best_count = delimiter, len(fields)
    return best


def _decoded_sample(data: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(data[:SAMPLE_BYTES], final=len(data) <= SAMPLE_BYTES)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(_("Cannot read the file as %(encoding)s: %(reason)s.",
                                  encoding=encoding, reason=exc.reason)) from exc


def read_csv(data: bytes) -> Table:
    """A Table from CSV/TSV bytes in any of the encodings, line endings and delimiters above.

    Raises ImportFormatError for an empty, binary or undecodable file.
    """
    encoding = detect_encoding(data)
    sample = _decoded_sample(data, encoding).lstrip("\ufeff")
    if "\x00" in sample:
        raise ImportFormatError(_("This is a binary file, not a CSV export."))
    if not sample.strip():
        raise ImportFormatError(_("The file is empty."))
    newline = detect_newline(sample)
    notes = []
    first = _first_line(sample)
    sep = _SEP_LINE.match(first)
    if sep:
        delimiter = sep.group(1)
        notes.append(_("Excel's 'sep=%(delimiter)s' first line read; it is not counted in "
                       "line numbers.", delimiter=delimiter))
    else:
        delimiter = _choose_delimiter(first)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="strict", newline="")
    if sep:
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError(_("The file is empty.")) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFormatError(_("Not a readable CSV file: %(error)s.", error=exc)) from exc
    header = [_clean_label(cell) for cell in header]
    return Table(header=header, rows=_csv_rows(reader, encoding), kind="csv", encoding=encoding,
                 newline=newline, delimiter=delimiter, notes=notes)


def _csv_rows(reader: Any, encoding: str) -> Iterator[Row]:
    """Rows of a csv.reader, each with the physical line it starts on."""
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Row(line, [], _("unreadable CSV: %(error)s", error=exc))
            line = reader.line_num + 1
            continue
        except UnicodeDecodeError as exc:
            raise ImportFormatError(_(
                "Cannot read the file as %(encoding)s after line %(line)s: %(reason)s.",
                encoding=encoding, line=line, reason=exc.reason)) from exc
        # A quoted cell may span lines; the row is reported at the line it starts on.
        start, line = line, reader.line_num + 1
        yield Row(start, cells)


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def zip_names(data: bytes) -> list[str]:
    """The part names of a zip: from its central directory, or, when only the head of the file
    is at hand, from the local headers found in it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        names = []
        for match in re.finditer(rb"PK\x03\x04", data):
            head = data[match.start(): match.start() + 30]
            if len(head) < 30:
                break
            length = int.from_bytes(head[26:28], "little")
            name = data[match.start() + 30: match.start() + 30 + length]
            names.append(name.decode("utf-8", errors="replace"))
        return names


def is_xlsx(names: Sequence[str]) -> bool:
    """True for the part names of an Excel workbook (it has xl/workbook.xml)."""
    return "xl/workbook.xml" in names


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, filename: str = "The file", limits: ZipLimits | None = None) -> Table:
    """A Table from the first non-empty sheet of an .xlsx workbook, streaming its rows.

    The archive is checked against `limits` (zip bombs) before anything is unpacked. The
    header is the sheet's first non-empty row. Raises ImportFormatError for a refused,
    unreadable or empty workbook.
    """
    import openpyxl

    try:
        # Read row by row, so sizes are bounded but not the element count (ZipLimits.streamed).
        stream = open_checked_zip(data, filename, (limits or ZipLimits()).streamed())
    except ArchiveRefused as exc:
        raise ImportFormatError(exc.message) from exc
    except zipfile.BadZipFile as exc:
        raise ImportFormatError(_("%(filename)s is not a readable .xlsx workbook.",
                                  filename=filename)) from exc
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
        raise ImportFormatError(_("%(filename)s is not a readable .xlsx workbook: %(error)s.",
                                  filename=filename, error=exc)) from exc
    for sheet in workbook.worksheets:
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        for _number, values in rows:
            header = [_clean_label(_cell_text(v)) for v in values]
            if any(header):
                while header and not header[-1]:
                    header.pop()
                return Table(header=header, rows=_xlsx_rows(rows, workbook), kind="xlsx",
                             encoding="xlsx", newline=None, delimiter=None)
    workbook.close()
    raise ImportFormatError(_("%(filename)s: the workbook has no rows.", filename=filename))


def _xlsx_rows(rows: Iterator[tuple[int, tuple[object, ...]]], workbook: object) -> Iterator[Row]:
    try:
        for number, values in rows:
            yield Row(number, [_cell_text(v) for v in values])
    finally:
        workbook.close()  # type: ignore[attr-defined]


def read_table(data: bytes, filename: str = "The file", limits: ZipLimits | None = None) -> Table:
    """A Table from CSV/TSV bytes or an .xlsx workbook, chosen by content."""
    if data.startswith(ZIP_MAGIC):
        if is_xlsx(zip_names(data)):
            return read_xlsx(data, filename, limits)
        raise ImportFormatError(_("%(filename)s is a zip archive but not an .xlsx workbook.",
                                  filename=filename))
    return read_csv(data)


# --------------------------------------------------------------------------------------------
# Columns and cells
# --------------------------------------------------------------------------------------------


def _clean_label(label: str) -> str:
    return label.replace("\ufeff", "").strip()


_LABEL_PUNCTUATION = re.compile(r"[\W_]+")


def normalise_label(label: str) -> str:
    """A column label as compared: NFKC, case-folded, runs of punctuation and spaces made one
    space ("State under Review" == "state_under_review" == "STATE UNDER REVIEW ").

    OHCHR's UHRI spells some headers "Reccomending": folded to "recommending" here.
    """
    text = unicodedata.normalize("NFKC", label).casefold()
    text = " ".join(_LABEL_PUNCTUATION.sub(" ", text).split())
    return text.replace("reccomend", "recommend")


def match_columns(header: Sequence[str], wanted: Mapping[str, Sequence[str]],
                  required: Sequence[str], what: str) -> dict[str, int]:
    """Index of each wanted column in `header`, found by any of its labels (normalised).

    ``wanted`` maps a key to the labels it may have, the first being the one named in
    messages; the first matching label wins, and a column is only used once. Missing optional
    keys are left out of the result. Raises ImportFormatError naming every missing required
    column, and `what` the file was expected to be.
    """
    positions: dict[str, int] = {}
    for index, label in enumerate(header):
        positions.setdefault(normalise_label(label), index)
    found: dict[str, int] = {}
    used: set[int] = set()
    for key, labels in wanted.items():
        for label in labels:
            index = positions.get(normalise_label(label))
            if index is not None and index not in used:
                found[key] = index
                used.add(index)
                break
    missing = [wanted[key][0] for key in required if key not in found]
    if missing:
        raise ImportFormatError(_("Not %(what)s: missing column(s) %(columns)s.", what=what,
                                  columns=", ".join(missing)))
    return found


_LIST_PREFIX = re.compile(r"^\s*(?:[-•*\u2013]\s*)")


def split_lines_list(value: str) -> list[str]:
    """Values given one per line, each maybe prefixed "- " (UHRI), in order, without repeats."""
    items: dict[str, None] = {}
    for raw in value.splitlines():
        item = " ".join(_LIST_PREFIX.sub("", raw).split())
        if item:
            items.setdefault(item, None)
    return list(items)


_PARAGRAPH = re.compile(r"^(\d{1,3}\.\d{1,3})\.?\s+(?=\S)")


def split_paragraph(text: str) -> tuple[str | None, str]:
    """("28.343", "Uphold ...") from "28.343 Uphold ...": the paragraph number a UN report
    gives a recommendation, when the text starts with one; (None, text) otherwise."""
    match = _PARAGRAPH.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end():]


# --------------------------------------------------------------------------------------------
# Rows as every tabular importer walks them
# --------------------------------------------------------------------------------------------

PROGRESS_EVERY = 1000


def data_rows(table: Table, result: ParseResult,
              progress: Any = None) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each data row of `table` that holds something, counting every row in
    ``result.rows_total``: an unreadable row becomes a RowError and a blank one a skipped
    row, so every row is accounted for. ``progress(rows read)`` is called every
    PROGRESS_EVERY rows (the caller reports the final count)."""
    for row in table.rows:
        result.rows_total += 1
        if progress is not None and result.rows_total % PROGRESS_EVERY == 0:
            progress(result.rows_total)
        if row.error is not None:
            result.errors.append(RowError(row.line, row.error))
            continue
        if not any(cell.strip() for cell in row.cells):
            result.skipped.append((row.line, _("blank line")))
            continue
        yield row.line, row.cells


def cell_reader(columns: Mapping[str, int]) -> Any:
    """``cell(cells, key)``: the cell of the column matched as `key`, or "" when the file has
    no such column or the row is short."""
    def cell(cells: list[str], key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""
    return cell
