"""Advocacy actions and their evidence files (issue 11, item 2), through the pages."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from coalition.extensions import db
from coalition.followup import services
from coalition.followup.models import AdvocacyAction, EvidenceFile, FollowUpPlan
from tests.followup_scene import Scene, counts, fu_scene, kept_files  # noqa: F401
from tests.test_evidence_files import DOCX, PDF
from tests.test_followup_plans import signed_in

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04" + b"\x00" * 200


def make_plan(fu: Scene) -> FollowUpPlan:
    services.assign(fu.users["steering"], [fu.recs[0].id], fu.world.org, "high", None,
                    [fu.world.other])
    db.session.commit()
    return db.session.scalars(select(FollowUpPlan)).one()


def action_form(org: Any, prefix: str = "new-", **extra: Any) -> dict[str, Any]:
    """The plan page's "log an action" form (fields prefixed "new-"); prefix="" for the
    action's own edit page."""
    values = {"title": "Meeting with the Security Bureau", "kind": "meeting",
              "owner_organisation": str(org.id), "owner": "", "due_on": "", "done_on": "",
              "outcome": "The bureau **listened**.", "links": "https://www.legco.gov.hk/x",
              **extra}
    return {prefix + key: value for key, value in values.items()}


def test_editor_logs_an_action_with_evidence_and_downloads_it(app: Any, fu: Scene) -> None:
    plan = make_plan(fu)
    editor = signed_in(app, "editor@example.org")
    response = editor.post(f"/followup/plans/{plan.id}/actions", data=action_form(
        fu.world.org, file=(io.BytesIO(PDF), "../../etc/passwd.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = editor.client.get(f"/followup/plans/{plan.id}").get_data(as_text=True)
    assert "Meeting with the Security Bureau" in page and "<strong>listened</strong>" in page
    assert "passwd.pdf" in page and "../" not in page.split("passwd.pdf")[0][-20:]
    evidence = db.session.scalars(select(EvidenceFile)).one()
    assert (evidence.filename, evidence.media_type, evidence.size) == (
        "passwd.pdf", "application/pdf", len(PDF))
    assert kept_files(fu.files_dir) == [fu.files_dir / evidence.sha256[:2] / evidence.sha256]
    # Downloaded through the guarded route only: an attachment, its media type, nosniff.
    viewer = signed_in(app, "oviewer@example.org")
    download = viewer.client.get(f"/followup/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "passwd.pdf" in download.headers["Content-Disposition"]
    assert signed_in(app, "researcher@example.org").client.get(
        f"/followup/evidence/{evidence.id}").status_code == 403
    assert app.test_client().get(f"/followup/evidence/{evidence.id}").status_code == 302


def test_a_later_evidence_file_on_an_action(app: Any, fu: Scene) -> None:
    plan = make_plan(fu)
    services.add_action(fu.users["editor"], plan, title="LegCo submission", kind="legco",
                        owner_organisation=fu.world.org)
    db.session.commit()
    action = db.session.scalars(select(AdvocacyAction)).one()
    editor = signed_in(app, "editor@example.org")
    response = editor.post(f"/followup/actions/{action.id}/evidence",
                           data={f"e{action.id}-file": (io.BytesIO(DOCX), "submission.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalars(select(EvidenceFile.media_type)).one().endswith(
        "wordprocessingml.document")


def test_bad_files_leave_no_row_and_no_file(app: Any, fu: Scene) -> None:
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    plan = make_plan(fu)
    editor = signed_in(app, "editor@example.org")
    cases = [
        (EXE, "report.pdf", 400, "is a program"),
        (b"", "empty.pdf", 400, "Evidence file"),  # an empty upload is no upload: see below
        (PDF + b"%" * 2000, "big.pdf", 413, "larger than"),
        (b"%PDF-" + b"x" * 200_000, "huge.pdf", 413, "larger than"),  # over Content-Length
    ]
    for data, name, status, message in cases[:1] + cases[2:]:
        before = counts()
        response = editor.post(f"/followup/plans/{plan.id}/actions", data=action_form(
            fu.world.org, title="Kept title", file=(io.BytesIO(data), name)),
            content_type="multipart/form-data")
        page = response.get_data(as_text=True)
        assert response.status_code == status, name
        assert message in page, name
        assert counts() == before and kept_files(fu.files_dir) == []
        if status == 400:
            assert "Kept title" in page  # what the user typed is shown again
    # An empty file on an action, through the evidence form.
    services.add_action(fu.users["editor"], plan, title="Media", kind="media",
                        owner_organisation=fu.world.org)
    db.session.commit()
    action = db.session.scalars(select(AdvocacyAction)).one()
    before = counts()
    response = editor.post(f"/followup/actions/{action.id}/evidence",
                           data={f"e{action.id}-file": (io.BytesIO(b""), "empty.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "The file is empty." in response.get_data(
        as_text=True)
    assert counts() == before and kept_files(fu.files_dir) == []


def test_bad_action_input(app: Any, fu: Scene) -> None:
    plan = make_plan(fu)
    editor = signed_in(app, "editor@example.org")
    future = (date.today() + timedelta(days=5)).isoformat()
    cases = [
        ({"links": "javascript:alert(1)"}, "Not a web link"),
        ({"links": "ftp://example.org/x"}, "Not a web link"),
        ({"done_on": future}, "cannot be done in the future"),
        ({"kind": "bribe"}, "Choose a kind of action"),
        ({"title": ""}, "Give the action a title."),
        ({"owner": str(fu.users["oeditor"].id) if "oeditor" in fu.users
          else str(fu.users["other_editor"].id)}, "is not a member of Owning Organisation"),
    ]
    for extra, message in cases:
        before = counts()
        response = editor.post(f"/followup/plans/{plan.id}/actions",
                               data=action_form(fu.world.org, **extra))
        assert response.status_code == 400, extra
        assert message in response.get_data(as_text=True), extra
        assert counts() == before
    # An organisation that is not the plan's: refused.
    response = editor.post(f"/followup/plans/{plan.id}/actions",
                           data=action_form(fu.world.steering_org))
    assert response.status_code == 403 and counts()["advocacy_action"] == 0


def test_who_may_log_and_edit_actions(app: Any, fu: Scene) -> None:
    plan = make_plan(fu)
    # A supporting organisation's editor logs an action for their own organisation...
    other = signed_in(app, "oeditor@example.org")
    assert other.post(f"/followup/plans/{plan.id}/actions",
                      data=action_form(fu.world.other)).status_code == 302
    # ... but not for the lead (403), and a viewer logs nothing.
    assert other.post(f"/followup/plans/{plan.id}/actions",
                      data=action_form(fu.world.org)).status_code == 403
    assert signed_in(app, "viewer@example.org").post(
        f"/followup/plans/{plan.id}/actions", data=action_form(fu.world.org)).status_code == 403
    action = db.session.scalars(select(AdvocacyAction)).one()
    # The lead's editor does not edit the supporter's action; its owner does.
    editor = signed_in(app, "editor@example.org")
    assert editor.post(f"/followup/actions/{action.id}/edit", data=action_form(
        fu.world.other, "", done_on=date.today().isoformat())).status_code == 403
    assert other.post(f"/followup/actions/{action.id}/edit", data=action_form(
        fu.world.other, "", done_on=date.today().isoformat())).status_code == 302
    db.session.expire_all()
    assert db.session.get(AdvocacyAction, action.id).done_on == date.today()


def test_overdue_actions_are_marked_in_words(app: Any, fu: Scene) -> None:
    plan = make_plan(fu)
    services.add_action(fu.users["editor"], plan, title="Late meeting", kind="meeting",
                        owner_organisation=fu.world.org,
                        due_on=date.today() - timedelta(days=2))
    services.add_action(fu.users["editor"], plan, title="Done meeting", kind="meeting",
                        owner_organisation=fu.world.org,
                        due_on=date.today() - timedelta(days=2), done_on=date.today())
    db.session.commit()
    viewer = signed_in(app, "viewer@example.org")
    page = viewer.client.get(f"/followup/plans/{plan.id}").get_data(as_text=True)
    assert page.count("Overdue: was due") == 1
    listing = viewer.client.get("/followup/?overdue=1").get_data(as_text=True)
    assert "1 overdue" in listing
    rec_page = viewer.client.get(f"/recommendations/{fu.recs[0].id}").get_data(as_text=True)
    assert "1 overdue" in rec_page
