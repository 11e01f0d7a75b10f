"""Hourly limits on new accounts, and sign-in attempt limits (Flask-Limiter)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.models import Comment, Post
from forum.models._time import utcnow
from forum.services import ServiceError
from tests.factories import PASSWORD, login, make_post, make_user
from tests.moderation_helpers import count, make_moderator


@pytest.fixture
def limited(app):
    app.config.update(
        NEW_ACCOUNT_LIMITS_ENABLED=True,
        NEW_ACCOUNT_POSTS_PER_HOUR=2,
        NEW_ACCOUNT_COMMENTS_PER_HOUR=2,
        NEW_ACCOUNT_AGE_HOURS=72,
        NEW_ACCOUNT_KARMA=10,
    )
    return app


def _new_post(client, title="A title", body="My carefully typed body"):
    return client.post("/posts/new", data={"title": title, "body": body, "audience": "public"})


def test_new_accounts_are_limited_in_posts_per_hour(client, limited):
    user = make_user("newbie")
    login(client, user)
    assert _new_post(client).status_code == 302
    assert _new_post(client).status_code == 302
    response = _new_post(client, "Third title", "Third body I do not want to lose")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "New accounts can publish 2 posts an hour" in html
    assert "Third title" in html and "Third body I do not want to lose" in html
    assert count(Post, Post.author_id == user.id) == 2


def test_new_accounts_are_limited_in_comments_per_hour(client, limited):
    post = make_post(make_user("ada"))
    login(client, make_user("newbie"))
    for _ in range(2):
        assert client.post(f"/posts/{post.id}/comments", data={"body": "hi"}).status_code == 302
    response = client.post(f"/posts/{post.id}/comments", data={"body": "my third thought"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "2 comments an hour" in html and "my third thought" in html
    assert count(Comment) == 2


def test_the_window_is_one_hour(app, limited):
    user = make_user("newbie")
    for _ in range(2):
        make_post(user)
    with pytest.raises(ServiceError) as error:
        make_post(user)
    assert error.value.status == 429
    for post in db.session.scalars(db.select(Post)):
        post.created_at = utcnow() - timedelta(minutes=61)
    db.session.commit()
    make_post(user)


def test_established_accounts_and_moderators_are_not_limited(app, limited):
    veteran = make_user("veteran")
    veteran.karma = 50
    veteran.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    mod = make_moderator("mod")
    for _ in range(4):
        make_post(veteran)
        make_post(mod)
    # Old but low karma is still limited; both thresholds come from config.
    lowkarma = make_user("lowkarma")
    lowkarma.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    make_post(lowkarma)
    make_post(lowkarma)
    with pytest.raises(ServiceError):
        make_post(lowkarma)


def test_deleting_does_not_buy_more_posts(app, limited):
    from forum.services import posts as post_service

    user = make_user("newbie")
    for _ in range(2):
        post_service.delete_post(make_post(user))
    with pytest.raises(ServiceError):
        make_post(user)


# --- sign-in limits ---------------------------------------------------------------------


@pytest.fixture
def limited_login(app):
    """An app of its own with Flask-Limiter switched on, on the same database."""
    limited_app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=True,
        LOGIN_LIMIT="3 per minute",
    )
    with limited_app.app_context():
        yield limited_app
        db.session.remove()
        db.engine.dispose()
    # The limiter object is shared: the `app` fixture switches it back for the next test.


def _attempt(client, username, password="wrong password!", addr="10.0.0.1"):
    return client.post("/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": addr})


def test_sign_in_attempts_are_limited_per_account(limited_login):
    make_user("ada")
    client = limited_login.test_client()
    for i in range(3):
        assert _attempt(client, "ada", addr=f"10.0.1.{i}").status_code == 401
    response = _attempt(client, "ada", password=PASSWORD, addr="10.0.2.1")
    assert response.status_code == 429
    assert "Too many sign-in attempts for this account" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_sign_in_attempts_are_limited_per_address(limited_login):
    ben = make_user("ben")
    client = limited_login.test_client()
    for name in ("x1-user", "x2-user", "x3-user"):
        assert _attempt(client, name, addr="10.9.9.9").status_code == 401
    response = _attempt(client, "ben", password=PASSWORD, addr="10.9.9.9")
    assert response.status_code == 429
    assert "Too many sign-in attempts from your address" in response.get_data(as_text=True)
    # Another address may still sign in to another account.
    assert _attempt(client, "ben", password=PASSWORD, addr="10.8.8.8").status_code == 302
    assert ben.id


def test_reading_the_sign_in_page_is_not_limited(limited_login):
    client = limited_login.test_client()
    for _ in range(6):
        assert client.get("/login").status_code == 200
