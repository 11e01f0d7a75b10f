"""Typed models. They hold data only: no commits and no visibility rules here."""

from forum.models.access import AccessRequest, PostListing
from forum.models.attachment import Attachment
from forum.models.comment import Comment
from forum.models.conversation import (
    PARTICIPANT_STATES,
    Block,
    Conversation,
    ConversationParticipant,
    Message,
    MessageAttachment,
)
from forum.models.draft import DRAFT_ROLES, DraftShare, PlannedAudience, post_coauthors
from forum.models.form_stash import FormStash
from forum.models.group import GROUP_ROLES, JOIN_POLICIES, Group, GroupInvitation, JoinRequest, Membership
from forum.models.interest import Interest
from forum.models.invite import Invite
from forum.models.limits import LIMIT_EVENT_KINDS, LimitEvent
from forum.models.moderation import REPORT_DECISIONS, REPORT_REASONS, Ban, ModAction, ModeratorWarning, Report
from forum.models.notification import (
    EMAIL_CATEGORIES,
    EMAIL_MODES,
    NOTIFICATION_KINDS,
    SUBSCRIPTION_TARGETS,
    EmailPreference,
    Notification,
    Subscription,
)
from forum.models.outbox import OutboxMessage
from forum.models.post import AUDIENCE_KINDS, Post, PostAudience, PostRevision, Tag
from forum.models.reads import PostRead
from forum.models.saved import SavedItem
from forum.models.search_entry import SearchEntry
from forum.models.session import UserSession
from forum.models.snapshot import AudienceSnapshot, AudienceSnapshotPrincipal
from forum.models.terms import PostTerms, SiteTerms, SiteTermsAcceptance, TermsAcceptance
from forum.models.token import FEED_SCOPE, TOKEN_SCOPES, ApiToken
from forum.models.two_factor import RecoveryCode, SecurityKey, TotpSecret
from forum.models.user import ROLES, User, is_signed_in
from forum.models.vote import VOTE_AXES, Vote
from forum.models.vouch import Vouch

__all__ = [
    "AccessRequest",
    "Block",
    "Conversation",
    "ConversationParticipant",
    "Message",
    "MessageAttachment",
    "PARTICIPANT_STATES",
    "AudienceSnapshot",
    "AudienceSnapshotPrincipal",
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
    "FormStash",
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
    "Invite",
    "LIMIT_EVENT_KINDS",
    "LimitEvent",
    "JOIN_POLICIES",
    "JoinRequest",
    "Membership",
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
    "RecoveryCode",
    "Report",
    "SavedItem",
    "SearchEntry",
    "SecurityKey",
    "SiteTerms",
    "SiteTermsAcceptance",
    "Tag",
    "TOKEN_SCOPES",
    "TermsAcceptance",
    "TotpSecret",
    "User",
    "UserSession",
    "VOTE_AXES",
    "Vote",
    "is_signed_in",
    "Vouch",
]
