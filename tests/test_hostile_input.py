"""Bad input gets a 4xx, never a 500 (issue 7 item 16), as one kind with one walk.

The walk visits EVERY route of `app.url_map`, as an anonymous visitor, a member, a steering
member and the coordinator, with hostile values in every integer path parameter (2**31 and
10**25: past PostgreSQL's `integer`, past SQLite's 64 bits), in every query argument and form
field the site knows (NUL bytes, control characters, 25-digit numbers, far dates, very long
strings), and JSON arrays, scalars and wrong types as the body of every JSON endpoint. CSRF is
off for the walk so the bodies reach the views. It fails on any 5xx, listing the routes.

The cases named in the issue are also tests of their own below, each asserting what the user
notices (a 404/400, the text kept without its NUL byte, a DOCX that opens)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.routing import Rule

from coalition.core.inputs import DB_INT_MAX
from coalition.extensions import db
from coalition.statements import services as statements
from coalition.statements.models import Comment, Revision, Statement
from tests.conftest import PASSWORD, AuthActions

BIG = 10**25
OVER = 2**31  # the first value past PostgreSQL's `integer`
NUL_TEXT = "before\x00after\x01\x08\x0b\x1f\x7f\ufffe\uffff end"
HOSTILE_VALUES = [NUL_TEXT, str(BIG), str(OVER), "9999-12-31", "x" * 20_000]
# The other roles reach mostly the same views: the two values that broke most, to keep the
# walk's time reasonable.
FEWER_VALUES = [NUL_TEXT, str(BIG)]
HOSTILE_JSON: list[Any] = [
    [], ["text"], "text", BIG, None, {},
    {"base_number": BIG, "text": NUL_TEXT}, {"base_number": "1", "text": ["a"]},
    {"base_number": -1, "text": {"a": 1}}, {"text": "x" * 300_000},
    {"base_number": 1, "text": "lone \udcff surrogate"},
]
# Query arguments the views read (tracker facets, pagination, audit filters, diff, directory).
QUERY_ARGS = ["page", "q", "review", "cycle", "state", "group", "theme", "sdg", "affected",
              "position", "category", "territory", "status", "assessed_by", "sort", "a", "b",
              "since", "until", "action", "object_type", "organisation_id", "actor_id", "kind",
              "steering", "inactive", "role", "active", "email", "next",
              "lead", "overdue", "scope", "rec",
              "coalition", "overall"]  # followup, positions (issue 11): the last lines
# Bytes that are not UTF-8 (a lone surrogate's encoding, a NUL), as a raw query string.
RAW_QUERY = "&".join(f"{k}=%ED%B3%BF%00%C3" for k in QUERY_ARGS)
# Form fields read outside a FlaskForm (the conflict page's choices, the sign form).
RAW_FORM_FIELDS = ["choice-0", "custom-0", "choice-1", "organisation", "parent_id"]
ROLES = ["anonymous", "viewer", "steering", "coordinator"]
EMAILS = {"viewer": "viewer@example.org", "steering": "steering@example.org",
          "coordinator": "coordinator@example.org"}


def form_fields() -> list[str]:
    """Every field name of every form of the site, found by walking FlaskForm's subclasses."""
    import coalition.accounts.forms
    import coalition.dashboards.forms  # positions (issue 11)
    import coalition.followup.forms  # followup (issue 11)
    import coalition.notifications.forms  # notify (issue 11)
    import coalition.organisations.forms
    import coalition.recommendations.forms
    import coalition.reviews.forms
    import coalition.statements.forms  # noqa: F401

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = {name for form in subclasses(FlaskForm) if form.__module__.startswith("coalition")
             for name, value in vars(form).items()
             if hasattr(value, "field_class")}
    return sorted(names | set(RAW_FORM_FIELDS))


@pytest.fixture
def scene(app: Flask, world: Any) -> dict[str, Any]:
    """Something behind every kind of id: a published statement with a comment and a kept
    conflict, a review with its recommendations, an invitation, a membership."""
    from coalition.accounts.services import create_invitation
    from coalition.organisations.models import Membership
    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import import_file
    from coalition.reviews.services import create_review
    from tests.test_recommendations import ROWS, matrix_docx

    users = world.users
    text = "We welcome the adoption.\n\nWe urge the Government to act.\n"
    statement = statements.create_statement(users["editor"], world.org, "Joint statement", "",
                                            "oral", "en", [world.other], text)
    db.session.commit()
    statements.add_comment(users["editor"], statement, world.org, "A comment", "", None)
    outcome = statements.save_text(users["editor"], statement, world.org, 1,
                                   text.replace("welcome", "warmly welcome"))
    db.session.commit()
    clash = statements.save_text(users["other_editor"], statement, world.other, 1,
                                 text.replace("welcome", "acknowledge"))
    db.session.commit()
    assert outcome.kind == "saved" and clash.kind == "conflict"
    published = statements.create_statement(users["editor"], world.org, "Published", "",
                                            "oral", "en", [], "Published text.\n")
    db.session.commit()
    from datetime import timedelta

    from coalition.core.time import utcnow

    statements.transition(users["steering"], published, "open_signon",
                          utcnow() + timedelta(days=3))
    statements.sign(users["org_admin"], published, world.org)
    statements.transition(users["steering"], published, "publish")
    review = create_review(None, "CHN", 3, session=31, report_symbol="A/HRC/40/6",
                           responses_symbol="A/HRC/40/6/Add.1")
    import_file(None, "matrix.docx", matrix_docx(ROWS), review)
    invitation = create_invitation(users["org_admin"], world.org, "invitee@example.org",
                                   "viewer")
    db.session.commit()
    invitation_id = invitation[0].id if isinstance(invitation, tuple) else invitation.id
    rec_id = db.session.scalars(select(Recommendation.id)).first()
    from datetime import date

    from coalition.recommendations.services import add_assessment

    assessment = add_assessment(users["editor"], db.session.get(Recommendation, rec_id),
                                world.org, "partially", date(2021, 1, 1), "Evidence.")
    from coalition.recommendations.saved_views import save as save_view

    view = save_view(users["viewer"], "Hong Kong", "territory=Hong+Kong")
    db.session.commit()
    comment_id = db.session.scalars(select(Comment.id)).first()
    membership_id = db.session.scalars(select(Membership.id).where(
        Membership.user_id == users["viewer"].id)).first()
    # midterm (issue 11, item 7): a coalition position, so the review's mid-term assessment
    # has a tracked recommendation to report (its page, draft and downloads do real work).
    from coalition.followup.models import CoalitionPosition

    db.session.add(CoalitionPosition(recommendation_id=rec_id, status="partially",
                                     adopted_on=date(2021, 2, 1), reason="Hostile walk."))
    # --- end midterm ---
    from coalition.accounts.services import start_session
    from coalition.statements.models import ConflictCopy

    # A signed-in device of the viewer's (the profile's "sign out" per session takes its id).
    session_id = start_session(users["viewer"], False, "Hostile walk", "127.0.0.1").id
    db.session.commit()

    return {
        "statement_id": statement.id, "published_id": published.id,
        "conflict_id": db.session.scalars(select(ConflictCopy.id)).first(),
        "comment_id": comment_id, "rec_id": rec_id, "job_id": 1,
        "assessment_id": assessment.id, "view_id": view.id,
        "user_id": users["viewer"].id, "membership_id": membership_id,
        "invitation_id": invitation_id, "number": 1, "session_id": session_id,
        "slug": world.org.slug, "review_slug": review.slug,
        "token": "not-a-real-token", "action": "submit", "filename": "app.js",
        # API v1 (issue 10): a review by slug; a personal API token's id (none exists: 404).
        "ref": review.slug, "token_id": 1,
        **followup_values(world, rec_id),  # followup (issue 11)
        # notify (issue 11): a notification of the viewer's.
        "notification_id": notification_scene(world),
        **submission_values(world, review),  # submissions (issue 12)
        **ask_values(world, review, rec_id),  # asks (issue 12)
    }


def submission_values(world: Any, review: Any) -> dict[str, int]:
    """submissions (issue 12): world.org's joint draft with world.other invited."""
    from coalition.submissions import services as submissions

    joint = submissions.create_submission(world.users["editor"], review, "Hostile submission",
                                          "joint", world.org, [world.other.id])
    db.session.commit()
    return {"submission_id": joint.id, "participant_id": joint.participants[0].id}


def ask_values(world: Any, review: Any, rec_id: int) -> dict[str, int]:
    """asks (issue 12): an ask of world.org's individual draft, linked to {rec_id}."""
    from coalition.impact import services as impact
    from coalition.submissions import services as submissions

    solo = submissions.create_submission(world.users["editor"], review, "Hostile asks",
                                         "individual", world.org)
    ask = impact.add_ask(world.users["editor"], solo, "An ask of the hostile walk.")
    link = impact.link_by_hand(world.users["editor"], ask, f"#{rec_id}")
    db.session.commit()
    return {"ask_submission_id": solo.id, "ask_id": ask.id, "link_id": link.id}


def followup_values(world: Any, rec_id: int) -> dict[str, int]:
    """followup (issue 11): a plan of `rec_id` led by world.org and an action with a file."""
    from flask import current_app

    from tests.followup_scene import seed_plan_with_evidence

    return seed_plan_with_evidence(current_app, world, rec_id)


def notification_scene(world: Any) -> int:  # notify (issue 11)
    from coalition.notifications.services import notify

    [row] = notify([world.users["viewer"]], "mention", "Hostile walk")
    db.session.commit()
    return row.id


@pytest.fixture
def statement_id(app: Flask, world: Any) -> int:
    """A draft of world.org with two revisions (for the cases that need only a statement)."""
    users = world.users
    text = "We welcome the adoption.\n\nWe urge the Government to act.\n"
    statement = statements.create_statement(users["editor"], world.org, "Joint statement", "",
                                            "oral", "en", [world.other], text)
    db.session.commit()
    statements.save_text(users["editor"], statement, world.org, 1,
                         text.replace("welcome", "warmly welcome"))
    db.session.commit()
    return statement.id


def real_values(rule: Rule, scene: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):  # fixed by the rule itself (/exports/responses)
            continue
        if name == "slug":
            values[name] = scene["review_slug"] if rule.rule.startswith("/reviews") \
                else scene["slug"]
        elif name == "statement_id" and rule.rule.startswith("/s/"):
            values[name] = scene["published_id"]
        elif name == "submission_id" and "/asks" in rule.rule:  # asks (issue 12)
            values[name] = scene["ask_submission_id"]
        else:
            values[name] = scene[name]
    return values


def int_params(rule: Rule) -> list[str]:
    return [name for name, conv in rule._converters.items()
            if type(conv).__name__.lower().startswith(("integer", "int", "bounded"))]


def build(rule: Rule, values: dict[str, Any]) -> str:
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[a-z]+:)?" + name + ">", str(value), path)
    return path


class Walker:
    def __init__(self, app: Flask, role: str) -> None:
        self.app, self.role = app, role
        self.client = app.test_client()
        self.failures: list[str] = []
        self.requests = 0
        self.login()

    def login(self) -> None:
        if self.role == "anonymous":
            return
        response = self.client.post("/login", data={"email": EMAILS[self.role],
                                                    "password": PASSWORD})
        assert response.status_code == 302, (self.role, response.status_code)

    def send(self, method: str, path: str, **kwargs: Any) -> None:
        self.requests += 1
        response = self.client.open(path, method=method, **kwargs)
        if response.status_code >= 500:
            what = kwargs.get("data") or kwargs.get("query_string") or kwargs.get("json")
            shown = repr(what)[:120] if what is not None else ""
            self.failures.append(f"{self.role}: {method} {path[:120]} {shown} -> "
                                 f"{response.status_code}")
        if path.startswith("/logout") or (self.role != "anonymous" and path.startswith(
                ("/profile/password", "/login"))):
            self.client = self.app.test_client()
            self.login()


def walk(app: Flask, scene: dict[str, Any], role: str) -> Walker:
    walker = Walker(app, role)
    fields = form_fields()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    # Sign-out last: the rest of the walk is signed in.
    rules.sort(key=lambda r: r.endpoint == "accounts.logout")
    for rule in rules:
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        real = real_values(rule, scene)
        for method in methods:
            # 1. Every integer path parameter out of the database's range: 404, not 500.
            if role in ("anonymous", "coordinator"):
                for name in int_params(rule):
                    for big in (OVER, BIG):
                        walker.send(method, build(rule, {**real, name: big}))
                for name in rule.arguments - set(int_params(rule)):
                    walker.send(method, build(rule, {**real, name: "a%00b%01"}))
            path = build(rule, real)
            values = HOSTILE_VALUES if role == "coordinator" else FEWER_VALUES
            # 2. Every known query argument hostile at once (POST views read few: once; query
            # arguments are cut at 2,000 characters, so the long string is for forms only).
            for value in values[:4] if method == "GET" else values[:1]:
                walker.send(method, path, query_string={k: value for k in QUERY_ARGS})
            if method == "GET":
                walker.send(method, path, query_string=RAW_QUERY)
            if method != "POST":
                continue
            # 3. Every known form field hostile at once.
            for value in values:
                walker.send("POST", path, data={k: value for k in fields})
            # 4. JSON endpoints: arrays, scalars, wrong types, invalid JSON.
            if getattr(view, "json_schema", None) is not None:
                for body in HOSTILE_JSON:
                    walker.send("POST", path, data=json.dumps(body),
                                content_type="application/json",
                                headers={"Accept": "application/json"})
                walker.send("POST", path, data=b"{not json\x00",
                            content_type="application/json")
    return walker


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_hostile_input_without_a_5xx(app: Flask, scene: dict[str, Any],
                                                         role: str) -> None:
    """The kind: any value too big, any NUL or control character, any JSON shape, anywhere."""
    app.config["WTF_CSRF_ENABLED"] = False  # so that the bodies reach the views
    walker = walk(app, scene, role)
    assert walker.requests > 200
    assert not walker.failures, "5xx on:\n" + "\n".join(walker.failures)


def test_the_json_endpoints_declare_a_schema(app: Flask) -> None:
    """Every view that reads a JSON body checks it against a schema (the walk sends them
    arrays and scalars)."""
    marked = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, "json_schema", None) is not None}
    assert {"statements.autosave", "statements.heartbeat", "statements.preview"} <= marked


# --- the cases of the issue, one by one -----------------------------------------------------

def member(app: Flask, email: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    assert auth.login(email).status_code == 302
    return auth


@pytest.mark.parametrize("path", [f"/recommendations/{'9' * 25}", f"/s/{OVER}",
                                  f"/s/{BIG}.docx", f"/statements/{OVER}/edit",
                                  f"/users/{BIG}/edit", f"/imports/{OVER}"])
def test_ids_too_big_for_the_database_are_not_found(app: Flask, world: Any,
                                                     path: str) -> None:
    """Integer ids past the database's range: the bounded converter answers 404."""
    coordinator = member(app, "coordinator@example.org")
    assert coordinator.client.get(path).status_code == 404


def test_the_int_converter_keeps_every_id_in_the_database_range(app: Flask) -> None:
    adapter = app.url_map.bind("coalition.test")
    assert adapter.match(f"/s/{DB_INT_MAX}")[1] == {"statement_id": DB_INT_MAX}
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        adapter.match(f"/s/{DB_INT_MAX + 1}")


def test_restore_of_a_revision_number_too_big_is_not_found(app: Flask, world: Any,
                                                           statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    response = editor.post(f"/statements/{statement_id}/restore/{BIG}")
    assert response.status_code == 404


@pytest.mark.parametrize("query", [f"page={BIG}", f"review={BIG}", f"review={OVER}",
                                   f"theme=-{BIG}", f"page={OVER}"])
def test_integer_query_arguments_out_of_range_are_a_clear_400(app: Flask, world: Any,
                                                              query: str) -> None:
    coordinator = member(app, "coordinator@example.org")
    response = coordinator.client.get(f"/tracker?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert name in response.get_data(as_text=True)


def test_audit_log_with_a_far_date_is_a_clear_400(app: Flask, world: Any) -> None:
    coordinator = member(app, "coordinator@example.org")
    response = coordinator.client.get("/audit?until=9999-12-31")
    assert response.status_code == 400
    assert "Until" in response.get_data(as_text=True)
    assert coordinator.client.get("/audit?since=0001-01-01&until=2026-01-31").status_code in (
        200, 400)
    assert coordinator.client.get(f"/audit?organisation_id={BIG}").status_code == 400


def test_diff_with_revision_numbers_too_big_is_a_4xx(app: Flask, world: Any,
                                                     statement_id: int) -> None:
    coordinator = member(app, "coordinator@example.org")
    response = coordinator.client.get(f"/statements/{statement_id}/diff?a=1&b={BIG}")
    assert 400 <= response.status_code < 500


def test_a_base_number_too_big_is_a_form_error_and_the_text_stays(
        app: Flask, world: Any, statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    response = editor.post(f"/statements/{statement_id}/edit",
                           data={"base_number": str(BIG), "text": "My careful paragraph.",
                                 "organisation": str(world.org.id)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "My careful paragraph." in html


def test_a_parent_id_too_big_is_refused(app: Flask, world: Any, statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    response = editor.post(f"/statements/{statement_id}/comments",
                           data={"body": "A reply", "parent_id": str(BIG)})
    assert 400 <= response.status_code < 500
    db.session.rollback()
    assert db.session.scalar(select(Comment.id).where(Comment.body == "A reply")) is None


# --- NUL bytes and control characters: removed, the rest of the text kept ------------------

def test_a_nul_byte_in_a_statement_text_is_removed_and_the_text_saved(
        app: Flask, world: Any, statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    sid = statement_id
    head = db.session.get(Statement, sid).head_number
    pasted = "Pasted from a PDF:\x00 the Government\x0c must act.\tNow.\r\nEnd."
    response = editor.post(f"/statements/{sid}/edit",
                           data={"base_number": str(head), "text": pasted,
                                 "organisation": str(world.org.id), "summary": "pa\x00ste"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.rollback()
    latest = db.session.scalars(select(Revision).where(
        Revision.document_id == Statement.document_id, Statement.id == sid)
                                .order_by(Revision.number.desc())).first()
    assert "Pasted from a PDF: the Government must act.\tNow." in latest.text


def test_a_nul_byte_at_sign_in_and_in_search_is_harmless(app: Flask, world: Any) -> None:
    client = app.test_client()
    auth = AuthActions(client)
    token = auth.csrf("/login")
    response = client.post("/login", data={"email": "viewer@example.org\x00",
                                           "password": "x\x00", "csrf_token": token})
    assert response.status_code in (200, 400)
    viewer = member(app, "viewer@example.org")
    assert viewer.client.get("/tracker?q=hong\x00kong").status_code == 200
    assert viewer.client.get("/organisations?q=a\x00b").status_code == 200


def test_a_nul_byte_in_a_comment_and_the_profile_is_removed(app: Flask, world: Any,
                                                           statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    response = editor.post(f"/statements/{statement_id}/comments",
                           data={"body": "Com\x00ment kept", "quote": ""})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Comment.id).where(Comment.body == "Comment kept"))
    response = editor.post("/profile", data={"name": "Edi\x00tor", "locale": "en"})
    assert response.status_code in (200, 302)


def test_autosave_with_a_nul_byte_keeps_the_text(app: Flask, world: Any,
                                                 statement_id: int) -> None:
    editor = member(app, "editor@example.org")
    sid = statement_id
    head = db.session.get(Statement, sid).head_number
    token = editor.csrf("/profile")
    response = editor.client.post(f"/statements/{sid}/autosave",
                                  json={"base_number": head, "text": "Half\x00 typed"},
                                  headers={"X-CSRFToken": token})
    assert response.status_code == 200
    html = editor.client.get(f"/statements/{sid}/edit").get_data(as_text=True)
    assert "Half typed" in html


@pytest.mark.parametrize("body", [[], ["text"], "text", 7, {"base_number": BIG, "text": "a"},
                                  {"base_number": 1, "text": ["a"]}, {"text": "a"}])
def test_autosave_with_a_body_of_the_wrong_shape_is_a_400_json(
        app: Flask, world: Any, statement_id: int, body: Any) -> None:
    editor = member(app, "editor@example.org")
    token = editor.csrf("/profile")
    response = editor.client.post(f"/statements/{statement_id}/autosave",
                                  data=json.dumps(body), content_type="application/json",
                                  headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["message"]


def test_control_characters_in_a_published_text_still_export(app: Flask, world: Any) -> None:
    """Text stored before the filter (or typed through an import) with characters XML refuses:
    the public DOCX and PDF are still made, without those characters."""
    import docx

    from coalition.core.time import utcnow

    users = world.users
    statement = statements.create_statement(users["editor"], world.org, "Title\x0b here", "",
                                            "oral", "en", [], "Para\x01graph one.\x0c\n\n"
                                            "- item\x1f two\n")
    db.session.commit()
    from datetime import timedelta

    statements.transition(users["steering"], statement, "open_signon",
                          utcnow() + timedelta(days=3))
    statements.sign(users["org_admin"], statement, world.org)
    statements.transition(users["steering"], statement, "publish")
    db.session.commit()
    client = app.test_client()
    response = client.get(f"/s/{statement.id}.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert "Paragraph one." in texts and "item two" in texts
    assert client.get(f"/s/{statement.id}.pdf").status_code == 200


def test_autosave_with_json_nested_too_deeply_is_a_400_json(app: Flask, world: Any,
                                                           statement_id: int) -> None:
    """Kind: a body the JSON parser cannot take is a 400, not a 500 (RecursionError escaped
    `get_json(silent=True)`; found by trying the issue as an attacker would)."""
    editor = member(app, "editor@example.org")
    token = editor.csrf("/profile")
    response = editor.client.post(f"/statements/{statement_id}/autosave",
                                  data='{"text": ' + "[" * 100_000,
                                  content_type="application/json",
                                  headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400
    assert response.is_json and "nested too deeply" in response.get_json()["message"]


def test_an_organisation_id_too_big_in_a_choice_is_a_form_error_and_the_text_stays(
        app: Flask, world: Any, statement_id: int) -> None:
    """Kind: ids in select fields (coerce=int) reached the database unbounded (500 for the
    coordinator's "Saving for"); every id SelectField now coerces with `db_int`."""
    coordinator = member(app, "coordinator@example.org")
    token = coordinator.csrf(f"/statements/{statement_id}/edit")
    head = db.session.get(Statement, statement_id).head_number
    response = coordinator.client.post(f"/statements/{statement_id}/edit", data={
        "csrf_token": token, "base_number": head, "organisation": str(10**25),
        "text": "Words typed by the coordinator.", "summary": ""})
    assert response.status_code == 400
    assert "Words typed by the coordinator." in response.get_data(as_text=True)
