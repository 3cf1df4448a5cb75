"""Kind: "double submits" (issue 7, item 7): requests that arrive at the same moment, each in
its own thread with its own test client, app context and database connection, released
together by a barrier. Exactly one wins; the others get a clear 4xx, never a 500; the rules
hold (one account per invitation, an organisation keeps an admin, the coalition keeps a
coordinator, every wrong password counts, a reset link works once).

PostgreSQL only (row locks and concurrent transactions are what is tested); CI runs them in its
PostgreSQL pass (TEST_DATABASE_URL), and they are skipped on SQLite.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from coalition.accounts import services
from coalition.accounts.models import Invitation, SignInThrottle, User
from coalition.organisations.models import Membership
from tests.conftest import PASSWORD, AuthActions, csrf_from

pytestmark = pytest.mark.postgres

ROUNDS = 4  # collisions are likely in one round, certain over several


@pytest.fixture(autouse=True)
def _postgres_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is tested on PostgreSQL (set TEST_DATABASE_URL)")


def at_once(n: int, prepare: Callable[[int], Any], act: Callable[[int, Any], Any]) -> list[Any]:
    """Run prepare(i) in n threads, then act(i, prepared) in all of them at the same moment."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            prepared = prepare(i)
            barrier.wait(timeout=60)
            results[i] = act(i, prepared)
        except BaseException as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not errors, errors
    return results


def statuses(responses: list[Any]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def test_six_accepts_of_one_invitation_make_one_account_and_five_clear_refusals(
        app, db, world):
    _, token = services.create_invitation(world.users["org_admin"], world.org,
                                          "twice@example.org", "editor")
    db.session.commit()

    def prepare(i: int) -> tuple[Any, str]:
        client = app.test_client()
        return client, csrf_from(client.get(f"/invitations/{token}").get_data(as_text=True))

    def act(i: int, prepared: tuple[Any, str]) -> Any:
        client, csrf = prepared
        return client.post(f"/invitations/{token}", data={
            "csrf_token": csrf, "display_name": f"Person {i}",
            "new_password": f"password-number-{i}", "confirm": f"password-number-{i}"})

    responses = at_once(6, prepare, act)
    assert statuses(responses) == Counter({302: 1, 400: 5})
    for response in responses:
        if response.status_code == 400:
            assert "already been used" in response.get_data(as_text=True)
    db.session.expire_all()
    users = db.session.execute(select(User).where(User.email == "twice@example.org")).scalars()
    user = users.one()
    assert db.session.execute(select(func.count(Membership.id)).where(
        Membership.user_id == user.id)).scalar_one() == 1
    invitation = db.session.execute(select(Invitation)).scalar_one()
    assert invitation.accepted_by_id == user.id


def test_two_org_admins_demoting_each_other_at_once_leave_one_admin(app, db, world,
                                                                     make_user):
    first = world.users["org_admin"]
    second = make_user("second-admin@example.org", world.org, "org_admin")
    admins = {m.user_id: m.id for m in db.session.execute(select(Membership).where(
        Membership.organisation_id == world.org.id, Membership.role == "org_admin")).scalars()}
    # Plain values: the threads have no app context to load ORM attributes in.
    people = [(first.email, admins[second.id]), (second.email, admins[first.id])]
    slug = world.org.slug
    for _ in range(ROUNDS):
        def prepare(i: int) -> tuple[AuthActions, str]:
            auth = AuthActions(app.test_client())
            auth.login(people[i][0])
            return auth, auth.csrf(f"/organisations/{slug}")

        def act(i: int, prepared: tuple[AuthActions, str]) -> Any:
            auth, csrf = prepared
            return auth.client.post(f"/organisations/{slug}/members/{people[i][1]}/role",
                                    data={"csrf_token": csrf, "role": "editor"})

        responses = at_once(2, prepare, act)
        codes = statuses(responses)
        assert codes[302] == 1 and codes[500] == 0, codes
        assert set(codes) <= {302, 400, 403}
        db.session.expire_all()
        remaining = db.session.execute(select(func.count(Membership.id)).where(
            Membership.organisation_id == world.org.id,
            Membership.role == "org_admin")).scalar_one()
        assert remaining == 1
        for membership in db.session.execute(select(Membership).where(
                Membership.id.in_(admins.values()))).scalars():
            membership.role = "org_admin"  # both admins again for the next round
        db.session.commit()


def test_two_org_admins_removing_each_other_at_once_leave_one_admin(app, db, world,
                                                                     make_user):
    first = world.users["org_admin"]
    second = make_user("second-admin@example.org", world.org, "org_admin")
    admins = {m.user_id: m.id for m in db.session.execute(select(Membership).where(
        Membership.organisation_id == world.org.id, Membership.role == "org_admin")).scalars()}
    people = [(first.email, admins[second.id]), (second.email, admins[first.id])]
    slug = world.org.slug

    def prepare(i: int) -> tuple[AuthActions, str]:
        auth = AuthActions(app.test_client())
        auth.login(people[i][0])
        return auth, auth.csrf(f"/organisations/{slug}")

    def act(i: int, prepared: tuple[AuthActions, str]) -> Any:
        auth, csrf = prepared
        return auth.client.post(f"/organisations/{slug}/members/{people[i][1]}/remove",
                                data={"csrf_token": csrf})

    codes = statuses(at_once(2, prepare, act))
    assert codes[302] == 1 and codes[500] == 0, codes
    db.session.expire_all()
    assert db.session.execute(select(func.count(Membership.id)).where(
        Membership.organisation_id == world.org.id,
        Membership.role == "org_admin")).scalar_one() == 1


def test_two_coordinators_demoting_each_other_at_once_leave_one_coordinator(app, db,
                                                                             make_user):
    first = make_user("first@example.org", coalition_role="coordinator", name="First")
    second = make_user("second@example.org", coalition_role="coordinator", name="Second")
    a = (first.id, first.email, first.display_name)
    b = (second.id, second.email, second.display_name)
    people = [(a, b), (b, a)]  # (me, the other), as plain values
    for _ in range(ROUNDS):
        def prepare(i: int) -> tuple[AuthActions, str]:
            auth = AuthActions(app.test_client())
            auth.login(people[i][0][1])
            return auth, auth.csrf(f"/users/{people[i][1][0]}/edit")

        def act(i: int, prepared: tuple[AuthActions, str]) -> Any:
            auth, csrf = prepared
            other_id, email, name = people[i][1]
            return auth.client.post(f"/users/{other_id}/edit", data={
                "csrf_token": csrf, "email": email, "display_name": name,
                "coalition_role": "none", "active": "y"})

        codes = statuses(at_once(2, prepare, act))
        assert codes[302] == 1 and codes[500] == 0, codes
        db.session.expire_all()
        assert db.session.execute(select(func.count(User.id)).where(
            User.coalition_role == "coordinator", User.active.is_(True))).scalar_one() == 1
        for user in db.session.execute(select(User)).scalars():
            user.coalition_role = "coordinator"
        db.session.commit()


def test_concurrent_wrong_passwords_are_all_counted(app, db, make_user):
    make_user("amy@example.org")
    # No back-off in this test: every attempt is checked, and each must count.
    app.config.update(LOGIN_FREE_FAILURES=1000, LOGIN_IP_FREE_FAILURES=1000)
    n = 8

    def prepare(i: int) -> tuple[Any, str]:
        client = app.test_client()
        return client, AuthActions(client).csrf("/login")

    def act(i: int, prepared: tuple[Any, str]) -> Any:
        client, csrf = prepared
        return client.post("/login", data={"email": "amy@example.org",
                                           "password": f"wrong-{i}", "csrf_token": csrf})

    seen = statuses(at_once(n, prepare, act))
    # Every attempt is refused with a message, never a 500; on a loaded machine one may meet a
    # 429 (slowed down) instead of being checked. Every checked wrong password is counted.
    assert set(seen) <= {400, 429} and seen[400] >= n - 1
    counts = db.session.execute(select(SignInThrottle.failures)).scalars().all()
    assert len(counts) == 2 and min(counts) >= seen[400]  # the address and the client address


def test_one_reset_link_submitted_four_times_at_once_sets_one_password(app, db, make_user):
    user = make_user("amy@example.org")
    token = services.password_reset_token(user)
    version = user.session_version

    def prepare(i: int) -> tuple[Any, str]:
        client = app.test_client()
        return client, csrf_from(client.get(f"/password/reset/{token}").get_data(as_text=True))

    def act(i: int, prepared: tuple[Any, str]) -> Any:
        client, csrf = prepared
        return client.post(f"/password/reset/{token}", data={
            "csrf_token": csrf, "new_password": f"new-password-{i}",
            "confirm": f"new-password-{i}"})

    responses = at_once(4, prepare, act)
    assert statuses(responses) == Counter({302: 1, 400: 3})
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == version + 1
    auth = AuthActions(app.test_client())
    assert auth.login("amy@example.org", f"new-password-{winner}").status_code == 302
    assert AuthActions(app.test_client()).login("amy@example.org", PASSWORD).status_code == 400
