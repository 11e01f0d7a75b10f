"""Group lifecycle: create, edit, invite, join, request, decide, roles, leave, delete.

Who may act is asked of `permissions`; the state rules live here. Every function that
changes memberships drops the per-request principal cache, and visibility reads
principals from the database on each request, so a change counts on the very next one.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from forum import permissions, visibility
from forum.extensions import db
from forum.models import (
    GROUP_ROLES,
    JOIN_POLICIES,
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
    PostAudience,
    User,
    Vouch,
)
from forum.models._time import utcnow
from forum.models.interest import group_interests
from forum.models.principals import group_token
from forum.models.two_factor import has_two_factor
from forum.models.user import normalize_username
from forum.queries import trust
from forum.queries.users import user_named
from forum.rendering.markup import render_markdown
from forum.search import indexing
from forum.services import notifications
from forum.services.accounts import resolve_interests
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
DESCRIPTION_MAX = 10_000
STATEMENT_MAX = 1_000
# Paths under /groups/ that are pages, not groups.
RESERVED_SLUGS = frozenset({"new", "mine"})
LAST_OWNER = "A group always keeps at least one owner: make another member an owner first."


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ServiceError(message, status=403)


def _check_details(name: str | None, description: str | None, join_policy: str) -> str:
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 80:
        raise ServiceError("Group names are 2 to 80 characters.", field="name")
    if join_policy not in JOIN_POLICIES:
        raise ServiceError("Choose how people join.", field="join_policy")
    if len(description or "") > DESCRIPTION_MAX:
        raise ServiceError(f"Descriptions are at most {DESCRIPTION_MAX:,} characters.", field="description")
    return name


def _changed_memberships() -> None:
    db.session.commit()
    visibility.forget_principals()


# --- the group itself ------------------------------------------------------------------


def create_group(
    owner: User,
    name: str | None,
    description: str | None = "",
    *,
    slug: str | None = None,
    listed: bool = True,
    join_policy: str = "request",
    interests: str = "",
    requires_vouch: bool = False,
    requires_two_factor: bool = False,
) -> Group:
    ensure_can_write(owner, "group")
    _check_two_factor_requirement(owner, requires_two_factor)
    name = _check_details(name, description, join_policy)
    slug = (slug or slugify(name)).strip().lower()
    if not _SLUG.match(slug):
        raise ServiceError("The address may use lower-case letters, digits and '-', 2 to 63 long.", field="slug")
    if slug in RESERVED_SLUGS or db.session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        raise ServiceError("That address is taken; choose another.", field="slug")
    group = Group(
        name=name,
        slug=slug,
        description=description or "",
        description_html=render_markdown(description or ""),
        listed=listed,
        join_policy=join_policy,
        requires_vouch=requires_vouch,
        requires_two_factor=requires_two_factor,
    )
    group.interests = resolve_interests(interests)
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=owner.id, role="owner"))
    _changed_memberships()
    return group


def update_group(
    actor: User,
    group: Group,
    *,
    name: str | None,
    description: str | None,
    listed: bool,
    join_policy: str,
    interests: str,
    requires_vouch: bool | None = None,
    requires_two_factor: bool | None = None,
) -> Group:
    """Owners and admins edit everything but the address, which links and audiences rely on."""
    _require(permissions.can_manage_group(actor, group), "Only the group's owners and admins can edit it.")
    ensure_can_write(actor, "group")
    if requires_two_factor and not group.requires_two_factor:
        _check_two_factor_requirement(actor, requires_two_factor)
    name = _check_details(name, description, join_policy)
    resolved = resolve_interests(interests)
    description = description or ""
    if description != group.description:
        group.description, group.description_html = description, render_markdown(description)
    group.name, group.listed, group.join_policy, group.interests = name, listed, join_policy, resolved
    if requires_vouch is not None:
        group.requires_vouch = requires_vouch
    if requires_two_factor is not None and requires_two_factor != group.requires_two_factor:
        group.requires_two_factor = requires_two_factor
        _changed_memberships()  # who holds the group's token changes with it
    db.session.commit()
    return group


def _check_two_factor_requirement(actor: User, requires: bool) -> None:
    """Whoever turns the requirement on must meet it, or they would lock themselves out."""
    if requires and not db.session.scalar(select(has_two_factor(actor.id))):
        raise ServiceError(
            "Turn on two-factor sign-in for your own account first (Settings, Two-factor sign-in).",
            field="requires_two_factor",
        )


def delete_group(group: Group, actor: User | None = None) -> None:
    """Delete a group. Posts keep their other audience entries; the group's entries go,
    and its id is never reused, so a new group with the same name reads nothing.
    With `actor`, only an owner may do it (callers without one have checked)."""
    if actor is not None:
        _require(permissions.can_delete_group(actor, group), "Only an owner can delete the group.")
    token = group_token(group.id)
    post_ids = list(db.session.scalars(select(PostAudience.post_id).where(PostAudience.principal == token)))
    # __table__ is a Table at run time; DeclarativeBase types it as a FromClause, which has no delete().
    db.session.execute(PostAudience.__table__.delete().where(PostAudience.principal == token))  # type: ignore[attr-defined]
    # Explicit, not left to ON DELETE CASCADE: SQLite enforces foreign keys only when
    # asked, and a membership outliving its group would still be a principal.
    for model in (Membership, GroupInvitation, JoinRequest):
        db.session.execute(delete(model).where(model.group_id == group.id))
    db.session.execute(group_interests.delete().where(group_interests.c.group_id == group.id))
    db.session.delete(group)
    _changed_memberships()
    for post_id in post_ids:
        indexing.post_changed(post_id)


# --- becoming a member -----------------------------------------------------------------


def add_member(group: Group, user: User, role: str = "member") -> Membership:
    """Make `user` a member (no commit). Callers check who may do this."""
    membership = db.session.get(Membership, (group.id, user.id))
    if membership is None:
        membership = Membership(group_id=group.id, user_id=user.id, role=role)
        db.session.add(membership)
    return membership


def _admit(group: Group, user: User, decided_by: User | None = None) -> Membership:
    """Add a member and close whatever they had pending with the group (no commit)."""
    now = utcnow()
    db.session.execute(
        update(GroupInvitation)
        .where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.user_id == user.id,
            GroupInvitation.status == "pending",
        )
        .values(status="accepted", responded_at=now)
    )
    db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.group_id == group.id, JoinRequest.user_id == user.id, JoinRequest.status == "pending")
        .values(status="approved", decided_at=now, decided_by_id=decided_by.id if decided_by else None)
    )
    return add_member(group, user)


def _membership(group: Group, user: User) -> Membership | None:
    return db.session.get(Membership, (group.id, user.id))


def _pending_invitation(group: Group, user: User) -> GroupInvitation | None:
    return db.session.scalar(
        select(GroupInvitation).where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.user_id == user.id,
            GroupInvitation.status == "pending",
        )
    )


def _pending_request(group: Group, user: User) -> JoinRequest | None:
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id, JoinRequest.user_id == user.id, JoinRequest.status == "pending"
        )
    )


def invite(actor: User, group: Group, username: str | None) -> GroupInvitation:
    _require(permissions.can_manage_group(actor, group), "Only the group's owners and admins can invite.")
    ensure_can_write(actor, "group")
    name = normalize_username((username or "").lstrip("@"))
    if not name:
        raise ServiceError("Whom should we invite? Enter a username.", field="username")
    user = user_named(name)
    if user is None:
        raise ServiceError(f"No user named {name[:40]}.", field="username")
    if _membership(group, user) is not None:
        raise ServiceError(f"{user.username} is already a member of {group.name}.", field="username", status=409)
    if _pending_invitation(group, user) is not None:
        raise ServiceError(
            f"{user.username} is already invited; the invitation is waiting for an answer.",
            field="username",
            status=409,
        )
    invitation = GroupInvitation(group_id=group.id, user_id=user.id, invited_by_id=actor.id)
    db.session.add(invitation)
    try:
        notifications.invited(invitation)
        db.session.commit()
    except IntegrityError:  # a second submit that raced the first one
        db.session.rollback()
        raise ServiceError(
            f"{user.username} is already invited; the invitation is waiting for an answer.",
            field="username",
            status=409,
        )
    visibility.forget_principals()
    return invitation


def invitation_for(user: User, invitation_id: int) -> GroupInvitation:
    """The user's own pending invitation. Anyone else's, or an answered one, is not found."""
    invitation = db.session.scalar(
        select(GroupInvitation).where(
            GroupInvitation.id == invitation_id, GroupInvitation.user_id == user.id, GroupInvitation.status == "pending"
        )
    )
    if invitation is None:
        raise ServiceError("No such invitation.", status=404)
    return invitation


def accept_invitation(user: User, invitation_id: int) -> Membership:
    invitation = invitation_for(user, invitation_id)
    membership = _admit(invitation.group, user)
    notifications.invitation_answered(invitation, accepted=True)
    _changed_memberships()
    return membership


def decline_invitation(user: User, invitation_id: int) -> None:
    invitation = invitation_for(user, invitation_id)
    invitation.status, invitation.responded_at = "declined", utcnow()
    notifications.invitation_answered(invitation, accepted=False)
    _changed_memberships()


def cancel_invitation(actor: User, group: Group, invitation_id: int) -> None:
    _require(permissions.can_manage_group(actor, group), "Only the group's owners and admins can cancel invitations.")
    invitation = db.session.scalar(
        select(GroupInvitation).where(
            GroupInvitation.id == invitation_id,
            GroupInvitation.group_id == group.id,
            GroupInvitation.status == "pending",
        )
    )
    if invitation is None:
        raise ServiceError("No such invitation.", status=404)
    invitation.status, invitation.responded_at = "cancelled", utcnow()
    _changed_memberships()


def _refuse_member(user: User, group: Group) -> None:
    if _membership(group, user) is not None:
        raise ServiceError(f"You are already a member of {group.name}.", status=409)


def join(user: User, group: Group) -> Membership:
    """Join an open group, or any group that invited you."""
    _refuse_member(user, group)
    if _pending_invitation(group, user) is None:
        if group.join_policy == "invite":
            raise ServiceError(f"{group.name} admits members by invitation only.", status=403)
        if group.join_policy == "request":
            raise ServiceError(f"{group.name} admits members by request: send a request to join.", status=409)
    membership = _admit(group, user)
    _changed_memberships()
    return membership


def request_to_join(user: User, group: Group, statement: str | None, vouch_id: int | None = None) -> JoinRequest:
    ensure_can_write(user, "request")  # the statement is text that others read
    _refuse_member(user, group)
    if _pending_invitation(group, user) is not None:
        raise ServiceError(f"You are already invited to {group.name}: accept the invitation instead.", status=409)
    if group.join_policy == "invite":
        raise ServiceError(f"{group.name} admits members by invitation only.", status=403)
    if group.join_policy == "open":
        raise ServiceError(f"Anyone may join {group.name}: use Join instead.", status=409)
    statement = (statement or "").strip()
    if len(statement) > STATEMENT_MAX:
        raise ServiceError(f"Keep the statement to {STATEMENT_MAX:,} characters.", field="statement")
    already = f"You already asked to join {group.name}; its owners and admins have not decided yet."
    if _pending_request(group, user) is not None:
        raise ServiceError(already, status=409)
    vouch = _member_vouch(group, user, vouch_id) if group.requires_vouch else None
    join_request = JoinRequest(
        group_id=group.id, user_id=user.id, statement=statement, vouch_id=vouch.id if vouch else None
    )
    db.session.add(join_request)
    try:
        notifications.join_requested(join_request)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(already, status=409)
    return join_request


def _member_vouch(group: Group, user: User, vouch_id: int | None):
    """The active vouch for `user` by a current member that a request names."""
    usable = {v.id: v for v in trust.member_vouchers_for(group, user)}
    if not usable:
        raise ServiceError(
            f"{group.name} admits members who carry a vouch from a current member, and no member vouches for you yet.",
            field="vouch",
            status=409,
        )
    if vouch_id not in usable:
        raise ServiceError("Choose the member whose vouch your request carries.", field="vouch")
    return usable[vouch_id]


def _check_vouch_still_holds(join_request: JoinRequest) -> None:
    if join_request.vouch_id is None:
        return
    vouch = db.session.get(Vouch, join_request.vouch_id)
    member = vouch is not None and _membership(join_request.group, vouch.voucher) is not None
    if vouch is None or not vouch.is_active or not member:
        name = vouch.voucher.username if vouch is not None else "a member"
        raise ServiceError(
            f"This request relied on {name}'s vouch, which was withdrawn (or {name} left the group). "
            "Nothing was changed: decline it, or ask the requester to find another member who vouches for them.",
            status=409,
        )


def withdraw_request(user: User, group: Group) -> None:
    join_request = _pending_request(group, user)
    if join_request is None:
        raise ServiceError("You have no pending request for this group.", status=409)
    join_request.status, join_request.decided_at = "withdrawn", utcnow()
    db.session.commit()


def decide_request(actor: User, group: Group, request_id: int, approve: bool) -> JoinRequest:
    _require(permissions.can_manage_group(actor, group), "Only the group's owners and admins decide requests.")
    join_request = db.session.scalar(
        select(JoinRequest).where(JoinRequest.id == request_id, JoinRequest.group_id == group.id)
    )
    if join_request is None:
        raise ServiceError("No such request.", status=404)
    if join_request.status != "pending":
        raise ServiceError(f"That request was already {join_request.status}.", status=409)
    if approve:
        _check_vouch_still_holds(join_request)
        _admit(group, join_request.user, decided_by=actor)
    else:
        join_request.status, join_request.decided_at, join_request.decided_by_id = "declined", utcnow(), actor.id
    notifications.join_decided(join_request, approve, actor)
    _changed_memberships()
    return join_request


# --- roles, removal, leaving -----------------------------------------------------------


def _other_owners(group: Group, user_id: int):
    return (
        select(func.count())
        .select_from(Membership)
        .where(Membership.group_id == group.id, Membership.role == "owner", Membership.user_id != user_id)
        .scalar_subquery()
    )


def _delete_membership(group: Group, user_id: int) -> bool:
    """Delete unless it is the last owner; one statement, so two owners leaving at once
    cannot both pass the check."""
    result = db.session.execute(
        delete(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.user_id == user_id,
            or_(Membership.role != "owner", _other_owners(group, user_id) > 0),
        )
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]  # DML returns a CursorResult


def _target(group: Group, username: str) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .join(User)
        .where(Membership.group_id == group.id, User.username == normalize_username(username))
    )
    if membership is None:
        raise ServiceError("No such member.", status=404)
    return membership


def remove_member(actor: User, group: Group, username: str) -> None:
    _require(permissions.can_manage_group(actor, group), "Only the group's owners and admins can remove members.")
    target = _target(group, username)
    if target.user_id == actor.id:
        raise ServiceError("To leave the group yourself, use Leave.", status=400)
    _require(
        permissions.can_remove_member(actor, group, target),
        "Admins can remove plain members only; owners remove admins and owners.",
    )
    if not _delete_membership(group, target.user_id):
        db.session.rollback()
        raise ServiceError(LAST_OWNER, status=409)
    _changed_memberships()


def change_role(actor: User, group: Group, username: str, role: str) -> Membership:
    _require(permissions.can_change_roles(actor, group), "Only owners change roles.")
    if role not in GROUP_ROLES:
        raise ServiceError("Choose owner, admin or member.", field="role")
    target = _target(group, username)
    if target.role == role:
        return target
    result = db.session.execute(
        update(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.user_id == target.user_id,
            or_(Membership.role != "owner", _other_owners(group, target.user_id) > 0),
        )
        .values(role=role)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
        db.session.rollback()
        raise ServiceError(LAST_OWNER, status=409)
    _changed_memberships()
    db.session.refresh(target)
    return target


def leave(user: User, group: Group) -> None:
    if _membership(group, user) is None:
        raise ServiceError(f"You are not a member of {group.name}.", status=409)
    if not _delete_membership(group, user.id):
        db.session.rollback()
        raise ServiceError(
            f"You are the only owner of {group.name}: make another member an owner first, or delete the group.",
            status=409,
        )
    _changed_memberships()
