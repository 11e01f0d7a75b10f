"""Read receipts and "new since your last visit"."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from forum.extensions import db
from forum.models import Comment, PostRead
from forum.services import moderation, reads
from forum.services import posts as post_service
from tests.factories import READ_RECEIPTS, login, make_comment, make_post, make_user, statements, writes
from tests.moderation_helpers import make_moderator
from tests.trust.helpers import n_rows, read_of, restricted_post


def _age_visits(user, post, by=timedelta(minutes=5)):
    """Move the user's recorded visits into the past, so later comments are newer."""
    row = read_of(user, post)
    row.last_read_at, row.first_read_at = row.last_read_at - by, row.first_read_at - by
    db.session.commit()


def new_ids(page: str) -> set[int]:
    return {
        int(cid)
        for classes, cid in re.findall(r'<li class="([^"]*)" id="c(\d+)"', page)
        if "comment-new" in classes.split()
    }


def test_opening_a_post_records_first_last_and_previous_visit(client):
    ada, ben = make_user("ada"), make_user("ben")
    post = make_post(ada, "Open")
    login(client, ben)
    assert client.get(f"/posts/{post.id}").status_code == 200
    first = read_of(ben, post)
    assert first.first_read_at == first.last_read_at and first.previous_read_at is None
    _age_visits(ben, post)
    first_visit = read_of(ben, post).last_read_at
    client.get(f"/posts/{post.id}")
    again = read_of(ben, post)
    assert again.previous_read_at == first_visit == again.first_read_at  # the first visit stays the first
    assert again.last_read_at > first_visit


@contextmanager
def commits():
    """The transactions the database committed meanwhile (a disk sync each)."""
    done: list = []
    listener = done.append
    event.listen(db.engine, "commit", listener)
    try:
        yield done
    finally:
        event.remove(db.engine, "commit", listener)


def test_a_visit_is_one_upsert_and_nothing_else(client):
    ada, ben = make_user("ada"), make_user("ben")
    post = make_post(ada, "Open")
    make_comment(ada, post, "hello")
    login(client, ben)
    for _ in range(2):  # the insert, then (the last view recorded long ago) the update path of the same statement
        with statements() as seen, commits() as committed:
            client.get(f"/posts/{post.id}")
        written = writes(seen)
        assert len(written) == 1 and "ON CONFLICT" in written[0] and written[0].startswith("INSERT INTO post_reads")
        assert writes(seen, allow=READ_RECEIPTS) == [] and len(committed) == 1
        _age_visits(ben, post, by=reads.VISIT + timedelta(seconds=1))


def test_a_reload_that_marks_nothing_new_writes_and_commits_nothing(client):
    ada, ben = make_user("ada"), make_user("ben")
    post = make_post(ada, "Open")
    make_comment(ada, post, "hello")
    make_comment(ben, post, "my own reply")  # the viewer's own: never new to them
    login(client, ben)
    client.get(f"/posts/{post.id}")
    recorded = read_of(ben, post).last_read_at
    make_comment(ben, post, "another of mine")
    for _ in range(2):
        db.session.expire_all()
        with statements() as seen, commits() as committed:
            assert client.get(f"/posts/{post.id}").status_code == 200
        assert writes(seen) == [] and committed == []
        assert read_of(ben, post).last_read_at == recorded


def test_nothing_is_recorded_for_anonymous_gated_hidden_or_deleted(client):
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    gated = restricted_post(ada, users=(ben,), terms="Ask first.")
    hidden = restricted_post(ada, users=(ben,))
    deleted = make_post(ada, "Gone")
    post_service.delete_post(deleted)
    client.get(f"/posts/{gated.id}")  # anonymous: 404
    login(client, ben)
    assert "Ask first." in client.get(f"/posts/{gated.id}").get_data(as_text=True)  # the terms gate
    client.get(f"/posts/{deleted.id}")
    client.get(f"/api/v1/posts/{gated.id}")
    login(client, eli)
    assert client.get(f"/posts/{hidden.id}").status_code == 404
    assert n_rows(PostRead) == 0


def test_accepting_terms_then_reading_records_the_read(client):
    ada, ben = make_user("ada"), make_user("ben")
    gated = restricted_post(ada, users=(ben,), terms="Ask first.")
    login(client, ben)
    client.post(f"/posts/{gated.id}/terms/accept", data={"version": "1"})
    assert read_of(ben, gated) is None  # accepting is not reading
    assert "The secret body." in client.get(f"/posts/{gated.id}").get_data(as_text=True)
    assert read_of(ben, gated) is not None


def test_an_api_read_counts_as_a_read(client):
    ada, ben = make_user("ada"), make_user("ben")
    post = restricted_post(ada, users=(ben,))
    login(client, ben)
    assert client.get(f"/api/v1/posts/{post.id}").status_code == 200
    assert read_of(ben, post) is not None


def test_comments_since_the_previous_visit_are_marked_new(client):
    ada, ben = make_user("ada"), make_user("ben")
    post = make_post(ada, "Thread")
    old = make_comment(ada, post, "before the visit")
    old.created_at -= timedelta(minutes=10)  # written well before the visit (which is moved back 5)
    db.session.commit()
    login(client, ben)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "comment-new" not in page  # a first visit marks nothing
    _age_visits(ben, post)
    fresh = make_comment(ada, post, "after the visit")
    own = make_comment(ben, post, "my own, after the visit")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert new_ids(page) == {fresh.id}  # not `old`, nor `own` (the viewer's)
    assert f'id="c{own.id}"' in page
    assert page.count('class="badge new-badge">new<') == 1
    # Reloading makes this visit the previous one: nothing is new any more.
    assert new_ids(client.get(f"/posts/{post.id}").get_data(as_text=True)) == set()
    # A comment written since: the next reload marks it (that reload is recorded, though the
    # last one was seconds ago), and the one after it does not.
    later = make_comment(ada, post, "during the visit")
    assert new_ids(client.get(f"/posts/{post.id}").get_data(as_text=True)) == {later.id}
    assert new_ids(client.get(f"/posts/{post.id}").get_data(as_text=True)) == set()


def test_front_page_counts_new_comments_the_viewer_may_read(client):
    ada, ben, mod = make_user("ada"), make_user("ben"), make_moderator("mod")
    post = make_post(ada, "Counted")
    untouched = make_post(ada, "Never opened")
    make_comment(ada, untouched, "unseen")
    login(client, ben)
    client.get(f"/posts/{post.id}")
    _age_visits(ben, post)
    make_comment(ada, post, "one")
    make_comment(ada, post, "two")
    make_comment(ben, post, "mine")  # the viewer's own: not new to them
    removed = make_comment(ada, post, "removed")
    moderation.remove_comment(mod, removed, "spam")
    deleted = make_comment(ada, post, "deleted")
    from forum.services import comments as comment_service

    comment_service.delete_comment(deleted)
    front = client.get("/").get_data(as_text=True)
    assert front.count("new-badge") == 1 and ">2 new<" in front
    # Anonymous visitors see no counts.
    client.post("/logout")
    assert "new-badge" not in client.get("/").get_data(as_text=True)


@pytest.mark.usefixtures("no_page_cache")  # counts what making the page costs
def test_front_page_counts_are_one_query_whatever_the_page_holds(client):
    ada, ben = make_user("ada"), make_user("ben")
    login(client, ben)

    def front_statements():
        client.get("/")
        with statements() as seen:
            client.get("/")
        return len(seen)

    post = make_post(ada, "First")
    client.get(f"/posts/{post.id}")
    few = front_statements()
    for i in range(4):
        other = make_post(ada, f"More {i}")
        client.get(f"/posts/{other.id}")
        make_comment(ada, other, "new one")
    assert front_statements() == few
    assert n_rows(Comment) == 4
