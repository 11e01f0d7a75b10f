"""Typed models. They hold data only: no commits and no visibility rules here."""
from .access import AccessRequest, PostListing
from .attachment import Attachment
from .comment import Comment
from .draft import DRAFT_ROLES, DraftShare, PlannedAudience, post_coauthors
from .group import GROUP_ROLES, JOIN_POLICIES, Group, GroupInvitation, JoinRequest, Membership
from .interest import Interest
from .notification import (
    EMAIL_CATEGORIES, EMAIL_MODES, NOTIFICATION_KINDS, SUBSCRIPTION_TARGETS, EmailPreference, MailAddress, Notification,
    Subscription,
)
from .outbox import OutboxMessage
from .moderation import REPORT_DECISIONS, REPORT_REASONS, Ban, ModAction, ModeratorWarning, Report
from .post import AUDIENCE_KINDS, Post, PostAudience, PostRevision, Tag
from .reads import PostRead
from .search_entry import SearchEntry
from .terms import PostTerms, SiteTerms, SiteTermsAcceptance, TermsAcceptance
from .token import FEED_SCOPE, TOKEN_SCOPES, ApiToken
from .user import ROLES, User
from .vote import VOTE_AXES, Vote
from .vouch import Vouch

__all__ = [
    "AccessRequest",
    "EMAIL_CATEGORIES",
    "EMAIL_MODES",
    "EmailPreference",
    "NOTIFICATION_KINDS",
    "Notification",
    "OutboxMessage",
    "SUBSCRIPTION_TARGETS",
    "Subscription",
    "ApiToken",
    "Attachment",
    "DRAFT_ROLES",
    "DraftShare",
    "PlannedAudience",
    "post_coauthors",
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
    "MailAddress",
    "ModAction",
    "ModeratorWarning",
    "Post",
    "PostAudience",
    "PostListing",
    "PostRead",
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
    "Vouch",
]
