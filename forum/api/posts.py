"""Posts: the front-page listing, reading (with the terms gate), writing, tags."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from forum import permissions, visibility
from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.errors import ApiError
from forum.api.inputs import boolean, integer, json_body, obj, page, query_choice, strings, text
from forum.api.openapi import PAGE_PARAMS, operation, query_param
from forum.api.schemas import ACCEPT_TERMS, EDIT_POST, NEW_POST, page_of, ref
from forum.queries import listings
from forum.services import ServiceError, reads
from forum.services import posts as post_service
from forum.services import terms as terms_service
from forum.services.audience import PUBLIC_MEANS, audience_of, resolve_audience

# Service field names (the form's) as paths into the JSON body.
_FIELDS: dict[str | None, str] = {  # a ServiceError may name no field
    "audience": "audience.kind",
    "audience_users": "audience.users",
    "audience_groups": "audience.groups",
    "terms": "terms.choice",
    "terms_custom": "terms.custom",
}


def json_field(error: ServiceError) -> ServiceError:
    error.field = _FIELDS.get(error.field, error.field)
    return error


def post_response(post_id: int) -> dict:
    """The post as the caller may read it: `get_readable_body_or_gate`, like the page."""
    post, gate = visibility.get_readable_body_or_gate(post_id, current_user)
    return serialize.post(current_user, post, gate)


def _audience(user, data: dict, default=None):
    chosen = obj(data, "audience")
    if chosen is None:
        if default is None:
            raise ApiError(
                400,
                "Choose who can read this post: audience.kind is public, members or restricted.",
                field="audience.kind",
            )
        return default
    kind = text(chosen, "kind", required=True)
    return resolve_audience(user, kind, strings(chosen, "users", []), strings(chosen, "groups", []))


PUBLIC_UNCONFIRMED = (
    'Opening a post to Public needs "confirm_public": true. '
    + PUBLIC_MEANS
    + " Choose members or restricted otherwise."
)


def _confirm_public(data: dict, audience, before=None) -> None:
    """The editor's second step, as a field: publishing to Public, or widening a published post to it,
    needs `"confirm_public": true`, so a script that copies an example or a default does not publish
    to the whole internet by accident."""
    if audience.kind != "public" or (before is not None and before.kind == "public"):
        return
    if not boolean(data, "confirm_public", False):
        raise ApiError(400, PUBLIC_UNCONFIRMED, field="confirm_public")


def _terms(data: dict, default=None):
    chosen = obj(data, "terms")
    if chosen is None:
        return default
    return terms_service.resolve_terms(text(chosen, "choice", required=True), text(chosen, "custom", default=""))


@bp.get("/posts")
@operation(
    "Posts the caller may read, as on the front page",
    tag="posts",
    response=page_of(ref("PostSummary")),
    params=(
        query_param(
            "sort", {"type": "string", "enum": list(listings.SORTS), "default": "new"}, "Order, as on the front page."
        ),
        query_param("tag", {"type": "string"}, "Only posts with this tag."),
        *PAGE_PARAMS,
    ),
    errors=(404,),
)
def posts():
    sort = query_choice("sort", listings.SORTS, "new")
    tag = listings.visible_tag_or_404(current_user, request.args["tag"]) if request.args.get("tag") else None
    return page(
        listings.front_page(current_user, sort, tag), lambda items: serialize.post_summaries(current_user, items)
    )


@bp.post("/posts")
@operation(
    "Publish a post to the audience you choose",
    tag="posts",
    body=NEW_POST,
    response=ref("Post"),
    status=201,
    description="`audience` is required: a post is never made public by default, and `public` needs "
    '`"confirm_public": true` (the editor\'s second step).',
)
def create_post():
    user = require_user()
    data = json_body()
    title, body = text(data, "title", required=True), text(data, "body", required=True)
    tags = strings(data, "tags", [])
    try:
        audience = _audience(user, data)
        _confirm_public(data, audience)
        post = post_service.create_post(user, title, body, tags, audience, terms=_terms(data))
    except ServiceError as error:
        raise json_field(error) from None
    return post_response(post.id), 201


@bp.get("/posts/<int:post_id>")
@operation(
    "A post. With terms the caller has not accepted: its title, author, audience and terms, but no body",
    tag="posts",
    response=ref("Post"),
)
def post(post_id: int):
    post, gate = visibility.get_readable_body_or_gate(post_id, current_user)
    reads.record_read(current_user, post, gate)  # an API read is a read: see services/reads.py
    return serialize.post(current_user, post, gate)


@bp.patch("/posts/<int:post_id>")
@operation(
    "Edit your post; fields left out keep their values",
    tag="posts",
    body=EDIT_POST,
    response=ref("Post"),
    errors=(409,),
)
def edit_post(post_id: int):
    user = require_user()
    # Editing works on the text: a co-editor who has not accepted the terms gets 404, as for its comments.
    post = visibility.get_post_body_or_404(post_id, user)
    if not permissions.can_edit_post(user, post):
        raise ApiError(403, "Only its author may edit this post.")
    data = json_body()
    try:
        before = audience_of(post)
        audience = _audience(user, data, default=before)
        if not post.is_draft:  # a draft is published from its page, which asks there
            _confirm_public(data, audience, before)
        post_service.update_post(
            post,
            user,
            text(data, "title", default=post.title),
            text(data, "body", default=post.body_md),
            strings(data, "tags", [t.name for t in post.tags]),
            audience,
            terms=_terms(data, default=terms_service.KEEP),
        )
    except ServiceError as error:
        raise json_field(error) from None
    return post_response(post.id)


@bp.delete("/posts/<int:post_id>")
@operation("Delete your post", tag="posts", response=None, status=204)
def delete_post(post_id: int):
    user = require_user()
    post = visibility.get_post_or_404(post_id, user)
    if not permissions.can_delete_post(user, post):
        raise ApiError(403, "Only its author may delete this post.")
    post_service.delete_post(post)
    return "", 204


@bp.post("/posts/<int:post_id>/terms/accept")
@operation(
    "Agree to the post's usage terms (the version you were shown), then read it",
    tag="posts",
    body=ACCEPT_TERMS,
    response=ref("Post"),
    errors=(409,),
)
def accept_terms(post_id: int):
    user = require_user()
    post = visibility.get_post_or_404(post_id, user)
    data = json_body()
    terms_service.accept_post_terms(user, post, integer(data, "version", required=True))
    return post_response(post.id)


@bp.get("/tags")
@operation(
    "Tags on posts the caller may read, with counts of those posts",
    tag="posts",
    response=page_of(ref("Tag")),
    params=PAGE_PARAMS,
)
def tags():
    return page(
        listings.tags_with_counts(current_user),
        lambda rows: [{"name": row.Tag.name, "posts": row.n_posts} for row in rows],
        rows=True,
    )
