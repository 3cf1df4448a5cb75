"""Notifications (issue 11, item 6): the bell, the list, marking read, the settings, and the
events that notify: reminders (due soon, overdue, sign-on closing), re-confirmation of a
signature, sign-on opening, mentions in a comment."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.notifications.events import mentioned, send_reminders
from coalition.notifications.models import Notification
from coalition.notifications.services import message, notify

TEXT = "First paragraph.\n\nSecond paragraph.\n"


# --- helpers shared with test_digest.py and test_desk.py ---------------------------------------

def make_recommendation(paragraph: str = "28.1", text: str = "Uphold rights in Hong Kong",
                        review: Any = None) -> Any:
    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import paragraph_sort_key, text_key
    from coalition.reviews.models import Review
    from coalition.reviews.services import create_review

    if review is None:
        review = db.session.scalars(select(Review)).first() or create_review(None, "CHN", 3,
                                                                              session=31)
    rec = Recommendation(review_id=review.id, paragraph=paragraph, text=text,
                         text_key=text_key(text), paragraph_sort=paragraph_sort_key(paragraph))
    db.session.add(rec)
    db.session.flush()
    return rec


def make_plan(lead: Any, due_on: date | None = None, rec: Any = None,
              paragraph: str = "28.1", status: str = "in_progress") -> Any:
    from coalition.followup.models import FollowUpPlan

    plan = FollowUpPlan(recommendation_id=(rec or make_recommendation(paragraph)).id,
                        lead_organisation_id=lead.id, due_on=due_on, status=status)
    db.session.add(plan)
    db.session.flush()
    return plan


def make_action(plan: Any, owner_org: Any, due_on: date | None, owner: Any = None,
                title: str = "Meet the Security Bureau", done_on: date | None = None) -> Any:
    from coalition.followup.models import AdvocacyAction

    action = AdvocacyAction(plan_id=plan.id, title=title, kind="meeting",
                            owner_organisation_id=owner_org.id,
                            owner_id=owner.id if owner else None, due_on=due_on,
                            done_on=done_on)
    db.session.add(action)
    db.session.flush()
    return action


def notes_of(user: Any, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


# --- the bell and the list ---------------------------------------------------------------------

def test_bell_shows_the_unread_count_and_the_list_marks_read(app, world, auth, client):
    viewer = world.users["viewer"]
    for n in range(3):
        notify([viewer], "assignment", "Recommendation %(number)s assigned to you",
               args={"number": f"28.{n}"}, url=f"/recommendations/{n}")
    notify([world.users["editor"]], "overdue", "Not for the viewer")
    db.session.commit()
    auth.login("viewer@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "3 unread" in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert listing.index("28.2") < listing.index("28.1") < listing.index("28.0")  # newest first
    assert "Not for the viewer" not in listing
    first = notes_of(viewer)[0]
    response = auth.post(f"/notifications/{first.id}/read", {"open": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/recommendations/0")
    assert "2 unread" in client.get("/").get_data(as_text=True)
    assert auth.post("/notifications/read-all").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "unread" not in page.split("</nav>")[0].replace("none unread", "")


def test_someone_elses_notification_is_a_404_and_stays_unread(app, world, auth):
    [theirs] = notify([world.users["editor"]], "overdue", "Theirs")
    db.session.commit()
    auth.login("viewer@example.org")
    assert auth.post(f"/notifications/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_marking_read_without_csrf_is_refused(app, world, auth, client):
    [mine] = notify([world.users["viewer"]], "overdue", "Mine")
    db.session.commit()
    auth.login("viewer@example.org")
    assert client.post(f"/notifications/{mine.id}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at is None


def test_excerpt_is_escaped_and_message_in_the_readers_language(app, world, auth, client):
    from flask_babel import lazy_gettext as _l

    from coalition.accounts.services import update_profile

    viewer = world.users["viewer"]
    update_profile(viewer, viewer.display_name, "zh_Hant")
    # A msgid the catalogue already translates (the new ones arrive with the merged catalogue).
    notify([viewer], "overdue", _l("Sign in"), excerpt="<script>alert(1)</script>")
    db.session.commit()
    auth.login("viewer@example.org")
    page = client.get("/notifications").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    with app.test_request_context():
        from coalition.i18n import translated

        with translated("zh_Hant"):
            assert message(notes_of(viewer)[0]) == "登入"


def test_pagination_of_a_long_list(app, world, auth, client):
    viewer = world.users["viewer"]
    for n in range(35):
        notify([viewer], "mention", "Message %(n)s", args={"n": n})
    db.session.commit()
    auth.login("viewer@example.org")
    first = client.get("/notifications").get_data(as_text=True)
    assert "Message 34" in first and "Message 0<" not in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Message 0<" in second
    assert client.get("/notifications?page=99999999999999999999").status_code == 400


def test_settings_are_saved_and_bad_input_is_a_400_naming_the_field(app, world, auth, client):
    from coalition.notifications.services import settings_of

    auth.login("viewer@example.org")
    assert client.get("/notifications/settings").status_code == 200
    response = auth.post("/notifications/settings", {"digest": "hourly", "kinds": ["overdue"]})
    assert response.status_code == 400 and "E-mail digest" in response.get_data(as_text=True)
    response = auth.post("/notifications/settings", {"digest": "weekly",
                                                     "kinds": ["overdue", "bogus"]})
    assert response.status_code == 400
    response = auth.post("/notifications/settings", {"digest": "weekly",
                                                     "kinds": ["overdue", "due_soon"]})
    assert response.status_code == 302
    db.session.expire_all()
    row = settings_of(world.users["viewer"])
    assert (row.digest, row.digest_kinds) == ("weekly", ["due_soon", "overdue"])


def test_anonymous_visitors_have_no_bell_and_are_sent_to_sign_in(app, client):
    assert "bell" not in client.get("/").get_data(as_text=True)
    assert client.get("/notifications").status_code == 302


# --- reminders ---------------------------------------------------------------------------------

def test_reminders_tell_owners_of_due_and_overdue_once(app, world):
    today = date(2026, 11, 30)
    editor, viewer, owner = world.users["editor"], world.users["viewer"], world.users["org_admin"]
    plan = make_plan(world.org, due_on=today + timedelta(days=60))
    overdue = make_action(plan, world.org, today - timedelta(days=3), owner=owner)
    soon = make_action(plan, world.org, today + timedelta(days=5), title="LegCo submission")
    make_action(plan, world.org, today + timedelta(days=20), title="Later")
    make_action(plan, world.org, today - timedelta(days=9), title="Done", done_on=today)
    with app.test_request_context():
        added = send_reminders(today)
        assert added > 0
        assert send_reminders(today) == 0  # idempotent
    db.session.commit()
    assert {n.key for n in notes_of(editor)} == {
        f"action:{overdue.id}:overdue:{overdue.due_on.isoformat()}",
        f"action:{soon.id}:due_soon:{soon.due_on.isoformat()}"}
    assert notes_of(viewer) == []  # a viewer does not own actions
    assert [n.kind for n in notes_of(owner)] == ["overdue", "due_soon"]  # org_admin + owner
    with app.test_request_context():
        assert "Meet the Security Bureau" in message(notes_of(editor, "overdue")[0])
    # The due date moves: the new date is told.
    overdue.due_on = today - timedelta(days=1)
    with app.test_request_context():
        assert send_reminders(today) == 2


def test_plan_reminders_tell_the_lead_organisations_members(app, world):
    today = date(2026, 11, 30)
    make_plan(world.org, due_on=today - timedelta(days=1))
    make_plan(world.other, due_on=today + timedelta(days=2), paragraph="28.2")
    make_plan(world.org, due_on=today - timedelta(days=1), paragraph="28.3", status="done")
    with app.test_request_context():
        send_reminders(today)
    assert [n.kind for n in notes_of(world.users["viewer"])] == ["overdue"]
    assert [n.kind for n in notes_of(world.users["other_viewer"])] == [
        "due_soon"]


# --- statements --------------------------------------------------------------------------------

@pytest.fixture
def open_statement(world):
    from coalition.statements import services

    statement = services.create_statement(world.users["editor"], world.org, "Joint statement",
                                          text=TEXT)
    services.transition(world.users["steering"], statement, "open_signon",
                        utcnow() + timedelta(days=10))
    db.session.commit()
    return statement


def test_opening_sign_on_tells_every_org_admin(app, world, open_statement):
    for role in ("org_admin", "other_admin"):
        assert [n.kind for n in notes_of(world.users[role])] == ["signon_open"]
    assert notes_of(world.users["viewer"]) == []


def test_a_changed_text_asks_the_signatories_to_reconfirm_once(app, world, open_statement):
    from coalition.statements import services

    services.sign(world.users["other_admin"], open_statement, world.other)
    services.save_text(world.users["editor"], open_statement, world.org, 1, TEXT + "\nMore.\n")
    services.save_text(world.users["editor"], open_statement, world.org, 2,
                       TEXT + "\nMore, again.\n")
    db.session.commit()
    reconfirm = notes_of(world.users["other_admin"], "reconfirm")
    assert len(reconfirm) == 1 and reconfirm[0].url.endswith(f"/statements/{open_statement.id}")
    assert notes_of(world.users["org_admin"], "reconfirm") == []  # world.org did not sign


def test_sign_on_closing_is_told_to_those_who_have_not_signed(app, world, open_statement):
    from coalition.statements import services

    services.sign(world.users["org_admin"], open_statement, world.org)
    open_statement.signon_deadline = utcnow() + timedelta(days=1)
    db.session.commit()
    with app.test_request_context():
        send_reminders(date.today())
        send_reminders(date.today())
    assert len(notes_of(world.users["other_admin"], "signon_closing")) == 1
    assert notes_of(world.users["org_admin"], "signon_closing") == []


def test_mention_syntax():
    assert mentioned("Ask @owning-organisation and @amy@example.org, not bob@example.org.") == (
        {"owning-organisation"}, {"amy@example.org"})
    assert mentioned("email me: x@y.org") == (set(), set())


def test_mentions_reach_only_who_may_read_the_statement(app, world, make_user):
    from coalition.statements import services

    draft = services.create_statement(world.users["editor"], world.org, "Draft", text=TEXT)
    db.session.commit()
    body = (f"@{world.other.slug} and @viewer@example.org and @oeditor@example.org please look "
            "<b>here</b>")
    services.add_comment(world.users["editor"], draft, world.org, body)
    db.session.commit()
    # The draft has reached only its drafters (world.org): world.other is not told.
    assert [n.kind for n in notes_of(world.users["viewer"])] == ["mention"]
    assert notes_of(world.users["other_viewer"]) == []
    assert notes_of(world.users["other_editor"]) == []
    assert "<b>here</b>" in notes_of(world.users["viewer"])[0].excerpt  # escaped when shown
    assert notes_of(world.users["editor"]) == []  # not the author


def test_mention_of_an_organisation_that_may_read(app, world, open_statement):
    from coalition.statements import services

    services.add_comment(world.users["editor"], open_statement, world.org,
                         f"@{world.other.slug} could you sign?")
    db.session.commit()
    for role in ("other_viewer", "other_editor", "other_admin"):
        assert [n.kind for n in notes_of(world.users[role], "mention")] == ["mention"]


def test_unknown_kind_is_a_programming_error(app, world):
    with pytest.raises(KeyError):
        notify([world.users["viewer"]], "nonsense", "x")
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 0


def test_reminder_dates_are_stored_iso_and_shown_the_readers_way(app, world, auth, client):
    """The stored message keeps the ISO date; the bell's list, in English and in 繁體中文,
    writes it as the reader does (the app's date_local)."""
    from coalition.accounts.services import update_profile

    today = date(2026, 11, 10)
    editor = world.users["editor"]
    plan = make_plan(world.org, due_on=today + timedelta(days=60))
    make_action(plan, world.org, date(2026, 11, 15), title="LegCo submission")
    with app.test_request_context():
        send_reminders(today)
    db.session.commit()
    note = notes_of(editor, "due_soon")[0]
    assert note.payload["args"]["date"] == "2026-11-15"
    auth.login("editor@example.org")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Due on 15 Nov 2026: LegCo submission" in page and "2026-11-15" not in page
    update_profile(editor, editor.display_name, "zh_Hant")
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "2026年11月15日 到期：LegCo submission" in page  # noqa: RUF001
    assert "2026-11-15" not in page


def test_sign_on_deadlines_are_shown_the_readers_way(app, world, open_statement):
    """Stored ISO; an old row's "YYYY-MM-DD HH:MM UTC" is read too."""
    from datetime import datetime

    from coalition.i18n import datetime_local, translated

    note = notes_of(world.users["org_admin"], "signon_open")[0]
    stored = note.payload["args"]["deadline"]
    deadline = datetime.fromisoformat(stored)
    with app.test_request_context():
        assert message(note).endswith(f"until {datetime_local(deadline)}")
        assert stored not in message(note)
        with translated("zh_Hant"):
            assert datetime_local(deadline) in message(note)
        note.payload = {**note.payload, "args": {**note.payload["args"],
                                                 "deadline": "2026-12-01 09:30 UTC"}}
        assert message(note).endswith(
            "until " + datetime_local(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)))
