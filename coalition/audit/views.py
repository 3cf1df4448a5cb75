"""The coordinator's audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.blueprints import BlueprintSetupState

from coalition.access import guard
from coalition.audit import labels, services
from coalition.core.inputs import date_arg as _date_arg
from coalition.core.inputs import int_arg
from coalition.core.pagination import paginate
from coalition.organisations.services import all_organisations

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.record_once
def _register_labels(state: BlueprintSetupState) -> None:
    """The label functions of coalition.audit.labels as template globals (not a context
    processor: the events table is a macro imported without context)."""
    state.app.jinja_env.globals.update(
        audit_action=labels.action_label, audit_object_type=labels.object_type_label,
        audit_field=labels.field_label, audit_value=labels.change_value)


@bp.route("")
@guard("audit.view_log")
def log() -> tuple[str, int]:
    since, since_error = _date_arg("since")
    until, until_error = _date_arg("until")
    errors = [e for e in (since_error, until_error) if e]
    filters = {
        "action": request.args.get("action", ""),
        "object_type": request.args.get("object_type", ""),
        "organisation_id": int_arg("organisation_id"),
        "actor_id": int_arg("actor_id"),
    }
    page = paginate(services.log_query(since=since, until=until, **filters))
    return render_template(
        "audit/log.html", page=page, filters=filters, errors=errors,
        since=request.args.get("since", ""), until=request.args.get("until", ""),
        actions=services.distinct_values("action"),
        object_types=services.distinct_values("object_type"),
        organisations=all_organisations(),
    ), 400 if errors else 200
