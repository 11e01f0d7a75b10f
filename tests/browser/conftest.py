"""A live forum and Debian's Chromium for the browser tests.

One server and one browser per session; every test opens its own browser contexts
(a context is a fresh cookie jar: one signed-in person) and makes its own users, so
tests neither share state nor depend on their order. CSRF is on: the forms are real.
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from dataclasses import dataclass

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestConfig
from forum import create_app
from forum.extensions import db
from tests.factories import PASSWORD, make_comment, make_group, make_post, make_user

CHROMIUM = "/usr/bin/chromium"
# Headless as root, and quiet: without the networking flags Chromium keeps calling
# outside hosts, which this network refuses (see /work/shared/notes/browser-tests.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Fail in seconds, not Playwright's default 30: every page here is local. A machine busy
# with other work can take longer: BROWSER_TIMEOUT_MS raises the limit for one run.
TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", "5000"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, database_copy):
    root = tmp_path_factory.mktemp("live")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_copy("browser_live"),
        SEARCH_INDEX_DIR=str(root / "index"),
        UPLOAD_DIR=str(root / "uploads"),
        WTF_CSRF_ENABLED=True,
    )
    return app


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output should show the failure, not every GET."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-forum", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright passes this to every context, so pages can goto("/path")."""
    return live_server


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str
    password: str = PASSWORD


@dataclass(frozen=True)
class GroupRef:
    id: int
    slug: str
    name: str


_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test (nor an earlier run against the same server) has used."""
    return f"{prefix}{next(_serial)}{uuid.uuid4().hex[:6]}"


class Forum:
    """Data made through the live app's real services, handed back as plain values."""

    def __init__(self, app):
        self.app = app

    def person(self, prefix: str = "u") -> Person:
        with self.app.app_context():
            name = unique(prefix)
            user = make_user(name, display_name=name.capitalize())
            return Person(user.id, user.username, user.display_name)

    def group(self, owner: Person, *members: Person) -> GroupRef:
        from forum.models import User

        with self.app.app_context():
            users = [db.session.get(User, p.id) for p in (owner, *members)]
            group = make_group(users[0], unique("Group "), members=tuple(users[1:]))
            return GroupRef(group.id, group.slug, group.name)

    def post(self, author: Person, title: str, body: str = "Body.", **kwargs) -> int:
        from forum.models import User

        with self.app.app_context():
            return make_post(db.session.get(User, author.id), title, body, **kwargs).id

    def comment(self, author: Person, post_id: int, body: str, parent_id: int | None = None) -> int:
        from forum.models import Comment, Post, User

        with self.app.app_context():
            parent = db.session.get(Comment, parent_id) if parent_id else None
            return make_comment(db.session.get(User, author.id), db.session.get(Post, post_id), body, parent).id

    def run(self, fn):
        """Call fn() inside the live app's context (for changes no UI offers yet)."""
        with self.app.app_context():
            return fn()


@pytest.fixture
def forum(live_app):
    return Forum(live_app)


@pytest.fixture
def open_page(new_context):
    """open_page() -> a page in a brand-new context: a separate visitor with no cookies."""

    def open_one(viewport: dict | None = None):
        context = new_context(viewport=viewport) if viewport else new_context()
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_one


def sign_in(page, person: Person) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert page.get_by_role("button", name="Sign out").is_visible()


@pytest.fixture
def signed_in(open_page):
    """signed_in(person) -> a page of a new context where `person` is signed in."""

    def sign_in_as(person: Person, viewport: dict | None = None):
        page = open_page(viewport)
        sign_in(page, person)
        return page

    return sign_in_as
