"""Post.excerpt kept with the post's HTML: every writer of body_html (the post services,
`forum rerender`, account deletion) and the marked-copies switch gets it in the same flush,
through one mapper listener rather than a call each writer could forget.
create_app imports this module, which registers the listener."""

from __future__ import annotations

from sqlalchemy import event, inspect

from forum.models import Post
from forum.rendering.excerpts import excerpt_of


def excerpt_for(post: Post) -> str:
    """What `Post.excerpt` holds for the post as it stands: empty with marked copies, whose
    author's wording is what each reader's copy varies."""
    return "" if post.marks_copies else excerpt_of(post.body_html or "")


@event.listens_for(Post, "before_insert")
@event.listens_for(Post, "before_update")
def _keep_excerpt(_mapper, _connection, post: Post) -> None:
    state = inspect(post)
    if state.pending or state.attrs.body_html.history.has_changes() or state.attrs.marks_copies.history.has_changes():
        post.excerpt = excerpt_for(post)
