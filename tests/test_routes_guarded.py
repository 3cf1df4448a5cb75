"""No route slips through unguarded (DESIGN.md, "Access").

Every endpoint in `app.url_map` is either public by the explicit list below (and its view says
so with `coalition.access.public`), or its view is wrapped by `coalition.access.guard`, which
names an action of the one policy, `coalition.access.RULES`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from coalition import create_app
from coalition.access import RULES, guard, public
from tests.conftest import base_config

# Deliberately open to everyone. Adding to this list is a security decision: review it.
PUBLIC_ENDPOINTS = {
    "static",
    "core.home",
    "core.healthz",
    # The language switch (issue 9): a cookie for anyone, the profile's locale when signed in.
    "core.set_language",
    "accounts.login",
    "accounts.logout",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.accept_invitation",
    # A published joint statement is public, with its PDF, DOCX and Markdown source.
    "statements.public_page",
    "statements.public_pdf",
    "statements.public_docx",
    "statements.public_markdown",
    # The list of published statements (issue 9), linked from the sign-in page.
    "statements.published",
    # API v1 (issue 10): published statements, as on the pages above (each one checked with
    # "statement.read_public"); the OpenAPI document and its browsable page.
    "api.statements",
    "api.statement",
    "api_pages.openapi",
    "api_pages.docs",
    # notify (issue 11): a digest's unsubscribe link works without signing in (signed token).
    "notifications.unsubscribe",
    # calendar (issue 12): the iCalendar feed a calendar app subscribes to without signing in;
    # it holds review dates only, public facts (tests/test_deadlines.py checks nothing else).
    "deadlines.feed",
}

# Endpoints whose view Flask itself provides, so the app cannot put a mark on the function:
# `static` is a lambda in flask.app calling `app.send_static_file`. It is public and must stay
# Flask's own (a replacement view under that name needs the @public mark and review).
FRAMEWORK_ENDPOINTS = {"static"}


def unguarded_endpoints(app: Flask) -> list[str]:
    """Every endpoint that breaks the rule, with the reason; an empty list when all is well."""
    problems: list[str] = []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for endpoint in sorted(endpoints):
        view = app.view_functions.get(endpoint)
        if view is None:
            problems.append(f"{endpoint}: in the url_map but has no view function")
            continue
        action = getattr(view, "access_action", None)
        marked_public = getattr(view, "access_public", False) is True
        if endpoint in FRAMEWORK_ENDPOINTS:
            flask_own = getattr(view, "__module__", None) == "flask.app"
            if not (flask_own or marked_public) or action is not None:
                problems.append(f"{endpoint}: expected Flask's own static view or @public")
            continue
        if endpoint in PUBLIC_ENDPOINTS:
            if not marked_public:
                problems.append(f"{endpoint}: listed as public but its view lacks @public")
            if action is not None:
                problems.append(f"{endpoint}: listed as public but also guarded by {action!r}")
            continue
        if marked_public:
            problems.append(f"{endpoint}: marked @public but not in PUBLIC_ENDPOINTS")
            continue
        if action is None:
            problems.append(f"{endpoint}: neither public nor guarded (use access.guard)")
        elif not isinstance(action, str) or action not in RULES:
            problems.append(f"{endpoint}: guarded by {action!r}, which is not in access.RULES")
    return problems


def _fresh_app(tmp_path: Any) -> Flask:
    # No database is touched: building the url_map needs none.
    return create_app(base_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}"))


def test_every_route_is_public_by_the_list_or_guarded(tmp_path: Any) -> None:
    app = _fresh_app(tmp_path)
    assert unguarded_endpoints(app) == []


def test_the_public_list_has_no_stale_entries(tmp_path: Any) -> None:
    app = _fresh_app(tmp_path)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS - endpoints == set()


def test_the_guarded_routes_are_the_ones_we_expect(tmp_path: Any) -> None:
    """A change of action on an existing route is visible in review, not silent."""
    app = _fresh_app(tmp_path)
    actions = {
        rule.endpoint: app.view_functions[rule.endpoint].access_action
        for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS
    }
    expected = {
        "accounts.profile": "profile.edit",
        "accounts.change_password": "profile.edit",
        "accounts.users": "user.manage",
        "accounts.new_user": "user.manage",
        "accounts.edit_user": "user.manage",
        "accounts.user_reset_link": "user.manage",
        "accounts.user_history": "user.history",
        "organisations.directory": "directory.view",
        "organisations.new": "organisation.create",
        "organisations.show": "organisation.view",
        "organisations.edit": "organisation.edit",
        "organisations.invite": "organisation.manage_members",
        "organisations.change_role": "organisation.manage_members",
        "organisations.remove_member": "organisation.manage_members",
        "organisations.revoke_invitation": "organisation.manage_members",
        "organisations.history": "organisation.history",
        "audit.log": "audit.view_log",
        # API v1 (issue 10): the same actions as the pages showing the same data.
        "api.reviews": "tracker.view",
        "api.review": "tracker.view",
        "api.recommendations": "tracker.view",
        "api.recommendation": "tracker.view",
        "api.responses": "tracker.view",
        "api.add_response": "tracker.manage",
        "api.assessments": "tracker.view",
        "api.add_assessment": "assessment.create",
        "api.states": "tracker.view",
        "api.themes": "tracker.view",
        "api.saved_views": "tracker.view",
        "api_pages.tokens": "profile.edit",
        "api_pages.revoke": "profile.edit",
    }
    # New guarded routes may be added freely; the existing ones keep their action.
    assert {k: actions.get(k) for k in expected} == expected


def test_the_checker_reports_an_unguarded_route(tmp_path: Any) -> None:
    app = _fresh_app(tmp_path)

    @app.route("/throwaway")
    def throwaway() -> str:
        return "anyone gets in"

    assert unguarded_endpoints(app) == [
        "throwaway: neither public nor guarded (use access.guard)"]


def test_the_checker_reports_public_routes_not_on_the_list(tmp_path: Any) -> None:
    app = _fresh_app(tmp_path)

    @app.route("/sneaky")
    @public
    def sneaky() -> str:
        return "marked public but nobody reviewed it"

    assert unguarded_endpoints(app) == ["sneaky: marked @public but not in PUBLIC_ENDPOINTS"]


def test_the_checker_reports_a_listed_route_without_the_mark(tmp_path: Any) -> None:
    app = _fresh_app(tmp_path)
    # Replace a public view by an unmarked one under the same endpoint.
    app.view_functions["core.healthz"] = lambda: "unmarked"

    assert unguarded_endpoints(app) == [
        "core.healthz: listed as public but its view lacks @public"]


def test_the_checker_reports_an_unknown_action(tmp_path: Any) -> None:
    app = _fresh_app(tmp_path)

    @app.route("/typo")
    @guard("organisation.veiw")
    def typo() -> str:
        return "guarded by an action the policy does not know"

    assert unguarded_endpoints(app) == [
        "typo: guarded by 'organisation.veiw', which is not in access.RULES"]


def test_the_checker_reports_guard_applied_above_route(tmp_path: Any) -> None:
    """`@guard` above `@route` guards nothing: the url_map holds the bare view."""
    app = _fresh_app(tmp_path)

    @guard("user.manage")
    @app.route("/upside-down")
    def upside_down() -> str:
        return "registered before it was wrapped"

    assert unguarded_endpoints(app) == [
        "upside_down: neither public nor guarded (use access.guard)"]
