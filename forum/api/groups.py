"""Groups: the directory, a group, editing and deleting it, its members and its posts.
Joining, invitations, requests, roles and leaving are in `memberships`."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from forum import visibility
from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.errors import ApiError
from forum.api.inputs import boolean, json_body, page, page_list, strings, text
from forum.api.openapi import PAGE_PARAMS, operation, query_param
from forum.api.schemas import EDIT_GROUP, NEW_GROUP, page_of, ref
from forum.models import Group
from forum.queries import groups as group_queries
from forum.queries import listings
from forum.services import groups as group_service


def group_response(group: Group) -> dict:
    return serialize.groups(current_user, [group])[0]


def group_or_404(slug: str) -> Group:
    return visibility.get_group_or_404(slug, current_user)


@bp.get("/groups")
@operation(
    "The directory: listed groups and your own",
    tag="groups",
    response=page_of(ref("Group")),
    params=(
        query_param("q", {"type": "string", "maxLength": 100}, "Match in name, address or interests."),
        *PAGE_PARAMS,
    ),
)
def groups():
    q = request.args.get("q", "").strip()[:100]
    return page(listings.group_directory(current_user, q), lambda items: serialize.groups(current_user, items))


@bp.post("/groups")
@operation("Create a group; you are its owner", tag="groups", body=NEW_GROUP, response=ref("Group"), status=201)
def create_group():
    user = require_user()
    data = json_body()
    group = group_service.create_group(
        user,
        text(data, "name", required=True),
        text(data, "description", default=""),
        slug=text(data, "slug") or None,
        listed=boolean(data, "listed", True),
        join_policy=text(data, "join_policy", default="request"),
        interests=strings(data, "interests", []),
    )
    return group_response(group), 201


@bp.get("/groups/<slug>")
@operation("A group (an unlisted one only to its members and invitees)", tag="groups", response=ref("Group"))
def group(slug: str):
    return group_response(group_or_404(slug))


@bp.patch("/groups/<slug>")
@operation(
    "Edit a group (owners and admins); fields left out keep their values",
    tag="groups",
    body=EDIT_GROUP,
    response=ref("Group"),
)
def edit_group(slug: str):
    user = require_user()
    group = group_or_404(slug)
    data = json_body()
    group_service.update_group(
        user,
        group,
        name=text(data, "name", default=group.name),
        description=text(data, "description", default=group.description),
        listed=boolean(data, "listed", group.listed),
        join_policy=text(data, "join_policy", default=group.join_policy),
        interests=strings(data, "interests", [i.name for i in group.interests]),
    )
    return group_response(group)


@bp.delete("/groups/<slug>")
@operation(
    "Delete a group (owners). Posts shared with it lose that audience entry", tag="groups", response=None, status=204
)
def delete_group(slug: str):
    user = require_user()
    group_service.delete_group(group_or_404(slug), actor=user)
    return "", 204


@bp.get("/groups/<slug>/members")
@operation(
    "A group's members, owners first (signed-in callers; unlisted groups: members only)",
    tag="groups",
    response=page_of(ref("Member")),
    params=PAGE_PARAMS,
)
def group_members(slug: str):
    group = group_or_404(slug)
    rows = group_queries.members(current_user, group)
    if rows is None:
        if not current_user.is_authenticated:
            raise ApiError(401, "Sign in to see who is in a group.")
        raise ApiError(403, "Only members see who is in this group.")
    return page_list(rows, lambda rows: [serialize.member(row) for row in rows])


@bp.get("/groups/<slug>/posts")
@operation(
    "Posts shared with the group that the caller may read",
    tag="groups",
    response=page_of(ref("PostSummary")),
    params=PAGE_PARAMS,
)
def group_posts(slug: str):
    group = group_or_404(slug)
    if not visibility.can_see_group_activity(current_user, group):
        raise ApiError(403, "Only members see this group's posts.")
    return page(
        listings.posts_shared_with_group(current_user, group),
        lambda posts: serialize.post_summaries(current_user, posts),
    )
