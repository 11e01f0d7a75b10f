"""Groups: the directory, a group, its members and the posts shared with it.

Invitations, requests, roles and leaving are thin wrappers over `services.groups`
(added when those services land on main)."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from .. import queries, visibility
from ..models import Group
from ..services import groups as group_service
from . import bp, serialize
from .auth import require_user
from .errors import ApiError
from .inputs import boolean, json_body, page, strings, text
from .openapi import PAGE_PARAMS, operation, query_param
from .schemas import NEW_GROUP, page_of, ref


def group_response(group: Group) -> dict:
    return serialize.group(current_user, group, serialize.member_counts([group.id]).get(group.id, 0))


def _groups_page(items: list[Group]) -> list[dict]:
    counts = serialize.member_counts([g.id for g in items])
    return [serialize.group(current_user, g, counts.get(g.id, 0)) for g in items]


@bp.get("/groups")
@operation(
    "The directory of listed groups", tag="groups", response=page_of(ref("Group")),
    params=(query_param("q", {"type": "string", "maxLength": 100}, "Match in name, address or interests."), *PAGE_PARAMS),
)
def groups():
    q = request.args.get("q", "").strip()[:100]
    return page(queries.group_directory(current_user, q), _groups_page)


@bp.post("/groups")
@operation("Create a group; you are its owner", tag="groups", body=NEW_GROUP, response=ref("Group"), status=201)
def create_group():
    user = require_user()
    data = json_body()
    group = group_service.create_group(
        user, text(data, "name", required=True), text(data, "description", default=""),
        slug=text(data, "slug") or None, listed=boolean(data, "listed", True),
        join_policy=text(data, "join_policy", default="request"), interests=strings(data, "interests", []),
    )
    return group_response(group), 201


@bp.get("/groups/<slug>")
@operation("A group (unlisted ones only to their members)", tag="groups", response=ref("Group"))
def group(slug: str):
    return group_response(visibility.get_group_or_404(slug, current_user))


@bp.get("/groups/<slug>/members")
@operation("A group's members (signed-in callers; unlisted groups: members only)", tag="groups",
           response=page_of(ref("Member")), params=PAGE_PARAMS)
def group_members(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    if not visibility.can_see_members(current_user, group):
        raise ApiError(401, "Sign in to see who is in a group.")
    return page(queries.members_of(group), lambda rows: [serialize.member(row) for row in rows])


@bp.get("/groups/<slug>/posts")
@operation("Posts shared with the group that the caller may read", tag="groups",
           response=page_of(ref("PostSummary")), params=PAGE_PARAMS)
def group_posts(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    return page(queries.posts_shared_with_group(current_user, group),
                lambda posts: serialize.post_summaries(current_user, posts))
