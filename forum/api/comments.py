"""Comment threads. A thread is readable exactly when its post's body is: a post behind
terms the caller has not accepted answers 404 here, like a hidden one."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from werkzeug.exceptions import NotFound

from forum import permissions, visibility
from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.errors import ApiError
from forum.api.inputs import integer, json_body, page_list, text
from forum.api.openapi import PAGE_PARAMS, operation
from forum.api.schemas import COMMENT_BODY, NEW_COMMENT, page_of, ref
from forum.extensions import db
from forum.queries import listings
from forum.queries.threads import build_tree
from forum.services import comments as comment_service
from forum.services.votes import viewer_votes

# Deep enough for any real thread; the API returns whole subtrees.
_API_DEPTH = 10_000


@bp.get("/posts/<int:post_id>/comments")
@operation(
    "A post's comment tree, paged by top-level comment",
    tag="comments",
    response=page_of(ref("CommentNode")),
    params=PAGE_PARAMS,
    description=(
        "Deleted or removed comments with live replies stay as placeholders (author, body, scores and "
        "the caller's votes null)."
    ),
)
def post_comments(post_id: int):
    post = visibility.get_post_body_or_404(post_id, current_user)
    comments = (
        [] if post.is_deleted else db.session.scalars(listings.comments_of_post(current_user, post)).unique().all()
    )
    tree = build_tree(comments, max_depth=_API_DEPTH, hidden=lambda c: not visibility.shows_comment(current_user, c))
    votes = viewer_votes(current_user, comment_ids=listings.comment_ids_of_post(post))
    return page_list(
        tree,
        lambda nodes: [serialize.comment_node(current_user, n, votes) for n in nodes],
        default_per_page=current_app.config["COMMENTS_PER_PAGE"],
    )


def _add(post, body: dict, parent=None):
    user = require_user()
    comment = comment_service.add_comment(user, post, text(body, "body", required=True), parent)
    return serialize.comment(user, comment), 201


@bp.post("/posts/<int:post_id>/comments")
@operation(
    "Comment on a post, or reply with parent_id",
    tag="comments",
    body=NEW_COMMENT,
    response=ref("Comment"),
    status=201,
    errors=(409,),
)
def create_comment(post_id: int):
    require_user()
    post = visibility.get_post_body_or_404(post_id, current_user)
    data = json_body()
    parent = None
    parent_id = integer(data, "parent_id")
    if parent_id is not None:
        try:
            parent = visibility.get_shown_comment_or_404(parent_id, current_user)
        except NotFound:
            raise ApiError(400, "No such comment on this post.", field="parent_id") from None
    return _add(post, data, parent)


@bp.get("/comments/<int:comment_id>")
@operation("One comment", tag="comments", response=ref("Comment"))
def comment(comment_id: int):
    return serialize.comment(current_user, visibility.get_comment_or_404(comment_id, current_user))


@bp.post("/comments/<int:comment_id>/replies")
@operation("Reply to a comment", tag="comments", body=COMMENT_BODY, response=ref("Comment"), status=201, errors=(409,))
def reply(comment_id: int):
    require_user()
    parent = visibility.get_shown_comment_or_404(comment_id, current_user)
    return _add(parent.post, json_body(), parent)


@bp.patch("/comments/<int:comment_id>")
@operation("Edit your comment", tag="comments", body=COMMENT_BODY, response=ref("Comment"), errors=(409,))
def edit_comment(comment_id: int):
    user = require_user()
    target = visibility.get_shown_comment_or_404(comment_id, user)
    if not permissions.can_edit_comment(user, target):
        raise ApiError(403, "Only its author may edit this comment.")
    comment_service.edit_comment(target, text(json_body(), "body", required=True))
    return serialize.comment(user, target)


@bp.delete("/comments/<int:comment_id>")
@operation("Delete your comment", tag="comments", response=None, status=204)
def delete_comment(comment_id: int):
    user = require_user()
    target = visibility.get_comment_or_404(comment_id, user)
    if not permissions.can_delete_comment(user, target):
        raise ApiError(403, "Only its author may delete this comment.")
    comment_service.delete_comment(target)
    return "", 204
