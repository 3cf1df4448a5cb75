"""Downloads of what the tracker shows: `/exports/recommendations`, `/exports/responses`,
`/exports/assessments`, with the tracker's own URL parameters (q and every facet) plus
`format` (csv, excel, xlsx, jsonl, datapackage) and, for recommendations, `layout=long`."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coalition.access import guard, tracker_audience
from coalition.core.errors import ServiceError
from coalition.exports import services

bp = Blueprint("exports", __name__, url_prefix="/exports")

FORMAT_LABELS = {
    "csv": _l("CSV"),
    "excel": _l("CSV for Excel"),
    "xlsx": _l("Excel workbook (XLSX)"),
    "jsonl": _l("JSON Lines"),
    "datapackage": _l("Data package (zip)"),
}
TABLE_LABELS = {
    "recommendations": _l("Recommendations"),
    "responses": _l("Government responses"),
    "assessments": _l("Assessments"),
}


@bp.app_context_processor
def export_choices() -> dict[str, object]:
    """The Download control's choices (templates/exports/_download.html)."""
    return {"export_formats": lambda: [(f, FORMAT_LABELS[f])
                                       for f in services.available_formats()],
            "export_tables": TABLE_LABELS}


@bp.route("/recommendations", defaults={"table": "recommendations"})
@bp.route("/responses", defaults={"table": "responses"})
@bp.route("/assessments", defaults={"table": "assessments"})
@guard("tracker.export")
def download(table: str) -> Response:
    """The rows of `table` for the tracker filter in the URL, streamed as an attachment.
    400 naming the problem for an unknown format or filter value."""
    reader = current_user if current_user.is_authenticated else None
    try:
        filters = services.filters_from_args(request.args, tracker_audience(reader))
        export = services.ExportRequest(
            table=table, format=request.args.get("format", "csv") or "csv", filters=filters,
            reader=reader,
            long=table == "recommendations" and request.args.get("layout") == "long")
        export.check()
    except ServiceError as error:
        abort(400, str(error))
    body = services.export(export)
    return Response(stream_with_context(body), mimetype=export.media_type, headers={
        "Content-Disposition": f'attachment; filename="{export.filename()}"',
        "X-Content-Type-Options": "nosniff",
    })
