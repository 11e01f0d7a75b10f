"""Front-page sorts and comment-thread sorts, with time controlled through created_at."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from forum.extensions import db
from forum.models import Post, ranking
from forum.queries import listings
from tests.factories import make_comment, make_post, make_user
from tests.votes.helpers import place

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def shelf(app):
    """Six posts: (name, score, age)."""
    author = make_user()
    layout = [
        ("A", 50, 20 * HOUR),
        ("B", 0, timedelta(0)),
        ("C", 5, 2 * DAY),
        ("D", 200, 10 * DAY),
        ("E", 1000, 60 * DAY),
        ("F", 5000, 400 * DAY),
    ]
    return {name: place(make_post(author, name), score=score, age=age).id for name, score, age in layout}


def _order(shelf, sort):
    names = {v: k for k, v in shelf.items()}
    return "".join(names[p.id] for p in db.session.scalars(listings.front_page(None, sort)))


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("hot", "ABCDEF"),
        ("new", "BACDEF"),
        ("top-day", "AB"),
        ("top-week", "ACB"),
        ("top-month", "DACB"),
        ("top-year", "EDACB"),
        ("top-all", "FEDACB"),
    ],
)
def test_front_page_sorts(shelf, sort, expected):
    assert _order(shelf, sort) == expected


def test_every_sort_is_tested():
    assert set(listings.SORTS) == {"hot", "new", "top-day", "top-week", "top-month", "top-year", "top-all"}


def test_front_page_page_uses_the_sort(client, shelf):
    page = client.get("/?sort=top-all").get_data(as_text=True)
    titles = re.findall(r'<h2><a href="/posts/\d+">(\w)</a>', page)
    assert "".join(titles) == "FEDACB"
    assert "".join(re.findall(r'<h2><a href="/posts/\d+">(\w)</a>', client.get("/").get_data(as_text=True))) == "ABCDEF"
    assert client.get("/?sort=bogus").status_code == 200


def test_hot_formula():
    t = datetime(2025, 6, 1)
    base = (t - ranking.HOT_EPOCH).total_seconds() / ranking.HOT_PERIOD_SECONDS
    assert ranking.hot(0, t) == pytest.approx(base)
    assert ranking.hot(1, t) == pytest.approx(base)
    assert ranking.hot(100, t) == pytest.approx(base + 2)
    assert ranking.hot(-100, t) == pytest.approx(base - 2)
    # A day younger is worth ten times the score.
    assert ranking.hot(10, t) == pytest.approx(ranking.hot(100, t - timedelta(seconds=ranking.HOT_PERIOD_SECONDS)))


def test_hot_is_stored_for_new_posts_and_follows_created_at(app):
    post = make_post(make_user())
    assert post.hot == pytest.approx(ranking.hot(0, post.created_at))
    place(post, score=10, age=3 * DAY)
    stored = db.session.get(Post, post.id)
    assert stored.hot == pytest.approx(ranking.hot(10, stored.created_at))


@pytest.fixture
def thread(app):
    author = make_user()
    post = make_post(author)
    first = make_comment(author, post, "first")
    second = make_comment(author, post, "second")
    third = make_comment(author, post, "third")
    reply_low = make_comment(author, post, "reply-low", parent=first)
    reply_high = make_comment(author, post, "reply-high", parent=first)
    for comment, score, age in ((first, 1, 5), (second, 7, 4), (third, 3, 3), (reply_low, -1, 2), (reply_high, 4, 1)):
        comment.score, comment.created_at = score, datetime(2025, 1, 1) - timedelta(hours=age)
    db.session.commit()
    return post


def _thread_order(client, post, sort=None):
    page = client.get(f"/posts/{post.id}" + (f"?sort={sort}" if sort else "")).get_data(as_text=True)
    return re.findall(r"<p>(first|second|third|reply-low|reply-high)</p>", page)


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("top", ["second", "third", "first", "reply-high", "reply-low"]),
        ("new", ["third", "second", "first", "reply-high", "reply-low"]),
        ("old", ["first", "reply-low", "reply-high", "second", "third"]),
    ],
)
def test_comment_sorts(client, thread, sort, expected):
    # Pre-order: a comment's replies follow it, sorted the same way among themselves.
    assert _thread_order(client, thread, sort) == expected


def test_comment_sort_defaults_to_top(client, thread):
    assert _thread_order(client, thread) == _thread_order(client, thread, "top")


def test_low_scored_comments_start_collapsed(client, app):
    author = make_user()
    post = make_post(author)
    low = make_comment(author, post, "buried")
    fine = make_comment(author, post, "kept")
    low.score = app.config["COMMENT_COLLAPSE_SCORE"]
    fine.score = app.config["COMMENT_COLLAPSE_SCORE"] + 1
    db.session.commit()
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    # The byline stays outside the toggle (issue 24: no links nested in a <summary>).
    assert re.search(rf'id="c{low.id}"><div class="comment-head">[^<]*(<[^d][^<]*)*</div><details>', page)
    assert re.search(rf'id="c{fine.id}"><div class="comment-head">[^<]*(<[^d][^<]*)*</div><details open>', page)
    assert "buried" in page  # still there, one click away
