"""Fixtures shared by the whole suite.

The schema is built once per run by the real migrations (`flask db upgrade`). On SQLite
(the default) it goes into a template file and each test gets a fresh copy of it. With
TEST_DATABASE_URL set to PostgreSQL (`make test-postgres`) it is built once in that
database and every table is emptied after each test (TRUNCATE ... RESTART IDENTITY, so
ids start at 1 again as on a fresh copy). The app itself is built once per run (building
one costs more than most tests) and its configuration is restored before every test, so a
test may change `app.config`.

Under pytest-xdist (`make test` runs it) every worker is a process with its own temporary
directory, so its own SQLite files and search indexes; on PostgreSQL its databases carry
the worker's id, and it counts in a Redis database of its own.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra import page_cache
from tests.factories import (
    ON_POSTGRES,
    WORKER,
    RequestIsolatedClient,
    close_sibling_apps,
    empty_postgres_tables,
    postgres_databases,
)

# "gw0", "gw1"... under pytest-xdist; empty in a plain `pytest` run.


def _redis_databaseper_worker() -> None:
    """Rate-limit counters and the page generation are keyed by fixed names: workers
    sharing one Redis database would count each other's requests. Database 0 is the
    plain run's, gw0 gets 1, gw1 gets 2... (scripts/pg-test-cluster starts Redis with
    enough databases). Set before any test module reads TEST_REDIS_URL."""
    url = os.environ.get("TEST_REDIS_URL")
    if url and WORKER and "db=" not in url:
        number = int(WORKER.removeprefix("gw")) + 1
        os.environ["TEST_REDIS_URL"] = f"{url}{'&' if '?' in url else '?'}db={number}"


_redis_databaseper_worker()


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record) -> None:
    """Test data need not survive a power cut: without a sync on every commit SQLite's
    commits cost microseconds, not milliseconds (scripts/pg-test-cluster turns fsync off
    for the same reason). Registered after forum.extensions' pragmas, so it runs after them."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


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


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory) -> Callable[[str], str]:
    """`empty(name)` gives the URL of a database with no tables at all, for migration tests."""
    if ON_POSTGRES:
        return postgres_databases()
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

    recreate = postgres_databases()
    migrated = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=recreate("forum_template"))
    with migrated.app_context():
        upgrade()
        db.engine.dispose()
    return lambda name: recreate(name, template="forum_template")


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
    close_sibling_apps()  # the last test's other apps: no connection of theirs outlives it
    if ON_POSTGRES:
        with app.app_context():
            yield app
            db.session.remove()
            empty_postgres_tables()
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
