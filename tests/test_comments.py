"""Threaded comments: nesting, depth limit, permalinks, edit and delete."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Post
from forum.queries.threads import build_tree
from tests.factories import login, make_comment, make_post, make_user
from tests.privacy.oracle import normalized


def count_comments() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def chain(author, post, depth: int, prefix: str = "level") -> list[Comment]:
    """A single line of replies `depth` deep: level 0 is top level."""
    comments, parent = [], None
    for n in range(depth):
        parent = make_comment(author, post, f"{prefix} {n}", parent=parent)
        comments.append(parent)
    return comments


@pytest.fixture
def ada(client):
    user = make_user("ada", display_name="Ada Okafor")
    login(client, user)
    return user


def test_replies_nest_under_their_parents(client, ada):
    post = make_post(ada, "Thread")
    top = make_comment(ada, post, "top comment")
    response = client.post(f"/posts/{post.id}/comments", data={"body": "a reply", "parent_id": str(top.id)})
    assert response.status_code == 302
    reply = db.session.scalar(select(Comment).where(Comment.body_md == "a reply"))
    assert reply.parent_id == top.id
    assert response.headers["Location"].endswith(f"/posts/{post.id}#c{reply.id}")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    # The reply's <li> sits inside the top comment's nested <ol class="thread">.
    top_block = page[page.index(f'id="c{top.id}"') :]
    assert top_block.index('<ol class="thread">') < top_block.index(f'id="c{reply.id}"')
    assert "2 comments" in page
    assert db.session.get(Post, post.id).comment_count == 2


def test_reply_page(client, ada):
    post = make_post(ada, "Thread")
    top = make_comment(make_user("ben"), post, "what do you think?")
    page = client.get(f"/comments/{top.id}/reply").get_data(as_text=True)
    assert "what do you think?" in page and f'value="{top.id}"' in page


def test_thread_stops_at_the_depth_limit_and_continues_on_the_permalink(client, app, ada):
    app.config["MAX_THREAD_DEPTH"] = 4
    post = make_post(ada, "Deep thread")
    line = chain(ada, post, 7)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    shown = [c for c in line if f'id="c{c.id}"' in page]
    assert shown == line[:4]
    # The last comment shown links to its permalink, where the thread goes on.
    assert "Continue this thread" in page
    assert f'href="/comments/{line[3].id}">Continue this thread' in page
    permalink = client.get(f"/comments/{line[3].id}").get_data(as_text=True)
    for c in line[3:]:
        assert f'id="c{c.id}"' in permalink
    for c in line[:3]:
        assert f'id="c{c.id}"' not in permalink
    assert "See it in the whole thread" in permalink and f"/comments/{line[2].id}" in permalink


def test_permalink_shows_only_the_subtree(client, ada):
    post = make_post(ada, "Thread")
    a = make_comment(ada, post, "branch A")
    a1 = make_comment(ada, post, "reply under A", parent=a)
    make_comment(ada, post, "branch B")
    page = client.get(f"/comments/{a.id}").get_data(as_text=True)
    assert "branch A" in page and "reply under A" in page and "branch B" not in page
    assert client.get(f"/comments/{a1.id}").status_code == 200


def test_collapse_is_native_details(client, ada):
    post = make_post(ada, "Thread")
    top = make_comment(ada, post, "top")
    make_comment(ada, post, "child", parent=top)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<details open>" in page and "(1 reply hidden)" in page


def test_edit_own_comment(client, ada):
    post = make_post(ada, "Thread")
    comment = make_comment(ada, post, "first words")
    assert "first words</textarea>" in client.get(f"/comments/{comment.id}/edit").get_data(as_text=True)
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "better **words**"})
    assert response.status_code == 302
    db.session.refresh(comment)
    assert comment.body_html.strip() == "<p>better <strong>words</strong></p>"
    assert comment.edited_at is not None
    assert "· edited" in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_rejected_comment_edit_keeps_old_text(client, ada):
    comment = make_comment(ada, make_post(ada), "kept words")
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "   "})
    assert response.status_code == 400
    db.session.refresh(comment)
    assert comment.body_md == "kept words" and comment.edited_at is None


def test_others_cannot_edit_or_delete(client):
    ada = make_user("ada")
    comment = make_comment(ada, make_post(ada), "mine")
    login(client, make_user("ben"))
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "yours"}).status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    db.session.refresh(comment)
    assert comment.body_md == "mine" and comment.deleted_at is None


def test_deleted_comment_with_replies_stays_as_placeholder(client, ada):
    post = make_post(ada, "Thread")
    parent = make_comment(ada, post, "parent words")
    make_comment(make_user("ben"), post, "child words", parent=parent)
    assert client.post(f"/comments/{parent.id}/delete").status_code == 302
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "[deleted]" in page and "parent words" not in page and "child words" in page
    assert "1 comment" in page
    # A deleted comment cannot be edited (its text is shown to no one) or deleted again.
    assert client.get(f"/comments/{parent.id}/edit").status_code == 404


def test_deleted_comment_without_replies_disappears(client, ada):
    post = make_post(ada, "Thread")
    comment = make_comment(ada, post, "lonely words")
    client.post(f"/comments/{comment.id}/delete")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "lonely words" not in page and "[deleted]" not in page and f'id="c{comment.id}"' not in page
    assert "0 comments" in page


def test_deleted_branch_with_only_deleted_replies_disappears():
    class Fake:
        def __init__(self, id, parent_id, deleted=False):
            self.id, self.parent_id, self.is_deleted = id, parent_id, deleted

    comments = [Fake(1, None, True), Fake(2, 1, True), Fake(3, None), Fake(4, 3, True), Fake(5, 4)]
    tree = build_tree(comments)
    assert [n.comment.id for n in tree] == [3]
    assert [n.comment.id for n in tree[0].children] == [4]
    assert tree[0].reply_count == 2


def test_reply_to_a_comment_of_another_post_is_refused(client, ada):
    first, second = make_post(ada, "First"), make_post(ada, "Second")
    other = make_comment(ada, first, "on the first post")
    response = client.post(f"/posts/{second.id}/comments", data={"body": "sneaky reply", "parent_id": str(other.id)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That comment belongs to another post." in page
    assert "sneaky reply" in page
    assert count_comments() == 1
    db.session.expire_all()
    assert db.session.get(Post, second.id).comment_count == 0


def test_reply_to_a_deleted_comment_answers_like_a_missing_one_and_keeps_the_reply(client, ada):
    post = make_post(ada)
    parent = make_comment(ada, post, "soon gone")
    make_comment(ada, post, "keeps it alive", parent=parent)
    client.post(f"/comments/{parent.id}/delete")
    client.get("/")  # shows (and so clears) the deletion's flash message
    response = client.post(f"/posts/{post.id}/comments", data={"body": "late reply", "parent_id": str(parent.id)})
    missing = client.post(f"/posts/{post.id}/comments", data={"body": "late reply", "parent_id": "999999"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert normalized(response) == normalized(missing)
    assert "late reply" in page  # handed back for copying, like any refused form
    assert "soon gone" not in page
    assert count_comments() == 2
    assert "soon gone" not in client.get(f"/comments/{parent.id}/reply").get_data(as_text=True)


@pytest.mark.parametrize("parent_id, status", [("999", 404), ("abc", 400), ("-1", 400)])
def test_unknown_or_bad_parent(client, ada, parent_id, status):
    post = make_post(ada)
    response = client.post(f"/posts/{post.id}/comments", data={"body": "x", "parent_id": parent_id})
    assert response.status_code == status
    assert count_comments() == 0


@pytest.mark.parametrize("path", ["/comments/999", "/comments/999/reply", "/comments/999/edit"])
def test_unknown_comment_ids_are_404(client, ada, path):
    assert client.get(path).status_code == 404


def test_unknown_comment_post_is_404(client, ada):
    assert client.post("/comments/999/delete").status_code == 404
    assert client.post("/posts/999/comments", data={"body": "x"}).status_code == 404


def test_deleted_post_takes_no_comments(client, ada):
    post = make_post(ada)
    comment = make_comment(ada, post, "before")
    client.post(f"/posts/{post.id}/delete")
    response = client.post(f"/posts/{post.id}/comments", data={"body": "after"})
    assert response.status_code == 409
    assert "takes no new comments" in response.get_data(as_text=True)
    assert count_comments() == 1
    # Comments of a deleted post are gone with it.
    assert client.get(f"/comments/{comment.id}").status_code == 404
    assert "before" not in client.get(f"/posts/{post.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "A comment needs some text."),
        ("   ", "A comment needs some text."),
        ("c" * 20_001, "20"),
    ],
)
def test_bad_comment_body(client, ada, body, message):
    post = make_post(ada)
    response = client.post(f"/posts/{post.id}/comments", data={"body": body})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_comments() == 0


def test_anonymous_cannot_comment(client):
    post = make_post(make_user("ada"))
    response = client.post(f"/posts/{post.id}/comments", data={"body": "drive-by"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count_comments() == 0
    assert "to comment" in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_comment_markdown_is_sanitized(client, ada):
    post = make_post(ada)
    client.post(f"/posts/{post.id}/comments", data={"body": "<img src=x onerror=alert(1)> [x](javascript:alert(1))"})
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert not re.search(r"<img[^>]*onerror", page)
    assert 'href="javascript:' not in page
