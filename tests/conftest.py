"""Fixtures shared by the whole suite.

The schema is built once per run by the real migrations (`flask db upgrade`) into a
template SQLite file; each test gets a fresh copy of it, so tests are isolated. The
app itself is built once per run (building one costs more than most tests) and its
configuration is restored before every test, so a test may change `app.config`.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.models import Comment, Group, Post, User
from forum.services import accounts, comments, groups, posts
from forum.services.audience import Audience

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "forum.sqlite3"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        # Closing the last connection checkpoints SQLite's WAL into the file we copy.
        db.engine.dispose()
    return path


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
def _shared_app(template_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "forum.sqlite3"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=False)
    app.test_client_class = RequestIsolatedClient
    return app, path, dict(app.config)


@pytest.fixture
def app(_shared_app, template_db, tmp_path):
    app, path, pristine_config = _shared_app
    app.config.clear()
    app.config.update(pristine_config, SEARCH_INDEX_DIR=str(tmp_path / "index"))
    # Flask-Limiter keeps one switch and one counter store for the process: whichever
    # app was built last (a test may build its own) set them.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    if limiter.enabled:
        limiter.reset()
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
    author: User, title: str | None = None, body: str = "Some body text.", *, tags: str = "",
    audience: str = "public", users: tuple[User, ...] = (), groups: tuple[Group, ...] = (),
) -> Post:
    chosen = Audience(audience, frozenset(u.id for u in users), frozenset(g.id for g in groups))
    return posts.create_post(author, title or f"Post {_next()}", body, tags, chosen)


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
        s for s in seen
        if s.lstrip().split(None, 1)[0].upper() in WRITE_VERBS and not s.lstrip().startswith(allowed)
    ]
