"""Schemathesis against the API's own OpenAPI document (issue 10), through the WSGI app: every
operation, valid and invalid requests, with no token, a read token and a write token; no answer
may be a 5xx, and every answer must match the schema the document gives for its status.

Deterministic (derandomized Hypothesis, no example database) and bounded: MAX_EXAMPLES per
operation, mode and caller."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from coalition.extensions import db
from coalition.recommendations.services import add_assessment, import_file
from coalition.reviews.services import create_review
from tests.test_api import make_token

MAX_EXAMPLES = 15
# Valid requests as every caller; invalid ones (wrong types, missing fields, out-of-range
# values) as the read token's holder, who passes the door of every read.
RUNS = [(GenerationMode.POSITIVE, "none"), (GenerationMode.POSITIVE, "read"),
        (GenerationMode.POSITIVE, "write"), (GenerationMode.NEGATIVE, "read"),
        (GenerationMode.NEGATIVE, "write")]
CHECKS = [not_a_server_error, response_schema_conformance]
UPR_INFO_CSV = ("To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n"
                "China,Asia-Pacific,,Uphold rights in Hong Kong,Australia,WEOG,,Supported,4,"
                "Freedom of expression,31\r\n"
                "China,Asia-Pacific,,Abolish the death penalty,France,WEOG,,Noted,5,"
                "Death penalty,31\r\n")


def fresh_contexts(app: Flask) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The app as WSGI, each request in its own context (as a real server runs it), so that
    nothing of one request (g, the session) leaks into the next."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return contextvars.Context().run(lambda: list(app(environ, start_response)))

    return wsgi


@pytest.fixture
def scene(app: Flask, world: Any) -> dict[str, str]:
    app.config["PUBLIC_TRACKER"] = True  # anonymous callers read too
    review = create_review(None, "CHN", 3, session=31)
    import_file(None, "seed.csv", UPR_INFO_CSV.encode(), review)
    db.session.commit()
    from coalition.recommendations.models import Recommendation

    rec = db.session.query(Recommendation).first()
    add_assessment(world.users["editor"], rec, world.org, "partially", date(2021, 1, 1),
                   visibility="public")
    db.session.commit()
    return {"none": "", "read": make_token(world.users["viewer"]),
            "write": make_token(world.users["editor"], "write")}


def checked_calls(operation: Any, mode: GenerationMode,
                  headers: dict[str, str]) -> Callable[[], None]:
    """A Hypothesis test calling `operation` with generated requests (plus `headers`) and
    running CHECKS on each answer."""

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                         database=None, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if headers:
            case.headers = {**(case.headers or {}), **headers}
        case.call_and_validate(checks=CHECKS)

    return run


def test_schemathesis_finds_no_server_error_and_no_answer_off_its_schema(app: Flask, scene):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fresh_contexts(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    failures: list[str] = []
    for operation in operations:
        for mode, caller in RUNS:
            token = scene[caller]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            run = checked_calls(operation, mode, headers)
            try:
                run()
            except Exception as error:
                failures.append(f"{operation.label} ({mode.value}, {caller}): "
                                f"{str(error)[:2000]}")
    assert failures == [], "\n\n".join(failures)
