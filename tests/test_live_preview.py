"""The editor's live preview: the server renders the text with the post page's renderer (math, figures,
sanitizing), for a signed-in writer with the form's CSRF token, rate-limited, and saves nothing."""

from __future__ import annotations

import re

import pytest

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.models import Post
from forum.rendering import marks
from tests.factories import PASSWORD, RequestIsolatedClient, login, make_user, statements, writes

TEXT = (
    "# Result\n\nThe loss is $x^2$.\n\n![figure](/posts/1/files/abc.png)\n\n"
    "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
)


@pytest.fixture
def ada(client):
    user = make_user("ada")
    login(client, user)
    return user


def test_the_preview_is_the_post_pages_rendering_and_saves_nothing(client, ada):
    with statements() as seen:
        response = client.post("/posts/preview", data={"body": TEXT})
    assert response.status_code == 200 and response.is_json
    html = response.get_json()["html"]
    assert html == marks.render_source(TEXT)
    assert "<math" in html and '<img src="/posts/1/files/abc.png"' in html
    assert "<script" not in html and 'href="javascript' not in html and "<img src=x" not in html
    assert writes(seen) == []
    assert response.headers["Cache-Control"] == "private, no-store"


def test_signed_out_gets_nothing_rendered(client):
    response = client.post("/posts/preview", data={"body": TEXT})
    assert response.status_code == 401 and "html" not in response.get_json()


def test_a_too_long_text_is_refused_with_a_message(client, ada):
    response = client.post("/posts/preview", data={"body": "x" * 100_001})
    assert response.status_code == 400 and "html" not in response.get_json()


@pytest.fixture
def strict_app(app):
    """An app of its own with CSRF and Flask-Limiter on (the suite's are off), on the same database."""
    strict = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        PREVIEW_LIMIT="3 per minute",
    )
    strict.test_client_class = RequestIsolatedClient
    limiter.reset()
    with strict.app_context():
        yield strict
        db.session.remove()
        db.engine.dispose()


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def test_the_preview_needs_the_forms_token_and_is_rate_limited(strict_app):
    make_user("ada")
    browser = strict_app.test_client()
    token = _token(browser, "/login")
    browser.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
    editor_token = _token(browser, "/posts/new")
    refused = browser.post("/posts/preview", data={"body": TEXT})
    assert refused.status_code == 400 and "<math" not in refused.get_data(as_text=True)
    for _ in range(3):
        assert browser.post("/posts/preview", data={"body": TEXT, "csrf_token": editor_token}).status_code == 200
    assert browser.post("/posts/preview", data={"body": TEXT, "csrf_token": editor_token}).status_code == 429


def test_without_javascript_the_preview_button_shows_it_beside_the_kept_text(client, ada):
    editor = client.get("/posts/new").get_data(as_text=True)
    assert re.search(r'<section class="preview preview-empty" id="preview-pane"', editor)
    response = client.post("/posts/new", data={"title": "Typed", "body": TEXT, "preview": "Preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<section class="preview" id="preview-pane"[^>]*data-url="/posts/preview">', page)
    assert marks.render_source(TEXT) in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "The loss is $x^2$." in page  # the source, still in the textarea
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0
