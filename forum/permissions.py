"""Write-side rules: who may edit, delete, moderate or manage. Default deny.

Reading is decided by `visibility`; these predicates assume the object is already
readable by the actor (views fetch through visibility first).
"""
from __future__ import annotations

from .models import Comment, Group, Membership, Post, User
from .extensions import db


def _signed_in(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def can_edit_post(user: User | None, post: Post) -> bool:
    return _signed_in(user) and post.author_id == user.id and not post.is_deleted


def can_delete_post(user: User | None, post: Post) -> bool:
    return can_edit_post(user, post)


def can_see_revisions(user: User | None, post: Post) -> bool:
    return _signed_in(user) and post.author_id == user.id


def can_comment(user: User | None, post: Post) -> bool:
    return _signed_in(user) and not post.is_deleted


def can_edit_comment(user: User | None, comment: Comment) -> bool:
    return _signed_in(user) and comment.author_id == user.id and not comment.is_deleted


def group_role(user: User | None, group: Group) -> str | None:
    if not _signed_in(user):
        return None
    membership = db.session.get(Membership, (group.id, user.id))
    return membership.role if membership else None


# --- groups ----------------------------------------------------------------------------
# Roles, from most to least power:
#   owner   edits and deletes the group, invites, decides join requests, removes anyone,
#           and gives or takes any role, including making other owners;
#   admin   edits the group, invites, decides join requests and removes plain members;
#           admins change no roles and cannot remove other admins or owners;
#   member  reads what is shared with the group, and may leave.
# A group always keeps at least one owner: the last owner cannot leave, be removed or
# be demoted. That invariant is a state rule, enforced by the group service in SQL.


def can_manage_group(user: User | None, group: Group) -> bool:
    """Owners and admins edit the group, invite and decide join requests."""
    return group_role(user, group) in ("owner", "admin")


def can_remove_member(user: User | None, group: Group, target: Membership) -> bool:
    """Owners remove anyone; admins remove plain members. Leaving is not removing."""
    role = group_role(user, group)
    if target.user_id == getattr(user, "id", None):
        return False
    return role == "owner" or (role == "admin" and target.role == "member")


def can_change_roles(user: User | None, group: Group) -> bool:
    return group_role(user, group) == "owner"


def can_delete_group(user: User | None, group: Group) -> bool:
    return group_role(user, group) == "owner"


def can_see_acceptances(user: User | None, post: Post) -> bool:
    """Who agreed to a post's terms is the author's business only."""
    return _signed_in(user) and post.author_id == user.id


def can_manage_site_terms(user: User | None) -> bool:
    return _signed_in(user) and user.is_admin
