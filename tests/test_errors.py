"""Error pages: in the site's layout, with no stack trace."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from config import TestConfig
from forum import create_app
from forum.extensions import db
from tests.factories import ON_POSTGRES, RequestIsolatedClient, login, make_post, make_user

LAYOUT_MARK = 'class="site-header"'
TRACE_MARKS = ("Traceback", 'File "', "werkzeug", "sqlalchemy", "RuntimeError", "ZeroDivisionError")


def assert_error_page(response, status: int, title: str):
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert LAYOUT_MARK in page and "Back to the front page" in page
    assert f"<h1>{title}</h1>" in page
    for mark in TRACE_MARKS:
        assert mark not in page, mark
    return page


@pytest.fixture
def failing_app(database_copy):
    """An app with test-only routes that fail in ways the real ones should not."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("failing_app"), WTF_CSRF_ENABLED=False)
    app.test_client_class = RequestIsolatedClient

    @app.route("/_test/boom")
    def boom():
        return 1 / 0

    @app.route("/_test/db-boom")
    def db_boom():
        db.session.execute(text("SELECT * FROM no_such_table"))

    @app.route("/_test/connection-lost")
    def connection_lost():
        if ON_POSTGRES:  # the server really ends this session's connection
            db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        # SQLite has no server to lose: what SQLAlchemy raises when a connection drops.
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)

    @app.route("/_test/forbidden")
    def forbidden():
        abort(403)

    @app.route("/_test/conflict")
    def conflict():
        abort(409, "The thing changed under you.")

    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_404_in_layout(client):
    page = assert_error_page(client.get("/no/such/page"), 404, "Not found")
    assert "There is nothing here" in page


def test_404_for_a_missing_post_says_nothing_more(client):
    missing = client.get("/posts/4242").get_data(as_text=True)
    generic = client.get("/no/such/page").get_data(as_text=True)
    assert missing == generic.replace("/no/such/page", "/posts/4242")


def test_403_in_layout(client):
    post = make_post(make_user("ada"))
    login(client, make_user("ben"))
    assert_error_page(client.get(f"/posts/{post.id}/edit"), 403, "Not allowed")


def test_400_in_layout(client):
    post = make_post(make_user("ada"))
    login(client, make_user("ben"))
    response = client.post(f"/posts/{post.id}/comments", data={"body": "x", "parent_id": "not-a-number"})
    assert_error_page(response, 400, "Bad request")


def test_405_in_layout(client):
    assert_error_page(client.get("/logout"), 405, "Method not allowed")


def test_500_in_layout_without_traceback(failing_app, caplog):
    client = failing_app.test_client()
    page = assert_error_page(client.get("/_test/boom"), 500, "Something went wrong")
    assert "division by zero" not in page
    assert "Unhandled error on /_test/boom" in caplog.text


def test_500_from_the_database_leaves_the_session_usable(failing_app):
    client = failing_app.test_client()
    page = assert_error_page(client.get("/_test/db-boom"), 500, "Something went wrong")
    assert "no_such_table" not in page and "SELECT" not in page
    assert client.get("/").status_code == 200


def test_other_codes_keep_the_layout(failing_app):
    client = failing_app.test_client()
    assert_error_page(client.get("/_test/forbidden"), 403, "Not allowed")
    page = assert_error_page(client.get("/_test/conflict"), 409, "Conflict")
    assert "The thing changed under you." in page


def test_error_pages_are_html_with_security_headers(client):
    response = client.get("/nowhere")
    assert response.mimetype == "text/html"
    assert "Content-Security-Policy" in response.headers
