"""Hourly limits on new accounts (sign-in limits: tests/test_sign_in_limits.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Comment, Post
from forum.models._time import utcnow
from forum.services import ServiceError
from tests.factories import login, make_post, make_user
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
    return client.post("/posts/new", data={"title": title, "body": body, "audience": "public", "confirm_public": "y"})


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
