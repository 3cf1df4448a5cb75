"""Migrations from an empty database give exactly the models' schema, on either database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coalition import create_app
from coalition.extensions import db
from coalition.search.services import include_object
from tests.conftest import base_config, reset_database


def test_upgrade_from_empty_matches_the_models(db_url):
    app = create_app(base_config(db_url))
    reset_database(app)  # drop everything, then `upgrade` from nothing
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "render_as_batch": True,
                "include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `coalition db migrate`: {diff}"


def test_downgrade_to_empty_and_back(db_url):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    app = create_app(base_config(db_url))
    with app.app_context():
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "organisation" in inspect(db.engine).get_table_names()
        db.engine.dispose()
