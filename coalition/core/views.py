"""Home page, health check, and a fresh CSRF token for pages left open."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from coalition.access import can, guard, public
from coalition.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def home() -> str:
    memberships = []
    if current_user.is_authenticated:
        memberships = sorted(
            (m for m in current_user.memberships if m.organisation.active),
            key=lambda m: m.organisation.name,
        )
    return render_template("core/home.html", memberships=memberships,
                           sees_directory=can(current_user, "directory.view"))


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(db.select(1))
    except Exception:  # a health check reports, it does not raise
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


@bp.route("/csrf-token")
@guard("profile.edit")  # anyone signed in: a page of theirs may be open for hours
def csrf_token() -> Response:
    """A fresh CSRF token for the signed-in session: `{"csrf_token": str, "max_age": seconds}`.

    app.js asks for one while a page is open and before submitting a stale form, so text typed
    after an hour is not refused (issue 7 item 5). Reading it from another site is impossible
    (same-origin policy, no CORS), and it is only valid with this session's cookie."""
    return jsonify(csrf_token=generate_csrf(),
                   max_age=current_app.config.get("WTF_CSRF_TIME_LIMIT") or 3600)
