"""The bell's pages: the list of one's notifications, marking them read, the digest settings,
and the unsubscribe page a digest links to (which works without signing in)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from coalition.access import guard, public
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error
from coalition.core.pagination import paginate
from coalition.core.safety import safe_next_url
from coalition.extensions import csrf
from coalition.notifications import services
from coalition.notifications.forms import SettingsForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.record_once
def _register_helpers(state: object) -> None:
    app: Flask = state.app  # type: ignore[attr-defined]
    app.jinja_env.globals["unread_notifications"] = _unread_for_header
    app.jinja_env.globals["notification_message"] = services.message


def _unread_for_header() -> int:
    """The bell's count: one COUNT per request, only for a signed-in person (base.html)."""
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = services.unread_count(current_user)
        except SQLAlchemyError:  # an error page after a failed transaction: no count, no 500
            current_app.logger.warning("The bell's count could not be read.", exc_info=True)
            g.unread_notifications = 0
    return g.unread_notifications


@bp.route("")
@guard("notifications.view")
def index() -> str:
    unread_only = request.args.get("show") == "unread"
    page = paginate(services.notifications_query(current_user, unread_only),
                    per_page=services.PER_PAGE)
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           form=ActionForm())


def _load_own(notification_id: int, **_: object) -> object:
    notification = services.own_notification(current_user, notification_id) if (
        current_user.is_authenticated) else None
    if current_user.is_authenticated and notification is None:
        abort(404)
    return notification


@bp.route("/<int:notification_id>/read", methods=["POST"])
@guard("notifications.view", load=_load_own)
def read(notification: object, notification_id: int) -> Response:
    """Mark one read; with `open` set, go to what it is about (a path inside the site)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user, notification)
    target = safe_next_url(notification.url) if request.form.get("open") else None
    return redirect(target or safe_next_url(request.form.get("next"))
                    or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@guard("notifications.view")
def read_all() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user)
    flash(_("%(count)s notifications marked read.", count=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@guard("notifications.view")
def settings() -> str | Response | tuple[str, int]:
    row = services.settings_of(current_user)
    form = SettingsForm(data={"digest": row.digest, "kinds": list(row.digest_kinds or [])})
    if request.method == "POST":
        form = SettingsForm()
        if form.validate():
            try:
                services.update_settings(current_user, current_user, form.digest.data,
                                         form.kinds.data or [])
            except ServiceError as error:
                attach_error(form, error)
            else:
                flash(_("Notification settings saved."), "success")
                return redirect(url_for("notifications.settings"))
        return render_template("notifications/settings.html", form=form), 400
    return render_template("notifications/settings.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public  # the signed token is the authority: a digest's link works without signing in
@csrf.exempt  # RFC 8058 one-click POSTs carry no CSRF token; the confirm form checks its own
def unsubscribe(token: str) -> str | Response | tuple[str, int]:
    try:
        user = services.user_from_unsubscribe_token(token)
    except ServiceError as error:
        return render_template("notifications/unsubscribe.html", error=error.message,
                               form=None), 400
    form = ActionForm()
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        if not one_click and not form.validate_on_submit():
            abort(400)
        services.unsubscribe(user)
        if one_click:
            return Response(_("You will receive no more e-mail digests."), 200,
                            mimetype="text/plain")
        return render_template("notifications/unsubscribe.html", done=True, form=None)
    return render_template("notifications/unsubscribe.html", form=form,
                           off=services.settings_of(user).digest == "off")
