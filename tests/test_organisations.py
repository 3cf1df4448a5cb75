"""The directory, organisation pages, and membership management."""

from __future__ import annotations

from sqlalchemy import func, select

from coalition.audit.models import AuditEvent
from coalition.organisations.models import Membership, Organisation


def events(db) -> int:
    return db.session.execute(select(func.count(AuditEvent.id))).scalar_one()


def test_directory_lists_active_organisations_with_filters(world, make_org, auth, client):
    make_org("Closed Shop", active=False)
    make_org("Watchful Observers", kind="observer")
    auth.login("viewer@example.org")
    page = client.get("/organisations").get_data(as_text=True)
    assert "Owning Organisation" in page and "Steering Organisation" in page
    assert "Closed Shop" not in page
    steering = client.get("/organisations?steering=1").get_data(as_text=True)
    assert "Steering Organisation" in steering and "Other Organisation" not in steering
    observers = client.get("/organisations?kind=observer").get_data(as_text=True)
    assert "Watchful Observers" in observers and "Owning Organisation" not in observers
    search = client.get("/organisations?q=other").get_data(as_text=True)
    assert "Other Organisation" in search and "Owning Organisation" not in search


def test_organisation_page_shows_members_to_members_not_to_researchers(world, auth, client):
    auth.login("oviewer@example.org")
    page = client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    # Another organisation's member sees the names, not the e-mail addresses (issue 9).
    assert world.users["editor"].display_name in page
    assert "editor@example.org" not in page
    assert "Invite a member" not in page
    auth.logout()
    auth.login("researcher@example.org")
    page = client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    assert "Owning Organisation" in page
    assert "editor@example.org" not in page


def test_coordinator_creates_organisation_with_generated_slug(db, world, auth, client):
    auth.login("coordinator@example.org")
    response = auth.post("/organisations/new", {
        "name": "Hong Kong Unison", "short_name": "Unison", "kind": "member",
        "description": "Racial equality.", "active": "y", "website": "https://unison.org.hk"})
    assert response.status_code == 302
    org = db.session.execute(select(Organisation).where(
        Organisation.name == "Hong Kong Unison")).scalar_one()
    assert org.slug == "unison"
    assert client.get("/organisations/unison").status_code == 200
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "organisation.create")).scalars().all()[-1]
    assert event.changes["name"] == [None, "Hong Kong Unison"]


def test_duplicate_name_and_bad_fields_are_field_errors(db, world, auth):
    auth.login("coordinator@example.org")
    before = db.session.execute(select(func.count(Organisation.id))).scalar_one()
    response = auth.post("/organisations/new", {"name": "owning organisation", "kind": "member"})
    assert response.status_code == 400
    assert "Another organisation already has this name" in response.get_data(as_text=True)
    response = auth.post("/organisations/new", {"name": "New One", "kind": "member",
                                                "slug": "Not A Slug!", "website": "nope"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Website:" in text
    response = auth.post("/organisations/new", {"name": "New One", "kind": "member",
                                                "slug": "Not A Slug!"})
    assert "lower-case letters" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Organisation.id))).scalar_one() == before


def test_edit_organisation_records_before_and_after(db, world, auth, client):
    auth.login("coordinator@example.org")
    response = auth.post(f"/organisations/{world.org.slug}/edit", {
        "name": "Owning Organisation", "short_name": "OWN", "slug": world.org.slug,
        "kind": "member", "is_steering": "y", "description": "Now on the committee.",
        "active": "y"})
    assert response.status_code == 302
    history = client.get(f"/organisations/{world.org.slug}/history").get_data(as_text=True)
    assert "organisation.update" in history
    assert "is_steering" in history
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "organisation.update")).scalar_one()
    assert event.changes["is_steering"] == [False, True]


def test_org_admin_changes_a_role(db, world, auth):
    auth.login("admin@example.org")
    membership = world.users["viewer"].membership_in(world.org)
    response = auth.post(
        f"/organisations/{world.org.slug}/members/{membership.id}/role", {"role": "editor"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == "editor"


def test_last_org_admin_cannot_be_demoted_or_removed(db, world, auth):
    auth.login("admin@example.org")
    membership = world.users["org_admin"].membership_in(world.org)
    before = events(db)
    demote = auth.post(
        f"/organisations/{world.org.slug}/members/{membership.id}/role", {"role": "viewer"})
    assert demote.status_code == 400
    assert "at least one organisation admin" in demote.get_data(as_text=True)
    remove = auth.post(f"/organisations/{world.org.slug}/members/{membership.id}/remove")
    assert remove.status_code == 400
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == "org_admin"
    assert events(db) == before


def test_unknown_role_is_refused(db, world, auth):
    auth.login("admin@example.org")
    membership = world.users["viewer"].membership_in(world.org)
    response = auth.post(
        f"/organisations/{world.org.slug}/members/{membership.id}/role", {"role": "emperor"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == "viewer"


def test_org_admin_removes_a_member(db, world, auth, client):
    auth.login("admin@example.org")
    membership_id = world.users["viewer"].membership_in(world.org).id
    response = auth.post(f"/organisations/{world.org.slug}/members/{membership_id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership_id) is None
    page = client.get(f"/organisations/{world.org.slug}").get_data(as_text=True)
    assert "viewer@example.org" not in page


def test_membership_of_another_organisation_is_404(world, auth):
    auth.login("admin@example.org")
    foreign = world.users["other_viewer"].membership_in(world.other)
    response = auth.post(
        f"/organisations/{world.org.slug}/members/{foreign.id}/role", {"role": "editor"})
    assert response.status_code == 404


def test_unknown_organisation_is_404(world, auth, client):
    auth.login("viewer@example.org")
    assert client.get("/organisations/no-such-org").status_code == 404


def test_directory_is_paginated(make_org, world, auth, client):
    for n in range(55):
        make_org(f"Member {n:02d}")
    auth.login("viewer@example.org")
    first = client.get("/organisations").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/organisations?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert client.get("/organisations?page=abc").status_code == 200


def test_directory_query_count_does_not_grow_with_organisations(make_org, world, auth, app):
    """The directory runs a fixed number of SQL statements, however many rows it shows."""
    from sqlalchemy import event

    from coalition.extensions import db

    auth.login("viewer@example.org")

    def statements() -> int:
        seen: list[str] = []

        def count(*args) -> None:
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            auth.client.get("/organisations")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    few = statements()
    for n in range(30):
        make_org(f"Extra {n:02d}", is_steering=n % 2 == 0)
    assert statements() == few


def test_double_submit_of_a_new_organisation_gives_a_message_not_a_500(db, world, auth,
                                                                       monkeypatch):
    """Kind "double submits": two creations of one name at once; the unique index decides."""
    from coalition.organisations import services

    auth.login("coordinator@example.org")
    monkeypatch.setattr(services, "_check_unique", lambda values, current: None)
    response = auth.post("/organisations/new", {"name": "Owning Organisation",
                                                "kind": "member", "slug": "owning-2"})
    assert response.status_code == 400
    assert "Another organisation already has this name" in response.get_data(as_text=True)
