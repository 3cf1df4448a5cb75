"""Rate limits: Flask-Limiter, counting in memory by default, in Redis (REDIS_URL) when several
workers must share the counts.

Credential POSTs are limited twice: per account (the e-mail address typed, as a keyed hash:
RATELIMIT_LOGIN_ACCOUNT) and per client address with a higher limit (RATELIMIT_LOGIN), so that
a workshop on one Wi-Fi network is not locked out by a few of its members (issue 9, 3.8). A
refusal is a 429 page that says in words how long to wait, with a Retry-After header."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

# Endpoints whose POSTs guess at secrets: sign-in and password-reset requests.
CREDENTIAL_ENDPOINTS = ("accounts.login", "accounts.forgot_password")


def _credential_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _account_key() -> str:
    """The account a credential POST is about: a keyed hash of the e-mail address typed (the
    same key as the sign-in back-off's), so counters never hold addresses in clear."""
    from coalition.accounts.services import _throttle_keys

    return "account:" + _throttle_keys(request.form.get("email", ""), None)[0][0]


def _seconds_until_reset(limiter: Limiter) -> int:
    """Seconds until the limit just breached lets a new attempt through (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    # reset_at is a whole second: never say more than the limit's own window.
    return max(1, min(math.ceil(current.reset_at - time.time()), current.limit.get_expiry()))


def _limit_api(app: Flask, limiter: Limiter) -> None:
    """API v1 (issue 10): every request counts against its token (by id), or against the
    client's address without one: API_RATELIMIT and API_RATELIMIT_ANONYMOUS."""
    from coalition.api.services import rate_limit, rate_limit_key

    if "api" in app.blueprints:
        limiter.limit(rate_limit, key_func=rate_limit_key)(app.blueprints["api"])


def _export_limit() -> str:
    return current_app.config["EXPORT_RATELIMIT"]


def _export_key() -> str:
    """Exports count per signed-in person (a coalition's members may share one address), per
    client address for anonymous visitors of the public tracker."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"export-user:{current_user.id}"
    return "export-address:" + get_remote_address()


def _limit_exports(app: Flask, limiter: Limiter) -> None:
    """Downloads (issue 10): a 100,000-row export keeps a database connection and a worker
    busy for seconds, so each person may start EXPORT_RATELIMIT of them."""
    if "exports" in app.blueprints:
        limiter.limit(_export_limit, key_func=_export_key)(app.blueprints["exports"])


def init_app(app: Flask) -> Limiter:
    """Make this app's Limiter and put the limits on the credential endpoints."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "coalition"),
        enabled=app.config.get("RATELIMIT_ENABLED", True),
    )
    limiter.init_app(app)
    # The limit decorators hold only a weak reference to their Limiter; the app keeps it alive.
    app.extensions["coalition.limiter"] = limiter
    for endpoint in CREDENTIAL_ENDPOINTS:
        view = app.view_functions[endpoint]
        view = limiter.limit(_account_limit, key_func=_account_key, methods=["POST"])(view)
        app.view_functions[endpoint] = limiter.limit(_credential_limit, methods=["POST"])(view)

    _limit_api(app, limiter)
    _limit_exports(app, limiter)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> tuple[str | Response, int] | Response:
        from coalition.core.web import render_error

        wait = _seconds_until_reset(limiter)
        if request.blueprint == "api":
            message = ngettext("Too many requests; try again in %(num)d second.",
                               "Too many requests; try again in %(num)d seconds.", wait)
        else:
            message = ngettext("Too many attempts; try again in %(num)d second.",
                               "Too many attempts; try again in %(num)d seconds.", wait)
        page, status = render_error(429, message)
        response = app.make_response((page, status))
        response.headers["Retry-After"] = str(wait)
        return response

    return limiter
