"""What tests build data and measure with: make_* helpers that go through the real services,
sign-in helpers, a client whose requests are isolated as in production, and SQL statement
recording. Tests import these from here; conftest.py holds only fixtures."""

from __future__ import annotations

import functools
import os
import re
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from config import TestConfig
from forum.extensions import db
from forum.models import Comment, Group, Post, User
from forum.services import accounts, comments, groups, posts
from forum.services.audience import Audience

PASSWORD = "correct horse battery"

# A CSRF token is ~90 random characters, so a short name asserted absent from a page
# ("ivy") is found inside one about once in a thousand runs: pages are compared blanked.
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*(")')


def page_text(response) -> str:
    """The response's text with its per-request CSRF tokens blanked."""
    return CSRF_VALUE.sub(r"\1<CSRF>\2", response.get_data(as_text=True))


ON_POSTGRES = make_url(TestConfig.SQLALCHEMY_DATABASE_URI).get_backend_name() == "postgresql"


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


# --- make_* helpers: data through the real services ----------------------------------

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_user(username: str | None = None, *, verified: bool = True, email: str | None = None, **profile) -> User:
    """A user who can do everything: its address (username@example.org) is verified unless
    `verified=False` (then a verification link waits in the outbox, as after registering)."""
    username = username or f"user{_next()}"
    address = email or f"{username.strip().lower()}@example.org"
    user = accounts.register(username, profile.pop("display_name", ""), PASSWORD, address, verified=verified)
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
# last visit"). One upsert into this table; any other write on a GET is still a bug, but for
# a session's "last seen", written at most every five minutes (tests/test_no_writes_on_get.py).
READ_RECEIPTS = ("post_reads",)


def writes(seen: list[str], allow: tuple[str, ...] = ()) -> list[str]:
    """The writing statements in `seen`, but for upserts into the `allow`ed tables."""
    allowed = tuple(f"INSERT INTO {table} " for table in allow)
    return [
        s for s in seen if s.lstrip().split(None, 1)[0].upper() in WRITE_VERBS and not s.lstrip().startswith(allowed)
    ]


# --- databases of their own, per xdist worker ----------------------------------------

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def per_worker(name: str) -> str:
    """This xdist worker's own name for a database (unchanged when it already is one)."""
    if not WORKER or name.endswith(f"_{WORKER}"):
        return name
    return f"{name}_{WORKER}"


def postgres_databases():
    """`recreate(name, template)`: drop database `name` if it exists and create it again
    from `template`, on TEST_DATABASE_URL's server; its URL. Both names are this worker's
    own (`forum_live_gw1`), so workers never drop each other's databases."""
    server = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def recreate(name: str, template: str = "template0") -> str:
        name = per_worker(name)
        template = template if template == "template0" else per_worker(template)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return server.set(database=name).render_as_string(hide_password=False)

    return recreate


def empty_postgres_tables() -> None:
    """What copying the template file does on SQLite: every table empty, ids from 1.

    DELETE, children first, rather than TRUNCATE: TRUNCATE gives every table and index
    new files, about 0.2 s after each test; deleting the few rows a test made costs
    milliseconds. Every sequence of the database then starts again at 1. All of it goes
    in one round trip (a script of statements, which psycopg sends whole when it has no
    parameters): one statement each, fifty-odd round trips after each of three thousand
    tests, cost more than the deletes themselves."""
    with db.engine.begin() as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(_empty_tables_script())
        finally:
            cursor.close()


@functools.cache
def _empty_tables_script() -> str:
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    return "; ".join([*deletes, "SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'"])


class MailRecorder:
    """A mail transport that keeps what it is given (outbox.run_once(transport))."""

    def __init__(self):
        self.sent: list = []

    def send(self, message) -> None:
        self.sent.append(message)


def send_queued_mail() -> list:
    """Send what the outbox holds now, through a recorder; the messages sent."""
    from forum.mail import outbox

    transport = MailRecorder()
    outbox.run_once(transport)
    return transport.sent


def sibling_app(app, **config):
    """Another app over `app`'s database, CSRF off, its clients request-isolated, configured by
    `config`: for settings an app reads when it is made (rate limits, the registration mode)."""
    from forum import create_app

    other = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=False, **config
    )
    other.test_client_class = RequestIsolatedClient
    SIBLING_APPS.append(other)
    return other


# Every app sibling_app made: the `app` fixture closes their connections before it replaces
# the database file under them (a connection left open there reads a file that is gone:
# "disk I/O error" in whatever test runs next on that worker).
SIBLING_APPS: list = []


def close_sibling_apps() -> None:
    while SIBLING_APPS:
        with SIBLING_APPS.pop().app_context():
            db.engine.dispose()
