"""CSRF: every form POST needs a valid token; a refused form gives the text back."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.models import Comment, Post, User
from tests.factories import PASSWORD, RequestIsolatedClient, make_comment, make_post, make_user


@pytest.fixture
def csrf_app(database_copy):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("csrf_app"), WTF_CSRF_ENABLED=True)
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


def token_from(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, user: User):
    token = token_from(client, "/login")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_forms_carry_a_token(csrf_client):
    for path in ("/login", "/register"):
        assert token_from(csrf_client, path)


def test_sign_in_without_a_token_is_refused(csrf_client):
    make_user("ada")
    response = csrf_client.post("/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert PASSWORD not in page  # passwords are never echoed
    with csrf_client.session_transaction() as session:
        assert "_user_id" not in session


def test_register_without_a_token_creates_nothing(csrf_client):
    response = csrf_client.post(
        "/register", data={"username": "newbie", "display_name": "New", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 400
    assert count(User) == 0
    assert PASSWORD not in response.get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "", "wrong", "IjEyMyI.ZZZ.bad"])
def test_post_without_a_valid_token_is_refused_and_the_text_is_kept(csrf_client, token):
    sign_in(csrf_client, make_user("ada"))
    data = {
        "title": "A title <b>typed</b>",
        "body": "An hour of careful writing\n<script>alert(1)</script>",
        "tags": "",
        "audience": "public",
    }
    if token is not None:
        data["csrf_token"] = token
    response = csrf_client.post("/posts/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert count(Post) == 0
    assert "Your text was not saved" in page
    assert "readonly" in page
    # The typed text is back, escaped.
    assert "A title &lt;b&gt;typed&lt;/b&gt;" in page
    assert "An hour of careful writing\n&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page
    assert "<script>alert(1)" not in page
    if token:
        assert token not in page


def test_comment_without_a_token_changes_nothing(csrf_client):
    ada = make_user("ada")
    post = make_post(ada)
    sign_in(csrf_client, ada)
    response = csrf_client.post(f"/posts/{post.id}/comments", data={"body": "my careful reply"})
    assert response.status_code == 400
    assert "my careful reply</textarea>" in response.get_data(as_text=True)
    assert count(Comment) == 0


def test_delete_without_a_token_changes_nothing(csrf_client):
    ada = make_user("ada")
    post = make_post(ada)
    comment = make_comment(ada, post)
    sign_in(csrf_client, ada)
    for path in (f"/comments/{comment.id}/delete", f"/posts/{post.id}/delete"):
        response = csrf_client.post(path, data={"csrf_token": "wrong"})
        assert response.status_code == 400
        assert "Your text was not saved" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is None
    assert db.session.get(Comment, comment.id).deleted_at is None


def test_sign_out_without_a_token_keeps_you_signed_in(csrf_client):
    sign_in(csrf_client, make_user("ada"))
    assert csrf_client.post("/logout").status_code == 400
    with csrf_client.session_transaction() as session:
        assert "_user_id" in session


def test_a_valid_token_works(csrf_client):
    ada = make_user("ada")
    sign_in(csrf_client, ada)
    token = token_from(csrf_client, "/posts/new")
    response = csrf_client.post(
        "/posts/new",
        data={
            "title": "With token",
            "body": "Body",
            "tags": "",
            "audience": "public",
            "confirm_public": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert count(Post) == 1


def test_a_token_from_another_session_is_refused(csrf_app):
    ada, ben = make_user("ada"), make_user("ben")
    first, second = csrf_app.test_client(), csrf_app.test_client()
    sign_in(first, ada)
    sign_in(second, ben)
    stolen = token_from(first, "/posts/new")
    response = second.post("/posts/new", data={"title": "t", "body": "b", "audience": "public", "csrf_token": stolen})
    assert response.status_code == 400
    assert count(Post) == 0


def test_the_refused_editor_hands_back_typed_text_not_the_forms_choices(csrf_client):
    """The page that hands text back shows what was typed, not a "Terms: none" box or the cursor's position."""
    sign_in(csrf_client, make_user("ada"))
    data = {"title": "Kept title", "body": "Kept body.", "terms": "none", "cursor": "4", "open_history": "y"}
    page = csrf_client.post("/posts/new", data={**data, "csrf_token": "wrong"}).get_data(as_text=True)
    labels = re.findall(r'<label for="kept-\d+">([^<]*)</label>', page)
    assert labels == ["Title", "Body"]
