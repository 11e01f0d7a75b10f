"""Deleting an account, by the policy docs/accounts.md states (and the settings page repeats).

The user row stays, emptied and marked deleted: comments keep their place in threads as
"[deleted account]" placeholders, and the id is never handed to anyone else, so a token
such as `user:<id>` left anywhere (an old audience snapshot, a cached page) names nobody.
Everything the member could read is read, afterwards, by exactly the people who could read
it before minus them: their audience entries are deleted, never replaced by anything wider
(an audience that named only them keeps its authors; a snapshot that named only them keeps
nobody, which the read rule reads as nobody), and a group they alone were in is closed, not
opened (its id is never reused either).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update
from werkzeug.security import check_password_hash

from forum import visibility
from forum.extensions import db
from forum.models import (
    AccessRequest,
    ApiToken,
    Attachment,
    AudienceSnapshotPrincipal,
    Block,
    Comment,
    ConversationParticipant,
    DraftShare,
    EmailPreference,
    FormStash,
    Group,
    GroupInvitation,
    Invite,
    JoinRequest,
    Membership,
    Message,
    MessageAttachment,
    ModeratorWarning,
    Notification,
    OutboxMessage,
    PlannedAudience,
    Post,
    PostAudience,
    PostListing,
    PostRead,
    PostRevision,
    PostTerms,
    RecoveryCode,
    Report,
    SavedItem,
    SecurityKey,
    SiteTermsAcceptance,
    Subscription,
    TermsAcceptance,
    TotpSecret,
    User,
    UserSession,
    Vote,
    Vouch,
    post_coauthors,
)
from forum.models._time import utcnow
from forum.models.interest import user_interests
from forum.models.principals import user_token
from forum.models.user import DELETED_NAME
from forum.search import indexing
from forum.services import attachments, comments, groups, sessions, votes
from forum.services.errors import ServiceError

# Stored as the password hash: no hash has this form, so no password ever matches it.
NO_PASSWORD = "!deleted"
# What a removed post is called where its row still shows (its "deleted" page).
REMOVED_TITLE = "[deleted]"


def confirmation_for(user: User) -> str:
    """What the member types to confirm: their username, so a stray submit deletes nothing."""
    return user.username


@dataclass
class _Touched:
    """What the deletion changed, for the search index and the stored files after the commit."""

    post_ids: set[int] = field(default_factory=set)
    comment_ids: set[int] = field(default_factory=set)
    file_keys: list[str] = field(default_factory=list)
    karma_of: set[int] = field(default_factory=set)


def delete_account(user: User, password: str | None, confirmation: str | None) -> None:
    """Delete `user`'s account for good. Refuses, changing nothing, without their password
    and their username typed as confirmation."""
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError("That is not your password; nothing was deleted.", field="password")
    if (confirmation or "").strip().lower() != confirmation_for(user):
        raise ServiceError(
            f"Type your username, {confirmation_for(user)}, to confirm; nothing was deleted.", field="confirmation"
        )
    touched = _Touched()
    closing = _hand_over_groups(user)
    _withdraw_votes(user, touched)
    _settle_posts(user, touched)
    _delete_comments(user, touched)
    _drop_audience_entries(user, touched)
    _drop_personal_rows(user, touched)
    _empty_profile(user)
    db.session.flush()
    votes.refresh_karma_for_users(touched.karma_of - {user.id})
    db.session.commit()
    # A group only they were in closes: its audience entries go and its id is never reused,
    # so its posts are read by their authors and the rest of their audiences only.
    for group in closing:
        groups.delete_group(group)
    db.session.commit()
    sessions.end_all_sessions(user)
    for post_id in touched.post_ids:
        indexing.post_changed(post_id)
    for comment_id in touched.comment_ids:
        indexing.comment_changed(comment_id)
    attachments.delete_files(touched.file_keys)


def _hand_over_groups(user: User) -> list[Group]:
    """Groups they own alone pass to their longest-standing admin, else their
    longest-standing member; the groups with nobody else are returned, to be closed."""
    closing: list[Group] = []
    owned = db.session.scalars(
        select(Group).join(Membership).where(Membership.user_id == user.id, Membership.role == "owner")
    ).all()
    for group in owned:
        others = db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.group_id == group.id, Membership.user_id != user.id, User.deleted_at.is_(None))
            .order_by(Membership.created_at, Membership.user_id)
        ).all()
        if any(m.role == "owner" for m in others):
            continue
        heir = next((m for m in others if m.role == "admin"), others[0] if others else None)
        if heir is None:
            closing.append(group)
        else:
            heir.role = "owner"
    return closing


def _withdraw_votes(user: User, touched: _Touched) -> None:
    voted_posts = select(Vote.post_id).where(Vote.user_id == user.id, Vote.post_id.is_not(None))
    voted_comments = select(Vote.comment_id).where(Vote.user_id == user.id, Vote.comment_id.is_not(None))
    authors = select(Post.author_id).where(Post.id.in_(voted_posts))
    coauthors = select(post_coauthors.c.user_id).where(post_coauthors.c.post_id.in_(voted_posts))
    commenters = select(Comment.author_id).where(Comment.id.in_(voted_comments))
    for query in (authors, coauthors, commenters):
        touched.karma_of.update(db.session.scalars(query))
    votes.withdraw_all(user)


def _settle_posts(user: User, touched: _Touched) -> None:
    """Posts with a co-author left stay with the co-authors; the rest are removed with their text."""
    for post in db.session.scalars(select(Post).where(Post.author_id == user.id)).all():
        heirs = [u for u in post.coauthors if not u.is_deleted]
        touched.post_ids.add(post.id)
        if heirs:
            post.author, post.author_id = heirs[0], heirs[0].id
            post.coauthors = heirs[1:]
            touched.karma_of.update(u.id for u in heirs)
        else:
            _remove_post(post, touched)
    coauthored = db.session.scalars(select(post_coauthors.c.post_id).where(post_coauthors.c.user_id == user.id)).all()
    touched.post_ids.update(coauthored)
    db.session.execute(post_coauthors.delete().where(post_coauthors.c.user_id == user.id))


def _remove_post(post: Post, touched: _Touched) -> None:
    """Soft-deleted like an author's own deletion, and emptied of everything they wrote."""
    post.deleted_at = post.deleted_at or utcnow()
    post.title, post.body_md, post.body_html = REMOVED_TITLE, "", ""
    post.tags = []
    db.session.execute(update(PostTerms).where(PostTerms.post_id == post.id).values(body_md="", body_html=""))
    for model in (PostRevision, PostListing, PlannedAudience, DraftShare):
        db.session.execute(delete(model).where(model.post_id == post.id))
    files = db.session.scalars(select(Attachment).where(Attachment.post_id == post.id)).all()
    touched.file_keys += [a.key for a in files]
    db.session.execute(delete(Attachment).where(Attachment.post_id == post.id))


def _delete_comments(user: User, touched: _Touched) -> None:
    """Each comment becomes a placeholder: the row (and so every reply) stays, its text goes."""
    for comment in db.session.scalars(select(Comment).where(Comment.author_id == user.id)).all():
        comments.mark_deleted(comment)
        comment.body_md = comment.body_html = ""
        touched.comment_ids.add(comment.id)


def _drop_audience_entries(user: User, touched: _Touched) -> None:
    """Their token leaves every audience, planned audience and snapshot. Deleting a token
    only ever narrows: no row is added, and an audience or snapshot left without tokens is
    read by nobody (visibility.readable and in_snapshot are existence tests)."""
    token = user_token(user.id)
    touched.post_ids.update(db.session.scalars(select(PostAudience.post_id).where(PostAudience.principal == token)))
    for model, column in (
        (PostAudience, PostAudience.principal),
        (PlannedAudience, PlannedAudience.principal),
        (AudienceSnapshotPrincipal, AudienceSnapshotPrincipal.principal),
    ):
        db.session.execute(delete(model).where(column == token))
    shared = db.session.scalars(select(DraftShare.post_id).where(DraftShare.user_id == user.id)).all()
    touched.post_ids.update(shared)
    db.session.execute(delete(DraftShare).where(DraftShare.user_id == user.id))


def _drop_personal_rows(user: User, touched: _Touched) -> None:
    me = user.id
    # Files they attached anywhere else (comments on others' posts, edits of co-authored ones).
    files = db.session.scalars(select(Attachment).where(Attachment.uploader_id == me)).all()
    touched.file_keys += [a.key for a in files]
    db.session.execute(delete(Attachment).where(Attachment.uploader_id == me))
    # Vouches, given and received; a join request that relied on one loses it (and is
    # checked again when decided, services/groups.py).
    vouch_ids = select(Vouch.id).where(or_(Vouch.voucher_id == me, Vouch.vouchee_id == me))
    db.session.execute(update(JoinRequest).where(JoinRequest.vouch_id.in_(vouch_ids)).values(vouch_id=None))
    db.session.execute(delete(Vouch).where(or_(Vouch.voucher_id == me, Vouch.vouchee_id == me)))
    # Reports keep a copy of the reported text: those of their text go; their own notes go.
    db.session.execute(delete(Report).where(Report.author_id == me))
    db.session.execute(update(Report).where(Report.reporter_id == me).values(details=""))
    db.session.execute(update(JoinRequest).where(JoinRequest.decided_by_id == me).values(decided_by_id=None))
    db.session.execute(update(AccessRequest).where(AccessRequest.decided_by_id == me).values(decided_by_id=None))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == me))
    db.session.execute(delete(Notification).where(or_(Notification.user_id == me, Notification.actor_id == me)))
    db.session.execute(
        delete(Subscription).where(
            or_(Subscription.user_id == me, (Subscription.target == "user") & (Subscription.target_id == me))
        )
    )
    db.session.execute(
        delete(GroupInvitation).where(or_(GroupInvitation.user_id == me, GroupInvitation.invited_by_id == me))
    )
    for model in (
        Membership,
        JoinRequest,
        AccessRequest,
        PostRead,
        TermsAcceptance,
        SiteTermsAcceptance,
        EmailPreference,
        ApiToken,
        ModeratorWarning,
        # Sign-in: the sessions (device and address are personal data; a deleted row's key
        # names nobody) and the second factors.
        UserSession,
        TotpSecret,
        RecoveryCode,
        SecurityKey,
        # Text kept from an editor whose session had expired (services/form_stash.py).
        FormStash,
    ):
        db.session.execute(delete(model).where(model.user_id == me))
    # Conversations: they leave every one; what they wrote stays a placeholder in its place
    # (the others' replies keep their context) with its text and files gone, like comments.
    mine = select(Message.id).where(Message.author_id == me)
    touched.file_keys += db.session.scalars(
        select(MessageAttachment.key).where(MessageAttachment.message_id.in_(mine))
    ).all()
    db.session.execute(delete(MessageAttachment).where(MessageAttachment.message_id.in_(mine)))
    db.session.execute(update(Message).where(Message.author_id == me).values(body_md="", body_html=""))
    db.session.execute(delete(ConversationParticipant).where(ConversationParticipant.user_id == me))
    db.session.execute(delete(Block).where(or_(Block.blocker_id == me, Block.blocked_id == me)))
    db.session.execute(delete(SavedItem).where(SavedItem.user_id == me))
    # Invites they made and nobody used die with them; a used one keeps only its use.
    db.session.execute(delete(Invite).where(Invite.created_by_id == me, Invite.used_by_id.is_(None)))
    db.session.execute(user_interests.delete().where(user_interests.c.user_id == me))
    visibility.forget_principals()


def _empty_profile(user: User) -> None:
    user.deleted_at = utcnow()
    user.display_name = DELETED_NAME
    user.bio = user.bio_html = ""
    user.email = user.pending_email = None
    user.email_verified_at = None
    user.password_hash = NO_PASSWORD
    user.karma = 0
    user.role = "user"
    user.open_to_contact = False
    user.default_audience = None
    db.session.expire(user, ["interests"])
