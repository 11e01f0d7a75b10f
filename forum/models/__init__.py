"""Typed models. They hold data only: no commits and no visibility rules here."""
from .comment import Comment
from .group import GROUP_ROLES, JOIN_POLICIES, Group, GroupInvitation, JoinRequest, Membership
from .interest import Interest
from .post import AUDIENCE_KINDS, Post, PostAudience, PostRevision, Tag
from .user import ROLES, User
from .vote import VOTE_AXES, Vote

__all__ = [
    "AUDIENCE_KINDS",
    "Comment",
    "GROUP_ROLES",
    "Group",
    "GroupInvitation",
    "Interest",
    "JOIN_POLICIES",
    "JoinRequest",
    "Membership",
    "Post",
    "PostAudience",
    "PostRevision",
    "ROLES",
    "Tag",
    "User",
    "VOTE_AXES",
    "Vote",
]
