"""Typed models. They hold data only: no commits and no visibility rules here."""
from .comment import Comment
from .group import GROUP_ROLES, JOIN_POLICIES, Group, GroupInvitation, JoinRequest, Membership
from .interest import Interest
from .post import AUDIENCE_KINDS, Post, PostAudience, PostRevision, Tag
from .terms import PostTerms, SiteTerms, SiteTermsAcceptance, TermsAcceptance
from .user import ROLES, User

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
    "PostTerms",
    "ROLES",
    "SiteTerms",
    "SiteTermsAcceptance",
    "Tag",
    "TermsAcceptance",
    "User",
]
