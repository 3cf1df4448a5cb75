"""Stakeholder submissions (issue 12, item 1): individual and joint submissions, co-submitters
who confirm or decline, who may read a draft, the status steps, the review's deadline."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.extensions import db
from coalition.reviews.models import Theme
from coalition.reviews.services import create_review, ensure_reference_data
from coalition.submissions import services
from coalition.submissions.models import Submission, SubmissionParticipant
from tests.conftest import AuthActions


@pytest.fixture
def review(app: Any, world: Any) -> Any:
    ensure_reference_data()
    review = create_review(None, "CHN", 4, session=45, review_date=date(2024, 1, 23),
                           submission_deadline=date.today() + timedelta(days=12))
    db.session.commit()
    return review


def signed_in(app: Any, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def new_form(review: Any, lead: Any, **extra: Any) -> dict[str, Any]:
    return {"review": str(review.id), "title": "Freedom of expression in Hong Kong",
            "kind": "individual", "lead": str(lead.id), "visibility": "organisation",
            "ohchr_reference": "", **extra}


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_editor_creates_an_individual_submission(app: Any, world: Any, review: Any) -> None:
    editor = signed_in(app, "editor@example.org")
    response = editor.post("/submissions/new", data=new_form(review, world.org))
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert (submission.kind, submission.status, submission.visibility) == (
        "individual", "draft", "organisation")
    assert submission.lead_organisation_id == world.org.id
    page = editor.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Freedom of expression in Hong Kong" in page and "Individual submission" in page
    assert "12 days left" in page
    assert "Submission created" in page  # the history, from the audit trail
    listing = editor.client.get("/submissions/").get_data(as_text=True)
    assert "Freedom of expression in Hong Kong" in listing


def test_joint_submission_confirm_decline_and_submit(app: Any, world: Any, review: Any,
                                                     make_org: Any, make_user: Any) -> None:
    third = make_org("Third Organisation", short_name="THR")
    make_user("teditor@example.org", third, "editor")
    db.session.commit()
    editor = signed_in(app, "editor@example.org")
    response = editor.post("/submissions/new", data=new_form(
        review, world.org, kind="joint", co_submitters=[str(world.other.id), str(third.id)],
        visibility="coalition", ohchr_reference="JS3"))
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert sorted(p.state for p in submission.participants) == ["invited", "invited"]
    url = f"/submissions/{submission.id}"
    other, their = submission.participants[0], submission.participants[1]

    # Sending it now is refused: nobody confirmed yet. Nothing changes.
    refused = editor.post(f"{url}/status", data={"status": "submitted", "on": ""})
    assert refused.status_code == 400
    assert "no co-submitting organisation has confirmed yet" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == "draft"

    # world.other's editor confirms; world.org's editor may not answer for world.other.
    assert editor.post(f"{url}/participants/{other.id}/confirm").status_code == 403
    oeditor = signed_in(app, "oeditor@example.org")
    page = oeditor.client.get(url).get_data(as_text=True)
    assert "Confirm for Other Organisation" in page and "Confirm for Third" not in page
    assert oeditor.post(f"{url}/participants/{other.id}/confirm").status_code == 302
    # Still one invited: refused, naming who is awaited.
    refused = editor.post(f"{url}/status", data={"status": "submitted", "on": ""})
    assert refused.status_code == 400
    assert "Still waiting for an answer from Third Organisation" in refused.get_data(
        as_text=True)
    # The third declines: shown as declined, not removed.
    teditor = signed_in(app, "teditor@example.org")
    assert teditor.post(f"{url}/participants/{their.id}/decline").status_code == 302
    page = editor.client.get(url).get_data(as_text=True)
    assert "Declined" in page and "Third Organisation" in page and "Confirmed" in page
    # An organisation that answered cannot be unticked silently.
    edit = editor.post(f"{url}/edit", data={**new_form(review, world.org, kind="joint",
                                                       co_submitters=[str(world.other.id)],
                                                       visibility="coalition"),
                                            "title": "Renamed"})
    assert edit.status_code == 400
    assert ("Third Organisation already answered: an organisation that answered stays "
            "listed.") in edit.get_data(as_text=True)
    assert "Renamed" in edit.get_data(as_text=True)  # the typed text is kept
    # Now it may be sent.
    sent = editor.post(f"{url}/status", data={"status": "submitted", "on": ""})
    assert sent.status_code == 302
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert (submission.status, submission.submitted_on) == ("submitted", date.today())
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "submission").order_by(AuditEvent.id)).all()
    assert actions == ["submission.create", "submission.confirm", "submission.decline",
                       "submission.submitted"]
    page = editor.client.get(url).get_data(as_text=True)
    assert "Participation confirmed" in page and "Sent to OHCHR" in page
    # Once sent, the co-submitters are fixed: no new invitation, no answer changed.
    late = editor.post(f"{url}/edit", data=new_form(
        review, world.org, kind="joint", visibility="coalition",
        co_submitters=[str(world.other.id), str(third.id), str(world.steering_org.id)]))
    assert late.status_code == 400
    assert "its co-submitters no longer change" in late.get_data(as_text=True)
    assert oeditor.post(f"{url}/participants/{other.id}/decline").status_code == 400
    assert count(SubmissionParticipant) == 2


def test_joint_with_only_the_lead_is_refused_naming_the_field(app: Any, world: Any,
                                                              review: Any) -> None:
    editor = signed_in(app, "editor@example.org")
    response = editor.post("/submissions/new", data=new_form(review, world.org, kind="joint"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Co-submitting organisations: A joint submission needs at least one" in html
    assert 'value="Freedom of expression in Hong Kong"' in html
    assert count(Submission) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "submission")) == 0


def test_joint_submission_whose_co_submitters_all_declined_is_not_sent(
        app: Any, world: Any, review: Any) -> None:
    editor = world.users["editor"]
    submission = services.create_submission(editor, review, "Joint", "joint", world.org,
                                            [world.other.id])
    services.answer(world.users["other_editor"], submission.participants[0], "declined")
    db.session.commit()
    auth = signed_in(app, "editor@example.org")
    refused = auth.post(f"/submissions/{submission.id}/status",
                        data={"status": "submitted", "on": ""})
    assert refused.status_code == 400
    assert "New status: A joint submission is sent with at least one other organisation" in (
        refused.get_data(as_text=True))


def test_another_organisation_cannot_see_a_draft_even_with_the_url(app: Any, world: Any,
                                                                    review: Any) -> None:
    submission = services.create_submission(world.users["editor"], review, "Our own draft",
                                            "individual", world.org)
    db.session.commit()
    other = signed_in(app, "oviewer@example.org")
    assert other.client.get(f"/submissions/{submission.id}").status_code == 403
    assert other.client.get(f"/submissions/{submission.id}/edit").status_code == 403
    assert "Our own draft" not in other.client.get("/submissions/").get_data(as_text=True)
    own = signed_in(app, "viewer@example.org")
    assert own.client.get(f"/submissions/{submission.id}").status_code == 200
    assert own.client.get(f"/submissions/{submission.id}/edit").status_code == 403


def test_coalition_visibility_reaches_members_not_researchers(app: Any, world: Any,
                                                              review: Any) -> None:
    submission = services.create_submission(world.users["editor"], review, "Shared draft",
                                            "individual", world.org, visibility="coalition")
    db.session.commit()
    other = signed_in(app, "oviewer@example.org")
    assert other.client.get(f"/submissions/{submission.id}").status_code == 200
    assert "Shared draft" in other.client.get("/submissions/").get_data(as_text=True)
    researcher = signed_in(app, "researcher@example.org")
    assert researcher.client.get(f"/submissions/{submission.id}").status_code == 403
    assert "Shared draft" not in researcher.client.get("/submissions/").get_data(as_text=True)


def test_public_submission_reaches_everyone_once_published(app: Any, world: Any,
                                                           review: Any) -> None:
    editor = world.users["editor"]
    submission = services.create_submission(editor, review, "Public one", "individual",
                                            world.org, visibility="public")
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(f"/submissions/{submission.id}").status_code == 302  # sign in
    researcher = signed_in(app, "researcher@example.org")
    assert researcher.client.get(f"/submissions/{submission.id}").status_code == 403
    services.change_status(editor, submission, "submitted", date.today() - timedelta(days=3))
    services.change_status(editor, submission, "published")
    db.session.commit()
    page = anonymous.get(f"/submissions/{submission.id}")
    assert page.status_code == 200 and "Published by OHCHR" in page.get_data(as_text=True)
    assert researcher.client.get(f"/submissions/{submission.id}").status_code == 200
    assert "Public one" in researcher.client.get("/submissions/").get_data(as_text=True)


def test_status_steps_and_dates(app: Any, world: Any, review: Any) -> None:
    editor = world.users["editor"]
    submission = services.create_submission(editor, review, "Steps", "individual", world.org)
    db.session.commit()
    auth = signed_in(app, "editor@example.org")
    url = f"/submissions/{submission.id}/status"
    # Published straight from draft: refused; a date in the future: refused.
    assert auth.post(url, data={"status": "published", "on": ""}).status_code == 400
    future = (date.today() + timedelta(days=2)).isoformat()
    response = auth.post(url, data={"status": "submitted", "on": future})
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.get_data(as_text=True)
    assert auth.post(url, data={"status": "submitted", "on": "2023-07-13"}).status_code == 302
    assert auth.post(url, data={"status": "published", "on": "2023-11-01"}).status_code == 302
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert (submission.submitted_on, submission.published_on) == (date(2023, 7, 13),
                                                                  date(2023, 11, 1))


def test_every_submission_action_has_a_label() -> None:
    from coalition.audit.labels import ACTION_LABELS

    actions = {*services.STATUS_ACTIONS.values(), *services.ANSWER_ACTIONS.values(),
               "submission.create", "submission.update"}
    assert actions <= ACTION_LABELS.keys()


def test_deadline_words(app: Any, world: Any, review: Any) -> None:
    today = date(2026, 3, 1)
    review.submission_deadline = date(2026, 3, 2)
    assert services.deadline_words(review, today) == "1 day left"
    review.submission_deadline = today
    assert services.deadline_words(review, today) == "last day today"
    review.submission_deadline = date(2026, 2, 1)
    assert services.deadline_words(review, today) == "deadline passed"
    review.submission_deadline = None
    assert services.deadline_words(review, today) is None


def test_list_filters(app: Any, world: Any, review: Any) -> None:
    editor = world.users["editor"]
    themes = db.session.scalars(select(Theme).order_by(Theme.code).limit(2)).all()
    services.create_submission(editor, review, "Alpha joint", "joint", world.org,
                               [world.other.id], theme_ids=[themes[0].id])
    services.create_submission(editor, review, "Beta single", "individual", world.org,
                               theme_ids=[themes[1].id])
    db.session.commit()
    auth = signed_in(app, "viewer@example.org")

    def titles(query: str) -> set[str]:
        html = auth.client.get(f"/submissions/?{query}").get_data(as_text=True)
        return {t for t in ("Alpha joint", "Beta single") if t in html}

    assert titles("") == {"Alpha joint", "Beta single"}
    assert titles("kind=joint") == {"Alpha joint"}
    assert titles(f"theme={themes[1].id}") == {"Beta single"}
    assert titles(f"organisation={world.other.id}") == {"Alpha joint"}
    assert titles("status=submitted") == set()
    assert titles(f"review={review.id}") == {"Alpha joint", "Beta single"}
    assert auth.client.get("/submissions/?review=abc").status_code == 400
    assert auth.client.get("/submissions/?page=zz").status_code == 200
    html = auth.client.get(f"/submissions/?review={review.id}").get_data(as_text=True)
    assert "12 days left" in html


def test_the_review_form_sets_the_deadline(app: Any, world: Any, review: Any) -> None:
    steering = signed_in(app, "steering@example.org")
    response = steering.post(f"/reviews/{review.slug}/edit", data={
        "cycle": "4", "session": "45", "review_date": "2024-01-23", "report_symbol": "",
        "responses_symbol": "", "midterm_due": "", "submission_deadline": "2023-07-13"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(review), review.id).submission_deadline == date(2023, 7, 13)


def test_participant_of_another_submission_is_404(app: Any, world: Any, review: Any) -> None:
    editor = world.users["editor"]
    one = services.create_submission(editor, review, "One", "joint", world.org,
                                     [world.other.id])
    two = services.create_submission(editor, review, "Two", "individual", world.org)
    db.session.commit()
    auth = signed_in(app, "oeditor@example.org")
    participant = one.participants[0]
    assert auth.post(f"/submissions/{two.id}/participants/{participant.id}/confirm"
                     ).status_code == 404
    assert db.session.get(SubmissionParticipant, participant.id).state == "invited"


def test_zh_hant_page_has_no_english_left(app: Any, world: Any, review: Any) -> None:
    """In Traditional Chinese (the lead merges /work/wt/tr/subs.po into the catalogue)."""
    submission = services.create_submission(world.users["editor"], review, "聯合意見書草稿",
                                            "joint", world.org, [world.other.id])
    world.users["other_editor"].locale = "zh_Hant"
    db.session.commit()
    auth = signed_in(app, "oeditor@example.org")
    headers = {"Accept-Language": "zh-HK"}
    page = auth.client.get(f"/submissions/{submission.id}", headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for english in ("Joint submission", "Co-submitting organisations", "Lead organisation",
                    "Invited", "Confirm for", "Decline for", "days left", "Submission created",
                    "Who may read it", "Its organisations only", "Submission deadline"):
        assert english not in html, english
    assert "聯合意見書" in html and "聯署機構" in html and "牽頭機構" in html
    listing = auth.client.get("/submissions/", headers=headers).get_data(as_text=True)
    for english in ("Stakeholder submissions", "Any review", "Individual or joint",
                    "Submission deadline"):
        assert english not in listing, english
    assert "持份者意見書" in listing


def test_history_names_a_submissions_fields_as_its_page_does(app):
    """A new user read "Visible to: Own organisation only" in a submission's history where its
    page says "Who may read it: Its organisations only", and a file's size in bytes."""
    from coalition.audit.labels import change_value, field_label

    with app.test_request_context("/"):
        assert field_label("visibility", "submission") == "Who may read it"
        assert change_value("visibility", "organisation", "submission") == \
            "Its organisations only"
        assert change_value("visibility", "organisation", "assessment") == \
            "Own organisation only"
        assert field_label("visibility") == "Visible to"
        assert change_value("size", 36592) == "35 KB"


def test_the_lead_is_not_offered_as_its_own_co_submitter(app, world, review):
    editor = signed_in(app, "editor@example.org")
    page = editor.client.get("/submissions/new").get_data(as_text=True)
    offered = set(re.findall(r'name="co_submitters" type="checkbox" value="(\d+)"', page))
    assert str(world.other.id) in offered and str(world.org.id) not in offered


def test_co_submitters_are_told_they_were_asked(app, world, review):
    """A new user found co-submitting organisations never told of their invitation: their
    editors get a notification linking to the submission (once), the lead's author none."""
    from coalition.notifications.models import Notification

    submission = services.create_submission(world.users["editor"], review, "Joint one", "joint",
                                            world.org, [world.other.id])
    db.session.commit()
    notes = db.session.scalars(select(Notification).where(
        Notification.url == f"/submissions/{submission.id}")).all()
    told = {n.user_id for n in notes}
    assert world.users["other_editor"].id in told
    assert world.users["other_viewer"].id not in told
    assert world.users["editor"].id not in told
    other = signed_in(app, "oeditor@example.org")
    page = other.client.get("/notifications").get_data(as_text=True)
    assert "to co-submit &#8220;Joint one&#8221;" in page or "to co-submit “Joint one”" in page
    # Saving the details again tells nobody twice.
    services.update_submission(world.users["editor"], submission, review, "Joint one", "joint",
                               [world.other.id])
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.url == f"/submissions/{submission.id}")) == len(notes)
