"""`coalition translations update | compile | check` (issue 9)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from coalition import resource_dir
from coalition.i18n import catalogue, templatecheck


@click.group("translations")
def translations_group() -> None:
    """The interface's translations (coalition/translations)."""


@translations_group.command("update")
def update_command() -> None:
    """Extract the marked strings into messages.pot and merge them into each language's .po."""
    counts = catalogue.update()
    click.echo(f"Wrote {catalogue.pot_path()}")
    for locale, missing in counts.items():
        click.echo(f"{catalogue.po_path(locale)}: {missing} strings to translate")


@translations_group.command("compile")
def compile_command() -> None:
    """Compile each language's .po into the .mo the application reads."""
    for path in catalogue.compile_catalogues():
        click.echo(f"Wrote {path}")


@translations_group.command("check")
@click.option("--templates", "templates", multiple=True, metavar="PATH",
              help="Check only these templates or folders (relative to templates/); may be "
                   "given several times or as one space-separated list. Default: all.")
@click.option("--template-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Another templates folder to check (default: the app's).")
@click.option("--skip-catalogue", is_flag=True,
              help="Check the templates' text only, not the translations.")
@click.option("--skip-templates", is_flag=True,
              help="Check the translations only, not the templates' text.")
@with_appcontext
def check_command(templates: tuple[str, ...], template_dir: Path | None, skip_catalogue: bool,
                  skip_templates: bool) -> None:
    """Fail (exit 1) when a marked string has no zh_Hant translation (or a fuzzy one, or one
    that is not compiled), or a template shows text that is not marked for translation."""
    only = [name for entry in templates for name in entry.split()]
    failures = 0
    if not skip_catalogue:
        problems = catalogue.check_catalogue()
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"Catalogue: {len(problems)} problem(s).")
        failures += len(problems)
    if not skip_templates:
        try:
            found = templatecheck.check_templates(
                current_app.jinja_env, template_dir or resource_dir("templates"), only)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--templates") from error
        for text in found:
            click.echo(str(text))
        files = {t.template for t in found}
        click.echo(f"Templates: {len(found)} unmarked text(s) in {len(files)} file(s).")
        failures += len(found)
    if failures:
        raise click.exceptions.Exit(1)
    click.echo("Translations OK.")
