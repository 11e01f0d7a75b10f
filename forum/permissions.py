"""Write-side rules: who may edit, delete, moderate or manage. Default deny.

Reading is decided by `visibility`; these predicates assume the object is already
readable by the actor (views fetch through visibility first).
"""

from __future__ import annotations

from typing import TypeGuard

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from forum.infra import viewer_state
from forum.infra.memo import forget, request_memo
from forum.models import Ban, Comment, DraftShare, Group, Membership, Post, User, is_signed_in
from forum.models.principals import group_id_of, group_ids_in, user_token

_RANK = {"user": 0, "moderator": 1, "admin": 2}


# --- bans: one predicate behind every write ---------------------------------------------


_BANS = "active_bans"


def active_ban(user: User | None) -> Ban | None:
    """The ban in force on `user` now, the longest-lasting if several overlap.

    Asked several times a page (vote buttons, banners, forms), so it is read once per
    request and user: the memo lives in the request's environ, never longer (as
    visibility's principals), and banning or unbanning drops it (`forget_bans`).
    """
    if not is_signed_in(user):
        return None
    ban_id = viewer_state.state(user.id).ban_id  # read with the rest of the member's state
    if ban_id is None:
        return None
    memo = request_memo(_BANS)
    if ban_id not in memo:
        memo[ban_id] = db.session.get(Ban, ban_id)
    return memo[ban_id]


def forget_bans() -> None:
    """A ban was added or lifted inside this request: read them again."""
    forget(_BANS)
    viewer_state.forget()


def banned_user_ids() -> set[int]:
    """Everyone under a ban now; search leaves out what they wrote (docs/search.md)."""
    return set(db.session.scalars(select(Ban.user_id).where(viewer_state.ban_in_force())))


def is_banned(user: User | None) -> bool:
    return active_ban(user) is not None


def can_write(user: User | None) -> TypeGuard[User]:
    """Posting, commenting, voting, reporting and creating groups all need this.

    A banned user keeps reading what they could read before; they only lose writing. So
    does an account awaiting approval (REGISTRATION_MODE = "approval").
    """
    return is_signed_in(user) and not user.awaiting_approval and not is_banned(user)


def can_vote(user: User | None) -> TypeGuard[User]:
    return can_write(user)


def can_report(user: User | None) -> bool:
    return can_write(user)


# --- unverified accounts: what the site's setting lets them do -------------------------

# Everything an account can be refused until its address is verified (config.UNVERIFIED_MAY
# lists the ones allowed anyway; reading is never refused).
UNVERIFIED_ACTIONS = ("profile", "post", "comment", "vote", "vouch", "group", "request", "report", "message")


def verified_enough(user: User, action: str) -> bool:
    """Whether `user` may do `action` as far as their email address is concerned."""
    if action not in UNVERIFIED_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return user.is_verified or action in current_app.config["UNVERIFIED_MAY"]


# --- site roles -------------------------------------------------------------------------


def is_moderator(user: User | None) -> TypeGuard[User]:
    return is_signed_in(user) and user.role in ("moderator", "admin")


def is_admin(user: User | None) -> TypeGuard[User]:
    return is_signed_in(user) and user.role == "admin"


def can_ban(actor: User | None, target: User) -> bool:
    """Moderators ban users; only admins ban moderators; nobody bans an admin or themselves."""
    return is_moderator(actor) and actor.id != target.id and _RANK.get(actor.role, 0) > _RANK.get(target.role, 0)


def can_change_role(actor: User | None, target: User) -> bool:
    return is_admin(actor) and actor.id != target.id


# --- content moderation -----------------------------------------------------------------


def moderating_group_id(post: Post) -> int | None:
    """The group a post is shared with ONLY (audience = its authors and one group).

    That group's owners and admins may moderate the post and its comments.
    """
    tokens = {row.principal for row in post.audience}
    others = tokens - {user_token(uid) for uid in post.author_ids}
    if len(others) == 1:
        (token,) = others
        return group_id_of(token)
    return None


def is_group_moderator_of(user: User | None, post: Post) -> bool:
    if not is_signed_in(user):
        return False
    group_id = moderating_group_id(post)
    if group_id is None:
        return False
    membership = db.session.get(Membership, (group_id, user.id))
    return membership is not None and membership.role in ("owner", "admin")


def can_moderate_post(user: User | None, post: Post) -> bool:
    """Remove or restore the post and its comments. Assumes the post was fetched
    through visibility, so a site moderator here is in its audience."""
    return is_moderator(user) or is_group_moderator_of(user, post)


def can_moderate_comment(user: User | None, comment: Comment) -> bool:
    return can_moderate_post(user, comment.post)


# --- authors ----------------------------------------------------------------------------


def is_author(user: User | None, post: Post) -> bool:
    """The post's author or one of its co-authors."""
    return is_signed_in(user) and user.id in post.author_ids


def draft_role(user: User | None, post: Post) -> str | None:
    """What the user may do with a draft: "author", or the role it was shared with
    (read, comment, edit); None when it is not a draft or not theirs to see."""
    if not post.is_draft or not is_signed_in(user):
        return None
    if is_author(user, post):
        return "author"
    share = db.session.get(DraftShare, (post.id, user.id))
    return share.role if share else None


def can_edit_post(user: User | None, post: Post) -> bool:
    """Authors and co-authors; on a draft also those it was shared with to edit."""
    editor = is_author(user, post) or draft_role(user, post) == "edit"
    return editor and not post.is_deleted and not post.is_removed and can_write(user)


def can_change_authors(user: User | None, post: Post) -> bool:
    """Who writes the post, who sees the draft and when it is published: the authors."""
    return is_author(user, post) and not post.is_deleted and not post.is_removed and can_write(user)


def can_delete_post(user: User | None, post: Post) -> bool:
    # A banned author may still take their own words down. Co-authors edit, the author deletes.
    return is_signed_in(user) and post.author_id == user.id and not post.is_deleted


def can_comment(user: User | None, post: Post) -> bool:
    if post.is_draft and draft_role(user, post) not in ("author", "comment", "edit"):
        return False
    return can_write(user) and not post.is_deleted and not post.is_removed


def can_edit_comment(user: User | None, comment: Comment) -> bool:
    return (
        is_signed_in(user)
        and comment.author_id == user.id
        and not comment.is_deleted
        and not comment.is_removed
        and can_write(user)
    )


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    return is_signed_in(user) and comment.author_id == user.id and not comment.is_deleted


def can_down_vote(user: User | None) -> bool:
    return can_vote(user) and _has_karma(user, "VOTE_DOWN_MIN_KARMA")


def can_strong_vote(user: User | None) -> bool:
    return can_vote(user) and _has_karma(user, "VOTE_STRONG_MIN_KARMA")


def _has_karma(user: User, setting: str) -> bool:
    return user.karma >= current_app.config[setting]


def group_role(user: User | None, group: Group) -> str | None:
    if not is_signed_in(user):
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
    return is_author(user, post)


def can_manage_site_terms(user: User | None) -> bool:
    return is_signed_in(user) and user.is_admin


def can_decide_access(user: User | None, post: Post) -> bool:
    """Approve or decline requests for access to a listed post: its author, or an owner
    or admin of a group the post is shared with (they already decide who is in the group)."""
    if not is_signed_in(user):
        return False
    if post.author_id == user.id:
        return True
    group_ids = group_ids_in(row.principal for row in post.audience)
    return (
        bool(group_ids)
        and db.session.scalar(
            select(Membership.group_id)
            .where(
                Membership.user_id == user.id,
                Membership.group_id.in_(group_ids),
                Membership.role.in_(("owner", "admin")),
            )
            .limit(1)
        )
        is not None
    )


def vote_rules(viewer) -> dict[str, bool]:
    """Which vote buttons this viewer may press (the vote widget asks once per request):
    `can_vote`, `can_down_vote` and `can_strong_vote`, with `can_vote` asked once."""
    vote = can_vote(viewer)
    return {
        "vote": vote,
        "down": vote and _has_karma(viewer, "VOTE_DOWN_MIN_KARMA"),
        "strong": vote and _has_karma(viewer, "VOTE_STRONG_MIN_KARMA"),
    }
