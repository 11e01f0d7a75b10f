"""Fifty writers at once against a real PostgreSQL server: votes, karma and comment counts
lose no update and no transaction dies of a deadlock.

Each writer is a thread with its own app context, so its own session, connection and
transaction, all released together by a barrier. SQLite is left out: it lets one writer
at a time hold the file, so there are no concurrent transactions whose updates could be
lost, and under this load it answers "database is locked" by design.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.models import Comment, Post, User, Vote, ranking
from forum.services import comments as comment_service
from forum.services import votes as vote_service
from tests.factories import ON_POSTGRES, make_comment, make_post, make_user

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="concurrent transactions need PostgreSQL (make test-postgres)")

WRITERS = 50


@pytest.fixture
def writers_app(app):
    """An app over the same database whose pool holds a connection per writer."""
    options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": WRITERS, "max_overflow": 0, "pool_timeout": 120}
    own = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS=options,
        SEARCH_INDEX_DIR="",
    )
    yield own
    with own.app_context():
        db.engine.dispose()


def run_at_once(app, jobs: list[Callable[[], object]]) -> list[BaseException]:
    """Run every job in its own thread and app context, started together; the errors."""
    start, errors = threading.Barrier(len(jobs)), []

    def worker(job):
        with app.app_context():
            try:
                start.wait()
                job()
            except BaseException as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _vote(voter_id: int, kind: type[Post] | type[Comment], target_id: int, choice: str = "up", axis: str = "karma"):
    return lambda: vote_service.cast_vote(db.session.get(User, voter_id), db.session.get(kind, target_id), choice, axis)


def _fresh(kind, id_):
    db.session.expire_all()
    return db.session.get(kind, id_)


def test_fifty_voters_on_one_post_lose_no_vote(writers_app):
    author = make_user()
    post = make_post(author)
    voter_ids = [make_user().id for _ in range(WRITERS)]
    post_id, author_id = post.id, author.id
    db.session.commit()

    assert run_at_once(writers_app, [_vote(v, Post, post_id) for v in voter_ids]) == []

    post = _fresh(Post, post_id)
    assert (post.score, post.vote_count) == (WRITERS, WRITERS)
    assert post.hot == ranking.hot(WRITERS, post.created_at)
    assert _fresh(User, author_id).karma == WRITERS == vote_service.expected_karma([author_id])[author_id]


def test_fifty_presses_of_one_voter_leave_one_vote(writers_app):
    """The same button pressed in fifty tabs at once: every press means "set to up"."""
    author, voter = make_user(), make_user()
    post = make_post(author)
    post_id, voter_id, author_id = post.id, voter.id, author.id

    def press():
        vote_service.cast_vote(db.session.get(User, voter_id), db.session.get(Post, post_id), "up", expected="none")

    assert run_at_once(writers_app, [press] * WRITERS) == []
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.post_id == post_id)) == 1
    assert (_fresh(Post, post_id).score, _fresh(User, author_id).karma) == (1, 1)


def test_fifty_comments_at_once_are_all_counted(writers_app):
    author = make_user()
    post = make_post(author)
    commenter_ids = [make_user().id for _ in range(WRITERS)]
    post_id = post.id

    def comment(user_id):
        return lambda: comment_service.add_comment(
            db.session.get(User, user_id), db.session.get(Post, post_id), "At once."
        )

    assert run_at_once(writers_app, [comment(u) for u in commenter_ids]) == []
    assert _fresh(Post, post_id).comment_count == WRITERS
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.post_id == post_id)) == WRITERS


def test_crossed_votes_comments_and_karma_end_consistent(writers_app):
    """Ten users each write a post and a comment, then all vote on each other's posts and
    comments (both axes) and comment again, all at once: every transaction locks rows of
    several authors in a different order, which is where deadlocks would come from."""
    users = [make_user() for _ in range(10)]
    posts = [make_post(u) for u in users]
    comments = [make_comment(users[(i + 1) % 10], p) for i, p in enumerate(posts)]
    ids = [u.id for u in users]
    post_ids, comment_ids = [p.id for p in posts], [c.id for c in comments]
    comment_authors = [c.author_id for c in comments]

    jobs = []
    for i, voter in enumerate(ids):
        for k in range(1, 3):
            target = (i + k) % 10
            jobs.append(_vote(voter, Post, post_ids[target]))
            if comment_authors[target] != voter:
                jobs.append(_vote(voter, Comment, comment_ids[target]))
                jobs.append(_vote(voter, Comment, comment_ids[target], "agree", "agreement"))
        jobs.append(
            lambda v=voter, p=post_ids[(i + 5) % 10]: comment_service.add_comment(
                db.session.get(User, v), db.session.get(Post, p), "Meanwhile."
            )
        )
    jobs = jobs[:WRITERS]

    assert run_at_once(writers_app, jobs) == []

    db.session.expire_all()
    for post_id in post_ids:
        post = db.session.get(Post, post_id)
        votes = db.session.scalars(select(Vote.weight).where(Vote.post_id == post_id)).all()
        assert (post.score, post.vote_count) == (sum(votes), len(votes))
        live = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.post_id == post_id))
        assert post.comment_count == live
    for comment_id in comment_ids:
        comment = db.session.get(Comment, comment_id)
        karma = db.session.scalars(select(Vote.weight).where(Vote.comment_id == comment_id, Vote.axis == "karma")).all()
        agree = db.session.scalars(
            select(Vote.weight).where(Vote.comment_id == comment_id, Vote.axis == "agreement")
        ).all()
        assert (comment.score, comment.vote_count, comment.agreement, comment.agreement_count) == (
            sum(karma),
            len(karma),
            sum(agree),
            len(agree),
        )
    expected = vote_service.expected_karma(ids)
    assert {u: db.session.get(User, u).karma for u in ids} == {u: expected.get(u, 0) for u in ids}
    assert sum(expected.values()) > 0
