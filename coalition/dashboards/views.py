"""Dashboards (issue 11, item 4) and the coalition position on a recommendation's page (item 3).

- GET /dashboard: the charts, filtered by the tracker's parameters (rule "dashboard.view").
- POST /recommendations/<id>/positions: adopt an assessment as the coalition position, or
  write the coalition's own (rule "position.adopt"). The recommendation page shows the
  position's history and the form through the template global `coalition_position_panel`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from coalition.access import can, guard
from coalition.core.errors import ServiceError
from coalition.core.forms import attach_error, choices
from coalition.dashboards import services
from coalition.dashboards.forms import OWN, PositionForm
from coalition.extensions import db
from coalition.followup import positions
from coalition.i18n import date_local
from coalition.recommendations import tracker
from coalition.recommendations.models import Assessment, Recommendation

bp = Blueprint("dashboards", __name__)


@bp.route("/dashboard")
@guard("dashboard.view")
def index() -> str | tuple[str, int]:
    try:
        filters = tracker.TrackerFilters.from_args(request.args)
    except tracker.FilterError as error:
        return render_template("dashboards/index.html", error=str(error), board=None,
                               filters=tracker.TrackerFilters(), facets={}), 400
    filters.audience = "coalition"
    board = services.dashboard(filters)
    return render_template("dashboards/index.html", error=None, board=board, filters=filters,
                           filter_options=services.filter_options(filters))


# --- the coalition position on a recommendation's page ---------------------------------------

def _load_recommendation(rec_id: int, **_: object) -> Recommendation:
    return db.get_or_404(Recommendation, rec_id)


def _position_form(rec: Recommendation, **kwargs: Any) -> PositionForm:
    # Prefixed: the page's assessment form has fields of the same names (status, ...), and an
    # id must be unique for each label to name its own field.
    form = PositionForm(prefix="position", **kwargs)
    options = {OWN: _("Write the coalition's own position")}
    for item in positions.adoptable_assessments(current_user, rec):
        options[str(item.id)] = _("Adopt: %(status)s, by %(organisation)s (%(date)s)",
                                  status=item.status_label, organisation=item.organisation.name,
                                  date=date_local(item.assessed_on))
    form.source.choices = choices(options)
    return form


@bp.app_template_global()
def coalition_position_panel(rec: Recommendation) -> dict[str, Any] | None:
    """What the recommendation page shows of the coalition position: {"history": [positions,
    newest first], "form": PositionForm | None (None: may not adopt)}; None for a reader who
    may not see positions (researchers, the public)."""
    if not can(current_user, "followup.view"):
        return None
    form = None
    if can(current_user, "position.adopt", rec):
        form = g.get("position_form") or _position_form(rec, formdata=None)
    return {"history": positions.history(rec), "form": form}


@bp.app_template_global()
def coalition_positions_for(recs: list[Recommendation]) -> dict[int, Any]:
    """The current coalition positions of a page of recommendations (one query), for a reader
    who may see positions; {} for anyone else."""
    if not can(current_user, "followup.view"):
        return {}
    return positions.current(r.id for r in recs)


@bp.route("/recommendations/<int:rec_id>/positions", methods=["POST"])
@guard("position.adopt", load=_load_recommendation)
def adopt_position(rec: Recommendation, rec_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = _position_form(rec)
    if form.validate_on_submit():
        assessment = None
        if form.source.data != OWN:
            assessment = db.session.get(Assessment, int(form.source.data))
        try:
            positions.adopt(current_user, rec, form.adopted_on.data, form.reason.data,
                            assessment=assessment, status=form.status.data or None)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The coalition position is recorded."), "success")
            return redirect(url_for("recommendations.show", rec_id=rec.id,
                                    back=request.args.get("back")) + "#coalition-position")
    db.session.rollback()
    g.position_form = form
    from coalition.recommendations.views import show

    return show.__wrapped__(rec, rec_id=rec.id), 400
