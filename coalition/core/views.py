"""Home page, health check, and a fresh CSRF token for pages left open."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from coalition.access import can, guard, public
from coalition.core.forms import ActionForm
from coalition.core.safety import safe_next_url
from coalition.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def home() -> str:
    """Anonymous visitors: what the coalition is and the way in. Signed in: the desk
    (coalition.desk), with "what changed since your last visit" measured from the last visit
    before this sign-in (kept in the session, so reloading the page does not empty it)."""
    memberships = []
    desk = None
    if current_user.is_authenticated:
        from coalition.core.time import utcnow
        from coalition.desk.services import desk_for
        from coalition.notifications.services import touch_last_seen

        memberships = sorted(
            (m for m in current_user.memberships if m.organisation.active),
            key=lambda m: m.organisation.name,
        )
        now = utcnow()
        previous = touch_last_seen(current_user, now)
        # Kept per sign-in: a new sign-in starts from the visit before it.
        signed_in_at = current_user.last_login_at.isoformat() if current_user.last_login_at \
            else ""
        kept = session.get("desk_since")
        if not isinstance(kept, list) or len(kept) != 2 or kept[0] != signed_in_at:
            kept = [signed_in_at, previous.isoformat() if previous else ""]
            session["desk_since"] = kept
        since = datetime.fromisoformat(kept[1]) if kept[1] else None
        desk = desk_for(current_user, now.date(), now, since)
    return render_template("core/home.html", memberships=memberships, desk=desk,
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


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    """The language switch in every page's footer (issue 9): form fields `locale` ('en' |
    'zh_Hant') and `next` (this site's path to return to). For everyone: the choice is kept in
    a cookie for a year; a signed-in person's profile is updated too, through the accounts
    service, so the audit trail records it. An unknown locale or a bad token is a 400."""
    from coalition import i18n
    from coalition.accounts.services import update_profile

    form = ActionForm()
    locale = request.form.get("locale", "")
    if not form.validate_on_submit() or locale not in i18n.LOCALES:
        abort(400, _("Choose English or 繁體中文."))
    if current_user.is_authenticated and current_user.locale != locale:
        update_profile(current_user, current_user.display_name, locale)
    return i18n.remember_locale(redirect(safe_next_url(request.form.get("next")) or "/"), locale,
                                signed_out=not current_user.is_authenticated)
