"""Votes of unverified or young accounts are kept but move no score or karma until the
account qualifies (VOTE_WEIGHT_AFTER_DAYS, docs/karma.md): a crowd of fresh accounts
cannot lift a member across the thresholds that unlock down-votes and strong votes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.models import User, Vote
from forum.models._time import utcnow
from forum.services.votes import audit, cast_vote, count_pending_votes, viewer_votes
from tests.factories import login, make_comment, make_post, make_user
from tests.votes.helpers import JSON, fresh


@pytest.fixture
def waiting(app):
    app.config["VOTE_WEIGHT_AFTER_DAYS"] = 3
    return app


def _age(user: User, days: float) -> User:
    user.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return user


def test_a_young_accounts_vote_is_kept_and_shown_but_moves_nothing(waiting, author, post, client):
    newcomer = make_user("newcomer")
    result = cast_vote(newcomer, post, "up")
    assert result.pending is True and result.vote == "up"
    assert (result.score, result.vote_count) == (0, 0)
    assert fresh(author).karma == 0
    assert db.session.scalar(select(Vote.counted).where(Vote.user_id == newcomer.id)) is False
    # The voter sees their own vote, as before.
    assert viewer_votes(newcomer, post_ids=[post.id]).choice(post) == "up"
    # Stored totals still equal the counted votes.
    assert audit() == []


def test_an_unverified_account_waits_however_old(app, waiting, author, post):
    # A site may let unverified accounts vote (UNVERIFIED_MAY); their votes still wait.
    app.config["UNVERIFIED_MAY"] = {*app.config["UNVERIFIED_MAY"], "vote"}
    old = _age(make_user("old"), 30)
    old.email_verified_at = None
    db.session.commit()
    assert cast_vote(old, post, "up").pending is True
    assert fresh(author).karma == 0


def test_a_crowd_of_fresh_accounts_cannot_unlock_strong_votes(waiting, author):
    posts = [make_post(author, f"Result {i}") for i in range(3)]
    for i in range(24):
        puppet = make_user(f"puppet{i}")
        for target in posts:
            cast_vote(puppet, target, "up")
    author = fresh(author)
    assert author.karma == 0
    assert not permissions.can_strong_vote(author) and not permissions.can_down_vote(author)


def test_kept_votes_count_once_the_account_qualifies(waiting, author, post):
    newcomer = make_user("newcomer")
    comment = make_comment(author, post)
    cast_vote(newcomer, post, "up")
    cast_vote(newcomer, comment, "up")
    assert count_pending_votes() == 0  # not old enough yet
    _age(newcomer, 3.01)
    assert count_pending_votes() == 2
    assert (fresh(post).score, fresh(post).vote_count, fresh(comment).score) == (1, 1, 1)
    assert fresh(author).karma == 2
    assert count_pending_votes() == 0  # counted once only
    assert audit() == []
    # Taking a counted vote back removes it as usual.
    cast_vote(newcomer, post, "up")
    assert (fresh(post).score, fresh(author).karma) == (0, 1)


def test_a_kept_vote_taken_back_or_changed_leaves_the_totals_alone(waiting, author, post):
    newcomer = make_user("newcomer")
    cast_vote(newcomer, post, "up")
    assert cast_vote(newcomer, post, "up").vote is None  # taken back
    assert db.session.scalar(select(Vote.id).where(Vote.user_id == newcomer.id)) is None
    cast_vote(newcomer, post, "up")
    # Agreement is a head count, not karma: it is not held back.
    comment = make_comment(author, post)
    assert cast_vote(newcomer, comment, "agree", axis="agreement").pending is None
    assert fresh(comment).agreement == 1
    assert (fresh(post).score, fresh(author).karma) == (0, 0)
    assert audit() == []


def test_the_voters_next_vote_counts_their_kept_ones_first(waiting, author, post):
    newcomer = make_user("newcomer")
    cast_vote(newcomer, post, "up")
    _age(newcomer, 4)
    other = make_post(author, "Another")
    assert cast_vote(newcomer, other, "up").pending is None
    assert (fresh(post).score, fresh(other).score, fresh(author).karma) == (1, 1, 2)


def test_the_button_says_the_vote_waits(waiting, post, client):
    login(client, make_user("newcomer"))
    answer = client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).get_json()
    assert answer["pending"] is True and answer["vote"] == "up" and answer["score"] == 0
    client.post(f"/posts/{post.id}/vote", data={"value": "up"})  # taken back
    response = client.post(f"/posts/{post.id}/vote", data={"value": "up"}, follow_redirects=True)
    assert "counts toward scores and karma once your account" in response.get_data(as_text=True)


def test_the_worker_and_the_command_count_kept_votes(waiting, author, post, tmp_path):
    cast_vote(_age(make_user("newcomer"), 2.5), post, "up")
    runner = waiting.test_cli_runner()
    assert "0 kept votes counted." in runner.invoke(args=["forum", "count-pending-votes"]).output
    _age(db.session.scalar(select(User).where(User.username == "newcomer")), 3.5)
    waiting.config["MAIL_SINK_DIR"] = str(tmp_path / "mail")
    assert runner.invoke(args=["forum", "worker", "--once"]).exit_code == 0
    assert fresh(post).score == 1 and fresh(author).karma == 1
