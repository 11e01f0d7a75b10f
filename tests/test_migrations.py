"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from config import TestConfig
from forum import create_app
from forum.extensions import db


@pytest.fixture
def fresh_app(empty_database):
    """An app on a database with no tables (a new file, or a new PostgreSQL database)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database("fresh"))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_from_nothing_matches_the_models(fresh_app):
    app = fresh_app
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "render_as_batch": True},
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], "models and migrations disagree; run `make migration`:\n" + "\n".join(map(str, diff))
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        db.engine.dispose()


def test_flask_db_upgrade_command_from_nothing(fresh_app):
    app = fresh_app
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "posts" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_downgrade_to_nothing_and_back(fresh_app):
    app = fresh_app
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "comments" in inspect(db.engine).get_table_names()
        db.engine.dispose()
