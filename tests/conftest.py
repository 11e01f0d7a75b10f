"""Fixtures shared by the whole suite.

The schema is built once per run by the real migrations (`flask db upgrade`). On SQLite
(the default) it goes into a template file and each test gets a fresh copy of it. With
TEST_DATABASE_URL set to PostgreSQL (`make test-postgres`) it is built once in that
database and every table is emptied after each test (TRUNCATE ... RESTART IDENTITY, so
ids start at 1 again as on a fresh copy). The app itself is built once per run (building
one costs more than most tests) and its configuration is restored before every test, so a
test may change `app.config`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra import page_cache
from tests.factories import ON_POSTGRES, RequestIsolatedClient


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path | None:
    """The migrated SQLite file every test copies (None on PostgreSQL: see `database_copy`)."""
    if ON_POSTGRES:
        return None
    path = tmp_path_factory.mktemp("template") / "forum.sqlite3"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        # Closing the last connection checkpoints SQLite's WAL into the file we copy.
        db.engine.dispose()
    return path


def _postgres_databases():
    """`recreate(name, template)`: drop database `name` if it exists and create it again
    from `template`, on TEST_DATABASE_URL's server; its URL."""
    server = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def recreate(name: str, template: str = "template0") -> str:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return server.set(database=name).render_as_string(hide_password=False)

    return recreate


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory) -> Callable[[str], str]:
    """`empty(name)` gives the URL of a database with no tables at all, for migration tests."""
    if ON_POSTGRES:
        return _postgres_databases()
    return lambda name: f"sqlite:///{tmp_path_factory.mktemp(name) / 'forum.sqlite3'}"


@pytest.fixture(scope="session")
def database_copy(template_db, empty_database) -> Callable[[str], str]:
    """`copy(name)` gives the URL of a fresh migrated database of its own, for an app
    that must not share the `app` fixture's data (a module-wide data set, say).

    On PostgreSQL the migrations run once into `forum_template`, which nothing stays
    connected to, so `CREATE DATABASE ... TEMPLATE` can copy it.
    """
    if not ON_POSTGRES:

        def copy_file(name: str) -> str:
            url = empty_database(name)
            shutil.copy(template_db, make_url(url).database)
            return url

        return copy_file

    recreate = _postgres_databases()
    migrated = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=recreate("forum_template"))
    with migrated.app_context():
        upgrade()
        db.engine.dispose()
    return lambda name: recreate(name, template="forum_template")


def _empty_postgres_tables() -> None:
    """What copying the template file does on SQLite: every table empty, ids from 1."""
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _shared_app(database_copy, tmp_path_factory):
    if ON_POSTGRES:
        path = None
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("forum_live"), WTF_CSRF_ENABLED=False)
    else:
        path = tmp_path_factory.mktemp("live") / "forum.sqlite3"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=False)
    app.test_client_class = RequestIsolatedClient
    return app, path, dict(app.config)


@pytest.fixture
def app(_shared_app, template_db, tmp_path):
    app, path, pristine_config = _shared_app
    app.config.clear()
    app.config.update(pristine_config, SEARCH_INDEX_DIR=str(tmp_path / "index"), UPLOAD_DIR=str(tmp_path / "uploads"))
    # Flask-Limiter keeps one switch and one counter store for the process: whichever
    # app was built last (a test may build its own) set them.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    if limiter.enabled:
        limiter.reset()
    # The database is swapped underneath, not written through the session: no page
    # kept from the last test (ids start at 1 again) may answer this one.
    with app.app_context():
        page_cache.forget_all()
    if ON_POSTGRES:
        with app.app_context():
            yield app
            db.session.remove()
            _empty_postgres_tables()
        return
    with app.app_context():
        # No connection may be open while the file underneath is replaced.
        db.engine.dispose()
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(template_db, path)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def no_page_cache(app):
    """For tests that measure what rendering a page costs: every request takes the full path."""
    app.config["PAGE_CACHE_SECONDS"] = 0
