"""coalition.core.files (issue 11; reused by submissions, issue 12): uploads checked by
their content, not their name; refused ones leave nothing behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask

from coalition.core import files

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(content_types: bytes | None = None, mimetype: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype)
        if content_types is not None:
            archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("word/document.xml", b"<w:document/>")
    return buffer.getvalue()


DOCX = office(b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
              b'wordprocessingml.document.main+xml"/></Types>')
XLSX = office(b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
              b'spreadsheetml.sheet.main+xml"/></Types>')
ODT = office(mimetype=b"application/vnd.oasis.opendocument.text")
PLAIN_ZIP = office()

ACCEPTED = [
    (PDF, "report.pdf", "application/pdf"),
    (PNG, "photo.png", "image/png"),
    (JPEG, "photo.jpg", "image/jpeg"),
    (DOCX, "letter.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (XLSX, "table.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (ODT, "letter.odt", "application/vnd.oasis.opendocument.text"),
    ("會議紀錄 立法會\n".encode(), "notes.txt", "text/plain"),
    # The name does not decide: a PDF called .txt is a PDF.
    (PDF, "not-really.txt", "application/pdf"),
]
REFUSED = [
    (b"MZ\x90\x00\x03" + b"\x00" * 60, "report.pdf", "is a program"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "report.pdf", "is a program"),
    (b"#!/bin/sh\nrm -rf /\n", "report.pdf", "is a program"),
    (b"\xcf\xfa\xed\xfe" + b"\x00" * 60, "report.pdf", "is a program"),
    (b"", "empty.pdf", "The file is empty."),
    (PLAIN_ZIP, "archive.docx", "not accepted"),
    (b"\x00\x01\x02binary", "data.txt", "not accepted"),
    (b"\xff\xfe\xfa latin-1 \xe9", "latin.txt", "not accepted"),
]


@pytest.mark.parametrize(("data", "name", "media_type"), ACCEPTED)
def test_accepted_by_content(app: Flask, tmp_path: Path, data: bytes, name: str,
                             media_type: str) -> None:
    stored = files.store(io.BytesIO(data), name, 1024 * 1024, tmp_path)
    assert stored.media_type == media_type and stored.size == len(data)
    assert stored.path == tmp_path / stored.sha256[:2] / stored.sha256
    assert stored.path.read_bytes() == data and stored.created
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [stored.path]
    again = files.store(io.BytesIO(data), "copy-" + name, 1024 * 1024, tmp_path)
    assert again.path == stored.path and not again.created


@pytest.mark.parametrize(("data", "name", "message"), REFUSED)
def test_refused_by_content_leaves_nothing(app: Flask, tmp_path: Path, data: bytes, name: str,
                                           message: str) -> None:
    with pytest.raises(files.FileRefused) as refused:
        files.store(io.BytesIO(data), name, 1024 * 1024, tmp_path)
    assert message in refused.value.message and refused.value.field == "file"
    assert refused.value.status == 400
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_over_the_limit_is_a_413_and_reads_no_further(app: Flask, tmp_path: Path) -> None:
    class Endless(io.RawIOBase):
        read_bytes = 0

        def read(self, size: int = -1) -> bytes:
            self.read_bytes += size
            return b"%" * size

    stream = Endless()
    with pytest.raises(files.FileRefused) as refused:
        files.store(stream, "big.pdf", 200_000, tmp_path)
    assert refused.value.status == 413 and "larger than" in refused.value.message
    assert stream.read_bytes <= 200_000 + files.CHUNK
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(("name", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
    ("C:\\Users\\me\\報告.pdf", "報告.pdf"),
    ("/absolute/path/report.docx", "report.docx"),
    ("..", "file"), ("", "file"), (None, "file"),
    ("a\x00b\nc.pdf", "abc.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
])
def test_safe_filename(name: str | None, kept: str) -> None:
    assert files.safe_filename(name) == kept


def test_path_of_takes_only_a_sha256(app: Flask, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        files.path_of("../../etc/passwd", tmp_path)
    assert files.path_of("a" * 64, tmp_path) == tmp_path / "aa" / ("a" * 64)


def test_request_size_is_checked_before_the_body_is_read(app: Flask) -> None:
    with app.test_request_context("/", method="POST",
                                  environ_overrides={"CONTENT_LENGTH": "999999999"}), \
            pytest.raises(files.FileRefused) as refused:
        files.check_request_size(20 * 1024 * 1024)
    assert refused.value.status == 413 and "20 MB" in refused.value.message
    with app.test_request_context("/", method="POST", data=b"x" * 100):
        files.check_request_size(20 * 1024 * 1024)
