"""Submission files (issue 12, item 3): a final version (.docx, .pdf, .odt) checked by its
content, kept outside the web root under its SHA-256, downloaded only through the policy; bad
uploads get a clear 4xx and leave nothing behind."""

from __future__ import annotations

import gc
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.core import files
from coalition.extensions import db
from coalition.reviews.services import create_review, ensure_reference_data
from coalition.submissions import services
from coalition.submissions.models import SubmissionFile
from tests.conftest import AuthActions
from tests.test_evidence_files import DOCX, ODT, PDF, XLSX

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def files_dir(app: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    app.config["FILES_DIR"] = str(folder)
    return folder


@pytest.fixture
def scene(app: Any, world: Any, files_dir: Path) -> Any:
    ensure_reference_data()
    review = create_review(None, "CHN", 4, session=45, review_date=date(2024, 1, 23),
                           submission_deadline=date.today() + timedelta(days=12))
    editor = world.users["editor"]
    draft = services.create_submission(editor, review, "Press freedom, a draft", "individual",
                                       world.org)
    db.session.commit()
    return draft


def signed_in(app: Any, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def kept_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def upload(auth: AuthActions, submission: Any, data: bytes, name: str,
           kind: str = "final") -> Any:
    return auth.post(f"/submissions/{submission.id}/files",
                     data={"file": (io.BytesIO(data), name), "kind": kind},
                     content_type="multipart/form-data")


@pytest.mark.parametrize(("data", "name", "media_type"), [
    (PDF, "submission.pdf", "application/pdf"),
    (DOCX, "submission.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (ODT, "提交.odt", "application/vnd.oasis.opendocument.text"),
    (PDF, "named-wrongly.docx", "application/pdf"),  # the bytes decide, not the name
])
def test_an_editor_uploads_and_a_reader_downloads(app: Any, world: Any, scene: Any,
                                                  files_dir: Path, data: bytes, name: str,
                                                  media_type: str) -> None:
    editor = signed_in(app, "editor@example.org")
    response = upload(editor, scene, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    kept = db.session.scalars(select(SubmissionFile)).one()
    assert (kept.filename, kept.media_type, kept.size, kept.kind) == (
        name, media_type, len(data), "final")
    assert kept_files(files_dir) == [files.path_of(kept.sha256, files_dir)]
    page = editor.client.get(f"/submissions/{scene.id}").get_data(as_text=True)
    assert name in page and "current final version" in page
    assert "File uploaded" in page  # the history, from the audit trail
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "submission.add_file")).one()
    assert event.object_type == "submission" and event.object_id == scene.id
    viewer = signed_in(app, "viewer@example.org")
    got = viewer.client.get(f"/submissions/{scene.id}/files/{kept.id}")
    assert got.status_code == 200 and got.data == data
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.mimetype == media_type
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    if name.isascii():
        assert f'filename={name}' in disposition or f'filename="{name}"' in disposition
    else:  # RFC 6266: the UTF-8 name as filename*, an ASCII fallback beside it
        assert "filename*=UTF-8''%E6%8F%90%E4%BA%A4.odt" in disposition
    assert "no-store" in got.headers["Cache-Control"]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00\x03" + b"\x00" * 60, "submission.pdf", "is a program"),  # .exe renamed
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "submission.pdf", "is a program"),
    (b"", "empty.pdf", "The file is empty."),
    (b"<!doctype html><html><script>alert(1)</script></html>", "page.docx", "not accepted"),
    (XLSX, "table.docx", "not accepted"),  # an accepted evidence type, not a submission's
    (PNG, "scan.pdf", "not accepted"),
])
def test_bad_files_are_refused_and_leave_nothing(app: Any, world: Any, scene: Any,
                                                 files_dir: Path, data: bytes, name: str,
                                                 message: str) -> None:
    editor = signed_in(app, "editor@example.org")
    response = upload(editor, scene, data, name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    if message == "not accepted":
        assert "Word document (.docx)" in html and "PNG" not in html.split("not accepted")[1][:200]
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 0
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "submission.add_file")).all()
    assert kept_files(files_dir) == []


# The test client spools a body this large to a temporary file that the refused request
# (rightly) never reads, and never closes: collected here, its warning is this test's.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_25_mb_file_is_a_413_and_leaves_nothing(app: Any, world: Any, scene: Any,
                                                  files_dir: Path) -> None:
    editor = signed_in(app, "editor@example.org")
    big = PDF + b"0" * (25 * 1024 * 1024)
    response = upload(editor, scene, big, "big.pdf")
    assert response.status_code == 413
    assert "larger than 20 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 0
    assert kept_files(files_dir) == []
    del response
    gc.collect()


def test_the_limit_is_configurable_and_checked_while_reading(app: Any, world: Any, scene: Any,
                                                            files_dir: Path) -> None:
    """Below the request's declared size check (the form's overhead), the stream itself is
    cut off at the limit."""
    app.config["SUBMISSION_MAX_BYTES"] = 1000
    editor = signed_in(app, "editor@example.org")
    response = upload(editor, scene, PDF + b"0" * 2000, "over.pdf")
    assert response.status_code == 413, response.get_data(as_text=True)[-1500:]
    assert kept_files(files_dir) == []
    assert upload(editor, scene, PDF, "small.pdf").status_code == 302


def test_a_path_in_the_name_is_stripped(app: Any, world: Any, scene: Any,
                                        files_dir: Path) -> None:
    editor = signed_in(app, "editor@example.org")
    assert upload(editor, scene, PDF, "../../etc/passwd.pdf").status_code == 302
    assert upload(editor, scene, DOCX, "/home/me/報告.docx").status_code == 302
    # (A Windows path's backslashes are taken apart by the multipart parser already;
    # coalition.core.files.safe_filename strips both kinds: tests/test_evidence_files.py.)
    assert upload(editor, scene, ODT, "C:\\Users\\me\\x.odt").status_code == 302
    names = sorted(db.session.scalars(select(SubmissionFile.filename)))
    assert set(names) >= {"passwd.pdf", "報告.docx"}
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
    # Kept under the content's SHA-256 in the files folder, nowhere else.
    for kept in kept_files(files_dir):
        assert kept.parent.parent == files_dir and len(kept.name) == 64


def test_no_file_and_a_bad_kind_are_form_errors(app: Any, world: Any, scene: Any,
                                                files_dir: Path) -> None:
    editor = signed_in(app, "editor@example.org")
    response = editor.post(f"/submissions/{scene.id}/files", data={"kind": "final"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file." in response.get_data(as_text=True)
    response = upload(editor, scene, PDF, "x.pdf", kind="secret")
    assert response.status_code == 400
    assert "Choose the kind of file from the list." in response.get_data(as_text=True)
    assert kept_files(files_dir) == []


def test_another_organisation_never_gets_a_draft_file(app: Any, world: Any, scene: Any,
                                                      files_dir: Path) -> None:
    editor = signed_in(app, "editor@example.org")
    assert upload(editor, scene, PDF, "draft.pdf").status_code == 302
    kept = db.session.scalars(select(SubmissionFile)).one()
    url = f"/submissions/{scene.id}/files/{kept.id}"
    for email in ("oviewer@example.org", "oeditor@example.org", "researcher@example.org",
                  "steering@example.org"):
        other = signed_in(app, email)
        assert other.client.get(url).status_code == 403, email
        assert other.client.get(f"/submissions/{scene.id}").status_code == 403
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    # The file's id under another submission's URL is not found.
    assert editor.client.get(f"/submissions/{scene.id + 1}/files/{kept.id}").status_code == 404
    # Nor may the other organisation upload to it or remove it.
    other = signed_in(app, "oeditor@example.org")
    assert upload(other, scene, DOCX, "mine.docx").status_code == 403
    assert other.post(f"{url}/remove").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 1
    # A viewer of the owning organisation reads it but may not upload.
    viewer = signed_in(app, "viewer@example.org")
    assert viewer.client.get(url).status_code == 200
    assert upload(viewer, scene, DOCX, "v.docx").status_code == 403


def test_removal_is_audited_and_drops_bytes_nothing_else_names(app: Any, world: Any,
                                                               scene: Any,
                                                               files_dir: Path) -> None:
    editor = signed_in(app, "editor@example.org")
    assert upload(editor, scene, PDF, "first.pdf").status_code == 302
    assert upload(editor, scene, PDF, "same-bytes.pdf", kind="annex").status_code == 302
    first, second = db.session.scalars(select(SubmissionFile).order_by(SubmissionFile.id))
    assert first.sha256 == second.sha256 and len(kept_files(files_dir)) == 1
    response = editor.post(f"/submissions/{scene.id}/files/{first.id}/remove")
    assert response.status_code == 302
    assert len(kept_files(files_dir)) == 1  # the annex still names the bytes
    response = editor.post(f"/submissions/{scene.id}/files/{second.id}/remove")
    assert response.status_code == 302
    assert kept_files(files_dir) == []
    assert editor.client.get(f"/submissions/{scene.id}/files/{first.id}").status_code == 404
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "submission").order_by(AuditEvent.id)))
    assert actions.count("submission.remove_file") == 2
    page = editor.client.get(f"/submissions/{scene.id}").get_data(as_text=True)
    assert "File removed" in page and "No file yet." in page


def test_a_public_published_submission_file_is_public(app: Any, world: Any, scene: Any,
                                                      files_dir: Path) -> None:
    editor = world.users["editor"]
    published = services.create_submission(editor, scene.review, "Published one",
                                           "individual", world.org, visibility="public")
    services.change_status(editor, published, "submitted", date(2024, 1, 2))
    services.change_status(editor, published, "published", date(2024, 1, 3))
    kept, _stored = services.add_file(editor, published, io.BytesIO(PDF), "final.pdf")
    db.session.commit()
    got = app.test_client().get(f"/submissions/{published.id}/files/{kept.id}")
    assert got.status_code == 200 and got.data == PDF


def test_a_failed_commit_removes_the_kept_file(app: Any, world: Any, scene: Any,
                                               files_dir: Path, monkeypatch: Any) -> None:
    editor = signed_in(app, "editor@example.org")

    def fail() -> None:
        raise RuntimeError("database gone")

    with app.test_request_context():
        _kept, stored = services.add_file(world.users["editor"], scene, io.BytesIO(DOCX),
                                          "x.docx")
        assert stored.path.exists()
        monkeypatch.setattr(db.session, "commit", fail)
        with pytest.raises(RuntimeError):
            files.commit_or_discard(stored)
        monkeypatch.undo()
    assert kept_files(files_dir) == []
    assert editor.client.get(f"/submissions/{scene.id}").status_code == 200
