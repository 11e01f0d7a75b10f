"""Atom feeds: the front page (hot, new), tags, users and groups as an anonymous reader
sees them, and each user's private feed behind a secret address.

Every public feed is built for `feeds.ANONYMOUS`, never for `current_user`, even when
the request carries a session cookie: a feed URL is pasted into readers, shared and
cached, so it must show only what anyone may see (forum/queries/feeds.py).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, request, url_for

from forum import visibility
from forum.queries import feeds, listings
from forum.queries.feeds import ANONYMOUS
from forum.queries.users import user_named_or_404
from forum.rendering import atom
from forum.services import feed_tokens
from forum.web.routing import current_view

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

SORT_TITLES = {"hot": "Hot posts", "new": "New posts"}


def atom_response(feed: atom.Feed, *, private: bool = False) -> Response:
    response = Response(atom.render(feed), content_type=f"{atom.MIMETYPE}; charset=utf-8")
    if private:
        # One person's reading list: no shared cache may keep it, no disk either.
        response.headers["Cache-Control"] = "private, no-store"
        return response
    # Revalidate every time, by content: a post whose audience was narrowed must leave a
    # cached copy at once. (Last-Modified would not do: removing an entry does not make
    # the newest one newer.)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    response.make_conditional(request)  # returns itself, though typed as Werkzeug's base Response
    return response


def _self_url() -> str:
    endpoint, view_args = current_view()
    return url_for(endpoint, **view_args, _external=True)


@bp.route("/hot.atom", defaults={"sort": "hot"})
@bp.route("/new.atom", defaults={"sort": "new"})
def front_page(sort: str):
    entries = feeds.post_entries(ANONYMOUS, listings.front_page(ANONYMOUS, sort))
    page = url_for("main.index", sort=None if sort == listings.SORTS[0] else sort, _external=True)
    return atom_response(feeds.build(SORT_TITLES[sort], _self_url(), page, entries))


@bp.route("/tags/<name>.atom")
def tag(name: str):
    tag = listings.visible_tag(ANONYMOUS, name)
    if tag is None:
        abort(404)
    entries = feeds.post_entries(ANONYMOUS, listings.front_page(ANONYMOUS, "new", tag))
    page = url_for("main.tag", name=tag.name, _external=True)
    return atom_response(feeds.build(f"Posts tagged “{tag.name}”", _self_url(), page, entries))


@bp.route("/users/<username>.atom")
def user(username: str):
    author = user_named_or_404(username)
    entries = feeds.post_entries(ANONYMOUS, listings.posts_by(ANONYMOUS, author))
    page = url_for("users.profile", username=author.username, _external=True)
    return atom_response(feeds.build(f"Posts by {author.display_name}", _self_url(), page, entries))


@bp.route("/groups/<slug>.atom")
def group(slug: str):
    # Only a group an anonymous visitor may see has a feed; any other answers the 404
    # of a group that does not exist.
    group = visibility.get_group_or_404(slug, ANONYMOUS)
    if not feeds.group_has_feed(group):
        abort(404)
    entries = feeds.post_entries(ANONYMOUS, listings.posts_shared_with_group(ANONYMOUS, group))
    page = url_for("groups.view", slug=group.slug, _external=True)
    return atom_response(feeds.build(f"Posts shared with {group.name}", _self_url(), page, entries))


@bp.route("/private/<token>.atom")
def private(token: str):
    """The owner's newest readable posts, decided for them now: leaving a group or being
    taken out of an audience removes entries from the very next fetch. An unknown and a
    revoked address answer the same 404. Nothing here logs the address."""
    owner = feed_tokens.owner_of(token)
    if owner is None:
        abort(404)
    entries = feeds.post_entries(owner, listings.front_page(owner, "new"))
    entries = [*feeds.reading_list_entry(owner), *entries]
    page = url_for("main.index", sort="new", _external=True)
    feed = feeds.build(
        f"{owner.display_name}’s private feed",
        _self_url(),
        page,
        entries,
        subtitle="Everything you may read, newest first. Keep this address secret.",
    )
    return atom_response(feed, private=True)


@bp.route("/posts/<int:post_id>/comments.atom")
def comments(post_id: int):
    """A public post's newest comments. Any post an anonymous reader may not read in full
    (restricted, members only, behind terms, deleted or removed) answers the 404 of a post
    that never existed, whoever asks."""
    post = visibility.get_post_body_or_404(post_id, ANONYMOUS)
    if post.is_deleted:
        abort(404)
    page = url_for("posts.view", post_id=post.id, _external=True)
    return atom_response(feeds.build(f"Comments on “{post.title}”", _self_url(), page, feeds.comment_entries(post)))


# --- access logs ------------------------------------------------------------------------

# Servers' access logs (werkzeug's in development, gunicorn's in production) record every
# path, and a private feed's path is its key: they get the token masked.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
_SECRET = re.compile(re.escape(feed_tokens.PREFIX) + r"[A-Za-z0-9_-]+")


class MaskFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if feed_tokens.PREFIX in message:
            record.msg, record.args = _SECRET.sub(feed_tokens.PREFIX + "…", message), ()
        return True


@bp.record_once
def _mask_tokens_in_access_logs(_state) -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskFeedTokens) for f in logger.filters):
            logger.addFilter(MaskFeedTokens())
