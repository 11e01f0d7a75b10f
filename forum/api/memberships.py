"""Joining and leaving groups: invitations, requests, roles, removal. Thin wrappers over
`services.groups`, which holds every rule (who may invite, last owner, join policy)."""

from __future__ import annotations

from forum import permissions
from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.errors import ApiError
from forum.api.groups import group_or_404, group_response
from forum.api.inputs import integer, json_body, page_list, text
from forum.api.openapi import PAGE_PARAMS, operation
from forum.api.schemas import INVITE, JOIN_REQUEST, ROLE, obj, page_of, ref
from forum.queries import groups as group_queries
from forum.services import groups as group_service

_MEMBERSHIP = obj(
    {"group": ref("GroupRef"), "role": {"type": "string"}, "joined_at": {"type": "string", "format": "date-time"}}
)


def _manager_of(slug: str):
    """The group, for its owners and admins; 403 for other callers who may see it."""
    user = require_user()
    group = group_or_404(slug)
    if not permissions.can_manage_group(user, group):
        raise ApiError(403, "Only the group's owners and admins can do that.")
    return user, group


# --- the caller's own ------------------------------------------------------------------


@bp.get("/me/groups")
@operation(
    "Groups you belong to, unlisted ones included", tag="memberships", response=page_of(_MEMBERSHIP), params=PAGE_PARAMS
)
def my_groups():
    user = require_user()
    return page_list(
        group_queries.memberships_of(user),
        lambda rows: [
            {"group": serialize.group_ref(m.group), "role": m.role, "joined_at": serialize.when(m.created_at)}
            for m in rows
        ],
    )


@bp.get("/me/invitations")
@operation(
    "Invitations waiting for your answer", tag="memberships", response=page_of(ref("Invitation")), params=PAGE_PARAMS
)
def my_invitations():
    user = require_user()
    return page_list(group_queries.invitations_for(user), lambda rows: [serialize.invitation(i) for i in rows])


@bp.get("/me/requests")
@operation(
    "Your pending requests to join groups", tag="memberships", response=page_of(ref("JoinRequest")), params=PAGE_PARAMS
)
def my_requests():
    user = require_user()
    return page_list(group_queries.requests_of(user), lambda rows: [serialize.join_request(r) for r in rows])


@bp.post("/invitations/<int:invitation_id>/accept")
@operation("Accept an invitation: you are a member from the next request on", tag="memberships", response=ref("Group"))
def accept_invitation(invitation_id: int):
    user = require_user()
    membership = group_service.accept_invitation(user, invitation_id)
    return group_response(membership.group)


@bp.post("/invitations/<int:invitation_id>/decline")
@operation("Decline an invitation", tag="memberships", response=None, status=204)
def decline_invitation(invitation_id: int):
    group_service.decline_invitation(require_user(), invitation_id)
    return "", 204


@bp.post("/groups/<slug>/join")
@operation("Join an open group (or one that invited you)", tag="memberships", response=ref("Group"), errors=(409,))
def join(slug: str):
    user = require_user()
    group = group_or_404(slug)
    group_service.join(user, group)
    return group_response(group)


@bp.post("/groups/<slug>/leave")
@operation(
    "Leave a group: its restricted posts close to you at once",
    tag="memberships",
    response=None,
    status=204,
    errors=(409,),
)
def leave(slug: str):
    user = require_user()
    group_service.leave(user, group_or_404(slug))
    return "", 204


# --- invitations (owners and admins) ----------------------------------------------------


@bp.get("/groups/<slug>/invitations")
@operation(
    "A group's pending invitations (owners and admins)",
    tag="memberships",
    response=page_of(ref("Invitation")),
    params=PAGE_PARAMS,
)
def group_invitations(slug: str):
    user, group = _manager_of(slug)
    return page_list(
        group_queries.pending_invitations(user, group), lambda rows: [serialize.invitation(i) for i in rows]
    )


@bp.post("/groups/<slug>/invitations")
@operation(
    "Invite someone (owners and admins)",
    tag="memberships",
    body=INVITE,
    response=ref("Invitation"),
    status=201,
    errors=(409,),
)
def invite(slug: str):
    user = require_user()
    group = group_or_404(slug)
    invitation = group_service.invite(user, group, text(json_body(), "username", required=True))
    return serialize.invitation(invitation), 201


@bp.delete("/groups/<slug>/invitations/<int:invitation_id>")
@operation("Cancel a pending invitation (owners and admins)", tag="memberships", response=None, status=204)
def cancel_invitation(slug: str, invitation_id: int):
    user = require_user()
    group_service.cancel_invitation(user, group_or_404(slug), invitation_id)
    return "", 204


# --- requests to join -------------------------------------------------------------------


@bp.post("/groups/<slug>/requests")
@operation(
    "Ask to join a group that admits by request",
    tag="memberships",
    body=JOIN_REQUEST,
    response=ref("JoinRequest"),
    status=201,
    errors=(409,),
)
def request_to_join(slug: str):
    user = require_user()
    group = group_or_404(slug)
    body = json_body()
    made = group_service.request_to_join(user, group, text(body, "statement", default=""), integer(body, "vouch_id"))
    return serialize.join_request(made), 201


@bp.delete("/groups/<slug>/requests/mine")
@operation("Withdraw your pending request", tag="memberships", response=None, status=204, errors=(409,))
def withdraw_request(slug: str):
    user = require_user()
    group_service.withdraw_request(user, group_or_404(slug))
    return "", 204


@bp.get("/groups/<slug>/requests")
@operation(
    "Pending requests to join (owners and admins)",
    tag="memberships",
    response=page_of(ref("JoinRequest")),
    params=PAGE_PARAMS,
)
def group_requests(slug: str):
    user, group = _manager_of(slug)
    return page_list(
        group_queries.pending_requests(user, group), lambda rows: [serialize.join_request(r) for r in rows]
    )


def _decide(slug: str, request_id: int, approve: bool):
    user = require_user()
    decided = group_service.decide_request(user, group_or_404(slug), request_id, approve)
    return serialize.join_request(decided)


@bp.post("/groups/<slug>/requests/<int:request_id>/approve")
@operation(
    "Approve a request: the person becomes a member", tag="memberships", response=ref("JoinRequest"), errors=(409,)
)
def approve_request(slug: str, request_id: int):
    return _decide(slug, request_id, True)


@bp.post("/groups/<slug>/requests/<int:request_id>/decline")
@operation("Decline a request", tag="memberships", response=ref("JoinRequest"), errors=(409,))
def decline_request(slug: str, request_id: int):
    return _decide(slug, request_id, False)


# --- roles and removal ------------------------------------------------------------------


@bp.patch("/groups/<slug>/members/<username>")
@operation("Change a member's role (owners)", tag="memberships", body=ROLE, response=ref("Member"), errors=(409,))
def change_role(slug: str, username: str):
    user = require_user()
    group = group_or_404(slug)
    membership = group_service.change_role(user, group, username, text(json_body(), "role", required=True))
    return serialize.member(membership)


@bp.delete("/groups/<slug>/members/<username>")
@operation(
    "Remove a member (owners and admins): they lose access on their next request",
    tag="memberships",
    response=None,
    status=204,
    errors=(409,),
)
def remove_member(slug: str, username: str):
    user = require_user()
    group_service.remove_member(user, group_or_404(slug), username)
    return "", 204
