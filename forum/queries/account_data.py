"""A member's data, as the one JSON file they download (/settings/data, GET /api/v1/me/export).

Only what is theirs or what they wrote: their profile and settings, the versions of posts
they wrote, their comments, their votes, memberships, vouches, acceptances and requests.
Nothing another person wrote is quoted unless it is public by design (a vouch for them):
the post a comment answers, the comment it replies to, the post whose terms they accepted
are named by id only, so the file never carries restricted text they did not write, nor
text they may no longer read.

Conversations are the one place it carries others' words: a message is addressed to the
conversation's participants, so of a conversation the account takes part in now the file
holds every message it reads there (through `visibility.messages_of`, as the page shows
them), with its files' names and sizes. A conversation it left or declined is named by id
and dates only, its text withheld: the read rule closes it to a former participant (404),
and the export gives back nothing the site would not show them today, their own messages
there included (as for a post they left the audience of).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, union

from forum import visibility
from forum.extensions import db
from forum.models import (
    AccessRequest,
    ApiToken,
    Attachment,
    Comment,
    Conversation,
    ConversationParticipant,
    EmailPreference,
    Group,
    JoinRequest,
    Membership,
    PlannedAudience,
    Post,
    PostAudience,
    PostRevision,
    Report,
    SiteTermsAcceptance,
    Subscription,
    Tag,
    TermsAcceptance,
    User,
    Vote,
    Vouch,
    post_coauthors,
)
from forum.models.principals import group_ids_in, user_ids_in
from forum.queries import conversations as conversation_queries

FORMAT = "forum-account-export"
VERSION = 1


def _when(moment: datetime | None) -> str | None:
    """Stored times are naive UTC."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


def _state(item: Post | Comment) -> str:
    return "deleted" if item.is_deleted else "removed" if item.is_removed else "live"


def export_for(user: User, now: datetime, email_modes: dict[str, str]) -> dict[str, Any]:
    """Everything of `user`'s, for `user` only (the caller is signed in as them).
    `email_modes`: their mode per category, defaults included (services/notifications.py)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _when(now),
        "profile": _profile(user),
        "posts": _posts(user),
        "comments": _comments(user),
        "votes": _votes(user),
        "groups": _groups(user),
        "vouches": _vouches(user),
        "terms_accepted": _terms(user),
        "notification_settings": _notification_settings(user, email_modes),
        "access_requests": _access_requests(user),
        "reports": _reports(user),
        "conversations": _conversations(user),
        "files": _files(user),
        "api_tokens": _tokens(user),
    }


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "bio_markdown": user.bio,
        "interests": [i.name for i in user.interests],
        "open_to_contact": user.open_to_contact,
        # "public", "members", "group:<id>", or None: the editor asks every time.
        "default_audience": user.default_audience,
        "email": user.email,
        "email_verified_at": _when(user.email_verified_at),
        "role": user.role,
        "karma": user.karma,
        "created_at": _when(user.created_at),
    }


# --- posts: the versions they wrote --------------------------------------------------------


def _posts(user: User) -> list[dict[str, Any]]:
    me = user.id
    ids = union(
        select(Post.id).where(Post.author_id == me),
        select(post_coauthors.c.post_id).where(post_coauthors.c.user_id == me),
        select(PostRevision.post_id).where(PostRevision.editor_id == me),
    )
    posts = list(db.session.scalars(select(Post).where(Post.id.in_(ids)).order_by(Post.id)))
    revisions: dict[int, list[PostRevision]] = {}
    for revision in db.session.scalars(
        select(PostRevision).where(PostRevision.post_id.in_([p.id for p in posts])).order_by(PostRevision.id)
    ):
        revisions.setdefault(revision.post_id, []).append(revision)
    names = _audience_names(posts)
    readable = visibility.readable_post_ids(user, (p.id for p in posts))
    text_open = {p.id for p in posts if p.id in readable and _text_open(user, p)}
    versions_open = set(
        db.session.scalars(
            select(PostRevision.id).where(PostRevision.post_id.in_(text_open), visibility.revision_in_snapshot(user))
        )
    )
    out = []
    for post in posts:
        is_author = me in post.author_ids
        entry: dict[str, Any] = {
            "id": post.id,
            "role": "author" if post.author_id == me else "co-author" if is_author else "editor",
            "created_at": _when(post.created_at),
        }
        if post.id in text_open:
            entry |= {"state": _state(post), "draft": post.is_draft}
            entry["versions"] = _versions_by(me, post, revisions.get(post.id, []), versions_open)
        else:  # not even its state: that would tell what happened to it since
            entry["text_withheld"] = True
        if is_author:  # what the authors chose; an editor who is not one chose none of it
            entry["tags"] = [t.name for t in post.tags]
            entry["co_authors"] = [u.username for u in post.authors if u.id != me]
            entry["audience"] = names.get(post.id, {"kind": post.audience_kind})
        out.append(entry)
    return out


def _text_open(user: User, post: Post) -> bool:
    """Whether the post page shows `user` its text now (`visibility.get_post_body_or_404`,
    and not deleted): the export gives back their writing only where the read rule would.
    Text on a post a moderator removed, one they deleted or left the audience of stays as
    hidden from them here as on the site."""
    if post.is_deleted or not visibility.can_read_body(user, post.id):
        return False
    return not post.is_removed or visibility.sees_removed(user, post.author_id, post)


def _versions_by(me: int, post: Post, revisions: list[PostRevision], shown: set[int]) -> list[dict[str, Any]]:
    """The versions of `post` that `me` wrote and may read. A revision row holds the text an
    edit replaced and names the editor who replaced it, so each text was written by the
    editor of the row before (the first by the post's author), the live text by the last
    row's editor. `shown`: the revision ids in the reader's audience snapshot."""
    texts = [(r.title, r.body_md, r.created_at, r.id in shown) for r in revisions]
    texts.append((post.title, post.body_md, post.edited_at or post.created_at, True))
    writers = [post.author_id, *(r.editor_id for r in revisions)]
    return [
        {"title": title, "body_markdown": body, "written_at": _when(at), "current": n == len(texts) - 1}
        for n, ((title, body, at, may_read), writer) in enumerate(zip(texts, writers, strict=True))
        if writer == me and may_read
    ]


def _audience_names(posts: list[Post]) -> dict[int, dict[str, Any]]:
    """The audience each post's authors chose, by name (a draft's: the one it will be published to)."""
    drafts = [p.id for p in posts if p.is_draft]
    tokens: dict[int, list[str]] = {}
    rows = [
        *db.session.execute(
            select(PostAudience.post_id, PostAudience.principal).where(
                PostAudience.post_id.in_([p.id for p in posts if not p.is_draft])
            )
        ).tuples(),
        *db.session.execute(
            select(PlannedAudience.post_id, PlannedAudience.principal).where(PlannedAudience.post_id.in_(drafts))
        ).tuples(),
    ]
    for post_id, principal in rows:
        tokens.setdefault(post_id, []).append(principal)
    every = [t for ts in tokens.values() for t in ts]
    usernames = dict(
        db.session.execute(select(User.id, User.username).where(User.id.in_(user_ids_in(every)))).tuples().all()
    )
    slugs = dict(
        db.session.execute(select(Group.id, Group.slug).where(Group.id.in_(group_ids_in(every)))).tuples().all()
    )
    out = {}
    for post in posts:
        mine = tokens.get(post.id, [])
        out[post.id] = {
            "kind": post.audience_kind,
            "users": sorted(
                usernames[uid] for uid in user_ids_in(mine) if uid in usernames and uid not in post.author_ids
            ),
            "groups": sorted(slugs[gid] for gid in group_ids_in(mine) if gid in slugs),
        }
    return out


# --- what they wrote or did elsewhere -------------------------------------------------------


def _comments(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)).all()
    # As on the site: the text (and state) only where its permalink shows it to them now;
    # else its state would tell of what happened to the post since.
    shown = visibility.shown_comment_ids(user, (c.id for c in rows))
    out = []
    for c in rows:
        entry: dict[str, Any] = {
            "id": c.id,
            "post_id": c.post_id,
            "reply_to_comment_id": c.parent_id,
            "created_at": _when(c.created_at),
        }
        if c.id in shown:
            entry |= {"body_markdown": c.body_md, "edited_at": _when(c.edited_at), "state": _state(c)}
        else:
            entry["text_withheld"] = True
        out.append(entry)
    return out


def _votes(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Vote).where(Vote.user_id == user.id).order_by(Vote.id))
    return [
        {
            "post_id": v.post_id,
            "comment_id": v.comment_id,
            "axis": v.axis,
            "vote": v.choice,
            "weight": v.weight,
            "cast_at": _when(v.created_at),
        }
        for v in rows
    ]


def _groups(user: User) -> dict[str, Any]:
    memberships = db.session.execute(
        select(Membership, Group)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.user_id == user.id)
        .order_by(Group.slug)
    ).all()
    requests = db.session.execute(
        select(JoinRequest, Group.slug)
        .join(Group, Group.id == JoinRequest.group_id)
        .where(JoinRequest.user_id == user.id)
        .order_by(JoinRequest.id)
    ).all()
    return {
        "memberships": [
            {"group": g.slug, "name": g.name, "role": m.role, "joined_at": _when(m.created_at)} for m, g in memberships
        ],
        "join_requests": [
            {"group": slug, "statement": r.statement, "status": r.status, "created_at": _when(r.created_at)}
            for r, slug in requests
        ],
    }


def _vouches(user: User) -> dict[str, Any]:
    given = db.session.scalars(select(Vouch).where(Vouch.voucher_id == user.id).order_by(Vouch.id))
    # Received vouches are public on the profile while active; withdrawn ones are the voucher's.
    received = db.session.scalars(
        select(Vouch).where(Vouch.vouchee_id == user.id, Vouch.withdrawn_at.is_(None)).order_by(Vouch.id)
    )
    return {
        "given": [
            {
                "for": v.vouchee.username,
                "statement": v.statement,
                "created_at": _when(v.created_at),
                "withdrawn_at": _when(v.withdrawn_at),
            }
            for v in given
        ],
        "received": [
            {"from": v.voucher.username, "statement": v.statement, "created_at": _when(v.created_at)} for v in received
        ],
    }


def _terms(user: User) -> dict[str, Any]:
    posts = db.session.scalars(
        select(TermsAcceptance).where(TermsAcceptance.user_id == user.id).order_by(TermsAcceptance.id)
    )
    site = db.session.scalars(
        select(SiteTermsAcceptance).where(SiteTermsAcceptance.user_id == user.id).order_by(SiteTermsAcceptance.version)
    )
    return {
        "site": [{"version": a.version, "accepted_at": _when(a.accepted_at)} for a in site],
        "posts": [{"post_id": a.post_id, "version": a.version, "accepted_at": _when(a.accepted_at)} for a in posts],
    }


def _notification_settings(user: User, email_modes: dict[str, str]) -> dict[str, Any]:
    follows = db.session.scalars(
        select(Subscription)
        .where(Subscription.user_id == user.id)
        .order_by(Subscription.target, Subscription.target_id)
    ).all()
    user_names = dict(
        db.session.execute(
            select(User.id, User.username).where(User.id.in_([f.target_id for f in follows if f.target == "user"]))
        )
        .tuples()
        .all()
    )
    tag_names = dict(
        db.session.execute(
            select(Tag.id, Tag.name).where(Tag.id.in_([f.target_id for f in follows if f.target == "tag"]))
        )
        .tuples()
        .all()
    )
    named = {"user": user_names, "tag": tag_names}

    def follow(sub: Subscription) -> dict[str, Any]:
        entry: dict[str, Any] = {"target": sub.target, "id": sub.target_id, "muted": sub.muted}
        # People and tags by the name they followed; posts and groups by id only.
        if sub.target in named:
            entry["name"] = named[sub.target].get(sub.target_id)
        return entry

    chosen = db.session.scalars(select(EmailPreference.category).where(EmailPreference.user_id == user.id)).all()
    return {
        # Notification mail goes to the account address, once verified (services/email_verification.py).
        "notification_email": user.email if user.is_verified else None,
        "email_modes": email_modes,
        "modes_you_chose": sorted(chosen),
        "follows": [follow(f) for f in follows],
    }


def _access_requests(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(AccessRequest).where(AccessRequest.user_id == user.id).order_by(AccessRequest.id))
    return [{"post_id": r.post_id, "note": r.note, "status": r.status, "created_at": _when(r.created_at)} for r in rows]


def _reports(user: User) -> list[dict[str, Any]]:
    """Reports they filed: their reason and details, never the copy of the reported text."""
    rows = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))
    return [
        {
            "post_id": r.post_id,
            "comment_id": r.comment_id,
            "message_id": r.message_id,
            "reason": r.reason,
            "details": r.details,
            "created_at": _when(r.created_at),
        }
        for r in rows
    ]


def _conversations(user: User) -> list[dict[str, Any]]:
    readable = {c.id: c for c in db.session.scalars(visibility.visible_conversations(user))}
    places = db.session.scalars(
        select(ConversationParticipant)
        .where(ConversationParticipant.user_id == user.id)
        .order_by(ConversationParticipant.conversation_id)
    )
    out = []
    for place in places:
        entry: dict[str, Any] = {"id": place.conversation_id, "joined_at": _when(place.joined_at)}
        conversation = readable.get(place.conversation_id)
        if conversation is None:  # left or declined: closed to them, like a post they left the audience of
            out.append(entry | {"left_at": _when(place.left_at), "text_withheld": True})
            continue
        out.append(entry | _conversation(user, conversation, place))
    return out


def _conversation(user: User, conversation: Conversation, place: ConversationParticipant) -> dict[str, Any]:
    messages = db.session.scalars(visibility.messages_of(user, conversation))
    return {
        "subject": conversation.subject,
        "state": place.state,
        "muted": place.muted_at is not None,
        "last_read_at": _when(place.last_read_at),
        "participants": [
            {"username": p.user.username, "state": p.state, "left": p.left_at is not None}
            for p in conversation_queries.participants(user, conversation)
        ],
        "messages": [
            {
                "id": m.id,
                "author": m.author.username if m.author else None,
                "mine": m.author_id == user.id,
                "body_markdown": "" if m.is_removed else m.body_md,
                "removed_by_moderator": m.is_removed,
                "written_at": _when(m.created_at),
                "edited_at": _when(m.edited_at),
                "files": []
                if m.is_removed
                else [{"filename": f.filename, "content_type": f.content_type, "size": f.size} for f in m.files],
            }
            for m in messages
        ],
    }


def _files(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Attachment).where(Attachment.uploader_id == user.id).order_by(Attachment.id))
    return [
        {
            "post_id": a.post_id,
            "comment_id": a.comment_id,
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "created_at": _when(a.created_at),
        }
        for a in rows
    ]


def _tokens(user: User) -> list[dict[str, Any]]:
    """API tokens and the private feed address: names and dates, never a secret or its hash."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [
        {
            "name": t.name,
            "scope": t.scope,
            "created_at": _when(t.created_at),
            "expires_at": _when(t.expires_at),
            "revoked_at": _when(t.revoked_at),
        }
        for t in rows
    ]


def filename_for(user: User, now: datetime) -> str:
    return f"{user.username}-data-{now:%Y-%m-%d}.json"
