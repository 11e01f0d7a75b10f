"""The post page's comments as plain rows (forum/queries/threads.py: `comment_page_rows`, run
through its statement built once by `comment_page_of`; `PageThread`): the same thread, byte
for byte, as the ORM rows gave, with the count of top-level comments carried by the same statement."""

from __future__ import annotations

import pytest
from flask_login import login_user, logout_user

from forum.extensions import db
from forum.models import Comment, Post
from forum.queries import listings
from forum.queries.threads import comment_page_of, page_thread
from forum.rendering.thread_html import render_thread, with_thread
from forum.services import moderation
from forum.views.posts import _tree
from tests.factories import login, make_comment, make_post, make_user, statements
from tests.moderation_helpers import make_moderator


@pytest.fixture(autouse=True)
def every_request_renders(app, monkeypatch):
    """Neither the page cache nor the shared thread answers: each request builds the thread."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    monkeypatch.setitem(app.config, "SHARED_THREADS", 0)


@pytest.fixture
def thread(app):
    author, ann, ben = make_user("author"), make_user("ann", display_name="Ann <b>A</b>"), make_user("ben")
    post = make_post(author, "A discussed post")
    first = make_comment(ann, post, "Ann's *first* comment.")
    reply = make_comment(ben, post, "Ben replies.", parent=first)
    make_comment(author, post, "A reply to the reply.", parent=reply)
    removed = make_comment(ben, post, "Ben's removed comment.")
    moderation.remove_comment(make_moderator("mod"), removed, "Off topic")
    make_comment(ann, post, "Ann again.")
    return {"post": post, "author": author, "ann": ann, "ben": ben}


def _html(app, viewer, post_id: int, rows: bool) -> str:
    """The thread of the post's first page for `viewer`, from plain rows or from ORM rows."""
    with app.test_request_context(f"/posts/{post_id}"):
        if viewer is not None:
            viewer.session_key = "a-test-session"  # what a sign-in sets; this request only renders
            login_user(viewer)
        post = db.session.get(Post, post_id)
        if rows:
            depth = app.config["MAX_THREAD_DEPTH"]
            thread, _ = page_thread(comment_page_of(viewer, post, "old", 0, 30), viewer, post, depth)
            page = with_thread(str(render_thread(thread, post, None, False, None)))
            html = page.decode() if isinstance(page, bytes) else page
        else:
            comments = list(db.session.scalars(listings.comment_page(viewer, post, "old", 0, 30)).unique())
            html = str(render_thread(_tree(comments), post, None, False, None))
        logout_user()
        return html


@pytest.mark.parametrize("who", ["nobody", "ann", "ben", "mod"])
def test_rows_render_the_thread_the_orm_rows_rendered(app, thread, who):
    """Signed out, a reader, the author of the removed comment (who is shown it with the
    notice) and a moderator: the same HTML either way."""
    viewer = {"nobody": None, "ann": thread["ann"], "ben": thread["ben"]}.get(who)
    if who == "mod":
        viewer = make_moderator("mod2")
    post_id = thread["post"].id
    from_rows, from_orm = _html(app, viewer, post_id, True), _html(app, viewer, post_id, False)
    assert "Ann's <em>first</em> comment." in from_rows and "Ann &lt;b&gt;A&lt;/b&gt;" in from_rows
    assert ("removed comment.</p>" in from_rows) == (who in ("ben", "mod"))
    assert from_rows == from_orm


def test_the_thread_and_its_count_are_one_statement(client, thread):
    login(client, thread["ann"])
    path = f"/posts/{thread['post'].id}"
    client.get(path)
    with statements() as seen:
        page = client.get(path).get_data(as_text=True)
    # Both the page of top-level comments and their count pick `parent_id IS NULL`.
    top_level = [s for s in seen if "comments.parent_id IS NULL" in s]
    assert len(top_level) == 1, "\n\n".join(top_level)
    assert "Ben replies." in page and "Ann again." in page


def test_a_page_past_the_end_still_counts_the_pages(app, client, thread, monkeypatch):
    """No rows carry the count there: it is asked for on its own."""
    monkeypatch.setitem(app.config, "COMMENTS_PER_PAGE", 1)
    top_level = db.session.query(Comment).filter_by(post_id=thread["post"].id, parent_id=None).count()
    page = client.get(f"/posts/{thread['post'].id}?page=9").get_data(as_text=True)
    assert f"There is no page 9 of comments: this thread has {top_level} pages." in " ".join(page.split())
    second = client.get(f"/posts/{thread['post'].id}?page=2").get_data(as_text=True)
    assert f"Comments page 2 of {top_level}" in second
