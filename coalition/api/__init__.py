"""API v1 (issue 10): flask-smorest over the existing services, documented in OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

API_PREFIX = "/api/v1"

SPEC_OPTIONS: dict[str, Any] = {
    "info": {"description": (
        "The coalition's UPR data. Lists answer `{\"items\": [...], \"next\": CURSOR}`: pass "
        "`cursor=<next>` for the following page until `next` is null; `limit` is 1 to 500 "
        "(default 50; more is refused with 400). Every answer has an ETag: send it back as "
        "If-None-Match and an unchanged answer is 304 with no body. Errors are "
        "`{\"error\": {\"code\", \"message\", \"field\"}}`.\n\n"
        "Authenticate with a personal API token (your profile, \"API tokens\"): "
        "`Authorization: Bearer <token>`. A token acts as its owner, limited to its scope "
        "(read, or read and write). Without a token the API answers only while the public "
        "tracker is open, with what the public tracker shows (public assessments, no "
        "person's name). Cookies are never used. Requests are rate-limited per token (per "
        "address without one): 429 with Retry-After.")},
    "components": {"securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer",
                       "description": "A personal API token."}}},
    "security": [{}, {"bearerAuth": []}],
}


class CoalitionApi(Api):
    """flask-smorest's Api, minus its app-wide JSON error handler: the site's own pages keep
    their HTML errors; the API blueprint has its handlers (coalition.api.views)."""

    def _register_error_handlers(self) -> None:
        return None


def init_app(app: Flask) -> CoalitionApi:
    """Register the API and its pages on `app`; /api/v1 errors become JSON."""
    from coalition.api import schemas, views
    from coalition.core import web
    from coalition.extensions import csrf

    app.config.setdefault("API_TITLE", "Coalition API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_SPEC_OPTIONS", SPEC_OPTIONS)
    # No OPENAPI_URL_PREFIX: the document and its page are served by coalition.api.views
    # (guarded like every route, and the page with vendored assets, never a CDN).
    app.config.setdefault("API_RATELIMIT", "600 per minute")
    app.config.setdefault("API_RATELIMIT_ANONYMOUS", "60 per minute")
    CoalitionApi.ERROR_SCHEMA = schemas.ErrorSchema
    api = CoalitionApi(app)
    api.register_blueprint(views.bp)
    app.register_blueprint(views.pages)
    # Token requests carry no cookie and need no CSRF token; the API never reads cookies.
    csrf.exempt(views.bp)
    web.JSON_ERRORS[API_PREFIX + "/"] = views.render_error
    app.extensions["coalition.api"] = api
    return api
