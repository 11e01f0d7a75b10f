"""Typed models. They hold data only: no commits and no visibility rules here."""
from .comment import Comment
from .group import GROUP_ROLES, JOIN_POLICIES, Group, GroupInvitation, JoinRequest, Membership
from .interest import Interest
from .moderation import REPORT_DECISIONS, REPORT_REASONS, Ban, ModAction, ModeratorWarning, Report
from .post import AUDIENCE_KINDS, Post, PostAudience, PostRevision, Tag
from .search_entry import SearchEntry
from .terms import PostTerms, SiteTerms, SiteTermsAcceptance, TermsAcceptance
from .token import FEED_SCOPE, TOKEN_SCOPES, ApiToken
from .user import ROLES, User
from .vote import VOTE_AXES, Vote

__all__ = [
    "ApiToken",
    "AUDIENCE_KINDS",
    "Ban",
    "Comment",
    "FEED_SCOPE",
    "GROUP_ROLES",
    "Group",
    "GroupInvitation",
    "Interest",
    "JOIN_POLICIES",
    "JoinRequest",
    "Membership",
    "ModAction",
    "ModeratorWarning",
    "Post",
    "PostAudience",
    "PostRevision",
    "PostTerms",
    "REPORT_DECISIONS",
    "REPORT_REASONS",
    "ROLES",
    "Report",
    "SearchEntry",
    "SiteTerms",
    "SiteTermsAcceptance",
    "Tag",
    "TOKEN_SCOPES",
    "TermsAcceptance",
    "User",
    "VOTE_AXES",
    "Vote",
]
