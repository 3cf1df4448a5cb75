"""`coalition export`: the tracker's exports on the command line, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from coalition.core.errors import ServiceError
from coalition.extensions import db


class CoordinatorReader:
    """Who a command-line export reads as with --all-assessments: the coordinator (every
    assessment, organisations' private ones too). Enough of a user for coalition.access
    (signed in, active, coalition role coordinator)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    coalition_role = "coordinator"
    memberships: list[Any] = []
    id = None
    display_name = "command line"


# The tracker's facets as options (the URL parameter names, `assessed_by` as --assessed-by).
FACET_OPTIONS = ("cycle", "state", "group", "theme", "sdg", "affected", "position", "category",
                 "territory", "status", "assessed_by", "kind", "repeated")


def _facet_options(command: Any) -> Any:
    for name in reversed(FACET_OPTIONS):
        command = click.option(f"--{name.replace('_', '-')}", name, multiple=True,
                               help=_l("Tracker filter %(name)s (repeatable; the values of the "
                                       "tracker's URL).", name=name))(command)
    return command


@click.command("export")
@click.option("--format", "fmt", default="csv", show_default=True,
              type=click.Choice(["csv", "xlsx", "jsonl", "datapackage"]),
              help=_l("File format."))
@click.option("--table", default="recommendations", show_default=True,
              type=click.Choice(["recommendations", "responses", "assessments"]),
              help=_l("What to export: one row per recommendation, government response or "
                      "assessment."))
@click.option("--long", "long_", is_flag=True,
              help=_l("One row per recommendation and recommending State."))
@click.option("--excel", is_flag=True,
              help=_l("CSV for Excel: start the file with a byte order mark."))
@click.option("--review", multiple=True,
              help=_l("A review, as STATE-CYCLE (e.g. chn-3) or its id (repeatable)."))
@click.option("--q", default="", help=_l("Search the recommendations' text."))
@_facet_options
@click.option("--sort", default="paragraph", show_default=True,
              help=_l("Order of the rows, as the tracker's (paragraph, newest, position, "
                      "status)."))
@click.option("--as", "as_email", default=None, metavar="EMAIL",
              help=_l("Export what this account may read (default: what the public may read: "
                      "public assessments only)."))
@click.option("--all-assessments", is_flag=True,
              help=_l("Export as the coordinator: every assessment, organisations' private "
                      "ones too (for the coalition's own use, never to publish)."))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help=_l("The file to write (- for standard output)."))
@with_appcontext
def export_command(fmt: str, table: str, long_: bool, excel: bool, review: tuple[str, ...],
                   q: str, sort: str, as_email: str | None, all_assessments: bool, output: str,
                   **facets: Any) -> None:
    """Export the recommendations of a tracker filter (or their responses or assessments) as
    CSV, XLSX, JSON Lines or a data package, exactly as the tracker's Download does."""
    from coalition.access import can
    from coalition.accounts.services import get_by_email
    from coalition.exports import services

    args: MultiDict[str, str] = MultiDict()
    if q:
        args.add("q", q)
    for value in review:
        args.add("review", value)
    for name, values in facets.items():
        for value in values:
            args.add(name, value)
    args.add("sort", sort)
    # By default what may leave: public assessments only (issue 10, "What may leave"); a data
    # package made without thinking about it must not carry an organisation's private words.
    reader: Any = CoordinatorReader() if all_assessments else None
    if as_email and all_assessments:
        raise click.UsageError(_("--as and --all-assessments exclude each other."))
    if as_email:
        reader = get_by_email(as_email)
        if reader is None or not reader.is_active:
            raise click.ClickException(_("No active account %(email)s.", email=as_email))
        if not can(reader, "tracker.export"):
            raise click.ClickException(_("%(email)s may not read the tracker.", email=as_email))
    if excel and fmt != "csv":
        raise click.UsageError(_("--excel is an option of the CSV format."))
    try:
        filters = services.filters_from_args(args)
        request = services.ExportRequest(table, "excel" if excel else fmt, filters, reader,
                                         long=long_)
        request.check()
        total = services.count_rows(table, filters, reader, long=long_)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    to_stdout = output == "-"
    target = Path(output)
    partial = target.with_name(target.name + ".part")
    with click.progressbar(length=max(total, 1), label=_("Exporting"), show_pos=True,
                           file=sys.stderr) as bar:
        def progress(done: int) -> None:
            bar.update(done - bar.pos)

        out = sys.stdout.buffer if to_stdout else partial.open("wb")
        try:
            for chunk in services.export(request, progress=progress):
                out.write(chunk)
        except BaseException:
            if not to_stdout:
                out.close()
                partial.unlink(missing_ok=True)
            raise
        if not to_stdout:
            out.close()
            partial.replace(target)
    db.session.rollback()
    click.echo(_("%(n)s rows written to %(file)s.", n=total, file=output), err=True)
