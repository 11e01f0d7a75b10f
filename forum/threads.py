"""Building a comment tree in Python from one flat, already-visible list of comments."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .models import Comment


@dataclass
class Node:
    comment: Comment
    depth: int
    children: list["Node"] = field(default_factory=list)
    # True when replies exist below the depth shown; the page links to the permalink instead.
    more_below: bool = False
    # Replies below this node, all of them (for the collapsed label).
    reply_count: int = 0


def build_tree(comments: Iterable[Comment], *, root_id: int | None = None, max_depth: int = 8) -> list[Node]:
    """Nest comments under their parents, starting below `root_id` (None: top level).

    A deleted comment stays as a placeholder only while some reply below it is live,
    so a thread keeps its shape but dead branches disappear.
    """
    by_parent: dict[int | None, list[Comment]] = {}
    for comment in comments:
        by_parent.setdefault(comment.parent_id, []).append(comment)

    def grow(parent_id: int | None, depth: int) -> list[Node]:
        nodes = []
        for comment in by_parent.get(parent_id, ()):
            children = grow(comment.id, depth + 1)
            live_below = sum(1 + child.reply_count for child in children)
            if comment.is_deleted and not children:
                continue
            node = Node(comment, depth, reply_count=live_below)
            if depth + 1 >= max_depth and children:
                node.more_below = True
            else:
                node.children = children
            nodes.append(node)
        return nodes

    return grow(root_id, 0)
