# ruff: noqa: RUF001  (Chinese text: full-width punctuation is meant)
"""Saved tracker views (issue 10): a tracker filter saved under a name, private or shared with
one of the owner's organisations; it appears on the tracker, on /tracker/views, and to the
organisation's members when shared. Bad input is refused on the field it concerns, with the
typed name kept, and changes nothing; someone else's view cannot be changed."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from coalition.recommendations import saved_views
from coalition.recommendations.models import SavedView
from tests import test_recommendations as recommendations
from tests.conftest import AuthActions
from tests.test_recommendations import field_error

review = recommendations.review  # China's review: 28.343, 28.344 (Hong Kong), 28.14

FILTER = "q=hong+kong&position=supported"


def signed_in(app: Flask, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


def counts(db: Any) -> tuple[int, int]:
    """Saved views and audit events in the database now."""
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(SavedView)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def save(auth: AuthActions, query: str, name: str, share_with: str = "",
         **extra: str) -> Any:
    return auth.post(f"/tracker/views/new?{query}",
                     data={"name": name, "share_with": share_with, **extra})


def page(auth: AuthActions, path: str) -> str:
    response = auth.client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def saved_list(html: str) -> list[tuple[str, str, str]]:
    """The tracker's "Saved views" list: (name, link, note) per view."""
    block = re.search(r'<details class="saved-views-list">(.*?)</details>', html, re.S)
    assert block, "no saved views list on the tracker"
    return [(html_lib.unescape(name), html_lib.unescape(href), html_lib.unescape(note))
            for href, name, note in re.findall(
                r'<li><a href="([^"]+)"[^>]*>([^<]+)</a>\s*<small class="muted">([^<]*)</small>',
                block.group(1))]


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html)
    return html_lib.unescape(match.group(1)) if match else None


def test_save_a_filter_and_apply_it_from_the_tracker(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    tracker = page(auth, f"/tracker?{FILTER}")
    assert "Save this view" in tracker
    before = counts(db)
    response = save(auth, FILTER + "&page=3&sort=newest&utm=x", "Hong Kong, supported")
    assert response.status_code == 302
    # Saved: the filter and the sort, never the page nor an unknown parameter.
    view = db.session.scalars(select(SavedView)).one()
    assert view.query == "q=hong+kong&position=supported&sort=newest"
    assert view.organisation_id is None and view.owner_id == world.users["editor"].id
    location = urlsplit(response.headers["Location"])
    assert (location.path, location.query) == ("/tracker", view.query)
    assert counts(db) == (before[0] + 1, before[1] + 1)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "saved_view.create" and event.object_label == "Hong Kong, supported"

    html = page(auth, "/tracker")
    assert saved_list(html) == [("Hong Kong, supported", f"/tracker?{view.query}", "private")]
    assert "Save this view" not in html  # no filter: nothing to save
    applied = page(auth, f"/tracker?{view.query}")
    assert re.search(r"<strong>2</strong> recommendations</p>", applied)
    assert 'aria-current="page">Hong Kong, supported</a>' in applied
    # The view's own address applies it too.
    response = auth.client.get(f"/tracker/views/{view.id}")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).query == view.query


def test_bad_names_are_refused_on_the_field_with_the_name_kept(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    assert save(auth, FILTER, "Mine").status_code == 302
    before = counts(db)
    for typed, message in [
        ("", "Name of the view: Give the view a name."),
        ("   ", "Name of the view: Give the view a name."),
        ("x" * 121, "Name of the view: A view's name is at most 120 characters."),
        ("Mine", "Name of the view: You already have a view named “Mine”"),
        ("  mINE ", "Name of the view: You already have a view named “Mine”"),
    ]:
        response = save(auth, "position=noted", typed)
        assert response.status_code == 400, typed
        html = response.get_data(as_text=True)
        assert html_lib.unescape(field_error(html, "name")).startswith(message), typed
        # Still the tracker with the filter being saved, the form open, the name as typed.
        assert "<h1>Recommendation tracker</h1>" in html
        assert re.search(r"<strong>1</strong> recommendation</p>", html)
        assert '<details class="save-view" open>' in html
        if typed.strip():
            assert input_value(html, "name") == " ".join(typed.split())
        assert counts(db) == before, typed
    assert db.session.scalars(select(SavedView.query)).all() == [
        "q=hong+kong&position=supported"]
    # 120 characters is the limit, not beyond it.
    assert save(auth, "position=noted", "y" * 120).status_code == 302


def test_saving_the_same_name_again_replaces_the_filter_only_when_asked(app, db, world,
                                                                        review):
    auth = signed_in(app, "editor@example.org")
    assert save(auth, FILTER, "Mine").status_code == 302
    html = save(auth, "position=noted", "Mine").get_data(as_text=True)
    assert "Replace the filter of my view of the same name" in html
    response = save(auth, "position=noted", "mine", replace="y")
    assert response.status_code == 302
    view = db.session.scalars(select(SavedView)).one()
    assert (view.name, view.query) == ("mine", "position=noted")
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "saved_view.update"
    assert event.changes["query"] == ["q=hong+kong&position=supported", "position=noted"]


def test_a_view_is_a_filter(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    before = counts(db)
    for query in ("", "page=2", "sort=newest&utm=1", "position=nonsense"):
        response = save(auth, query, "Nothing")
        assert response.status_code == 400, query
        assert counts(db) == before
    with pytest.raises(ServiceError) as error:
        saved_views.normalise_query("review=99999999999")
    assert error.value.field == "query"
    assert saved_views.normalise_query("?page=4&theme=2&q=+x+&theme=1&evil=1") == \
        "q=x&theme=2&theme=1"


def test_csrf_is_required(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    before = counts(db)
    response = auth.client.post(f"/tracker/views/new?{FILTER}", data={"name": "No token"})
    assert response.status_code == 400
    assert save(auth, FILTER, "Mine").status_code == 302
    view = db.session.scalars(select(SavedView)).one()
    for path, data in [(f"/tracker/views/{view.id}/edit",
                        {f"v{view.id}-name": "Renamed", f"v{view.id}-share_with": ""}),
                       (f"/tracker/views/{view.id}/delete", {})]:
        assert auth.client.post(path, data=data).status_code == 400
    db.session.expire_all()
    assert counts(db)[0] == before[0] + 1 and view.name == "Mine"


def test_shared_views_reach_the_organisations_members_only(app, db, world, review):
    owner = signed_in(app, "editor@example.org")
    tracker = page(owner, f"/tracker?{FILTER}")
    options = re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]+)</option>',
                         tracker[tracker.index('id="save-view-form"'):])
    assert options == [("", "Only me (private)"), (str(world.org.id), "Owning Organisation")]
    assert save(owner, FILTER, "For the team", str(world.org.id)).status_code == 302
    assert save(owner, "position=noted", "Just mine").status_code == 302
    shared, private = (db.session.scalars(select(SavedView).where(SavedView.name == name))
                       .one() for name in ("For the team", "Just mine"))
    assert saved_list(page(owner, "/tracker")) == [
        ("For the team", f"/tracker?{FILTER}", "shared with Owning Organisation"),
        ("Just mine", "/tracker?position=noted", "private")]

    colleague = signed_in(app, "viewer@example.org")
    (name, href, note), = saved_list(page(colleague, "/tracker"))
    assert (name, href) == ("For the team", f"/tracker?{FILTER}")
    assert note == (f"shared with Owning Organisation by "
                    f"{world.users['editor'].display_name} (Owning Organisation)")
    assert colleague.client.get(f"/tracker/views/{shared.id}").status_code == 302
    assert colleague.client.get(f"/tracker/views/{private.id}").status_code == 403
    manage = page(colleague, "/tracker/views")
    assert "For the team" in manage and "Just mine" not in manage
    assert f'action="/tracker/views/{shared.id}/edit"' not in manage  # not theirs to change

    for email in ("oviewer@example.org", "researcher@example.org",
                  "coordinator@example.org"):
        outsider = signed_in(app, email)
        assert saved_list(page(outsider, "/tracker")) == [], email
        assert "For the team" not in page(outsider, "/tracker/views"), email
        assert outsider.client.get(f"/tracker/views/{shared.id}").status_code == 403, email

    # Made private again: the colleague no longer sees it.
    response = owner.post(f"/tracker/views/{shared.id}/edit", data={
        f"v{shared.id}-name": "For the team", f"v{shared.id}-share_with": ""})
    assert response.status_code == 302
    assert saved_list(page(colleague, "/tracker")) == []
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"shared_with": ["Owning Organisation", None]}


def test_someone_elses_view_cannot_be_changed(app, db, world, review):
    owner = signed_in(app, "editor@example.org")
    assert save(owner, FILTER, "For the team", str(world.org.id)).status_code == 302
    view = db.session.scalars(select(SavedView)).one()
    before = counts(db)
    for email in ("viewer@example.org", "admin@example.org", "oeditor@example.org",
                  "coordinator@example.org", "researcher@example.org"):
        other = signed_in(app, email)
        edit = other.post(f"/tracker/views/{view.id}/edit", data={
            f"v{view.id}-name": "Hijacked", f"v{view.id}-share_with": ""})
        delete = other.post(f"/tracker/views/{view.id}/delete")
        assert (edit.status_code, delete.status_code) == (403, 403), email
        assert other.post("/tracker/views/999999/edit").status_code == 404
        assert other.post("/tracker/views/999999/delete").status_code == 404
        assert other.client.get("/tracker/views/999999").status_code == 404
    assert counts(db) == before
    db.session.expire_all()
    assert (view.name, view.organisation_id) == ("For the team", world.org.id)
    anonymous = AuthActions(app.test_client())
    response = anonymous.post(f"/tracker/views/new?{FILTER}", data={"name": "Anon"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert counts(db) == before


def test_share_only_with_an_organisation_of_ones_own(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    before = counts(db)
    response = save(auth, FILTER, "Elsewhere", str(world.other.id))
    assert response.status_code == 400
    assert "Not a valid choice" in field_error(response.get_data(as_text=True), "share_with")
    assert input_value(response.get_data(as_text=True), "name") == "Elsewhere"
    assert counts(db) == before
    # The service refuses it too, whatever the form lets through.
    with pytest.raises(ServiceError) as error:
        saved_views.save(world.users["editor"], "Elsewhere", FILTER, world.other)
    assert error.value.field == "share_with"
    # A researcher, in no organisation, keeps views private.
    researcher = signed_in(app, "researcher@example.org")
    tracker = page(researcher, f"/tracker?{FILTER}")
    assert re.findall(r'<option[^>]*value="(\d*)"',
                      tracker[tracker.index('id="save-view-form"'):]) == [""]
    assert save(researcher, FILTER, "Research").status_code == 302


def test_manage_page_renames_and_deletes(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    assert save(auth, FILTER, "First").status_code == 302
    assert save(auth, "position=noted", "Second").status_code == 302
    first, second = db.session.scalars(select(SavedView).order_by(SavedView.id)).all()
    manage = page(auth, "/tracker/views")
    assert manage.index("<strong>First<") < manage.index("<strong>Second<")
    assert f'href="/tracker?{FILTER}"' in html_lib.unescape(manage)

    before = counts(db)
    response = auth.post(f"/tracker/views/{second.id}/edit", data={
        f"v{second.id}-name": "first", f"v{second.id}-share_with": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "You already have a view named “first”" in html_lib.unescape(
        field_error(html, f"v{second.id}-name"))
    assert input_value(html, f"v{second.id}-name") == "first"
    response = auth.post(f"/tracker/views/{second.id}/edit", data={
        f"v{second.id}-name": "z" * 121, f"v{second.id}-share_with": ""})
    assert response.status_code == 400
    assert counts(db) == before

    response = auth.post(f"/tracker/views/{second.id}/edit", data={
        f"v{second.id}-name": "Noted ones", f"v{second.id}-share_with": str(world.org.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (second.name, second.query, second.organisation_id) == (
        "Noted ones", "position=noted", world.org.id)

    response = auth.post(f"/tracker/views/{first.id}/delete")
    assert response.status_code == 302
    assert db.session.scalars(select(SavedView.name)).all() == ["Noted ones"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_label) == ("saved_view.delete", "First")
    assert "<strong>First<" not in page(auth, "/tracker/views")


def test_the_audit_log_names_saved_view_events_in_both_languages(app, db, world, review):
    auth = signed_in(app, "editor@example.org")
    assert save(auth, FILTER, "Logged", str(world.org.id)).status_code == 302
    coordinator = signed_in(app, "coordinator@example.org")
    log = page(coordinator, "/audit")
    assert "Tracker view saved" in log and "Shared with" in log and "Logged" in log
    response = coordinator.client.get("/audit", headers={"Accept-Language": "zh-HK"})
    assert response.status_code == 200


def test_list_visible_skips_inactive_organisations(app, db, world, review, make_user):
    editor, viewer = world.users["editor"], world.users["viewer"]
    view = saved_views.save(editor, "Team", FILTER, world.org)
    db.session.commit()
    assert saved_views.list_visible(viewer) == [view]
    world.org.active = False
    db.session.commit()
    assert saved_views.list_visible(viewer) == []
    assert saved_views.list_visible(editor) == [view]  # the owner keeps it
    assert saved_views.as_dict(view, editor)["shared_with"] == {
        "id": world.org.id, "name": "Owning Organisation"}


def test_saved_views_speak_chinese(app, db, world, review):
    """In Traditional Chinese (the lead merges /work/wt/tr/views.po into the catalogue)."""
    world.users["editor"].locale = "zh_Hant"
    db.session.commit()
    auth = signed_in(app, "editor@example.org")
    assert save(auth, FILTER, "香港", str(world.org.id)).status_code == 302
    tracker = auth.client.get(f"/tracker?{FILTER}", headers={"Accept-Language": "zh-HK"})
    html = tracker.get_data(as_text=True)
    assert "儲存的檢視（1）" in html and "儲存此檢視" in html
    assert "已與Owning Organisation分享" in html and "管理儲存的檢視" in html
    for english in ("Saved views", "Save this view", "Name of the view", "Only me"):
        assert english not in html, english
    manage = page(auth, "/tracker/views")
    assert "我的檢視" in manage and "與我分享的檢視" in manage and "儲存更改" in manage
    response = save(auth, "position=noted", "")
    assert "請為檢視命名。" in response.get_data(as_text=True)


def test_the_tracker_asks_the_database_the_same_number_of_times_for_one_view_or_many(
        app, db, world, review, make_user):
    """The saved views list is one query, whoever owns the views (no query per view)."""
    from tests.test_tracker import counting_statements

    viewer = signed_in(app, "viewer@example.org")
    saved_views.save(world.users["editor"], "One", FILTER, world.org)
    db.session.commit()
    page(viewer, "/tracker")  # warm: the session, the caches
    with counting_statements(db.engine) as statements:
        assert len(saved_list(page(viewer, "/tracker"))) == 1
    one = len(statements)
    for n in range(5):
        owner = make_user(f"owner{n}@example.org", world.org, "editor")
        saved_views.save(owner, f"Theirs {n}", f"q=word{n}", world.org)
    db.session.commit()
    with counting_statements(db.engine) as statements:
        assert len(saved_list(page(viewer, "/tracker"))) == 6
    assert len(statements) == one
