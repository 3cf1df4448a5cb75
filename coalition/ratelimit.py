"""Rate limits: Flask-Limiter, counting in memory by default, in Redis (REDIS_URL) when several
workers must share the counts."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Endpoints whose POSTs guess at secrets: sign-in and password-reset requests.
CREDENTIAL_ENDPOINTS = ("accounts.login", "accounts.forgot_password")


def _credential_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


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
        app.view_functions[endpoint] = limiter.limit(_credential_limit, methods=["POST"])(view)
    return limiter
