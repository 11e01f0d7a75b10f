"""Listings. Each returns a `Select` built on `visibility`; callers paginate it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import abort
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import defer, joinedload, lazyload, selectinload, with_expression

from forum import visibility
from forum.extensions import db
from forum.infra.pages import Page
from forum.infra.planner import not_from_index
from forum.infra.rows import rows
from forum.models import Comment, Group, Interest, Post, PostAudience, Tag, User, post_coauthors
from forum.models._time import utcnow
from forum.models.interest import group_interests
from forum.models.post import post_tags
from forum.models.principals import group_ids_in, group_token, is_group_token
from forum.models.ranking import TOP_WINDOWS
from forum.queries import prebuilt

# Front-page sorts, first is the default; labels for the sort menu.
SORTS = ("hot", "new", *TOP_WINDOWS)
SORT_LABELS = {
    "hot": "hot",
    "new": "new",
    "top-day": "top today",
    "top-week": "top this week",
    "top-month": "top this month",
    "top-year": "top this year",
    "top-all": "top of all time",
}
COMMENT_SORTS = ("top", "new", "old")
SHORT_WINDOW = timedelta(days=31)


def front_page(
    viewer: User | None, sort: str = "hot", tag: Tag | None = None, *, groups_only: bool = False
) -> Select[tuple[Post]]:
    """Listed posts in `sort` order, all in SQL: hot reads the stored, indexed `Post.hot`.
    `groups_only`: only posts shared with a group of the viewer's, which a burst of public posts
    would otherwise bury ("My groups" on the front page)."""
    query = visibility.visible_posts(viewer)
    if groups_only:
        mine = [group_token(g) for g in group_ids_in(visibility.principals(viewer))]
        query = query.where(Post.id.in_(select(PostAudience.post_id).where(PostAudience.principal.in_(mine))))
    if tag is not None:
        query = query.where(Post.id.in_(select(post_tags.c.post_id).where(post_tags.c.tag_id == tag.id)))
    window = TOP_WINDOWS.get(sort)
    return _in_sort(query, sort, utcnow() - window if window else None)


def _in_sort(query: Select, sort: str, since) -> Select:
    """`query` in `sort` order; `since`: where a top sort's window starts (a time, or a
    bound parameter in a statement built once)."""
    if sort == "hot":
        return query.order_by(Post.hot.desc(), Post.id.desc())
    if sort in TOP_WINDOWS:
        window = TOP_WINDOWS[sort]
        if window is None:
            return query.order_by(Post.score.desc(), Post.id.desc())
        query = query.where(Post.created_at >= since)
        if window <= SHORT_WINDOW:
            # Few posts are this recent: read them by the created_at index and sort them,
            # rather than walk the score index through years of posts looking for recent
            # ones (SQLite's planner needs telling; bench/README.md: 140 ms -> 1 ms).
            return query.order_by(not_from_index(Post.score).desc(), Post.id.desc())
        return query.order_by(Post.score.desc(), Post.id.desc())
    return query.order_by(Post.created_at.desc(), Post.id.desc())


def as_cards(query: Select[tuple[Post]], viewer: User | None) -> Select[tuple[Post]]:
    """A post listing as the HTML cards show it: without the bodies (the largest columns)
    and without the audience rows (the badge reads `audience_kind`). One query less, and
    a fraction of the bytes, per listing page.

    Each card's excerpt comes in the same statement, empty where the viewer may list the post
    but not read its body (usage terms not accepted) and for posts with marked copies."""
    shown = case((and_(visibility.body_readable(viewer), Post.marks_copies.is_(False)), Post.excerpt), else_="")
    return query.options(
        defer(Post.body_md), defer(Post.body_html), lazyload(Post.audience), with_expression(Post.shown_excerpt, shown)
    )


# --- cards as Core rows, through statements built once ----------------------------------
#
# A listing page's cards come from two statements and its count from a third, each built once
# per process (queries/prebuilt.py) from the same clauses as the `Select`s above and run with
# the viewer's values and the request's own (a tag, an author, a page) as bound parameters:
# building and keying a fresh ORM statement cost more than running it, and ORM objects cost
# several times what a Core row does (issue 23).

# Where the posts come from: the front page, its "My groups", a tag, an author, a group.
CARD_SOURCES = ("all", "groups", "tag", "author", "group")


def _card_posts(viewer: User | None, source: str, sort: str) -> Select[tuple[Post]]:
    """The listing's posts in `sort` order, as `front_page`, `posts_by` and
    `posts_shared_with_group` select them, with the request's values left as parameters."""
    query = visibility.visible_posts(viewer)
    if source == "groups":
        # Posts shared with a group the viewer holds a token of: their tokens stay the one
        # parameter that names them (a list of their groups alone would be kept as built).
        shared = select(PostAudience.post_id).where(
            PostAudience.principal.in_(visibility.principals(viewer)), is_group_token(PostAudience.principal)
        )
        query = query.where(Post.id.in_(shared))
    elif source == "tag":
        query = query.where(Post.id.in_(select(post_tags.c.post_id).where(post_tags.c.tag_id == bindparam("card_tag"))))
    elif source == "author":
        coauthored = select(post_coauthors.c.post_id).where(post_coauthors.c.user_id == bindparam("card_author"))
        query = query.where(or_(Post.author_id == bindparam("card_author"), Post.id.in_(coauthored)))
    elif source == "group":
        shared = select(PostAudience.post_id).where(PostAudience.principal == bindparam("card_group"))
        query = query.where(Post.id.in_(shared))
    return _in_sort(query, sort, bindparam("card_since", type_=Post.created_at.type))


def _card_rows_statement(viewer: User | None, source: str, sort: str) -> Select:
    """The columns a card shows, a page of them; the excerpt as `as_cards` gives it.
    `listing_html.cards_from_rows` unpacks them in this order."""
    shown = case((and_(visibility.body_readable(viewer), Post.marks_copies.is_(False)), Post.excerpt), else_="")
    return (
        _card_posts(viewer, source, sort)
        .with_only_columns(
            Post.id,
            Post.title,
            Post.audience_kind,
            Post.created_at,
            Post.comment_count,
            Post.score,
            Post.vote_count,
            shown.label("excerpt"),
        )
        .limit(bindparam("card_limit", type_=Integer))
        .offset(bindparam("card_offset", type_=Integer))
    )


def _card_count_statement(viewer: User | None, source: str, sort: str) -> Select:
    """How many: at most `card_cap` + 1 (the front page counts ten pages ahead, `paginate`)."""
    counted = _card_posts(viewer, source, sort).with_only_columns(Post.id).order_by(None)
    return select(func.count()).select_from(counted.limit(bindparam("card_cap", type_=Integer)).subquery())


def card_page(
    viewer: User | None,
    source: str,
    page: int,
    per_page: int,
    *,
    sort: str = "new",
    lookahead: int | None = None,
    tag: Tag | None = None,
    author: User | None = None,
    group: Group | None = None,
) -> Page:
    """A page of cards (Core rows: the columns `_card_rows_statement` names) and its count,
    as `paginate` makes them (`lookahead` bounds the count); the source's value by keyword."""
    window = TOP_WINDOWS.get(sort)
    values: dict[str, Any] = {
        "card_tag": tag.id if tag is not None else None,
        "card_author": author.id if author is not None else None,
        "card_group": group_token(group.id) if group is not None else None,
        "card_since": utcnow() - window if window else None,
    }
    cap = None if lookahead is None else (page + lookahead) * per_page
    variant = (source, sort)
    statement, params = prebuilt.variant_for("card-count", _card_count_statement, viewer, variant)
    # No cap: every row (-1 is "no limit" to SQLite; PostgreSQL takes NULL).
    no_cap = None if db.engine.dialect.name == "postgresql" else -1
    total: int = rows(statement, {**params, **values, "card_cap": no_cap if cap is None else cap + 1}).scalar() or 0
    more = cap is not None and total > cap
    if cap is not None and more:
        total = cap
    items: list = []
    if (page - 1) * per_page < total:
        statement, params = prebuilt.variant_for("card-rows", _card_rows_statement, viewer, variant)
        offset = (page - 1) * per_page
        items = list(rows(statement, {**params, **values, "card_limit": per_page, "card_offset": offset}))
    return Page(items, page, per_page, total, more)


def _card_extras_statement(_viewer: User | None) -> Select:
    """Each post's authors (first the author, then co-authors by username) and tags (by
    name), for posts a visibility-checked listing returned (`card_ids`)."""
    ids: BindParameter[int] = bindparam("card_ids", expanding=True)
    first: Select = (
        select(
            Post.id.label("post_id"),
            literal_column("0").label("kind"),
            User.id.label("user_id"),
            User.username,
            User.display_name,
            User.deleted_at,
        )
        .join(User, User.id == Post.author_id)
        .where(Post.id.in_(ids))
    )
    others = (
        select(
            post_coauthors.c.post_id, literal_column("1"), User.id, User.username, User.display_name, User.deleted_at
        )
        .join(User, User.id == post_coauthors.c.user_id)
        .where(post_coauthors.c.post_id.in_(ids))
    )
    tags = (
        select(post_tags.c.post_id, literal_column("2"), Tag.id, Tag.name, null(), null())
        .join(Tag, Tag.id == post_tags.c.tag_id)
        .where(post_tags.c.post_id.in_(ids))
    )
    union = union_all(first, others, tags).subquery()
    return select(union).order_by(union.c.post_id, union.c.kind, union.c.username)


def card_extras(post_ids: list[int]) -> dict[int, tuple[list, list[str]]]:
    """Per post of a page of cards: its authors (rows with user_id, username, display_name,
    deleted_at) and its tag names, in one statement."""
    found: dict[int, tuple[list, list[str]]] = {post_id: ([], []) for post_id in post_ids}
    if not post_ids:
        return found
    statement, params = prebuilt.variant_for("card-extras", _card_extras_statement, None)
    for row in rows(statement, {**params, "card_ids": post_ids}):
        post_id, kind, _id, name = row[:4]  # by position: a Row's attribute by name costs more
        authors, tags = found[post_id]
        if kind == 2:
            tags.append(name)
        else:
            authors.append(row)
    return found


def posts_by(viewer: User | None, author: User) -> Select[tuple[Post]]:
    """Posts the user wrote, alone or as a co-author."""
    coauthored = select(post_coauthors.c.post_id).where(post_coauthors.c.user_id == author.id)
    return (
        visibility.visible_posts(viewer)
        .where(or_(Post.author_id == author.id, Post.id.in_(coauthored)))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


def comments_by(viewer: User | None, author: User) -> Select[tuple[Comment]]:
    return (
        visibility.visible_comments(viewer)
        .where(Comment.author_id == author.id)
        .options(selectinload(Comment.post))  # each card names its post
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


def _comment_count_statement(viewer: User | None) -> Select:
    counted = visibility.visible_comments(viewer).where(Comment.author_id == bindparam("comments_author"))
    return select(func.count()).select_from(counted.with_only_columns(Comment.id).subquery())


def comment_count_by(viewer: User | None, author: User) -> int:
    """How many of `author`'s comments `comments_by` lists for this viewer: the profile's
    tab, on every profile page. Built once (queries/prebuilt.py): building the comment
    rule cost more than counting."""
    statement, params = prebuilt.variant_for("comment-count-by", _comment_count_statement, viewer)
    return rows(statement, {**params, "comments_author": author.id}).scalar_one()


def posts_shared_with_group(viewer: User | None, group: Group) -> Select[tuple[Post]]:
    shared = select(PostAudience.post_id).where(PostAudience.principal == group_token(group.id))
    return visibility.visible_posts(viewer).where(Post.id.in_(shared)).order_by(Post.created_at.desc(), Post.id.desc())


def tags_with_counts(viewer: User | None, prefix: str = "") -> Select:
    query = visibility.visible_tags(viewer)
    if prefix:
        query = query.where(Tag.name.startswith(prefix.lower(), autoescape=True))
    return query.order_by(func.count(Post.id).desc(), Tag.name)


def _visible_tag_statement(viewer: User | None) -> Select:
    return tags_with_counts(viewer).where(Tag.name == bindparam("tag_name"))


def visible_tag(viewer: User | None, name: str) -> Tag | None:
    """The tag by this name, if it is on a post the viewer may list (else it does not exist for them).
    Built once (queries/prebuilt.py): the tag page asks twice (its viewer, and anonymous for its feed)."""
    statement, params = prebuilt.variant_for("visible-tag", _visible_tag_statement, viewer)
    row = db.session.execute(statement, {**params, "tag_name": name.lower()}).first()
    return None if row is None else row.Tag


def visible_tag_or_404(viewer: User | None, name: str) -> Tag:
    """`visible_tag`, answering 404 like a tag that never existed."""
    tag = visible_tag(viewer, name)
    if tag is None:
        abort(404)
    return tag


def _in_comment_order(query: Select, sort: str) -> Select:
    if sort == "top":
        return query.order_by(Comment.score.desc(), Comment.created_at, Comment.id)
    if sort == "new":
        return query.order_by(Comment.created_at.desc(), Comment.id.desc())
    return query.order_by(Comment.created_at, Comment.id)


def comment_ids_of_post(post: Post) -> Select[tuple[int]]:
    """Ids of every comment of a post the caller has already fetched through visibility
    (the viewer's own votes on its thread are read by them)."""
    return select(Comment.id).where(Comment.post_id == post.id)


def gated_among(viewer: User | None, post_ids: Iterable[int]) -> set[int]:
    """Of these listed posts, those that show the viewer only their title (one query)."""
    ids = set(post_ids)
    if not ids:
        return set()
    return set(db.session.scalars(visibility.gated_post_ids(viewer).where(Post.id.in_(ids))))


def comments_of_post(viewer: User | None, post: Post, sort: str = "old") -> Select[tuple[Comment]]:
    """All comments the viewer may see of a post the caller has already fetched through visibility.

    The tree keeps this order among siblings, so it sorts every level of the thread.
    """
    return _in_comment_order(visibility.comments_of(viewer, post), sort)


# What a thread shows: no Markdown source, and of each author only the name and link
# (a joined User row otherwise carries the password hash, bio and its HTML).
_THREAD_COLUMNS = (
    defer(Comment.body_md),
    joinedload(Comment.author).load_only(User.username, User.display_name, User.deleted_at),
)


def top_level_count(viewer: User | None, post: Post) -> Select[tuple[int]]:
    return (
        visibility.comments_of(viewer, post)
        .where(Comment.parent_id.is_(None))
        .with_only_columns(func.count(), maintain_column_froms=True)
    )


def _with_replies(roots: Select) -> Select[tuple[int]]:
    """Ids of the comments in `roots` (a select of ids) and of every reply below them:
    a recursive CTE, so a page loads its own threads and nothing else."""
    tree = select(Comment.id).where(Comment.id.in_(roots)).cte("thread", recursive=True)
    below = select(Comment.id).join(tree, Comment.parent_id == tree.c.id)
    return select(tree.union_all(below).c.id)


def comment_page(viewer: User | None, post: Post, sort: str, offset: int, per_page: int) -> Select[tuple[Comment]]:
    """A page of a post's top-level comments with all their replies, in `sort` order at
    every level (as `comments_of_post`), for a post already fetched through visibility."""
    shown = visibility.comments_of(viewer, post)
    roots = (
        _in_comment_order(shown.where(Comment.parent_id.is_(None)).with_only_columns(Comment.id), sort)
        .limit(per_page)
        .offset(offset)
    )
    return _in_comment_order(shown.where(Comment.id.in_(_with_replies(roots))), sort).options(*_THREAD_COLUMNS)


def top_level_position(viewer: User | None, comment: Comment, sort: str) -> Select[tuple[int]]:
    """How many top-level comments come before the one `comment` hangs from, in `sort`
    order: which page of the thread shows it."""
    up = select(Comment.id, Comment.parent_id).where(Comment.id == comment.id).cte("ancestors", recursive=True)
    up = up.union_all(select(Comment.id, Comment.parent_id).join(up, Comment.id == up.c.parent_id))
    root = select(Comment).where(Comment.id.in_(select(up.c.id).where(up.c.parent_id.is_(None)))).subquery()
    if sort == "top":
        before = or_(
            Comment.score > root.c.score,
            and_(
                Comment.score == root.c.score,
                tuple_(Comment.created_at, Comment.id) < tuple_(root.c.created_at, root.c.id),
            ),
        )
    elif sort == "new":
        before = tuple_(Comment.created_at, Comment.id) > tuple_(root.c.created_at, root.c.id)
    else:
        before = tuple_(Comment.created_at, Comment.id) < tuple_(root.c.created_at, root.c.id)
    return (
        select(func.count())
        .select_from(Comment)
        .join(root, true())
        .where(
            Comment.post_id == comment.post_id,
            Comment.parent_id.is_(None),
            visibility.comment_in_snapshot(viewer),
            before,
        )
    )


def comment_with_replies(viewer: User | None, comment: Comment, sort: str) -> Select[tuple[Comment]]:
    """A comment, every reply below it, and its parent: what its permalink page shows
    (those of them the viewer may see)."""
    wanted: ColumnElement[bool] = Comment.id.in_(_with_replies(select(Comment.id).where(Comment.id == comment.id)))
    if comment.parent_id is not None:
        wanted = or_(wanted, Comment.id == comment.parent_id)
    return _in_comment_order(visibility.comments_of(viewer, comment.post).where(wanted), sort).options(*_THREAD_COLUMNS)


def group_directory(viewer: User | None, q: str = "") -> Select[tuple[Group]]:
    """The directory: listed groups and the viewer's own (never one they are merely
    invited to), by name, optionally matching `q` in name, address, description or
    interests (all shown on the group's page to whoever may see it)."""
    query = visibility.visible_groups(viewer).order_by(Group.name, Group.id)
    if q:
        needle = q.lower()  # contains(autoescape=True): % and _ are literal, not wildcards
        by_interest = (
            select(group_interests.c.group_id).join(Interest).where(Interest.name.contains(needle, autoescape=True))
        )
        query = query.where(
            or_(
                func.lower(Group.name).contains(needle, autoescape=True),
                Group.slug.contains(needle, autoescape=True),
                func.lower(Group.description).contains(needle, autoescape=True),
                Group.id.in_(by_interest),
            )
        )
    return query
