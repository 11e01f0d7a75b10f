"""Listing a restricted post, and requests for access to it.

The author lists a restricted post with an abstract; signed-in members then see its
card (`visibility.discoverable`) and may ask for access. The author, or an owner or admin
of a group it is shared with, approves (the requester's user token joins the audience;
they still accept the post's terms before reading) or declines.
"""

from __future__ import annotations

from sqlalchemy import select

from forum import permissions, visibility
from forum.extensions import db
from forum.models import AccessRequest, Post, PostAudience, PostListing, User
from forum.models._time import utcnow
from forum.models.principals import user_token
from forum.search import indexing
from forum.services import history
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write
from forum.services.unique import add_once

ABSTRACT_MIN, ABSTRACT_MAX = 20, 600
NOTE_MAX = 500


def set_listing(actor: User, post: Post, listed: bool, abstract: str | None) -> PostListing | None:
    if not permissions.can_see_acceptances(actor, post):  # the author's own business
        raise ServiceError("Only the author lists a post.", status=403)
    listing = db.session.get(PostListing, post.id)
    if not listed:
        if listing is not None:
            db.session.delete(listing)
            db.session.commit()
            indexing.post_changed(post.id)
        return None
    if post.audience_kind != "restricted":
        raise ServiceError("Only restricted posts are listed: every member can already read this one.", field="listed")
    abstract = (abstract or "").strip()
    if not ABSTRACT_MIN <= len(abstract) <= ABSTRACT_MAX:
        raise ServiceError(
            f"Write an abstract of {ABSTRACT_MIN} to {ABSTRACT_MAX} characters: it is the only text outsiders see.",
            field="abstract",
        )
    if listing is None:
        listing = PostListing(post_id=post.id, abstract=abstract)
        db.session.add(listing)
    else:
        listing.abstract = abstract
    db.session.commit()
    indexing.post_changed(post.id)
    return listing


def request_access(user: User, post: Post, note: str | None) -> AccessRequest:
    """`post` was fetched with `visibility.get_listing_or_404`."""
    ensure_can_write(user, "request")
    if visibility.can_read_post(user, post.id):
        raise ServiceError("You can already read this post.", status=409)
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ServiceError(f"Keep the note to {NOTE_MAX} characters.", field="note")
    already = ServiceError("You already asked for access to this post; the author has not decided yet.", status=409)
    if pending_request(user, post) is not None:
        raise already
    return add_once(AccessRequest(post_id=post.id, user_id=user.id, note=note), already)


def pending_request(user: User, post: Post) -> AccessRequest | None:
    return db.session.scalar(
        select(AccessRequest).where(
            AccessRequest.post_id == post.id,
            AccessRequest.user_id == user.id,
            AccessRequest.status == "pending",
        )
    )


def decide(actor: User, post: Post, request_id: int, approve: bool) -> AccessRequest:
    if not permissions.can_decide_access(actor, post):
        raise ServiceError(
            "Only the post's author, or an admin of a group it is shared with, decides requests.", status=403
        )
    found = db.session.scalar(
        select(AccessRequest).where(AccessRequest.id == request_id, AccessRequest.post_id == post.id)
    )
    if found is None:
        raise ServiceError("No such request.", status=404)
    if found.status != "pending":
        raise ServiceError(f"That request was already {found.status}.", status=409)
    found.status = "approved" if approve else "declined"
    found.decided_by_id, found.decided_at = actor.id, utcnow()
    if approve:
        token = user_token(found.user_id)
        if db.session.get(PostAudience, (post.id, token)) is None:
            # The new reader reads the post as it is now, not what it said before.
            history.keep_with(post, {row.principal for row in post.audience})
            db.session.add(PostAudience(post_id=post.id, principal=token))
    db.session.commit()
    if approve:
        indexing.post_changed(post.id)  # the new reader's token goes into the index too
    return found
