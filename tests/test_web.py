"""Error pages, CSRF, request size, security headers: what a browser sees when things go wrong."""

from __future__ import annotations

from sqlalchemy import func, select

from coalition.organisations.models import Organisation


def test_404_page_has_no_stack_trace(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Not found" in text and "Traceback" not in text


def test_405_page(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_500_page_hides_the_error_and_rolls_back(app, db, client, make_org, caplog):
    make_org("Before the crash")

    @app.route("/boom-test")
    def boom() -> str:
        from coalition.organisations.services import create_organisation

        create_organisation(None, name="Half written")
        raise RuntimeError("secret internals")

    boom.access_public = True
    response = client.get("/boom-test")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in text
    assert "secret internals" not in text and "Traceback" not in text
    names = set(db.session.execute(select(Organisation.name)).scalars())
    assert "Half written" not in names


def test_forged_csrf_token_is_refused_and_nothing_changes(db, world, auth):
    auth.login("coordinator@example.org")
    before = db.session.execute(select(func.count(Organisation.id))).scalar_one()
    response = auth.client.post("/organisations/new", data={
        "name": "Forged", "kind": "member", "csrf_token": "forged-token"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    response = auth.client.post("/organisations/new", data={"name": "Forged", "kind": "member"})
    assert response.status_code == 400
    assert db.session.execute(select(func.count(Organisation.id))).scalar_one() == before


def test_oversized_request_body_gets_413(app, world, auth):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    auth.login("coordinator@example.org")
    response = auth.post("/organisations/new", {"name": "x", "description": "x" * 5000})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(world, auth, client):
    auth.login("coordinator@example.org")
    for path in ("/", "/organisations", f"/organisations/{world.org.slug}", "/users",
                 "/audit", "/profile"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_json_errors_for_json_clients(client):
    response = client.get("/no/such/thing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_anonymous_is_sent_to_sign_in_and_brought_back(world, client, auth):
    response = client.get(f"/organisations/{world.org.slug}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "next=" in response.headers["Location"]


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_audit_log_filters_and_rejects_bad_dates(world, auth, client):
    auth.login("coordinator@example.org")
    page = client.get("/audit?action=organisation.create").get_data(as_text=True)
    assert "Owning Organisation" in page and "user.create" not in page.split("<tbody>")[1]
    bad = client.get("/audit?since=yesterday")
    assert bad.status_code == 400
    assert "use a date like" in bad.get_data(as_text=True)
