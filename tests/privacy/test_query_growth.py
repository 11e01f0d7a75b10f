"""Visibility is one SQL clause, not a Python loop: hiding more posts from a viewer does
not add statements to any listing."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Comment, Post
from forum.services.audience import Audience, apply_audience
from tests.factories import login, make_comment, make_group, make_post, make_user, statements

LISTINGS = (
    "/",
    "/?page=2",
    "/tags",
    "/tags/shared",
    "/?tag=shared",
    "/users/author",
    "/users/author?tab=comments",
    "/groups/open-lab",
    "/autocomplete/tags?q=sh",
)


def hide_more(author, group, n: int) -> None:
    """n restricted posts (with a tag and a comment each) the viewer may not read, in one commit."""
    from forum.models import Tag

    tag = db.session.scalar(db.select(Tag).where(Tag.name == "shared"))
    for i in range(n):
        post = Post(author_id=author.id, title=f"hidden {i}", body_md="h", body_html="<p>h</p>")
        post.tags = [tag]
        db.session.add(post)
        apply_audience(post, Audience("restricted", group_ids=frozenset({group.id})))
        db.session.flush()
        db.session.add(Comment(post_id=post.id, author_id=author.id, body_md="c", body_html="<p>c</p>"))
    db.session.commit()


def statement_counts(client) -> dict[str, int]:
    counts = {}
    for url in LISTINGS:
        # Like production, where every request starts with an empty session.
        db.session.expire_all()
        with statements() as seen:
            assert client.get(url).status_code == 200, url
        counts[url] = len(seen)
    return counts


@pytest.mark.usefixtures("no_page_cache")  # counts what making each page costs
def test_listings_issue_the_same_statements_with_10_or_300_hidden_posts(client, app):
    app.config["POSTS_PER_PAGE"] = 5
    author, viewer = make_user("author"), make_user("viewer")
    secret = make_group(author, "Closed Lab", listed=False)
    make_group(author, "Open Lab", members=(viewer,))
    for i in range(12):
        post = make_post(author, f"Visible {i}", tags="shared")
        make_comment(author, post, "visible comment")
    hide_more(author, secret, 10)
    login(client, viewer)
    statement_counts(client)  # warm-up: the first requests after sign-in load the viewer's row and the like
    few = statement_counts(client)
    hide_more(author, secret, 290)
    many = statement_counts(client)
    assert many == few
