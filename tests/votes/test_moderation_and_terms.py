"""Votes meet bans, moderator removals and usage terms."""

from __future__ import annotations

from forum.extensions import db
from forum.services import moderation
from forum.services import posts as post_service
from forum.services.audience import PUBLIC
from forum.services.terms import resolve_terms
from tests.factories import login, make_comment, make_post, make_user
from tests.votes.helpers import JSON, fresh, vote_rows


def _moderator():
    user = make_user()
    user.role = "moderator"
    db.session.commit()
    return user


def test_banned_users_may_not_vote(client, app):
    post = make_post(make_user())
    voter = make_user()
    moderation.ban_user(_moderator(), voter, "Spam.", days=3)
    login(client, voter)
    response = client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON)
    assert response.status_code == 403
    assert "banned" in response.get_json()["error"]["message"]
    assert vote_rows() == 0 and fresh(post).score == 0


def test_removed_items_take_no_votes(client, app):
    author = make_user()
    post = make_post(author)
    comment = make_comment(author, post)
    mod = _moderator()
    moderation.remove_comment(mod, comment, "Off topic.")
    login(client, make_user())
    # A removed comment is hidden from readers; either way nothing is counted.
    assert client.post(f"/comments/{comment.id}/vote", data={"value": "up"}, headers=JSON).status_code in (404, 409)
    moderation.remove_post(mod, post, "Spam.")
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).status_code == 404
    login(client, mod)  # moderators still open removed posts, but cannot vote on them
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).status_code == 409
    assert vote_rows() == 0


def test_terms_gate_the_comments_not_the_post_score(client, app):
    """Before accepting, a reader sees the post's title and score in listings and may vote
    on it; its comments stay hidden, votes included."""
    author = make_user()
    post = make_post(author)
    comment = make_comment(make_user(), post)
    post_service.update_post(post, author, post.title, post.body_md, "", PUBLIC, terms=resolve_terms("cite-first"))
    login(client, make_user())
    assert client.post(f"/comments/{comment.id}/vote", data={"value": "up"}, headers=JSON).status_code == 404
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).get_json()["score"] == 1
    assert vote_rows() == 1
