"""One vote per user and item, whatever arrives at the same time. Uses the fixture's
file SQLite database, so each thread has its own connection and transaction."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Post, User, Vote
from forum.services import votes as vote_service
from tests.factories import PASSWORD, make_post, make_user
from tests.votes.helpers import fresh, vote_rows


def test_unique_constraint_refuses_a_second_row(app):
    author, voter = make_user(), make_user()
    post = make_post(author)
    db.session.add(Vote(user_id=voter.id, post_id=post.id, axis="karma", direction=1, weight=1))
    db.session.commit()
    db.session.add(Vote(user_id=voter.id, post_id=post.id, axis="karma", direction=1, weight=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert vote_rows(post_id=post.id) == 1


def test_two_simultaneous_identical_votes_count_once(app):
    """Two clients press "up" on the same page at the same moment."""
    author, voter = make_user(), make_user()
    post = make_post(author)
    post_id = post.id
    clients = [app.test_client(), app.test_client()]
    for c in clients:
        c.post("/login", data={"username": voter.username, "password": PASSWORD})
    start = threading.Barrier(2)
    statuses = []

    def press(client):
        with app.app_context():  # each thread: its own session and connection
            start.wait()
            response = client.post(
                f"/posts/{post_id}/vote",
                data={"value": "up", "current": "none"},
                headers={"Accept": "application/json"},
            )
            statuses.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in statuses] == [200, 200]
    assert all(body["score"] == 1 and body["vote"] == "up" for _, body in statuses)
    assert vote_rows(post_id=post.id) == 1
    assert fresh(post).score == 1 and fresh(post).vote_count == 1
    assert fresh(author).karma == 1


def test_losing_the_insert_race_counts_once(app, monkeypatch):
    """Force the race: another request records the same vote between this one's read and its insert."""
    author, voter = make_user(), make_user()
    post = make_post(author)
    post_id, voter_id = post.id, voter.id
    real_check = vote_service._check_thresholds
    raced = []

    def other_request_first(*args):
        if not raced:
            raced.append(True)

            def other():
                with app.app_context():
                    vote_service.cast_vote(
                        db.session.get(User, voter_id), db.session.get(Post, post_id), "up", expected="none"
                    )
                    db.session.remove()

            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
        return real_check(*args)

    real_apply, attempts = vote_service._apply, []

    def counted_apply(*args):
        attempts.append(threading.get_ident())
        return real_apply(*args)

    monkeypatch.setattr(vote_service, "_check_thresholds", other_request_first)
    monkeypatch.setattr(vote_service, "_apply", counted_apply)
    result = vote_service.cast_vote(voter, post, "up")
    assert raced
    # This request's insert hit the unique constraint and it decided again.
    assert attempts.count(threading.get_ident()) == 2
    assert (result.score, result.vote) == (1, "up")
    assert vote_rows(post_id=post_id) == 1
    assert fresh(post).score == 1
    assert fresh(author).karma == 1
