"""The `coalition` command: a Flask CLI over create_app with the project's own commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.config import ConfigError
from coalition.core.errors import ServiceError
from coalition.extensions import db

# Commands that serve requests must have a real SECRET_KEY (or be the demo).
SERVING_COMMANDS = {"run"}


def _command_name(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _factory(command: str | None) -> Any:
    def factory() -> Flask:
        from coalition import create_app

        override: dict[str, Any] = {}
        if command == "demo":
            override["COALITION_DEMO"] = True
        elif command not in SERVING_COMMANDS:
            override["CLI_EPHEMERAL_SECRET"] = True
        return create_app(override)

    return factory


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    command = _command_name(args)
    if "--help" in args and command in SERVING_COMMANDS:
        # Help serves nothing: `coalition run --help` shows the options, not a missing
        # SECRET_KEY's traceback (a new user's walk, issue 10).
        command = None
    factory = _factory(command)
    cli = FlaskGroup(create_app=factory, help=_l("Coalition: the UPR coalition platform."))
    try:
        if "--help" in args:
            # Click writes help before any command runs, outside an app context, where the
            # options' lazy help texts could not be translated: give them the app's (the
            # environment's language, LC_ALL / LC_MESSAGES / LANG).
            with factory().app_context():
                cli.main(args=args, prog_name="coalition")
            return
        cli.main(args=args, prog_name="coalition")
    except ConfigError as error:
        # A setting the app refuses to start without (SECRET_KEY): the message says what to
        # do; a traceback would bury it.
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(import_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(imports_sweep_command)
    app.cli.add_command(recommendations_group)
    from coalition.exports.commands import export_command

    app.cli.add_command(export_command)
    from coalition.i18n.commands import translations_group

    app.cli.add_command(translations_group)
    # notify (issue 11): reminders and the e-mail digest, for cron.
    from coalition.notifications.commands import send_digests_command, send_reminders_command

    app.cli.add_command(send_reminders_command)
    app.cli.add_command(send_digests_command)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help=_l("Set up the database and demo data, then stop."))
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create or migrate the database, seed the demo coalition if empty, and serve it."""
    from flask_migrate import upgrade

    from coalition.demo.services import DEMO_PASSWORD, demo_accounts, seed_demo

    click.echo(_("Database: %(url)s", url=db.engine.url.render_as_string(hide_password=True)))
    upgrade()
    created = seed_demo()
    db.session.commit()
    click.echo(_("Seeded the Hong Kong UPR Coalition demo.") if created
               else _("Demo data already present; nothing seeded."))
    click.echo("\n" + _("Demo accounts (password for all: %(password)s):",
                        password=DEMO_PASSWORD))
    for role, email in demo_accounts():
        click.echo(f"  {role:<42} {email}")
    if no_serve:
        return
    # One worker alongside the server, as its own process (an import's memory is not the web
    # server's), stopped with it: the demo stays one command.
    worker = _start_demo_worker()
    click.echo("\n" + _("Serving on %(url)s  (Ctrl+C to stop)", url=f"http://{host}:{port}"))
    # app.run() refuses to start inside a CLI command; serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(worker)


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _start_demo_worker() -> subprocess.Popen[bytes]:
    """`coalition worker` for the demo, with the same environment (database, queue)."""
    env = {**os.environ, "COALITION_DEMO": "1"}
    command = [sys.executable, "-c", "from coalition.cli import main; main()", "worker",
               "--workers", "1"]
    click.echo(_("Started one background worker (imports, e-mail)."))
    return subprocess.Popen(command, env=env)  # noqa: S603 (our own interpreter and module)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:  # after Ctrl+C the worker has had its SIGINT too, and stops by itself
        process.wait(timeout=2)
        return
    except subprocess.TimeoutExpired:
        pass
    if process.poll() is None:
        # SIGTERM, not SIGINT: a process started in the background by a shell ignores SIGINT
        # until Huey installs its handlers. A task cut short fails and can be retried.
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@click.command("worker")
@click.option("--workers", default=None, type=int,
              help=_l("Tasks run at once (default: TASKS_WORKERS, 2)."))
@click.option("--no-periodic", is_flag=True, help=_l("Do not run the scheduled tasks here "
                                                     "(when another worker does)."))
@with_appcontext
def worker_command(workers: int | None, no_periodic: bool) -> None:
    """Run the background worker: imports, e-mail and scheduled tasks, until Ctrl+C."""
    import logging

    from coalition.tasks import huey_of

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    huey = huey_of(app)
    if huey.immediate:
        raise click.ClickException(_("TASKS_IMMEDIATE is on: tasks run in the web process, "
                                     "and there is nothing for a worker to do."))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    count = workers or app.config.get("TASKS_WORKERS") or 2
    click.echo(_("Worker: %(count)s thread(s) on queue %(queue)s (%(storage)s).", count=count,
                 queue=repr(huey.name), storage=type(huey.storage).__name__))
    huey.create_consumer(workers=count, periodic=not no_periodic,
                         worker_type="thread").run()


@click.command("imports-sweep")
@with_appcontext
def imports_sweep_command() -> None:
    """Fail import jobs that stopped reporting and delete stored files past their age (cron)."""
    from coalition.recommendations.jobs import sweep

    stale, deleted = sweep()
    click.echo(_("%(stale)s stopped import job(s) marked failed; %(deleted)s stored file(s) "
                 "deleted.", stale=stale, deleted=deleted))


@click.command("create-user")
@click.argument("email")
@click.option("--name", "display_name", default=None, help=_l("Display name (default: the email)."))
@click.option("--org", "org_slug", default=None, help=_l("Organisation slug to join."))
@click.option("--role", default="viewer", show_default=True,
              type=click.Choice(["viewer", "editor", "org_admin"]))
@click.option("--coordinator", is_flag=True, help=_l("Make this account a coalition coordinator."))
@click.option("--researcher", is_flag=True, help=_l("Make this account a researcher."))
@click.option("--password-stdin", is_flag=True, help=_l("Read the password from standard input."))
@with_appcontext
def create_user_command(email: str, display_name: str | None, org_slug: str | None, role: str,
                        coordinator: bool, researcher: bool, password_stdin: bool) -> None:
    """Create an account (the first coordinator of a real deployment, for example)."""
    from coalition.accounts.services import create_user
    from coalition.organisations.services import add_member, get_by_slug

    if coordinator and researcher:
        raise click.UsageError(_("Choose --coordinator or --researcher, not both."))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    coalition_role = "coordinator" if coordinator else "researcher" if researcher else "none"
    try:
        user = create_user(None, email, display_name or email.split("@")[0], password,
                           coalition_role)
        if org_slug:
            org = get_by_slug(org_slug)
            if org is None:
                raise ServiceError(_("No organisation with slug %(slug)r.", slug=org_slug), "org")
            add_member(None, org, user, role)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    if org_slug:
        click.echo(_("Created %(email)s (%(coalition_role)s) in %(organisation)s as %(role)s.",
                     email=user.email, coalition_role=coalition_role, organisation=org_slug,
                     role=role))
    else:
        click.echo(_("Created %(email)s (%(coalition_role)s).", email=user.email,
                     coalition_role=coalition_role))


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--review", "review_slug", default=None,
              help=_l("The review, as STATE-CYCLE (e.g. chn-3), for a file that does not name "
                      "it; created if it does not exist yet."))
@click.option("--dry-run", is_flag=True, help=_l("Show what would change, and save nothing."))
@click.option("--skip-errors", is_flag=True,
              help=_l("Import the good rows and skip the rows with problems (without it, a "
                      "file with problem rows imports nothing)."))
@with_appcontext
def import_command(file: str, review_slug: str | None, dry_run: bool, skip_errors: bool) -> None:
    """Import recommendations from an OHCHR matrix, a UPR Info or UHRI export, or an export
    of this platform (CSV, XLSX or data package zip), which names its own reviews.

    All or nothing: a file with problem rows imports nothing and exits with status 1, listing
    them, unless --skip-errors is given. Every import (not a dry run) is listed on the web
    imports page with the file's SHA-256.
    """
    from pathlib import Path

    from coalition.core.time import utcnow
    from coalition.recommendations.jobs import counts_of, start_cli_job
    from coalition.recommendations.services import (
        ImportRefused,
        import_parsed,
        parse_file,
        review_target,
    )

    data = Path(file).read_bytes()
    name = Path(file).name
    try:
        review = review_target(review_slug) if review_slug else None
        result = parse_file(name, data)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    job = None if dry_run else start_cli_job(None, name, data, result.format, result.encoding,
                                             skip_errors)
    with click.progressbar(length=1, label=_("Importing"), show_pos=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            report = import_parsed(None, name, result, review, dry_run=dry_run,
                                   progress=progress, skip_errors=skip_errors, job=job)
        except ImportRefused as refused:
            db.session.rollback()
            _list_problems(refused.report.errors)
            # The refusal is listed on the imports page too (nothing else is kept).
            job = start_cli_job(None, name, data, result.format, result.encoding, False)
            job.status, job.error, job.finished_at = "failed", refused.message, utcnow()
            for key, value in counts_of(refused.report).items():
                setattr(job, key, value)
            db.session.commit()
            raise click.ClickException(refused.message) from refused
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        except BaseException:
            db.session.rollback()
            raise
    if dry_run:
        db.session.rollback()
    else:
        job.status, job.finished_at = "done", utcnow()
        for key, value in counts_of(report).items():
            setattr(job, key, value)
        db.session.commit()
    for notice in report.notices:
        click.echo(notice)
    counts = dict(created=report.created, updated=report.updated, unchanged=report.unchanged,
                  read=report.rows_total, merged=report.rows_merged,
                  skipped=len(report.skipped), errors=len(report.errors))
    if dry_run:
        click.echo(_("Would create %(created)s, updated %(updated)s, unchanged %(unchanged)s; "
                     "%(read)s rows read, %(merged)s merged, %(skipped)s skipped, %(errors)s "
                     "with errors.", **counts))
    else:
        click.echo(_("Created %(created)s, updated %(updated)s, unchanged %(unchanged)s; "
                     "%(read)s rows read, %(merged)s merged, %(skipped)s skipped, %(errors)s "
                     "with errors.", **counts))
    _list_problems(report.errors)
    if report.errors and skip_errors:
        click.echo(_("Skipped %(n)s row(s) with problems (--skip-errors).",
                     n=len(report.errors)))
    if dry_run:
        if report.refused:
            click.echo(_("Dry run: nothing was saved. As it is, the file would import nothing "
                         "(%(errors)s row(s) with problems); --skip-errors would import the "
                         "%(good)s good recommendation(s).", errors=len(report.errors),
                         good=report.recommendations))
        else:
            click.echo(_("Dry run: nothing was saved."))


def _list_problems(errors: list[tuple[int, str]], limit: int = 50) -> None:
    for line, reason in errors[:limit]:
        click.echo("  " + _("line %(line)s: %(reason)s", line=line, reason=reason), err=True)
    if len(errors) > limit:
        click.echo("  ... " + _("and %(n)s more errors", n=len(errors) - limit), err=True)


@click.group("recommendations")
def recommendations_group() -> None:
    """Maintenance of the recommendations tracker."""


@recommendations_group.command("link-repeats")
@click.option("--review", "review_slugs", multiple=True,
              help=_l("Only this review (STATE-CYCLE, e.g. chn-3); repeatable. Default: all."))
@with_appcontext
def link_repeats_command(review_slugs: tuple[str, ...]) -> None:
    """Link recommendations repeated from the State's previous review (imports do this too)."""
    from sqlalchemy import select

    from coalition.recommendations.repeats import link_repeated
    from coalition.reviews.models import Review
    from coalition.reviews.services import review_from_slug

    ids: list[int] = []
    for slug in review_slugs:
        review = review_from_slug(slug)
        if review is None:
            raise click.ClickException(_("No review %(slug)s: check the State code and cycle "
                                         "(e.g. chn-3).", slug=repr(slug)))
        ids.append(review.id)
    if not review_slugs:
        ids = list(db.session.scalars(select(Review.id)))
    linked = link_repeated(ids)
    db.session.commit()
    click.echo(_("Linked %(count)s recommendation(s) to the same recommendation in an earlier "
                 "cycle.", count=linked))
