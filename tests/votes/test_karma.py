"""Karma equals the votes, and `flask forum recompute-karma` proves it."""

from __future__ import annotations

import random

import pytest

from forum.extensions import db
from forum.models import Comment, Post
from forum.services import ServiceError
from forum.services.votes import CHOICES, audit, cast_vote
from tests.factories import login, make_comment, make_group, make_post, make_user, statements
from tests.votes.helpers import fresh


@pytest.fixture
def busy_forum(app):
    """Random votes of every kind, public and restricted, through the service."""
    rng = random.Random(7)
    users = [make_user() for _ in range(6)]
    group = make_group(users[0], members=tuple(users[1:4]))
    items = []
    for i, author in enumerate(users):
        kind = ("public", "members", "restricted")[i % 3]
        post = make_post(author, audience=kind, groups=(group,) if kind == "restricted" else ())
        items += [post, make_comment(users[(i + 1) % 4], post)]
    for voter in users:
        voter.karma = 100  # every button allowed; the audit below resets it to what votes say
    db.session.commit()
    for _ in range(150):
        voter, item = rng.choice(users), rng.choice(items)
        axis = "agreement" if isinstance(item, Comment) and rng.random() < 0.3 else "karma"
        try:
            cast_vote(voter, item, rng.choice(list(CHOICES[axis])), axis)
        except ServiceError:
            pass  # own writing
    audit(fix=True)
    return users


def test_karma_is_consistent_after_many_votes(busy_forum):
    rng = random.Random(8)
    users = busy_forum
    items = list(Post.query) + list(Comment.query)
    for _ in range(100):
        voter, item = rng.choice(users), rng.choice(items)
        try:
            cast_vote(voter, item, rng.choice(["up", "strong-up", "down", "strong-down"]))
        except ServiceError:
            pass
    assert audit() == []


def test_recompute_command_reports_and_fixes(app, busy_forum):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "recompute-karma"])
    assert result.exit_code == 0, result.output
    assert "match the votes" in result.output

    victim = busy_forum[1]
    post = Post.query.first()
    true_karma, true_score = victim.karma, post.score
    victim.karma += 5
    post.score += 2
    db.session.commit()

    result = runner.invoke(args=["forum", "recompute-karma"])
    assert result.exit_code == 1
    assert f"user {victim.id}: karma is {true_karma + 5}, votes say {true_karma}" in result.output
    assert f"post {post.id}: score is {true_score + 2}, votes say {true_score}" in result.output
    assert fresh(victim).karma == true_karma + 5  # reporting changes nothing

    result = runner.invoke(args=["forum", "recompute-karma", "--fix"])
    assert result.exit_code == 0 and "Fixed" in result.output
    assert fresh(victim).karma == true_karma and fresh(post).score == true_score
    assert runner.invoke(args=["forum", "recompute-karma"]).exit_code == 0


def test_profile_shows_karma(client, app):
    author = make_user("ada")
    cast_vote(make_user(), make_post(author), "up")
    assert "1 karma" in client.get("/users/ada").get_data(as_text=True)


def _queries(client, url):
    """Statements one request runs, in a fresh app context (its own session and `g`), as
    in production; the fixture's long-lived context would cache across requests."""
    with client.application.app_context(), statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def _front_page_queries(client, sort="hot"):
    return _queries(client, f"/?sort={sort}")


@pytest.mark.parametrize("sort", ["hot", "top-week"])
@pytest.mark.usefixtures("no_page_cache")
def test_front_page_query_count_does_not_grow_with_votes_or_posts(client, app, sort):
    viewer = make_user()
    authors = [make_user() for _ in range(4)]
    voters = [make_user() for _ in range(4)]
    login(client, viewer)
    for author in authors[:2]:
        make_post(author, tags="a, b")
    cast_vote(viewer, Post.query.first(), "up")
    _front_page_queries(client, sort)  # warm up: first-request work (statements built once) is not what this measures
    few = _front_page_queries(client, sort)
    assert few >= 5  # the counter sees the page's statements

    for author in authors:
        for _ in range(4):
            make_post(author, tags="a, b, c")
    for post in Post.query:
        for voter in voters + [viewer]:
            cast_vote(voter, post, "up", expected="none")
    assert _front_page_queries(client, sort) == few


@pytest.mark.usefixtures("no_page_cache")  # counts what making the page costs
def test_post_page_query_count_does_not_grow_with_comment_votes(client, app):
    viewer, author = make_user(), make_user()
    post = make_post(author)
    login(client, viewer)
    make_comment(author, post)
    few = _queries(client, f"/posts/{post.id}")
    for _ in range(6):
        comment = make_comment(make_user(), post)
        cast_vote(viewer, comment, "up")
        cast_vote(viewer, comment, "agree", axis="agreement")
    assert _queries(client, f"/posts/{post.id}") == few
