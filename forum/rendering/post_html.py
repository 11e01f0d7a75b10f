"""The post page's own parts (outside the thread) that are the same for every reader of a
post version and kind of viewer, rendered once and kept, with each viewer's state left to
the template around them.

The idiom is the shared thread's and the listing cards' (thread_html.py, listing_html.py):
a part is kept per worker (`SharedThreads`, under its own name and size) under a key made
of everything it prints, read from what this viewer's own visibility-checked fetch
returned on this request (`get_readable_body_or_gate`, `describe_audience`, `terms_box`,
`edited_for`), and the kind of viewer (signed in, an author, a moderator of the post). Two
viewers share a part only when their own checks gave the same values, so nothing reaches a
viewer that their fetch did not, and an edit, a narrowing, a removal or a terms change is a
different key on the very next request: nothing to invalidate.

What stays per viewer, never kept: the post's vote widget, the actions (edit, delete,
report, moderate, follow, save), the body (marked per reader on a marked post, issue 27,
and a single string to print anyway), the vote rules line (the viewer's karma), a comment
form holding typed text or errors, and drafts and removed posts as a whole (their boxes and
notices speak to the one viewer). The CSRF token a kept part printed (the empty comment
form's) is swapped for a placeholder and each viewer's own goes back in.

In the template: `{% call post_part('head', part_key) %}...{% endcall %}`; a key of None
renders the block for this viewer alone.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from forum.models import is_signed_in
from forum.rendering.dates import time_ago
from forum.rendering.thread_html import CSRF, SharedThreads, app_store


def shared_posts() -> SharedThreads | None:
    """The app's kept post parts; None when SHARED_POSTS is 0."""
    return app_store("shared_posts", 256)


def _people(users) -> tuple:
    return tuple((u.id, u.username, u.display_name, u.is_deleted) for u in users)


def part_key(
    viewer, post, *, can_moderate: bool, shows_edit: bool, audience: dict | None, post_terms: dict | None
) -> Any:
    """What the post's kept parts print (the title, badge, byline, audience line, terms
    box, notices and tags), as this `viewer`'s own checks returned it on this request; None:
    a post whose parts speak to this viewer alone (a draft, a removed or deleted post)."""
    if post.is_draft or post.is_removed or post.is_deleted or audience is None:
        return None
    signed_in = is_signed_in(viewer)
    viewer_id = viewer.id if signed_in else None
    kind = (signed_in, viewer_id == post.author_id, viewer_id in post.author_ids, can_moderate)
    terms = None
    if post_terms is not None:
        accepted = post_terms["accepted"]
        terms = (
            post_terms["is_author"],
            post_terms["terms"].version,
            post_terms["terms"].body_html,
            None if not accepted else (accepted.accepted_at.isoformat(), time_ago(accepted.accepted_at)),
        )
    shown = (
        post.id,
        post.title,
        post.audience_kind,
        post.marks_copies,
        post.created_at.isoformat(),
        time_ago(post.created_at),
        str(post.edited_at) if shows_edit else None,
        _people(post.authors),
        tuple(t.name for t in post.tags),
        (
            audience["kind"],
            _people(audience["users"]),
            tuple((g.slug, g.name) for g in audience["groups"]),
            audience["others"],
        ),
        terms,
    )
    return (kind, shown)


def comment_form_key(post, form) -> Any:
    """The comment form as every member gets it (empty, no errors): kept per post, since its
    action names the post; None for a form holding what someone typed, or its errors."""
    if form is None or form.errors or any(field.data for field in form if field.name != "csrf_token"):
        return None
    return ("comment-form", post.id)


def post_part(name: str, key: Any, caller) -> Markup:
    """Template global: the part `caller` renders, kept under (`name`, `key`) and shared by
    every viewer whose own checks gave the same key; the viewer's CSRF token put back in."""
    store = shared_posts() if key is not None else None
    if store is None:
        return caller()
    token = generate_csrf() if current_user.is_authenticated else ""
    found = store.get((name, key))
    if found is None:
        html = str(caller())
        found = ([html.replace(token, CSRF) if token else html], False)
        store.put((name, key), found)
    text = found[0][0]
    assert isinstance(text, str)
    return Markup(text.replace(CSRF, token) if token else text)
