"""What a feed shows: the newest entries of a listing, built from the same queries as
the pages, for one viewer.

Public feeds (front page, tags, users, groups) are always built for an anonymous reader
(`ANONYMOUS`), whoever asks: feed readers share, cache and re-publish feed URLs, so the
document at a URL must be what anyone fetching it may see, session cookie or not. The
private feed is built for its owner, through visibility, at the moment it is fetched.

A post whose body the viewer may not read yet (usage terms not accepted) is an entry
with its title, author and link only: the body, like on the post page, waits for
the reader to accept the terms there.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, url_for
from markupsafe import escape
from sqlalchemy import Integer, Select, bindparam, select

from forum import visibility
from forum.extensions import db
from forum.models import Comment, Group, Post, Tag, User
from forum.queries import listings, marked_copies, prebuilt, reading_list
from forum.rendering.atom import Entry, Feed, Person

ANONYMOUS = None
EPOCH = datetime(1970, 1, 1)
GATED_SUMMARY = "This post has usage terms. Open it to read them; its text is shown once you agree."


def post_entries(viewer: User | None, listing: Select[tuple[Post]]) -> list[Entry]:
    """The newest posts of `listing` (already filtered for `viewer`), each with its body
    only if the viewer may read it: one query, whatever the number of entries (authors
    are joined, tags and audiences loaded in one query each). A marked post's text is the
    viewer's own copy (queries/marked_copies.py)."""
    query = listing.add_columns(visibility.body_readable(viewer).label("body_ok")).limit(_limit())
    rows = db.session.execute(query).all()
    edited = visibility.edited_for(viewer, [row.Post for row in rows])
    return [post_entry(row.Post, bool(row.body_ok), row.Post.id in edited, viewer) for row in rows]


def comment_entries(post: Post) -> list[Entry]:
    """The newest live comments of a post an anonymous reader may read in full (the
    caller fetched it so), newest first, in one query with their authors."""
    query = (
        visibility.visible_comments(ANONYMOUS)
        .where(Comment.post_id == post.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(_limit())
    )
    return [comment_entry(comment, post) for comment in db.session.scalars(query)]


def reading_list_entry(owner: User) -> list[Entry]:
    """One entry for the owner's reading list (private feed only): what they saved and may
    still read, decided now through `reading_list.saved`. None while the list is empty."""
    items = reading_list.saved(owner)[: _limit()]
    if not items:
        return []
    links = []
    for item in items:
        if item.comment is not None:
            url = url_for("posts.comment_permalink", comment_id=item.comment.id, _external=True)
            label = f"{item.comment.author.display_name} on “{item.post.title}”"
        else:
            url, label = url_for("posts.view", post_id=item.post.id, _external=True), item.post.title
        links.append(f'<li><a href="{escape(url)}">{escape(label)}</a></li>')
    link = url_for("reading_list.index", _external=True)
    updated = max(item.saved_at for item in items)
    return [
        Entry(
            id=link,
            title=f"Your reading list ({len(items)} saved)",
            link=link,
            author=person(owner),
            published=updated,
            updated=updated,
            content_html=f"<ul>{''.join(links)}</ul>",
        )
    ]


def _limit() -> int:
    return current_app.config["FEED_ENTRIES"]


def person(user: User) -> Person:
    return Person(user.display_name, url_for("users.profile", username=user.username, _external=True))


def post_entry(post: Post, body_ok: bool, edited: bool, viewer: User | None) -> Entry:
    """`edited`: the reader may read an earlier version, so may know when it was edited."""
    link = url_for("posts.view", post_id=post.id, _external=True)
    return Entry(
        id=link,
        title=post.title,
        link=link,
        author=person(post.author),
        published=post.created_at,
        updated=post.edited_at if edited and post.edited_at else post.created_at,
        categories=tuple(tag.name for tag in post.tags),
        content_html=marked_copies.html_for(viewer, post) if body_ok else None,
        summary=None if body_ok else GATED_SUMMARY,
    )


def comment_entry(comment: Comment, post: Post) -> Entry:
    link = url_for("posts.comment_permalink", comment_id=comment.id, _external=True)
    return Entry(
        id=link,
        title=f"{comment.author.display_name} on “{post.title}”",
        link=link,
        author=person(comment.author),
        published=comment.created_at,
        updated=comment.edited_at or comment.created_at,
        content_html=comment.body_html,
    )


def build(title: str, self_url: str, page_url: str, entries: list[Entry], *, subtitle: str | None = None) -> Feed:
    return Feed(
        id=self_url,
        title=f"{title} · Interpretability Forum",
        subtitle=subtitle,
        self_url=self_url,
        page_url=page_url,
        base=url_for("main.index", _external=True),
        # An empty feed still needs an `updated`: a fixed one, so its ETag stays put.
        updated=max((e.updated for e in entries), default=EPOCH),
        author=Person("Interpretability Forum", url_for("main.index", _external=True)),
        entries=entries,
    )


# --- which pages offer a feed (the pages link to it only when it exists) ----------------


def tag_has_feed(tag: Tag) -> bool:
    return listings.visible_tag(ANONYMOUS, tag.name) is not None


def _comment_feed_statement(_viewer: None) -> Select:
    """An anonymous reader's check, the same for every post: built once (queries/prebuilt.py)."""
    return select(Post.id).where(
        Post.id == bindparam("feed_post", type_=Integer),
        visibility.listed(ANONYMOUS),
        visibility.body_readable(ANONYMOUS),
    )


def post_has_comment_feed(post: Post) -> bool:
    """An anonymous reader may read the post in full (the comment feed's own 404 rule): as
    the post's checked fetch in this request found it, else by a statement of its own."""
    known = visibility.anyone_reads_in_full(post.id)
    if known is not None:
        return known
    statement, params = prebuilt.variant_for("post-comment-feed", _comment_feed_statement, ANONYMOUS)
    return db.session.scalar(statement, {**params, "feed_post": post.id}) is not None


def group_has_feed(group: Group) -> bool:
    """An anonymous visitor may see the group and its posts (the feed's own 404 rule)."""
    seen = db.session.scalar(select(Group.id).where(Group.id == group.id, visibility.visible_group_clause(ANONYMOUS)))
    return seen is not None and visibility.can_see_group_activity(ANONYMOUS, group)
