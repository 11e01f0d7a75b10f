"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_login import current_user
from jinja2 import BytecodeCache

from forum.rendering.dates import time_ago
from forum.rendering.header_html import site_header
from forum.rendering.listing_html import card_html
from forum.rendering.post_html import post_part
from forum.rendering.thread_html import render_thread
from forum.rendering.vote_html import vote_form, vote_widget
from forum.web.links import fixed, link, user_link
from forum.web.paging import bad_page
from forum.web.routing import current_view


def url_for_page(page: int) -> str:
    """The current URL with another `page`, keeping the other query arguments."""
    endpoint, view_args = current_view()
    args = {**view_args, **request.args.to_dict(), "page": page}
    return url_for(endpoint, **args)


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app in this process, keyed by name and source
    checksum. Production builds one app per worker and gains nothing; the test suite
    builds an app per test and would otherwise recompile every template each time."""

    _store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._store.get(bucket.key + bucket.checksum)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key + bucket.checksum] = bucket.bytecode_to_string()


def init_app(app: Flask) -> None:
    app.jinja_env.bytecode_cache = ProcessBytecodeCache()
    # Markup built in Python for what a page prints many times (see each module).
    app.jinja_env.globals.update(
        bad_page=bad_page,
        link=link,
        fixed=fixed,
        render_user_link=user_link,
        render_vote_widget=vote_widget,
        vote_form=vote_form,
        render_thread=render_thread,
        render_post_card=card_html,
        site_header=site_header,
        post_part=post_part,
    )
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.globals["url_for_page"] = url_for_page
    # Imported macros have no template context; the proxy resolves per request.
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
