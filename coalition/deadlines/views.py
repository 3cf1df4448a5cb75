"""The coalition calendar (issue 12, item 5): the page (upcoming and past dates by month) and
its iCalendar feed, which holds review dates only (public facts) and so needs no sign-in."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from coalition.access import guard, public
from coalition.deadlines import services
from coalition.deadlines.services import Deadline
from coalition.i18n import LOCALES

bp = Blueprint("deadlines", __name__, url_prefix="/calendar")


def _url(deadline: Deadline, external: bool = False) -> str | None:
    if deadline.review is not None:
        return url_for("reviews.show", slug=deadline.review.slug, _external=external)
    if deadline.action is not None:
        return url_for("followup.show_plan", plan_id=deadline.action.plan_id,
                       _external=external) + f"#action-{deadline.action.id}"
    return None


@bp.route("/")
@guard("calendar.view")
def index() -> str:
    today = date.today()
    deadlines = services.review_deadlines() + services.action_deadlines(current_user)
    upcoming, past = services.by_month(deadlines, today)
    return render_template("deadlines/index.html", upcoming=upcoming, past=past, today=today,
                           url_of=_url, feed_url=url_for("deadlines.feed", _external=True))


@bp.route("/coalition.ics")
@public
def feed() -> Response:
    """The feed a calendar app subscribes to: every review's dates, in English or, with
    `?lang=zh_Hant`, Traditional Chinese (a calendar app sends no language of its own)."""
    lang = request.args.get("lang", "")
    with force_locale(lang if lang in LOCALES else "en"):
        body = services.ical(services.review_deadlines(), lambda d: _url(d, external=True),
                             _("UPR coalition calendar"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="coalition.ics"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
