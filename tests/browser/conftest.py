"""A live forum and Debian's Chromium for the browser tests.

One server and one browser per session; every test opens its own browser contexts
(a context is a fresh cookie jar: one signed-in person) and makes its own users, so
tests neither share state nor depend on their order. CSRF is on: the forms are real.
Under pytest-xdist each worker has its own server, database and browser. What is not a
fixture is in helpers.py.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from forum import create_app
from forum.extensions import db
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Forum, Person, QuietHandler, sign_in


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


@pytest.fixture
def signed_in(open_page):
    """signed_in(person) -> a page of a new context where `person` is signed in."""

    def sign_in_as(person: Person, viewport: dict | None = None):
        page = open_page(viewport)
        sign_in(page, person)
        return page

    return sign_in_as
