"""Sign-in, profile, passwords, and the coordinator's account pages (back-off after failed
sign-ins: test_sign_in_backoff.py; sessions: test_sessions.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from tests.conftest import PASSWORD


def count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_sign_in_with_right_password_then_sign_out(make_user, auth, client):
    make_user("amy@example.org", name="Amy Lau")
    response = auth.login("AMY@Example.org")  # the email is matched whatever its case
    assert response.status_code == 302
    assert "Welcome, Amy Lau" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/profile").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(make_user, auth):
    make_user("amy@example.org")
    wrong = auth.login("amy@example.org", "not-the-password")
    unknown = auth.login("nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)
    assert "Email or password is incorrect." in unknown.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(make_user, auth):
    make_user("gone@example.org", active=False)
    response = auth.login("gone@example.org")
    assert response.status_code == 400
    assert "deactivated" in response.get_data(as_text=True)


def test_open_redirect_after_sign_in_is_refused(make_user, client, auth):
    make_user("amy@example.org")
    token = auth.csrf("/login")
    response = client.post("/login?next=https://evil.example/", data={
        "email": "amy@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_session_cookie_flags(make_user, auth):
    make_user("amy@example.org")
    response = auth.login("amy@example.org", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, db_url):
    from coalition import create_app

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": db_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_profile_edit_is_audited(db, make_user, auth, client):
    user = make_user("amy@example.org", name="Amy")
    auth.login("amy@example.org")
    response = auth.post("/profile", {"display_name": "Amy Lau", "locale": "zh_Hant"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.display_name, user.locale) == ("Amy Lau", "zh_Hant")
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "user.update_profile")).scalar_one()
    assert event.changes["display_name"] == ["Amy", "Amy Lau"]
    history = client.get(f"/users/{user.id}/history").get_data(as_text=True)
    assert "user.update_profile" in history


def test_profile_rejects_unknown_language_with_field_message(db, make_user, auth):
    make_user("amy@example.org", name="Amy")
    auth.login("amy@example.org")
    response = auth.post("/profile", {"display_name": "Amy", "locale": "klingon"})
    assert response.status_code == 400
    assert "Language:" in response.get_data(as_text=True)


def test_change_password_signs_out_other_sessions(app, db, make_user, auth, client):
    make_user("amy@example.org")
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login("amy@example.org")
    assert other.get("/profile").status_code == 200
    auth.login("amy@example.org")
    response = auth.post("/profile/password", {
        "current_password": PASSWORD, "new_password": "a-new-long-password",
        "confirm": "a-new-long-password"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # this session stays signed in
    assert other.get("/profile").status_code == 302  # the other device is signed out
    auth.logout()
    assert auth.login("amy@example.org", "a-new-long-password").status_code == 302


def test_change_password_with_wrong_current_password_changes_nothing(db, make_user, auth):
    user = make_user("amy@example.org")
    before = user.password_hash
    auth.login("amy@example.org")
    response = auth.post("/profile/password", {
        "current_password": "wrong", "new_password": "a-new-long-password",
        "confirm": "a-new-long-password"})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_short_new_password_is_refused(make_user, auth):
    make_user("amy@example.org")
    auth.login("amy@example.org")
    response = auth.post("/profile/password", {
        "current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert "New password:" in response.get_data(as_text=True)


def test_coordinator_creates_user_and_duplicate_email_in_other_case_is_refused(
        db, make_user, auth):
    make_user("boss@example.org", coalition_role="coordinator")
    auth.login("boss@example.org")
    response = auth.post("/users/new", {"email": "New.Person@Example.org",
                                        "display_name": "New Person", "coalition_role": "none",
                                        "active": "y", "new_password": ""})
    assert response.status_code == 302
    assert db.session.execute(select(User).where(
        User.email == "new.person@example.org")).scalar_one()
    users_before = count(db, User)
    events_before = count(db, AuditEvent)
    again = auth.post("/users/new", {"email": "NEW.PERSON@example.org",
                                     "display_name": "Twin", "coalition_role": "none",
                                     "active": "y"})
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)
    assert count(db, User) == users_before
    assert count(db, AuditEvent) == events_before


def test_last_coordinator_cannot_be_demoted_or_deactivated(db, make_user, auth):
    boss = make_user("boss@example.org", coalition_role="coordinator", name="Boss")
    auth.login("boss@example.org")
    for data in ({"coalition_role": "none", "active": "y"},
                 {"coalition_role": "coordinator"}):
        response = auth.post(f"/users/{boss.id}/edit", {
            "email": "boss@example.org", "display_name": "Boss", **data})
        assert response.status_code == 400
        assert "last active coordinator" in response.get_data(as_text=True)
    db.session.expire_all()
    boss = db.session.get(User, boss.id)
    assert boss.coalition_role == "coordinator" and boss.active


def test_second_coordinator_can_be_demoted(db, make_user, auth):
    make_user("boss@example.org", coalition_role="coordinator")
    deputy = make_user("deputy@example.org", coalition_role="coordinator", name="Deputy")
    auth.login("boss@example.org")
    response = auth.post(f"/users/{deputy.id}/edit", {
        "email": "deputy@example.org", "display_name": "Deputy", "coalition_role": "researcher",
        "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, deputy.id).coalition_role == "researcher"


def test_deactivating_a_user_signs_them_out(app, db, make_user, auth):
    make_user("boss@example.org", coalition_role="coordinator")
    amy = make_user("amy@example.org", name="Amy")
    from tests.conftest import AuthActions

    amy_client = app.test_client()
    AuthActions(amy_client).login("amy@example.org")
    auth.login("boss@example.org")
    auth.post(f"/users/{amy.id}/edit", {"email": "amy@example.org", "display_name": "Amy",
                                         "coalition_role": "none"})
    assert amy_client.get("/profile").status_code == 302


def test_users_list_filters(make_user, auth, client):
    make_user("boss@example.org", coalition_role="coordinator", name="Boss")
    make_user("rae@example.org", coalition_role="researcher", name="Rae Researcher")
    make_user("amy@example.org", name="Amy")
    auth.login("boss@example.org")
    page = client.get("/users?role=researcher").get_data(as_text=True)
    assert "Rae Researcher" in page and "Amy" not in page
    page = client.get("/users?q=amy").get_data(as_text=True)
    assert "amy@example.org" in page and "rae@example.org" not in page


def test_double_submit_unique_constraint_gives_a_field_message_not_a_500(
        db, make_user, auth, monkeypatch):
    """Kind "double submits": when the check-then-insert loses a race (simulated here by the
    check missing the row another request just committed), the unique index decides and the
    person sees a message; nothing half-made is kept."""
    from coalition.accounts import services

    make_user("boss@example.org", coalition_role="coordinator")
    make_user("amy@example.org")
    auth.login("boss@example.org")
    monkeypatch.setattr(services, "get_by_email", lambda email: None)
    response = auth.post("/users/new", {"email": "amy@example.org", "display_name": "Amy 2",
                                        "coalition_role": "none", "active": "y"})
    assert response.status_code == 400
    assert "An account with this email already exists." in response.get_data(as_text=True)
    assert count(db, User) == 2
