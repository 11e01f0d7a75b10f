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
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra import page_cache
from forum.models import Comment, Group, Post, User
from forum.services import accounts, comments, groups, posts
from forum.services.audience import Audience

PASSWORD = "correct horse battery"


ON_POSTGRES = make_url(TestConfig.SQLALCHEMY_DATABASE_URI).get_backend_name() == "postgresql"


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


class RequestIsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The fixture keeps an app context pushed for the test body; without this, Flask
    would reuse it for every request, sharing `g` (the signed-in user, the cached
    principals) between requests and between clients, so privacy tests could pass
    for the wrong reason. The test's own session is expired afterwards so objects it
    holds reload what the request committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


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


# --- make_* helpers: data through the real services ----------------------------------

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_user(username: str | None = None, **profile) -> User:
    user = accounts.register(username or f"user{_next()}", profile.pop("display_name", ""), PASSWORD)
    if profile:
        accounts.update_profile(user, user.display_name, profile.get("bio", ""), profile.get("interests", ""))
    return user


def make_group(owner: User, name: str | None = None, *, members: tuple[User, ...] = (), **options) -> Group:
    group = groups.create_group(owner, name or f"Group {_next()}", **options)
    for member in members:
        groups.add_member(group, member)
    db.session.commit()
    return group


def make_post(
    author: User,
    title: str | None = None,
    body: str = "Some body text.",
    *,
    tags: str = "",
    audience: str = "public",
    users: tuple[User, ...] = (),
    groups: tuple[Group, ...] = (),
    draft: bool = False,
    coauthors: tuple[User, ...] = (),
) -> Post:
    chosen = Audience(audience, frozenset(u.id for u in users), frozenset(g.id for g in groups))
    return posts.create_post(
        author,
        title or f"Post {_next()}",
        body,
        tags,
        chosen,
        draft=draft,
        coauthors=[u.username for u in coauthors],
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), **save_options) -> bytes:
    """A small generated image (no binaries in git)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format=fmt, **save_options)
    return out.getvalue()


def make_attachment(
    uploader: User, post: Post, comment: Comment | None = None, data: bytes | None = None, filename: str = "figure.png"
):
    from forum.services import attachments

    return attachments.store(post, uploader, attachments.prepare(filename, data or image_bytes()), comment=comment)


def make_comment(author: User, post: Post, body: str = "A comment.", parent: Comment | None = None) -> Comment:
    return comments.add_comment(author, post, body, parent)


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def logout(client):
    return client.post("/logout")


# --- SQL statement recording (query counts, no writes on GET) ------------------------

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@contextmanager
def statements():
    """Collect every SQL statement sent to the database while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# The one write a GET may make: a signed-in reader opening a post they may read records
# the visit (services/reads.py: read receipts for the author's audit and "new since your
# last visit"). One upsert into this table; any other write on a GET is still a bug.
READ_RECEIPTS = ("post_reads",)


def writes(seen: list[str], allow: tuple[str, ...] = ()) -> list[str]:
    """The writing statements in `seen`, but for upserts into the `allow`ed tables."""
    allowed = tuple(f"INSERT INTO {table} " for table in allow)
    return [
        s for s in seen if s.lstrip().split(None, 1)[0].upper() in WRITE_VERBS and not s.lstrip().startswith(allowed)
    ]
