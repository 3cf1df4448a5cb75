"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from coalition.access import can, public
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
