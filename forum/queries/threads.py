"""Building a comment tree in Python from one flat, already-visible list of comments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from forum.models import Comment


@dataclass
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
    # Written after the viewer's previous visit (set by the post page, unread.is_new).
    is_new: bool = False
    # Per-comment extras for this viewer, set by the view after the tree is built: CSS
    # classes on the comment's <li>, and data-* attributes (names without "data-").
    # thread_html.py escapes both; a new per-comment flag needs nothing else.
    classes: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)


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
            children = grow(comment.id, depth + 1)
            live_below = sum(1 + child.reply_count for child in children)
            is_hidden = hidden(comment)
            if is_hidden and not children:
                continue
            node = Node(comment, depth, reply_count=live_below, shown=not is_hidden)
            if depth + 1 >= max_depth and children:
                node.more_below = True
            else:
                node.children = children
            nodes.append(node)
        return nodes

    return grow(root_id, 0)
