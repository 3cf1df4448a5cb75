"""Coalition: a platform for the member organisations of a UPR coalition."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from coalition import config as settings
from coalition.extensions import babel, csrf, db, login_manager, mail, migrate

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """templates/ and migrations/: inside the package when installed from a wheel, else at
    the top of the source tree (editable install)."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def create_app(config_override: dict[str, Any] | None = None) -> Flask:
    """The application factory; `config_override` wins over the environment (tests, CLI)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
    )
    app.config.update(settings.from_environment(app.instance_path))
    if config_override:
        app.config.update(config_override)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.pop("CLI_EPHEMERAL_SECRET", False) and not app.config.get("SECRET_KEY"):
        # Maintenance commands (db upgrade, create-user) sign nothing that must outlive them.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    settings.finalise(app.config, app.instance_path)
    settings.check(app.config)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore

    from coalition import models  # noqa: F401  (registers every table on the metadata)

    db.init_app(app)
    from coalition.search.services import include_object

    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True,
                     include_object=include_object)
    csrf.init_app(app)
    from coalition import i18n

    # The compiled catalogues live inside the package (coalition/translations), so a wheel
    # carries them and an editable install finds them in the source tree alike.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PACKAGE_DIR / "translations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    mail.init_app(app)
    _init_login(app)
    from coalition import tasks
    from coalition.core.database import init_sqlite

    init_sqlite(app)
    tasks.init_app(app)

    from coalition.core import inputs, logredact, web

    logredact.init_app(app)
    inputs.init_app(app)  # before the blueprints: their rules take the bounded int converter
    web.init_app(app)
    _register_blueprints(app)
    from coalition import ratelimit

    ratelimit.init_app(app)
    _register_template_helpers(app)

    from coalition.cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from coalition.accounts.services import load_user_for_session, touch_session_after_request

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see this page."  # msgid in core/web.py
    login_manager.localize_callback = gettext  # flashed in the visitor's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # The cookies carry "<user id>:<session secret>"; the session lives on the server
    # (accounts.models.UserSession), so signing out ends every copy of the cookies.
    login_manager.user_loader(load_user_for_session)
    app.teardown_request(touch_session_after_request)


def _register_blueprints(app: Flask) -> None:
    # One explicit list: a reader sees every part of the site here.
    from coalition.accounts.views import bp as accounts_bp
    from coalition.audit.views import bp as audit_bp
    from coalition.core.views import bp as core_bp
    from coalition.dashboards.views import bp as dashboards_bp  # positions (issue 11)
    from coalition.deadlines.views import bp as deadlines_bp  # calendar (issue 12)
    from coalition.exports.views import bp as exports_bp
    from coalition.followup.views import bp as followup_bp  # follow-up (issue 11)
    from coalition.notifications.views import bp as notifications_bp  # notify (issue 11)
    from coalition.organisations.views import bp as organisations_bp
    from coalition.recommendations.views import bp as recommendations_bp
    from coalition.reviews.views import bp as reviews_bp
    from coalition.statements.views import bp as statements_bp
    from coalition.submissions.views import bp as submissions_bp  # submissions (issue 12)

    for blueprint in (core_bp, accounts_bp, organisations_bp, reviews_bp, recommendations_bp,
                      statements_bp, audit_bp, exports_bp, notifications_bp, followup_bp,
                      dashboards_bp, submissions_bp, deadlines_bp):
        app.register_blueprint(blueprint)
    # midterm (issue 11, item 7): the mid-term assessment of a review
    from coalition.followup.midterm_views import bp as midterm_bp

    app.register_blueprint(midterm_bp)
    from coalition.impact.views import bp as impact_bp  # asks and impact (issue 12)

    app.register_blueprint(impact_bp)
    from coalition import api

    api.init_app(app)  # API v1 (flask-smorest) and the personal-token pages


def _register_template_helpers(app: Flask) -> None:
    from coalition.access import can, person_label
    from coalition.core.markdown import plain_text, stored_html

    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["person_label"] = person_label
    # Markdown is rendered once, when it is saved, and its HTML stored: templates output that
    # (there is deliberately no filter that renders Markdown on every view).
    app.jinja_env.filters["stored_html"] = stored_html
    # Markdown's words without markup, for badges and short displays (plain text, escaped).
    app.jinja_env.filters["plain_text"] = plain_text
    app.jinja_env.globals["app_version"] = __version__
