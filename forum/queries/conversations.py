"""The read side of conversations: the viewer's inbox, a conversation's participants, and
whether two members have a tie (the consent rule). Every content read starts from
`visibility` (in_conversation, get_conversation_or_404, messages_of)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from forum import visibility
from forum.extensions import db
from forum.models import Conversation, ConversationParticipant, Group, Membership, User, Vouch
from forum.models._time import utcnow
from forum.models.interest import user_interests
from forum.queries import blocks


def has_tie(sender_id: int, recipient_id: int) -> bool:
    """The consent rule's ties: they share a group, the recipient vouches for the sender,
    or the sender vouches for the recipient. (Settings → Profile says it in these words.)"""
    mine, theirs = aliased(Membership), aliased(Membership)
    shared_group = (
        select(mine.group_id)
        .join(theirs, theirs.group_id == mine.group_id)
        .where(mine.user_id == sender_id, theirs.user_id == recipient_id)
        .exists()
    )
    vouch = (
        select(Vouch.id)
        .where(
            Vouch.withdrawn_at.is_(None),
            or_(
                and_(Vouch.voucher_id == recipient_id, Vouch.vouchee_id == sender_id),
                and_(Vouch.voucher_id == sender_id, Vouch.vouchee_id == recipient_id),
            ),
        )
        .exists()
    )
    return bool(db.session.scalar(select(or_(shared_group, vouch))))


def may_write(sender: User, recipient: User) -> bool:
    """The consent rule: never across a block (either way) nor to a deleted account; to a
    member with a tie (`has_tie`), or to one open to contact (then as a request)."""
    if recipient.is_deleted or sender.id == recipient.id or blocks.either_blocks(sender.id, recipient.id):
        return False
    return recipient.open_to_contact or has_tie(sender.id, recipient.id)


def reachable(sender: User, users: Iterable[User]) -> list[User]:
    """Those of `users` the sender may write to (a few people: the starting points' offers)."""
    return [u for u in users if may_write(sender, u)]


def owners_to_ask(viewer: User, group: Group) -> list[User]:
    """ "Ask the owners": a group's owners, for a signed-in non-member who may see its members."""
    if not visibility.can_see_members(viewer, group) or visibility.is_member(viewer, group):
        return []
    owners = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.role == "owner", User.deleted_at.is_(None))
        .order_by(User.username)
        .limit(5)
    )
    return reachable(viewer, owners)


def members_to_ask_for_vouch(viewer: User, group: Group) -> list[User]:
    """Members of a group that requires a vouch whom the viewer shares something visible
    with: an interest, another group of theirs, or a vouch either way; and may write to."""
    if not visibility.can_see_members(viewer, group):
        return []
    members = select(Membership.user_id).where(Membership.group_id == group.id)
    mine = select(user_interests.c.interest_id).where(user_interests.c.user_id == viewer.id)
    shares_interest = select(user_interests.c.user_id).where(user_interests.c.interest_id.in_(mine))
    mine_in = aliased(Membership)
    my_groups = (
        select(mine_in.group_id)
        .join(Group, Group.id == mine_in.group_id)
        .where(mine_in.user_id == viewer.id, visibility.visible_group_clause(viewer, invited=False))
    )
    co_members = select(Membership.user_id).where(Membership.group_id.in_(my_groups))
    linked = (
        select(Vouch.voucher_id)
        .where(Vouch.withdrawn_at.is_(None), Vouch.vouchee_id == viewer.id)
        .union(select(Vouch.vouchee_id).where(Vouch.withdrawn_at.is_(None), Vouch.voucher_id == viewer.id))
    )
    found = db.session.scalars(
        select(User)
        .where(
            User.id.in_(members),
            User.id != viewer.id,
            User.deleted_at.is_(None),
            or_(User.id.in_(shares_interest), User.id.in_(co_members), User.id.in_(linked)),
        )
        .order_by(User.username)
        .limit(10)
    )
    return reachable(viewer, found)


def started_today(user: User) -> int:
    """Conversations the user started in the last 24 hours (the new-account limit)."""
    since = utcnow() - timedelta(days=1)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.started_by_id == user.id, Conversation.created_at > since)
        )
        or 0
    )


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    state: str
    unread: bool
    others: list[str]
    muted: bool


def inbox(viewer: User) -> list[InboxRow]:
    """The viewer's conversations, latest activity first, with who else is in each."""
    mine = aliased(ConversationParticipant)
    rows = db.session.execute(
        visibility.visible_conversations(viewer)
        .add_columns(mine.state, mine.last_read_at, mine.muted_at)
        .join(mine, and_(mine.conversation_id == Conversation.id, mine.user_id == viewer.id))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(200)
    ).all()
    names = _names_of_others(viewer, [r[0].id for r in rows])
    return [
        InboxRow(
            conversation,
            state,
            last_read is None or last_read < conversation.last_message_at,
            names.get(conversation.id, []),
            muted_at is not None,
        )
        for conversation, state, last_read, muted_at in rows
    ]


def _names_of_others(viewer: User, conversation_ids: list[int]) -> dict[int, list[str]]:
    if not conversation_ids:
        return {}
    found: dict[int, list[str]] = {}
    for conversation_id, name in db.session.execute(
        select(ConversationParticipant.conversation_id, User.display_name)
        .join(User, User.id == ConversationParticipant.user_id)
        .where(
            ConversationParticipant.conversation_id.in_(conversation_ids),
            ConversationParticipant.user_id != viewer.id,
            ConversationParticipant.left_at.is_(None),
        )
        .order_by(User.display_name)
    ):
        found.setdefault(conversation_id, []).append(name)
    return found


def participants(viewer: User, conversation: Conversation) -> list[ConversationParticipant]:
    """Everyone who is or was in a conversation the viewer takes part in (fetched through
    `visibility.get_conversation_or_404` first), in the order they joined."""
    return list(
        db.session.scalars(
            select(ConversationParticipant)
            .where(
                ConversationParticipant.conversation_id == conversation.id,
                visibility.in_conversation(viewer, ConversationParticipant.conversation_id),
            )
            .order_by(ConversationParticipant.joined_at, ConversationParticipant.user_id)
        )
    )
