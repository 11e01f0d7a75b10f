"""Links for pages that print many of them (comment threads, post cards), by string
formatting from patterns that the URL map built once.

`url_for` costs about 15 µs (a map lookup, converters, URL-default hooks); a 150-comment
page needs 600 links. The pattern for each endpoint is made by the same URL map with a
marker in place of the one argument, so a link can never disagree with its route, and it
follows the route if the route changes. Only endpoints with one plain argument are here;
anything else uses `url_for`.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, current_app, request
from markupsafe import Markup, escape

# (endpoint, its one argument). Add an endpoint here before using it with `link`.
ENDPOINTS = (
    ("posts.view", "post_id"),
    ("posts.comment_permalink", "comment_id"),
    ("posts.reply", "comment_id"),
    ("posts.comment", "post_id"),
    ("posts.edit", "post_id"),
    ("posts.delete", "post_id"),
    ("moderation.report_post", "post_id"),
    ("notifications.follow_post", "post_id"),
    ("reading_list.save_post", "post_id"),
    ("posts.edit_comment", "comment_id"),
    ("posts.delete_comment", "comment_id"),
    ("moderation.report_comment", "comment_id"),
    ("moderation.remove_comment", "comment_id"),
    ("moderation.restore_comment", "comment_id"),
    ("users.profile", "username"),
    ("main.tag", "name"),
)
# Accepted by the int and the string converters alike, and found in no route's text.
_MARK = "7357913579"
_KEY = "forum.web.links"
# What werkzeug's string converter leaves unquoted, so these links equal url_for's.
_PATH_SAFE = "!$&'()*+,/:;=@"


def _patterns(app: Flask) -> dict[str, tuple[str, str]]:
    patterns = app.extensions.get(_KEY)
    if patterns is None:
        adapter = app.url_map.bind("localhost", script_name="/")
        patterns = {}
        for endpoint, argument in ENDPOINTS:
            if endpoint.split(".")[0] not in app.blueprints:
                continue
            built = adapter.build(endpoint, {argument: _MARK})
            prefix, suffix = built.split(_MARK)
            patterns[endpoint] = (prefix, suffix)
        app.extensions[_KEY] = patterns
    return patterns


class Links:
    """The patterns, for the current request: `Links().to("posts.view", 7)` is the path
    `url_for("posts.view", post_id=7)` returns, without its cost."""

    __slots__ = ("_root", "_patterns", "_names")

    def __init__(self) -> None:
        self._root = request.script_root
        self._patterns = _patterns(current_app)
        self._names: dict[str, str] = {}

    def to(self, endpoint: str, value: int | str) -> str:
        prefix, suffix = self._patterns[endpoint]
        if isinstance(value, int):
            text = str(value)
        else:  # names repeat on a page (a thread's authors): quote each once
            quoted = self._names.get(value)
            if quoted is None:
                quoted = self._names[value] = quote(value, safe=_PATH_SAFE)
            text = quoted
        return f"{self._root}{prefix}{text}{suffix}"

    def user(self, user) -> str:
        """A person's name linking to their profile, as safe HTML. A deleted account has no
        profile: its name ("[deleted account]") links nowhere."""
        if user.is_deleted:
            return f'<span class="user">{escape(user.display_name)}</span>'
        return f'<a class="user" href="{self.to("users.profile", user.username)}">{escape(user.display_name)}</a>'


def user_link(user) -> Markup:
    """The template global behind the `user_link` macro."""
    return Markup(Links().user(user))


def link(endpoint: str, value: int | str) -> str:
    """The template global: `link('posts.view', post.id)`."""
    return Links().to(endpoint, value)


_FIXED_KEY = "forum.web.links.fixed"


def fixed(endpoint: str) -> str:
    """The template global: `fixed('main.tags')` is `url_for('main.tags')` for a route with
    no arguments, built once per app by the same URL map. The header and menu print about
    thirty of them on every page, at about 15 µs each through url_for."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup a call, not two
    paths = app.extensions.setdefault(_FIXED_KEY, {})
    path = paths.get(endpoint)
    if path is None:
        path = paths[endpoint] = app.url_map.bind("localhost", script_name="/").build(endpoint, {})
    return f"{request.script_root}{path}"
