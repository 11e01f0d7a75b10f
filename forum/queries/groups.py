"""Group listings and counts for pages. Post counts are built on `visibility`, so a
count never includes a post the viewer could not open."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from forum import permissions, visibility
from forum.extensions import db
from forum.models import Group, GroupInvitation, JoinRequest, Membership, Post, PostAudience, User, Vouch, is_signed_in
from forum.models.principals import group_token

ROLE_ORDER = case({"owner": 0, "admin": 1}, value=Membership.role, else_=2)


def member_counts(group_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Membership.group_id, func.count())
        .where(Membership.group_id.in_(group_ids))
        .group_by(Membership.group_id)
    )
    return dict(rows.tuples().all())


def post_counts(viewer: User | None, group_ids: list[int]) -> dict[int, int]:
    """Posts shared with each group that this viewer may list."""
    tokens = {group_token(gid): gid for gid in group_ids}
    if not tokens:
        return {}
    # An alias, so the read rule's own subquery on post_audience stays its own.
    shared = aliased(PostAudience)
    rows = db.session.execute(
        select(shared.principal, func.count(Post.id))
        .join(Post, Post.id == shared.post_id)
        .where(shared.principal.in_(tokens), visibility.listed(viewer))
        .group_by(shared.principal)
    )
    return {tokens[token]: n for token, n in rows}


def viewer_states(viewer: User | None, group_ids: list[int]) -> dict[int, str]:
    """The viewer's standing in each group: a role, "invited", "requested", or absent."""
    if not is_signed_in(viewer) or not group_ids:
        return {}
    states: dict[int, str] = {}
    for gid in db.session.scalars(
        select(JoinRequest.group_id).where(
            JoinRequest.user_id == viewer.id, JoinRequest.status == "pending", JoinRequest.group_id.in_(group_ids)
        )
    ):
        states[gid] = "requested"
    for gid in db.session.scalars(
        select(GroupInvitation.group_id).where(
            GroupInvitation.user_id == viewer.id,
            GroupInvitation.status == "pending",
            GroupInvitation.group_id.in_(group_ids),
        )
    ):
        states[gid] = "invited"
    for gid, role in db.session.execute(
        select(Membership.group_id, Membership.role).where(
            Membership.user_id == viewer.id, Membership.group_id.in_(group_ids)
        )
    ):
        states[gid] = role
    return states


def members(viewer: User | None, group: Group) -> list[Membership] | None:
    """The group's members, owners first; None when the viewer may not see who is in it
    (`visibility.can_see_members`), so a page can tell "hidden" from "nobody"."""
    if not visibility.can_see_members(viewer, group):
        return None
    return list(
        db.session.scalars(
            # The join already fetches each user: fill `membership.user` from it, not one query per member.
            select(Membership)
            .join(User)
            .options(contains_eager(Membership.user))
            .where(Membership.group_id == group.id)
            .order_by(ROLE_ORDER, User.username)
        )
    )


def memberships_of(user: User) -> list[Membership]:
    """Every group the user belongs to, unlisted ones included."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Group)
            .options(contains_eager(Membership.group))
            .where(Membership.user_id == user.id)
            .order_by(ROLE_ORDER, Group.name)
        )
    )


def invitations_for(user: User) -> list[GroupInvitation]:
    return list(
        db.session.scalars(
            select(GroupInvitation)
            .options(selectinload(GroupInvitation.group), selectinload(GroupInvitation.invited_by))
            .where(GroupInvitation.user_id == user.id, GroupInvitation.status == "pending")
            .order_by(GroupInvitation.created_at.desc(), GroupInvitation.id.desc())
        )
    )


def requests_of(user: User) -> list[JoinRequest]:
    """The user's pending requests, for groups they can still see (a group made unlisted
    since drops out)."""
    return list(
        db.session.scalars(
            select(JoinRequest)
            .join(Group, Group.id == JoinRequest.group_id)
            .options(contains_eager(JoinRequest.group))
            .where(
                JoinRequest.user_id == user.id, JoinRequest.status == "pending", visibility.visible_group_clause(user)
            )
            .order_by(JoinRequest.created_at.desc(), JoinRequest.id.desc())
        )
    )


def pending_requests(viewer: User | None, group: Group) -> list[JoinRequest]:
    """Requests to join waiting for a decision; empty for anyone who may not manage the group."""
    if not permissions.can_manage_group(viewer, group):
        return []
    return list(
        db.session.scalars(
            select(JoinRequest)
            .options(selectinload(JoinRequest.user), selectinload(JoinRequest.vouch).selectinload(Vouch.voucher))
            .where(JoinRequest.group_id == group.id, JoinRequest.status == "pending")
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )


def pending_invitations(viewer: User | None, group: Group) -> list[GroupInvitation]:
    """Invitations not answered yet; empty for anyone who may not manage the group."""
    if not permissions.can_manage_group(viewer, group):
        return []
    return list(
        db.session.scalars(
            select(GroupInvitation)
            .options(selectinload(GroupInvitation.user), selectinload(GroupInvitation.invited_by))
            .where(GroupInvitation.group_id == group.id, GroupInvitation.status == "pending")
            .order_by(GroupInvitation.created_at, GroupInvitation.id)
        )
    )
