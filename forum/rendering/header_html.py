"""The site's header, a member's kept per worker under everything it prints.

Every page prints the header, and a member's costs about 0.3 ms more template than a
visitor's (bench/README.md, "The fixed cost, round two"). `templates/_site_header.html`
reads nothing but the values passed to it here (no `current_user`, no `request`), and a
member's rendered header is kept under exactly those values: who they are (id, username,
display name), whether they may post (a ban), the bell's label, moderator or not and the
open reports, the poll interval and the script root. So a ban, a new notification, a role
given or taken, a rename is a different key on the very next request, and one member's
header can never reach another, whose id differs. Each value is this request's own, read
by the context processors that check it (moderation, the bell).

Flask-WTF stamps a fresh CSRF token per request, so the kept text holds the shared
thread's marker (`thread_html.CSRF`) where the sign-out forms print it, and each request
gets its own token back.

A visitor's header is kept the same way, under the same values (no member), with a marker
where its sign-in link names the page to come back to, and each request puts its own address
there. Not kept: any header on the search page (its search box holds the query).
"""

from __future__ import annotations

import secrets
from typing import Any, NamedTuple

from flask import current_app, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from forum.models import is_signed_in
from forum.queries.inbox import bell_label
from forum.rendering.thread_html import CSRF, SharedThreads, app_store

TEMPLATE = "_site_header.html"
# Where a visitor's kept header links to the sign-in page: a string no one can write, like CSRF.
SIGN_IN = f"\x00sign-in-{secrets.token_hex(16)}\x00"


class Member(NamedTuple):
    id: int
    username: str
    display_name: str


def shared_headers() -> SharedThreads | None:
    """The app's kept headers; None when SHARED_HEADERS is 0."""
    return app_store("shared_headers", 512)


def header_values(context: Context) -> dict[str, Any]:
    """Everything the header prints, for this request and viewer."""
    member = None
    viewer = current_user._get_current_object()  # the proxy looked up once
    if is_signed_in(viewer):
        member = Member(viewer.id, viewer.username, viewer.display_name)
    unread = context.get("unread_notifications") or 0
    moderator = bool(context.get("is_site_moderator"))
    sign_in_url = None
    if member is None:
        back = request.full_path if request.endpoint not in ("auth.login", "auth.register") else None
        sign_in_url = url_for("auth.login", next=back)
    return {
        "member": member,
        "can_post": not context.get("ban_notice"),
        "bell": bell_label(unread),
        "bell_empty": not unread,
        "poll_seconds": context.get("notification_poll_seconds"),
        "moderator": moderator,
        "open_reports": (context.get("open_report_count") or 0) if moderator else 0,
        "search_value": request.args.get("q", "")[:200] if request.endpoint == "search.results" else None,
        "sign_in_url": sign_in_url,
        "script_root": request.script_root,  # in every link the header prints
    }


def _render(values: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(TEMPLATE).render(values)


@pass_context
def site_header(context: Context) -> Markup:
    """The template global base.html prints."""
    values = header_values(context)
    store = shared_headers()
    if values["search_value"] is not None or store is None:
        return Markup(_render(values))
    # The one thing a kept header holds that is the request's own: a member's CSRF token, or
    # the address a visitor's sign-in link comes back to. A marker stands in for it.
    if values["member"] is None:
        marker, own = SIGN_IN, str(escape(values["sign_in_url"]))
        values = {**values, "sign_in_url": SIGN_IN}  # printed as it is: escaping leaves it whole
    else:
        marker, own = CSRF, generate_csrf()  # printed by the template: replaced once rendered
    key = ("header", *sorted(values.items()))
    found = store.get(key)
    if found is None:
        text = _render(values)
        found = ([text.replace(own, CSRF) if marker is CSRF else text], False)
        store.put(key, found)
    return Markup(found[0][0].replace(marker, own))  # a header is one text
