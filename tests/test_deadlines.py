"""The coalition calendar (issue 12, item 5): every review's dates grouped by month in the
reader's language, the follow-up due dates for members, and an iCalendar feed (RFC 5545) that
holds public review dates only, parsed back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from coalition.extensions import db
from coalition.reviews.services import create_review, ensure_reference_data
from coalition.submissions import services as submissions
from tests.conftest import AuthActions
from tests.test_notifications import make_action, make_plan

SOON = date.today() + timedelta(days=40)


@pytest.fixture
def scene(app: Any, world: Any) -> Any:
    app.config["PUBLIC_TRACKER"] = False
    ensure_reference_data()
    past = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6),
                         submission_deadline=date(2018, 3, 29), midterm_due=date(2021, 3, 31),
                         presession_date=date(2018, 10, 4), adoption_date=date(2019, 3, 15),
                         hrc_session=40)
    coming = create_review(None, "CHN", 4, session=45, review_date=SOON + timedelta(days=60),
                           submission_deadline=SOON)
    plan = make_plan(world.org, due_on=SOON)
    action = make_action(plan, world.org, SOON + timedelta(days=3),
                         title="Secret meeting with the Security Bureau")
    make_action(plan, world.org, SOON, title="Done already", done_on=date.today())
    submissions.create_submission(world.users["editor"], coming, "Confidential draft title",
                                  "individual", world.org)
    db.session.commit()
    return {"past": past, "coming": coming, "action": action}


def signed_in(app: Any, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def test_the_page_groups_dates_by_month(app: Any, world: Any, scene: Any) -> None:
    viewer = signed_in(app, "viewer@example.org")
    response = viewer.client.get("/calendar/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    upcoming, past = html.split("<h2>Upcoming</h2>")[1].split("<h2>Past</h2>")
    assert "Deadline for stakeholder submissions" in upcoming
    assert "Secret meeting with the Security Bureau" in upcoming  # members see follow-up
    assert "Done already" not in html
    assert "November 2018" in past and "6 November 2018" in past
    assert "Pre-session" in past and "4 October 2018" in past
    assert "Adoption of the outcome at the Human Rights Council" in past
    assert "session 40" in past
    assert "Mid-term report due" in past and "31 March 2021" in past
    # Past months latest first: the mid-term report (2021) before the review (2018).
    assert past.index("March 2021") < past.index("November 2018")
    assert f"/reviews/{scene['past'].slug}" in html
    assert "/calendar/coalition.ics" in html
    # The navigation links it.
    assert 'href="/calendar/"' in viewer.client.get("/submissions/").get_data(as_text=True)


def test_the_page_in_chinese(app: Any, world: Any, scene: Any) -> None:
    viewer = signed_in(app, "viewer@example.org")
    viewer.post("/language", data={"locale": "zh_Hant"})
    html = viewer.client.get("/calendar/").get_data(as_text=True)
    assert "2018年11月" in html


def test_researchers_see_review_dates_but_no_follow_up(app: Any, world: Any,
                                                       scene: Any) -> None:
    researcher = signed_in(app, "researcher@example.org")
    html = researcher.client.get("/calendar/").get_data(as_text=True)
    assert "Deadline for stakeholder submissions" in html
    assert "Secret meeting" not in html


def test_anonymous_visitors_see_the_page_only_with_the_public_tracker(app: Any, world: Any,
                                                                      scene: Any) -> None:
    client = app.test_client()
    assert client.get("/calendar/").status_code == 302
    app.config["PUBLIC_TRACKER"] = True
    html = client.get("/calendar/").get_data(as_text=True)
    assert "Deadline for stakeholder submissions" in html and "Secret meeting" not in html


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_the_feed_is_valid_icalendar_with_stable_uids(app: Any, world: Any,
                                                      scene: Any) -> None:
    client = app.test_client()  # a calendar app: no sign-in
    response = client.get("/calendar/coalition.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\nEND:VCALENDAR\r\n" in body
    calendar = parse(body)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    events = calendar.walk("VEVENT")
    past = scene["past"]
    # Five dates of the past review, two of the coming one.
    assert len(events) == 7
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == 7
    assert f"review-{past.id}-review_date@calendar.coalition" in uids
    by_uid = {str(e["uid"]): e for e in events}
    review_day = by_uid[f"review-{past.id}-review_date@calendar.coalition"]
    start = review_day.decoded("dtstart")
    assert start == date(2018, 11, 6) and not isinstance(start, datetime)  # all-day DATE
    assert review_day.decoded("dtend") == date(2018, 11, 7)
    assert b"DTSTART;VALUE=DATE:20181106" in body
    assert isinstance(review_day.decoded("dtstamp"), datetime)
    assert str(review_day["url"]).endswith(f"/reviews/{past.slug}")
    # The title "China — cycle 3, 2018" has a comma: escaped on the wire, whole when parsed.
    assert str(review_day["summary"]) == "Review by the UPR Working Group: China — cycle 3, 2018"
    assert b"cycle 3\\, 2018" in body
    # The same events the next time: a calendar app updates them in place.
    again = [str(e["uid"]) for e in parse(client.get("/calendar/coalition.ics").data)
             .walk("VEVENT")]
    assert again == uids


def test_the_feed_in_chinese_escapes_too(app: Any, world: Any, scene: Any) -> None:
    body = app.test_client().get("/calendar/coalition.ics?lang=zh_Hant").data
    events = parse(body).walk("VEVENT")
    summaries = [str(e["summary"]) for e in events]
    assert len(summaries) == 7
    assert all(";" not in s or "\\;" in body.decode() for s in summaries)
    # Parsing gives back exactly what was written: nothing lost to escaping.
    assert all(s.count(":") >= 1 for s in summaries)


def test_the_feed_leaks_nothing_members_only(app: Any, world: Any, scene: Any) -> None:
    body = app.test_client().get("/calendar/coalition.ics").data.decode()
    assert "Secret meeting" not in body and "Confidential draft title" not in body
    assert "action-" not in body
    # Signed in as a member: the same feed (it depends on no one).
    viewer = signed_in(app, "viewer@example.org")
    member_body = viewer.client.get("/calendar/coalition.ics").data.decode()
    assert "Secret meeting" not in member_body


def test_escaping_of_commas_and_semicolons(app: Any) -> None:
    from coalition.deadlines.services import Deadline, ical

    class Named:
        display_title = "審議; 中國, 香港 \\ test"
        hrc_session = None

    with app.test_request_context():
        body = ical([Deadline(date(2026, 1, 2), "review_date", "x@calendar.coalition",
                              review=Named())], lambda d: None, "名稱, 日曆")  # type: ignore[arg-type]
    assert "審議\\; 中國\\, 香港 \\\\ test".encode() in body
    event = parse(body).walk("VEVENT")[0]
    assert str(event["summary"]) == "Review by the UPR Working Group: 審議; 中國, 香港 \\ test"
