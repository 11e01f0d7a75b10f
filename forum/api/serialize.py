"""Objects as the caller may see them. Callers fetched every object through
`visibility` first; these functions only decide which of its fields to show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import url_for

from forum import permissions, visibility
from forum.models import Comment, Group, GroupInvitation, JoinRequest, Membership, Post, PostTerms, User
from forum.models.user import DELETED_NAME
from forum.queries import groups as group_queries
from forum.queries import listings, marked_copies
from forum.queries.threads import Node
from forum.services import terms as terms_service
from forum.services.votes import ViewerVotes, viewer_votes


def when(moment: datetime | None) -> str | None:
    """Stored times are naive UTC."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


def _state(item: Post | Comment) -> str:
    return "deleted" if item.is_deleted else "removed" if item.is_removed else "live"


def user_ref(user: User) -> dict:
    if user.is_deleted:  # its name stays reserved and is shown nowhere (docs/accounts.md)
        return {"username": DELETED_NAME, "display_name": DELETED_NAME, "url": ""}
    return {
        "username": user.username,
        "display_name": user.display_name,
        "url": url_for("api.user", username=user.username),
    }


def user(person: User, *, post_count: int, comment_count: int) -> dict:
    return {
        "username": person.username,
        "display_name": person.display_name,
        "bio": person.bio,
        "bio_html": person.bio_html,
        "interests": [i.name for i in person.interests],
        "karma": person.karma,
        "role": person.role,
        "created_at": when(person.created_at),
        "url": url_for("api.user", username=person.username),
        "post_count": post_count,
        "comment_count": comment_count,
    }


def gated_ids(viewer, posts: Iterable[Post]) -> set[int]:
    """Which of these (listed) posts show the caller only their title, in one query."""
    return listings.gated_among(viewer, (p.id for p in posts if p.terms_version is not None))


def _karma_numbers(item: Post | Comment, votes: ViewerVotes, shown: bool) -> dict:
    """Score, count and the caller's vote, as the vote widget shows them: not at all where
    the page shows a placeholder instead of the item."""
    if not shown:
        return {"score": None, "vote_count": None, "my_vote": None}
    return {"score": item.score, "vote_count": item.vote_count, "my_vote": votes.choice(item)}


def _agreement_numbers(item: Comment, votes: ViewerVotes, shown: bool) -> dict:
    if not shown:
        return {"agreement": None, "agreement_count": None, "my_agreement": None}
    return {
        "agreement": item.agreement,
        "agreement_count": item.agreement_count,
        "my_agreement": votes.choice(item, "agreement"),
    }


def post_summary(post: Post, gated: bool, votes: ViewerVotes, edited: bool) -> dict:
    """`votes`: the caller's votes on the page's posts (`services.votes.viewer_votes`);
    `edited`: the caller may read an earlier version (`visibility.edited_for`)."""
    deleted = post.is_deleted
    return {
        "id": post.id,
        "title": "[deleted]" if deleted else post.title,
        "author": user_ref(post.author),
        "coauthors": [user_ref(u) for u in post.coauthors],
        "draft": post.is_draft,
        "created_at": when(post.created_at),
        "edited_at": when(post.edited_at) if edited else None,
        "tags": [] if deleted else [t.name for t in post.tags],
        "audience_kind": post.audience_kind,
        "comment_count": post.comment_count,
        **_karma_numbers(post, votes, not deleted),
        "state": _state(post),
        "url": url_for("api.post", post_id=post.id),
        "gated": gated,
    }


def post_summaries(viewer, posts: list[Post]) -> list[dict]:
    gated = gated_ids(viewer, posts)
    votes = viewer_votes(viewer, post_ids=[p.id for p in posts])
    edited = visibility.edited_for(viewer, posts)
    return [post_summary(p, p.id in gated, votes, p.id in edited) for p in posts]


def search_result(item) -> dict:
    """One search hit (`forum.search.service.Result`); `snippet` is null for a gated post."""
    post, comment = item.post, item.comment
    return {
        "kind": item.kind,
        "post_id": post.id,
        "comment_id": comment.id if comment else None,
        "title": post.title,
        "author": user_ref(comment.author if comment else post.author),
        "created_at": when(item.created),
        "snippet_html": None if item.snippet is None else str(item.snippet),
        "state": _state(comment or post),
        # A listing card's post is not readable: its URL is the page to request access.
        "url": url_for("access.request_access", post_id=post.id)
        if item.kind == "listing"
        else url_for("api.comment", comment_id=comment.id)
        if comment
        else url_for("api.post", post_id=post.id),
    }


def terms(version: PostTerms | None, *, accepted: bool) -> dict | None:
    if version is None:
        return None
    return {
        "version": version.version,
        "body_md": version.body_md,
        "body_html": version.body_html,
        "accepted": accepted,
    }


def post(viewer, post: Post, gate: PostTerms | None) -> dict:
    """A post fetched with `visibility.get_readable_body_or_gate`: `gate` is the terms to
    accept first, and then the body stays hidden."""
    edited = post.id in visibility.edited_for(viewer, [post])
    data = post_summary(post, gate is not None, viewer_votes(viewer, post_ids=[post.id]), edited)
    hide_body = gate is not None or post.is_deleted
    if gate is not None:
        shown_terms = terms(gate, accepted=False)
    else:
        shown_terms = terms(terms_service.current_terms(post), accepted=True)
    audience = visibility.describe_audience(viewer, post)
    data.update(
        {
            # A marked post's reader gets their own copy; its authors get the source.
            "body_md": None if hide_body else marked_copies.markdown_for(viewer, post),
            "body_html": None if hide_body else marked_copies.html_for(viewer, post),
            "audience": {
                "kind": audience["kind"],
                "users": [u.username for u in audience["users"]],
                "groups": [g.slug for g in audience["groups"]],
                "others": audience["others"],
            },
            "terms": None if post.is_deleted else shown_terms,
            "removal_reason": post.removal_reason if post.is_removed else None,
            "can_edit": permissions.can_edit_post(viewer, post),
            "can_delete": permissions.can_delete_post(viewer, post),
            "can_comment": gate is None and permissions.can_comment(viewer, post),
        }
    )
    return data


def comment(viewer, item: Comment, votes: ViewerVotes | None = None) -> dict:
    """`votes`: the caller's votes on a page of comments; read here for a single one."""
    shown = visibility.shows_comment(viewer, item)
    if votes is None:
        votes = viewer_votes(viewer, comment_ids=[item.id])
    return {
        "id": item.id,
        "post_id": item.post_id,
        "parent_id": item.parent_id,
        "author": user_ref(item.author) if shown else None,
        "body_md": item.body_md if shown else None,
        "body_html": item.body_html if shown else None,
        "created_at": when(item.created_at),
        "edited_at": when(item.edited_at) if shown else None,
        "state": _state(item),
        **_karma_numbers(item, votes, shown),
        **_agreement_numbers(item, votes, shown),
        "url": url_for("api.comment", comment_id=item.id),
    }


def comments(viewer, items: list[Comment]) -> list[dict]:
    votes = viewer_votes(viewer, comment_ids=[c.id for c in items])
    return [comment(viewer, c, votes) for c in items]


def comment_node(viewer, node: Node, votes: ViewerVotes) -> dict:
    return {
        "comment": comment(viewer, node.comment, votes),
        "reply_count": node.reply_count,
        "replies": [comment_node(viewer, child, votes) for child in node.children],
    }


def group_ref(grp: Group) -> dict:
    return {"slug": grp.slug, "name": grp.name, "url": url_for("api.group", slug=grp.slug)}


def groups(viewer, items: list[Group]) -> list[dict]:
    """Groups as the caller may see them; counts only where `can_see_group_activity`
    (an invitee to an unlisted group learns its name and description, nothing more)."""
    ids = [g.id for g in items]
    members = group_queries.member_counts(ids) if ids else {}
    posts = group_queries.post_counts(viewer, ids) if ids else {}
    states = group_queries.viewer_states(viewer, ids)
    result = []
    for grp in items:
        activity = visibility.can_see_group_activity(viewer, grp)
        result.append(
            {
                **group_ref(grp),
                "description": grp.description,
                "description_html": grp.description_html,
                "listed": grp.listed,
                "join_policy": grp.join_policy,
                "interests": [i.name for i in grp.interests],
                "created_at": when(grp.created_at),
                "member_count": members.get(grp.id, 0) if activity else None,
                "post_count": posts.get(grp.id, 0) if activity else None,
                "state": states.get(grp.id),
            }
        )
    return result


def member(row: Membership) -> dict:
    return {"user": user_ref(row.user), "role": row.role, "joined_at": when(row.created_at)}


def invitation(row: GroupInvitation) -> dict:
    return {
        "id": row.id,
        "group": group_ref(row.group),
        "user": user_ref(row.user),
        "invited_by": user_ref(row.invited_by),
        "status": row.status,
        "created_at": when(row.created_at),
    }


def join_request(row: JoinRequest) -> dict:
    return {
        "id": row.id,
        "group": group_ref(row.group),
        "user": user_ref(row.user),
        "statement": row.statement,
        "status": row.status,
        "created_at": when(row.created_at),
    }


def report(row) -> dict:
    return {
        "id": row.id,
        "reason": row.reason,
        "status": row.status,
        "post_id": row.post_id,
        "comment_id": row.comment_id,
        "message_id": row.message_id,
        "created_at": when(row.created_at),
    }
