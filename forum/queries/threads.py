"""Building a comment tree in Python from one flat, already-visible list of comments,
and the post page's comments as plain rows (`comment_page_rows`, `PageThread`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    CompoundSelect,
    Integer,
    Select,
    SmallInteger,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from forum import visibility
from forum.infra.memo import request_memo
from forum.infra.rows import rows as plain_rows
from forum.models import Block, Comment, Post, SavedItem, Subscription, User, Vote
from forum.models.moderated import AuthorRow, ModeratedRow
from forum.models.user import is_signed_in
from forum.queries import blocks, listings, prebuilt


@dataclass(slots=True)
class Node:
    comment: Comment
    depth: int
    children: list[Node] = field(default_factory=list)
    # True when replies exist below the depth shown; the page links to the permalink instead.
    more_below: bool = False
    # Replies below this node, all of them (for the collapsed label).
    reply_count: int = 0
    # False: the page shows a [deleted] or [removed] placeholder instead of the text.
    shown: bool = True
    # Per-comment extras for this viewer, set by the view after the tree is built: CSS
    # classes on the comment's <li>, and data-* attributes (names without "data-").
    # thread_html.py escapes both; a new per-comment flag needs nothing else. Replaced, not
    # appended to: empty by default without a new list and dict for each of a long page's nodes.
    classes: tuple[str, ...] = ()
    data: tuple[tuple[str, str], ...] = ()


def _deleted(comment: Comment) -> bool:
    return comment.is_deleted


def build_tree(
    comments: Iterable[Comment],
    *,
    root_id: int | None = None,
    max_depth: int = 8,
    hidden: Callable[[Comment], bool] = _deleted,
) -> list[Node]:
    """Nest comments under their parents, starting below `root_id` (None: top level).

    A hidden comment (deleted, or removed for this viewer: `visibility.shows_comment`)
    stays as a placeholder only while some reply below it is shown, so a thread keeps
    its shape but dead branches disappear.
    """
    by_parent: dict[int | None, list[Comment]] = {}
    for comment in comments:
        by_parent.setdefault(comment.parent_id, []).append(comment)

    def grow(parent_id: int | None, depth: int) -> list[Node]:
        nodes = []
        for comment in by_parent.get(parent_id, ()):
            # Most comments have no replies: no call, no generator (a long page has hundreds).
            children = grow(comment.id, depth + 1) if comment.id in by_parent else []
            live_below = len(children)
            for child in children:
                live_below += child.reply_count
            is_hidden = hidden(comment)
            if is_hidden and not children:
                continue
            node = Node(comment, depth, [], False, live_below, not is_hidden)  # positional: a node per comment
            if depth + 1 >= max_depth and children:
                node.more_below = True
            else:
                node.children = children
            nodes.append(node)
        return nodes

    return grow(root_id, 0)


def walk(nodes: list[Node]) -> list[Node]:
    """Every node of a tree, in page order (each before its replies), as one flat list: the
    per-viewer passes over a long thread (new marks, the shared thread's key, the viewer's
    own slots) each loop over it instead of walking the tree through nested generators."""
    return _add_walked(nodes, [])


def _add_walked(nodes: list[Node], out: list[Node]) -> list[Node]:
    for node in nodes:
        out.append(node)
        if node.children:
            _add_walked(node.children, out)
    return out


# --- the post page's comments as plain rows ------------------------------------------------
#
# A page of a long thread as ORM objects (with their joined authors) cost more than the rest
# of the query (bench/README.md, "Issue 23, third round"): the page only reads these columns,
# so it loads them as Core rows and wraps each in a small object with the attributes the
# tree, the thread renderer, `visibility.shows_comment` and the macros read from a Comment.


@dataclass(slots=True)
class ThreadComment(ModeratedRow):
    """A comment as the thread shows it (no Markdown source), read like a `Comment`."""

    author: AuthorRow
    id: int
    post_id: int
    parent_id: int | None
    author_id: int
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    removed_at: datetime | None
    removal_reason: str
    score: int
    vote_count: int
    agreement: int
    agreement_count: int


_COMMENT_COLUMNS = (
    Comment.id,
    Comment.post_id,
    Comment.parent_id,
    Comment.author_id,
    Comment.body_html,
    Comment.created_at,
    Comment.edited_at,
    Comment.deleted_at,
    Comment.removed_at,
    Comment.removal_reason,
    Comment.score,
    Comment.vote_count,
    Comment.agreement,
    Comment.agreement_count,
)
_ROW_COLUMNS = (*_COMMENT_COLUMNS, User.username, User.display_name, User.deleted_at)
# Where a row's author columns start, and its count of top-level comments (the last column).
_AUTHOR_AT = len(_COMMENT_COLUMNS)
_TOTAL_AT = len(_ROW_COLUMNS)
# Where the columns a page's rows are sorted out by sit in a row.
_ID, _AUTHOR_ID, _CREATED, _DELETED, _REMOVED = (
    [column.key for column in _COMMENT_COLUMNS].index(name)
    for name in ("id", "author_id", "created_at", "deleted_at", "removed_at")
)


def comment_page_rows(viewer: User | None, post: Post, sort: str, offset: Any, per_page: Any) -> Select:
    """`listings.comment_page` (the same visibility clauses, the same comments in the same
    order) as rows of the columns the thread shows, its author's beside each, and last
    `listings.top_level_count` (how many pages there are) in the same statement."""
    page = listings.comment_page(viewer, post, sort, offset, per_page)
    total = listings.top_level_count(viewer, post).scalar_subquery()
    return page.with_only_columns(*_ROW_COLUMNS, total).join_from(Comment, User, Comment.author_id == User.id)


class _AnyPost:
    """The post of a statement built once (queries/prebuilt.py): its id is a bound parameter
    without a value, which each call passes (`THIS_POST`), so one SQL serves every post the
    caller fetched through visibility. Building the thread's statement and its cache key cost
    more than SQLite took to run it (bench/README.md, "Issue 23, fourth round")."""

    id: BindParameter[int] = bindparam("this_post", type_=Integer)


THIS_POST = "this_post"
_ANY_POST = _AnyPost()


def _comment_page_statement(viewer: User | None, sort: str) -> Select:
    offset, limit = bindparam("thread_offset", type_=Integer), bindparam("thread_limit", type_=Integer)
    return comment_page_rows(viewer, _ANY_POST, sort, offset, limit)  # type: ignore[arg-type]


def comment_page_of(viewer: User | None, post: Post, sort: str, offset: int, per_page: int) -> Any:
    """`comment_page_rows` run through its statement built once per sort and kind of viewer
    (`listings.COMMENT_SORTS`), for a post the caller fetched through visibility."""
    if sort not in listings.COMMENT_SORTS:
        raise ValueError(f"no comment sort {sort!r}")
    statement, params = prebuilt.variant_for("thread-page", _comment_page_statement, viewer, (sort,))
    values = {THIS_POST: post.id, "thread_offset": offset, "thread_limit": per_page}
    return plain_rows(statement, {**params, **values})


@dataclass(slots=True)
class PageThread:
    """A page of a thread as this viewer's own checked query returned it (`comment_page_of`):
    its rows, and whether the viewer is shown each comment's text (`visibility.comment_shown`,
    the rule `shows_comment` applies to a comment object). The tree is built only when asked
    (`nodes`): a renderer that keeps the text made from the same rows, decisions and kind of
    viewer (rendering/thread_html.py) needs neither a tree nor an object per row, which were
    most of a long thread's cost (bench/README.md, "Issue 23, sixth round: the long thread")."""

    rows: list[tuple]  # each row of `comment_page_rows` without its last column (the count)
    shown: tuple[bool, ...]  # for each row
    max_depth: int
    viewer_id: int | None
    # The ids of the comments new to the viewer (`unread.written_since`, set by the view): their own marks.
    new_ids: frozenset[int] = frozenset()

    def key(self) -> tuple:
        """Everything the tree and its text are made from, besides the kind of viewer and the clock."""
        return (self.max_depth, tuple(self.rows), self.shown)

    def written(self) -> Iterator[tuple[int, datetime, int]]:
        """Each comment's id, time and author, for its new mark (`unread.written_since`)."""
        return ((row[_ID], row[_CREATED], row[_AUTHOR_ID]) for row in self.rows)

    def shows_own_removed(self) -> bool:
        """The viewer is shown a removed comment of their own (its notice speaks to its author)."""
        me = self.viewer_id
        return me is not None and any(
            shown and row[_REMOVED] is not None and row[_AUTHOR_ID] == me
            for row, shown in zip(self.rows, self.shown, strict=True)
        )

    def nodes(self) -> list[Node]:
        """The tree, as `build_tree` makes it from these comments and decisions (one author
        object per author); new marks are the renderer's, never set on these nodes."""
        authors: dict[int, AuthorRow] = {}
        comments: list[Any] = []  # plain rows read like a `Comment` (all the tree and the renderer read)
        for row in self.rows:
            author_id = row[_AUTHOR_ID]
            author = authors.get(author_id)
            if author is None:
                author = authors[author_id] = AuthorRow(author_id, *row[_AUTHOR_AT:])
            comments.append(ThreadComment(author, *row[:_AUTHOR_AT]))
        hidden = {row[_ID] for row, shown in zip(self.rows, self.shown, strict=True) if not shown}
        return build_tree(comments, max_depth=self.max_depth, hidden=lambda c: c.id in hidden)


def page_thread(rows: Iterable, viewer: User | None, post: Post, max_depth: int) -> tuple[PageThread, int | None]:
    """The rows of `comment_page_rows` (run for this viewer on `post`, which the caller fetched
    through visibility) as a `PageThread`, and the count of top-level comments (None when there
    were no rows to carry it)."""
    kept: list[tuple] = []
    total = None
    for row in rows:
        kept.append(row[:_TOTAL_AT])
        total = row[_TOTAL_AT]
    shown = tuple(
        visibility.comment_shown(
            viewer, post, row[_AUTHOR_ID], deleted=row[_DELETED] is not None, removed=row[_REMOVED] is not None
        )
        for row in kept
    )
    viewer_id = viewer.id if is_signed_in(viewer) else None
    return PageThread(kept, shown, max_depth, viewer_id), total


# --- the viewer's own relations to the post page, in one statement ----------------------


@dataclass(slots=True)
class Followed:
    """The viewer follows the thread (`muted`: has silenced it); what the follow buttons read."""

    muted: bool


@dataclass(slots=True)
class PageRelations:
    """What the post page shows of the viewer's own rows: their votes on the post and its
    comments (as rows for `services.votes.votes_from_rows`), whether they follow the thread,
    saved the post, and whom they block."""

    vote_rows: list[Any] = field(default_factory=list)
    followed: Followed | None = None
    saved: bool = False
    blocked: set[int] = field(default_factory=set)


_NO_INT, _NO_TEXT = cast(null(), Integer), cast(null(), String)
_NO_SMALL, _NO_BOOL = cast(null(), SmallInteger), cast(null(), Boolean)


def _kind(name: str):
    """The part's tag as a typed constant in the SQL, not a bind parameter (PostgreSQL cannot
    type an untyped parameter across a UNION)."""
    return literal_column(f"'{name}'", String)


def relations_statement(viewer: User, post: Post, *, votes: bool) -> CompoundSelect:
    """One UNION ALL of the viewer's own rows, each tagged with its kind. Every part is keyed
    by the viewer's id: nothing in it is anyone else's. `votes`: the viewer may vote (else
    the page shows no choices, as `viewer_votes` does)."""
    parts: list[Select[Any]] = [
        select(_kind("follow"), Subscription.target_id, _NO_INT, _NO_TEXT, _NO_SMALL, Subscription.muted).where(
            Subscription.user_id == viewer.id, Subscription.target == "post", Subscription.target_id == post.id
        ),
        select(_kind("saved"), SavedItem.post_id, _NO_INT, _NO_TEXT, _NO_SMALL, _NO_BOOL).where(
            SavedItem.user_id == viewer.id, SavedItem.post_id == post.id, SavedItem.comment_id.is_(None)
        ),
        select(_kind("block"), Block.blocked_id, _NO_INT, _NO_TEXT, _NO_SMALL, _NO_BOOL).where(
            Block.blocker_id == viewer.id
        ),
    ]
    if votes:
        # The same rows as `services.votes.viewer_votes(viewer, [post.id], listings.comment_ids_of_post(post))`.
        parts.append(
            select(_kind("vote"), Vote.post_id, Vote.comment_id, Vote.axis, Vote.direction, Vote.strong).where(
                Vote.user_id == viewer.id,
                or_(Vote.post_id == post.id, Vote.comment_id.in_(listings.comment_ids_of_post(post))),
            )
        )
    return union_all(*parts)


def _relations_for_any_post(viewer: User, votes: bool) -> CompoundSelect:
    return relations_statement(viewer, _ANY_POST, votes=votes)  # type: ignore[arg-type]


def viewer_relations(viewer: User | None, post: Post, *, votes: bool) -> PageRelations:
    """The viewer's relations to a post they were shown (fetched through visibility), read
    in one statement built once (`prebuilt`: the viewer's id and the post's are its values).
    Remembered for this request, so the thread's renderer (`page_blocks`) and the follow
    buttons (`page_follow`) ask nothing more."""
    if not is_signed_in(viewer):
        return PageRelations()
    found = PageRelations()
    statement, params = prebuilt.variant_for("page-relations", _relations_for_any_post, viewer, (votes,))
    for row in plain_rows(statement, {**params, THIS_POST: post.id}):
        kind, post_id, comment_id, axis, direction, strong = row
        if kind == "vote":
            found.vote_rows.append(_VoteRow(post_id, comment_id, axis, direction, strong))
        elif kind == "follow":
            found.followed = Followed(bool(strong))
        elif kind == "saved":
            found.saved = True
        else:
            found.blocked.add(post_id)
    request_memo("viewer-blocks")[viewer.id] = found.blocked
    request_memo("viewer-follows")[(viewer.id, "post", post.id)] = found.followed
    return found


@dataclass(slots=True)
class _VoteRow:
    post_id: int | None
    comment_id: int | None
    axis: str
    direction: int
    strong: bool


UNKNOWN = object()


def page_blocks(viewer: User | None) -> set[int]:
    """Whom the viewer blocks: as `viewer_relations` read it in this request, else asked now."""
    if is_signed_in(viewer):
        known = request_memo("viewer-blocks").get(viewer.id)
        if known is not None:
            return known
    return blocks.blocked_by(viewer)


def page_follow(viewer: User | None, target: str, target_id: int) -> Any:
    """The viewer's follow of a target as `viewer_relations` read it in this request, or `UNKNOWN`."""
    if not is_signed_in(viewer):
        return UNKNOWN
    return request_memo("viewer-follows").get((viewer.id, target, target_id), UNKNOWN)
